import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import type { MetadataError } from '../change/metadata-error.ts';

const addFormats = formats.default;

/** The Ajv instance for metadata documents (not records), created on first use. */
let ajv: Ajv2020 | undefined;

/** A validator compiled the first time it is needed, so importing the package costs no compilation. */
export type LazyValidator = () => ValidateFunction;

export function compileMetadataSchema(schema: object): LazyValidator {
  let compiled: ValidateFunction | undefined;
  return () => {
    if (!ajv) {
      ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
      addFormats(ajv);
    }
    return (compiled ??= ajv.compile(schema));
  };
}

function errorPath(error: ErrorObject): string {
  const params: Record<string, unknown> = error.params;
  if (error.keyword === 'required' && typeof params.missingProperty === 'string') {
    return `${error.instancePath}/${params.missingProperty}`;
  }
  if (error.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
    return `${error.instancePath}/${params.additionalProperty}`;
  }
  return error.instancePath;
}

function errorMessage(error: ErrorObject): string {
  const params: Record<string, unknown> = error.params;
  if (error.keyword === 'additionalProperties') return `unknown property '${String(params.additionalProperty)}'`;
  if (error.keyword === 'required') return 'is required';
  return error.message ?? 'is invalid';
}

/** Validates `value` and returns every schema error with its path below `basePath`. */
export function schemaErrors(validator: LazyValidator, value: unknown, basePath: string): MetadataError[] {
  const validate = validator();
  if (validate(value)) return [];
  const seen = new Set<string>();
  const out: MetadataError[] = [];
  for (const error of validate.errors ?? []) {
    // Union members (e.g. `value | null`) each report; one message per path is enough.
    const path = basePath + errorPath(error);
    if (seen.has(path)) continue;
    seen.add(path);
    out.push({ path, code: 'invalid', message: errorMessage(error) });
  }
  return out;
}
