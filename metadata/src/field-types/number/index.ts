import type { JsonSchema } from '../../compile/compile-record-schema.ts';
import type { FieldDef, FieldType } from '../../schemas/field-def.ts';
import type { FieldOption, FieldTypeDefinition, FieldWidgetName } from '../field-type.ts';
import { notA, orderedOperators, parsed, withNull } from '../shared.ts';

const numberOptions: readonly FieldOption[] = ['min', 'max', 'precision', 'scale', 'defaultValue'];
const decimalPattern = /^-?\d+(\.\d+)?$/;

/** A JSON number within the field's range, scale and precision. */
function numberSchema(field: FieldDef, nullable: boolean): JsonSchema {
  const schema: JsonSchema = { type: withNull('number', nullable) };
  if (field.min !== undefined) schema.minimum = field.min;
  if (field.max !== undefined) schema.maximum = field.max;
  if (field.scale !== undefined) schema.multipleOf = Number(`1e-${field.scale}`);
  if (field.precision !== undefined) {
    const bound = 10 ** (field.precision - (field.scale ?? 0));
    schema.exclusiveMaximum = bound;
    schema.exclusiveMinimum = -bound;
  }
  return schema;
}

/** number, currency and percent (12.5 = 12.5 %) store JSON numbers and differ in options and display. */
function numberType(type: FieldType, options: readonly FieldOption[], widget: FieldWidgetName): FieldTypeDefinition {
  return {
    type,
    options,
    valueSchema: numberSchema,
    messages: { type: 'must be a number' },
    stored: 'number',
    // The schema lets a value within 1e-9 of the scale pass (ajv's multipleOfPrecision): 0.1 + 0.2
    // as a client's binary arithmetic sends it. It is stored as the decimal it was meant to be.
    toStored: (field, value) => (typeof value === 'number' && field.scale !== undefined ? Number(value.toFixed(field.scale)) : value),
    slot: { kind: 'number', candidates: ['n1', 'n2'] },
    filterOperators: orderedOperators,
    parseFilterValue(_field, _op, raw) {
      if (typeof raw === 'number' && Number.isFinite(raw)) return parsed(raw);
      if (typeof raw === 'string' && decimalPattern.test(raw)) return parsed(Number(raw));
      return notA('a number');
    },
    sortable: true,
    canNameRecords: false,
    searchable: false,
    writable: true,
    filledOnCreate: false,
    widget,
  };
}

export const number = numberType('number', [...numberOptions, 'unique'], 'number');
export const currency = numberType('currency', [...numberOptions, 'currencyCode'], 'currency');
export const percent = numberType('percent', numberOptions, 'percent');
