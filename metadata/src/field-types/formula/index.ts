import type { FieldDef } from '../../schemas/field-def.ts';
import { boolean } from '../boolean/index.ts';
import { date } from '../date/index.ts';
import { datetime } from '../datetime/index.ts';
import type { FieldTypeDefinition } from '../field-type.ts';
import { number } from '../number/index.ts';
import { text } from '../text/index.ts';

/**
 * A value computed from an expression over the record (ADR 0013). How it is stored, filtered and
 * shown follows its result type (`fieldType(field)` answers per field); a stored formula takes an
 * index slot like a field of that type, one computed on read takes none and cannot be filtered.
 */
export const formula: FieldTypeDefinition = {
  ...text,
  type: 'formula',
  options: ['formula'],
  slot: null,
  filterOperators: [],
  sortable: false,
  canNameRecords: false,
  searchable: false,
  writable: false,
  filledOnCreate: false,
};

/** A roll-up summary: count, sum, min or max of child records, kept current on every child write. */
export const rollup: FieldTypeDefinition = {
  ...number,
  type: 'rollup',
  options: ['rollup'],
  writable: false,
  filledOnCreate: false,
};

const resultTypes = { number, text, boolean, date, datetime } as const;
const perField = new WeakMap<FieldDef, FieldTypeDefinition>();

/** The definition a formula or roll-up field behaves as, from its result type and storage. */
export function computedFieldType(field: FieldDef, rollupResult: 'number' | 'date' | 'datetime' = 'number'): FieldTypeDefinition {
  let def = perField.get(field);
  if (def) return def;
  if (field.type === 'rollup') {
    const base = resultTypes[rollupResult];
    def = { ...base, type: 'rollup', options: rollup.options, writable: false, filledOnCreate: false };
  } else {
    const base = resultTypes[field.formula?.resultType ?? 'text'];
    const stored = field.formula?.stored === true;
    def = {
      ...base,
      type: 'formula',
      options: formula.options,
      // A stored text formula may take a text slot like a lookup's spare one; the name slot stays the name's.
      slot: stored ? (base.slot && base === text ? { kind: 'text', candidates: ['t2', 't4'] } : base.slot) : null,
      filterOperators: stored ? base.filterOperators : [],
      sortable: stored && base.sortable,
      canNameRecords: false,
      searchable: false,
      writable: false,
      filledOnCreate: false,
    };
  }
  perField.set(field, def);
  return def;
}
