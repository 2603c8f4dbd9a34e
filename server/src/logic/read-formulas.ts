import type { FieldDef, ObjectDef } from '@protean/metadata';
import type { TenantModel } from '../data/tenant-model.ts';
import { objectLogic } from './logic-hooks.ts';
import { tenantZones } from './tenant-zones.ts';

/**
 * Fills the formulas computed on read into an API record (their value is never stored). A
 * formula that cannot be computed for this record reads as null.
 */
export function applyReadFormulas(model: TenantModel, object: ObjectDef, data: Readonly<Record<string, unknown>>, out: Record<string, unknown>, select: readonly FieldDef[] | undefined): void {
  const formulas = objectLogic(model, object).readFormulas;
  if (formulas.length === 0) return;
  const input = { record: data, timeZone: tenantZones.cached(model.tenantId) };
  for (const { field, expression } of formulas) {
    if (select && !select.includes(field)) continue;
    try {
      out[field.apiName] = expression.evaluate(input) ?? null;
    } catch {
      out[field.apiName] = null;
    }
  }
}
