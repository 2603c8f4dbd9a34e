import { slotOf, type FieldDef, type ObjectDef } from '@protean/metadata';
import { SLOT_COLUMNS, SLOT_TYPES, slotRow } from './field-sql.ts';
import { UUID } from '../../http/ids.ts';
import { jsonbKeyOrder, storedSearchText } from './search-text.ts';
import { EVENTS_PER_ROW } from '../../events/outbox-reader.ts';

/**
 * How the statement takes its records. `recordset`: $1 one JSON object per record, holding its
 * values (`d`) and the columns the server derives (id, search text, owner, slot values). `arrays`
 * (migration 89), for groups of ARRAYS_FROM records or more: $1 the records' values as one JSON
 * array, and beside it one array parameter per derived column (`ARRAY_PARAMS`). Postgres 15 parses
 * JSON a character at a time: the derived columns as JSON were ~6 % of a bulk-inserted record's
 * instructions (write-instructions.ts, 403 k → 377 k). But eleven arrays are eleven set-returning
 * functions to start, ~100 k instructions a statement, a tenth of a single create's: with arrays
 * from 8 records, the grouped creates of a create load (ADR 0020) ran 12–15 % fewer a second
 * (write-cost.ts, same sitting). Below ARRAYS_FROM records go as a recordset.
 */
export type RecordsInput = 'recordset' | 'arrays';

/** The array parameters of the `arrays` input, $8 onwards, in order: column and element type. */
export const ARRAY_PARAMS: readonly { column: string; type: string }[] = [
  { column: 'i', type: 'uuid' },
  { column: 's', type: 'text' },
  { column: 'o', type: 'uuid' },
  ...SLOT_COLUMNS.map((column) => ({ column, type: SLOT_TYPES[column] })),
];

// The arrays are read side by side by set-returning functions in the select list, which run in
// step (a shorter one, or an array given as null for a slot no field of the object has, reads as
// nulls). In FROM, as ROWS FROM, each function's rows were first copied into a store of their
// own: eleven stores made a single create ~16 % dearer in Postgres (write-instructions.ts).
const INPUT_ROWS: Record<RecordsInput, string> = {
  recordset: `select * from rows from (jsonb_to_recordset($1::jsonb) as (i uuid, d jsonb, s text, o uuid, ${SLOT_COLUMNS.map((c) => `${c} ${SLOT_TYPES[c]}`).join(', ')}))
     with ordinality as x(i, d, s, o, ${SLOT_COLUMNS.join(', ')}, n)`,
  arrays: `select jsonb_array_elements($1::jsonb) as d, ${ARRAY_PARAMS.map((p, k) => `unnest($${8 + k}::${p.type}[]) as ${p.column}`).join(', ')},
          generate_series(1, jsonb_array_length($1::jsonb)) as n`,
};

/** The parameters of `create_records` after the revision, by the input it takes (see `RecordsInput`). */
const RECORDSET_PARAMS = [
  { name: 'p_records', type: 'jsonb' },
  { name: 'p_object', type: 'text' },
  { name: 'p_user', type: 'uuid' },
  { name: 'p_linked', type: 'text[]' },
  { name: 'p_target_ids', type: 'uuid[]' },
  { name: 'p_target_objects', type: 'text[]' },
];
export const CREATE_RECORDS_PARAMS: Record<RecordsInput, readonly { name: string; type: string }[]> = {
  recordset: RECORDSET_PARAMS,
  arrays: [...RECORDSET_PARAMS, ...ARRAY_PARAMS.map((p) => ({ name: `p_${p.column}`, type: `${p.type}[]` }))],
};

/** The argument types of `create_records` taking `input`, as `drop function` and `grant` name it. */
export const createRecordsArguments = (input: RecordsInput) => ['uuid', 'integer', ...CREATE_RECORDS_PARAMS[input].map((p) => p.type)].join(', ');

/** The call of `create_records` as it is now: tenant, revision, then the insert statement's parameters after the tenant (`createRecordsCallParams`). */
export const CREATE_RECORDS_CALL_SQL = `select * from create_records(${createRecordsArguments('arrays')
  .split(', ')
  .map((type, k) => `$${k + 1}::${type}`)
  .join(', ')})`;

/** Groups of at least this many records go to the insert statement as arrays, fewer as a recordset (see `RecordsInput`): a bulk insert's batches, not grouped creates. */
export const ARRAYS_FROM = 64;

/** The insert statement in its four forms: with and without the record_link insert, answering rows or a count. */
export interface InsertStatements {
  sql: string;
  withoutLinks: string;
  counted: string;
  countedWithoutLinks: string;
}

export function insertRecordsStatements(input: RecordsInput): InsertStatements {
  const sql = insertRecordsSql(true, input);
  const withoutLinks = insertRecordsSql(false, input);
  return { sql, withoutLinks, counted: counted(sql), countedWithoutLinks: counted(withoutLinks) };
}

/**
 * One statement checks and locks the lookup targets, then writes the new records, their lookup
 * links and their outbox events: one round trip however large the batch. When a target is missing
 * (deleted, another object's, another tenant's) nothing is written and no row comes back; the
 * caller then says which. A created event names its record and carries no copy of its values
 * (ADR 0018): a consumer reads them from the record. The statement's created events share one
 * outbox row, which names the records in order (migration 68). Parameters: $1 the records (see
 * `RecordsInput`), $2 tenant, $3 object, $4 acting user, $5 ids of the lookups kept in
 * record_link, $6 and $7 the distinct (target id, target object) pairs the records point at, then
 * for `arrays` the `ARRAY_PARAMS`. Search texts are lower-cased as lower() lowers them (migrations
 * 66 and 84), owners are those record access matches (migration 67). Deleted targets are counted
 * out after the scan, not in its WHERE: with deleted_at is null there, every partial index of
 * record (all lead with tenant_id) qualified too, and while the statistics did not know the tenant
 * yet the planner took one at equal cost and read all the tenant's records (11.8 ms for one target
 * at 6,000 records, against 0.07 ms through the primary key). The `withoutLinks` forms leave out
 * the record_link insert, which writes nothing when the object keeps no lookup there ($5 empty)
 * yet made every create open record_link and its indexes and plan the insert's nodes (~15 µs of a
 * create's backend CPU). The `counted` forms answer how many records were written and when, not a
 * row per record: every new row's version is 1 and its created_at and updated_at the transaction's
 * now() (the columns' defaults), so the rows said nothing the server did not know, and a bulk
 * insert had a thousand of them parsed.
 */
export const RECORDSET_INSERT = insertRecordsStatements('recordset');
export const ARRAYS_INSERT = insertRecordsStatements('arrays');

/** The parameters of the insert statement for a group of records, in the input form chosen for its size (see `RecordsInput`). */
export interface InsertRecordsParams {
  input: RecordsInput;
  /** $1 onwards: a recordset's seven, or the arrays' eighteen. */
  values: unknown[];
}

/** The insert statement for parameters made by `insertRecordsParams`. */
export function insertRecordsStatement(params: InsertRecordsParams, form: 'rows' | 'counted'): string {
  const statements = params.input === 'recordset' ? RECORDSET_INSERT : ARRAYS_INSERT;
  return form === 'rows' ? statements.sql : statements.counted;
}

/** The parameters of CREATE_RECORDS_CALL_SQL for `params` of `insertRecordsParams`: a recordset's arrays are null. */
export function createRecordsCallParams(revision: number, params: InsertRecordsParams): unknown[] {
  const [records, tenantId, ...rest] = params.values;
  const all = [tenantId, revision, records, ...rest];
  return [...all, ...Array.from({ length: CREATE_RECORDS_PARAMS.arrays.length + 2 - all.length }, () => null)];
}

function counted(sql: string): string {
  const last = ' select * from created';
  if (!sql.endsWith(last)) throw new Error('the insert statement no longer ends by selecting what it created');
  return `${sql.slice(0, -last.length)} select count(*)::int as written, now() as at from created`;
}

function insertRecordsSql(links: boolean, input: RecordsInput): string {
  return `with targets as materialized (
   select r.id, r.deleted_at from record r join unnest($6::uuid[], $7::text[]) as w(id, object_id) on r.id = w.id and r.object_id = w.object_id
    where r.tenant_id = $2 order by r.id for key share of r
 ), input as materialized (
   ${INPUT_ROWS[input]}
    where (select count(*) from targets where deleted_at is null) = cardinality($6::uuid[])
 ), created as (
   insert into record (tenant_id, id, object_id, data, created_by, updated_by, search_text, owner_id, ${SLOT_COLUMNS.join(', ')})
   select $2, i, $3, d, $4, $4, s, coalesce(o, $4), ${SLOT_COLUMNS.join(', ')} from input
   returning id, version, created_at, updated_at
 ), ${
   links
     ? `links as (
   insert into record_link (tenant_id, target_id, field_id, source_id)
   select $2, (input.d->>f.id)::uuid, f.id, input.i from input cross join unnest($5::text[]) as f(id) where input.d ? f.id
 ), `
     : ''
 }events as (
   insert into outbox (tenant_id, object_id, record_id, record_ids, event, payload, actor_id)
   select $2, $3, case when count(*) = 1 then (array_agg(i))[1] end, case when count(*) > 1 then array_agg(i order by n) end, 'created', '{}'::jsonb, $4
     from input having count(*) > 0
 )
 select * from created`;
}

/** Lookups kept in record_link: those without an index slot (a slotted lookup is found through its slot). */
export const linkedLookups = (object: ObjectDef, fields: readonly FieldDef[]) => fields.filter((f) => f.type === 'lookup' && !slotOf(object, f.id));

/** The insert statement's parameters for `records`: a recordset for fewer than ARRAYS_FROM, else the values and the arrays (see `RecordsInput`). */
export function insertRecordsParams(tenantId: string, object: ObjectDef, userId: string, records: readonly { id: string; data: Record<string, unknown> }[]): InsertRecordsParams {
  // The statement's created events are one outbox row, which holds at most this many.
  if (records.length > EVENTS_PER_ROW) throw new Error(`One insert statement writes at most ${EVENTS_PER_ROW} records; it was given ${records.length}`);
  const live = object.fields.filter((f) => !f.deletedAt);
  const targets = lookupTargets(live, records);
  const rest = [tenantId, object.id, userId, linkedLookups(object, live).map((f) => f.id), targets.map((t) => t.id), targets.map((t) => t.objectId)];
  if (records.length < ARRAYS_FROM) return { input: 'recordset', values: [recordset(object, records), ...rest] };
  const columns = ARRAY_PARAMS.map(() => new ArrayLiteral());
  let values = '[';
  for (let n = 0; n < records.length; n++) {
    const p = records[n]!;
    values += (n ? ',' : '') + JSON.stringify(p.data);
    const derived = derivedColumns(object, p);
    for (let k = 0; k < derived.length; k++) columns[k]!.add(derived[k]!);
  }
  return { input: 'arrays', values: [`${values}]`, ...rest, ...columns.map((column) => column.text())] };
}

/**
 * A record's columns the server derives, in ARRAY_PARAMS' order: its id, its search text (lowered
 * here: lower() in the statement cost a bulk-inserted record 1.5 % of its instructions), the owner
 * record access matches (its `owner` when that is a UUID, else null for its creator, as `ownerOf`)
 * and its slot values.
 */
function derivedColumns(object: ObjectDef, record: { id: string; data: Record<string, unknown> }): (string | number | null)[] {
  const owner = record.data['owner'];
  return [record.id, storedSearchText(object, record.data), typeof owner === 'string' && UUID.test(owner) ? owner : null, ...slotRow(object, record.data)];
}

/** The derived columns in JSONB's key order (after `d`), which Postgres sorts each object's keys into. */
const RECORDSET_KEYS = ARRAY_PARAMS.map(({ column }, k) => ({ column, k })).sort((a, b) => jsonbKeyOrder(a.column, b.column));

/**
 * A recordset's JSON: per record its values (`d`) and its derived columns, with keys in JSONB's
 * order, as the values' are: Postgres sorts every object's keys while it reads the parameter, and
 * finds them sorted at a glance. A null column is left out (the statement reads a missing key as
 * null). Written as text around each record's values, without a wrapper object per record for
 * JSON.stringify.
 */
function recordset(object: ObjectDef, records: readonly { id: string; data: Record<string, unknown> }[]): string {
  let input = '[';
  for (let n = 0; n < records.length; n++) {
    const p = records[n]!;
    const derived = derivedColumns(object, p);
    let row = `${n ? ',' : ''}{"d":${JSON.stringify(p.data)}`;
    for (const { column, k } of RECORDSET_KEYS) if (derived[k] !== null) row += `,"${column}":${JSON.stringify(derived[k])}`;
    input += `${row}}`;
  }
  return `${input}]`;
}

const NEEDS_ESCAPE = /["\\]/;

/** The literal of `values` as an array parameter of the insert statement (null when they are all null). */
export function arrayLiteral(values: readonly (string | number | null)[]): string | null {
  const literal = new ArrayLiteral();
  for (const value of values) literal.add(value);
  return literal.text();
}

/**
 * A Postgres array literal built one element at a time. Every text is quoted (it may hold commas,
 * braces or spaces) and `"` and `\` escaped; an array of nulls only is sent as null, which the
 * statement reads as a null per record.
 */
class ArrayLiteral {
  #text = '';
  #empty = true;
  add(value: string | number | null): void {
    const element = value === null ? 'NULL' : typeof value === 'number' ? String(value) : NEEDS_ESCAPE.test(value) ? `"${value.replace(/["\\]/g, '\\$&')}"` : `"${value}"`;
    this.#text += this.#text ? `,${element}` : element;
    if (value !== null) this.#empty = false;
  }
  text(): string | null {
    return this.#empty ? null : `{${this.#text}}`;
  }
}

/** The distinct records that the lookups of `records` point at, each with the object it must be of. */
export function lookupTargets(fields: readonly FieldDef[], records: readonly { data: Record<string, unknown> }[]): { id: string; objectId: string }[] {
  // Ids by target object: no key string built per record of a thousand-record batch.
  const byObject = new Map<string, Set<string>>();
  for (const field of fields) {
    if (field.type !== 'lookup' || !field.lookup) continue;
    let ids = byObject.get(field.lookup.objectId);
    if (!ids) byObject.set(field.lookup.objectId, (ids = new Set()));
    for (const record of records) {
      const id = record.data[field.id];
      if (typeof id === 'string') ids.add(id);
    }
  }
  const pairs: { id: string; objectId: string }[] = [];
  for (const [objectId, ids] of byObject) for (const id of ids) pairs.push({ id, objectId });
  return pairs;
}
