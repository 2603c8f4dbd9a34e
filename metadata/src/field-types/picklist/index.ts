import type { RecordSchemaMode } from '../../compile/compile-record-schema.ts';
import type { FieldDef } from '../../schemas/field-def.ts';
import type { FieldTypeDefinition, ParsedFilterValue } from '../field-type.ts';
import { equalityOperators, notA, parsed, withNull } from '../shared.ts';

/** The api names a write may use: inactive values still read, but are refused in writes. */
export const activeValueNames = (field: FieldDef) => (field.values ?? []).filter((v) => v.active).map((v) => v.apiName);

/** The api names a value may have in `mode`: a record read may hold a value made inactive after it was saved. */
export const valueNamesFor = (field: FieldDef, mode: RecordSchemaMode) => (mode === 'read' ? (field.values ?? []).map((v) => v.apiName) : activeValueNames(field));

/** A value api name in a filter → its id. Inactive values still match stored records, so filters accept them. */
export function parseValueName(field: FieldDef, raw: unknown): ParsedFilterValue {
  if (typeof raw !== 'string') return notA('a value name');
  const value = field.values?.find((v) => v.apiName === raw);
  return value ? parsed(value.id) : { ok: false, notAValue: raw };
}

/** One value of a list. The API speaks value api names, storage value ids, so renaming a value never touches data. */
export const picklist: FieldTypeDefinition = {
  type: 'picklist',
  options: ['values', 'defaultValue'],
  valueSchema(field, nullable, mode) {
    const names = valueNamesFor(field, mode);
    // An optional picklist in a write takes '' as no value, as the text types do (emptyIsNone).
    const none = !nullable ? [] : mode === 'read' ? [null] : ['', null];
    if (names.length === 0) return !nullable ? { type: 'string', not: {} } : mode === 'read' ? { type: 'null' } : { type: ['string', 'null'], enum: none };
    return { type: withNull('string', nullable), enum: [...names, ...none] };
  },
  messages: { type: 'must be a string' },
  // An unknown value name maps to null (validation refuses it first), and so does '' (no value).
  toStored: (field, value) => field.values?.find((v) => v.apiName === value)?.id ?? null,
  // A value id that no longer exists reads as null.
  fromStored: (field, value) => field.values?.find((v) => v.id === value)?.apiName ?? null,
  stored: 'text',
  slot: { kind: 'text', candidates: ['t1', 't4'] },
  filterOperators: equalityOperators,
  parseFilterValue: (field, _op, raw) => parseValueName(field, raw),
  sortable: true,
  canNameRecords: false,
  searchable: false,
  writable: true,
  filledOnCreate: false,
  widget: 'select',
};
