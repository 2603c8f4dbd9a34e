import { FIELD_TYPES, fieldType } from '../field-types/registry.ts';
import type { FieldDef, FieldType } from '../schemas/field-def.ts';

/** Length limits per text-like type (from the registry): the default when a field sets none, and the ceiling. */
export const textLimits: Partial<Record<FieldType, { defaultMax: number; ceiling: number }>> = Object.fromEntries(
  FIELD_TYPES.flatMap((t) => (t.textLimits ? [[t.type, t.textLimits]] : [])),
);

export function effectiveMaxLength(field: FieldDef): number | undefined {
  return field.maxLength ?? fieldType(field.type).textLimits?.defaultMax;
}

export const numericTypes: readonly FieldType[] = ['number', 'currency', 'percent'];
export const textTypes: readonly FieldType[] = ['text', 'longText', 'email', 'phone', 'url'];
