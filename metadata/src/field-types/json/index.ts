import type { FieldTypeDefinition } from '../field-type.ts';
import { parseText } from '../text/index.ts';

/** Any JSON value, stored as sent; filters can only ask whether it is empty. */
export const json: FieldTypeDefinition = {
  type: 'json',
  options: ['defaultValue'],
  valueSchema: () => ({}),
  messages: { type: 'must be a string' },
  stored: 'json',
  slot: null,
  filterOperators: ['isNull'],
  parseFilterValue: parseText,
  sortable: false,
  canNameRecords: false,
  searchable: false,
  writable: true,
  filledOnCreate: false,
  widget: 'json',
};
