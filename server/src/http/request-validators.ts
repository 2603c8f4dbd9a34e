import { createHash } from 'node:crypto';
import AjvCompiler from '@fastify/ajv-compiler';
import type { FastifySchema, FastifyServerOptions } from 'fastify';

type Validate = (data: unknown) => boolean;
type RouteSchema = { schema: FastifySchema; method: string; url: string; httpPart?: string };

/** Ajv as every request part is read: unknown properties are errors, never silently dropped; every problem reported. */
const AJV_OPTIONS = { removeAdditional: false, allErrors: true } as const;

/**
 * A query string, a path or a header is text: there Ajv reads "5" as the number a schema asks
 * for and one value as a list of one. A JSON body already has its types: one that sends "5" or
 * `true` where a number is asked for, or a string where a list is, is refused, not converted.
 */
const build = AjvCompiler();
const coercing = build({}, { customOptions: { ...AJV_OPTIONS, coerceTypes: 'array' } });
const exact = build({}, { customOptions: { ...AJV_OPTIONS, coerceTypes: false } });

/**
 * Compiled validators shared by every server of the process: a schema compiles to the same
 * function whichever instance asks, and compiling the routes' ~600 schemas was most of a server's
 * start (and of every test that builds one). Keyed by the schema's text and how its part is read.
 */
const compiled = new Map<string, Validate>();

function validatorFor(route: RouteSchema): Validate {
  const body = route.httpPart === 'body';
  const key = `${body ? 'body' : 'text'}:${createHash('sha256').update(JSON.stringify(route.schema)).digest('base64url')}`;
  let validate = compiled.get(key);
  if (!validate) compiled.set(key, (validate = (body ? exact : coercing)(route) as Validate));
  return validate;
}

/** Fastify's `schemaController` option: request validators as above. */
export const requestValidators: NonNullable<FastifyServerOptions['schemaController']> = {
  compilersFactory: { buildValidator: () => validatorFor as never },
};
