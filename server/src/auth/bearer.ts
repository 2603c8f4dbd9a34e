/** A b64token (RFC 6750 §2.1): what an API key or operator token may be made of. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * The token of an `Authorization: Bearer <token>` credential, read one way for every entrance
 * (REST, GraphQL's connection_init, the operator's routes): the scheme in any letter case, then
 * one or more spaces (RFC 7235's `1*SP`), then a b64token. undefined when the credential names
 * another scheme or none; '' when it names Bearer without a well-formed token, which matches no
 * credential: a request that says Bearer is judged by that alone, never by a cookie beside it.
 */
export function bearerToken(authorization: unknown): string | undefined {
  if (typeof authorization !== 'string') return undefined;
  const scheme = /^bearer(?: +|$)/i.exec(authorization);
  if (!scheme) return undefined;
  const token = authorization.slice(scheme[0].length);
  return isB64Token(token) ? token : '';
}

/** Whether `token` is one an `Authorization: Bearer` header can carry. */
export const isB64Token = (token: string): boolean => B64TOKEN.test(token);
