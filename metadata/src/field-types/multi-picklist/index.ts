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
    return {
      type: withNull('array', nullable),
      items: active.length ? { type: 'string', enum: active } : { not: {} },
      uniqueItems: true,
    };
  },
  messages: { type: 'must be a list of values' },
  toStored: (field, value) =>
    Array.isArray(value)
      ? value.flatMap((item) => {
          const id = field.values?.find((v) => v.apiName === item)?.id;
          return id === undefined ? [] : [id];
        })
      : null,
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
  writable: true,
  filledOnCreate: false,
  widget: 'multiSelect',
};
