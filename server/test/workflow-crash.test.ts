import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate } from '../src/db/migrations.ts';
import { openDatabase } from '../src/db/open-database.ts';
import { startServerProcess, type ServerProcess } from './server-process.ts';

const root = join(import.meta.dirname, '..', '..');
const RUNS = 1_000;
const onPostgres = Boolean(process.env['DATABASE_URL']);
const databaseUrl = process.env['DATABASE_URL'] ?? '';
const dataDir = onPostgres ? undefined : mkdtempSync(join(tmpdir(), 'protean-wf-crash-'));
const children: ServerProcess[] = [];
afterAll(async () => {
  for (const child of children) await child.kill();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const env = { PROTEAN_DATA_DIR: dataDir ?? '', PROTEAN_JOB_LEASE_MS: '3000' };

/** The command line creates the workspace and an API key (before the server starts: PGlite is one process's). */
function createWorkspace(slug: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(root, 'scripts', 'node24.mjs'), '--no-node-snapshot', join(root, 'server', 'src', 'cli.ts'), 'tenant:create', slug, '--admin-email', `boss@${slug}.test`, '--admin-password', 'long enough secret', '--api-key'],
      { cwd: root, env: { ...process.env, DATABASE_URL: databaseUrl, PROTEAN_PASSWORD_COST: 'test', ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('exit', (code) => {
      const key = /API key: (\S+)/.exec(out)?.[1];
      if (code === 0 && key) resolve(key);
      else reject(new Error(`tenant:create failed (${String(code)}):\n${out}`));
    });
  });
}

async function api(server: ServerProcess, key: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function counts(server: ServerProcess, key: string): Promise<Record<string, number>> {
  const response = await api(server, key, 'GET', '/workflows/crash_follow_up/run-counts');
  expect(response.status).toBe(200);
  return response.body['counts'] as Record<string, number>;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe(`workflow runs survive a SIGKILL of the server (${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  it(`every one of ${RUNS} runs completes after a restart, no committed step runs twice, none is lost`, async () => {
    const slug = `crash-${Date.now().toString(36)}`;
    const key = await createWorkspace(slug);
    let server = await startServerProcess(databaseUrl, env);
    children.push(server);
    const created = await api(server, key, 'POST', '/workflows', {
      apiName: 'crash_follow_up',
      label: 'Crash follow-up',
      definition: {
        trigger: { type: 'record', object: 'customer', events: ['created'] },
        start: 'task',
        steps: [
          { id: 'task', type: 'createTask', config: { subject: 'Call {{record.last_name}}' }, next: 'mark' },
          { id: 'mark', type: 'setVariable', config: { name: 'stage', value: 'called' }, next: 'pause' },
          { id: 'pause', type: 'wait', config: { mode: 'duration', duration: { amount: 3, unit: 'seconds' } }, next: 'note' },
          { id: 'note', type: 'updateRecord', config: { values: { notes: 'followed up by {{run.id}}' } }, next: 'done' },
          { id: 'done', type: 'end', config: {} },
        ],
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect((await api(server, key, 'POST', '/workflows/crash_follow_up/activate')).status).toBe(200);
    expect((await api(server, key, 'PATCH', '/workflow-settings', { maxConcurrentRuns: RUNS })).status).toBe(200);

    const operations = Array.from({ length: RUNS }, (_, i) => ({ op: 'create', data: { last_name: `crash-${String(i).padStart(4, '0')}` } }));
    const batch = await api(server, key, 'POST', '/records/customer/batch?return=minimal', { operations });
    expect(batch.status, JSON.stringify(batch.body).slice(0, 500)).toBe(200);

    // Kill it in the middle: runs started (some waiting on their timer, some done), most not finished.
    const before = await until(
      'runs to be under way',
      async () => {
        const c = await counts(server, key);
        if (process.env['WF_CRASH_DEBUG']) console.log(new Date().toISOString(), JSON.stringify(c));
        return (c['waiting'] ?? 0) + (c['completed'] ?? 0) >= 100 ? c : undefined;
      },
      240_000,
    );
    await server.kill();
    expect(before['completed'] ?? 0).toBeLessThan(RUNS);

    server = await startServerProcess(databaseUrl, env);
    children.push(server);
    await until(
      `all ${RUNS} runs to complete`,
      async () => {
        const c = await counts(server, key);
        return (c['completed'] ?? 0) === RUNS ? c : undefined;
      },
      300_000,
    );
    await server.stop();

    const db = await openDatabase({ databaseUrl: databaseUrl || undefined, dataDir, poolSize: 2 });
    try {
      await migrate(db);
      const facts = await db.system(async (q) => {
        const [tenant] = await q.query<{ id: string }>('select id from tenant where slug = $1', [slug]);
        const tenantId = tenant!.id;
        const runs = await q.query<{ status: string; steps: string }>(
          `select r.status, string_agg(s.step_id || ':' || s.status, ',' order by s.seq) as steps
             from workflow_run r join workflow_step s on s.tenant_id = r.tenant_id and s.run_id = r.id where r.tenant_id = $1 group by r.id, r.status`,
          [tenantId],
        );
        const tasks = await q.query<{ per: number; n: number }>(
          "select per, count(*)::int as n from (select count(t.id)::int as per from record c left join record t on t.tenant_id = c.tenant_id and t.object_id = 'task' and t.data->>'related_customer' = c.id::text where c.tenant_id = $1 and c.object_id = 'customer' group by c.id) x group by per",
          [tenantId],
        );
        const noted = await q.query<{ n: number }>("select count(*)::int as n from record where tenant_id = $1 and object_id = 'customer' and data->>'notes' like 'followed up by %'", [tenantId]);
        return { runs, tasks, noted: noted[0]!.n };
      });
      expect(facts.runs).toHaveLength(RUNS);
      const shapes = new Set(facts.runs.map((r) => `${r.status} ${r.steps}`));
      expect([...shapes]).toEqual(['completed task:completed,mark:completed,pause:completed,note:completed,done:completed']);
      // Each customer has exactly one task: a committed createTask never ran twice, and none is missing.
      expect(facts.tasks).toEqual([{ per: 1, n: RUNS }]);
      expect(facts.noted).toBe(RUNS);
    } finally {
      await db.close();
    }
  }, 660_000);
});
