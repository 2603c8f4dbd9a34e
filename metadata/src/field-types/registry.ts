import type { FieldDef, FieldType } from '../schemas/field-def.ts';
import { autonumber } from './autonumber/index.ts';
import { boolean } from './boolean/index.ts';
import { date } from './date/index.ts';
import { datetime } from './datetime/index.ts';
import type { FieldTypeDefinition } from './field-type.ts';
import { computedFieldType, formula, rollup } from './formula/index.ts';
import { json } from './json/index.ts';
import { lookup } from './lookup/index.ts';
import { multiPicklist } from './multi-picklist/index.ts';
import { currency, number, percent } from './number/index.ts';
import { owner } from './owner/index.ts';
import { picklist } from './picklist/index.ts';
import { email, longText, phone, text, url } from './text/index.ts';
import { fieldTypes } from './type-names.ts';

const definitions: Record<FieldType, FieldTypeDefinition> = {
  text,
  longText,
  email,
  phone,
  url,
  number,
  currency,
  percent,
  boolean,
  date,
  datetime,
  picklist,
  multiPicklist,
  lookup,
  owner,
  autonumber,
  json,
  formula,
  rollup,
};

/** Every field type's definition, in the order of `fieldTypes`. */
export const FIELD_TYPES: readonly FieldTypeDefinition[] = fieldTypes.map((type) => definitions[type]);

/**
 * The definition of a field type; given the field itself, formulas and roll-ups answer as their
 * result type (a stored number formula filters and sorts like a number).
 */
export function fieldType(typeOrField: FieldType | FieldDef): FieldTypeDefinition {
  if (typeof typeOrField === 'string') return definitions[typeOrField];
  if (typeOrField.type === 'formula' || typeOrField.type === 'rollup') return computedFieldType(typeOrField, typeOrField.rollup?.resultType);
  return definitions[typeOrField.type];
}
