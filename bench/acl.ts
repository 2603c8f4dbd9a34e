// Access-control benchmark (issue 21, ADR 0012). Run: node scripts/node24.mjs --no-node-snapshot bench/acl.ts
//
// On PostgreSQL 15 (scripts/pg-server.mjs) with the Protean server as a child process:
// 1,000,000 bench customers (bench/lib/dataset.ts), owned by 200 users in a 50-role hierarchy
// (CEO → 2 VPs → 8 managers → 39 reps), the object private, 5 sharing rules active.
//
//   acl.list_overhead.ratio  p95 of the 1M-record list query of bench/run.ts (status = X and
//                            score > N, sorted by signup date, expanding the organization) as a
//                            standard user (a VP: the team below, plus what the rules share) over
//                            the same requests as the admin; at most 1.3.
//   acl.get_overhead.ratio   the same for get by id (ids the user may read); at most 1.1.
//   acl.share_recalc.ms      time for a changed sharing rule to apply to the 1M records
//                            (PATCH of the rule until its response, which returns once the
//                            share rows are rewritten); the median of the 5 activations.
//
// Load: autocannon in its own process (bench/lib/load.ts), 10 connections, alternating sides,
// best of BENCH_ROUNDS (2) × BENCH_DURATION (8 s). Environment: BENCH_ACL_RECORDS (1000000);
// Each measured load logs its CPU per request, of the server process and of PostgreSQL.
// BENCH_ACL_DDL: SQL run as the owner after the measured loads, which then run again (an index
// dropped, say), so a schema change is judged on the same data in the same sitting.
// BENCH_EXPLAIN=1 has PostgreSQL log the plans of statements over BENCH_EXPLAIN_MS (30) ms, a
// BENCH_EXPLAIN_SAMPLE (1) share of them (auto_explain, analyzed); the slowest and the median are printed
// and prints the slowest list plans of each side at the end.
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startPostgres, type PostgresServer } from '../scripts/pg-server.mjs';
import { OBJECT_API_NAME, STATUS_VALUES } from './lib/bench-object.ts';
import { inChunks, loadCustomers, loadOrganizations, type Sql } from './lib/dataset.ts';
import { http } from './lib/http.ts';
import type { LoadResult, LoadSpec } from './lib/load.ts';
import { runLoad } from './lib/run-load.ts';
import { createBenchObject, createTenant } from './lib/protean-setup.ts';
import { freePort, startNode, waitForHttp, type Child } from './lib/proc.ts';
import { postgresCpuMs, processCpuMs } from './lib/cpu.ts';

/** The server process and the postmaster, whose CPU each load is charged per request (a log line). */
const PIDS = { server: 0, pg: 0 };

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RECORDS = Number(process.env['BENCH_ACL_RECORDS'] ?? 1_000_000);
const DURATION = Number(process.env['BENCH_DURATION'] ?? 8);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 2);
const CONNECTIONS = 10;
const USERS = 200;
const CHUNK = 5_000;
const runDir = join(root, 'bench', '.data', `acl-${new Date().toISOString().replace(/[:.]/g, '-')}`);
mkdirSync(runDir, { recursive: true });

type Metric = { value: number | null; unit: string; floor: number | null };
const results: Record<string, Metric> = {};
const log = (message: string) => process.stderr.write(`[acl ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const children = new Set<Child>();

async function load(spec: LoadSpec, label: string): Promise<LoadResult> {
  const result = await runLoad(spec, join(runDir, `load-${label}.json`), label);
  log(`  ${label}: ${round(result.rps, 1)} req/s, p50 ${result.p50} ms, p95 ${result.p95} ms, ${result.ok} ok, ${result.non2xx} non-2xx`);
  if (!label.endsWith('warmup') && (result.non2xx > 0 || result.errors > 0 || result.ok === 0)) throw new Error(`load ${label}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result;
}

/** Warm-up, then ROUNDS runs alternating admin and standard user; the lowest p95 of each side. */
async function compare(label: string, base: string, paths: string[], sides: { admin: string; standard: string }): Promise<{ admin: number; standard: number }> {
  const best = { admin: Number.POSITIVE_INFINITY, standard: Number.POSITIVE_INFINITY };
  for (const side of ['admin', 'standard'] as const) await load({ url: base, method: 'GET', paths, headers: { authorization: `Bearer ${sides[side]}` }, connections: CONNECTIONS, duration: 3 }, `${label}-${side}-warmup`);
  for (let i = 0; i < ROUNDS; i++) {
    for (const side of ['admin', 'standard'] as const) {
      const serverBefore = processCpuMs(PIDS.server);
      const postgresBefore = postgresCpuMs(PIDS.pg);
      const r = await load({ url: base, method: 'GET', paths, headers: { authorization: `Bearer ${sides[side]}` }, connections: CONNECTIONS, duration: DURATION }, `${label}-${side}-${i + 1}`);
      // Per-request CPU tells where a side's extra time goes (the server or the database).
      const perRequestUs = (ms: number) => Math.round((ms * 1000) / Math.max(1, r.ok));
      log(`    CPU per request: server ${perRequestUs(processCpuMs(PIDS.server) - serverBefore)} µs, Postgres ${perRequestUs(postgresCpuMs(PIDS.pg) - postgresBefore)} µs`);
      best[side] = Math.min(best[side], r.p95);
    }
  }
  return best;
}

/** CEO → 2 VPs → 4 managers each → 39 reps (5 under each manager, 4 under the last): 50 roles, with paths as the Setup API stores them. */
function hierarchy(): { id: string; name: string; parent: string | null; path: string[] }[] {
  const roles: { id: string; name: string; parent: string | null; path: string[] }[] = [];
  const add = (name: string, parent?: { id: string; path: string[] }) => {
    const id = randomUUID();
    const role = { id, name, parent: parent?.id ?? null, path: [...(parent?.path ?? []), id] };
    roles.push(role);
    return role;
  };
  const ceo = add('CEO');
  const managers = ['A', 'B'].flatMap((v) => {
    const vp = add(`VP ${v}`, ceo);
    return [1, 2, 3, 4].map((m) => add(`Manager ${v}${m}`, vp));
  });
  managers.forEach((manager, i) => {
    for (let r = 1; r <= (i === managers.length - 1 ? 4 : 5); r++) add(`Rep ${manager.name.slice(8)}.${r}`, manager);
  });
  return roles;
}

async function main(): Promise<void> {
  log('starting PostgreSQL 15');
  const explain = process.env['BENCH_EXPLAIN'] === '1';
  const explainMs = Number(process.env['BENCH_EXPLAIN_MS'] ?? 30);
  const explainSample = Number(process.env['BENCH_EXPLAIN_SAMPLE'] ?? 1);
  const server: PostgresServer = await startPostgres({
    settings: explain ? ['session_preload_libraries=auto_explain', `auto_explain.log_min_duration=${explainMs}ms`, `auto_explain.sample_rate=${explainSample}`, 'auto_explain.log_analyze=on', 'auto_explain.log_buffers=on'] : [],
  });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const operatorToken = `op_${randomBytes(18).toString('base64url')}`;
  const client = new pg.Client({ connectionString: server.url });
  try {
    PIDS.pg = server.pid;
    const protean = startNode('protean-acl', ['--no-node-snapshot', join(root, 'server/src/main.ts')], { HOST: '127.0.0.1', PORT: String(port), PROTEAN_DEMO: '0', PROTEAN_LOG: '0', PROTEAN_PASSWORD_COST: 'test', DATABASE_URL: server.url, PROTEAN_OPERATOR_TOKEN: operatorToken }, join(runDir, 'protean.log'), root);
    children.add(protean);
    PIDS.server = protean.pid;
    await waitForHttp(protean, `${base}/readyz`);
    const t = await createTenant(base, operatorToken, 'acl');
    const { object: o, orgNameFieldId } = await createBenchObject(base, t, (text) => log(text));
    await client.connect();
    const sql: Sql = { query: async (text, params) => (await client.query(text, params as unknown[])).rows };

    // Setup (not measured): roles, users and records straight into the tables, as the Setup API would write them.
    const roles = hierarchy();
    for (const role of roles) await sql.query('insert into acl_role (tenant_id, id, name, parent_id, path) values ($1, $2, $3, $4, $5)', [t.tenantId, role.id, role.name, role.parent, role.path]);
    const users = Array.from({ length: USERS }, (_, i) => ({ id: randomUUID(), role: roles[i % roles.length]! }));
    await sql.query(
      `insert into app_user (tenant_id, id, email, name, role, password_hash, access_role_id)
       select $1, u, 'user' || n || '@acl.example.com', 'User ' || n, 'standard', 'x', r from unnest($2::uuid[], $3::uuid[]) with ordinality as x(u, r, n)`,
      [t.tenantId, users.map((u) => u.id), users.map((u) => u.role.id)],
    );
    await loadOrganizations(sql, t.tenantId, t.userId, o.orgObjectId, orgNameFieldId, 10_000);
    const useSlots = Object.keys(o.def['indexSlots'] ?? {}).length > 0;
    log(`loading ${RECORDS} customers owned by ${USERS} users`);
    // Owned in blocks, every user owning some at any scale (at 1M, blocks of 5,000).
    const block = Math.max(1, Math.min(CHUNK, Math.floor(RECORDS / USERS)));
    await inChunks('customers', RECORDS, block, (from, to) => loadCustomers(sql, o, t.tenantId, users[Math.floor(from / block) % USERS]!.id, from, to, useSlots));

    // The standard user: signs up through the API, is placed in VP A's role, mints its own key.
    const vpA = roles.find((r) => r.name === 'VP A')!;
    const password = `acl-${randomBytes(9).toString('base64url')}`;
    const std = await http(base, 'POST', '/api/v1/users', { headers: t.auth, body: { email: 'vp@acl.example.com', name: 'VP A user', role: 'standard', password } });
    const stdId = String(std.body.id);
    await http(base, 'PUT', `/api/v1/access/users/${stdId}`, { headers: t.auth, body: { roleId: vpA.id } });
    const login = await http(base, 'POST', '/api/v1/auth/login', { body: { tenant: 'acl', email: 'vp@acl.example.com', password } });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const stdKey = String((await http(base, 'POST', '/api/v1/api-keys', { headers: { cookie, 'x-csrf-token': String(login.body.csrfToken ?? '') }, body: { name: 'bench' } })).body.key);

    const group = await http(base, 'POST', '/api/v1/access/groups', { headers: t.auth, body: { name: 'Key accounts' } });
    await http(base, 'PUT', `/api/v1/access/groups/${String(group.body.id)}/members`, { headers: t.auth, body: { members: [{ kind: 'user', id: stdId }] } });
    const vpB = roles.find((r) => r.name === 'VP B')!;
    const managerA1 = roles.find((r) => r.name === 'Manager A1')!;
    const rules = [
      { name: 'Top scores to key accounts', condition: 'score > 990', granteeKind: 'group', granteeId: String(group.body.id), access: 'read' },
      { name: 'Big balances to VP A', condition: 'balance > 99000.0', granteeKind: 'role', granteeId: vpA.id, access: 'read' },
      { name: 'City 7 to manager A1', condition: 'city == "City 7"', granteeKind: 'role', granteeId: managerA1.id, access: 'edit' },
      { name: 'Newsletter fans to VP B', condition: 'newsletter && score > 900', granteeKind: 'role', granteeId: vpB.id, access: 'read' },
      { name: 'Low scores to VP B', condition: 'score < 10', granteeKind: 'role', granteeId: vpB.id, access: 'read' },
    ];
    await http(base, 'PUT', '/api/v1/access/sharing', { headers: t.auth, body: { objects: { [OBJECT_API_NAME]: 'private' } } });
    const recalcs: number[] = [];
    for (const rule of rules) {
      const created = await http(base, 'POST', '/api/v1/access/sharing-rules', { headers: t.auth, body: { object: OBJECT_API_NAME, ...rule, active: false } });
      const started = performance.now();
      const applied = await http(base, 'PATCH', `/api/v1/access/sharing-rules/${String(created.body.id)}`, { headers: t.auth, body: { active: true }, timeoutMs: 600_000 });
      recalcs.push(performance.now() - started);
      log(`rule '${rule.name}': ${String(applied.body.applied?.matched)} records shared in ${round(recalcs.at(-1)!, 0)} ms`);
    }
    log('vacuum analyze');
    await sql.query('vacuum analyze record');
    await sql.query('vacuum analyze record_share');

    const visible = Number(
      (await sql.query(
        `select count(*)::int as n from record r where r.tenant_id = $1 and r.object_id = $2 and r.deleted_at is null
           and (r.owner_id in (select u.id from app_user u join acl_role x on x.id = u.access_role_id and x.tenant_id = u.tenant_id where u.tenant_id = $1 and $3 = any(x.path))
                or exists (select 1 from record_share s where s.tenant_id = $1 and s.record_id = r.id))`,
        [t.tenantId, o.objectId, vpA.id],
      ))[0]!['n'],
    );
    log(`the standard user reaches about ${round((100 * visible) / RECORDS, 1)}% of the records (team below and every share row; the exact set is narrower)`);

    const listPaths = STATUS_VALUES.flatMap((status) =>
      [100, 400, 700, 900].map((min) => `/api/v1/records/${OBJECT_API_NAME}?filter=${encodeURIComponent(JSON.stringify({ and: [{ field: 'status', op: 'eq', value: status }, { field: 'score', op: 'gt', value: min }] }))}&sort=signup_date&limit=50&expand=organization`),
    );
    const sample = await http(base, 'GET', listPaths[5]!, { headers: { authorization: `Bearer ${stdKey}` } });
    log(`standard user's sample list: ${(sample.body.data as unknown[]).length} records`);
    const list = await compare('list', base, listPaths, { admin: t.apiKey, standard: stdKey });

    // Records of the roles below VP A (peers in VP A's own role are not reachable).
    const team = users.filter((u) => u.role.path.includes(vpA.id) && u.role.id !== vpA.id).map((u) => u.id);
    const ids = (await sql.query('select id from record where tenant_id = $1 and object_id = $2 and owner_id = any($3::uuid[]) order by random() limit 500', [t.tenantId, o.objectId, team])).map((r) => String(r['id']));
    if (explain) {
      const logText = readFileSync(join(server.dir, `postgres-${server.port}.log`), 'utf8');
      const plans = logText.split(/\n(?=\S.*LOG:\s+duration:)/).filter((p) => p.includes('ix_t1') || p.includes('record_ix1'));
      const byDuration = (narrowed: boolean) => plans.filter((p) => p.includes('record_share') === narrowed).sort((a, b) => Number(/duration: ([\d.]+)/.exec(b)?.[1]) - Number(/duration: ([\d.]+)/.exec(a)?.[1]));
      for (const [side, narrowed] of [['admin', false], ['standard', true]] as const) {
        const sorted = byDuration(narrowed);
        log(`${side}: ${sorted.length} list plans logged; the slowest:\n${sorted[0] ?? `(none over ${explainMs} ms)`}`);
        if (sorted.length > 2) log(`${side}: the median:\n${sorted[Math.floor(sorted.length / 2)]}`);
      }
    }
    const getPaths = ids.map((id) => `/api/v1/records/${OBJECT_API_NAME}/${id}`);
    const get = await compare('get', base, getPaths, { admin: t.apiKey, standard: stdKey });

    // BENCH_ACL_DDL: a change of the schema tried on the same data, in the same sitting (the
    // lists and gets again after it); the results keep the figures before it.
    const ddl = process.env['BENCH_ACL_DDL'];
    if (ddl) {
      log(`schema change: ${ddl}`);
      await sql.query(ddl);
      const listAfter = await compare('list (after the schema change)', base, listPaths, { admin: t.apiKey, standard: stdKey });
      const getAfter = await compare('get (after the schema change)', base, getPaths, { admin: t.apiKey, standard: stdKey });
      log(`before → after the schema change, p95 ms: list admin ${list.admin} → ${listAfter.admin}, standard ${list.standard} → ${listAfter.standard}; get admin ${get.admin} → ${getAfter.admin}, standard ${get.standard} → ${getAfter.standard}`);
    }

    const records = `${(RECORDS / 1e6).toFixed(RECORDS % 1e6 ? 2 : 0)}M`;
    results['acl.list_overhead.ratio'] = {
      value: round(list.standard / list.admin),
      unit: `× (p95 of bench/run.ts's list query over ${records} private records as a standard user in a 50-role hierarchy with 5 sharing rules, ${list.standard} ms, ÷ as the admin, ${list.admin} ms; best of ${ROUNDS} × ${DURATION} s, 10 connections; at most 1.3)`,
      floor: null,
    };
    results['acl.get_overhead.ratio'] = {
      value: round(get.standard / get.admin),
      unit: `× (p95 of get by id of 500 records the standard user may read, ${get.standard} ms, ÷ the same as the admin, ${get.admin} ms; at most 1.1)`,
      floor: null,
    };
    results['acl.share_recalc.ms'] = {
      value: round(median(recalcs), 0),
      unit: `ms until a sharing rule switched on applies to ${records} records (share rows rewritten in one transaction); median of 5 rules, ${recalcs.map((r) => round(r, 0)).join(' / ')}`,
      floor: null,
    };
    const file = process.env['BENCH_RESULTS'] ?? join(root, 'bench/results.json');
    const existing = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, Metric>) : {};
    writeFileSync(file, `${JSON.stringify({ ...existing, ...results }, null, 2)}\n`);
    console.log(JSON.stringify(results, null, 2));
  } finally {
    for (const child of children) await child.stop();
    await client.end().catch(() => undefined);
    await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
