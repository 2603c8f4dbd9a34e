import { slotOf, type FieldDef, type ObjectDef } from '@protean/metadata';
import { SLOT_COLUMNS, SLOT_TYPES, slotRow } from './field-sql.ts';
import { UUID } from '../../http/ids.ts';
import { jsonbKeyOrder, storedSearchText } from './search-text.ts';
import { EVENTS_PER_ROW } from '../../events/outbox-reader.ts';

/**
 * One statement checks and locks the lookup targets, then writes the new records, their lookup
 * links and their outbox events: one round trip and one JSON document to parse, however large
 * the batch. When a target is missing (deleted, another object's, another tenant's) nothing is
 * written and no row comes back; the caller then says which. A created event names its record and
 * carries no copy of its values (ADR 0018): a consumer reads them from the record. The statement's
 * created events share one outbox row, which names the records in order (migration 68). Parameters: $1 the records as
 * JSON (each with its search text, `s`, lower-cased as lower() lowers it, and its owner, `o`:
 * migrations 66, 67 and 84),
 * $2 tenant, $3 object, $4 acting user, $5 ids of the lookups kept in record_link, $6 and
 * $7 the distinct (target id, target object) pairs the records point at. Deleted targets are
 * counted out after the scan, not in its WHERE: with deleted_at is null there, every partial
 * index of record (all lead with tenant_id) qualified too, and while the statistics did not know
 * the tenant yet the planner took one at equal cost and read all the tenant's records (11.8 ms
 * for one target at 6,000 records, against 0.07 ms through the primary key).
 */
export const INSERT_RECORDS_SQL = insertRecordsSql(true);

/**
 * The same statement without the record_link insert, which writes nothing when the object keeps
 * no lookup there ($5 empty) yet made every create open record_link and its indexes and plan
 * the insert's nodes (~15 µs of a create's backend CPU): `create_records` runs it then.
 */
export const INSERT_RECORDS_WITHOUT_LINKS_SQL = insertRecordsSql(false);

/**
 * The transactional path's statement: the same writes, answering with how many records it wrote
 * and when, not with a row per record. Every new row's version is 1 and its created_at and
 * updated_at are the transaction's now() (the columns' defaults), so the rows said nothing the
 * server did not know, and a bulk insert had a thousand of them parsed (four columns each).
 */
export const INSERT_RECORDS_COUNTED_SQL = counted(INSERT_RECORDS_SQL);

/** The same without the record_link insert: what `create_records` runs for an object that keeps no lookup there. */
export const INSERT_RECORDS_WITHOUT_LINKS_COUNTED_SQL = counted(INSERT_RECORDS_WITHOUT_LINKS_SQL);

function counted(sql: string): string {
  const last = ' select * from created';
  if (!sql.endsWith(last)) throw new Error('the insert statement no longer ends by selecting what it created');
  return `${sql.slice(0, -last.length)} select count(*)::int as written, now() as at from created`;
}

function insertRecordsSql(links: boolean): string {
  return `with targets as materialized (
   select r.id, r.deleted_at from record r join unnest($6::uuid[], $7::text[]) as w(id, object_id) on r.id = w.id and r.object_id = w.object_id
    where r.tenant_id = $2 order by r.id for key share of r
 ), input as materialized (
   select * from rows from (jsonb_to_recordset($1::jsonb) as (i uuid, d jsonb, s text, o uuid, ${SLOT_COLUMNS.map((c) => `${c} ${SLOT_TYPES[c]}`).join(', ')}))
     with ordinality as x(i, d, s, o, ${SLOT_COLUMNS.join(', ')}, n)
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

/** The slot columns in JSONB's key order, which Postgres sorts each object's keys into (below). */
const SLOTS_IN_KEY_ORDER = SLOT_COLUMNS.map((column, k) => ({ column, k })).sort((a, b) => jsonbKeyOrder(a.column, b.column));

export function insertRecordsParams(tenantId: string, object: ObjectDef, userId: string, records: readonly { id: string; data: Record<string, unknown> }[]): unknown[] {
  // The statement's created events are one outbox row, which holds at most this many.
  if (records.length > EVENTS_PER_ROW) throw new Error(`One insert statement writes at most ${EVENTS_PER_ROW} records; it was given ${records.length}`);
  // The document is written as text around each record's values, not built as wrapper objects for
  // JSON.stringify: a thousand of them, in as many shapes as combinations of empty slots, cost a
  // bulk-inserted record more than stringifying its values. Keys in JSONB's order (d, i, o, s, then
  // the slots), as the drafts' values are: Postgres sorts every object's keys while it reads the
  // parameter, and finds them sorted at a glance.
  let input = '[';
  for (let n = 0; n < records.length; n++) {
    const p = records[n]!;
    let row = `${n ? ',' : ''}{"d":${JSON.stringify(p.data)},"i":${JSON.stringify(p.id)}`;
    // The owner that record access matches (owner_id): its `owner` when that is a UUID, else (unsent) its creator, as `ownerOf`.
    const owner = p.data['owner'];
    if (typeof owner === 'string' && UUID.test(owner)) row += `,"o":"${owner}"`;
    // Lowered here: lower() in the statement cost a bulk-inserted record 1.5 % of its instructions.
    row += `,"s":${JSON.stringify(storedSearchText(object, p.data))}`;
    // An empty slot is left out (the statement reads a missing key as null): a thousand records' worth of `"ix_n2":null` was parsed for nothing.
    const slots = slotRow(object, p.data);
    for (const { column, k } of SLOTS_IN_KEY_ORDER) if (slots[k] !== null) row += `,"${column}":${JSON.stringify(slots[k])}`;
    input += `${row}}`;
  }
  input += ']';
  const live = object.fields.filter((f) => !f.deletedAt);
  const targets = lookupTargets(live, records);
  return [input, tenantId, object.id, userId, linkedLookups(object, live).map((f) => f.id), targets.map((t) => t.id), targets.map((t) => t.objectId)];
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
