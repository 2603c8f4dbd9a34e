import type { FieldTypeDefinition } from '../field-type.ts';
import { stringOperators, withNull } from '../shared.ts';
import { parseText } from '../text/index.ts';

/** A text the platform assigns on create from `autonumber.pattern` (e.g. CUS-{0000}); never written by callers. */
export const autonumber: FieldTypeDefinition = {
  type: 'autonumber',
  options: ['autonumber', 'unique'],
  valueSchema: (_field, nullable) => ({ type: withNull('string', nullable) }),
  messages: { type: 'must be a string' },
  stored: 'ciText',
  slot: { kind: 'text', candidates: ['t3'], onlyNameOrUnique: true },
  filterOperators: stringOperators,
  parseFilterValue: parseText,
  sortable: true,
  canNameRecords: true,
  searchable: true,
  textLimits: { defaultMax: 40, ceiling: 40 },
  writable: false,
  filledOnCreate: false,
  widget: 'autonumber',
};
