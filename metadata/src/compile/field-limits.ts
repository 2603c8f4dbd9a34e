import type { FieldDef, FieldType } from '../schemas/field-def.ts';

/** Length limits per text-like type: the default when a field sets none, and the ceiling. */
export const textLimits: Partial<Record<FieldType, { defaultMax: number; ceiling: number }>> = {
  text: { defaultMax: 255, ceiling: 1000 },
  longText: { defaultMax: 32768, ceiling: 131072 },
  email: { defaultMax: 254, ceiling: 254 },
  phone: { defaultMax: 40, ceiling: 40 },
  url: { defaultMax: 2048, ceiling: 2048 },
  autonumber: { defaultMax: 40, ceiling: 40 },
};

export function effectiveMaxLength(field: FieldDef): number | undefined {
  return field.maxLength ?? textLimits[field.type]?.defaultMax;
}

export const numericTypes: readonly FieldType[] = ['number', 'currency', 'percent'];
export const textTypes: readonly FieldType[] = ['text', 'longText', 'email', 'phone', 'url'];
