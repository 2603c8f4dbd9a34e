import type { FastifyRequest, FastifyServerOptions } from 'fastify';

/** Request and log fields that may hold a credential: they are written as [redacted], never in clear. */
const SECRET_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'body.password',
  'body.currentPassword',
  'body.admin.password',
  'password',
  'currentPassword',
  '*.password',
  '*.currentPassword',
  '*.token',
  '*.apiKey',
];

// Credentials that travel in a URL: an invitation link's token (/invite/…, /invites/token/…), and
// an API key or operator token a client put in a query string by mistake.
const SECRET_IN_URL = /\b(inv|pk|op)_[A-Za-z0-9_-]{16,}/g;

/** A URL as logged: its credentials written as [redacted]. */
export const urlForLog = (url: string): string => url.replace(SECRET_IN_URL, '$1_[redacted]');

/** Fastify's request serializer, with the URL's credentials redacted; any object logged as `req` passes without a throw. */
const request = (req: Partial<FastifyRequest>) => ({
  method: req.method,
  url: typeof req.url === 'string' ? urlForLog(req.url) : undefined,
  version: req.headers?.['accept-version']?.toString(),
  host: req.host,
  remoteAddress: req.ip,
  remotePort: req.socket?.remotePort,
});

/** The server's logger: pino at `info`, with every credential-bearing field redacted. */
export function loggerOptions(enabled: boolean, stream?: { write(line: string): void }): FastifyServerOptions['logger'] {
  if (!enabled) return false;
  return { level: 'info', redact: { paths: SECRET_PATHS, censor: '[redacted]' }, serializers: { req: request }, ...(stream ? { stream } : {}) };
}
