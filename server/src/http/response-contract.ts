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

/**
 * Holds the server to its OpenAPI document: every JSON answer of an API route is checked against
 * the schema the document its caller reads gives for the route and status, whether the operation
 * is described by hand or comes from the route catalog, and one that does not match becomes a
 * 500 naming the route and what differs. Test servers turn it on (`AppOptions.checkResponses`),
 * so the whole suite keeps the document true; production does not pay for it.
 */
export function checkResponses(app: FastifyInstance, documentOf: DocumentOf): void {
  const ajv = new Ajv2020({ allErrors: true, strict: false, formats: { uuid: UUID, 'date-time': (text: string) => !Number.isNaN(Date.parse(text)), date: /^\d{4}-\d{2}-\d{2}$/, uri: true, email: true } });
  // Documents are built per access shape and revision, and most workspaces' documents are alike:
  // a validator is compiled once per schema and components.
  const compiledBy = new Map<string, ValidateFunction>();
  const byDocument = new WeakMap<OpenApiDocument, { components: string; validators: Map<string, ValidateFunction | null> }>();
  const validatorOf = (document: OpenApiDocument, path: string, method: string, status: number): ValidateFunction | null => {
    let known = byDocument.get(document);
    if (!known) byDocument.set(document, (known = { components: createHash('sha1').update(JSON.stringify(document.components)).digest('base64'), validators: new Map() }));
    const key = `${method} ${path} ${status}`;
    if (!known.validators.has(key)) {
      const operation = document.paths[path]?.[method.toLowerCase()] as { responses?: Record<string, { content?: Record<string, { schema?: unknown }> }> } | undefined;
      const schema = operation?.responses?.[String(status)]?.content?.['application/json']?.schema;
      let validate: ValidateFunction | null = null;
      if (schema) {
        const cacheKey = `${known.components}\n${JSON.stringify(schema)}`;
        // The document's references point into its components: the schema is compiled with them at its root.
        validate = compiledBy.get(cacheKey) ?? ajv.compile({ ...(schema as object), components: document.components });
        compiledBy.set(cacheKey, validate);
      }
      known.validators.set(key, validate);
    }
    return known.validators.get(key)!;
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
