// Workflow benchmark (issue 24, ADR 0015). Run: node scripts/node24.mjs --no-node-snapshot bench/workflow.ts
//
// On a throwaway PostgreSQL 15 (scripts/pg-server.mjs, 127.0.0.1), the Protean server built in this
// process (requests through Fastify's inject; the job queue, outbox consumer and engine as in production):
//
//   workflow.start_latency.p95_ms   a deal committed → the first step of its run started (both on the
//                                   database's clock: the record's created_at and the step's started_at),
//                                   deals created one at a time; at most 250. Floor: the same latency of
//                                   a bare outbox consumer (commit → handler), measured in the same run.
//   workflow.runs_per_s             completions per second of a 5-step workflow (condition, update the
//                                   record, create a task, notify, end), BENCH_RUNS runs started by a
//                                   batch create; runs ÷ (last finished − first started); at least 300.
//   workflow.waiting_runs_rss_mb    resident memory of a server process (server/src/main.ts) with
//                                   100,000 runs waiting on timers (a 7-day wait); aim under 400. Floor:
//                                   the same process with none. 1,000 runs reach their wait through the
//                                   engine; the other 99,000 are copies of those rows (run, its steps and
//                                   its timer job) made with SQL, so the setup fits the time budget.
//
// Every load loop is bounded in count and time. Environment: BENCH_RUNS (3000), BENCH_LATENCY_SAMPLES (200).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPostgres } from '../scripts/pg-server.mjs';
import { buildApp, type App } from '../server/src/app.ts';
import type { Database } from '../server/src/db/database.ts';
import { migrate } from '../server/src/db/migrations.ts';
import { openDatabase } from '../server/src/db/open-database.ts';
import { OutboxConsumer } from '../server/src/events/outbox-consumer.ts';
import { createTenant } from '../server/src/tenancy/tenant-service.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(process.env['BENCH_RUNS'] ?? 3000);
const SAMPLES = Number(process.env['BENCH_LATENCY_SAMPLES'] ?? 200);
const WAITING = 100_000;
const log = (message: string) => process.stderr.write(`[workflow ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
type Metric = { value: number | null; unit: string; floor: number | null };
const results: Record<string, Metric> = {};
const p95Of = (values: number[]) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * 0.95))]!;

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function client(server: App, key: string) {
  return async (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> => {
    const response = await server.app.inject({
      method: method as 'GET',
      url: `/api/v1${path}`,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
    if (response.statusCode >= 300) throw new Error(`${method} ${path}: ${response.statusCode} ${response.body.slice(0, 300)}`);
    return response.json() as Record<string, unknown>;
  };
}

async function workspace(db: Database, server: App, slug: string) {
  const tenant = await createTenant(db, { slug, name: slug, admin: { email: `boss@${slug}.test`, name: 'Boss', password: 'long enough secret' } }, server.auth.passwords);
  const { key } = await server.auth.createApiKey(tenant.id, tenant.adminId, 'bench');
  const api = client(server, key);
  await api('PATCH', '/workflow-settings', { maxConcurrentRuns: 100_000, maxStepsPerRun: 1000 });
  return { id: tenant.id, api };
}

const fiveSteps = (object: string) => ({
  trigger: { type: 'record', object, events: ['created'] },
  start: 'big',
  steps: [
    { id: 'big', type: 'condition', config: { condition: { path: 'record.amount', op: 'gte', value: 0 } }, branches: { true: 'stage', false: 'done' } },
    { id: 'stage', type: 'updateRecord', config: { values: { probability: 20 } }, next: 'task' },
    { id: 'task', type: 'createTask', config: { subject: 'Qualify {{record.name}}', dueInDays: 3 }, next: 'tell' },
    { id: 'tell', type: 'notify', config: { message: 'New deal {{record.name}}' }, next: 'done' },
    { id: 'done', type: 'end', config: {} },
  ],
});

/** Floor of the start latency: a bare outbox consumer's commit → handler delay, the path every trigger rides. */
async function outboxFloor(db: Database, api: ReturnType<typeof client>, tenantId: string): Promise<number> {
  const seen = new Map<string, number>();
  const consumer = new OutboxConsumer(db, {
    name: `bench-floor-${Date.now()}`,
    startAt: 'now',
    handle: async (events) => {
      for (const e of events) if (e.tenantId === tenantId && e.recordId) seen.set(e.recordId, Date.now());
    },
  });
  await consumer.start();
  const latencies: number[] = [];
  const deadline = Date.now() + 30_000;
  for (let i = 0; i < SAMPLES && Date.now() < deadline; i++) {
    const t0 = Date.now();
    const deal = await api('POST', '/records/deal', { name: `floor ${i}`, amount: 10 });
    const id = String(deal['id']);
    const at = await until('the consumer', async () => seen.get(id), 10_000);
    latencies.push(at - t0);
  }
  await consumer.stop();
  return p95Of(latencies);
}

async function startLatency(db: Database, server: App): Promise<{ p95: number; floor: number }> {
  const t = await workspace(db, server, `wf-latency-${Date.now().toString(36)}`);
  const floor = await outboxFloor(db, t.api, t.id);
  await t.api('POST', '/workflows', { apiName: 'qualify', label: 'Qualify', definition: fiveSteps('deal') });
  await t.api('POST', '/workflows/qualify/activate');
  const deadline = Date.now() + 60_000;
  let made = 0;
  for (; made < SAMPLES && Date.now() < deadline; made++) {
    await t.api('POST', '/records/deal', { name: `deal ${made}`, amount: 1000 + made });
    // One at a time, as people save: latency, not a backlog.
    await new Promise((r) => setTimeout(r, 20));
  }
  const rows = await until(
    'every run to start',
    async () => {
      const r = await db.system((q) =>
        q.query<{ ms: number }>(
          `select extract(epoch from (s.started_at - d.created_at)) * 1000 as ms
             from workflow_run r join record d on d.tenant_id = r.tenant_id and d.id = r.record_id
             join workflow_step s on s.tenant_id = r.tenant_id and s.run_id = r.id and s.seq = 1
            where r.tenant_id = $1`,
          [t.id],
        ),
      );
      return r.length >= made ? r : undefined;
    },
    60_000,
  );
  return { p95: p95Of(rows.map((r) => Number(r.ms))), floor };
}

async function throughput(db: Database, server: App): Promise<number> {
  const t = await workspace(db, server, `wf-rate-${Date.now().toString(36)}`);
  await t.api('POST', '/workflows', { apiName: 'qualify', label: 'Qualify', definition: fiveSteps('deal') });
  await t.api('POST', '/workflows/qualify/activate');
  for (let made = 0; made < RUNS; made += 1000) {
    const n = Math.min(1000, RUNS - made);
    await t.api('POST', '/records/deal/batch?return=minimal', { operations: Array.from({ length: n }, (_, i) => ({ op: 'create', data: { name: `deal ${made + i}`, amount: made + i } })) });
  }
  const span = await until(
    `${RUNS} completions`,
    async () => {
      const [row] = await db.system((q) =>
        q.query<{ done: number; seconds: number }>(
          "select count(*) filter (where status = 'completed')::int as done, extract(epoch from max(finished_at) - min(started_at))::float8 as seconds from workflow_run where tenant_id = $1",
          [t.id],
        ),
      );
      return row && row.done >= RUNS ? row.seconds : undefined;
    },
    180_000,
  );
  const [bad] = await db.system((q) => q.query<{ n: number }>("select count(*)::int as n from workflow_run where tenant_id = $1 and status <> 'completed'", [t.id]));
  if (bad!.n) throw new Error(`${bad!.n} runs did not complete`);
  return RUNS / span;
}

/** Resident memory of a real server process, read from /proc once it is ready and has run a few maintenance rounds. */
async function serverRss(databaseUrl: string): Promise<number> {
  const child = spawn(process.execPath, [join(root, 'scripts', 'node24.mjs'), '--no-node-snapshot', join(root, 'server', 'src', 'main.ts')], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: '0', HOST: '127.0.0.1', PROTEAN_DEMO: '0', PROTEAN_OPERATOR_TOKEN: 'bench-operator' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let output = '';
    const url = await new Promise<string>((resolvePromise, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /running at (http:\/\/[^\s]+)/.exec(output);
        if (match) resolvePromise(match[1]!);
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.on('exit', (code) => reject(new Error(`server exited (${String(code)}):\n${output}`)));
    });
    // Ready, then five seconds of its loops (claims, lease renewal, schedules, next-due look-ups).
    await until('readiness', async () => ((await fetch(`${url}/readyz`)).status === 200 ? true : undefined), 60_000);
    await new Promise((r) => setTimeout(r, 5_000));
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

async function waitingRuns(db: Database, server: App, databaseUrl: string): Promise<{ rss: number; floor: number }> {
  const t = await workspace(db, server, `wf-wait-${Date.now().toString(36)}`);
  await t.api('POST', '/workflows', {
    apiName: 'nurture',
    label: 'Nurture',
    definition: {
      trigger: { type: 'record', object: 'customer', events: ['created'] },
      start: 'later',
      steps: [
        { id: 'later', type: 'wait', config: { mode: 'duration', duration: { amount: 7, unit: 'days' } }, next: 'task' },
        { id: 'task', type: 'createTask', config: { subject: 'Check in with {{record.name}}' } },
      ],
    },
  });
  await t.api('POST', '/workflows/nurture/activate');
  await t.api('POST', '/records/customer/batch?return=minimal', { operations: Array.from({ length: 1000 }, (_, i) => ({ op: 'create', data: { last_name: `wait ${i}` } })) });
  await until(
    '1,000 runs waiting',
    async () => {
      const [row] = await db.system((q) => q.query<{ n: number }>("select count(*)::int as n from workflow_run where tenant_id = $1 and status = 'waiting'", [t.id]));
      return row!.n >= 1000 ? true : undefined;
    },
    120_000,
  );
  const floor = await serverRss(databaseUrl);
  // 99 copies of each waiting run: new ids, the same state, a step row and a timer job each.
  await db.system(async (q) => {
    await q.query(
      `create temp table copies as
         select r.id as source, gen_random_uuid() as id from workflow_run r cross join generate_series(1, 99) where r.tenant_id = $1 and r.status = 'waiting'`,
      [t.id],
    );
    await q.query(
      `insert into workflow_run (tenant_id, id, workflow_id, version, status, record_object, record_id, scope, cursor, seq, wait, test, started_at)
       select r.tenant_id, c.id, r.workflow_id, r.version, r.status, r.record_object, r.record_id, r.scope, r.cursor, r.seq, r.wait, r.test, r.started_at
         from copies c join workflow_run r on r.tenant_id = $1 and r.id = c.source`,
      [t.id],
    );
    await q.query(
      `insert into workflow_step (tenant_id, run_id, seq, step_id, type, status, input, output, idempotency_key, started_at)
       select s.tenant_id, c.id, s.seq, s.step_id, s.type, s.status, s.input, s.output, c.id || ':' || s.seq, s.started_at
         from copies c join workflow_step s on s.tenant_id = $1 and s.run_id = c.source`,
      [t.id],
    );
    await q.query(
      `insert into job (tenant_id, id, queue, payload, state, run_at, max_attempts, backoff_ms, backoff_max_ms, idempotency_key)
       select j.tenant_id, gen_random_uuid(), j.queue, jsonb_set(j.payload, '{runId}', to_jsonb(c.id::text)), j.state, j.run_at, j.max_attempts, j.backoff_ms, j.backoff_max_ms,
              'wake:' || c.id || ':' || (j.payload->'wake'->>'seq') || ':done'
         from copies c join job j on j.tenant_id = $1 and j.state = 'queued' and j.payload->>'runId' = c.source::text`,
      [t.id],
    );
    await q.query('analyze workflow_run; analyze job');
  });
  const [count] = await db.system((q) =>
    q.query<{ runs: number; timers: number }>(
      "select (select count(*)::int from workflow_run where tenant_id = $1 and status = 'waiting') as runs, (select count(*)::int from job where tenant_id = $1 and state = 'queued' and run_at > now()) as timers",
      [t.id],
    ),
  );
  log(`${count!.runs} runs waiting, ${count!.timers} timers due in 7 days`);
  if (count!.runs < WAITING) throw new Error(`only ${count!.runs} runs are waiting`);
  return { rss: await serverRss(databaseUrl), floor };
}

async function main(): Promise<void> {
  const pg = await startPostgres();
  log(`PostgreSQL at ${pg.url.replace(/\/\/[^@]*@/, '//…@')}`);
  const db = await openDatabase({ databaseUrl: pg.url, poolSize: 20 });
  let server: App | undefined;
  try {
    await migrate(db);
    server = await buildApp({ db, operatorToken: 'bench', passwordCost: 'test', jobs: { concurrency: 16 }, workflows: { pollMs: 1_000 } });
    await server.app.ready();

    const latency = await startLatency(db, server);
    log(`start latency p95 ${round(latency.p95)} ms (bare outbox consumer ${round(latency.floor)} ms)`);
    results['workflow.start_latency.p95_ms'] = { value: round(latency.p95), unit: 'ms', floor: round(latency.floor) };

    const rate = await throughput(db, server);
    log(`${RUNS} five-step runs: ${round(rate)} completions/s`);
    results['workflow.runs_per_s'] = { value: round(rate), unit: 'runs/s', floor: null };

    await server.app.close();
    server = undefined;
    const memory = await waitingRuns(db, (server = await buildApp({ db, operatorToken: 'bench', passwordCost: 'test' })), pg.url);
    log(`server RSS with ${WAITING.toLocaleString('en')} waiting runs: ${round(memory.rss)} MB (with none: ${round(memory.floor)} MB)`);
    results['workflow.waiting_runs_rss_mb'] = { value: round(memory.rss), unit: 'MB', floor: round(memory.floor) };
  } finally {
    await server?.app.close();
    await db.close();
    await pg.stop();
  }
  const file = process.env['BENCH_RESULTS'] ?? join(root, 'bench', 'results.json');
  const current = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, Metric>) : {};
  writeFileSync(file, `${JSON.stringify({ ...current, ...results }, null, 2)}\n`);
  for (const [name, m] of Object.entries(results)) process.stdout.write(`${name}: ${m.value} ${m.unit}${m.floor === null ? '' : ` (floor ${m.floor})`}\n`);
  const p95 = results['workflow.start_latency.p95_ms']!.value!;
  const perSecond = results['workflow.runs_per_s']!.value!;
  const rss = results['workflow.waiting_runs_rss_mb']!.value!;
  process.stdout.write(`start latency ${p95 <= 250 ? 'within' : 'OVER'} 250 ms; throughput ${perSecond >= 300 ? 'at or above' : 'BELOW'} 300 runs/s; waiting-run memory ${rss < 400 ? 'under' : 'OVER'} 400 MB\n`);
}

await main();
