import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { forbidden } from '../errors/problems.ts';

export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The token a client without browser fetch metadata sends in X-CSRF-Token: bound to the
 * session (a hash of its cookie), so it needs no storage and dies with the session.
 */
export const csrfTokenOf = (sessionCookie: string) => createHash('sha256').update(`csrf:${sessionCookie}`).digest('base64url');

/**
 * Refuses a cross-site unsafe request made with the browser's ambient session cookie. Bearer
 * (API key) requests carry no ambient authority and pass. A cookie request passes when the
 * browser says it is same-origin (Sec-Fetch-Site, else an Origin naming our Host), or when it
 * sends the session's CSRF token; anything a browser marks cross-origin is refused, login too.
 */
export function checkCrossSite(request: FastifyRequest, bearer: string | undefined, sessionCookie: string | undefined): void {
  if (SAFE_METHODS.has(request.method) || bearer !== undefined) return;
  const origin = sameOrigin(request);
  if (origin === false) throw forbidden('Cross-site requests are refused: the request must come from the studio’s own origin');
  if (!sessionCookie || origin) return;
  const sent = request.headers[CSRF_HEADER];
  if (typeof sent === 'string' && equal(sent, csrfTokenOf(sessionCookie))) return;
  throw forbidden('A request signed in with a session cookie needs the same-origin headers a browser sends, or the X-CSRF-Token from sign-in');
}

/**
 * Whether a WebSocket upgrade may not be taken as coming from the studio: a browser says it comes
 * from another origin, or names an Origin it cannot be shown to share (our host under another
 * scheme). A socket cannot carry the CSRF token a write would send instead; a client without an
 * Origin is no browser.
 */
export const socketFromAnotherOrigin = (request: FastifyRequest): boolean => {
  const same = sameOrigin(request);
  return same === false || (same === undefined && request.headers.origin !== undefined);
};

/**
 * true or false when the browser told us, undefined when it did not say enough: no fetch metadata
 * at all, or an Origin naming our host under another scheme. A page served over plain HTTP on our
 * name (say, through a network that rewrites it) is another origin than the studio over HTTPS;
 * behind a proxy that does not forward the scheme (no trusted proxy configured) the scheme the
 * server sees may differ from the browser's, so such a request is not refused outright but needs
 * the session's CSRF token, as a client without fetch metadata does.
 */
function sameOrigin(request: FastifyRequest): boolean | undefined {
  const site = request.headers['sec-fetch-site'];
  if (typeof site === 'string') return site === 'same-origin';
  const origin = request.headers.origin;
  if (typeof origin !== 'string') return undefined;
  try {
    // Through the same URL parser, so a default port written out (host:80) still matches.
    const from = new URL(origin);
    if (from.host !== new URL(`${from.protocol}//${request.headers.host ?? ''}`).host) return false;
    return from.protocol === `${request.protocol}:` ? true : undefined;
  } catch {
    return false;
  }
}

function equal(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}
