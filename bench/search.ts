// Search benchmark (issue 20). Run: node scripts/node24.mjs --no-node-snapshot bench/search.ts
//
// search.contains.p95_ms — p95 of GET /api/v1/search?q=<word> at 1,000,000 records of one object
// (names like "Mei Chen", each last name on ~1% of them), 10 connections, on PostgreSQL 15 with
// the server as its own process. The words are last names and parts of names found inside the
// record name ("chen" finds "Mei Chen"), so every query is a contains search that the trigram
// index (migration 20) must serve. Beside it, the floor: the candidate statement the server
// runs (search_record_candidates) alone, over `pg` with 10 connections as the application role.
// Also reported: search.typo.p95_ms (a misspelt name, the similar-word path) and the index size.
//
// Environment (optional): BENCH_RECORDS (1000000), BENCH_SECONDS (10), BENCH_RESULTS (another results file).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startPostgres } from '../scripts/pg-server.mjs';
import { postgresCpuMs, processCpuMs } from './lib/cpu.ts';
import { inChunks, loadCustomers, loadOrganizations, type Sql } from './lib/dataset.ts';
import type { LoadResult, LoadSpec } from './lib/load.ts';
import { applicationUrl, createBenchObject, createTenant } from './lib/protean-setup.ts';
import { freePort, startNode, waitForHttp, type Child } from './lib/proc.ts';
import { spawnSync } from 'node:child_process';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RECORDS = Number(process.env['BENCH_RECORDS'] ?? 1_000_000);
const SECONDS = Math.min(60, Number(process.env['BENCH_SECONDS'] ?? 10));
const CONNECTIONS = 10;
const CONTAINS_FLOOR_MS = 50;
const runDir = join(root, 'bench', '.data', `search-${new Date().toISOString().replace(/[:.]/g, '-')}`);
mkdirSync(runDir, { recursive: true });

// Last names and inner parts of names: each found anywhere in "First Last", never only at the start.
const CONTAINS = ['chen', 'garcia', 'nguyen', 'kowalski', 'johansson', 'hansen', 'tanaka', 'ferrari', 'patel', 'schmidt', 'ohans', 'owalsk', 'arcia', 'guyen', 'mitchell', 'rodriguez', 'campbell', 'esposito', 'dubois', 'anderson'];
const TYPOS = ['margret', 'jonhson', 'rodrigez', 'kowalsky', 'schmitt', 'garsia', 'nguyem', 'campbel', 'fererri', 'andersen'];

type Metric = { value: number | null; unit: string; floor: number | null };
const results: Record<string, Metric> = {};
const log = (message: string) => process.stderr.write(`[search ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

function record(name: string, value: number, unit: string, floor: number | null = null): void {
  results[name] = { value: round(value), unit, floor: floor === null ? null : round(floor) };
  log(`${name} = ${results[name]!.value} ${unit}${floor === null ? '' : ` (floor ${round(floor)})`}`);
}

/** Autocannon in its own process (bench/lib/load.ts), bounded by SECONDS. */
function load(spec: LoadSpec): LoadResult {
  const file = join(runDir, `load-${randomBytes(4).toString('hex')}.json`);
  writeFileSync(file, JSON.stringify(spec));
  const run = spawnSync(process.execPath, [join(root, 'bench/lib/load.ts'), file], { encoding: 'utf8', timeout: (spec.duration + 60) * 1000 });
  if (run.status !== 0) throw new Error(`load failed: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').pop()!) as LoadResult;
}

/** The floor: the candidate statement alone, `connections` workers over a pg pool, bounded in count and time. */
async function floorP95(url: string, tenantId: string, objectIds: string[], words: string[], fuzzy: boolean): Promise<number> {
  const pool = new pg.Pool({ connectionString: url, max: CONNECTIONS });
  const latencies: number[] = [];
  const deadline = Date.now() + SECONDS * 1000;
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        const client = await pool.connect();
        try {
          for (let n = 0; n < 100_000 && Date.now() < deadline; n++) {
            const word = words[next++ % words.length]!;
            const started = performance.now();
            await client.query('begin');
            await client.query(`select set_config('app.tenant_id', $1, true)`, [tenantId]);
            await client.query('select * from search_record_candidates($1::text[], $2, $3, 100)', [objectIds, word, fuzzy]);
            await client.query('commit');
            latencies.push(performance.now() - started);
          }
        } finally {
          client.release();
        }
      }),
    );
  } finally {
    await pool.end();
  }
  latencies.sort((a, b) => a - b);
  return latencies[Math.min(latencies.length - 1, Math.ceil(0.95 * latencies.length) - 1)]!;
}

/**
 * The plans the candidate function really runs (its statements are nested, so EXPLAIN of the
 * call shows none of them): auto_explain, analysed with buffers, as notices to this session.
 * Each word is searched 7 times so PL/pgSQL's plan cache has settled on its generic or custom
 * plan; the last plan of each goes to plans.txt and its first line and timing to the log.
 */
async function explainCandidates(owner: pg.Client, tenantId: string, objectIds: string[]): Promise<void> {
  const notices: string[] = [];
  const onNotice = (n: { message?: string }) => notices.push(n.message ?? '');
  owner.on('notice', onNotice);
  const out: string[] = [];
  try {
    await owner.query(`load 'auto_explain'`);
    for (const setting of ['log_min_duration = 0', 'log_analyze = on', 'log_buffers = on', 'log_nested_statements = on', 'log_level = notice']) await owner.query(`set auto_explain.${setting}`);
    for (const [word, fuzzy] of [['chen', false], ['ohans', false], ['margret', true]] as const) {
      for (let i = 0; i < 7; i++) {
        notices.length = 0;
        const started = performance.now();
        await owner.query('begin');
        await owner.query(`select set_config('app.tenant_id', $1, true)`, [tenantId]);
        await owner.query('select * from search_record_candidates($1::text[], $2, $3, 60)', [objectIds, word, fuzzy]);
        await owner.query('commit');
        if (i === 6) {
          const plan = notices.find((n) => /search_text/.test(n)) ?? notices.join('\n');
          out.push(`## ${word}${fuzzy ? ' (fuzzy)' : ''}: ${(performance.now() - started).toFixed(1)} ms with auto_explain's timing\n\n${plan}\n`);
          const lines = plan.split('\n');
          log(`plan ${word}: ${lines.filter((l) => /Scan|Limit|Buffers|Recheck|Heap Blocks/.test(l)).slice(0, 8).map((l) => l.trim()).join(' | ')}`);
        }
      }
    }
  } finally {
    owner.off('notice', onNotice);
    await owner.query('set auto_explain.log_min_duration = -1');
  }
  writeFileSync(join(runDir, 'plans.txt'), out.join('\n'));
}

const children: Child[] = [];
const postgres = await startPostgres({ settings: ['shared_preload_libraries=pg_stat_statements', 'pg_stat_statements.track=all', 'pg_stat_statements.track_planning=on'] });
try {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const operatorToken = `op_${randomBytes(18).toString('base64url')}`;
  const server = startNode('protean', ['--no-node-snapshot', join(root, 'server/src/main.ts')], { DATABASE_URL: postgres.url, PROTEAN_OPERATOR_TOKEN: operatorToken, HOST: '127.0.0.1', PORT: String(port), PROTEAN_DEMO: '0', PROTEAN_LOG: '0' }, join(runDir, 'protean.log'), root);
  children.push(server);
  await waitForHttp(server, `${base}/readyz`);
  const t = await createTenant(base, operatorToken, 'search');
  const { object, orgNameFieldId } = await createBenchObject(base, t, log);

  const owner = new pg.Client({ connectionString: postgres.url });
  await owner.connect();
  const sql: Sql = { query: async (text, params) => (await owner.query(text, params as unknown[])).rows as Record<string, unknown>[] };
  log(`loading 10,000 organizations and ${RECORDS.toLocaleString('en')} customers`);
  await loadOrganizations(sql, t.tenantId, t.userId, object.orgObjectId, orgNameFieldId, 10_000);
  // The trigram index is built once after the load (as CREATE INDEX would on an existing table), not row by row.
  const [index] = await sql.query(`select pg_get_indexdef('record_search'::regclass) as def`);
  await sql.query('drop index record_search');
  const loadMs = await inChunks('customers', RECORDS, 100_000, (from, to) => loadCustomers(sql, object, t.tenantId, t.userId, from, to, true, 'people'));
  const built = performance.now();
  await sql.query(`set maintenance_work_mem = '512MB'`);
  await sql.query(String(index!['def']));
  log(`loaded in ${(loadMs / 1000).toFixed(0)} s; search index built in ${((performance.now() - built) / 1000).toFixed(0)} s`);
  await sql.query('vacuum analyze record');
  // The planner must pick the trigram index at this size, or the figures below measure a scan.
  const plan = (await sql.query(`explain select id from record r where r.tenant_id = $1 and r.object_id = any($2) and r.deleted_at is null and r.search_text like '%chen%' limit 100`, [t.tenantId, [object.objectId]])).map((r) => String(r['QUERY PLAN'])).join('\n');
  if (!/record_search/.test(plan)) throw new Error(`the contains search is not served by the trigram index:\n${plan}`);
  log(`plan: ${plan.split('\n').map((l) => l.trim()).join(' | ')}`);
  const [size] = await sql.query(`select pg_relation_size('record_search') as bytes`);
  const objects = await sql.query(`select jsonb_array_elements(snapshot->'objects')->>'id' as id from metadata_revision where tenant_id = $1 and revision = (select current_revision from tenant where id = $1)`, [t.tenantId]);
  await explainCandidates(owner, t.tenantId, objects.map((o) => String(o['id'])));
  await owner.end();

  // A check that the server answers what the bench measures: a contains search finds names holding the word.
  const probe = (await (await fetch(`${base}/api/v1/search?q=chen`, { headers: t.auth })).json()) as { object: string; records: { display_name: string }[] }[];
  const names = probe.find((g) => g.object === 'bench_customer')?.records.map((r) => r.display_name) ?? [];
  if (names.length === 0 || !names.every((n) => /chen/i.test(n))) throw new Error(`search for 'chen' found ${JSON.stringify(names)}`);
  log(`q=chen → ${names.join(', ')}`);

  const appUrl = await applicationUrl(postgres.url, async (text) => {
    const c = new pg.Client({ connectionString: postgres.url });
    await c.connect();
    try {
      return (await c.query(text)).rows as Record<string, unknown>[];
    } finally {
      await c.end();
    }
  });
  const objectIds = objects.map((o) => String(o['id']));
  const spec = (words: string[]): LoadSpec => ({ url: base, method: 'GET', paths: words.map((w) => `/api/v1/search?q=${encodeURIComponent(w)}`), headers: t.auth, connections: CONNECTIONS, duration: SECONDS, timeoutSec: 20 });

  load({ ...spec(CONTAINS), duration: 3 }); // warm-up
  // CPU per search (server and Postgres, from /proc) says less about the machine's other load than a p95 does.
  const stats = new pg.Client({ connectionString: postgres.url });
  await stats.connect();
  await stats.query('create extension if not exists pg_stat_statements');
  await stats.query('select pg_stat_statements_reset()');
  const cpuBefore = { pg: postgresCpuMs(postgres.pid), server: processCpuMs(server.pid) };
  const contains = load(spec(CONTAINS));
  const cpu = { pg: (postgresCpuMs(postgres.pid) - cpuBefore.pg) / contains.ok, server: (processCpuMs(server.pid) - cpuBefore.server) / contains.ok };
  // Where Postgres' time per search goes, statement by statement (nested ones included).
  const statements = await stats.query(
    `select calls, total_exec_time, total_plan_time, regexp_replace(query, '\\s+', ' ', 'g') as query from pg_stat_statements
      where query not like '%pg_stat_statements%' order by total_exec_time + total_plan_time desc limit 12`,
  );
  await stats.end();
  const perSearch = statements.rows.map((r) => `${(Number(r.calls) / contains.ok).toFixed(2)} calls, exec ${((Number(r.total_exec_time) * 1000) / contains.ok).toFixed(0)} µs, plan ${((Number(r.total_plan_time) * 1000) / contains.ok).toFixed(0)} µs per search: ${String(r.query).slice(0, 200)}`);
  writeFileSync(join(runDir, 'statements.txt'), `${perSearch.join('\n')}\n`);
  for (const line of perSearch.slice(0, 6)) log(`statement ${line.slice(0, 220)}`);
  const containsFloor = await floorP95(appUrl, t.tenantId, objectIds, CONTAINS, false);
  log(`contains: ${contains.ok} answered, ${contains.rps.toFixed(0)} req/s, p50 ${contains.p50} ms, p95 ${contains.p95} ms; candidate statement alone p95 ${containsFloor.toFixed(2)} ms`);
  if (contains.non2xx || contains.errors) throw new Error(`contains search: ${contains.non2xx} non-2xx, ${contains.errors} errors`);
  record('search.contains.p95_ms', contains.p95, `ms p95 of GET /search?q=<last name or part of a name> at ${RECORDS.toLocaleString('en')} records, ${CONNECTIONS} connections, PostgreSQL 15 (target ≤ ${CONTAINS_FLOOR_MS}; floor: the candidate statement alone over pg)`, containsFloor);
  record('search.contains.rps', contains.rps, `requests/s of the same run`);
  record('search.contains.cpu_ms', cpu.pg + cpu.server, `ms of CPU per contains search in the same run: Postgres ${round(cpu.pg)} + server ${round(cpu.server)} (informational; 10 searches at once on 2 cores wait for each other's CPU)`);

  const typo = load(spec(TYPOS));
  const typoFloor = await floorP95(appUrl, t.tenantId, objectIds, TYPOS, true);
  record('search.typo.p95_ms', typo.p95, `ms p95 of GET /search?q=<misspelt name> (no contains match, the similar-word path), ${RECORDS.toLocaleString('en')} records, ${CONNECTIONS} connections; floor: the fuzzy candidate statement alone`, typoFloor);
  record('search.index.bytes_per_record', Number(size!['bytes']) / (RECORDS + 10_000), 'bytes of the trigram index per live record (informational)');

  const file = process.env['BENCH_RESULTS'] ?? join(root, 'bench', 'results.json');
  const merged = { ...(existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {}), ...results };
  writeFileSync(file, JSON.stringify(merged, null, 2) + '\n');
  log(`merged ${Object.keys(results).length} metrics into bench/results.json`);
  if (contains.p95 < 0 || contains.p95 > CONTAINS_FLOOR_MS) process.exitCode = 1;
} finally {
  for (const child of children) await child.stop();
  await postgres.stop();
}
