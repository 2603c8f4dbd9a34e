import type { FieldTypeDefinition } from '../field-type.ts';
import { notA, parsed, withNull } from '../shared.ts';

export const boolean: FieldTypeDefinition = {
  type: 'boolean',
  options: ['defaultValue'],
  valueSchema: (_field, nullable) => ({ type: withNull('boolean', nullable) }),
  messages: { type: 'must be true or false' },
  stored: 'boolean',
  slot: null,
  filterOperators: ['eq', 'ne', 'isNull'],
  parseFilterValue: (_field, _op, raw) => (typeof raw === 'boolean' ? parsed(raw) : notA('true or false')),
  sortable: true,
  canNameRecords: false,
  searchable: false,
  writable: true,
  filledOnCreate: false,
  widget: 'checkbox',
};
