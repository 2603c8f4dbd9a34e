import { Ajv, type ValidateFunction } from 'ajv';
import type { FastifyInstance } from 'fastify';

const API_PREFIX = '/api/v1';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A route's documented success: its status and the schema of its body. */
export type DocumentedResponse = (operation: string) => { status: number; schema: unknown } | undefined;

/**
 * Holds the server to its OpenAPI document: every success answer of a route with a documented
 * response schema is checked against it, and one that does not match becomes a 500 naming the
 * route and what differs. Test servers turn it on (`AppOptions.checkResponses`), so the whole
 * suite keeps the document true; production does not pay for it.
 */
export function checkResponses(app: FastifyInstance, documented: DocumentedResponse): void {
  const ajv = new Ajv({ allErrors: true, strict: false, formats: { uuid: UUID, 'date-time': (text: string) => !Number.isNaN(Date.parse(text)), uri: true, email: true } });
  const checks = new Map<string, { status: number; validate: ValidateFunction } | null>();
  const checkOf = (operation: string) => {
    if (!checks.has(operation)) {
      const response = documented(operation);
      checks.set(operation, response && response.status !== 204 ? { status: response.status, validate: ajv.compile(response.schema as object) } : null);
    }
    return checks.get(operation);
  };
  app.addHook('onSend', async (request, reply, payload) => {
    const url = request.routeOptions.url;
    if (!url?.startsWith(`${API_PREFIX}/`) || typeof payload !== 'string' || !String(reply.getHeader('content-type') ?? '').includes('json')) return payload;
    const operation = `${request.method} ${url.slice(API_PREFIX.length)}`;
    const check = checkOf(operation);
    if (!check || reply.statusCode !== check.status) return payload;
    if (!check.validate(JSON.parse(payload))) throw new Error(`The answer of ${operation} does not match its documented schema: ${ajv.errorsText(check.validate.errors, { dataVar: 'body' })}`);
    return payload;
  });
}
