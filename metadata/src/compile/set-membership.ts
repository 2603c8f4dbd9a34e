import type { KeywordDefinition } from 'ajv';
import type { JsonSchema } from './compile-record-schema.ts';

/**
 * Ajv inlines an `enum` as one comparison per allowed value, so a multi-picklist of 100
 * selections out of 1,000 values costs 100,000 comparisons per record. The record validator
 * checks long string enums through a Set instead (one lookup per item). The schema served to
 * forms keeps the standard `enum`; only the validator's copy is rewritten.
 */
export const IN_VALUES = 'x-in-values';
const SET_ABOVE = 16;

export const inValuesKeyword: KeywordDefinition = {
  keyword: IN_VALUES,
  type: 'string',
  schemaType: 'array',
  compile(values: readonly string[]) {
    const allowed = new Set(values);
    return (data: string) => allowed.has(data);
  },
};

/** A copy of `schema` with every `enum` of more than 16 strings checked through a Set. */
export function withSetMembership(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'enum' && Array.isArray(value) && value.length > SET_ABOVE && value.every((v) => typeof v === 'string')) out[IN_VALUES] = value;
    else if (Array.isArray(value)) out[key] = value.map((item: unknown) => (isSchema(item) ? withSetMembership(item) : item));
    else out[key] = isSchema(value) ? withSetMembership(value) : value;
  }
  return out;
}

const isSchema = (value: unknown): value is JsonSchema => value !== null && typeof value === 'object' && !Array.isArray(value);
