import { effectiveMaxLength, numericTypes, textTypes } from '../compile/field-limits.ts';
import { fieldType } from '../field-types/registry.ts';
import type { FieldDef, FieldType } from '../schemas/field-def.ts';

interface CheckBase {
  objectId: string;
  fieldId: string;
  /** The operation that raised the check, e.g. /operations/3. */
  path: string;
  /** API-form value written into every offending record instead of refusing (not for unique). */
  backfill?: unknown;
}

/**
 * A question only the database can answer: how many live records would break under the new
 * field definition. The parameters are on the check itself (an effective maxLength may be a
 * type default that the field does not spell out).
 */
export type DataCheck = CheckBase &
  (
    | { kind: 'required' }
    | { kind: 'unique' }
    | { kind: 'maxLength'; maxLength: number }
    | { kind: 'minLength'; minLength: number }
    | { kind: 'min'; min: number }
    | { kind: 'max'; max: number }
    | { kind: 'precision'; precision: number; scale: number }
    | { kind: 'type'; from: FieldType; to: FieldType }
    | { kind: 'picklistValue'; valueIds: string[] }
    /**
     * A lookup field coming back by a restore: while it was deleted no cascade ran for it, so
     * values may point at records deleted or purged since. Answered by clearing them.
     */
    | { kind: 'lookupTargets' }
  );

export type TypeConversion = 'widening' | 'narrowing';

/**
 * Type changes that keep stored values meaningful. Widenings need no data check; narrowings
 * raise a `type` check (values must fit the new format). Every other change is refused.
 */
export function typeConversion(from: FieldType, to: FieldType): TypeConversion | undefined {
  if (from === to) return 'widening';
  if (textTypes.includes(from) && (to === 'text' || to === 'longText')) return 'widening';
  if ((from === 'text' || from === 'longText') && (to === 'email' || to === 'phone' || to === 'url')) return 'narrowing';
  if (numericTypes.includes(from) && numericTypes.includes(to)) return 'widening';
  return undefined;
}

/** The checks raised when `after` replaces `before` (before undefined: the field is new or restored). */
export function fieldDataChecks(
  objectId: string,
  before: FieldDef | undefined,
  after: FieldDef,
  path: string,
  backfill?: unknown,
): DataCheck[] {
  const base: CheckBase = { objectId, fieldId: after.id, path };
  const fill = backfill === undefined ? {} : { backfill };
  const checks: DataCheck[] = [];
  const fixable = (check: DataCheck) => checks.push({ ...check, ...fill });

  // A value the platform assigns (autonumber) needs no backfill.
  const needsValue = after.required === true && fieldType(after.type).writable;
  if (needsValue && (before === undefined || before.required !== true)) {
    fixable({ ...base, kind: 'required', ...(before === undefined && after.defaultValue !== undefined && backfill === undefined ? { backfill: after.defaultValue } : {}) });
  }
  if (after.unique === true && (before === undefined || before.unique !== true)) checks.push({ ...base, kind: 'unique' });
  if (before === undefined) return checks;

  if (before.type !== after.type && typeConversion(before.type, after.type) === 'narrowing') {
    fixable({ ...base, kind: 'type', from: before.type, to: after.type });
  }
  const oldMax = effectiveMaxLength(before);
  const newMax = effectiveMaxLength(after);
  if (newMax !== undefined && (oldMax === undefined || newMax < oldMax)) fixable({ ...base, kind: 'maxLength', maxLength: newMax });
  if (after.minLength !== undefined && after.minLength > (before.minLength ?? 0)) fixable({ ...base, kind: 'minLength', minLength: after.minLength });
  if (after.min !== undefined && (before.min === undefined || after.min > before.min)) fixable({ ...base, kind: 'min', min: after.min });
  if (after.max !== undefined && (before.max === undefined || after.max < before.max)) fixable({ ...base, kind: 'max', max: after.max });

  if (after.precision !== undefined || after.scale !== undefined) {
    const digits = (f: FieldDef) => (f.precision === undefined ? Infinity : f.precision - (f.scale ?? 0));
    const decimals = (f: FieldDef) => f.scale ?? Infinity;
    if (digits(after) < digits(before) || decimals(after) < decimals(before)) {
      fixable({ ...base, kind: 'precision', precision: after.precision ?? 18, scale: after.scale ?? 0 });
    }
  }

  const kept = new Set((after.values ?? []).map((v) => v.id));
  const removed = (before.values ?? []).map((v) => v.id).filter((id) => !kept.has(id));
  if (removed.length) fixable({ ...base, kind: 'picklistValue', valueIds: removed });
  return checks;
}
