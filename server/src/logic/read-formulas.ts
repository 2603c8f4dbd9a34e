import type { FieldDef, ObjectDef } from '@protean/metadata';
import type { TenantModel } from '../data/tenant-model.ts';
import { objectLogic } from './logic-hooks.ts';
import { tenantZones } from './tenant-zones.ts';

type Related = Record<string, Readonly<Record<string, unknown>> | null>;
type Read = <Row>(sql: string, params: unknown[]) => Promise<Row[]>;

/** The related records of a row (by lookup field id), set by `loadReadRelated` for the row's data. */
const relatedOfRow = new WeakMap<object, Related>();

/** Whether some formula of `object` computed on read uses a field of a related record. */
export function readsRelated(model: TenantModel, object: ObjectDef): boolean {
  return objectLogic(model, object).readRelatedLookups.length > 0;
}

/** Whether `object` has formulas computed on read: a read of its records readies them first (`prepareReadFormulas`). */
export function computesOnRead(model: TenantModel, object: ObjectDef): boolean {
  return objectLogic(model, object).readFormulas.length > 0;
}

/**
 * Readies the formulas computed on read for `rows`: the workspace's time zone (`today()`, date
 * parts), read unless this process read it lately, since a process that has written nothing for
 * the workspace yet would otherwise compute in UTC; then the related records they use.
 */
export async function prepareReadFormulas(read: Read, model: TenantModel, object: ObjectDef, rows: readonly { data: Readonly<Record<string, unknown>> }[]): Promise<void> {
  await tenantZones.of({ query: (sql, params) => read(sql, [...(params ?? [])]) }, model.tenantId);
  await loadReadRelated(read, model, object, rows);
}

/**
 * Loads, in one query for all `rows` (a page of a list, one record), the related records that
 * the object's formulas computed on read use (`organization.industry`), so that turning the rows
 * into API records computes them without a query per row. Deleted related records read as none.
 */
export async function loadReadRelated(read: Read, model: TenantModel, object: ObjectDef, rows: readonly { data: Readonly<Record<string, unknown>> }[]): Promise<void> {
  const lookups = objectLogic(model, object).readRelatedLookups;
  if (lookups.length === 0 || rows.length === 0) return;
  const ids = new Set<string>();
  for (const row of rows) for (const l of lookups) if (typeof row.data[l] === 'string') ids.add(row.data[l] as string);
  const found = new Map<string, Record<string, unknown>>();
  if (ids.size) {
    const related = await read<{ id: string; data: Record<string, unknown> }>('select id, data from record where tenant_id = $1 and id = any($2::uuid[]) and deleted_at is null', [model.tenantId, [...ids]]);
    for (const r of related) found.set(r.id, r.data);
  }
  for (const row of rows) {
    const related: Related = {};
    for (const l of lookups) related[l] = typeof row.data[l] === 'string' ? (found.get(row.data[l] as string) ?? null) : null;
    relatedOfRow.set(row.data, related);
  }
}

/**
 * Fills the formulas computed on read into an API record (their value is never stored). A
 * formula that cannot be computed for this record reads as null, as does one over a related
 * record when the related records were not loaded for this row.
 */
export function applyReadFormulas(model: TenantModel, object: ObjectDef, data: Readonly<Record<string, unknown>>, out: Record<string, unknown>, select: readonly FieldDef[] | undefined): void {
  const formulas = objectLogic(model, object).readFormulas;
  if (formulas.length === 0) return;
  const related = relatedOfRow.get(data);
  const input = { record: data, related: related ?? {}, timeZone: tenantZones.cached(model.tenantId) };
  for (const { field, expression } of formulas) {
    if (select && !select.includes(field)) continue;
    if (!related && expression.references.related.length) {
      out[field.apiName] = null;
      continue;
    }
    try {
      out[field.apiName] = expression.evaluate(input) ?? null;
    } catch {
      out[field.apiName] = null;
    }
  }
}
