import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { RE2JS } from 're2js';
import type { FieldProblem } from '../errors/problems.ts';

/**
 * JSON Schemas a tenant writes: a manual workflow's input form, a script's input and output.
 * They are compiled and run on the server's one event loop, beside every other tenant's requests,
 * so each is held to what a shared server can afford:
 * - **Its own compiler.** Ajv keeps every schema it has seen by `$id`; one instance for all
 *   tenants let one tenant's schema `$ref` another's, and made a second schema with a taken
 *   `$id` fail to save (or answer 500 at run time). A validator is compiled by an Ajv of its own
 *   and cached by the schema's text: a validator is a pure function of that text.
 * - **Linear-time patterns** (`pattern`, `patternProperties`): RE2 (see linear-patterns.ts).
 * - **No remote or foreign references:** only `#…` within the schema itself; nothing is fetched.
 * - **Bounded:** at most MAX_SCHEMA_BYTES of JSON, and `uniqueItems` (pairwise comparison of
 *   items) only with `maxItems` ≤ MAX_UNIQUE_ITEMS.
 * Checked when the schema is saved, so a run never meets a schema that does not compile.
 */
export const MAX_SCHEMA_BYTES = 32 * 1024;
export const MAX_UNIQUE_ITEMS = 1000;
const CACHED_VALIDATORS = 500;

/** Ajv's pattern hook: compiles with RE2 and searches as RegExp.test does. */
const re2RegExp = Object.assign(
  (pattern: string, flags: string) => {
    const re = RE2JS.compile(pattern);
    // Ajv keys the compiled patterns of a schema by this text.
    return { test: (text: string) => re.test(text), toString: () => `/${pattern}/${flags}` };
  },
  { code: 'RE2JS.compile' },
);

const validators = new Map<string, ValidateFunction>();

/** Every problem of a schema a tenant saves, each under `field` and the path within the schema. */
export function tenantSchemaProblems(schema: unknown, field: string): FieldProblem[] {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return [{ field, code: 'type', message: 'is a JSON Schema: an object' }];
  const text = JSON.stringify(schema);
  if (Buffer.byteLength(text) > MAX_SCHEMA_BYTES) return [{ field, code: 'maxLength', message: `is at most ${MAX_SCHEMA_BYTES / 1024} KB of JSON` }];
  const problems = boundsProblems(schema, field);
  if (problems.length) return problems;
  try {
    compiled(schema, text);
    return [];
  } catch (error) {
    return [{ field, code: 'schema', message: `is not a valid JSON Schema: ${error instanceof Error ? error.message : String(error)}` }];
  }
}

/** The problems of `value` against a schema already checked when saved, under `field` and each value's path. */
export function validateWithTenantSchema(schema: object | undefined, value: unknown, field: string): FieldProblem[] {
  if (!schema) return [];
  let validate: ValidateFunction;
  try {
    validate = compiled(schema, JSON.stringify(schema));
  } catch (error) {
    // Saved before schemas were checked on save: the definition is at fault, named as such.
    return [{ field, code: 'schema', message: `cannot be checked: its declared JSON Schema is not valid (${error instanceof Error ? error.message : String(error)})` }];
  }
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => ({ field: `${field}${e.instancePath.replace(/\//g, '.')}`, code: e.keyword, message: e.message ?? 'is invalid' }));
}

function compiled(schema: object, text: string): ValidateFunction {
  let validate = validators.get(text);
  if (validate) {
    // Most recently used last: the oldest goes first when the cache is full.
    validators.delete(text);
  } else {
    const ajv = new Ajv2020({ allErrors: true, strict: false, code: { regExp: re2RegExp } });
    validate = ajv.compile(schema);
    if (validators.size >= CACHED_VALIDATORS) validators.delete(validators.keys().next().value!);
  }
  validators.set(text, validate);
  return validate;
}

/** References that stay within the schema, and `uniqueItems` only on arrays of bounded length. */
function boundsProblems(schema: object, field: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const walk = (node: unknown, path: string) => {
    if (Array.isArray(node)) return node.forEach((item, i) => walk(item, `${path}.${i}`));
    if (typeof node !== 'object' || node === null) return;
    const keywords = node as Record<string, unknown>;
    for (const key of ['$ref', '$dynamicRef'] as const) {
      const ref = keywords[key];
      if (typeof ref === 'string' && !ref.startsWith('#')) problems.push({ field: `${path}.${key}`, code: 'ref', message: `may only point within this schema ('#…'), not to '${ref}'` });
    }
    if (keywords['uniqueItems'] === true) {
      const maxItems = keywords['maxItems'];
      if (typeof maxItems !== 'number' || maxItems > MAX_UNIQUE_ITEMS) problems.push({ field: `${path}.uniqueItems`, code: 'limit', message: `needs maxItems of at most ${MAX_UNIQUE_ITEMS} beside it` });
    }
    for (const [key, child] of Object.entries(keywords)) if (key !== 'const' && key !== 'enum' && key !== 'default' && key !== 'examples') walk(child, `${path}.${key}`);
  };
  walk(schema, field);
  return problems;
}
