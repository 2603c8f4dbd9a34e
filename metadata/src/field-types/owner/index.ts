import type { FieldTypeDefinition } from '../field-type.ts';
import { emptyIsNone, equalityOperators, parseId, storedId, withNull } from '../shared.ts';

/** A user id; a create that leaves it out gets the acting user. */
export const owner: FieldTypeDefinition = {
  type: 'owner',
  options: [],
  valueSchema: (_field, nullable, mode) => emptyIsNone({ type: withNull('string', nullable) }, { format: 'uuid' }, nullable, mode),
  messages: { type: 'must be a user id', format: 'must be a user id' },
  toStored: storedId,
  stored: 'text',
  slot: { kind: 'text', candidates: ['t4'] },
  filterOperators: equalityOperators,
  parseFilterValue: (_field, _op, raw) => parseId(raw),
  sortable: true,
  canNameRecords: false,
  searchable: false,
  writable: true,
  filledOnCreate: true,
  widget: 'owner',
};
