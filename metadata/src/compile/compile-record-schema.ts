import { labelOf } from '../model/find.ts';
import type { FieldDef } from '../schemas/field-def.ts';
import type { Locale } from '../schemas/labels.ts';
import { reservedFieldApiNames } from '../schemas/names.ts';
import type { ObjectDef } from '../schemas/object-def.ts';
import { effectiveMaxLength } from './field-limits.ts';

export type RecordSchemaMode = 'create' | 'update' | 'read';

export interface RecordSchemaOptions {
  locale?: Locale;
}

/** A JSON Schema document as plain data (draft 2020-12 and draft-07 compatible keywords only). */
export type JsonSchema = { [key: string]: unknown };

const phonePattern = '^\\+?[0-9][0-9 ()\\-.#*]*$';
const httpPattern = '^https?://';

/** Columns every record has: readable, never writable through the record body. */
export const systemFieldSchemas: Record<string, JsonSchema> = {
  id: { type: 'string', format: 'uuid' },
  version: { type: 'integer', minimum: 1 },
  created_at: { type: 'string', format: 'date-time' },
  created_by: { type: ['string', 'null'], format: 'uuid' },
  updated_at: { type: 'string', format: 'date-time' },
  updated_by: { type: ['string', 'null'], format: 'uuid' },
};

function withNull(types: string | string[], nullable: boolean): string | string[] {
  const list = Array.isArray(types) ? types : [types];
  return nullable ? [...list, 'null'] : list.length === 1 ? (list[0] as string) : list;
}

/** The schema of one field's value in API form (picklists by value api name). */
export function fieldValueSchema(field: FieldDef, nullable: boolean, mode: RecordSchemaMode = 'create'): JsonSchema {
  const maxLength = effectiveMaxLength(field);
  switch (field.type) {
    case 'text':
    case 'longText':
    case 'email':
    case 'phone':
    case 'url': {
      const schema: JsonSchema = { type: withNull('string', nullable) };
      if (maxLength !== undefined) schema.maxLength = maxLength;
      if (field.minLength !== undefined) schema.minLength = field.minLength;
      if (field.type === 'email') schema.format = 'email';
      if (field.type === 'url') Object.assign(schema, { format: 'uri', pattern: httpPattern });
      if (field.type === 'phone') schema.pattern = phonePattern;
      return schema;
    }
    case 'number':
    case 'currency':
    case 'percent': {
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
    case 'boolean':
      return { type: withNull('boolean', nullable) };
    case 'date':
      return { type: withNull('string', nullable), format: 'date' };
    case 'datetime':
      return { type: withNull('string', nullable), format: 'date-time' };
    case 'picklist': {
      const active = (field.values ?? []).filter((v) => v.active).map((v) => v.apiName);
      if (active.length === 0) return nullable ? { type: 'null' } : { type: 'string', not: {} };
      return { type: withNull('string', nullable), enum: nullable ? [...active, null] : active };
    }
    case 'multiPicklist': {
      const active = (field.values ?? []).filter((v) => v.active).map((v) => v.apiName);
      return {
        type: withNull('array', nullable),
        items: active.length ? { type: 'string', enum: active } : { not: {} },
        uniqueItems: true,
      };
    }
    case 'lookup':
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
      return { type: withNull('string', nullable), format: 'uuid' };
    case 'owner':
      return { type: withNull('string', nullable), format: 'uuid' };
    case 'autonumber':
      return { type: withNull('string', nullable) };
    case 'json':
      return {};
  }
}

function describe(field: FieldDef, locale: Locale): JsonSchema {
  const out: JsonSchema = { title: labelOf(field.labels, locale) };
  if (field.helpText) out.description = labelOf(field.helpText, locale);
  return out;
}

export function isWritable(field: FieldDef): boolean {
  return !field.readOnly && field.type !== 'autonumber';
}

/** Required on create: owner fields default to the acting user, autonumbers are assigned. */
export function isRequiredOnCreate(field: FieldDef): boolean {
  return (
    field.required === true &&
    isWritable(field) &&
    field.defaultValue === undefined &&
    field.type !== 'owner'
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

