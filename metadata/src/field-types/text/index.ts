import type { JsonSchema, RecordSchemaMode } from '../../compile/compile-record-schema.ts';
import type { FilterOperator } from '../../query/query-plan.ts';
import type { FieldDef, FieldType } from '../../schemas/field-def.ts';
import type { FieldOption, FieldTypeDefinition, FieldWidgetName } from '../field-type.ts';
import { emptyIsNone, noneIfEmpty, notA, parsed, stringOperators, withNull } from '../shared.ts';

const phonePattern = '^\\+?[0-9][0-9 ()\\-.#*]*$';
const httpPattern = '^https?://';

const stringOptions: readonly FieldOption[] = ['minLength', 'maxLength', 'defaultValue'];

/** Free text in a filter; `contains` and `startsWith` need something to look for. */
export function parseText(_field: FieldDef, op: FilterOperator, raw: unknown) {
  if (typeof raw !== 'string') return notA('a string');
  if ((op === 'contains' || op === 'startsWith') && raw === '') return notA('a non-empty string');
  return parsed(raw);
}

/**
 * A text variant's value: a string within the field's length limits, of the variant's format. The
 * least length and the format hold for a value; '' is none in an optional field (emptyIsNone).
 */
function textSchema(field: FieldDef, nullable: boolean, mode: RecordSchemaMode, variant: TextVariant): JsonSchema {
  const base: JsonSchema = { type: withNull('string', nullable), maxLength: field.maxLength ?? variant.limits.defaultMax };
  const checks: JsonSchema = { ...(field.minLength === undefined ? {} : { minLength: field.minLength }), ...variant.format };
  return emptyIsNone(base, checks, nullable, mode);
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
    valueSchema: (field, nullable, mode) => textSchema(field, nullable, mode, variant),
    messages: variant.patternMessage ? { type: 'must be a string', pattern: variant.patternMessage } : { type: 'must be a string' },
    // An empty text is no value (to a required field, a unique claim and isNull): stored as none, it sorts and reads as none.
    toStored: noneIfEmpty,
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
