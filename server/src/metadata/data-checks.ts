import type { FieldDef, Snapshot } from '@protean/metadata';
import type { Queryable } from '../db/database.ts';
import type { FieldProblem } from '../errors/problems.ts';
import { toStoredValue } from '../data/record-codec.ts';
import { literal } from '../data/sql/field-sql.ts';

/** A question only the data can answer, raised by the planner for a field whose definition tightened. */
export interface DataCheckLike {
  kind: string;
  objectId: string;
  fieldId: string;
  backfill?: unknown;
}

const NUMERIC = '^-?[0-9]+(\\.[0-9]+)?$';
const DATE = '^[0-9]{4}-[0-9]{2}-[0-9]{2}$';

/**
 * Counts the records each check would break. A check with a backfill value writes it into
 * the offending records instead (inside the change's transaction); without one the change
 * is refused with the count, so no saved value is silently lost.
 */
export async function runDataChecks(tx: Queryable, tenantId: string, _current: Snapshot, next: Snapshot, checks: readonly DataCheckLike[]): Promise<FieldProblem[]> {
  const problems: FieldProblem[] = [];
  for (const check of checks) {
    const object = next.objects.find((o) => o.id === check.objectId);
    const field = object?.fields.find((f) => f.id === check.fieldId);
    if (!object || !field) continue;
    const offending = offendingSql(check.kind, field);
    if (!offending) continue;
    const scope = `tenant_id = $1 and object_id = $2 and deleted_at is null`;
    if (check.backfill !== undefined && check.kind !== 'unique') {
      const stored = toStoredValue(field, check.backfill);
      await tx.query(`update record set data = jsonb_set(data, array[$3::text], $4::jsonb), version = version + 1, updated_at = now() where ${scope} and (${offending})`, [
        tenantId,
        object.id,
        field.id,
        JSON.stringify(stored),
      ]);
    } else {
      const rows = await tx.query<{ n: number }>(`select count(*)::int as n from record where ${scope} and (${offending})`, [tenantId, object.id]);
      const count = rows[0]?.n ?? 0;
      if (count > 0) {
        problems.push({
          field: `${object.apiName}.${field.apiName}`,
          code: `data.${check.kind}`,
          message: `${count} record${count === 1 ? '' : 's'} ${describe(check.kind, field)}; give a backfill value or fix them first`,
          count,
        });
        continue;
      }
    }
    if (check.kind === 'unique') await claimExistingUniqueValues(tx, tenantId, object.id, field);
  }
  return problems;
}

function offendingSql(kind: string, field: FieldDef): string | null {
  const id = literal(field.id);
  const text = `(data->>${id})`;
  switch (kind) {
    case 'required':
      return `data->${id} is null or ${text} = ''`;
    case 'maxLength':
      return field.maxLength === undefined ? null : `length(${text}) > ${Number(field.maxLength)}`;
    case 'minLength':
      return field.minLength === undefined ? null : `length(${text}) < ${Number(field.minLength)}`;
    case 'min':
      return field.min === undefined ? null : `jsonb_typeof(data->${id}) = 'number' and (${text})::numeric < ${Number(field.min)}`;
    case 'max':
      return field.max === undefined ? null : `jsonb_typeof(data->${id}) = 'number' and (${text})::numeric > ${Number(field.max)}`;
    case 'unique':
      return `${text} is not null and lower(${text}) in (select lower(d.data->>${id}) from record d where d.tenant_id = record.tenant_id and d.object_id = record.object_id and d.deleted_at is null group by lower(d.data->>${id}) having count(*) > 1)`;
    case 'picklistValue': {
      const ids = (field.values ?? []).map((v) => literal(v.id)).join(', ') || `''`;
      return field.type === 'multiPicklist'
        ? `data->${id} is not null and exists (select 1 from jsonb_array_elements_text(data->${id}) v where v not in (${ids}))`
        : `data->${id} is not null and ${text} not in (${ids})`;
    }
    case 'type':
      switch (field.type) {
        case 'number':
        case 'currency':
        case 'percent':
          return `data->${id} is not null and jsonb_typeof(data->${id}) <> 'number' and ${text} !~ '${NUMERIC}'`;
        case 'date':
          return `data->${id} is not null and ${text} !~ '${DATE}'`;
        case 'boolean':
          return `data->${id} is not null and jsonb_typeof(data->${id}) <> 'boolean'`;
        default:
          return `data->${id} is not null and jsonb_typeof(data->${id}) not in ('string')`;
      }
    default:
      return null;
  }
}

function describe(kind: string, field: FieldDef): string {
  switch (kind) {
    case 'required':
      return `have no value for ${field.labels.en}`;
    case 'unique':
      return `share a value of ${field.labels.en} with another record`;
    case 'type':
      return `hold values that are not a valid ${field.type}`;
    case 'picklistValue':
      return `use a value of ${field.labels.en} that no longer exists`;
    default:
      return `hold values of ${field.labels.en} outside its new ${kind}`;
  }
}

/** A field made unique starts enforcing from the values already stored. */
async function claimExistingUniqueValues(tx: Queryable, tenantId: string, objectId: string, field: FieldDef): Promise<void> {
  const id = literal(field.id);
  await tx.query(
    `insert into record_unique (tenant_id, object_id, field_id, value_key, record_id)
     select tenant_id, object_id, $3, lower(trim(data->>${id})), id from record
      where tenant_id = $1 and object_id = $2 and deleted_at is null and data->>${id} is not null and data->>${id} <> ''
     on conflict do nothing`,
    [tenantId, objectId, field.id],
  );
}
