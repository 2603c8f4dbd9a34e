import type { FieldDef } from '../schemas/field-def.ts';
import type { ObjectDef } from '../schemas/object-def.ts';

/*
 * Value formats. The API speaks api names, storage speaks ids, so renaming a picklist value's
 * api name never touches data:
 *   picklist        API: value apiName        stored: value id
 *   multiPicklist   API: string[] of apiNames stored: string[] of value ids
 *   datetime        API: ISO 8601 with zone   stored: ISO 8601 UTC (`toISOString()`)
 *   date 'YYYY-MM-DD'; number/currency/percent JSON numbers (percent 12.5 = 12.5 %);
 *   lookup/owner uuid strings; everything else as sent.
 */

/** API value → stored value. Call after validation; an unknown picklist value maps to null. */
export function toStoredValue(field: FieldDef, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  switch (field.type) {
    case 'picklist':
      return field.values?.find((v) => v.apiName === value)?.id ?? null;
    case 'multiPicklist':
      return Array.isArray(value)
        ? value.flatMap((item) => {
            const id = field.values?.find((v) => v.apiName === item)?.id;
            return id === undefined ? [] : [id];
          })
        : null;
    case 'datetime':
      return typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? new Date(value).toISOString() : value;
    default:
      return value;
  }
}

/** Stored value → API value. A picklist value id that no longer exists reads as null / is dropped. */
export function fromStoredValue(field: FieldDef, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  switch (field.type) {
    case 'picklist':
      return field.values?.find((v) => v.id === value)?.apiName ?? null;
    case 'multiPicklist':
      return Array.isArray(value)
        ? value.flatMap((item) => {
            const apiName = field.values?.find((v) => v.id === item)?.apiName;
            return apiName === undefined ? [] : [apiName];
          })
        : null;
    default:
      return value;
  }
}

/** A validated record body keyed by api name → the `data` column keyed by field id. */
export function recordInputToData(object: ObjectDef, input: Record<string, unknown>): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const field of object.fields) {
    if (field.deletedAt !== undefined || !(field.apiName in input)) continue;
    data[field.id] = toStoredValue(field, input[field.apiName]);
  }
  return data;
}

/** The `data` column → API shape keyed by api name; deleted fields' data stays hidden. */
export function recordDataToApi(object: ObjectDef, data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of object.fields) {
    if (field.deletedAt !== undefined || !(field.id in data)) continue;
    out[field.apiName] = fromStoredValue(field, data[field.id]);
  }
  return out;
}
