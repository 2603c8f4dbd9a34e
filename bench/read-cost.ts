// What a read costs (issue 19, Benchmark: get and list). Run: node scripts/node24.mjs --no-node-snapshot bench/read-cost.ts
//
// Starts its own PostgreSQL 15, the Protean server and the textbook service (and, with
// BENCH_BASELINE_ROOT, another checkout's server over the same database), loads BENCH_RECORDS
// (100,000) customers on each side, then in alternating rounds runs a bounded get load and a
// bounded list load against each side and charges per request the CPU of the side's server
// process and of Postgres (all backends, /proc), with the load's req/s, p50, p95 and p99. Per
// request CPU is the figure that holds on a shared machine: throughput on two saturated cores
// is their sum's inverse. Medians over the rounds go to bench/.data/read-cost-<time>/read-cost.md;
// nothing is merged into results.json.
//
// Environment: BENCH_RECORDS (100000), BENCH_GETS (8000 per round), BENCH_LISTS (2000 per round),
// BENCH_ROUNDS (3), BENCH_PARTS (get,list), BENCH_BASELINE_ROOT (a checkout whose server joins
// the rounds as `baseline`; its node_modules must resolve), BENCH_CPU_PROF=1 (the server's
// --cpu-prof over all rounds), BENCH_SERVER_ARGS (more Node flags for every server, the
// textbook's too, e.g. --trace-gc), BENCH_PROTEAN_ARGS (Node flags for this checkout's server only: an A/B of a flag).
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startPostgres } from '../scripts/pg-server.mjs';
import { OBJECT_API_NAME, STATUS_VALUES } from './lib/bench-object.ts';
import { postgresCpuMs, processCpuMs } from './lib/cpu.ts';
import { inChunks, loadCustomers, loadOrganizations, loadTextbookCustomers, loadTextbookOrganizations, type Sql } from './lib/dataset.ts';
import type { LoadSpec } from './lib/load.ts';
import { benchRun, freePort, runMain, stopAll, waitForHttp } from './lib/proc.ts';
import { createBenchObject, createTenant } from './lib/protean-setup.ts';
import type { TextbookSpec } from './lib/textbook-server.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RECORDS = Number(process.env['BENCH_RECORDS'] ?? 100_000);
const GETS = Number(process.env['BENCH_GETS'] ?? 8000);
const LISTS = Number(process.env['BENCH_LISTS'] ?? 2000);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const PARTS = new Set((process.env['BENCH_PARTS'] ?? 'get,list').split(','));
const BASELINE = process.env['BENCH_BASELINE_ROOT'];
const PROFILE = process.env['BENCH_CPU_PROF'] === '1';
const EXTRA_ARGS = (process.env['BENCH_SERVER_ARGS'] ?? '').split(' ').filter(Boolean);
const PROTEAN_ARGS = (process.env['BENCH_PROTEAN_ARGS'] ?? '').split(' ').filter(Boolean);
const ORGS = 10_000;
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 10);
const { runDir, children, out, log, say, startChild, load } = benchRun('read-cost', root);
const r1 = (n: number) => Math.round(n * 10) / 10;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

interface Side {
  name: string;
  pid: number;
  get: Omit<LoadSpec, 'connections' | 'duration' | 'amount'>;
  list: Omit<LoadSpec, 'connections' | 'duration' | 'amount'>;
}

interface Charge {
  serverUs: number;
  postgresUs: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
}

async function charge(postmaster: number, side: Side, kind: 'get' | 'list', amount: number, label: string): Promise<Charge> {
  const pgBefore = postgresCpuMs(postmaster);
  const serverBefore = processCpuMs(side.pid);
  const result = await load({ ...side[kind], connections: CONNECTIONS, duration: 0, amount }, label);
  const charged = {
    serverUs: ((processCpuMs(side.pid) - serverBefore) * 1000) / amount,
    postgresUs: ((postgresCpuMs(postmaster) - pgBefore) * 1000) / amount,
    rps: result.rps,
    p50: result.p50,
    p95: result.p95,
    p99: result.p99,
  };
  log(`  ${label}: server ${r1(charged.serverUs)} µs, Postgres ${r1(charged.postgresUs)} µs per request; ${r1(result.rps)} req/s, p50 ${r1(result.p50)} p95 ${r1(result.p95)} p99 ${r1(result.p99)} ms`);
  return charged;
}

function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

async function main(): Promise<void> {
  const server = await startPostgres();
  try {
    const owner = new pg.Client({ connectionString: server.url });
    owner.on('error', (e) => log(`owner connection: ${e.message}`));
    await owner.connect();
    const sql: Sql = { query: async (text, params) => (await owner.query(text, params as unknown[])).rows };
    const operatorToken = `op_${randomBytes(18).toString('base64url')}`;
    const env = { DATABASE_URL: server.url, PROTEAN_OPERATOR_TOKEN: operatorToken, HOST: '127.0.0.1', PROTEAN_DEMO: '0', PROTEAN_LOG: '0' };
    const serverArgs = (checkout: string) => [...EXTRA_ARGS, '--no-node-snapshot', join(checkout, 'server/src/main.ts')];
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    // Set-up runs on a server of its own: the measured servers start fresh, alike (a server that
    // did the set-up carried its heap and caches into the runs).
    const setup = startChild('setup', serverArgs(root), { ...env, PORT: String(port) });
    await waitForHttp(setup, `${base}/readyz`);
    const t = await createTenant(base, operatorToken, 'bench');
    const { object: o, orgNameFieldId } = await createBenchObject(base, t, log);
    await setup.stop();
    children.delete(setup);
    const protean = startChild('protean', [...(PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${runDir}`] : []), ...PROTEAN_ARGS, ...serverArgs(root)], { ...env, PORT: String(port) });
    await waitForHttp(protean, `${base}/readyz`);
    log(`Protean server pid ${protean.pid}`);
    // BENCH_SETUP_IN_SERVER=1: the measured server sets up a workspace of its own first, as the core bench's server does.
    // (=tenant: the workspace, its sign-in and API key only, without the object.)
    if (process.env['BENCH_SETUP_IN_SERVER'] === 'tenant') await createTenant(base, operatorToken, 'bench-own');
    else if (process.env['BENCH_SETUP_IN_SERVER'] === '1') await createBenchObject(base, await createTenant(base, operatorToken, 'bench-own'), log);
    await loadOrganizations(sql, t.tenantId, t.userId, o.orgObjectId, orgNameFieldId, ORGS);
    await inChunks('protean customers', RECORDS, 100_000, (from, to) => loadCustomers(sql, o, t.tenantId, t.userId, from, to, true));
    await sql.query('vacuum analyze record');
    await sql.query('vacuum analyze record_link');

    await sql.query('create database textbook');
    const textbookUrl = new URL(server.url);
    textbookUrl.pathname = '/textbook';
    const textbook = new pg.Client({ connectionString: textbookUrl.toString() });
    await textbook.connect();
    const tsql: Sql = { query: async (text, params) => (await textbook.query(text, params as unknown[])).rows };
    await textbook.query(readFileSync(join(root, 'bench/lib/textbook-schema.sql'), 'utf8'));
    await loadTextbookOrganizations(tsql, ORGS);
    await inChunks('textbook customers', RECORDS, 100_000, (from, to) => loadTextbookCustomers(tsql, from, to));
    await tsql.query('vacuum analyze');
    const textbookPort = await freePort();
    writeFileSync(join(runDir, 'textbook.json'), JSON.stringify({ databaseUrl: textbookUrl.toString(), port: textbookPort, poolSize: 10 } satisfies TextbookSpec));
    const book = startChild('textbook', [...EXTRA_ARGS, join(root, 'bench/lib/textbook-server.ts'), join(runDir, 'textbook.json')]);
    await waitForHttp(book, `http://127.0.0.1:${textbookPort}/healthz`);

    const ids = (await sql.query('select id from record where tenant_id = $1 and object_id = $2 order by random() limit 20000', [t.tenantId, o.objectId])).map((r) => String(r['id']));
    const textbookIds = (await tsql.query('select id from customer order by random() limit 20000')).map((r) => String(r['id']));
    const combos = STATUS_VALUES.flatMap((status) => [100, 400, 700, 900].map((min) => ({ status, min, filter: JSON.stringify({ and: [{ field: 'status', op: 'eq', value: status }, { field: 'score', op: 'gt', value: min }] }) })));
    const proteanSide = (name: string, pid: number, url: string): Side => ({
      name,
      pid,
      get: { url, method: 'GET', paths: ids.map((id) => `/api/v1/records/${OBJECT_API_NAME}/${id}`), headers: t.auth },
      list: { url, method: 'GET', paths: combos.map((c) => `/api/v1/records/${OBJECT_API_NAME}?filter=${encodeURIComponent(c.filter)}&sort=signup_date&limit=50&expand=organization`), headers: t.auth, timeoutSec: 20 },
    });
    const sides: Side[] = [proteanSide('protean', protean.pid, base)];
    if (BASELINE) {
      const baselinePort = await freePort();
      const baseline = startChild('baseline', serverArgs(resolve(BASELINE)), { ...env, PORT: String(baselinePort) }, resolve(BASELINE));
      await waitForHttp(baseline, `http://127.0.0.1:${baselinePort}/readyz`);
      log(`baseline server pid ${baseline.pid}`);
      sides.push(proteanSide('baseline', baseline.pid, `http://127.0.0.1:${baselinePort}`));
    }
    const bookUrl = `http://127.0.0.1:${textbookPort}`;
    sides.push({
      name: 'textbook',
      pid: book.pid,
      get: { url: bookUrl, method: 'GET', paths: textbookIds.map((id) => `/customers/${id}`) },
      list: { url: bookUrl, method: 'GET', paths: combos.map((c) => `/customers?status=${c.status}&min_score=${c.min}`), timeoutSec: 20 },
    });

    const loads: string[] = [loadAverage()];
    const charges = new Map<string, Charge[]>();
    const kinds = (['get', 'list'] as const).filter((k) => PARTS.has(k));
    for (const side of sides) for (const kind of kinds) await load({ ...side[kind], connections: 10, duration: 0, amount: kind === 'get' ? 6000 : 1000 }, `${kind}-${side.name}-warmup`);
    for (let round = 1; round <= ROUNDS; round++) {
      for (const kind of kinds) {
        for (const side of sides) {
          const c = await charge(server.pid, side, kind, kind === 'get' ? GETS : LISTS, `${kind}-${side.name}-${round}`);
          charges.set(`${kind} ${side.name}`, [...(charges.get(`${kind} ${side.name}`) ?? []), c]);
        }
      }
      loads.push(loadAverage());
    }
    say(`# Read cost per request (${RECORDS.toLocaleString('en')} customers a side; ${ROUNDS} rounds of ${GETS} gets and ${LISTS} lists, 10 connections)`);
    say();
    say(`load average at the start and after each round: ${loads.join(' | ')}`);
    say();
    say('| load | side | server CPU µs | Postgres CPU µs | req/s | p50 ms | p95 ms | p99 ms | rounds (server µs) |');
    say('|---|---|---|---|---|---|---|---|---|');
    for (const [key, cs] of charges) {
      const [kind, name] = key.split(' ');
      say(`| ${kind} | ${name} | ${r1(median(cs.map((c) => c.serverUs)))} | ${r1(median(cs.map((c) => c.postgresUs)))} | ${Math.round(median(cs.map((c) => c.rps)))} | ${r1(median(cs.map((c) => c.p50)))} | ${r1(median(cs.map((c) => c.p95)))} | ${r1(median(cs.map((c) => c.p99)))} | ${cs.map((c) => Math.round(c.serverUs)).join(', ')} |`);
    }
    say();
    await textbook.end();
    await owner.end();
  } finally {
    await stopAll(children);
    await server.stop();
  }
  const profile = readdirSync(runDir).find((f) => f.endsWith('.cpuprofile'));
  if (profile) say(`server profile: ${join(runDir, profile)}`);
  writeFileSync(join(runDir, 'read-cost.md'), `${out.join('\n')}\n`);
  log(`wrote ${join(runDir, 'read-cost.md')}`);
}

await runMain(main, children);
