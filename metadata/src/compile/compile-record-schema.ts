import { fieldType } from '../field-types/registry.ts';
import { labelOf } from '../model/find.ts';
import type { FieldDef } from '../schemas/field-def.ts';
import type { Locale } from '../schemas/labels.ts';
import { reservedFieldApiNames } from '../schemas/names.ts';
import type { ObjectDef } from '../schemas/object-def.ts';

export type RecordSchemaMode = 'create' | 'update' | 'read';

export interface RecordSchemaOptions {
  locale?: Locale;
}

/** A JSON Schema document as plain data (draft 2020-12 and draft-07 compatible keywords only). */
export type JsonSchema = { [key: string]: unknown };

/** Columns every record has: readable, never writable through the record body. */
export const systemFieldSchemas: Record<string, JsonSchema> = {
  id: { type: 'string', format: 'uuid' },
  version: { type: 'integer', minimum: 1 },
  created_at: { type: 'string', format: 'date-time' },
  created_by: { type: ['string', 'null'], format: 'uuid' },
  updated_at: { type: 'string', format: 'date-time' },
  updated_by: { type: ['string', 'null'], format: 'uuid' },
};

/** The schema of one field's value in API form (picklists by value api name). */
export function fieldValueSchema(field: FieldDef, nullable: boolean, mode: RecordSchemaMode = 'create'): JsonSchema {
  return fieldType(field).valueSchema(field, nullable, mode);
}

function describe(field: FieldDef, locale: Locale): JsonSchema {
  const out: JsonSchema = { title: labelOf(field.labels, locale) };
  if (field.helpText) out.description = labelOf(field.helpText, locale);
  return out;
}

export function isWritable(field: FieldDef): boolean {
  return !field.readOnly && fieldType(field).writable;
}

/** Required on create, unless the platform fills the value (owner: the acting user; autonumbers are not writable). */
export function isRequiredOnCreate(field: FieldDef): boolean {
  return (
    field.required === true &&
    isWritable(field) &&
    field.defaultValue === undefined &&
    field.defaultExpression === undefined &&
    !fieldType(field).filledOnCreate
  );
}

/**
 * The JSON Schema of a record of `object`, keyed by field api name. Deleted fields are absent;
 * read-only, autonumber and system fields are present but refuse any value in write modes.
 */
export function compileRecordSchema(object: ObjectDef, mode: RecordSchemaMode, options: RecordSchemaOptions = {}): JsonSchema {
  const locale = options.locale ?? 'en';
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  const aliased: JsonSchema[] = [];

  for (const name of reservedFieldApiNames) {
    const system = systemFieldSchemas[name];
    if (!system) continue;
    properties[name] = mode === 'read' ? system : { readOnly: true, not: {} };
  }

  for (const field of object.fields) {
    if (field.deletedAt !== undefined) continue;
    if (mode !== 'read' && !isWritable(field)) {
      properties[field.apiName] = { ...describe(field, locale), readOnly: true, not: {} };
      continue;
    }
    const nullable = mode === 'read' || field.required !== true;
    const schema = { ...describe(field, locale), ...fieldValueSchema(field, nullable, mode) };
    // A required text or selection may not be empty: an empty one is no value to a unique claim or to the check that makes a field required.
    if (!nullable && fieldType(field).textLimits !== undefined && schema.minLength === undefined) schema.minLength = 1;
    if (!nullable && field.type === 'multiPicklist') schema.minItems = 1;
    if (mode === 'read' && !isWritable(field)) schema.readOnly = true;
    if (field.defaultValue !== undefined && mode === 'create') schema.default = field.defaultValue;
    properties[field.apiName] = schema;
    // Old api names keep working in writes until the admin removes them (ADR 0004).
    if (mode !== 'read') for (const alias of field.apiNameAliases) properties[alias] ??= { ...schema, deprecated: true };
    if (mode === 'create' && isRequiredOnCreate(field)) {
      if (field.apiNameAliases.length === 0) required.push(field.apiName);
      else aliased.push({ anyOf: [field.apiName, ...field.apiNameAliases].map((name) => ({ required: [name] })) });
    }
  }
  if (mode === 'read') required.push('id', 'version', 'created_at', 'updated_at');

  const schema: JsonSchema = {
    title: labelOf({ en: object.labels.en.singular, 'zh-CN': object.labels['zh-CN']?.singular }, locale),
    type: 'object',
    properties,
    additionalProperties: false,
  };
  if (object.description) schema.description = labelOf(object.description, locale);
  if (required.length) schema.required = required;
  if (aliased.length) schema.allOf = aliased;
  return schema;
}

