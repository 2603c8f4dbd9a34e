import type { FieldTypeDefinition } from '../field-type.ts';
import { notA, orderedOperators, parsed, withNull } from '../shared.ts';

const datePattern = /^\d{4}-\d{2}-\d{2}$/;

/** A calendar date, 'YYYY-MM-DD'; its index slot holds midnight UTC of that day. */
export const date: FieldTypeDefinition = {
  type: 'date',
  options: ['defaultValue'],
  valueSchema: (_field, nullable) => ({ type: withNull('string', nullable), format: 'date' }),
  messages: { type: 'must be a date (YYYY-MM-DD)' },
  stored: 'date',
  slot: { kind: 'date', candidates: ['d1', 'd2'] },
  filterOperators: orderedOperators,
  parseFilterValue: (_field, _op, raw) =>
    typeof raw === 'string' && datePattern.test(raw) && !Number.isNaN(Date.parse(raw)) ? parsed(raw) : notA('a date (YYYY-MM-DD)'),
  sortable: true,
  canNameRecords: false,
  writable: true,
  filledOnCreate: false,
  widget: 'date',
};
