import { slotOf, type FieldDef, type ObjectDef } from '@protean/metadata';
import { SLOT_COLUMNS, SLOT_TYPES, slotRow } from './field-sql.ts';

/**
 * One statement writes new records, their lookup links and their outbox events: one round trip
 * and one JSON document to parse, however large the batch. Parameters: $1 the records as JSON,
 * $2 tenant, $3 object, $4 acting user, $5 ids of the lookups kept in record_link.
 */
export const INSERT_RECORDS_SQL = `with input as materialized (
   select * from rows from (jsonb_to_recordset($1::jsonb) as (i uuid, d jsonb, ${SLOT_COLUMNS.map((c) => `${c} ${SLOT_TYPES[c]}`).join(', ')}))
     with ordinality as x(i, d, ${SLOT_COLUMNS.join(', ')}, n)
 ), created as (
   insert into record (tenant_id, id, object_id, data, created_by, updated_by, ${SLOT_COLUMNS.join(', ')})
   select $2, i, $3, d, $4, $4, ${SLOT_COLUMNS.join(', ')} from input order by n
   returning id, version, created_at, updated_at
 ), links as (
   insert into record_link (tenant_id, target_id, field_id, source_id)
   select $2, (input.d->>f.id)::uuid, f.id, input.i from input cross join unnest($5::text[]) as f(id) where input.d ? f.id
 ), events as (
   insert into outbox (tenant_id, object_id, record_id, event, payload, actor_id)
   select $2, $3, i, 'created', jsonb_build_object('data', d), $4 from input order by n
 )
 select * from created`;

/** Lookups kept in record_link: those without an index slot (a slotted lookup is found through its slot). */
export const linkedLookups = (object: ObjectDef, fields: readonly FieldDef[]) => fields.filter((f) => f.type === 'lookup' && !slotOf(object, f.id));

export function insertRecordsParams(tenantId: string, object: ObjectDef, userId: string, records: readonly { id: string; data: Record<string, unknown> }[]): unknown[] {
  const input = JSON.stringify(
    records.map((p) => {
      const row: Record<string, unknown> = { i: p.id, d: p.data };
      slotRow(object, p.data).forEach((value, k) => (row[SLOT_COLUMNS[k]!] = value));
      return row;
    }),
  );
  return [input, tenantId, object.id, userId, linkedLookups(object, object.fields.filter((f) => !f.deletedAt)).map((f) => f.id)];
}
