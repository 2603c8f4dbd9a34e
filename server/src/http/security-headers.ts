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

const STUDIO_HEADERS: Record<string, string> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

/**
 * An API answer is data, never a page: should a browser be led to render one, it may load
 * nothing and be framed by nothing (OWASP's REST security headers). The studio's policy,
 * referrer policy and opener isolation speak to documents; on every API answer they were
 * ~300 bytes a client parsed for nothing.
 */
const API_HEADERS: Record<string, string> = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
};

// Served over HTTPS (secure cookies say so), browsers are told to come back only that way for a year.
const HTTPS_ONLY = { 'strict-transport-security': 'max-age=31536000; includeSubDomains' };

/**
 * Browser safety for every response, the studio's and the API's each their own: the headers above, and request
 * bodies only as JSON. Fastify parses text/plain by default; a form can send text/plain
 * cross-site without a preflight, so that parser goes and such a body gets a 415 problem.
 * An answer that says nothing of caching is not stored (records, users, CSRF tokens would stay
 * in the browser's cache after sign-out); the studio's files set their own.
 */
export function registerSecurityHeaders(app: FastifyInstance, options: { https: boolean }): void {
  app.removeContentTypeParser('text/plain');
  const studioHeaders = options.https ? { ...STUDIO_HEADERS, ...HTTPS_ONLY } : STUDIO_HEADERS;
  const apiHeaders = options.https ? { ...API_HEADERS, ...HTTPS_ONLY } : API_HEADERS;
  app.addHook('onSend', (request, reply, payload, done) => {
    void reply.headers(request.url.startsWith('/api/') ? apiHeaders : studioHeaders);
    if (!reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
    done(null, payload);
  });
}
