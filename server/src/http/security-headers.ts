import type { FastifyInstance } from 'fastify';

/**
 * The studio's build is scripts and stylesheets from its own origin and nothing inline, so the
 * policy allows only those; no page may frame it, and no plugin or <base> may change it.
 * 'unsafe-eval' stays because forms validate against JSON Schemas that arrive at run time
 * (object and record schemas per tenant revision), which ajv compiles into functions; inline
 * and foreign scripts remain refused. The API docs' GraphiQL editor (Monaco) lays out its lines
 * with inline styles and draws its icons from a font in a data: URL, so styles may be inline
 * and fonts data:; scripts stay as strict as they were.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const HEADERS: Record<string, string> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

// Served over HTTPS (secure cookies say so), browsers are told to come back only that way for a year.
const HTTPS_ONLY = { 'strict-transport-security': 'max-age=31536000; includeSubDomains' };

/**
 * Browser safety for every response, studio and API alike: the headers above, and request
 * bodies only as JSON. Fastify parses text/plain by default; a form can send text/plain
 * cross-site without a preflight, so that parser goes and such a body gets a 415 problem.
 * An answer that says nothing of caching is not stored (records, users, CSRF tokens would stay
 * in the browser's cache after sign-out); the studio's files set their own.
 */
export function registerSecurityHeaders(app: FastifyInstance, options: { https: boolean }): void {
  app.removeContentTypeParser('text/plain');
  const headers = options.https ? { ...HEADERS, ...HTTPS_ONLY } : HEADERS;
  app.addHook('onSend', (_request, reply, payload, done) => {
    void reply.headers(headers);
    if (!reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
    done(null, payload);
  });
}
