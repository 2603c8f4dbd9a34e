// Index slot backfill on PostgreSQL or PGlite (ADR 0002 addendum): a filter on a number field without a
// slot (JSONB expression) against the same filter once a freed slot was backfilled for it, the
// backfill's throughput, and the p95 of single creates while it runs against without.
//
//   node scripts/node24.mjs --no-node-snapshot bench/slot-backfill.ts     (BENCH_RECORDS, default 100000)
//
// Starts its own PostgreSQL (scripts/pg-server.mjs) and the server in this process; requests go
// through Fastify's inject, so figures are server + database time without the network.
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import pg from 'pg';
import { startPostgres } from '../scripts/pg-server.mjs';
import { buildApp } from '../server/src/app.ts';
import { parseListRequest } from '../server/src/data/list-request.ts';
import { compileListQuery } from '../server/src/data/sql/compile-list-query.ts';
import { migrate } from '../server/src/db/migrations.ts';
import { openDatabase } from '../server/src/db/open-database.ts';
import { createTenant } from '../server/src/tenancy/tenant-service.ts';

const RECORDS = Number(process.env['BENCH_RECORDS'] ?? 100_000);
const RUNS = 20;
const WRITERS = 4;
const zones = ['north', 'south', 'east'];
const picklist = (apiName: string, values: string[]) => ({ apiName, type: 'picklist', labels: { en: apiName }, values: values.map((v) => ({ apiName: v, labels: { en: v } })) });
// As in server/test/slot-backfill.test.ts: `second` gets no number slot until `first` is purged.
const parcel = {
  op: 'createObject',
  object: {
    apiName: 'parcel',
    labels: { en: { singular: 'Parcel', plural: 'Parcels' } },
    fields: [
      { apiName: 'name', type: 'text', labels: { en: 'Name' }, required: true },
      picklist('kind', ['box', 'letter']),
      picklist('zone', zones),
      { apiName: 'filler', type: 'number', labels: { en: 'Filler' } },
      { apiName: 'first', type: 'number', labels: { en: 'First' } },
      { apiName: 'second', type: 'number', labels: { en: 'Second' } },
    ],
  },
};
// `second` = n mod 1000: 0.1 % of the records hold one value, so a page of 50 is not found early in id order.
const filters: Record<string, { filter: unknown; count?: boolean }> = {
  'second = 777': { filter: { field: 'second', op: 'eq', value: 777 } },
  'second = 777, count': { filter: { field: 'second', op: 'eq', value: 777 }, count: true },
  'zone = south and second >= 990': { filter: { and: [{ field: 'zone', op: 'eq', value: 'south' }, { field: 'second', op: 'gte', value: 990 }] } },
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))]!;
const log = (text: string) => process.stdout.write(`${text}\n`);

// BENCH_DB=pglite runs the same over in-memory PGlite (the server's embedded mode).
const onPglite = process.env['BENCH_DB'] === 'pglite';
const postgres = onPglite ? undefined : await startPostgres();
// VACUUM cannot run in the transaction every Database call opens: a plain client for it.
const vacuum = async () => {
  if (!postgres) return db.system((q) => q.query('analyze record'));
  const client = new pg.Client({ connectionString: postgres.url });
  await client.connect();
  await client.query('vacuum analyze record');
  await client.end();
};
const db = await openDatabase({ databaseUrl: postgres?.url, dataDir: undefined });
try {
  await migrate(db);
  const server = await buildApp({ db, operatorToken: `op_${randomUUID()}`, passwordCost: 'test' });
  await server.app.ready();
  const slug = `bench-${randomUUID().slice(0, 8)}`;
  const tenant = await createTenant(db, { slug, name: slug, admin: { email: `admin@${slug}.test`, name: 'Bench', password: 'correct horse battery' } }, server.auth.passwords);
  const { key } = await server.auth.createApiKey(tenant.id, tenant.adminId, 'bench');
  const api = async (method: string, path: string, body?: unknown) => {
    const response = await server.app.inject({ method: method as 'GET', url: `/api/v1${path}`, headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { payload: JSON.stringify(body) } : {}) });
    if (response.statusCode >= 300) throw new Error(`${method} ${path}: ${response.statusCode} ${response.body}`);
    return response.json() as unknown;
  };
  await api('POST', '/metadata/changes', { operations: [parcel] });

  log(`loading ${RECORDS} records through the batch API`);
  const loadStart = performance.now();
  for (let start = 0; start < RECORDS; start += 1_000) {
    const operations = Array.from({ length: Math.min(1_000, RECORDS - start) }, (_, k) => {
      const n = start + k;
      return { op: 'create', data: { name: `P${n}`, kind: n % 2 ? 'box' : 'letter', zone: zones[n % 3], filler: n, first: n, second: n % 1_000 } };
    });
    await api('POST', '/records/parcel/batch', { operations });
  }
  log(`loaded in ${((performance.now() - loadStart) / 1000).toFixed(1)} s`);
  await vacuum();

  /** The list statement the server runs, as EXPLAIN (ANALYZE, BUFFERS) as the application role. */
  const explain = async (filter: unknown, count: boolean) => {
    const model = await server.metadata.model(tenant.id);
    const sql = compileListQuery(tenant.id, parseListRequest(model, model.object('parcel')!, { filter: JSON.stringify(filter), limit: 50 }));
    const [text, params] = count ? [sql.countSql, sql.countParams] : [sql.sql, sql.params];
    const rows = await db.withTenant(tenant.id, (q) => q.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${text}`, params));
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  };
  const measureFilters = async () => {
    const result: Record<string, number> = {};
    for (const [name, { filter, count }] of Object.entries(filters)) {
      const path = `/records/parcel?filter=${encodeURIComponent(JSON.stringify(filter))}&limit=50${count ? '&count=true' : ''}`;
      for (let i = 0; i < 3; i++) await api('GET', path);
      const times: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const t0 = performance.now();
        await api('GET', path);
        times.push(performance.now() - t0);
      }
      result[name] = median(times);
      if (process.env['BENCH_EXPLAIN']) log(`${name}:\n${await explain(filter, count === true)}`);
    }
    return result;
  };
  /** Single creates from WRITERS concurrent loops until `until()` or `count` creates; their latencies. */
  const createLoad = async (until: () => boolean, count: number) => {
    const times: number[] = [];
    let n = 0;
    await Promise.all(
      Array.from({ length: WRITERS }, async () => {
        while (!until() && n < count) {
          const i = n++;
          const t0 = performance.now();
          await api('POST', '/records/parcel', { name: `W${i}`, kind: 'box', zone: 'north', filler: i, second: i % 1_000 });
          times.push(performance.now() - t0);
        }
      }),
    );
    return times;
  };

  const before = await measureFilters();
  log(`filter medians before (JSONB): ${JSON.stringify(before)}`);
  const quiet = await createLoad(() => false, 2_000);
  log(`single creates without a backfill: p95 ${p95(quiet).toFixed(2)} ms, max ${Math.max(...quiet).toFixed(2)} ms over ${quiet.length}`);

  // Free `first`'s slot: out of the layouts that show it, delete, purge; `second` becomes pending.
  const snapshot = (await api('GET', '/metadata/snapshot')) as { objects: { apiName: string; fields: { id: string; apiName: string }[] }[]; layouts: { id: string; sections: { fields: { fieldId: string }[] }[] }[] };
  const firstId = snapshot.objects.find((o) => o.apiName === 'parcel')!.fields.find((f) => f.apiName === 'first')!.id;
  for (const layout of snapshot.layouts.filter((l) => l.sections.some((s) => s.fields.some((f) => f.fieldId === firstId)))) {
    await api('PUT', `/metadata/layouts/${layout.id}`, { ...layout, sections: layout.sections.map((s) => ({ ...s, fields: s.fields.filter((f) => f.fieldId !== firstId) })) });
  }
  await api('DELETE', '/metadata/objects/parcel/fields/first');
  await api('POST', '/metadata/changes', { operations: [{ op: 'purgeField', object: 'parcel', field: 'first' }] });

  let finished = false;
  const watch = (async () => {
    const deadline = Date.now() + 600_000;
    while (Date.now() < deadline) {
      const [row] = (await api('GET', '/metadata/index-backfills')) as { status: string }[];
      if (row?.status === 'done') break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    finished = true;
  })();
  const during = await createLoad(() => finished, 1_000_000);
  await watch;
  const [job] = await db.system((q) =>
    q.query<{ done: string; seconds: number }>("select done, extract(epoch from updated_at - started_at)::float8 as seconds from index_backfill where tenant_id = $1 and status = 'done'", [tenant.id]),
  );
  const rowsPerSecond = Number(job!.done) / job!.seconds;
  log(`backfill: ${job!.done} rows in ${job!.seconds.toFixed(2)} s = ${Math.round(rowsPerSecond)} rows/s`);
  log(`single creates during the backfill: p95 ${p95(during).toFixed(2)} ms, max ${Math.max(...during).toFixed(2)} ms over ${during.length}`);

  // As autovacuum would after the backfill's updates (visibility map for index-only scans).
  await vacuum();
  const after = await measureFilters();
  log(`filter medians after (slot): ${JSON.stringify(after)}`);

  const prefix = onPglite ? 'slot_backfill.pglite' : 'slot_backfill';
  const results = {
    [`${prefix}.filter_eq_before.median_ms`]: { value: before['second = 777']!, unit: 'ms', floor: null },
    [`${prefix}.filter_eq_after.median_ms`]: { value: after['second = 777']!, unit: 'ms', floor: null },
    [`${prefix}.filter_eq_count_before.median_ms`]: { value: before['second = 777, count']!, unit: 'ms', floor: null },
    [`${prefix}.filter_eq_count_after.median_ms`]: { value: after['second = 777, count']!, unit: 'ms', floor: null },
    [`${prefix}.filter_pair_before.median_ms`]: { value: before['zone = south and second >= 990']!, unit: 'ms', floor: null },
    [`${prefix}.filter_pair_after.median_ms`]: { value: after['zone = south and second >= 990']!, unit: 'ms', floor: null },
    [`${prefix}.rows_per_s`]: { value: Math.round(rowsPerSecond), unit: 'rows/s', floor: null },
    [`${prefix}.create_p95_during.ms`]: { value: p95(during), unit: 'ms', floor: p95(quiet) },
  };
  const file = process.env['BENCH_RESULTS'] ?? new URL('./results.json', import.meta.url);
  const merged = { ...(JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>), ...results };
  writeFileSync(file, `${JSON.stringify(merged, null, 2)}\n`);
  log(JSON.stringify(results, null, 2));
  await server.app.close();
} finally {
  await db.close();
  await postgres?.stop();
}
