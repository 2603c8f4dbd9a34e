import type { FieldDef } from '../../schemas/field-def.ts';
import { metadataLimits } from '../../schemas/limits.ts';
import type { FieldTypeDefinition } from '../field-type.ts';
import { parseValueName, valueNamesFor } from '../picklist/index.ts';
import { withNull } from '../shared.ts';

// Value api name → id and back, per field definition (definitions are immutable per revision).
const idsByName = new WeakMap<FieldDef, Map<string, string>>();
const namesById = new WeakMap<FieldDef, Map<string, string>>();
function lookup(cache: WeakMap<FieldDef, Map<string, string>>, field: FieldDef, byId: boolean): Map<string, string> {
  let map = cache.get(field);
  if (!map) cache.set(field, (map = new Map((field.values ?? []).map((v) => (byId ? [v.id, v.apiName] : [v.apiName, v.id])))));
  return map;
}
const mapItems = (value: unknown[], map: Map<string, string>) =>
  value.flatMap((item) => {
    const mapped = typeof item === 'string' ? map.get(item) : undefined;
    return mapped === undefined ? [] : [mapped];
  });
const orNone = (items: string[]) => (items.length > 0 ? items : null);

/**
 * Several values of a list: API string[] of value api names, stored string[] of value ids. In a
 * filter, contains = has the value, in = has any of them, nin = has none.
 */
export const multiPicklist: FieldTypeDefinition = {
  type: 'multiPicklist',
  options: ['values', 'defaultValue'],
  valueSchema(field, nullable, mode) {
    const names = valueNamesFor(field, mode);
    const max = metadataLimits.multiPicklistSelections;
    // Past the limit only the count is reported: with allErrors the items would still be checked.
    return {
      type: withNull('array', nullable),
      if: { maxItems: max },
      then: { items: names.length ? { type: 'string', enum: names } : { not: {} }, uniqueItems: true },
      else: { maxItems: max },
    };
  },
  messages: { type: 'must be a list of values' },
  // An empty selection is no value (to a required field and isNull): stored as none, it reads as a field never set.
  toStored: (field, value) => orNone(Array.isArray(value) ? mapItems(value, lookup(idsByName, field, false)) : []),
  // Value ids that no longer exist are dropped; a list left with none reads as no value.
  fromStored: (field, value) => orNone(Array.isArray(value) ? mapItems(value, lookup(namesById, field, true)) : []),
  stored: 'json',
  slot: null,
  filterOperators: ['contains', 'in', 'nin', 'isNull'],
  parseFilterValue: (field, _op, raw) => parseValueName(field, raw),
  sortable: false,
  canNameRecords: false,
  searchable: false,
  writable: true,
  filledOnCreate: false,
  widget: 'multiSelect',
};
