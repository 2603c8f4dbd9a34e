// Where a write's cost goes (issue 19, Benchmark). Run: node scripts/node24.mjs --no-node-snapshot bench/write-cost.ts
//
// Starts its own PostgreSQL 15 with pg_stat_statements, the Protean server, the floor (the
// server's statements, nothing else) and the textbook service, loads BENCH_PROFILE_RECORDS
// (100,000) customers on each side, then for each side a bounded create load, a bounded get
// load and (Protean, textbook) a bounded batch load, and charges per create / get / record:
//   - every statement's calls, execution time and WAL bytes (pg_stat_statements),
//   - WAL bytes in all (pg_current_wal_lsn before and after),
//   - CPU of Postgres (postmaster and backends) and of the side's server process (/proc),
// and reports the storage per record (heap, TOAST, each index, outbox, record_link; the textbook's, and the textbook's with Protean's features), the
// create's insert statement alone in variants (prepared, without the outbox's data copy,
// without the outbox, without two slot indexes), and the Protean server's CPU profile
// (--cpu-prof) during the create load, by function and by file. Two more floors run beside the
// floor: one with named prepared statements, one whose get is a single round trip.
// Everything goes to bench/.data/<time>/write-cost.md; nothing is merged into results.json.
//
// Environment: BENCH_PROFILE_RECORDS (100000), BENCH_PROFILE_CREATES (3000), BENCH_PROFILE_BATCHES (30),
// BENCH_PROFILE_LOAD (create: the server's CPU profile covers the create loads; batch: the batch
// load), BENCH_CREATE_SIDES (protean,floor,floor-prepared,floor-generic,textbook: the sides of the create
// load, default all), BENCH_PARTS (create,get,batch,storage,variants: a shorter run measures only some;
// batch-variants: the batch's insert statement with its parts taken away one after another),
// BENCH_WAITS (1: what Postgres' client backends wait on during each charged load), BENCH_BATCH_CONNECTIONS
// (2: the batch loads' concurrent requests), BENCH_BATCH_DDL
// (SQL run as the owner before the batch loads: a change of the schema tried under load),
// BENCH_TEXTBOOK_DDL (the same in the textbook's database).
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startPostgres, type PostgresServer } from '../scripts/pg-server.mjs';
import type { ObjectDef } from '@protean/metadata';
import { newRecordId } from '../server/src/data/record-id.ts';
import { ARRAYS_INSERT, insertRecordsParams, RECORDSET_INSERT } from '../server/src/data/sql/insert-records.ts';
import { beginTenantSql } from '../server/src/db/database.ts';
import { apiRecord, OBJECT_API_NAME, storedRecord, textbookRecord, type BenchObject } from './lib/bench-object.ts';
import { machineCpuMs, postgresCpuByKindMs, processCpuMs } from './lib/cpu.ts';
import { inChunks, loadCustomers, loadOrganizations, loadTextbookCustomers, loadTextbookOrganizations, type Sql } from './lib/dataset.ts';
import type { FloorSpec } from './lib/floor-server.ts';
import type { LoadResult, LoadSpec } from './lib/load.ts';
import { benchRun, freePort, runMain, stopAll, waitForHttp, type Child } from './lib/proc.ts';
import { applicationUrl, createBenchObject, createTenant } from './lib/protean-setup.ts';
import type { TextbookSpec } from './lib/textbook-server.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RECORDS = Number(process.env['BENCH_PROFILE_RECORDS'] ?? 100_000);
const CREATES = Number(process.env['BENCH_PROFILE_CREATES'] ?? 3000);
const BATCHES = Number(process.env['BENCH_PROFILE_BATCHES'] ?? 30);
const BATCH = 1000;
const BATCH_CONNECTIONS = Number(process.env['BENCH_BATCH_CONNECTIONS'] ?? 2);
const PROFILE_LOAD = process.env['BENCH_PROFILE_LOAD'] === 'batch' ? 'batch' : 'create';
// BENCH_WAITS=1: sample what Postgres' client backends wait on during each charged load.
const WAIT_SAMPLES = process.env['BENCH_WAITS'] === '1';
const PARTS = new Set((process.env['BENCH_PARTS'] ?? 'create,get,batch,storage,variants').split(',').map((p) => p.trim()));
const ORGS = 10_000;
const run = benchRun('write-cost', root);
const { runDir, children, out, log, say, startChild } = run;
const r1 = (n: number) => Math.round(n * 10) / 10;

async function stop(child: Child): Promise<void> {
  await child.stop();
  children.delete(child);
}

async function load(spec: LoadSpec, label: string): Promise<LoadResult> {
  const result = await run.load(spec, label);
  log(`  ${label}: ${r1(result.rps)} req/s over ${r1(result.seconds)} s`);
  return result;
}

const sqlOf = (client: pg.Client): Sql => ({ query: async (text, params) => (await client.query(text, params as unknown[])).rows });

interface Side {
  name: string;
  pid: number;
  spec: Omit<LoadSpec, 'connections' | 'duration' | 'amount'>;
}

/** Runs `amount` requests of a side and charges statements, WAL and CPU to each of `units`. */
async function charge(server: PostgresServer, stats: Sql, side: Side, label: string, amount: number, units: number, connections: number, unit = units === 1 ? 'create' : 'record'): Promise<void> {
  await load({ ...side.spec, connections, duration: 0, amount: Math.max(20, Math.floor(amount / 10)) }, `${label}-warmup`);
  await stats.query('select pg_stat_statements_reset()');
  const [before] = await stats.query('select pg_current_wal_lsn() as lsn');
  const kindsBefore = postgresCpuByKindMs(server.pid);
  const machineBefore = machineCpuMs();
  const wallBefore = performance.now();
  const serverBefore = processCpuMs(side.pid);
  const waits = WAIT_SAMPLES ? sampleWaits(server.url) : undefined;
  const result = await load({ ...side.spec, connections, duration: 0, amount }, label);
  const waited = await waits?.stop();
  const machine = machineCpuMs();
  // Over the charged window (the load generator's start and its last tick included), not the load's own seconds.
  const wallMs = performance.now() - wallBefore;
  const cores = (machine.total - machineBefore.total) / wallMs;
  const busyCores = (machine.busy - machineBefore.busy) / wallMs;
  const kindsAfter = postgresCpuByKindMs(server.pid);
  const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  const pgMs = sum(kindsAfter) - sum(kindsBefore);
  const kinds = [...kindsAfter].map(([kind, ms]) => [kind, ms - (kindsBefore.get(kind) ?? 0)] as const).filter(([, ms]) => ms > 0);
  const serverMs = processCpuMs(side.pid) - serverBefore;
  const [wal] = await stats.query('select pg_wal_lsn_diff(pg_current_wal_lsn(), $1)::float8 as bytes', [before!['lsn']]);
  const n = amount * units;
  const statements = await stats.query(
    `select calls, total_exec_time, total_plan_time, wal_bytes::float8 as wal_bytes, shared_blks_hit + shared_blks_read as blocks, shared_blks_dirtied as dirtied, regexp_replace(query, '\\s+', ' ', 'g') as query
       from pg_stat_statements where query not like '%pg_stat_statements%' and query not like '%pg_current_wal_lsn%' order by total_exec_time desc`,
  );
  const perUnit = unit;
  say(`### ${label}: ${amount} requests × ${units} = ${n} ${perUnit}s, ${r1(result.rps * units)} ${perUnit}s/s`);
  say();
  say(`per ${perUnit}: Postgres CPU ${r1((pgMs * 1000) / n)} µs, ${side.name} process CPU ${r1((serverMs * 1000) / n)} µs, WAL ${Math.round(Number(wal!['bytes']) / n)} bytes, statements ${r1(statements.reduce((a, s) => a + Number(s['calls']), 0) / amount)} per request`);
  say();
  say(`the machine during the load: ${r1(busyCores)} of ${r1(cores)} cores busy (/proc/stat), ${r1(((machine.busy - machineBefore.busy) * 1000) / n)} µs per ${perUnit} in all`);
  say();
  say(`Postgres CPU per ${perUnit} by process: ${kinds.sort((a, b) => b[1] - a[1]).map(([kind, ms]) => `${kind} ${r1((ms * 1000) / n)} µs`).join(', ')}`);
  say();
  if (waited) {
    say(`client backends' states during the load (${waited.samples} samples every 10 ms): ${waited.states.map(([state, n]) => `${state} ${r1(n / waited.samples)}`).join(', ')} (average backends per sample)`);
    say();
  }
  say(`| statement | calls/request | exec µs per ${perUnit} | plan µs per ${perUnit} | WAL B per ${perUnit} | blocks per ${perUnit} | dirtied per ${perUnit} |`);
  say('|---|---|---|---|---|---|---|');
  for (const s of statements) {
    const text = String(s['query']).slice(0, 140).replaceAll('|', '\\|');
    say(`| \`${text}\` | ${r1(Number(s['calls']) / amount)} | ${r1((Number(s['total_exec_time']) * 1000) / n)} | ${r1((Number(s['total_plan_time']) * 1000) / n)} | ${Math.round(Number(s['wal_bytes']) / n)} | ${r1(Number(s['blocks']) / n)} | ${r1(Number(s['dirtied']) / n)} |`);
  }
  say();
}

/**
 * What the client backends do during a load, sampled from pg_stat_activity: on CPU ("active"),
 * waiting (by wait event), idle in a transaction, or idle: where a load that leaves CPU unused waits.
 */
function sampleWaits(url: string): { stop(): Promise<{ samples: number; states: [string, number][] }> } {
  const client = new pg.Client({ connectionString: url });
  const counts = new Map<string, number>();
  let samples = 0;
  let stopped = false;
  const running = (async () => {
    await client.connect();
    // Bounded: stops when the load does, or after 10 minutes.
    for (const until = Date.now() + 600_000; !stopped && Date.now() < until; ) {
      const rows = (
        await client.query(
          `select case when state = 'active' then coalesce(wait_event_type || ':' || wait_event, 'on CPU') else state end as what
             from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid()`,
        )
      ).rows as { what: string }[];
      samples += 1;
      for (const r of rows) counts.set(r.what, (counts.get(r.what) ?? 0) + 1);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await client.end();
  })();
  return {
    async stop() {
      stopped = true;
      await running;
      return { samples, states: [...counts].sort((a, b) => b[1] - a[1]) };
    },
  };
}

async function storage(sql: Sql, table: string, where: string, params: unknown[], label: string): Promise<void> {
  const rows = Number((await sql.query(`select count(*)::int as n from ${table} where ${where}`, params))[0]!['n']);
  const all = Number((await sql.query(`select count(*)::int as n from ${table}`))[0]!['n']);
  const relations = await sql.query(
    `select c.relname as name, pg_relation_size(c.oid)::float8 as bytes, 'heap' as kind from pg_class c where c.oid = $1::regclass
     union all select t.relname, pg_total_relation_size(t.oid)::float8, 'toast' from pg_class c join pg_class t on t.oid = c.reltoastrelid where c.oid = $1::regclass
     union all select i.relname, pg_relation_size(i.oid)::float8, 'index' from pg_index x join pg_class i on i.oid = x.indexrelid where x.indrelid = $1::regclass`,
    [table],
  );
  const [avg] = await sql.query(`select avg(pg_column_size(t.*))::float8 as row_bytes${table === 'record' ? ', avg(pg_column_size(t.data))::float8 as data_bytes' : ''} from ${table} t where ${where}`, params);
  say(`### storage: ${label} (${table}: ${rows} of ${all} rows are this side's; sizes shared by rows)`);
  say();
  say('| relation | kind | MB | bytes per row of the table |');
  say('|---|---|---|---|');
  let total = 0;
  for (const r of relations) {
    total += Number(r['bytes']);
    say(`| ${r['name']} | ${r['kind']} | ${r1(Number(r['bytes']) / 1e6)} | ${Math.round(Number(r['bytes']) / all)} |`);
  }
  say(`| total | | ${r1(total / 1e6)} | ${Math.round(total / all)} |`);
  say();
  say(`average tuple ${r1(Number(avg!['row_bytes']))} bytes${avg!['data_bytes'] === undefined ? '' : `, of which the data JSONB ${r1(Number(avg!['data_bytes']))} bytes`}`);
  say();
  const columns = (await sql.query('select attname from pg_attribute where attrelid = $1::regclass and attnum > 0 and not attisdropped order by attnum', [table])).map((r) => String(r['attname']));
  const [sizes] = await sql.query(`select ${columns.map((c, i) => `avg(pg_column_size(t.${pg.escapeIdentifier(c)}))::float8 as c${i}`).join(', ')} from ${table} t where ${where}`, params);
  say(`average bytes per column: ${columns.map((c, i) => `${c} ${r1(Number(sizes![`c${i}`] ?? 0))}`).join(', ')}`);
  say();
  const indexes = await sql.query(
    `select i.relname as name, pg_relation_size(i.oid)::float8 as bytes, coalesce(nullif(i.reltuples, -1), 0)::float8 as entries
       from pg_index x join pg_class i on i.oid = x.indexrelid where x.indrelid = $1::regclass and i.reltuples > 0`,
    [table],
  );
  say(`bytes per index entry: ${indexes.map((r) => `${r['name']} ${Math.round(Number(r['bytes']) / Number(r['entries']))}`).join(', ')}`);
  say();
}

/**
 * The create's insert statement alone, in variants, each `reps` times in its own tenant
 * transaction as the application login: Postgres' planning and execution time per statement
 * (pg_stat_statements), so each part of the statement is charged separately.
 */
async function insertVariants(appUrl: string, stats: Sql, o: BenchObject, tenantId: string, userId: string, orgIds: string[], reps: number, title: string, only = Infinity): Promise<void> {
  const outboxCte = /\),\s*events as \([\s\S]*?\n \)\n/.exec(RECORDSET_INSERT.sql)?.[0];
  if (!outboxCte) throw new Error('the insert statement has no events CTE to leave out');
  const variants: { label: string; text: string; prepared: boolean }[] = [
    { label: 'as the server sends it (unnamed: parsed and planned every time)', text: RECORDSET_INSERT.sql, prepared: false },
    { label: 'the same as a named prepared statement (plan cached)', text: RECORDSET_INSERT.sql, prepared: true },
    { label: 'prepared, outbox event with a copy of the data (before migration 59)', text: RECORDSET_INSERT.sql.replace("'{}'::jsonb", "jsonb_build_object('data', d)"), prepared: true },
    { label: 'prepared, without the outbox insert', text: RECORDSET_INSERT.sql.replace(outboxCte, ')\n'), prepared: true },
  ];
  const client = new pg.Client({ connectionString: appUrl });
  await client.connect();
  try {
    say(`### ${title}: the insert statement in variants (${reps} single-record inserts each, application login)`);
    say();
    say('| variant | exec µs | plan µs | total µs | WAL B |');
    say('|---|---|---|---|---|');
    for (const [v, variant] of variants.slice(0, only).entries()) {
      // Statistics are keyed by the parse tree, the same for a statement prepared or not: one variant at a time.
      await stats.query('select pg_stat_statements_reset()');
      for (let i = 0; i < reps; i++) {
        const data = storedRecord(o, 100_000 + i, orgIds[i % orgIds.length]!);
        await client.query(beginTenantSql(tenantId));
        await client.query({ text: variant.text, values: insertRecordsParams(tenantId, o.def as unknown as ObjectDef, userId, [{ id: newRecordId(), data }]).values, ...(variant.prepared ? { name: `insert_variant_${v}` } : {}) });
        await client.query('commit');
      }
      const [row] = await stats.query("select calls, total_exec_time, total_plan_time, wal_bytes::float8 as wal_bytes from pg_stat_statements where query like 'with targets as materialized%'");
      if (!row) {
        say(`| ${variant.label} | ? | ? | ? | ? |`);
        continue;
      }
      const calls = Number(row['calls']);
      const exec = (Number(row['total_exec_time']) * 1000) / calls;
      const plan = (Number(row['total_plan_time']) * 1000) / calls;
      say(`| ${variant.label} | ${r1(exec)} | ${r1(plan)} | ${r1(exec + plan)} | ${Math.round(Number(row['wal_bytes']) / calls)} |`);
    }
    say();
  } finally {
    await client.end();
  }
}

/**
 * How long the server's outbox consumers (webhooks, workflow triggers, after-save scripts,
 * subscriptions) take, after a load, to reach the newest event: work a load leaves behind it.
 */
async function outboxDrain(sql: Sql, label: string): Promise<void> {
  const started = Date.now();
  const lagging = async () =>
    (await sql.query(`select c.consumer, (select count(*) from outbox_event o where (o.txid, o.id) > (c.txid, c.id))::int as behind from outbox_checkpoint c`)).filter((r) => Number(r['behind']) > 0);
  const first = await lagging();
  let left = first;
  while (left.length && Date.now() - started < 300_000) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    left = await lagging();
  }
  const behind = first.map((r) => `${String(r['consumer']).replace(/@.*$/, '')} ${Number(r['behind']).toLocaleString('en')}`).join(', ');
  say(`outbox consumers ${label}: ${first.length ? `behind by ${behind} events; caught up ${r1((Date.now() - started) / 1000)} s later${left.length ? ' (NOT caught up after 300 s)' : ''}` : 'already caught up'}`);
  say();
}

/**
 * The batch's insert statement (1,000 records, sent as the server sends it), `reps` times after
 * each step of `steps` (DDL run as the owner, cumulative): per record, Postgres' execution time
 * and WAL, so each index, the search text and the outbox event are charged separately.
 */
async function batchVariants(appUrl: string, owner: Sql, o: BenchObject, tenantId: string, userId: string, orgIds: string[], reps: number, steps: { label: string; ddl: string; withoutOutbox?: boolean; withoutSearchText?: boolean }[]): Promise<void> {
  const outboxCte = /\),\s*events as \([\s\S]*?\n \)\n/.exec(ARRAYS_INSERT.sql)?.[0];
  if (!outboxCte) throw new Error('the insert statement has no events CTE to leave out');
  const client = new pg.Client({ connectionString: appUrl });
  await client.connect();
  try {
    say(`### The batch's insert statement (${BATCH} records, ${reps} times a line, application login), parts taken away one after another`);
    say();
    say('| without | exec µs per record | WAL B per record |');
    say('|---|---|---|');
    let n = 200_000;
    let withoutSearchText = false;
    for (const step of steps) {
      if (step.ddl) await owner.query(step.ddl);
      withoutSearchText ||= step.withoutSearchText === true;
      const insert = withoutSearchText ? ARRAYS_INSERT.sql.replace('search_text, ', '').replace('$4, $4, s, ', '$4, $4, ') : ARRAYS_INSERT.sql;
      await owner.query('select pg_stat_statements_reset()');
      for (let i = 0; i < reps; i++) {
        const records = Array.from({ length: BATCH }, (_, k) => ({ id: newRecordId(), data: storedRecord(o, n + k, orgIds[(n + k) % orgIds.length]!) }));
        n += BATCH;
        await client.query(beginTenantSql(tenantId));
        await client.query(step.withoutOutbox ? insert.replace(outboxCte, ')\n') : insert, insertRecordsParams(tenantId, o.def as unknown as ObjectDef, userId, records).values);
        await client.query('commit');
      }
      const [row] = await owner.query("select sum(calls)::float8 as calls, sum(total_exec_time)::float8 as exec, sum(wal_bytes)::float8 as wal from pg_stat_statements where query like 'with targets as materialized%'");
      const records = Number(row!['calls']) * BATCH;
      say(`| ${step.label} | ${r1((Number(row!['exec']) * 1000) / records)} | ${Math.round(Number(row!['wal']) / records)} |`);
    }
    say();
  } finally {
    await client.end();
  }
}

/** Self time by function and by file from a V8 .cpuprofile. */
function summarizeProfile(file: string): void {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as {
    nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }[];
    startTime: number;
    endTime: number;
    samples: number[];
  };
  const interval = (profile.endTime - profile.startTime) / Math.max(1, profile.samples.length) / 1000;
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (!hits) continue;
    const url = node.callFrame.url.replace(/^file:\/\/.*?\/(node_modules|server|metadata|runtime)\//, '$1/');
    const fn = `${node.callFrame.functionName || '(anonymous)'} ${url}:${node.callFrame.lineNumber + 1}`;
    const where = node.callFrame.url ? url.replace(/^(node_modules\/(?:@[^/]+\/)?[^/]+).*$/, '$1') : node.callFrame.functionName;
    if (node.callFrame.functionName === '(idle)') continue;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + hits * interval);
    byFile.set(where, (byFile.get(where) ?? 0) + hits * interval);
    total += hits * interval;
  }
  const top = (m: Map<string, number>, n: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n);
  say(`### Protean server CPU profile from start to the end of the ${PROFILE_LOAD} loads (${r1(total)} ms on CPU, idle left out)`);
  say();
  say('| self time by package / file | ms | % |');
  say('|---|---|---|');
  for (const [k, v] of top(byFile, 20)) say(`| ${k} | ${r1(v)} | ${r1((100 * v) / total)} |`);
  say();
  say('| self time by function | ms | % |');
  say('|---|---|---|');
  for (const [k, v] of top(byFunction, 30)) say(`| \`${k}\` | ${r1(v)} | ${r1((100 * v) / total)} |`);
  say();
}

async function main(): Promise<void> {
  const server = await startPostgres({ settings: ['shared_preload_libraries=pg_stat_statements', 'pg_stat_statements.track=all', 'pg_stat_statements.track_planning=on'] });
  try {
    const owner = new pg.Client({ connectionString: server.url });
    owner.on('error', (e) => log(`owner connection: ${e.message}`));
    await owner.connect();
    const sql = sqlOf(owner);
    await sql.query('create extension if not exists pg_stat_statements');
    log(`PostgreSQL on ${server.port} (pid ${server.pid})`);

    const operatorToken = `op_${randomBytes(18).toString('base64url')}`;
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const env = { DATABASE_URL: server.url, PROTEAN_OPERATOR_TOKEN: operatorToken, HOST: '127.0.0.1', PORT: String(port), PROTEAN_DEMO: '0' };
    const serverArgs = ['--no-node-snapshot', join(root, 'server/src/main.ts')];
    let protean = startChild('protean-setup', serverArgs, env);
    await waitForHttp(protean, `${base}/readyz`);
    const t = await createTenant(base, operatorToken, 'bench');
    const { object: o, orgNameFieldId } = await createBenchObject(base, t, log);
    await loadOrganizations(sql, t.tenantId, t.userId, o.orgObjectId, orgNameFieldId, ORGS);
    const orgIds = (await sql.query('select id from record where tenant_id = $1 and object_id = $2 order by random() limit 200', [t.tenantId, o.orgObjectId])).map((r) => String(r['id']));
    await inChunks('protean customers', RECORDS, 100_000, (from, to) => loadCustomers(sql, o, t.tenantId, t.userId, from, to, true));
    await sql.query('vacuum analyze record');

    await sql.query('create database textbook');
    const textbookUrl = new URL(server.url);
    textbookUrl.pathname = '/textbook';
    const textbook = new pg.Client({ connectionString: textbookUrl.toString() });
    textbook.on('error', (e) => log(`textbook connection: ${e.message}`));
    await textbook.connect();
    const tsql = sqlOf(textbook);
    await textbook.query(readFileSync(join(root, 'bench/lib/textbook-schema.sql'), 'utf8'));
    await loadTextbookOrganizations(tsql, ORGS);
    const textbookOrgIds = (await tsql.query('select id from organization order by random() limit 200')).map((r) => String(r['id']));
    await inChunks('textbook customers', RECORDS, 100_000, (from, to) => loadTextbookCustomers(tsql, from, to));
    await tsql.query('vacuum analyze');

    const appUrl = await applicationUrl(server.url, (q) => sql.query(q));
    const floorPort = await freePort();
    const floorSpec: FloorSpec = {
      driver: 'pg', databaseUrl: appUrl, port: floorPort, poolSize: 10, role: null, tenantId: t.tenantId, userId: t.userId,
      objectId: o.objectId, object: o.def, lookupFieldId: o.fieldIds.organization, lookupObjectId: o.orgObjectId, lists: [],
    };
    writeFileSync(join(runDir, 'floor.json'), JSON.stringify(floorSpec));
    const floor = startChild('floor', [join(root, 'bench/lib/floor-server.ts'), join(runDir, 'floor.json')]);
    const preparedPort = await freePort();
    writeFileSync(join(runDir, 'floor-prepared.json'), JSON.stringify({ ...floorSpec, port: preparedPort, prepared: true } satisfies FloorSpec));
    const floorPrepared = startChild('floor-prepared', [join(root, 'bench/lib/floor-server.ts'), join(runDir, 'floor-prepared.json')]);
    await waitForHttp(floorPrepared, `http://127.0.0.1:${preparedPort}/healthz`);
    const genericPort = await freePort();
    writeFileSync(join(runDir, 'floor-generic.json'), JSON.stringify({ ...floorSpec, port: genericPort, prepared: true, genericPlans: true } satisfies FloorSpec));
    const floorGeneric = startChild('floor-generic', [join(root, 'bench/lib/floor-server.ts'), join(runDir, 'floor-generic.json')]);
    await waitForHttp(floorGeneric, `http://127.0.0.1:${genericPort}/healthz`);
    const textbookPort = await freePort();
    const textbookSpec: TextbookSpec = { databaseUrl: textbookUrl.toString(), port: textbookPort, poolSize: 10 };
    writeFileSync(join(runDir, 'textbook.json'), JSON.stringify(textbookSpec));
    const book = startChild('textbook', [join(root, 'bench/lib/textbook-server.ts'), join(runDir, 'textbook.json')]);
    await waitForHttp(floor, `http://127.0.0.1:${floorPort}/healthz`);
    await waitForHttp(book, `http://127.0.0.1:${textbookPort}/healthz`);

    // The create load (or the batch load) with the server under --cpu-prof (the profile is written when it exits).
    const restart = async (prof: boolean) => {
      await stop(protean);
      protean = startChild(prof ? 'protean-prof' : 'protean', [...(prof ? ['--cpu-prof', `--cpu-prof-dir=${runDir}`] : []), ...serverArgs], env);
      await waitForHttp(protean, `${base}/readyz`);
    };
    await restart(PROFILE_LOAD === 'create');

    say(`# Write cost per create and per bulk-inserted record (${RECORDS.toLocaleString('en')} customers on each side)`);
    say();
    const createBodies = {
      protean: Array.from({ length: 200 }, (_, i) => JSON.stringify(apiRecord(i, orgIds[i % orgIds.length]!))),
      floor: Array.from({ length: 200 }, (_, i) => JSON.stringify(storedRecord(o, i, orgIds[i % orgIds.length]!))),
      textbook: Array.from({ length: 200 }, (_, i) => JSON.stringify(textbookRecord(i, textbookOrgIds[i % textbookOrgIds.length]!))),
    };
    const sides: Side[] = [
      { name: 'Protean server', pid: protean.pid, spec: { url: base, method: 'POST', paths: [`/api/v1/records/${OBJECT_API_NAME}`], bodies: createBodies.protean, headers: t.auth } },
      { name: 'floor', pid: floor.pid, spec: { url: `http://127.0.0.1:${floorPort}`, method: 'POST', paths: ['/create'], bodies: createBodies.floor } },
      { name: 'floor-prepared (the floor with named prepared statements)', pid: floorPrepared.pid, spec: { url: `http://127.0.0.1:${preparedPort}`, method: 'POST', paths: ['/create'], bodies: createBodies.floor } },
      { name: 'floor-generic (named prepared statements, generic plans in write transactions)', pid: floorGeneric.pid, spec: { url: `http://127.0.0.1:${genericPort}`, method: 'POST', paths: ['/create'], bodies: createBodies.floor } },
      { name: 'textbook', pid: book.pid, spec: { url: `http://127.0.0.1:${textbookPort}`, method: 'POST', paths: ['/customers'], bodies: createBodies.textbook } },
    ];
    const createSides = process.env['BENCH_CREATE_SIDES']?.split(',').map((s) => s.trim());
    const label = (side: Side) => side.name.split(' ')[0]!.toLowerCase();
    if (PARTS.has('create')) for (const side of sides) if (!createSides || createSides.includes(label(side))) await charge(server, sql, side, `create-${label(side)}`, CREATES, 1, 10);

    if (PROFILE_LOAD === 'create') await restart(false);

    // Gets: the server, the floor (three round trips), the floor with named statements, the
    // floor in one round trip, and the textbook service (one autocommit statement).
    const oneTripPort = await freePort();
    writeFileSync(join(runDir, 'floor-one-trip.json'), JSON.stringify({ ...floorSpec, port: oneTripPort, oneTripGet: true } satisfies FloorSpec));
    const floorOneTrip = startChild('floor-one-trip', [join(root, 'bench/lib/floor-server.ts'), join(runDir, 'floor-one-trip.json')]);
    await waitForHttp(floorOneTrip, `http://127.0.0.1:${oneTripPort}/healthz`);
    const ids = (await sql.query('select id from record where tenant_id = $1 and object_id = $2 order by random() limit 5000', [t.tenantId, o.objectId])).map((r) => String(r['id']));
    const textbookIds = (await tsql.query('select id from customer order by random() limit 5000')).map((r) => String(r['id']));
    const getSides: Side[] = [
      { name: 'Protean server', pid: protean.pid, spec: { url: base, method: 'GET', paths: ids.map((id) => `/api/v1/records/${OBJECT_API_NAME}/${id}`), headers: t.auth } },
      { name: 'floor', pid: floor.pid, spec: { url: `http://127.0.0.1:${floorPort}`, method: 'GET', paths: ids.map((id) => `/get/${id}`) } },
      { name: 'floor-prepared', pid: floorPrepared.pid, spec: { url: `http://127.0.0.1:${preparedPort}`, method: 'GET', paths: ids.map((id) => `/get/${id}`) } },
      { name: 'floor-one-trip (begin, tenant, select and commit in one simple query)', pid: floorOneTrip.pid, spec: { url: `http://127.0.0.1:${oneTripPort}`, method: 'GET', paths: ids.map((id) => `/get/${id}`) } },
      { name: 'textbook', pid: book.pid, spec: { url: `http://127.0.0.1:${textbookPort}`, method: 'GET', paths: textbookIds.map((id) => `/customers/${id}`) } },
    ];
    if (PARTS.has('get')) for (const side of getSides) await charge(server, sql, side, `get-${side.name.split(' ')[0]!.toLowerCase()}`, CREATES * 2, 1, 10, 'get');
    const batchBodies = {
      protean: [0, 1, 2, 3].map((b) => JSON.stringify({ operations: Array.from({ length: BATCH }, (_, i) => ({ op: 'create', data: apiRecord(b * BATCH + i, orgIds[(b * BATCH + i) % orgIds.length]!) })) })),
      textbook: [0, 1, 2, 3].map((b) => JSON.stringify({ records: Array.from({ length: BATCH }, (_, i) => textbookRecord(b * BATCH + i, textbookOrgIds[(b * BATCH + i) % textbookOrgIds.length]!)) })),
    };
    if (PARTS.has('batch')) {
      if (PROFILE_LOAD === 'batch') await restart(true);
      // BENCH_BATCH_DDL: a schema change (as the owner) tried under the batch load, e.g. an index's storage parameter.
      if (process.env['BENCH_BATCH_DDL']) await sql.query(process.env['BENCH_BATCH_DDL']);
      // BENCH_TEXTBOOK_DDL: the same for the textbook's database, e.g. the trigram index a hand-written CRM's search would need.
      if (process.env['BENCH_TEXTBOOK_DDL']) await tsql.query(process.env['BENCH_TEXTBOOK_DDL']);
      await charge(server, sql, { name: 'Protean server', pid: protean.pid, spec: { url: base, method: 'POST', paths: [`/api/v1/records/${OBJECT_API_NAME}/batch`], bodies: batchBodies.protean, headers: t.auth, timeoutSec: 120 } }, 'batch-protean', BATCHES, BATCH, BATCH_CONNECTIONS);
      await outboxDrain(sql, 'after the batch load');
      await charge(server, sql, { name: 'textbook', pid: book.pid, spec: { url: `http://127.0.0.1:${textbookPort}`, method: 'POST', paths: ['/customers/batch'], bodies: batchBodies.textbook, timeoutSec: 120 } }, 'batch-textbook', BATCHES, BATCH, BATCH_CONNECTIONS);
    }
    await stop(protean);
    const profile = readdirSync(runDir).find((f) => f.endsWith('.cpuprofile'));

    if (PARTS.has('storage')) {
    await sql.query('vacuum analyze record');
    await sql.query('vacuum analyze outbox');
    await tsql.query('vacuum analyze customer');
    await storage(sql, 'record', 'tenant_id = $1 and object_id = $2', [t.tenantId, o.objectId], 'Protean record table');
    await storage(sql, 'outbox', 'tenant_id = $1', [t.tenantId], 'Protean outbox (one event per created record)');
    await storage(sql, 'record_link', 'tenant_id = $1', [t.tenantId], 'Protean record_link');
    await storage(tsql, 'customer', 'true', [], 'textbook customer table');
    await tsql.query(readFileSync(join(root, 'bench/lib/featured-textbook.sql'), 'utf8'));
    await tsql.query('vacuum analyze customer_featured');
    await storage(tsql, 'customer_featured', 'true', [], "textbook customer table with Protean's features (tenant, owner, authors, version, soft delete, search, the related list's and the name's order)");
    const [sample] = await sql.query('select object_id, data::text as data, ix_t1, ix_t2, ix_t3 from record where tenant_id = $1 and object_id = $2 limit 1', [t.tenantId, o.objectId]);
    say(`a stored record: object_id ${JSON.stringify(sample!['object_id'])}, slots t1 ${JSON.stringify(sample!['ix_t1'])} t2 ${JSON.stringify(sample!['ix_t2'])} t3 ${JSON.stringify(sample!['ix_t3'])}, data ${String(sample!['data'])}`);
    say();
    }
    if (PARTS.has('batch-variants')) {
      await batchVariants(appUrl, sql, o, t.tenantId, t.userId, orgIds, 5, [
        { label: '(nothing: as now)', ddl: '' },
        { label: 'the outbox event', ddl: '', withoutOutbox: true },
        { label: '(nothing, again)', ddl: '' },
        { label: 'the trigram index', ddl: 'drop index record_search' },
        // The insert statement writes the search text (migration 66): without the column it writes
        // none, and the trigger that fills it for other writers goes with it.
        { label: '… and the search text column', ddl: 'drop trigger record_fill_derived_on_insert on record; drop trigger record_fill_derived_on_update on record; alter table record drop column search_text', withoutSearchText: true },
        { label: '… and record_ix2, record_ix3 (lookup and name slots)', ddl: 'drop index record_ix2, record_ix3' },
        { label: '… and the outbox event', ddl: '', withoutOutbox: true },
      ]);
    }
    // Both take parts of the schema away: batch-variants (not run by default) leaves variants out.
    if (PARTS.has('variants') && !PARTS.has('batch-variants')) {
    await insertVariants(appUrl, sql, o, t.tenantId, t.userId, orgIds, 1000, 'All indexes');
    // The search texts of earlier migrations (22, 55) were compared here while Postgres computed the
    // text on insert; the insert statement now writes the text the server computed (migration 66).
    await sql.query('drop index record_ix2, record_ix3');
    await insertVariants(appUrl, sql, o, t.tenantId, t.userId, orgIds, 1000, 'Without record_ix2 and record_ix3 (the lookup and name slots)');
    await sql.query('drop index record_search');
    await insertVariants(appUrl, sql, o, t.tenantId, t.userId, orgIds, 1000, 'Without record_ix2, record_ix3 and record_search (the trigram index)', 2);
    }
    if (profile) summarizeProfile(join(runDir, profile));
    await textbook.end();
    await owner.end();
  } finally {
    await stopAll(children);
    await server.stop();
  }
  writeFileSync(join(runDir, 'write-cost.md'), `${out.join('\n')}\n`);
  log(`wrote ${join(runDir, 'write-cost.md')}`);
}

await runMain(main, children);
