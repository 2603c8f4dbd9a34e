// What the outbox's commit-order index costs a write (ADR 0006). Run:
//   node scripts/node24.mjs --no-node-snapshot bench/outbox-txid-index.ts
//
// On a throwaway PostgreSQL 15 with every migration applied, outbox rows shaped like record
// events are written two ways, each with and without the (txid, id) index, in alternating
// rounds; the median of the rounds is printed:
//   batch:  BENCH_BATCH_ROWS rows per statement (as a batch create writes them), one client;
//   single: one row per transaction (as a single create), BENCH_CLIENTS clients at once;
//   records: the whole batch-create statement (record rows, index slots, links and their
//            outbox rows, the server's insert statement), BENCH_BATCH_ROWS deals per statement.
// Bounded: BENCH_ROUNDS rounds of BENCH_BATCH_TOTAL + BENCH_SINGLE_TOTAL rows per variant.
// Throughput on a shared machine is noisy, so the WAL written per row (deterministic) is printed too.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { assignIndexSlots, standardSnapshot } from '@protean/metadata';
import { startPostgres } from '../scripts/pg-server.mjs';
import { insertRecordsParams, insertRecordsStatement } from '../server/src/data/sql/insert-records.ts';
import { migrate } from '../server/src/db/migrations.ts';
import { openDatabase } from '../server/src/db/open-database.ts';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);
const BATCH_ROWS = Number(process.env['BENCH_BATCH_ROWS'] ?? 1_000);
const BATCH_TOTAL = Number(process.env['BENCH_BATCH_TOTAL'] ?? 200_000);
const SINGLE_TOTAL = Number(process.env['BENCH_SINGLE_TOTAL'] ?? 20_000);
const CLIENTS = Number(process.env['BENCH_CLIENTS'] ?? 8);

const server = await startPostgres();
try {
  const db = await openDatabase({ databaseUrl: server.url });
  await migrate(db);
  await db.close();
  const pool = new pg.Pool({ connectionString: server.url, max: CLIENTS });
  pool.on('error', () => undefined);
  const walBytes = async (): Promise<bigint> => BigInt((await pool.query<{ lsn: string }>("select (pg_current_wal_lsn() - '0/0')::bigint::text as lsn")).rows[0]!.lsn);
  const tenants = Array.from({ length: 10 }, () => randomUUID());
  const payload = JSON.stringify({ data: { name: 'Acme Clinic', stage: 'prospecting', amount: 1200, close_date: '2027-01-01', owner: randomUUID() } });

  const batch = async (): Promise<number> => {
    const started = performance.now();
    for (let done = 0; done < BATCH_TOTAL; done += BATCH_ROWS) {
      await pool.query(
        `insert into outbox (tenant_id, object_id, record_id, event, payload, actor_id)
         select $1, 'deal', gen_random_uuid(), 'created', $2::jsonb, $3 from generate_series(1, $4)`,
        [tenants[done % tenants.length], payload, tenants[0], BATCH_ROWS],
      );
    }
    return BATCH_TOTAL / ((performance.now() - started) / 1000);
  };
  const single = async (): Promise<number> => {
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (next++ < SINGLE_TOTAL) {
          await pool.query(
            "insert into outbox (tenant_id, object_id, record_id, event, payload, actor_id) values ($1, 'deal', gen_random_uuid(), 'created', $2::jsonb, $3)",
            [tenants[next % tenants.length], payload, tenants[0]],
          );
        }
      }),
    );
    return SINGLE_TOTAL / ((performance.now() - started) / 1000);
  };

  const deal = assignIndexSlots({ revision: 0, objects: [], layouts: [] }, standardSnapshot()).objects.find((o) => o.id === 'deal')!;
  const records = async (): Promise<number> => {
    const started = performance.now();
    for (let done = 0; done < BATCH_TOTAL; done += BATCH_ROWS) {
      const rows = Array.from({ length: BATCH_ROWS }, (_, i) => ({ id: randomUUID(), data: { name: `Deal ${done + i}`, stage: 'prospecting', amount: (done + i) % 10_000 } }));
      const params = insertRecordsParams(tenants[done % tenants.length]!, deal, tenants[0]!, rows);
      await pool.query(insertRecordsStatement(params, 'rows'), params.values);
    }
    return BATCH_TOTAL / ((performance.now() - started) / 1000);
  };

  const results: Record<string, number[]> = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const indexed of round % 2 ? [false, true] : [true, false]) {
      await pool.query(indexed ? 'create index if not exists outbox_commit_order on outbox (txid, id)' : 'drop index if exists outbox_commit_order');
      await pool.query('truncate outbox, record, record_link');
      await pool.query('checkpoint');
      const label = indexed ? 'with index' : 'without index';
      const before = await walBytes();
      (results[`batch ${label}`] ??= []).push(await batch());
      const between = await walBytes();
      (results[`single ${label}`] ??= []).push(await single());
      const after = await walBytes();
      (results[`records ${label}`] ??= []).push(await records());
      (results[`records WAL bytes/row ${label}`] ??= []).push(Number((await walBytes()) - after) / BATCH_TOTAL);
      (results[`batch WAL bytes/row ${label}`] ??= []).push(Number(between - before) / BATCH_TOTAL);
      (results[`single WAL bytes/row ${label}`] ??= []).push(Number(after - between) / SINGLE_TOTAL);
    }
  }
  await pool.query('create index if not exists outbox_commit_order on outbox (txid, id)');
  const sizes = await pool.query<{ table: string; pkey: string; commit_order: string; rows: string }>(
    `select pg_size_pretty(pg_relation_size('outbox')) as table, pg_size_pretty(pg_relation_size('outbox_pkey')) as pkey,
            pg_size_pretty(pg_relation_size('outbox_commit_order')) as commit_order, (select count(*) from outbox)::text as rows`,
  );
  await pool.end();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  for (const [name, values] of Object.entries(results)) {
    const unit = name.includes('WAL') ? '' : ' rows/s';
    process.stdout.write(`${name.padEnd(36)} ${Math.round(median(values)).toString().padStart(8)}${unit}   (rounds: ${values.map(Math.round).join(', ')})\n`);
  }
  const s = sizes.rows[0]!;
  process.stdout.write(`after the last round: ${s.rows} rows, table ${s.table}, primary key ${s.pkey}, (txid, id) index ${s.commit_order}\n`);
} finally {
  await server.stop();
}
