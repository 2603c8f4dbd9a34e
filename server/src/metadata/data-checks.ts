import { fieldType, writeSlotOf, writeSlots, type DataCheck, type FieldDef, type IndexSlot, type ObjectDef, type ObjectRecordsAction, type Snapshot } from '@protean/metadata';
import type { Queryable } from '../db/database.ts';
import type { FieldProblem } from '../errors/problems.ts';
import { toStoredValue } from '../data/record-codec.ts';
import { literal, SLOT_TYPES, slotValue } from '../data/sql/field-sql.ts';
import { searchedFieldIds } from '../data/sql/search-text.ts';
import { writeModelEvent } from '../events/model-events.ts';

const NUMERIC = '^-?[0-9]+(\\.[0-9]+)?$';
const EMAIL = '^[^@[:space:]]+@[^@[:space:]]+\\.[^@[:space:]]+$';
const URL = '^https?://[^[:space:]]+$';
const PHONE = '^[+0-9 ().-]{3,}$';

/**
 * Answers the planner's data checks: counts the live records each tightened definition would
 * break. A check with a backfill writes the value into those records instead, and into those in
 * the recycle bin (in the change's transaction); without one the change is refused with the
 * count, so nothing saved is lost.
 * Each backfilled record gets its `updated` event, as any other change of its values would.
 */
export async function runDataChecks(tx: Queryable, tenantId: string, next: Snapshot, checks: readonly DataCheck[], actorId: string | null = null): Promise<FieldProblem[]> {
  const problems: FieldProblem[] = [];
  for (const check of checks) {
    const object = next.objects.find((o) => o.id === check.objectId);
    const field = object?.fields.find((f) => f.id === check.fieldId);
    if (!object || !field) continue;
    const offending = offendingSql(check, field);
    // A restored lookup's values that point at no live record are cleared, as a backfill of no value.
    if (check.kind === 'lookupTargets') {
      await writeValue(tx, tenantId, object, field, offending, null, 'restore', actorId);
      continue;
    }
    const scope = 'tenant_id = $1 and object_id = $2 and deleted_at is null';
    if (check.backfill !== undefined && check.kind !== 'unique') {
      // A backfill stored as no value (an empty text) takes the field out of the records, as a write would.
      await writeValue(tx, tenantId, object, field, offending, toStoredValue(field, check.backfill) ?? null, 'backfill', actorId);
      continue;
    }
    const rows = await tx.query<{ n: number }>(`select count(*)::int as n from record where ${scope} and (${offending})`, [tenantId, object.id]);
    const count = rows[0]?.n ?? 0;
    if (count > 0) {
      problems.push({
        field: `${object.apiName}.${field.apiName}`,
        code: `data.${check.kind}`,
        message: `${count} record${count === 1 ? '' : 's'} ${describe(check, field, count)}${check.kind === 'unique' ? '' : '; give a backfill value or fix them first'}`,
        path: check.path,
        count,
      });
    } else if (check.kind === 'unique') {
      await claimExistingUniqueValues(tx, tenantId, object.id, field);
    }
  }
  return problems;
}

function offendingSql(check: DataCheck, field: FieldDef): string {
  const id = literal(field.id);
  const text = `(data->>${id})`;
  const isNumber = `jsonb_typeof(data->${id}) = 'number'`;
  const present = `data->${id} is not null`;
  switch (check.kind) {
    case 'required':
      return `data->${id} is null or ${text} = '' or data->${id} = '[]'::jsonb`;
    case 'maxLength':
      return `length(${text}) > ${Number(check.maxLength)}`;
    case 'minLength':
      return `length(${text}) < ${Number(check.minLength)}`;
    case 'min':
      return `${isNumber} and (${text})::numeric < ${Number(check.min)}`;
    case 'max':
      return `${isNumber} and (${text})::numeric > ${Number(check.max)}`;
    case 'precision': {
      const n = `(${text})::numeric`;
      return `${isNumber} and (round(${n}, ${Number(check.scale)}) <> ${n} or abs(${n}) >= 10 ^ ${Number(check.precision) - Number(check.scale)})`;
    }
    case 'unique':
      // The same key the claims use (migration 15), so a check and a claim never disagree.
      return `unique_value_key(data->${id}) is not null and unique_value_key(data->${id}) in (select unique_value_key(d.data->${id}) from record d where d.tenant_id = record.tenant_id and d.object_id = record.object_id and d.deleted_at is null group by 1 having count(*) > 1)`;
    case 'picklistValue': {
      const ids = check.valueIds.map(literal).join(', ') || `''`;
      // A multi-picklist stores a JSON array of value ids, a picklist one id.
      return fieldType(field.type).stored === 'json'
        ? `${present} and exists (select 1 from jsonb_array_elements_text(data->${id}) v where v in (${ids}))`
        : `${present} and ${text} in (${ids})`;
    }
    case 'lookupTargets': {
      // Compared as uuids, so the target is found by its key; a value that is no uuid points at nothing.
      // Qualified: inside the subquery a bare `data` would be the target record's.
      const value = `(record.data->>${id})`;
      const target = `case when ${value} ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then ${value}::uuid end`;
      return `${present} and not exists (select 1 from record t where t.tenant_id = record.tenant_id and t.id = ${target} and t.deleted_at is null)`;
    }
    case 'type':
      switch (check.to) {
        case 'number':
        case 'currency':
        case 'percent':
          return `${present} and not ${isNumber} and ${text} !~ '${NUMERIC}'`;
        case 'email':
          return `${present} and ${text} !~ '${EMAIL}'`;
        case 'url':
          return `${present} and ${text} !~* '${URL}'`;
        case 'phone':
          return `${present} and ${text} !~ '${PHONE}'`;
        default:
          return `${present} and jsonb_typeof(data->${id}) <> 'string'`;
      }
  }
}

/** What the counted records do, its verb agreeing with the count ('1 record has', '2 records have'). */
function describe(check: DataCheck, field: FieldDef, count: number): string {
  const label = field.labels.en;
  const verb = (plural: string, singular: string) => (count === 1 ? singular : plural);
  switch (check.kind) {
    case 'required':
      return `${verb('have', 'has')} no value for ${label}`;
    case 'unique':
      return `${verb('share', 'shares')} a value of ${label} with another record; make the values distinct first`;
    case 'type':
      return `${verb('hold values', 'holds a value')} of ${label} that ${verb('are', 'is')} not a valid ${check.to}`;
    case 'picklistValue':
      return `${verb('use', 'uses')} a value of ${label} that would no longer exist`;
    default:
      return `${verb('hold values', 'holds a value')} of ${label} outside its new ${check.kind}`;
  }
}

/**
 * Writes `stored` (null: takes the field out) into every record of the object that `offending`
 * picks, in the change's transaction, records in the recycle bin too: restored, they meet the
 * model as it is now (a restore validates them). The slot column (ready or pending) gets the value
 * a write would store, so filters see it at once; a lookup's links of those records go with the
 * old value; each record gets an `updated` event naming the cause.
 */
async function writeValue(tx: Queryable, tenantId: string, object: ObjectDef, field: FieldDef, offending: string, stored: unknown, cause: 'backfill' | 'restore', actorId: string | null): Promise<void> {
  const slot = writeSlotOf(object, field.id);
  const slotUpdate = slot ? `, ix_${slot} = $7::${SLOT_TYPES[`ix_${slot}`]}` : '';
  const unlink = field.type === 'lookup' ? `unlinked as (delete from record_link where tenant_id = $1 and field_id = $3 and source_id in (select id from before)),` : '';
  await tx.query(
    `with before as materialized (select id, data->$3 as value from record where tenant_id = $1 and object_id = $2 and (${offending}) for update of record),
     ${unlink}
     changed as (
       update record set data = case when $4::jsonb = 'null'::jsonb then data - $3::text else jsonb_set(data, array[$3::text], $4::jsonb) end${slotUpdate}, search_text = null, version = version + 1, updated_at = now()
        where tenant_id = $1 and object_id = $2 and id in (select id from before)
        returning id, version)
     insert into outbox (tenant_id, object_id, record_id, event, payload, actor_id)
     select $1, $2, c.id, 'updated', jsonb_build_object('version', c.version, 'changes', jsonb_build_object($3::text, jsonb_build_object('from', b.value, 'to', $4::jsonb)), 'cause', $6::text), $5
       from changed c join before b using (id) order by c.id`,
    [tenantId, object.id, field.id, JSON.stringify(stored), actorId, cause, ...(slot ? [slotValue(slot, field, stored)] : [])],
  );
}

/** A field made unique starts enforcing from the values already stored. */
async function claimExistingUniqueValues(tx: Queryable, tenantId: string, objectId: string, field: FieldDef): Promise<void> {
  const id = literal(field.id);
  await tx.query(
    `insert into record_unique (tenant_id, object_id, field_id, value_key, record_id)
     select tenant_id, object_id, $3, unique_value_key(data->${id}), id from record
      where tenant_id = $1 and object_id = $2 and deleted_at is null and unique_value_key(data->${id}) is not null
     on conflict do nothing`,
    [tenantId, objectId, field.id],
  );
}

/**
 * What a change does to stored data besides checks: a field that stops being a live unique
 * field releases its claimed values; a purged field's values and slot are dropped for good.
 */
export async function applyDataActions(tx: Queryable, tenantId: string, current: Snapshot, next: Snapshot, actorId: string | null = null): Promise<void> {
  for (const before of current.objects) {
    const after = next.objects.find((o) => o.id === before.id);
    for (const field of before.fields) {
      const now = after?.fields.find((f) => f.id === field.id);
      const wasUnique = field.unique === true && !field.deletedAt;
      const isUnique = now?.unique === true && !now.deletedAt;
      if (wasUnique && !isUnique) {
        await tx.query('delete from record_unique where tenant_id = $1 and object_id = $2 and field_id = $3', [tenantId, before.id, field.id]);
      }
      if (after && !now) await purgeFieldData(tx, tenantId, before, field, actorId);
    }
    if (after) await clearAbandonedSlots(tx, tenantId, before, after);
    if (after && searchesMore(before, after)) await tx.query('update record set search_text = null where tenant_id = $1 and object_id = $2 and deleted_at is null', [tenantId, after.id]);
  }
}

/**
 * Whether search starts matching a field that records may already hold values of (a new name
 * field, a type search matches, a restored field). The server writes a record's search text from
 * the fields search matches, so the texts of records written before lack it: they are made again
 * (migration 88). A new field has no values yet; a default given to existing records is a write
 * of their data, whose text is made again with it.
 */
function searchesMore(before: ObjectDef, after: ObjectDef): boolean {
  const was = searchedFieldIds(before);
  return [...searchedFieldIds(after)].some((id) => !was.has(id) && before.fields.some((f) => f.id === id));
}

/**
 * A slot that stops receiving a field that still exists (a pending field deleted, a type that no
 * longer fits) is cleared, unless it now waits for another field, whose backfill rewrites every
 * row: a field given the slot later must never find stale values in it. A purge clears its own.
 */
async function clearAbandonedSlots(tx: Queryable, tenantId: string, before: ObjectDef, after: ObjectDef): Promise<void> {
  const was = writeSlots(before);
  const now = writeSlots(after);
  for (const [slot, fieldId] of Object.entries(was) as [IndexSlot, string][]) {
    if (now[slot] === fieldId || after.pendingIndexSlots?.[slot] || !after.fields.some((f) => f.id === fieldId)) continue;
    await tx.query(`update record set ix_${slot} = null where tenant_id = $1 and object_id = $2 and ix_${slot} is not null`, [tenantId, after.id]);
  }
}

/** One event per purged field with the count of records it was dropped from, not one per record: the values were already hidden since the field's deletion. */
async function purgeFieldData(tx: Queryable, tenantId: string, object: ObjectDef, field: FieldDef, actorId: string | null): Promise<void> {
  const slot = writeSlotOf(object, field.id);
  const rows = await tx.query<{ n: number }>(
    `with purged as (update record set data = data - $3${slot ? `, ix_${slot} = null` : ''}, search_text = null where tenant_id = $1 and object_id = $2 and data ? $3 returning 1) select count(*)::int as n from purged`,
    [tenantId, object.id, field.id],
  );
  if (field.type === 'lookup') await tx.query('delete from record_link where tenant_id = $1 and field_id = $2', [tenantId, field.id]);
  await writeModelEvent(tx, tenantId, { event: 'field.purged', objectId: object.id, payload: { fieldId: field.id, apiName: field.apiName, records: rows[0]?.n ?? 0 } }, actorId);
}


/**
 * What a deleted object's records become, in the change's transaction: `refuse` answers the count
 * of live records as a problem (nothing is written then), `delete` removes every record of the
 * object for good (recycle bin included) with its unique claims, links and counters, in one
 * event with the count; `keep` leaves them for a restore of an earlier revision.
 */
export async function applyObjectRecords(tx: Queryable, tenantId: string, actions: readonly ObjectRecordsAction[], actorId: string | null = null): Promise<FieldProblem[]> {
  const problems: FieldProblem[] = [];
  for (const action of actions) {
    if (action.records === 'refuse') {
      const rows = await tx.query<{ n: number }>('select count(*)::int as n from record where tenant_id = $1 and object_id = $2 and deleted_at is null', [tenantId, action.objectId]);
      const count = rows[0]?.n ?? 0;
      if (count > 0) {
        problems.push({
          field: `${action.path}/records`,
          code: 'has_records',
          message: `'${action.apiName}' has ${count} record${count === 1 ? '' : 's'}; say records "delete" to delete them with it, or "keep" to keep them until the object is restored`,
          path: `${action.path}/records`,
          count,
        });
      }
    } else if (action.records === 'delete') {
      const rows = await tx.query<{ n: number }>(
        `with gone as (delete from record where tenant_id = $1 and object_id = $2 returning id),
              links as (delete from record_link l using gone g where l.tenant_id = $1 and l.source_id = g.id)
         select count(*)::int as n from gone`,
        [tenantId, action.objectId],
      );
      await tx.query('delete from record_unique where tenant_id = $1 and object_id = $2', [tenantId, action.objectId]);
      await tx.query('delete from autonumber_counter where tenant_id = $1 and object_id = $2', [tenantId, action.objectId]);
      await writeModelEvent(tx, tenantId, { event: 'object.records_deleted', objectId: action.objectId, payload: { apiName: action.apiName, records: rows[0]?.n ?? 0 } }, actorId);
    }
  }
  return problems;
}
