import { metadataLimits } from '../../schemas/limits.ts';
import type { FieldTypeDefinition } from '../field-type.ts';
import { activeValueNames, parseValueName } from '../picklist/index.ts';
import { withNull } from '../shared.ts';

/**
 * Several values of a list: API string[] of value api names, stored string[] of value ids. In a
 * filter, contains = has the value, in = has any of them, nin = has none.
 */
export const multiPicklist: FieldTypeDefinition = {
  type: 'multiPicklist',
  options: ['values', 'defaultValue'],
  valueSchema(field, nullable) {
    const active = activeValueNames(field);
    const max = metadataLimits.multiPicklistSelections;
    // Past the limit only the count is reported: with allErrors the items would still be checked.
    return {
      type: withNull('array', nullable),
      if: { maxItems: max },
      then: { items: active.length ? { type: 'string', enum: active } : { not: {} }, uniqueItems: true },
      else: { maxItems: max },
    };
  },
  messages: { type: 'must be a list of values' },
  toStored: (field, value) => {
    if (!Array.isArray(value)) return null;
    const ids = new Map((field.values ?? []).map((v) => [v.apiName, v.id]));
    return value.flatMap((item: unknown) => {
      const id = typeof item === 'string' ? ids.get(item) : undefined;
      return id === undefined ? [] : [id];
    });
  },
  // Value ids that no longer exist are dropped.
  fromStored: (field, value) =>
    Array.isArray(value)
      ? value.flatMap((item) => {
          const apiName = field.values?.find((v) => v.id === item)?.apiName;
          return apiName === undefined ? [] : [apiName];
        })
      : null,
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
