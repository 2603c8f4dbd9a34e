// Protean record-indexing benchmark. Run: node bench/indexing/bench.mjs [strategy ...]
// Needs the dataset from schema.sql. PGURL env (default postgresql://pgbench-user@127.0.0.1:5499/bench).
// Every loop is bounded (RUNS, BATCHES). Prints a figures table; writes results/*.json and plans.
import pg from '../../node_modules/pg/lib/index.js';
import { writeFileSync, mkdirSync } from 'node:fs';
import { randomUUID } from 'node:crypto';

const PGURL = process.env.PGURL ?? 'postgresql://pgbench-user@127.0.0.1:5499/bench';
const RUNS = Number(process.env.RUNS ?? 25), WARM = 3, BATCHES = Number(process.env.BATCHES ?? 20);
const OUT = new URL('./results/', import.meta.url).pathname; mkdirSync(OUT, { recursive: true });
const TA = 'aaaaaaaa-0000-4000-8000-000000000001', CUST = 'o_customer00', ORG = '00000000-0000-4000-8000-000000000abc';
const PART = `WHERE tenant_id = '${TA}' AND object_id = '${CUST}' AND deleted_at IS NULL`;

// ---- SQL the query compiler emits, JSONB expressions (table record) ----
const J = {
  status: `(data->>'f_status')`, age: `((data->>'f_age')::numeric)`, birth: `((data->>'f_birth') COLLATE "C")`,
  email: `lower(data->>'f_email')`, balance: `((data->>'f_balance')::numeric)`, org: `(data->>'f_org')`,
  created: `((data->>'f_created') COLLATE "C")`,
};
// ---- slot columns (table record_slots) ----
const S = { status: 't1', age: 'n1', birth: 'd1', email: 't2', balance: 'n2', org: 't3', created: 'd2' };

function queries(f, table, birthParam) {
  const base = `tenant_id = $1 AND object_id = $2 AND deleted_at IS NULL`;
  const withOrg = (inner, order) => `SELECT r.id, r.data, o.data->>'f_oname' AS org_name FROM (${inner}) r
    LEFT JOIN ${table} o ON o.tenant_id = $1 AND o.id = (r.data->>'f_org')::uuid AND o.deleted_at IS NULL ORDER BY ${order}`;
  const q1filter = `${base} AND ${f.status} = $3 AND ${f.age} > $4`;
  return {
    Q1: [withOrg(`SELECT id, data, ${f.birth} AS k FROM ${table} WHERE ${q1filter} ORDER BY ${f.birth} ASC, id ASC LIMIT 50`, 'r.k ASC, r.id ASC'), [TA, CUST, 'pv_st2', 30]],
    Q1p2: [withOrg(`SELECT id, data, ${f.birth} AS k FROM ${table} WHERE ${q1filter} AND (${f.birth}, id) > ($5, $6) ORDER BY ${f.birth} ASC, id ASC LIMIT 50`, 'r.k ASC, r.id ASC'), [TA, CUST, 'pv_st2', 30, 'CURSOR_K', 'CURSOR_ID']],
    Q2: [withOrg(`SELECT id, data, ${f.birth} AS k FROM ${table} WHERE ${q1filter} ORDER BY ${f.birth} DESC, id DESC LIMIT 50`, 'r.k DESC, r.id DESC'), [TA, CUST, 'pv_st2', 30]],
    // deferred join: ids (and sort key) from the index first, then the 50 rows
    Q2dj: [withOrg(`SELECT x.id, x.data, k.k FROM (SELECT id, ${f.birth} AS k FROM ${table} WHERE ${q1filter} ORDER BY ${f.birth} DESC, id DESC LIMIT 50) k
       JOIN ${table} x ON x.tenant_id = $1 AND x.id = k.id`, 'r.k DESC, r.id DESC'), [TA, CUST, 'pv_st2', 30]],
    Q3: [withOrg(`SELECT id, data, ${f.balance} AS k FROM ${table} WHERE ${base} AND ${f.email} LIKE $3 ORDER BY ${f.balance} ASC, id ASC LIMIT 50`, 'r.k ASC, r.id ASC'), [TA, CUST, 'ab%']],
    Q4: [`SELECT id, data FROM ${table} WHERE ${base} AND ${f.org} = $3 ORDER BY ${f.created} DESC, id DESC LIMIT 50`, [TA, CUST, ORG]],
    Q5: [`SELECT count(*) FROM ${table} WHERE ${q1filter}`, [TA, CUST, 'pv_st2', 30]],
  };
}

const STRATS = {
  none: { table: 'record', f: J, idx: [] },
  A1: { table: 'record', f: J, note: 'per-(tenant,object) partial expression index per field', idx: [
    `(${J.status})`, `(${J.age})`, `(${J.birth}, id)`, `(${J.email} text_pattern_ops)`, `(${J.balance}, id)`, `(${J.org})`, `(${J.created}, id)`,
  ].map(c => `ON record ${c} ${PART}`) },
  A2: { table: 'record', f: J, note: 'per-(tenant,object) partial composite indexes per query shape', idx: [
    `(${J.status}, ${J.birth}, id, ${J.age})`, `(${J.email} text_pattern_ops)`, `(${J.org}, ${J.created}, id)`,
  ].map(c => `ON record ${c} ${PART}`) },
  B1: { table: 'record_slots', f: S, note: '12 generic single-slot b-trees (tenant,object,slot,id)', idx:
    ['t1','t2','t3','t4','n1','n2','n3','n4','d1','d2','d3','d4'].map(s => `ON record_slots (tenant_id, object_id, ${s}, id) WHERE deleted_at IS NULL`) },
  B2: { table: 'record_slots', f: S, note: 'B1 + 2 generic slot-pair b-trees (t1,d1 incl n1,n2) and (t3,d2)', idx: [
    ...['t1','t2','t3','t4','n1','n2','n3','n4','d1','d2','d3','d4'].map(s => `ON record_slots (tenant_id, object_id, ${s}, id) WHERE deleted_at IS NULL`),
    `ON record_slots (tenant_id, object_id, t1, d1, id) INCLUDE (n1, n2) WHERE deleted_at IS NULL`,
    `ON record_slots (tenant_id, object_id, t3, d2, id) WHERE deleted_at IS NULL`] },
  B3: { table: 'record_slots', f: S, note: '3 generic slot b-trees, partial on slot IS NOT NULL (rows enter only slots they use)', idx: [
    `ON record_slots (tenant_id, object_id, t1, d1, n1, id) WHERE t1 IS NOT NULL AND deleted_at IS NULL`,
    `ON record_slots (tenant_id, object_id, t2, id) WHERE t2 IS NOT NULL AND deleted_at IS NULL`,
    `ON record_slots (tenant_id, object_id, t3, d2, id) WHERE t3 IS NOT NULL AND deleted_at IS NULL`] },
  C: { table: 'record', f: J, note: 'GIN jsonb_path_ops on data (whole shared table), @> for equality', gin: true,
    idx: [`ON record USING gin (data jsonb_path_ops)`] },
};

const c = new pg.Client({ connectionString: PGURL }); await c.connect();
await c.query(`SET TIME ZONE 'UTC'`);
const pct = (a, p) => { const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

async function dropIndexes() {
  const { rows } = await c.query(`SELECT indexrelid::regclass::text AS n FROM pg_index i WHERE indrelid IN ('record'::regclass, 'record_slots'::regclass) AND NOT indisprimary`);
  for (const r of rows) await c.query(`DROP INDEX ${r.n}`);
}

async function timeQuery(sql, params) {
  for (let i = 0; i < WARM; i++) await c.query(sql, params);
  const t = []; let n = RUNS;
  for (let i = 0; i < n; i++) { const t0 = process.hrtime.bigint(); await c.query(sql, params); t.push(ms(t0)); if (i === 0 && t[0] > 1000) n = 5; }
  return { p50: pct(t, 0.5), p95: pct(t, 0.95), n: t.length };
}

function rowFor(table, i) {
  const bd = new Date(Date.UTC(1935, 0, 1) + Math.floor(Math.random() * 26000) * 864e5);
  const cr = new Date(Date.UTC(2020, 0, 1) + Math.random() * 1800 * 864e5);
  const d = { f_name: `New ${i}`, f_email: `${randomUUID().slice(0, 8)}.${i}@example.com`, f_phone: `+1-555-${String(i).padStart(7, '0')}`,
    f_status: `pv_st${i % 5}`, f_age: Math.floor((Date.UTC(2025, 0, 1) - bd) / (365.25 * 864e5)), f_birth: bd.toISOString().slice(0, 10),
    f_balance: Math.round(Math.random() * 1e6) / 100, f_city: `City ${i % 200}`, f_created: cr.toISOString(),
    f_org: `00000000-0000-4000-8000-${(1 + (i % 10000)).toString(16).padStart(12, '0')}` };
  const r = [TA, randomUUID(), CUST, JSON.stringify(d)];
  if (table === 'record_slots') r.push(d.f_status, d.f_email.toLowerCase(), d.f_org, d.f_city.toLowerCase(), d.f_age, d.f_balance, d.f_birth, d.f_created);
  return r;
}
export async function insertRate(table, batches = BATCHES, client = c, rowFn = rowFor) {
  const cols = table === 'record_slots' ? '(tenant_id, id, object_id, data, t1, t2, t3, t4, n1, n2, d1, d2)' : '(tenant_id, id, object_id, data)';
  const per = table === 'record_slots' ? 12 : 4; const times = []; let ids = [];
  for (let b = 0; b < batches; b++) {
    const params = [], vals = [];
    for (let i = 0; i < 1000; i++) { const r = rowFn(table, b * 1000 + i); ids.push(r[1]); params.push(...r);
      vals.push('(' + r.map((_, k) => `$${i * per + k + 1}`).join(',') + ')'); }
    const sql = `INSERT INTO ${table} ${cols} VALUES ${vals.join(',')}`;
    const t0 = process.hrtime.bigint(); await client.query(sql, params); times.push(ms(t0));
  }
  const total = times.reduce((a, b) => a + b, 0);
  await client.query(`DELETE FROM ${table} WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, [rowFn(table, 0)[0], ids]);
  await client.query(`VACUUM ${table}`);
  return { rowsPerSec: Math.round(batches * 1000 / (total / 1000)), batchP50: pct(times, 0.5), batchP95: pct(times, 0.95) };
}

async function explain(sql, params) {
  const { rows } = await c.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params);
  return rows.map(r => r['QUERY PLAN']).join('\n');
}
function summarize(plan) {
  const lines = plan.split('\n');
  const nodes = lines.filter(l => /(Scan|Sort|Limit|Nested Loop|Aggregate|Gather)/.test(l) && !/Sort Key|Sort Method/.test(l)).slice(0, 6)
    .map(l => l.trim().replace(/^->\s*/, '').replace(/\s+\(cost=.*?\)/, '').replace(/\(actual time=[^ ]+ rows=(\d+) loops=(\d+)\)/, 'rows=$1x$2'));
  const buf = (lines.find(l => /Buffers:/.test(l)) ?? '').trim();
  const removed = lines.filter(l => /Rows Removed by (Filter|Index Recheck)/.test(l)).map(l => l.trim()).slice(0, 2);
  const pt = (plan.match(/Planning Time: ([\d.]+)/) ?? [])[1], et = (plan.match(/Execution Time: ([\d.]+)/) ?? [])[1];
  return { nodes, buf, removed, planningMs: Number(pt), executionMs: Number(et) };
}

const wanted = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(STRATS);
const results = {};
for (const name of wanted) {
  const st = STRATS[name]; if (!st) throw new Error('unknown strategy ' + name);
  await dropIndexes();
  const t0 = process.hrtime.bigint();
  for (const [i, d] of st.idx.entries()) await c.query(`CREATE INDEX bench_${name.toLowerCase()}_${i} ${d}`);
  const buildMs = ms(t0);
  await c.query(`VACUUM ANALYZE ${st.table}`);
  const { rows: [sz] } = await c.query(`SELECT coalesce(sum(pg_relation_size(indexrelid)),0)::bigint AS b FROM pg_index WHERE indrelid = '${st.table}'::regclass AND NOT indisprimary`);
  const qs = queries(st.f, st.table);
  if (st.gin) { // GIN: equality compiled as containment
    const q1f = `tenant_id = $1 AND object_id = $2 AND deleted_at IS NULL AND data @> jsonb_build_object('f_status', $3::text) AND ${J.age} > $4`;
    const w = (inner, o) => `SELECT r.id, r.data, o.data->>'f_oname' AS org_name FROM (${inner}) r LEFT JOIN record o ON o.tenant_id = $1 AND o.id = (r.data->>'f_org')::uuid AND o.deleted_at IS NULL ORDER BY ${o}`;
    qs.Q1[0] = w(`SELECT id, data, ${J.birth} AS k FROM record WHERE ${q1f} ORDER BY ${J.birth} ASC, id ASC LIMIT 50`, 'r.k ASC, r.id ASC');
    qs.Q1p2[0] = w(`SELECT id, data, ${J.birth} AS k FROM record WHERE ${q1f} AND (${J.birth}, id) > ($5, $6) ORDER BY ${J.birth} ASC, id ASC LIMIT 50`, 'r.k ASC, r.id ASC');
    qs.Q2[0] = w(`SELECT id, data, ${J.birth} AS k FROM record WHERE ${q1f} ORDER BY ${J.birth} DESC, id DESC LIMIT 50`, 'r.k DESC, r.id DESC');
    delete qs.Q2dj;
    qs.Q4[0] = `SELECT id, data FROM record WHERE tenant_id = $1 AND object_id = $2 AND deleted_at IS NULL AND data @> jsonb_build_object('f_org', $3::text) ORDER BY ${J.created} DESC, id DESC LIMIT 50`;
    qs.Q5[0] = `SELECT count(*) FROM record WHERE ${q1f}`;
  }
  // cursor for page 2 = last row of page 1
  const p1 = await c.query(qs.Q1[0], qs.Q1[1]); const last = p1.rows[p1.rows.length - 1];
  const lastK = (await c.query(`SELECT ${st.table === 'record' ? J.birth : 'd1'} AS k FROM ${st.table} WHERE tenant_id=$1 AND id=$2`, [TA, last.id])).rows[0].k;
  qs.Q1p2[1] = [TA, CUST, 'pv_st2', 30, lastK, last.id];
  const res = { note: st.note ?? 'no secondary index (JSONB scan)', indexes: st.idx.length, buildMs: Math.round(buildMs), indexMB: Math.round(Number(sz.b) / 1048576), q: {} };
  let plans = '';
  for (const [qn, [sql, params]] of Object.entries(process.env.INSERT_ONLY ? {} : qs)) {
    const t = await timeQuery(sql, params); const plan = await explain(sql, params); const s = summarize(plan);
    const rowsOut = (await c.query(sql, params)).rows.length;
    res.q[qn] = { ...t, rows: rowsOut, ...s };
    plans += `\n===== ${name} ${qn} p50=${t.p50.toFixed(2)}ms p95=${t.p95.toFixed(2)}ms\n${sql}\n-- params ${JSON.stringify(params)}\n${plan}\n`;
    console.log(`${name.padEnd(5)} ${qn.padEnd(5)} p50 ${t.p50.toFixed(2).padStart(9)} ms  p95 ${t.p95.toFixed(2).padStart(9)} ms  rows ${rowsOut}  plan ${s.planningMs}ms exec ${s.executionMs}ms | ${s.nodes.slice(0, 4).join(' / ')} | ${s.buf}`);
  }
  const ins = []; for (let k = 0; k < 3; k++) ins.push(await insertRate(st.table));
  ins.sort((a, b) => a.rowsPerSec - b.rowsPerSec);
  res.insert = { runs: ins.map(i => i.rowsPerSec), median: ins[1].rowsPerSec, batchP50: ins[1].batchP50, batchP95: ins[1].batchP95 };
  console.log(`${name.padEnd(5)} INSERT 1000-row batches x${BATCHES} x3: rows/s ${res.insert.runs.join(' / ')} (median ${res.insert.median}), batch p50 ${res.insert.batchP50.toFixed(1)}ms p95 ${res.insert.batchP95.toFixed(1)}ms; ${st.idx.length} idx, ${res.indexMB} MB, build ${res.buildMs} ms`);
  results[name] = res;
  if (!process.env.INSERT_ONLY) writeFileSync(OUT + `${name}.json`, JSON.stringify(res, null, 2)); if (!process.env.INSERT_ONLY) writeFileSync(OUT + `${name}.plans.txt`, plans);
}
await c.end();
