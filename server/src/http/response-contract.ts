import { createHash } from 'node:crypto';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';

const API_PREFIX = '/api/v1';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A route's documented success: its status and the schema of its body. */
export type DocumentedResponse = (operation: string) => { status: number; schema: unknown } | undefined;

/** The parts of an OpenAPI document the contract reads. */
export interface OpenApiDocument {
  paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, { schema?: unknown }> }> } | unknown>>;
  components: unknown;
}

export interface ResponseContract {
  /** A cataloged route's documented success (`openapi-routes.ts`). */
  cataloged: DocumentedResponse;
  /** The document the request's caller reads, for the routes described by hand; undefined without a caller. */
  document: (request: FastifyRequest) => Promise<OpenApiDocument | undefined>;
}

/**
 * Holds the server to its OpenAPI document: every JSON answer of an API route is checked against
 * the schema the document gives for its route and status (a cataloged route's success, or any
 * status of a route described by hand, in the document its caller reads), and one that does not
 * match becomes a 500 naming the route and what differs. Test servers turn it on
 * (`AppOptions.checkResponses`), so the whole suite keeps the document true; production does not
 * pay for it.
 */
export function checkResponses(app: FastifyInstance, contract: ResponseContract): void {
  const ajv = new Ajv2020({ allErrors: true, strict: false, formats: { uuid: UUID, 'date-time': (text: string) => !Number.isNaN(Date.parse(text)), date: /^\d{4}-\d{2}-\d{2}$/, uri: true, email: true } });
  const cataloged = new Map<string, { status: number; validate: ValidateFunction } | null>();
  const catalogedCheck = (operation: string) => {
    if (!cataloged.has(operation)) {
      const response = contract.cataloged(operation);
      cataloged.set(operation, response && response.status !== 204 ? { status: response.status, validate: ajv.compile(response.schema as object) } : null);
    }
    return cataloged.get(operation);
  };
  // The hand-described routes' validators. Documents are built per access shape and revision, and
  // most workspaces' documents are alike: a validator is compiled once per schema and components.
  const compiledBy = new Map<string, ValidateFunction>();
  const byDocument = new WeakMap<OpenApiDocument, { components: string; validators: Map<string, ValidateFunction | null> }>();
  const handWrittenCheck = (document: OpenApiDocument, path: string, method: string, status: number): ValidateFunction | null => {
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
    const operation = `${request.method} ${url.slice(API_PREFIX.length)}`;
    let validate: ValidateFunction | null | undefined;
    if (contract.cataloged(operation)) {
      const check = catalogedCheck(operation);
      validate = check && reply.statusCode === check.status ? check.validate : null;
    } else {
      const document = await contract.document(request);
      const object = (request.params as { object?: string } | undefined)?.object;
      const path = url
        .slice(API_PREFIX.length)
        .replace(':object', object ?? ':object')
        .replace(/:([A-Za-z]+)/g, '{$1}');
      validate = document ? handWrittenCheck(document, path, request.method, reply.statusCode) : null;
    }
    if (validate && !validate(JSON.parse(payload))) throw new Error(`The answer of ${operation} (${reply.statusCode}) does not match its documented schema: ${ajv.errorsText(validate.errors, { dataVar: 'body' })}`);
    return payload;
  });
}
