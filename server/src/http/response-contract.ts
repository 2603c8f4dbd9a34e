import { createHash } from 'node:crypto';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { API_PREFIX, documentPath } from './route-catalog.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The parts of an OpenAPI document the contract reads. */
export interface OpenApiDocument {
  paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, { schema?: unknown }> }> } | unknown>>;
  components: unknown;
}

/** The document the request's caller reads; undefined without a caller (their answers are not checked). */
export type DocumentOf = (request: FastifyRequest) => Promise<OpenApiDocument | undefined>;

// One for every test server of the process: workspaces' documents are mostly alike, and a schema
// with the components it reaches compiles to the same validator whichever document holds it.
const ajv = new Ajv2020({ allErrors: true, strict: false, formats: { uuid: UUID, 'date-time': (text: string) => !Number.isNaN(Date.parse(text)), date: /^\d{4}-\d{2}-\d{2}$/, uri: true, email: true } });
const compiledBy = new Map<string, ValidateFunction>();

/**
 * The schema with only the components it reaches, by `$ref`, through each other: what its
 * validator depends on. Documents differ in their records' schemas; a route that names none of
 * them (most) then compiles once, not once per workspace.
 */
function withReachedComponents(schema: object, components: unknown): object {
  const all = (components ?? {}) as Record<string, Record<string, unknown>>;
  const reached: Record<string, Record<string, unknown>> = {};
  const pending: unknown[] = [schema];
  while (pending.length) {
    const node = pending.pop();
    if (Array.isArray(node)) pending.push(...node);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        const ref = key === '$ref' && typeof value === 'string' ? /^#\/components\/([^/]+)\/([^/]+)$/.exec(value) : null;
        if (!ref) {
          pending.push(value);
          continue;
        }
        const [, section, name] = ref as unknown as [string, string, string];
        if (reached[section]?.[name] !== undefined || all[section]?.[name] === undefined) continue;
        (reached[section] ??= {})[name] = all[section][name];
        pending.push(all[section][name]);
      }
    }
  }
  return { ...schema, components: reached };
}

/**
 * Holds the server to its OpenAPI document: every JSON answer of an API route is checked against
 * the schema the document its caller reads gives for the route and status, whether the operation
 * is described by hand or comes from the route catalog, and one that does not match becomes a
 * 500 naming the route and what differs. Test servers turn it on (`AppOptions.checkResponses`),
 * so the whole suite keeps the document true; production does not pay for it.
 */
export function checkResponses(app: FastifyInstance, documentOf: DocumentOf): void {
  const byDocument = new WeakMap<OpenApiDocument, Map<string, ValidateFunction | null>>();
  const validatorOf = (document: OpenApiDocument, path: string, method: string, status: number): ValidateFunction | null => {
    let known = byDocument.get(document);
    if (!known) byDocument.set(document, (known = new Map()));
    const key = `${method} ${path} ${status}`;
    if (!known.has(key)) {
      const operation = document.paths[path]?.[method.toLowerCase()] as { responses?: Record<string, { content?: Record<string, { schema?: unknown }> }> } | undefined;
      const schema = operation?.responses?.[String(status)]?.content?.['application/json']?.schema;
      let validate: ValidateFunction | null = null;
      if (schema) {
        // The document's references point into its components: the schema is compiled with those it reaches at its root.
        const whole = withReachedComponents(schema as object, document.components);
        const cacheKey = createHash('sha256').update(JSON.stringify(whole)).digest('base64url');
        validate = compiledBy.get(cacheKey) ?? null;
        if (!validate) {
          compiledBy.set(cacheKey, (validate = ajv.compile(whole)));
          ajv.removeSchema(whole);
        }
      }
      known.set(key, validate);
    }
    return known.get(key)!;
  };

  app.addHook('onSend', async (request, reply, payload) => {
    const url = request.routeOptions.url;
    if (!url?.startsWith(`${API_PREFIX}/`) || typeof payload !== 'string' || !String(reply.getHeader('content-type') ?? '').startsWith('application/json')) return payload;
    const document = await documentOf(request);
    if (!document) return payload;
    const route = url.slice(API_PREFIX.length);
    const validate = validatorOf(document, documentPath(route, (request.params as { object?: string } | undefined)?.object), request.method, reply.statusCode);
    if (validate && !validate(JSON.parse(payload))) throw new Error(`The answer of ${request.method} ${route} (${reply.statusCode}) does not match its documented schema: ${ajv.errorsText(validate.errors, { dataVar: 'body' })}`);
    return payload;
  });
}
