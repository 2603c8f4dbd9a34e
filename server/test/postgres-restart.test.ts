import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haltPostgres, resumePostgres, startPostgres, stopPostgres, type PostgresServer } from '../../scripts/pg-server.mjs';
import { buildApp, type App } from '../src/app.ts';
import type { Database } from '../src/db/database.ts';
import { migrate } from '../src/db/migrations.ts';
import { openDatabase } from '../src/db/open-database.ts';
import { OutboxConsumer } from '../src/events/outbox-consumer.ts';
import { waitFor } from './harness.ts';

// PGlite runs inside the test process: there is no server to restart. The suite's PostgreSQL
// run (DATABASE_URL set) has the binaries; this test starts and restarts a server of its own.
const onPostgres = Boolean(process.env['DATABASE_URL']);
const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const LOAD_WORKERS = 4;
const MAX_REQUESTS = 3_000;

/** The real server as a process of its own, on a free port; resolves once it says where it listens. */
function startServer(env: Record<string, string>): Promise<{ child: ChildProcess; base: string; output: () => string }> {
  const child = spawn(process.execPath, ['--no-node-snapshot', MAIN], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', PROTEAN_DEMO: '0', PROTEAN_LOG: '0', PROTEAN_PASSWORD_COST: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 30_000);
    child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
    child.stdout!.on('data', () => {
      const match = /running at (http:\/\/[^\s]+)/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      resolve({ child, base: match[1]!, output: () => output });
    });
  });
}

describe.skipIf(!onPostgres)('a Postgres restart under load (PostgreSQL only: PGlite is in-process and has no server to restart)', () => {
  let pg: PostgresServer;
  let pgPid: number;
  let db: Database;
  let second: App;
  let server: Awaited<ReturnType<typeof startServer>>;
  const operatorToken = `op_${randomUUID()}`;

  beforeAll(async () => {
    pg = await startPostgres();
    pgPid = pg.pid;
    db = await openDatabase({ databaseUrl: pg.url, poolSize: 4 });
    await migrate(db);
    // A second server instance in this process: it makes the metadata change the first must hear of.
    second = await buildApp({ db, operatorToken });
    await second.app.ready();
    server = await startServer({ DATABASE_URL: pg.url, PROTEAN_OPERATOR_TOKEN: operatorToken });
  }, 120_000);

  afterAll(async () => {
    server?.child.kill('SIGTERM');
    await second?.app.close();
    await db?.close();
    if (pg) await stopPostgres(pgPid, pg.dir);
  });

  it('the server survives, answers 503 while Postgres is down, serves again within seconds, hears NOTIFY again, and the outbox consumer misses nothing', async () => {
    const created = await second.app.inject({
      method: 'POST',
      url: '/api/v1/tenants',
      headers: { authorization: `Bearer ${operatorToken}` },
      payload: { slug: `restart-${randomUUID().slice(0, 8)}`, name: 'Restart', admin: { email: 'admin@restart.test', name: 'Admin', password: 'correct horse battery' } },
    });
    expect(created.statusCode, created.body).toBe(201);
    const tenantId = (created.json() as { id: string }).id;
    const [admin] = await db.system((q) => q.query<{ id: string }>('select id from app_user where tenant_id = $1', [tenantId]));
    const { key } = await second.auth.createApiKey(tenantId, admin!.id, 'restart test');
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const label = async () => {
      const response = await fetch(`${server.base}/api/v1/metadata/objects/organization`, { headers });
      return response.ok ? ((await response.json()) as { labels: { en: { singular: string } } }).labels.en.singular : undefined;
    };
    expect(await label()).toBe('Organization');

    const delivered = new Map<number, number>();
    let consumerErrors = 0;
    const consumer = new OutboxConsumer(db, {
      name: `restart-${randomUUID()}`,
      pollMs: 50,
      retryMinMs: 20,
      retryMaxMs: 250,
      handle: async (events) => {
        for (const e of events) if (e.tenantId === tenantId) delivered.set(e.id, (delivered.get(e.id) ?? 0) + 1);
      },
      onError: () => (consumerErrors += 1),
    });
    await consumer.start();

    // Bounded load: a few sequential writers against the server process, through the restart.
    const counts = { ok: 0, failed: 0, unreachable: 0, okAfterRestart: 0, other: [] as number[] };
    let restarted = false;
    let stopLoad = false;
    let requests = 0;
    const worker = async (w: number) => {
      while (!stopLoad && requests < MAX_REQUESTS) {
        requests += 1;
        try {
          const response = await fetch(`${server.base}/api/v1/records/organization`, { method: 'POST', headers, body: JSON.stringify({ name: `Load ${w}-${requests}` }) });
          await response.arrayBuffer();
          if (response.status === 201) {
            counts.ok += 1;
            if (restarted) counts.okAfterRestart += 1;
          } else if (response.status === 503 && response.headers.get('retry-after')) counts.failed += 1;
          else counts.other.push(response.status);
        } catch {
          counts.unreachable += 1;
        }
      }
    };
    const load = Promise.all(Array.from({ length: LOAD_WORKERS }, (_, w) => worker(w)));
    try {
      await waitFor('writes before the restart', () => counts.ok >= 20, 15_000);
      await haltPostgres(pgPid, pg.dir);
      await waitFor('writes failing while Postgres is down', () => counts.failed > 0, 10_000);
      pgPid = await resumePostgres(pg.dir);
      const back = Date.now();
      restarted = true;
      await waitFor('the server writing again', () => counts.okAfterRestart >= 20, 10_000);
      const recoveryMs = Date.now() - back;

      // The change is made by the other instance after the restart; only a NOTIFY tells the server.
      const change = await second.app.inject({ method: 'PATCH', url: '/api/v1/metadata/objects/organization', headers, payload: { labels: { en: { singular: 'Clinic', plural: 'Clinics' } } } });
      expect(change.statusCode, change.body).toBe(200);
      await waitFor('the renamed label on the server process', async () => (await label()) === 'Clinic', 15_000);

      stopLoad = true;
      await load;
      const committed = await db.system((q) => q.query<{ id: number }>('select id from outbox_event where tenant_id = $1 order by id', [tenantId]));
      await waitFor('every committed event delivered', () => committed.every((e) => delivered.has(e.id)), 20_000);
      const duplicates = [...delivered.values()].reduce((n, times) => n + times - 1, 0);
      console.info(
        `restart: ${counts.ok} writes ok (${counts.okAfterRestart} after), ${counts.failed} failed while down, serving again ${recoveryMs} ms after Postgres was back; ` +
          `consumer: ${committed.length} events, ${duplicates} delivered twice, ${consumerErrors} failed batches retried`,
      );
      expect(committed.length).toBeGreaterThanOrEqual(counts.ok);
      expect(counts.unreachable).toBe(0);
      expect(counts.other).toEqual([]);
      expect(server.child.exitCode).toBeNull();
      expect(server.child.signalCode).toBeNull();
    } catch (error) {
      throw new Error(`${(error as Error).message}; writes ${JSON.stringify(counts)}; server output:\n${server.output().slice(-3000)}`);
    } finally {
      stopLoad = true;
      await load;
      await consumer.stop();
    }
  }, 120_000);
});
