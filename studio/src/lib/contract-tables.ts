// Small tables of the metadata contract the studio needs at run time without loading the
// metadata package (TypeBox, ajv) into the browser bundle. contract-tables.test.ts checks
// them against @protean/metadata, so they cannot drift.
import type { FieldType } from '../api/types.ts';

export const FIELD_TYPES: readonly FieldType[] = [
  'text', 'longText', 'email', 'phone', 'url', 'number', 'currency', 'percent', 'boolean',
  'date', 'datetime', 'picklist', 'multiPicklist', 'lookup', 'owner', 'autonumber', 'json',
];

export type FieldOption =
  | 'unique' | 'defaultValue' | 'minLength' | 'maxLength' | 'min' | 'max' | 'precision' | 'scale'
  | 'currencyCode' | 'values' | 'lookup' | 'autonumber';

const stringOptions: FieldOption[] = ['minLength', 'maxLength', 'defaultValue'];
const numberOptions: FieldOption[] = ['min', 'max', 'precision', 'scale', 'defaultValue'];

/** Type-specific options per field type (helpText, description, required, readOnly apply to all). */
export const OPTIONS_BY_TYPE: Record<FieldType, readonly FieldOption[]> = {
  text: [...stringOptions, 'unique'],
  longText: stringOptions,
  email: [...stringOptions, 'unique'],
  phone: [...stringOptions, 'unique'],
  url: [...stringOptions, 'unique'],
  number: [...numberOptions, 'unique'],
  currency: [...numberOptions, 'currencyCode'],
  percent: numberOptions,
  boolean: ['defaultValue'],
  date: ['defaultValue'],
  datetime: ['defaultValue'],
  picklist: ['values', 'defaultValue'],
  multiPicklist: ['values', 'defaultValue'],
  lookup: ['lookup'],
  owner: [],
  autonumber: ['autonumber', 'unique'],
  json: ['defaultValue'],
};

export const ALL_FIELD_OPTIONS: readonly FieldOption[] = [
  'unique', 'defaultValue', 'minLength', 'maxLength', 'min', 'max', 'precision', 'scale', 'currencyCode', 'values', 'lookup', 'autonumber',
];

/** Field types that can name records. */
export const NAME_FIELD_TYPES: readonly FieldType[] = ['text', 'email', 'phone', 'autonumber'];
