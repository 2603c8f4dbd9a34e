// Candidate A at scale: what do 0 / 500 / 2,000 per-tenant partial indexes on ONE shared table
// cost in planning time, query latency, batch-insert rate and lock-table use?
// Table record_many: 1,000 small tenants x 50 customer rows; each tenant gets 2 partial indexes.
// Run: node bench/indexing/many.mjs   (bounded: 2,000 indexes max, fixed run counts)
import pg from '../../node_modules/pg/lib/index.js';
import { randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
const PGURL = process.env.PGURL ?? 'postgresql://pgbench-user@127.0.0.1:5499/bench';
const OUT = new URL('./results/', import.meta.url).pathname; mkdirSync(OUT, { recursive: true });
const c = new pg.Client({ connectionString: PGURL }); await c.connect();
const tid = (k) => `cccccccc-0000-4000-8000-${String(k).padStart(12, '0')}`;
const pct = (a, p) => { const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

await c.query(`DROP TABLE IF EXISTS record_many`);
await c.query(`CREATE TABLE record_many (LIKE record INCLUDING ALL)`);
await c.query(`INSERT INTO record_many (tenant_id, id, object_id, data)
  SELECT ('cccccccc-0000-4000-8000-' || lpad((i % 1000)::text, 12, '0'))::uuid, gen_random_uuid(), 'o_customer00',
    jsonb_build_object('f_status', 'pv_st' || (i % 5), 'f_age', 18 + i % 70, 'f_birth', to_char(date '1940-01-01' + (i % 25000), 'YYYY-MM-DD'),
                       'f_name', 'C ' || i, 'f_email', md5(i::text) || '@x.com')
  FROM generate_series(1, 50000) i`);
await c.query(`VACUUM ANALYZE record_many`);

const T = tid(7);
const Q = `SELECT id, data FROM record_many WHERE tenant_id = $1 AND object_id = 'o_customer00' AND deleted_at IS NULL
  AND (data->>'f_status') = $2 AND ((data->>'f_age')::numeric) > 30 ORDER BY ((data->>'f_birth') COLLATE "C") DESC, id DESC LIMIT 50`;
const QP = [T, 'pv_st2'];
writeFileSync(OUT + 'many-q.sql', Q.replace('$1', `'${T}'`).replace('$2', `'pv_st2'`) + ';\n');

let made = 0; const out = [];
async function ensure(n) {
  for (; made < n; made += 2) {
    const k = made / 2, P = `WHERE tenant_id = '${tid(k)}' AND object_id = 'o_customer00' AND deleted_at IS NULL`;
    await c.query(`CREATE INDEX many_${k}_a ON record_many ((data->>'f_status'), ((data->>'f_birth') COLLATE "C"), id, ((data->>'f_age')::numeric)) ${P}`);
    await c.query(`CREATE INDEX many_${k}_b ON record_many ((data->>'f_email')) ${P}`);
  }
}
for (const n of [0, 20, 500, 2000]) {
  await ensure(n); await c.query('ANALYZE record_many');
  const plan = [], total = [];
  for (let i = 0; i < 3; i++) await c.query(Q, QP);
  for (let i = 0; i < 25; i++) {
    const { rows } = await c.query(`EXPLAIN (ANALYZE, SUMMARY) ${Q}`, QP);
    plan.push(Number(rows.map(r => r['QUERY PLAN']).join('\n').match(/Planning Time: ([\d.]+)/)[1]));
    const t0 = process.hrtime.bigint(); await c.query(Q, QP); total.push(ms(t0));
  }
  const { rows: pl } = await c.query(`EXPLAIN ${Q}`, QP);
  // 1000-row batch inserts into tenant 7 (rows match 2 of the partial indexes; every insert checks all predicates)
  const bt = []; const ids = [];
  for (let b = 0; b < 10; b++) {
    const params = [], vals = [];
    for (let i = 0; i < 1000; i++) { const id = randomUUID(); ids.push(id);
      params.push(T, id, JSON.stringify({ f_status: `pv_st${i % 5}`, f_age: 20 + i % 60, f_birth: '1980-01-01', f_email: `${id.slice(0, 8)}@x.com` }));
      vals.push(`($${i * 3 + 1}, $${i * 3 + 2}, 'o_customer00', $${i * 3 + 3})`); }
    const t0 = process.hrtime.bigint(); await c.query(`INSERT INTO record_many (tenant_id, id, object_id, data) VALUES ${vals.join(',')}`, params); bt.push(ms(t0));
  }
  await c.query(`DELETE FROM record_many WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, [T, ids]); await c.query('VACUUM record_many');
  const rps = Math.round(10000 / (bt.reduce((a, b) => a + b, 0) / 1000));
  // 8 concurrent sessions running the list query (pgbench, 10 s): lock table pressure
  let pgb = '';
  try {
    pgb = execFileSync('pgbench', ['-n', '-c', '8', '-j', '2', '-T', '10', '-f', OUT + 'many-q.sql', PGURL], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60000 });
  } catch (e) { pgb = String(e.stdout ?? '') + String(e.stderr ?? ''); }
  const tps = (pgb.match(/tps = ([\d.]+)/) ?? [])[1] ?? 'n/a';
  const err = (pgb.match(/(out of shared memory|ERROR:[^\n]*)/) ?? [])[1] ?? '';
  const failed = (pgb.match(/number of failed transactions: (\d+)/) ?? [])[1] ?? '';
  const r = { indexes: n, planP50: pct(plan, 0.5), planP95: pct(plan, 0.95), queryP50: pct(total, 0.5), queryP95: pct(total, 0.95),
    insertRowsPerSec: rps, batchP50: pct(bt, 0.5), pgbench8Tps: tps, pgbenchFailed: failed, pgbenchError: err.slice(0, 120), planTop: pl[0]['QUERY PLAN'].slice(0, 90) };
  out.push(r);
  console.log(`partial idx ${String(n).padStart(4)}: planning p50 ${r.planP50.toFixed(2)} ms p95 ${r.planP95.toFixed(2)} | query p50 ${r.queryP50.toFixed(2)} p95 ${r.queryP95.toFixed(2)} ms | insert ${rps} rows/s (batch p50 ${r.batchP50.toFixed(1)} ms) | pgbench 8 clients ${tps} tps failed=${failed} ${err.slice(0, 80)} | ${r.planTop}`);
}
writeFileSync(OUT + 'many.json', JSON.stringify(out, null, 2));
await c.end();
