import type { JsonSchema, RecordSchemaMode } from '../compile/compile-record-schema.ts';
import type { FilterOperator } from '../query/query-plan.ts';
import type { FieldDef, FieldType } from '../schemas/field-def.ts';
import type { IndexSlot } from '../schemas/object-def.ts';

/** Field options that only some types take (helpText, description, required, readOnly: every type). */
export type FieldOption =
  | 'unique'
  | 'defaultValue'
  | 'minLength'
  | 'maxLength'
  | 'min'
  | 'max'
  | 'precision'
  | 'scale'
  | 'currencyCode'
  | 'values'
  | 'lookup'
  | 'autonumber'
  | 'formula'
  | 'rollup';

export const fieldOptionNames: readonly FieldOption[] = [
  'unique', 'defaultValue', 'minLength', 'maxLength', 'min', 'max', 'precision', 'scale', 'currencyCode', 'values', 'lookup', 'autonumber',
  'formula', 'rollup',
];

/**
 * What a stored value is, which is all the server needs to build its SQL: `ciText` compares
 * case-insensitively, `date` is YYYY-MM-DD (its index slot holds midnight UTC), `json` is any
 * JSON value including arrays.
 */
export type StoredKind = 'text' | 'ciText' | 'number' | 'boolean' | 'date' | 'datetime' | 'json';

/** Index slot columns come in three kinds (ADR 0002): t* text, n* float8, d* timestamptz. */
export type SlotKind = 'text' | 'number' | 'date';

export interface SlotMapping {
  kind: SlotKind;
  /** The slots a field of this type may take, best first. */
  candidates: readonly IndexSlot[];
  /** Only the object's name field or a unique field gets a slot (a text slot is worth it only then). */
  onlyNameOrUnique?: true;
}

/** A filter value in storage form, or why the raw value does not fit. */
export type ParsedFilterValue =
  | { ok: true; value: string | number | boolean }
  | { ok: false; expected: string }
  /** A name that is not one of the field's values (picklists). */
  | { ok: false; notAValue: string };

/**
 * Everything the platform knows about one field type. A new type is one definition in its own
 * folder under field-types/, listed in registry.ts; every other part of the platform reads it
 * through the registry.
 */
export interface FieldTypeDefinition {
  readonly type: FieldType;
  /** Type-specific options a field of this type may set. */
  readonly options: readonly FieldOption[];
  /** The JSON Schema of the value in API form (picklists by value api name). */
  valueSchema(field: FieldDef, nullable: boolean, mode: RecordSchemaMode): JsonSchema;
  /** How the record validator words a value of the wrong shape, and one failing the schema's format or pattern. */
  readonly messages: { type: string; format?: string; pattern?: string };
  /** API value → stored value, for a value that passed validation; absent: stored as sent. */
  toStored?(field: FieldDef, value: NonNullable<unknown>): unknown;
  /** Stored value → API value; absent: read as stored. */
  fromStored?(field: FieldDef, value: NonNullable<unknown>): unknown;
  readonly stored: StoredKind;
  /** The index slot kind and candidates, or null when the type never takes a slot. */
  readonly slot: SlotMapping | null;
  /** The operators a filter on this type accepts. */
  readonly filterOperators: readonly FilterOperator[];
  /** One filter value (a list operator's item, or the value of any other operator) in storage form. */
  parseFilterValue(field: FieldDef, op: FilterOperator, raw: unknown): ParsedFilterValue;
  /** Can sort a list and be part of an object index. */
  readonly sortable: boolean;
  /** Can be an object's name field. */
  readonly canNameRecords: boolean;
  /** Global search matches the start of its values in every object (besides the name field). */
  readonly searchable: boolean;
  /** Length limits: the default when a field sets no maxLength, and the most it may set. */
  readonly textLimits?: { defaultMax: number; ceiling: number };
  /** False when the platform assigns the value (autonumber). */
  readonly writable: boolean;
  /** Filled by the platform when a create leaves it out (owner: the acting user), so never required on create. */
  readonly filledOnCreate: boolean;
  /** The studio widget that edits and shows a value (a key of the studio's widget map). */
  readonly widget: FieldWidgetName;
}

export type FieldWidgetName =
  | 'text'
  | 'textarea'
  | 'email'
  | 'phone'
  | 'url'
  | 'number'
  | 'currency'
  | 'percent'
  | 'checkbox'
  | 'date'
  | 'datetime'
  | 'select'
  | 'multiSelect'
  | 'lookup'
  | 'owner'
  | 'autonumber'
  | 'json';
