// Protean benchmark (issue 3). Run: npm run bench   (node scripts/node24.mjs --no-node-snapshot bench/run.ts)
//
// Starts its own PostgreSQL 15 (scripts/pg-server.mjs), the Protean server as a child process
// against it, a "floor" server (bench/lib/floor-server.ts: bare Fastify + pg running the same
// SQL) and the textbook service (bench/lib/textbook-server.ts: Fastify + pg over typed tables,
// bench/lib/textbook-schema.sql, in its own database of the same server). Load comes from
// autocannon in another process. Then the same against PGlite (server and floor only).
// Writes bench/results.json ({ metric: { value, unit, floor } }) and prints a table.
//
// Environment (all optional): BENCH_RECORDS (1000000), BENCH_PGLITE_RECORDS (100000),
// BENCH_DURATION (seconds per run, 10), BENCH_ROUNDS (2), BENCH_SKIP_PG=1, BENCH_SKIP_PGLITE=1,
// BENCH_CPU_PROF=get|list|batch (writes a --cpu-prof profile of the server covering the get runs,
// the list runs, or setup plus the batch-insert run, into the run's log folder), BENCH_RESULTS
// (the results file, bench/results.json), BENCH_BASELINE_ROOT=<checkout> (that checkout's
// server joins the PostgreSQL list rounds as `baseline`: a before/after in the same rounds).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startPostgres, type PostgresServer } from '../scripts/pg-server.mjs';
import { apiRecord, OBJECT_API_NAME, STATUS_VALUES, storedRecord, textbookRecord, type BenchObject, type ObjectDefLike } from './lib/bench-object.ts';
import { inChunks, loadCustomers, loadOrganizations, loadOtherTenant, loadTextbookCustomers, loadTextbookOrganizations, type Sql } from './lib/dataset.ts';
import type { FloorSpec } from './lib/floor-server.ts';
import { http } from './lib/http.ts';
import type { LoadResult, LoadSpec } from './lib/load.ts';
import { runLoad } from './lib/run-load.ts';
import { applicationUrl, createBenchObject, createTenant, type Tenant } from './lib/protean-setup.ts';
import { freePort, rssMb, startNode, tail, waitForHttp, type Child } from './lib/proc.ts';
import type { TextbookSpec } from './lib/textbook-server.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RECORDS = Number(process.env['BENCH_RECORDS'] ?? 1_000_000);
const PGLITE_RECORDS = Number(process.env['BENCH_PGLITE_RECORDS'] ?? 100_000);
const DURATION = Number(process.env['BENCH_DURATION'] ?? 10);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 2);
const CONNECTIONS = 10;
const WARMUP_S = 3;
const ORGS = 10_000;
const BATCH = 1000;
const METADATA_REPS = 7;
const LIST_TIMEOUT_S = 20;
const runDir = join(root, 'bench', '.data', new Date().toISOString().replace(/[:.]/g, '-'));
mkdirSync(runDir, { recursive: true });

type Metric = { value: number | null; unit: string; floor: number | null };
const results: Record<string, Metric> = {};
const notes: string[] = [];
const children = new Set<Child>();
const postgresServers = new Set<PostgresServer>();

const log = (message: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

function record(name: string, value: number | null, unit: string, floor: number | null = null): void {
  results[name] = { value: value === null ? null : round(value, 2), unit, floor: floor === null ? null : round(floor, 2) };
  log(`${name} = ${results[name]!.value} ${unit}${floor === null ? '' : ` (floor ${results[name]!.floor})`}`);
}

// ---------------------------------------------------------------- load generator (own process)
async function load(spec: LoadSpec, label: string): Promise<LoadResult> {
  const result = await runLoad(spec, join(runDir, `load-${label}.json`), label);
  log(`  ${label}: ${round(result.rps)} req/s, p50 ${result.p50} ms, p95 ${result.p95} ms, ${result.ok} ok, ${result.non2xx} non-2xx, ${result.errors} errors`);
  if (label.endsWith('-warmup') || (spec.allowTimeouts && result.ok === 0)) return result;
  if (result.non2xx > 0 || (result.errors > 0 && !spec.allowTimeouts) || result.ok === 0) throw new Error(`load ${label}: ${result.non2xx} non-2xx and ${result.errors} errors out of ${result.requests} requests`);
  return result;
}

interface Side {
  url: string;
  spec: Omit<LoadSpec, 'url' | 'connections' | 'duration'>;
}

/**
 * Warm-up then ROUNDS runs alternating over the sides, in the same order every round; the better
 * run of each side is kept (max req/s, min p95). Not every other round reversed (ABBA): the side at
 * the turn then ran twice in a row, its second run on a warm cache, and the better of its two runs
 * was that one (the textbook's gets 4,949 then 6,651 req/s, Protean's 3,443 and 3,301).
 */
async function compare<K extends string>(label: string, sides: Record<K, Side>, afterRun: () => Promise<void> = async () => undefined): Promise<Record<K, LoadResult[]>> {
  const names = Object.keys(sides) as K[];
  const out = Object.fromEntries(names.map((name) => [name, [] as LoadResult[]])) as Record<K, LoadResult[]>;
  for (const name of names) {
    const side = sides[name];
    await load({ url: side.url, connections: CONNECTIONS, duration: WARMUP_S, ...side.spec }, `${label}-${name}-warmup`);
    await afterRun();
  }
  for (let i = 0; i < ROUNDS; i++) {
    for (const name of names) {
      const side = sides[name];
      out[name].push(await load({ url: side.url, connections: CONNECTIONS, duration: DURATION, ...side.spec }, `${label}-${name}-${i + 1}`));
      await afterRun();
    }
  }
  return out;
}
const bestRps = (rs: LoadResult[]) => (rs.length ? Math.max(...rs.map((r) => r.rps)) : null);
/** Lowest p95 over the runs; null when every run's p95 was a timed-out request. */
const bestP95 = (rs: LoadResult[]) => {
  const answered = rs.filter((r) => r.p95 >= 0).map((r) => r.p95);
  return answered.length ? Math.min(...answered) : null;
};

// ---------------------------------------------------------------- Protean server
function startProtean(label: string, env: Record<string, string>, port: number, extraArgs: string[] = [], checkout = root): Child {
  const child = startNode(
    `protean-${label}`,
    [...extraArgs, '--no-node-snapshot', join(checkout, 'server/src/main.ts')],
    { HOST: '127.0.0.1', PORT: String(port), PROTEAN_DEMO: '0', PROTEAN_LOG: '0', ...env },
    join(runDir, `protean-${label}.log`),
    checkout,
  );
  children.add(child);
  return child;
}

async function stopChild(child: Child): Promise<void> {
  await child.stop();
  children.delete(child);
}

// ---------------------------------------------------------------- the list query, compiled by the server's own code
const LIST_MINS = [100, 400, 700, 900];
/** The 20 list requests (5 picklist values × 4 number thresholds) the load cycles through. */
function listCombos(): { status: string; min: number; filter: string }[] {
  return STATUS_VALUES.flatMap((status) => LIST_MINS.map((min) => ({ status, min, filter: JSON.stringify({ and: [{ field: 'status', op: 'eq', value: status }, { field: 'score', op: 'gt', value: min }] }) })));
}

/**
 * Each combo's statement and parameters, produced exactly as the server produces them: the
 * metadata query planner (planQuery) over the tenant's snapshot, then the server's compiler.
 */
async function compiledListQueries(base: string, t: Tenant): Promise<{ sql: string; params: unknown[] }[]> {
  const { planQuery } = await import('@protean/metadata');
  const { compileListQuery } = await import('../server/src/data/sql/compile-list-query.ts');
  const snapshot = (await http(base, 'GET', '/api/v1/metadata/snapshot', { headers: t.auth })).body;
  return listCombos().map((combo) => {
    const planned = planQuery(snapshot, OBJECT_API_NAME, { filter: combo.filter, sort: 'signup_date', expand: 'organization' });
    if (!planned.ok) throw new Error(`planQuery refused the bench list query: ${JSON.stringify(planned.errors)}`);
    const object = snapshot.objects.find((x: ObjectDefLike) => x.apiName === OBJECT_API_NAME);
    const compiled = compileListQuery(t.tenantId, { object, where: planned.plan.where, sort: planned.plan.sort, expand: planned.plan.expand, limit: 50, after: undefined });
    return { sql: compiled.sql, params: compiled.params };
  });
}

function listPaths(): { protean: string[]; floor: string[] } {
  const combos = listCombos();
  return {
    protean: combos.map((c) => `/api/v1/records/${OBJECT_API_NAME}?filter=${encodeURIComponent(c.filter)}&sort=signup_date&limit=50&expand=organization`),
    floor: combos.map((_, i) => `/list?q=${i}`),
  };
}

/**
 * The index the list query needs (see bench/README.md, "Indexes"). ADR 0002 prescribes typed
 * slot columns with the platform-wide b-tree record_ix1 (tenant_id, object_id, ix_t1, ix_d1, id,
 * ix_n1); the server does not write or query slots yet (its compiler emits the JSONB
 * expressions of valueSql()), so the bench builds the same index shape over exactly those
 * expressions: picklist equality, then the date sort key and id (rows come out in list
 * order), then the number, which the b-tree checks as an index condition.
 */
function listIndexSql(o: BenchObject): string[] {
  const f = o.fieldIds;
  return [
    `create index if not exists bench_customer_ix1 on record (tenant_id, object_id, (data->>'${f.status}'), (data->>'${f.signup_date}'), id, ((data->>'${f.score}')::numeric)) where deleted_at is null`,
  ];
}

/** The role the server works as after migrating, when the migrations created one (RLS binds it). */
async function appRole(sql: Sql): Promise<string | null> {
  const rows = await sql.query("select rolname from pg_roles where rolname = 'protean_app'");
  return rows.length ? 'protean_app' : null;
}

async function slotColumns(sql: Sql): Promise<string[]> {
  const rows = await sql.query("select column_name from information_schema.columns where table_name = 'record' and column_name like 'ix\\_%' order by 1");
  return rows.map((r) => String(r['column_name']));
}

// ---------------------------------------------------------------- metadata round trips
async function metadataTimings(base: string, t: Tenant, prefix: string): Promise<void> {
  const add: number[] = [];
  const relabel: number[] = [];
  const tag = randomBytes(3).toString('hex');
  for (let i = 0; i < METADATA_REPS; i++) {
    const r = await http(base, 'POST', `/api/v1/metadata/objects/${OBJECT_API_NAME}/fields`, { headers: t.auth, body: { apiName: `extra_${tag}_${i}`, labels: { en: `Extra ${i}` }, type: 'text', maxLength: 100 } });
    add.push(r.ms);
  }
  for (let i = 0; i < METADATA_REPS; i++) {
    const r = await http(base, 'PATCH', `/api/v1/metadata/objects/${OBJECT_API_NAME}/fields/city`, { headers: t.auth, body: { labels: { en: `City (${tag} ${i})`, 'zh-CN': `城市 ${i}` } } });
    relabel.push(r.ms);
  }
  log(`  add_field ms: ${add.map((x) => round(x)).join(', ')}; relabel ms: ${relabel.map((x) => round(x)).join(', ')}`);
  record(`${prefix}metadata.add_field.ms`, median(add), `ms (HTTP round trip, median of ${METADATA_REPS})`);
  record(`${prefix}metadata.relabel.ms`, median(relabel), `ms (HTTP round trip, median of ${METADATA_REPS})`);
}

/** The bodies of Protean's batch requests: four of BATCH creates each, cycled by the load. */
function batchBodies(orgIds: string[]): string[] {
  return [0, 1, 2, 3].map((b) =>
    JSON.stringify({ operations: Array.from({ length: BATCH }, (_, i) => ({ op: 'create', data: apiRecord(b * BATCH + i, orgIds[(b * BATCH + i) % orgIds.length]!) })) }),
  );
}

/** One batch request to Protean, checked: its time in ms. */
async function probeBatch(base: string, t: Tenant, body: string): Promise<number> {
  const probe = await http(base, 'POST', `/api/v1/records/${OBJECT_API_NAME}/batch`, { headers: { ...t.auth, 'content-type': 'application/json' }, body: JSON.parse(body) });
  const answered = probe.body?.data ?? probe.body?.results;
  if (!Array.isArray(answered) || answered.length !== BATCH) throw new Error(`batch answered ${JSON.stringify(probe.body).slice(0, 300)}`);
  return probe.ms;
}

/** Batch insert through the API (PGlite, which has no textbook beside it): 1,000-record batches, bounded by count and by ~60 s. */
async function batchInsert(base: string, t: Tenant, orgIds: string[], prefix: string, maxRecords: number, connections: number): Promise<number> {
  const bodies = batchBodies(orgIds);
  const perBatchS = (await probeBatch(base, t, bodies[0]!)) / 1000;
  const batches = Math.max(connections * 4, Math.min(Math.floor(maxRecords / BATCH) - 1, Math.floor(60 / perBatchS)));
  log(`  batch probe ${round(perBatchS * 1000)} ms; running ${batches} batches of ${BATCH} on ${connections} connections`);
  const r = await load(
    { url: base, method: 'POST', paths: [`/api/v1/records/${OBJECT_API_NAME}/batch`], bodies, headers: t.auth, connections, duration: 0, amount: batches, timeoutSec: 120 },
    `${prefix}batch`,
  );
  record(`${prefix}rest.batch_insert.records_per_s`, (r.ok * BATCH) / r.seconds, `records/s (${BATCH}-record batches, ${connections} connections, ${r.ok * BATCH} records)`);
  return (batches + 1) * BATCH;
}

/** The legs of the batch comparison, Protean (p) and the textbook (t) in turn: ABBA, so a machine that speeds up or slows down through them favours neither. */
const BATCH_LEGS = ['p', 't', 't', 'p'] as const;

/**
 * Protean's and the textbook's bulk insert through their APIs, in alternating legs of the same
 * number of 1,000-record batches on 2 connections each, both into tables holding only their
 * organizations: each side's figure is its records over the time of its legs. Measured one
 * after the other, minutes apart, the textbook's figure moved with whatever the machine did in
 * between (its batch ran after two million rows had been loaded and vacuumed).
 */
async function compareBatchInserts(base: string, t: Tenant, orgIds: string[], book: TextbookServer, maxRecords: number): Promise<void> {
  const connections = 2;
  const bodies = batchBodies(orgIds);
  const textbookBodies = [0, 1, 2, 3].map((b) => JSON.stringify({ records: Array.from({ length: BATCH }, (_, i) => textbookRecord(b * BATCH + i, book.orgIds[(b * BATCH + i) % book.orgIds.length]!)) }));
  const probeMs = await probeBatch(base, t, bodies[0]!);
  await http(book.base, 'POST', '/customers/batch', { body: JSON.parse(textbookBodies[0]!) });
  // Bounded by count and by ~60 s of Protean's batches in all.
  const perLeg = Math.max(connections * 4, Math.floor(Math.min(Math.floor(maxRecords / BATCH) - 1, Math.floor(60_000 / probeMs)) / 2));
  log(`  batch probe ${round(probeMs)} ms; legs ${BATCH_LEGS.join(' ')} of ${perLeg} batches of ${BATCH} on ${connections} connections`);
  const totals = { p: { records: 0, seconds: 0 }, t: { records: 0, seconds: 0 } };
  for (const [i, side] of BATCH_LEGS.entries()) {
    const spec: Pick<LoadSpec, 'url' | 'method' | 'paths' | 'bodies' | 'headers'> = side === 'p'
      ? { url: base, method: 'POST', paths: [`/api/v1/records/${OBJECT_API_NAME}/batch`], bodies, headers: t.auth }
      : { url: book.base, method: 'POST', paths: ['/customers/batch'], bodies: textbookBodies };
    const r = await load({ ...spec, connections, duration: 0, amount: perLeg, timeoutSec: 120 }, `${side === 'p' ? 'batch' : 'textbook-batch'}-${i + 1}`);
    totals[side].records += r.ok * BATCH;
    totals[side].seconds += r.seconds;
  }
  const legs = `${BATCH}-record batches, ${connections} connections, ${BATCH_LEGS.length / 2} legs of ${perLeg} batches alternating with the other side's (${BATCH_LEGS.join(' ')})`;
  record('rest.batch_insert.records_per_s', totals.p.records / totals.p.seconds, `records/s (${legs}, ${totals.p.records} records)`);
  record('textbook.batch_insert.records_per_s', totals.t.records / totals.t.seconds, `records/s (${legs}, ${totals.t.records} records); the textbook service`);
  ratio('rest.batch_insert.records_per_s.textbook_ratio', 'rest.batch_insert.records_per_s', 'textbook.batch_insert.records_per_s', '× textbook (rest.batch_insert.records_per_s ÷ textbook.batch_insert.records_per_s; target ≥ 0.5)');
}

// ---------------------------------------------------------------- Postgres
async function sqlOf(client: pg.Client): Promise<Sql> {
  return { query: async (sql, params) => (await client.query(sql, params as unknown[])).rows };
}

async function benchPostgres(): Promise<void> {
  log('starting PostgreSQL 15');
  const server: PostgresServer = await startPostgres();
  postgresServers.add(server);
  const cleanup: (() => Promise<void>)[] = [async () => { await server.stop(); postgresServers.delete(server); }];
  try {
    const probe = new pg.Client({ connectionString: server.url });
    await probe.connect();
    const version = String((await probe.query('show server_version')).rows[0].server_version);
    await probe.end();
    log(`PostgreSQL ${version} on 127.0.0.1:${server.port} (pid ${server.pid})`);
    notes.push(`PostgreSQL ${version}, fsync off / synchronous_commit off (scripts/pg-server.mjs), default shared_buffers.`);
    const operatorToken = `op_${randomBytes(18).toString('base64url')}`;
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const env = { DATABASE_URL: server.url, PROTEAN_OPERATOR_TOKEN: operatorToken };
    const profBatch = process.env['BENCH_CPU_PROF'] === 'batch';
    let protean = startProtean(profBatch ? 'pg-prof-batch' : 'pg', env, port, profBatch ? ['--cpu-prof', `--cpu-prof-dir=${runDir}`] : []);
    cleanup.unshift(() => stopChild(protean));
    await waitForHttp(protean, `${base}/readyz`);
    log(`Protean server pid ${protean.pid} on ${base}`);

    const t = await createTenant(base, operatorToken, 'bench');
    const other = await createTenant(base, operatorToken, 'bench-other');
    const { object: o, orgNameFieldId } = await createBenchObject(base, t, (text) => notes.push(text));
    log(`object ${o.objectId}: ${Object.entries(o.fieldIds).map(([k, v]) => `${k}=${v}`).join(' ')}`);

    const client = new pg.Client({ connectionString: server.url });
    client.on('error', (e) => log(`loader connection: ${e.message}`));
    await client.connect();
    cleanup.splice(cleanup.length - 1, 0, () => client.end());
    // The loader is the owner: row-level security does not bind it.
    const sql = await sqlOf(client);

    log(`loading ${ORGS} organizations (SQL)`);
    await loadOrganizations(sql, t.tenantId, t.userId, o.orgObjectId, orgNameFieldId, ORGS);
    const orgIds = (await sql.query('select id from record where tenant_id = $1 and object_id = $2 order by random() limit 200', [t.tenantId, o.orgObjectId])).map((r) => String(r['id']));

    const book = await openTextbook(server);
    cleanup.unshift(() => book.stop());
    log('batch insert through the API, Protean and the textbook in turn');
    await compareBatchInserts(base, t, orgIds, book, Math.min(300_000, Math.floor(RECORDS * 0.3)));
    if (profBatch) {
      await stopChild(protean); // writes the profile on exit
      protean = startProtean('pg', env, port);
      await waitForHttp(protean, `${base}/readyz`);
    }
    const viaApi = Number((await sql.query('select count(*)::int as n from record where tenant_id = $1 and object_id = $2', [t.tenantId, o.objectId]))[0]!['n']);
    const toLoad = Math.max(0, RECORDS - viaApi);
    log(`${viaApi} customers inserted through the API; loading ${toLoad} more with SQL`);
    const slots = await slotColumns(sql);
    const useSlots = slots.length > 0 && Object.keys(o.def['indexSlots'] ?? {}).length > 0;
    log(useSlots ? `object index slots ${JSON.stringify(o.def['indexSlots'])}; the loader fills ${slots.join(', ')}` : 'no index slots in use: JSONB expressions');
    await inChunks('customers', toLoad, 100_000, (from, to) => loadCustomers(sql, o, t.tenantId, t.userId, viaApi + from, viaApi + to, useSlots));
    // Storage before the second tenant arrives: the table then holds this tenant's rows only.
    const storage = await proteanStorage(sql);
    await inChunks('other tenant', RECORDS, 250_000, (from, to) => loadOtherTenant(sql, other.tenantId, 'customer', from, to));

    const adr = join(root, 'docs/adr/0002-record-indexing.md');
    notes.push(
      useSlots
        ? `ADR 0002 typed index slots in use: the object's slots ${JSON.stringify(o.def['indexSlots'])} were filled by the loader; indexes are the platform's own (migrations), the bench created none.`
        : existsSync(adr)
          ? 'ADR 0002 (typed index slots) existed at run time but the server had no slot columns/assignments in use and its compiler emitted JSONB expressions; the bench built the ADR record_ix1 shape over those expressions (see Indexes).'
          : 'docs/adr/0002-record-indexing.md did not exist at run time; the bench created an expression index matching the list query (see Indexes).',
    );
    for (const statement of useSlots ? [] : listIndexSql(o)) {
      log(`  ${statement}`);
      const started = Date.now();
      await sql.query(statement);
      log(`  index built in ${round((Date.now() - started) / 1000)} s`);
    }
    log('vacuum analyze');
    await sql.query('vacuum analyze record');
    await sql.query('vacuum analyze record_link');
    const counts = await sql.query('select count(*) filter (where tenant_id = $1 and object_id = $2)::int as mine, count(*)::int as total from record', [t.tenantId, o.objectId]);
    log(`record table: ${counts[0]!['mine']} bench customers, ${counts[0]!['total']} rows in all`);
    notes.push(`Postgres run: ${counts[0]!['mine']} bench customers (10 fields + lookup) of ${counts[0]!['total']} rows in the shared record table (${ORGS} organizations, ${RECORDS} rows of a second tenant).`);
    const ids = (await sql.query('select id from record where tenant_id = $1 and object_id = $2 and deleted_at is null order by random() limit 20000', [t.tenantId, o.objectId])).map((r) => String(r['id']));

    // The floor, same SQL: the list statement comes from the server's own compiler.
    const lists = await compiledListQueries(base, t);
    writeFileSync(join(runDir, 'list-query.sql'), `${lists[10]!.sql}\n-- params: ${JSON.stringify(lists[10]!.params)}\n`);
    const role = await appRole(sql);
    const estimates: Record<string, string[]> = {};
    for (const [label, asRole] of [['owner', null], ['app', role]] as const) {
      await sql.query('begin');
      if (asRole) await sql.query(`set local role ${asRole}`);
      await sql.query("select set_config('app.tenant_id', $1, true)", [t.tenantId]);
      await sql.query("set local statement_timeout = '60s'");
      const explain = await sql.query(`explain (analyze, buffers) ${lists[10]!.sql}`, lists[10]!.params).catch((e: Error) => [{ 'QUERY PLAN': `failed: ${e.message}` }]);
      await sql.query('rollback');
      writeFileSync(join(runDir, `list-query.plan-${label}.txt`), explain.map((r) => r['QUERY PLAN']).join('\n') + '\n');
      log(`  list plan as ${label}: ${String(explain[explain.length - 1]?.['QUERY PLAN'])}`);
      estimates[label] = planEstimates(explain.map((r) => String(r['QUERY PLAN'])));
    }
    const sameEstimates = JSON.stringify(estimates['owner']) === JSON.stringify(estimates['app']);
    notes.push(
      sameEstimates
        ? `RLS estimates: EXPLAIN (ANALYZE, BUFFERS) of the list statement as the application role and as the owner have the same plan, the same row estimates at every node and the same buffers (${estimates['app']!.join(' / ')}); the policy appears only as a one-time filter.`
        : `RLS estimates DIFFER: as the owner ${estimates['owner']!.join(' / ')}; as the application role ${estimates['app']!.join(' / ')} (list-query.plan-*.txt).`,
    );
    log(sameEstimates ? 'list plan: the same estimates under RLS as without' : 'WARNING: list plan estimates differ under RLS');
    // Every variant's plan as the application role: one bad estimate is enough to spoil the p95.
    const summaries: string[] = [];
    for (const [i, list] of lists.entries()) {
      await sql.query('begin');
      if (role) await sql.query(`set local role ${role}`);
      await sql.query("select set_config('app.tenant_id', $1, true)", [t.tenantId]);
      await sql.query("set local statement_timeout = '60s'");
      const explain = await sql.query(`explain (analyze) ${list.sql}`, list.params).catch((e: Error) => [{ 'QUERY PLAN': `failed: ${e.message}` }]);
      await sql.query('rollback');
      const plan = explain.map((r) => String(r['QUERY PLAN']));
      const scan = plan.find((line) => /Scan on record r|Scan using \S+ on record r/.test(line))?.trim() ?? '?';
      summaries.push(`#${i} ${JSON.stringify(list.params.slice(2, 4))}: ${plan.at(-1)?.trim()} — ${scan}`);
    }
    writeFileSync(join(runDir, 'list-query.variants-app.txt'), summaries.join('\n') + '\n');
    if (role) await rlsOverhead(sql, lists, role, t.tenantId, Number(counts[0]!['mine']));
    const floorPort = await freePort();
    const floorSpec: FloorSpec = {
      driver: 'pg', databaseUrl: await applicationUrl(server.url, (q) => sql.query(q)), port: floorPort, poolSize: 10, role: null, prepared: true, tenantId: t.tenantId, userId: t.userId,
      objectId: o.objectId, object: o.def, lookupFieldId: o.fieldIds.organization, lookupObjectId: o.orgObjectId, lists,
    };
    const floorBase = `http://127.0.0.1:${floorPort}`;
    const floor = startFloor('pg', floorSpec);
    cleanup.unshift(() => stopChild(floor));
    await waitForHttp(floor, `${floorBase}/healthz`);
    await verifySameSql(server, client, base, floorBase, t);
    // The same floor logged in as the owner, to which row-level security does not apply.
    const ownerPort = await freePort();
    const ownerFloor = startFloor('pg-owner', { ...floorSpec, databaseUrl: server.url, port: ownerPort });
    cleanup.unshift(() => stopChild(ownerFloor));
    await waitForHttp(ownerFloor, `http://127.0.0.1:${ownerPort}/healthz`);
    const ownerBase = `http://127.0.0.1:${ownerPort}`;

    const textbook = await fillTextbook(book, Number(counts[0]!['mine']), storage);

    // Sanity: one answer from each side before loading them.
    const sample = await http(base, 'GET', listPaths().protean[10]!, { headers: t.auth });
    if (sample.body.data.length !== 50 || typeof sample.body.data[0].organization !== 'object') throw new Error(`list answered ${JSON.stringify(sample.body).slice(0, 400)}`);
    const floorSample = await http(floorBase, 'GET', listPaths().floor[10]!);
    if (floorSample.body.data.length !== 50) throw new Error('floor list did not return 50 rows');

    const getPaths = { protean: ids.map((id) => `/api/v1/records/${OBJECT_API_NAME}/${id}`), floor: ids.map((id) => `/get/${id}`) };
    if (process.env['BENCH_CPU_PROF'] === 'get') {
      await stopChild(protean);
      protean = startProtean('pg-prof', env, port, ['--cpu-prof', `--cpu-prof-dir=${runDir}`]);
      await waitForHttp(protean, `${base}/readyz`);
    }
    log('get by id');
    const get = await compare('get', {
      protean: { url: base, spec: { method: 'GET', paths: getPaths.protean, headers: t.auth } },
      floor: { url: floorBase, spec: { method: 'GET', paths: getPaths.floor } },
      textbook: { url: book.base, spec: { method: 'GET', paths: textbook.ids.map((id) => `/customers/${id}`) } },
    });
    const getUnit = `req/s (get by id, ${CONNECTIONS} connections, best of ${ROUNDS} × ${DURATION} s)`;
    record('rest.get.rps', bestRps(get.protean), getUnit, bestRps(get.floor));
    record('textbook.get.rps', bestRps(get.textbook), `${getUnit}; the textbook service`);
    ratio('rest.get.rps.textbook_ratio', 'rest.get.rps', 'textbook.get.rps', '× textbook (rest.get.rps ÷ textbook.get.rps; target ≥ 0.8)');
    if (process.env['BENCH_CPU_PROF'] === 'get') {
      await stopChild(protean); // writes the profile on exit
      protean = startProtean('pg', env, port);
      await waitForHttp(protean, `${base}/readyz`);
    }

    if (process.env['BENCH_CPU_PROF'] === 'list') {
      await stopChild(protean);
      protean = startProtean('pg-prof', env, port, ['--cpu-prof', `--cpu-prof-dir=${runDir}`]);
      await waitForHttp(protean, `${base}/readyz`);
    }
    /** Another server over the same database, for the list rounds; stopped with the rest. */
    const startBeside = async (label: string, sideEnv: Record<string, string>, checkout?: string) => {
      const sidePort = await freePort();
      const child = startProtean(label, sideEnv, sidePort, [], checkout);
      cleanup.unshift(() => stopChild(child));
      const url = `http://127.0.0.1:${sidePort}`;
      await waitForHttp(child, `${url}/readyz`);
      return { child, url };
    };
    // Another checkout's server over the same database, in the same list rounds: a before/after.
    const baselineRoot = process.env['BENCH_BASELINE_ROOT'];
    const baselineBase = baselineRoot ? (await startBeside('pg-baseline', env, resolve(baselineRoot))).url : '';
    // The same server with pages not kept (ADR 0025), in the same rounds: what a list costs read afresh.
    const { child: unkept, url: unkeptBase } = await startBeside('pg-unkept', { ...env, PROTEAN_KEEP_LIST_PAGES: '0' });
    log('list (filter picklist + number, sort date, limit 50, expand lookup)');
    const paths = listPaths();
    // A list statement keeps running in Postgres after its HTTP request timed out; cancel
    // leftovers after every run so they do not spill into the next one.
    const cancelLeftovers = async () => {
      const rows = await sql.query("select pg_cancel_backend(pid) from pg_stat_activity where pid <> pg_backend_pid() and state = 'active' and (query like 'select r.id,%' or query like 'select p.id,%')");
      if (rows.length) log(`  cancelled ${rows.length} list statements still running`);
    };
    const listSpec = { allowTimeouts: true, timeoutSec: LIST_TIMEOUT_S };
    const baselineSide: Record<string, Side> = baselineRoot ? { baseline: { url: baselineBase, spec: { method: 'GET', paths: paths.protean, headers: t.auth, ...listSpec } } } : {};
    const listRuns = await compare(
      'list',
      {
        protean: { url: base, spec: { method: 'GET', paths: paths.protean, headers: t.auth, ...listSpec } },
        proteanUnkept: { url: unkeptBase, spec: { method: 'GET', paths: paths.protean, headers: t.auth, ...listSpec } },
        floor: { url: floorBase, spec: { method: 'GET', paths: paths.floor, ...listSpec } },
        floorOwner: { url: ownerBase, spec: { method: 'GET', paths: paths.floor, ...listSpec } },
        textbook: { url: book.base, spec: { method: 'GET', paths: textbookListPaths(), ...listSpec } },
        ...baselineSide,
      },
      cancelLeftovers,
    );
    const listUnit = `ms p95 at ${(Number(counts[0]!['mine']) / 1e6).toFixed(2)}M records (${CONNECTIONS} connections, best of ${ROUNDS} × ${DURATION} s, timeouts ${LIST_TIMEOUT_S} s count as slowest)`;
    record('rest.list.p95_ms', bestP95(listRuns.protean), listUnit, bestP95(listRuns.floor));
    results['rest.list.rps'] = { value: round(bestRps(listRuns.protean)!, 2), unit: 'req/s (same list runs; informational)', floor: round(bestRps(listRuns.floor)!, 2) };
    const baselineRuns = (listRuns as Record<string, LoadResult[] | undefined>)['baseline'];
    const baselineP95 = baselineRuns ? bestP95(baselineRuns) : null;
    if (baselineRuns) results['baseline.rest.list.p95_ms'] = { value: baselineP95 === null ? null : round(baselineP95, 2), unit: `${listUnit}; the server of BENCH_BASELINE_ROOT in the same rounds; informational`, floor: null };
    const unkeptP95 = bestP95(listRuns.proteanUnkept);
    results['rest.list.unkept.p95_ms'] = { value: unkeptP95 === null ? null : round(unkeptP95, 2), unit: `${listUnit}; the same server with PROTEAN_KEEP_LIST_PAGES=0 (every page read afresh), same rounds; informational`, floor: null };
    await stopChild(unkept);
    const ownerP95 = bestP95(listRuns.floorOwner);
    results['floor_owner_role.rest.list.p95_ms'] = { value: ownerP95 === null ? null : round(ownerP95, 2), unit: `${listUnit}; floor handler logged in as the table owner (RLS not applied); informational`, floor: null };
    record('textbook.list.p95_ms', bestP95(listRuns.textbook), `${listUnit}; the textbook service over ${textbook.records.toLocaleString('en')} customers`);
    ratio('rest.list.p95_ms.textbook_ratio', 'rest.list.p95_ms', 'textbook.list.p95_ms', '× textbook (rest.list.p95_ms ÷ textbook.list.p95_ms; target ≤ 1)');
    ratio('rest.list.unkept.p95_ms.textbook_ratio', 'rest.list.unkept.p95_ms', 'textbook.list.p95_ms', '× textbook (pages read afresh, PROTEAN_KEEP_LIST_PAGES=0; informational)');
    if (process.env['BENCH_CPU_PROF'] === 'list') {
      await stopChild(protean); // writes the profile on exit
      protean = startProtean('pg', env, port);
      await waitForHttp(protean, `${base}/readyz`);
    }
    await stopChild(ownerFloor);

    log('create');
    const createBodies = {
      protean: Array.from({ length: 200 }, (_, i) => JSON.stringify(apiRecord(i, orgIds[i % orgIds.length]!))),
      floor: Array.from({ length: 200 }, (_, i) => JSON.stringify(storedRecord(o, i, orgIds[i % orgIds.length]!))),
      textbook: Array.from({ length: 200 }, (_, i) => JSON.stringify(textbookRecord(i, book.orgIds[i % book.orgIds.length]!))),
    };
    const create = await compare('create', {
      protean: { url: base, spec: { method: 'POST', paths: [`/api/v1/records/${OBJECT_API_NAME}`], bodies: createBodies.protean, headers: t.auth } },
      floor: { url: floorBase, spec: { method: 'POST', paths: ['/create'], bodies: createBodies.floor } },
      textbook: { url: book.base, spec: { method: 'POST', paths: ['/customers'], bodies: createBodies.textbook } },
    });
    const createUnit = `req/s (create, ${CONNECTIONS} connections, best of ${ROUNDS} × ${DURATION} s)`;
    record('rest.create.rps', bestRps(create.protean), createUnit, bestRps(create.floor));
    record('textbook.create.rps', bestRps(create.textbook), `${createUnit}; the textbook service`);
    ratio('rest.create.rps.textbook_ratio', 'rest.create.rps', 'textbook.create.rps', '× textbook (rest.create.rps ÷ textbook.create.rps; target ≥ 0.6)');
    await book.stop();

    log('metadata changes with the records present');
    await metadataTimings(base, t, '');
    const rss = rssMb(protean.pid);
    record('server.rss_mb', rss, 'MB (VmRSS of the server process after the 1M-record runs)');
    results['floor.rss_mb'] = { value: rssMb(floor.pid), unit: 'MB (VmRSS of the floor process; informational)', floor: null };
  } finally {
    for (const step of cleanup) await step().catch((e) => log(`cleanup: ${e}`));
  }
}

const RLS_ROUNDS = 25;

/**
 * `rls.list_overhead.ratio`: the 20 list statements, each run as the table owner and then as
 * the application role (`set local role`, so RLS applies) on one connection, alternating,
 * RLS_ROUNDS times; p95 of the statement's round trip on each side. One connection and no
 * HTTP in between, so the figure is the policy's cost and not the machine's load.
 */
async function rlsOverhead(sql: Sql, lists: { sql: string; params: unknown[] }[], role: string, tenantId: string, records: number): Promise<void> {
  const times: Record<'owner' | 'app', number[]> = { owner: [], app: [] };
  for (let round = 0; round < RLS_ROUNDS; round++) {
    for (const list of lists) {
      for (const side of ['owner', 'app'] as const) {
        await sql.query('begin');
        if (side === 'app') await sql.query(`set local role ${role}`);
        await sql.query("select set_config('app.tenant_id', $1, true)", [tenantId]);
        const started = performance.now();
        await sql.query(list.sql, list.params);
        times[side].push(performance.now() - started);
        await sql.query('commit');
      }
    }
  }
  const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length * 0.95) - 1]!;
  const unit = `ms p95 of the list statement at ${(records / 1e6).toFixed(2)}M records, ${lists.length} variants × ${RLS_ROUNDS} rounds on one connection`;
  record('rls.list_overhead.app_p95_ms', p95(times.app), `${unit}, as the application role under RLS; informational`);
  record('rls.list_overhead.owner_p95_ms', p95(times.owner), `${unit}, as the table owner; informational`);
  record('rls.list_overhead.ratio', p95(times.app) / p95(times.owner), `× (p95 of the ${lists.length} list statements as the application role under RLS ÷ the same statements as the table owner, alternating on one connection, ${RLS_ROUNDS} rounds; at most 1.1)`);
}

/** A ratio of two recorded metrics, as its own line. */
function ratio(name: string, of: string, over: string, unit: string): void {
  const a = results[of]?.value;
  const b = results[over]?.value;
  record(name, a !== null && a !== undefined && b ? a / b : null, unit);
}

/**
 * Each plan node with its estimated rows, e.g. "Index Scan using record_ix1 on record r 60000",
 * then the buffers of the whole statement. Under RLS the policy, implied by the statement's own
 * tenant condition, becomes a Result node with a one-time filter: those are left out.
 */
function planEstimates(lines: string[]): string[] {
  const nodes = lines.flatMap((line) => {
    const m = /^\s*(?:->\s*)?(.+?)\s+\(cost=[\d.]+\.\.[\d.]+ rows=(\d+)/.exec(line);
    return m && m[1] !== 'Result' ? [`${m[1]} ${m[2]}`] : [];
  });
  // Buffers hit or read: the first EXPLAIN may find a colder cache than the second.
  const buffers = /shared (?:hit=(\d+))?\s*(?:read=(\d+))?/.exec(lines.find((line) => /^\s*Buffers:/.test(line)) ?? '');
  return buffers ? [...nodes, `buffers ${Number(buffers[1] ?? 0) + Number(buffers[2] ?? 0)}`] : nodes;
}

interface Storage {
  bytesPerRecord: number;
  detail: string;
}

/**
 * Bytes per record of the Protean tenant: the record table with its TOAST and every index,
 * record_link, record_unique and record_change (the notes of changing transactions kept pages
 * are checked against, ADR 0025), over the table's rows, plus one outbox event (every create
 * writes one) at the outbox's bytes per event, indexes included.
 */
async function proteanStorage(sql: Sql): Promise<Storage> {
  const [row] = await sql.query(`select pg_total_relation_size('record')::float8 as record, pg_relation_size('record')::float8 as heap,
    pg_indexes_size('record')::float8 as indexes, pg_total_relation_size('record_link')::float8 as link, pg_total_relation_size('record_unique')::float8 as uniq,
    pg_total_relation_size('record_change')::float8 as changes, pg_total_relation_size('outbox')::float8 as outbox, (select count(*) from record)::float8 as rows, (select count(*) from outbox_event)::float8 as events`);
  const r = row as Record<string, number>;
  const perRow = (r['record']! + r['link']! + r['uniq']! + r['changes']!) / r['rows']!;
  const perEvent = r['events'] ? r['outbox']! / r['events']! : 0;
  const detail = `record ${Math.round(r['record']! / r['rows']!)} B/row (heap ${Math.round(r['heap']! / r['rows']!)}, indexes ${Math.round(r['indexes']! / r['rows']!)}), record_link + record_unique ${Math.round((r['link']! + r['uniq']!) / r['rows']!)}, record_change ${Math.round(r['changes']! / r['rows']!)}, outbox ${Math.round(perEvent)} B/event; ${r['rows']} rows, ${r['events']} events`;
  log(`storage: ${detail}`);
  return { bytesPerRecord: perRow + perEvent, detail };
}

/** The textbook service running over its schema and organizations, before its customers are loaded. */
interface TextbookServer {
  base: string;
  /** Its database's address (the owner's). */
  url: string;
  orgIds: string[];
  stop(): Promise<void>;
}

interface Textbook extends TextbookServer {
  ids: string[];
  records: number;
}

/** The textbook service in its own database of the same server: schema, organizations and the service, started. */
async function openTextbook(server: PostgresServer): Promise<TextbookServer> {
  const owner = new pg.Client({ connectionString: server.url });
  await owner.connect();
  await owner.query('create database textbook');
  await owner.end();
  const url = new URL(server.url);
  url.pathname = '/textbook';
  const orgIds = await withTextbookSql(url.toString(), async (sql) => {
    await sql.query(readFileSync(join(root, 'bench/lib/textbook-schema.sql'), 'utf8'));
    await loadTextbookOrganizations(sql, ORGS);
    return (await sql.query('select id from organization order by random() limit 200')).map((r) => String(r['id']));
  });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const file = join(runDir, 'textbook.json');
  writeFileSync(file, JSON.stringify({ databaseUrl: url.toString(), port, poolSize: 10 } satisfies TextbookSpec));
  const child = startNode('textbook', [join(root, 'bench/lib/textbook-server.ts'), file], {}, join(runDir, 'textbook.log'), root);
  children.add(child);
  await waitForHttp(child, `${base}/healthz`);
  return { base, url: url.toString(), orgIds, stop: () => stopChild(child) };
}

/** The rest of the textbook's customers by SQL (up to `records`), its storage beside Protean's, then vacuum analyze. */
async function fillTextbook(book: TextbookServer, records: number, protean: Storage): Promise<Textbook> {
  return withTextbookSql(book.url, async (sql) => {
    const already = Number((await sql.query('select count(*)::int as n from customer'))[0]!['n']);
    await inChunks('textbook customers', Math.max(0, records - already), 250_000, (from, to) => loadTextbookCustomers(sql, already + from, already + to));
    const [size] = await sql.query(`select (pg_total_relation_size('customer') + pg_total_relation_size('organization'))::float8 as bytes,
      ((select count(*) from customer) + (select count(*) from organization))::float8 as rows, (select count(*) from customer)::int as customers`);
    const textbookBytes = Number(size!['bytes']) / Number(size!['rows']);
    record('storage.bytes_per_record', protean.bytesPerRecord, `bytes per record at 1M records (${protean.detail}); floor: the textbook's customer + organization tables with their indexes, per row`, textbookBytes);
    record('storage.bytes_per_record.textbook_ratio', protean.bytesPerRecord / textbookBytes, '× textbook (storage.bytes_per_record ÷ the textbook\'s; aim under 2)');
    // The same customers with what Protean gives every record beyond its values (ADR 0026), and organizations as above.
    log('textbook with Protean\'s features: copying the customers');
    await sql.query(readFileSync(join(root, 'bench/lib/featured-textbook.sql'), 'utf8'));
    await sql.query('vacuum analyze customer_featured');
    const [featured] = await sql.query(`select (pg_total_relation_size('customer_featured') + pg_total_relation_size('organization'))::float8 as bytes,
      ((select count(*) from customer_featured) + (select count(*) from organization))::float8 as rows`);
    const featuredBytes = Number(featured!['bytes']) / Number(featured!['rows']);
    await sql.query('drop table customer_featured');
    record('storage.featured_textbook.bytes_per_record', featuredBytes, "bytes per record at 1M records of the textbook's customers with Protean's features (bench/lib/featured-textbook.sql: workspace, owner, authors, version, soft delete, search text and trigram index, related-list and name indexes) + organizations; informational");
    record('storage.bytes_per_record.featured_textbook_ratio', protean.bytesPerRecord / featuredBytes, "× the textbook with Protean's features (storage.bytes_per_record ÷ storage.featured_textbook.bytes_per_record; informational)");
    log('textbook: vacuum analyze');
    await sql.query('vacuum analyze');
    const ids = (await sql.query('select id from customer order by random() limit 20000')).map((row) => String(row['id']));
    notes.push(`Textbook service: ${Number(size!['customers']).toLocaleString('en')} customers and ${ORGS} organizations in typed tables (bench/lib/textbook-schema.sql), its own database on the same PostgreSQL server.`);
    return { ...book, ids, records: Number(size!['customers']) };
  });
}

async function withTextbookSql<T>(url: string, use: (sql: Sql) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', (e) => log(`textbook loader connection: ${e.message}`));
  await client.connect();
  try {
    return await use(await sqlOf(client));
  } finally {
    await client.end();
  }
}

/** The textbook's form of the 20 list requests. */
function textbookListPaths(): string[] {
  return listCombos().map((c) => `/customers?status=${c.status}&min_score=${c.min}`);
}

function startFloor(label: string, spec: FloorSpec): Child {
  const file = join(runDir, `floor-${label}.json`);
  writeFileSync(file, JSON.stringify(spec));
  // With BENCH_CPU_PROF=list the floor is profiled too, for a side-by-side of the same list load.
  const prof = process.env['BENCH_CPU_PROF'] === 'list' && label === 'pg' ? ['--cpu-prof', `--cpu-prof-dir=${join(runDir, 'floor-prof')}`] : [];
  const child = startNode(`floor-${label}`, [...prof, join(root, 'bench/lib/floor-server.ts'), file], {}, join(runDir, `floor-${label}.log`), root);
  children.add(child);
  return child;
}

/**
 * Proof that the floor runs the server's statements: with log_statement = all for a moment,
 * one list request to each side; the two logged statements must be the same text.
 */
async function verifySameSql(server: PostgresServer, client: pg.Client, base: string, floorBase: string, t: Tenant): Promise<void> {
  const logFile = join(server.dir, `postgres-${server.port}.log`);
  const marker = `bench-marker-${randomBytes(4).toString('hex')}`;
  await client.query("alter system set log_statement = 'all'");
  await client.query('select pg_reload_conf()');
  await new Promise((r) => setTimeout(r, 300));
  try {
    await client.query(`select '${marker}'`);
    const paths = listPaths();
    await http(base, 'GET', paths.protean[0]!, { headers: t.auth });
    await http(floorBase, 'GET', paths.floor[0]!);
    await http(base, 'GET', `/api/v1/records/${OBJECT_API_NAME}/00000000-0000-4000-8000-000000000000`, { headers: t.auth, expect: [404] });
    await http(floorBase, 'GET', '/get/00000000-0000-4000-8000-000000000000', { expect: [404] });
  } finally {
    await client.query("alter system reset log_statement");
    await client.query('select pg_reload_conf()');
  }
  await new Promise((r) => setTimeout(r, 300));
  const text = readFileSync(logFile, 'utf8');
  const after = text.slice(text.lastIndexOf(marker));
  const statements = [...after.matchAll(/LOG:\s+(?:execute [^:]*|statement): ([\s\S]*?)(?=\n\S[^\n]*(?:LOG|DETAIL|ERROR):|\n*$)/g)].map((m) => m[1]!.replace(/\s+/g, ' ').trim());
  const lists = statements.filter((s) => s.startsWith('select r.id') || s.startsWith('select p.id,'));
  const gets = statements.filter((s) => (s.startsWith('select id, object_id, version') && s.includes('and id = $2')) || s.startsWith('select * from tenant_record('));
  writeFileSync(join(runDir, 'same-sql.txt'), statements.join('\n\n') + '\n');
  const same = lists.length === 2 && lists[0] === lists[1] && gets.length === 2 && gets[0] === gets[1];
  notes.push(same ? 'Checked in this run (log_statement = all): the server and the floor sent byte-identical list and get-by-id statements.' : `The statement check found ${lists.length} list and ${gets.length} get statements that did not pair up; see same-sql.txt.`);
  log(same ? 'server and floor send identical list and get SQL' : `WARNING: statements differ, see ${join(runDir, 'same-sql.txt')}`);
}

// ---------------------------------------------------------------- PGlite
async function withPglite<T>(dataDir: string, work: (sql: Sql) => Promise<T>): Promise<T> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
  // Records are indexed for search with pg_trgm (migration 20): writing them needs the extension.
  const db = new PGlite({ dataDir, extensions: { pg_trgm } });
  await db.waitReady;
  try {
    return await work({ query: async (sql, params) => (await db.query<Record<string, unknown>>(sql, params as unknown[])).rows });
  } finally {
    await db.close();
  }
}

async function benchPglite(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'protean-bench-pglite-'));
  const cleanup: (() => Promise<void>)[] = [async () => rmSync(dataDir, { recursive: true, force: true })];
  try {
    const operatorToken = `op_${randomBytes(18).toString('base64url')}`;
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const env = { PROTEAN_DATA_DIR: dataDir, PROTEAN_OPERATOR_TOKEN: operatorToken, DATABASE_URL: '' };
    // PGlite is one process's folder: the server is stopped whenever the bench loads data directly.
    const up = async (label: string) => {
      const child = startProtean(`pglite-${label}`, env, port);
      await waitForHttp(child, `${base}/readyz`, 300_000);
      return child;
    };
    let protean = await up('setup');
    cleanup.unshift(() => stopChild(protean));
    const t = await createTenant(base, operatorToken, 'bench');
    const other = await createTenant(base, operatorToken, 'bench-other');
    const { object: o, orgNameFieldId } = await createBenchObject(base, t, (text) => notes.push(text));
    await stopChild(protean);

    let orgIds: string[] = [];
    await withPglite(dataDir, async (sql) => {
      await loadOrganizations(sql, t.tenantId, t.userId, o.orgObjectId, orgNameFieldId, ORGS);
      orgIds = (await sql.query('select id from record where tenant_id = $1 and object_id = $2 order by random() limit 200', [t.tenantId, o.orgObjectId])).map((r) => String(r['id']));
    });

    protean = await up('batch');
    log('PGlite: batch insert through the API');
    const viaApi = await batchInsert(base, t, orgIds, 'pglite.', Math.min(50_000, PGLITE_RECORDS), 2);
    await stopChild(protean);

    let ids: string[] = [];
    let mine = 0;
    let role: string | null = null;
    await withPglite(dataDir, async (sql) => {
      const already = Number((await sql.query('select count(*)::int as n from record where tenant_id = $1 and object_id = $2', [t.tenantId, o.objectId]))[0]!['n']);
      const useSlots = (await slotColumns(sql)).length > 0 && Object.keys(o.def['indexSlots'] ?? {}).length > 0;
      await inChunks('pglite customers', Math.max(0, PGLITE_RECORDS - already), 50_000, (from, to) => loadCustomers(sql, o, t.tenantId, t.userId, already + from, already + to, useSlots));
      await inChunks('pglite other tenant', PGLITE_RECORDS, 50_000, (from, to) => loadOtherTenant(sql, other.tenantId, 'customer', from, to));
      if (!useSlots) for (const statement of listIndexSql(o)) await sql.query(statement);
      role = await appRole(sql);
      await sql.query('vacuum analyze record');
      await sql.query('vacuum analyze record_link');
      mine = Number((await sql.query('select count(*)::int as n from record where tenant_id = $1 and object_id = $2', [t.tenantId, o.objectId]))[0]!['n']);
      ids = (await sql.query('select id from record where tenant_id = $1 and object_id = $2 and deleted_at is null order by random() limit 20000', [t.tenantId, o.objectId])).map((r) => String(r['id']));
    });
    void viaApi;
    notes.push(`PGlite run: ${mine} bench customers (${PGLITE_RECORDS.toLocaleString('en')} target, not 1M: loading and serving 1M rows from the single-session WASM engine is out of this bench's time budget), plus ${PGLITE_RECORDS} rows of a second tenant.`);

    const paths = listPaths();
    const createBodies = {
      protean: Array.from({ length: 200 }, (_, i) => JSON.stringify(apiRecord(i, orgIds[i % orgIds.length]!))),
      floor: Array.from({ length: 200 }, (_, i) => JSON.stringify(storedRecord(o, i, orgIds[i % orgIds.length]!))),
    };

    // PGlite cannot be opened by two processes: the server runs its three workloads, then the floor does.
    protean = await up('runs');
    const lists = await compiledListQueries(base, t);
    const sides = { protean: { get: [] as LoadResult[], list: [] as LoadResult[], create: [] as LoadResult[] }, floor: { get: [] as LoadResult[], list: [] as LoadResult[], create: [] as LoadResult[] } };
    const runAll = async (name: 'protean' | 'floor', url: string, auth: Record<string, string>) => {
      const specs = {
        get: { method: 'GET' as const, paths: name === 'protean' ? ids.map((id) => `/api/v1/records/${OBJECT_API_NAME}/${id}`) : ids.map((id) => `/get/${id}`), headers: auth },
        list: { method: 'GET' as const, paths: name === 'protean' ? paths.protean : paths.floor, headers: auth, allowTimeouts: true, timeoutSec: LIST_TIMEOUT_S },
        create: { method: 'POST' as const, paths: [name === 'protean' ? `/api/v1/records/${OBJECT_API_NAME}` : '/create'], bodies: name === 'protean' ? createBodies.protean : createBodies.floor, headers: auth },
      };
      // list last: PGlite cannot cancel a statement whose request timed out, it stays queued.
      for (const kind of ['get', 'create', 'list'] as const) {
        await load({ url, connections: CONNECTIONS, duration: WARMUP_S, ...specs[kind] }, `pglite-${kind}-${name}-warmup`);
        for (let i = 0; i < ROUNDS; i++) sides[name][kind].push(await load({ url, connections: CONNECTIONS, duration: DURATION, ...specs[kind] }, `pglite-${kind}-${name}-${i + 1}`));
      }
    };
    log('PGlite: metadata changes with the records present');
    await metadataTimings(base, t, 'pglite.');
    await runAll('protean', base, t.auth);
    const rss = rssMb(protean.pid);
    await stopChild(protean);

    const floorPort = await freePort();
    const floor = startFloor('pglite', {
      driver: 'pglite', dataDir, port: floorPort, poolSize: 1, role, tenantId: t.tenantId, userId: t.userId,
      objectId: o.objectId, object: o.def, lookupFieldId: o.fieldIds.organization, lookupObjectId: o.orgObjectId, lists,
    });
    cleanup.unshift(() => stopChild(floor));
    await waitForHttp(floor, `http://127.0.0.1:${floorPort}/healthz`, 300_000);
    await runAll('floor', `http://127.0.0.1:${floorPort}`, {});
    await stopChild(floor);

    const unitTail = `best of ${ROUNDS} × ${DURATION} s, ${CONNECTIONS} connections; server runs then floor runs, PGlite being single-process`;
    record('pglite.rest.get.rps', bestRps(sides.protean.get), `req/s (get by id, ${unitTail})`, bestRps(sides.floor.get));
    record('pglite.rest.create.rps', bestRps(sides.protean.create), `req/s (create, ${unitTail})`, bestRps(sides.floor.create));
    record('pglite.rest.list.p95_ms', bestP95(sides.protean.list), `ms p95 at ${Math.round(mine / 1000)}k records (${unitTail})`, bestP95(sides.floor.list));
    record('pglite.server.rss_mb', rss, `MB (VmRSS of the server process after the ${Math.round(mine / 1000)}k-record runs)`);
  } finally {
    for (const step of cleanup) await step().catch((e) => log(`cleanup: ${e}`));
  }
}

// ---------------------------------------------------------------- report
const TARGETS: Record<string, { kind: 'ratio-min' | 'ratio-max' | 'abs-min' | 'abs-max'; x: number; text: string }> = {
  'rest.get.rps': { kind: 'ratio-min', x: 0.6, text: '≥ 0.6 × floor' },
  'rest.create.rps': { kind: 'ratio-min', x: 0.5, text: '≥ 0.5 × floor' },
  'rest.list.p95_ms': { kind: 'ratio-max', x: 2, text: '≤ 2 × floor' },
  'rest.batch_insert.records_per_s': { kind: 'abs-min', x: 20_000, text: '≥ 20,000' },
  'metadata.add_field.ms': { kind: 'abs-max', x: 50, text: '≤ 50 ms' },
  'metadata.relabel.ms': { kind: 'abs-max', x: 50, text: '≤ 50 ms' },
  'rest.create.rps.textbook_ratio': { kind: 'abs-min', x: 0.6, text: '≥ 0.6' },
  'rest.get.rps.textbook_ratio': { kind: 'abs-min', x: 0.8, text: '≥ 0.8' },
  'rest.batch_insert.records_per_s.textbook_ratio': { kind: 'abs-min', x: 0.5, text: '≥ 0.5' },
  'rest.list.p95_ms.textbook_ratio': { kind: 'abs-max', x: 1, text: '≤ 1' },
  'storage.bytes_per_record.textbook_ratio': { kind: 'abs-max', x: 2, text: '< 2 (aim)' },
  'rls.list_overhead.ratio': { kind: 'abs-max', x: 1.1, text: '≤ 1.1' },
};

function verdict(name: string, m: Metric): { ratio: string; target: string; met: string } {
  const target = TARGETS[name.replace(/^pglite\./, '')];
  const ratio = m.value !== null && m.floor ? round(m.value / m.floor, 2) : null;
  if (!target || m.value === null) return { ratio: ratio === null ? '' : String(ratio), target: target?.text ?? 'reported', met: '' };
  const met =
    target.kind === 'ratio-min' ? (ratio === null ? null : ratio >= target.x) :
    target.kind === 'ratio-max' ? (ratio === null ? null : ratio <= target.x) :
    target.kind === 'abs-min' ? m.value >= target.x : m.value <= target.x;
  return { ratio: ratio === null ? '' : String(ratio), target: target.text, met: met === null ? 'n/a' : met ? 'yes' : 'NO' };
}

function report(): string {
  const rows = Object.entries(results).map(([name, m]) => {
    const v = verdict(name, m);
    return `| ${name} | ${m.value ?? ''} | ${m.floor ?? ''} | ${v.ratio} | ${v.target} | ${v.met} | ${m.unit} |`;
  });
  return ['| metric | value | floor | ratio | target | met | unit |', '|---|---|---|---|---|---|---|', ...rows].join('\n');
}

async function main(): Promise<void> {
  const started = Date.now();
  const cpus = (await import('node:os')).cpus();
  notes.push(`Machine: ${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, Node ${process.versions.node}; server, floor, Postgres and autocannon share these cores.`);
  try {
    if (process.env['BENCH_SKIP_PG'] !== '1') await benchPostgres();
    if (process.env['BENCH_SKIP_PGLITE'] !== '1') await benchPglite();
  } finally {
    for (const child of children) await child.stop().catch(() => undefined);
  }
  const file = resolve(root, process.env['BENCH_RESULTS'] ?? 'bench/results.json');
  const previous = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, Metric>) : {};
  const merged = { ...previous, ...results };
  writeFileSync(file, JSON.stringify(merged, null, 2) + '\n');
  const table = report();
  writeFileSync(join(runDir, 'report.md'), `${table}\n\n${notes.map((n) => `- ${n}`).join('\n')}\n`);
  process.stdout.write(`\n${table}\n\n${notes.map((n) => `- ${n}`).join('\n')}\n\nwrote ${file}; logs in ${runDir} (${round((Date.now() - started) / 60000)} min)\n`);
}

process.on('SIGINT', () => {
  void (async () => {
    for (const child of children) await child.stop().catch(() => undefined);
    for (const server of postgresServers) await server.stop().catch(() => undefined);
    process.exit(130);
  })();
});

await main().catch((error) => {
  log(`FAILED: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
  for (const child of children) log(`--- ${child.name} log tail ---\n${tail(child.log)}`);
  process.exitCode = 1;
});
