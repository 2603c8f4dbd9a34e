import type { FieldTypeDefinition } from '../field-type.ts';
import { emptyIsNone, equalityOperators, parseId, storedId, withNull } from '../shared.ts';

/** A reference to a record of `lookup.objectId`, stored as its id. */
export const lookup: FieldTypeDefinition = {
  type: 'lookup',
  options: ['lookup'],
  valueSchema(_field, nullable, mode) {
    if (mode === 'read') {
      // An expanded lookup is `{ id, name, … }`.
      return {
        anyOf: [
          { type: 'string', format: 'uuid' },
          { type: 'object', properties: { id: { type: 'string', format: 'uuid' } }, required: ['id'] },
          ...(nullable ? [{ type: 'null' }] : []),
        ],
      };
    }
    return emptyIsNone({ type: withNull('string', nullable) }, { format: 'uuid' }, nullable, mode);
  },
  messages: { type: 'must be a record id', format: 'must be a record id' },
  toStored: storedId,
  stored: 'text',
  slot: { kind: 'text', candidates: ['t2', 't4'] },
  filterOperators: equalityOperators,
  parseFilterValue: (_field, _op, raw) => parseId(raw),
  sortable: true,
  canNameRecords: false,
  searchable: false,
  writable: true,
  filledOnCreate: false,
  widget: 'lookup',
};
