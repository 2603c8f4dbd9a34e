import type { JsonSchema } from '../../compile/compile-record-schema.ts';
import type { FilterOperator } from '../../query/query-plan.ts';
import type { FieldDef, FieldType } from '../../schemas/field-def.ts';
import type { FieldOption, FieldTypeDefinition, FieldWidgetName } from '../field-type.ts';
import { notA, parsed, stringOperators, withNull } from '../shared.ts';

const phonePattern = '^\\+?[0-9][0-9 ()\\-.#*]*$';
const httpPattern = '^https?://';

const stringOptions: readonly FieldOption[] = ['minLength', 'maxLength', 'defaultValue'];

/** Free text in a filter; `contains` and `startsWith` need something to look for. */
export function parseText(_field: FieldDef, op: FilterOperator, raw: unknown) {
  if (typeof raw !== 'string') return notA('a string');
  if ((op === 'contains' || op === 'startsWith') && raw === '') return notA('a non-empty string');
  return parsed(raw);
}

/** The schema of a string value with the field's length limits. */
export function stringSchema(field: FieldDef, nullable: boolean, defaultMax: number): JsonSchema {
  const schema: JsonSchema = { type: withNull('string', nullable) };
  schema.maxLength = field.maxLength ?? defaultMax;
  if (field.minLength !== undefined) schema.minLength = field.minLength;
  return schema;
}

interface TextVariant {
  type: FieldType;
  limits: { defaultMax: number; ceiling: number };
  widget: FieldWidgetName;
  /** Schema keywords the variant adds (format, pattern). */
  format?: JsonSchema;
  patternMessage?: string;
}

/** Text-like types differ only in limits, format and widget; longText is the unsortable one. */
function textType(variant: TextVariant): FieldTypeDefinition {
  const long = variant.type === 'longText';
  return {
    type: variant.type,
    options: long ? stringOptions : [...stringOptions, 'unique'],
    valueSchema: (field, nullable) => ({ ...stringSchema(field, nullable, variant.limits.defaultMax), ...variant.format }),
    messages: variant.patternMessage ? { type: 'must be a string', pattern: variant.patternMessage } : { type: 'must be a string' },
    // An empty text is no value (to a required field, a unique claim and isNull): stored as none, it sorts and reads as none.
    toStored: (_field, value) => (value === '' ? null : value),
    stored: 'ciText',
    slot: long ? null : { kind: 'text', candidates: ['t3'], onlyNameOrUnique: true },
    filterOperators: long ? ['contains', 'startsWith', 'isNull'] : stringOperators,
    parseFilterValue: parseText,
    sortable: !long,
    canNameRecords: variant.type === 'text' || variant.type === 'email' || variant.type === 'phone',
    searchable: variant.type === 'email' || variant.type === 'phone',
    textLimits: variant.limits,
    writable: true,
    filledOnCreate: false,
    widget: variant.widget,
  };
}

export const text = textType({ type: 'text', limits: { defaultMax: 255, ceiling: 1000 }, widget: 'text' });
export const longText = textType({ type: 'longText', limits: { defaultMax: 32768, ceiling: 131072 }, widget: 'textarea' });
export const email = textType({ type: 'email', limits: { defaultMax: 254, ceiling: 254 }, widget: 'email', format: { format: 'email' } });
export const phone = textType({
  type: 'phone',
  limits: { defaultMax: 40, ceiling: 40 },
  widget: 'phone',
  format: { pattern: phonePattern },
  patternMessage: 'must be a phone number',
});
export const url = textType({
  type: 'url',
  limits: { defaultMax: 2048, ceiling: 2048 },
  widget: 'url',
  format: { format: 'uri', pattern: httpPattern },
  patternMessage: 'must be an http or https URL',
});
