import { datePatternInRange, isCalendarDate } from '../calendar.ts';
import type { FieldTypeDefinition } from '../field-type.ts';
import { emptyIsNone, noneIfEmpty, notA, orderedOperators, parsed, withNull } from '../shared.ts';

/** A calendar date, 'YYYY-MM-DD'; its index slot holds midnight UTC of that day. */
export const date: FieldTypeDefinition = {
  type: 'date',
  options: ['defaultValue'],
  valueSchema: (_field, nullable, mode) => emptyIsNone({ type: withNull('string', nullable) }, { format: 'date', pattern: datePatternInRange }, nullable, mode),
  messages: { type: 'must be a date (YYYY-MM-DD)', pattern: 'must be a date in the years 0001 to 9999' },
  toStored: noneIfEmpty,
  stored: 'date',
  slot: { kind: 'date', candidates: ['d1', 'd2'] },
  filterOperators: orderedOperators,
  parseFilterValue: (_field, _op, raw) =>
    typeof raw === 'string' && isCalendarDate(raw) ? parsed(raw) : notA('a date (YYYY-MM-DD, a day that exists, years 0001–9999)'),
  sortable: true,
  canNameRecords: false,
  searchable: false,
  writable: true,
  filledOnCreate: false,
  widget: 'date',
};
