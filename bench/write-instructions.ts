// Postgres instructions per create and per bulk-inserted record (issue 19): figures that do not
// move with the machine's load, for A/B runs of two trees on a shared machine, where the CPU
// figures of write-cost.ts move by 20 % and more between runs. Run:
//   node scripts/node24.mjs bench/write-instructions.ts        (needs valgrind; ~1 min)
//
// Starts its own PostgreSQL 15, applies this tree's migrations, loads BENCH_RECORDS (20,000)
// customers of one tenant (the bench record's shape: eleven values keyed by field ids, a picklist
// value id, a date, a date-time and an organization lookup in its slots) and 10,000 organizations,
// stops the server and runs `postgres --single` under `valgrind --tool=callgrind` three times on
// the same data directory: one create, BENCH_CREATES (400) single creates, BENCH_BATCHES (4)
// batches of 1,000, each as `select written from create_records(...)` with the records as
// the server sends it (this tree's search text and slot values) and the role protean_app. Per
// create and per bulk-inserted record: (instructions of the run - instructions of the one-create
// run) / (records - 1). The SQL text of the call is parsed in single-user mode (the server's
// statement is prepared), which adds the same to both sides of an A/B; the parameter's JSON is
// parsed either way. BENCH_KEY_ORDER=unsorted writes the JSON's object keys out of JSONB's order
// (as the server did before it wrote them in that order). BENCH_DDL: SQL run as the owner after the
// data is loaded (a change of the schema to weigh). BENCH_CALLGRIND_OUT: a file for the batches'
// callgrind profile (callgrind_annotate reads it). Prints the figures; writes nothing else.
import { spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { findPostgresBinDir, haltPostgres, startPostgres, stopPostgres } from '../scripts/pg-server.mjs';
import { foldCase } from '@protean/metadata';
import { newRecordId } from '../server/src/data/record-id.ts';
import { jsonbKeyOrder, searchText } from '../server/src/data/sql/search-text.ts';
import { ARRAY_PARAMS, ARRAYS_FROM, arrayLiteral } from '../server/src/data/sql/insert-records.ts';
import { migrations } from '../server/src/db/migrations.ts';
import { runMain } from './lib/proc.ts';

const RECORDS = Number(process.env['BENCH_RECORDS'] ?? 20_000);
const CREATES = Number(process.env['BENCH_CREATES'] ?? 400);
const BATCHES = Number(process.env['BENCH_BATCHES'] ?? 4);
const ORGS = 10_000;
const TENANT = '11111111-1111-4111-8111-111111111111';
const USER = '22222222-2222-4222-8222-222222222222';
const CUSTOMER = 'o_cust000001';
const ORG = 'o_org0000001';

/** Organization n's id, as the SQL below makes it. */
const orgId = (n: number) => {
  const h = n.toString(16).padStart(8, '0');
  return `0000${h.slice(0, 4)}-${h.slice(4)}-7000-8000-000000000000`;
};

const DATA_SQL = `
insert into tenant (id, slug, name, current_revision) values ('${TENANT}', 'wi', 'wi', 5);
create function pg_temp.org_id(n bigint) returns uuid language sql immutable return ('0000' || lpad(to_hex(n), 8, '0') || '7000800000000000' || '0000')::uuid;
create function pg_temp.rec_id(n bigint) returns uuid language sql immutable return (lpad(to_hex(n), 12, '0') || '7000800000000000' || '0000')::uuid;
insert into record (tenant_id, id, object_id, data, created_by, updated_by, ix_t3)
  select '${TENANT}', pg_temp.org_id(i), '${ORG}', jsonb_build_object('f_orgname', 'Org ' || i), '${USER}', '${USER}', 'org ' || i from generate_series(1, ${ORGS}) i;
insert into record (tenant_id, id, object_id, data, created_by, updated_by, ix_t1, ix_d1, ix_n1, ix_t2, ix_t3)
  select '${TENANT}', pg_temp.rec_id(i), '${CUSTOMER}', jsonb_build_object(
      'f_0d31188ea1', 'Customer ' || i, 'f_0d31188ea2', 'customer' || i || '@example.com', 'f_0d31188ea3', '+1-555-' || lpad(i::text, 7, '0'),
      'f_0d31188ea4', 'v_0d31188e0' || (i % 5), 'f_0d31188ea5', (i * 7919) % 1000, 'f_0d31188ea6', '2015-0' || (1 + i % 9) || '-1' || (i % 10),
      'f_0d31188ea7', ((i * 31337) % 10000000) / 100.0, 'f_0d31188ea8', 'City ' || (i % 300), 'f_0d31188ea9', i % 3 = 0,
      'f_0d31188eb0', to_char((timestamptz '2024-01-01' + i * interval '1 minute') at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
      'f_0d31188eb1', pg_temp.org_id(1 + i % ${ORGS})::text),
    '${USER}', '${USER}', 'v_0d31188e0' || (i % 5), ('2015-0' || (1 + i % 9) || '-1' || (i % 10))::date::timestamptz, (i * 7919) % 1000,
    pg_temp.org_id(1 + i % ${ORGS})::text, 'customer ' || i
  from generate_series(1, ${RECORDS}) i;`;

/** The fields search matches (the name, the email, the phone): the server's search text holds these. */
const SEARCHED = new Set(['f_0d31188ea1', 'f_0d31188ea2', 'f_0d31188ea3']);

/** One record as the insert statement's JSON carries it, and the organization it points at. */
function record(n: number): { row: Record<string, unknown>; org: string } {
  const org = orgId(1 + (n % ORGS));
  const date = `2015-0${1 + (n % 9)}-1${n % 10}`;
  const data = {
    f_0d31188ea1: `Customer new ${n}`,
    f_0d31188ea2: `new${n}@example.com`,
    f_0d31188ea3: `+1-555-${String(n % 10_000_000).padStart(7, '0')}`,
    f_0d31188ea4: `v_0d31188e0${n % 5}`,
    f_0d31188ea5: (n * 7919) % 1000,
    f_0d31188ea6: date,
    f_0d31188ea7: ((n * 31337) % 10_000_000) / 100,
    f_0d31188ea8: `City ${n % 300}`,
    f_0d31188ea9: n % 3 === 0,
    f_0d31188eb0: new Date(Date.UTC(2024, 0, 1) + n * 60_000).toISOString(),
    f_0d31188eb1: org,
  };
  const row = { i: newRecordId(), d: data, s: foldCase(searchText(data, SEARCHED)), ix_t1: data.f_0d31188ea4, ix_d1: `${date}T00:00:00Z`, ix_n1: data.f_0d31188ea5, ix_t2: org, ix_t3: data.f_0d31188ea1.toLowerCase() };
  // The server writes every object's keys in JSONB's order (Postgres then finds them sorted);
  // BENCH_KEY_ORDER=unsorted writes them in another order, as a server's field order would.
  if (UNSORTED_KEYS) return { row: { ...row, d: Object.fromEntries(Object.entries(data).reverse()) }, org };
  return { row: inKeyOrder(row), org };
}

const UNSORTED_KEYS = process.env['BENCH_KEY_ORDER'] === 'unsorted';
const inKeyOrder = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => jsonbKeyOrder(a, b)));

const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** One create_records call on one line (single-user mode ends a statement at the newline), its records as the server sends them: a few as a recordset, more as values and arrays. */
function call(records: { row: Record<string, unknown>; org: string }[]): string {
  const orgs = [...new Set(records.map((r) => r.org))];
  const asArrays = records.length >= ARRAYS_FROM;
  const arrays = ARRAY_PARAMS.map((p) => {
    const text = asArrays ? arrayLiteral(records.map((r) => (r.row[p.column] ?? null) as string | number | null)) : null;
    return text === null ? `null::${p.type}[]` : `${literal(text)}::${p.type}[]`;
  });
  const json = JSON.stringify(records.map((r) => (asArrays ? r.row['d'] : r.row)));
  return `select written from create_records('${TENANT}', 5, ${literal(json)}::jsonb, '${CUSTOMER}', '${USER}', '{}', '{${orgs.join(',')}}', '{${orgs.map(() => ORG).join(',')}}', ${arrays.join(', ')});`;
}

async function main(): Promise<void> {
  const server = await startPostgres();
  const work = mkdtempSync(join(tmpdir(), 'write-instructions-'));
  try {
    const client = new pg.Client(server.url);
    // The server is stopped under the client if set-up fails: that error is not the one to report.
    client.on('error', () => {});
    await client.connect();
    await client.query('create table if not exists schema_migration (id integer primary key, name text not null, applied_at timestamptz not null default now())');
    for (const migration of migrations) {
      await client.query(migration.sql);
      await client.query('insert into schema_migration (id, name) values ($1, $2)', [migration.id, migration.name]);
    }
    await client.query(DATA_SQL);
    if (process.env['BENCH_DDL']) await client.query(process.env['BENCH_DDL']);
    await client.query('vacuum analyze');
    await client.end();
    await haltPostgres(server.pid, server.dir);

    const { uid, gid } = statSync(server.dir);
    const asServer = typeof process.getuid === 'function' && process.getuid() === 0 ? { uid, gid } : {};
    if ('uid' in asServer) chownSync(work, uid, gid);
    const postgres = join(findPostgresBinDir()!, 'postgres');
    let n = RECORDS + 1;
    const script = (name: string, calls: string[]) => {
      const file = join(work, `${name}.sql`);
      writeFileSync(file, `set role protean_app;\n${calls.join('\n')}\n`);
      if ('uid' in asServer) chownSync(file, uid, gid);
      return file;
    };
    const one = script('one', [call([record(n++)])]);
    const creates = script('creates', Array.from({ length: CREATES }, () => call([record(n++)])));
    const batches = script('batches', Array.from({ length: BATCHES }, () => call(Array.from({ length: 1000 }, () => record(n++)))));
    const instructions = (file: string, out = '/dev/null'): number => {
      const run = spawnSync(
        'valgrind',
        ['--tool=callgrind', `--callgrind-out-file=${out}`, postgres, '--single', '-D', join(server.dir, 'data'), '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'jit=off', 'protean'],
        { ...asServer, cwd: work, input: readFileSync(file), encoding: 'utf8', maxBuffer: 1 << 28 },
      );
      if (run.error) throw run.error;
      if (/ERROR:/.test(run.stdout) || /ERROR:/.test(run.stderr)) throw new Error(`${file}: ${(run.stdout + run.stderr).split('\n').find((l) => l.includes('ERROR:'))}`);
      const collected = /Collected : (\d+)/.exec(run.stderr);
      if (!collected) throw new Error(`no instruction count from valgrind: ${run.stderr.slice(-500)}`);
      return Number(collected[1]);
    };
    const base = instructions(one);
    const perCreate = (instructions(creates, process.env['BENCH_CALLGRIND_CREATES']) - base) / (CREATES - 1);
    const perRecord = (instructions(batches, process.env['BENCH_CALLGRIND_OUT']) - base) / (BATCHES * 1000 - 1);
    const k = (x: number) => `${Math.round(x / 1000).toLocaleString('en')} k`;
    process.stdout.write(`Postgres instructions (${RECORDS.toLocaleString('en')} customers): per create ${k(perCreate)}, per bulk-inserted record ${k(perRecord)} (${CREATES} creates, ${BATCHES} batches of 1,000)\n`);
  } finally {
    await stopPostgres(server.pid, server.dir);
    rmSync(work, { recursive: true, force: true });
  }
}

await runMain(main, new Set());
