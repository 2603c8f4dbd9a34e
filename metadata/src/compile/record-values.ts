import { fieldType } from '../field-types/registry.ts';
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
 * Each type's codec is in its definition under field-types/.
 */

/** API value → stored value. Call after validation; an unknown picklist value maps to null. */
export function toStoredValue(field: FieldDef, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  const codec = fieldType(field);
  return codec.toStored ? codec.toStored(field, value) : value;
}

/** Stored value → API value. A picklist value id that no longer exists reads as null / is dropped. */
export function fromStoredValue(field: FieldDef, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  const codec = fieldType(field);
  return codec.fromStored ? codec.fromStored(field, value) : value;
}

/** A validated record body keyed by api name → the `data` column keyed by field id. */
export function recordInputToData(object: ObjectDef, input: Record<string, unknown>): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const field of object.fields) {
    if (field.deletedAt !== undefined || !Object.hasOwn(input, field.apiName)) continue;
    data[field.id] = toStoredValue(field, input[field.apiName]);
  }
  return data;
}

/** The `data` column → API shape keyed by api name; deleted fields' data stays hidden. */
export function recordDataToApi(object: ObjectDef, data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of object.fields) {
    if (field.deletedAt !== undefined || !Object.hasOwn(data, field.id)) continue;
    out[field.apiName] = fromStoredValue(field, data[field.id]);
  }
  return out;
}
