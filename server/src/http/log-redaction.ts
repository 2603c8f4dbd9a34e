import type { FastifyServerOptions } from 'fastify';

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

/** The server's logger: pino at `info`, with every credential-bearing field redacted. */
export function loggerOptions(enabled: boolean, stream?: { write(line: string): void }): FastifyServerOptions['logger'] {
  if (!enabled) return false;
  return { level: 'info', redact: { paths: SECRET_PATHS, censor: '[redacted]' }, ...(stream ? { stream } : {}) };
}
