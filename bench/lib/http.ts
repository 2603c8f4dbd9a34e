// A tiny HTTP client for setup calls; any unexpected status throws with the request and the
// response body, so a server bug shows up as a precise report rather than a hang.
export interface HttpResult {
  status: number;
  body: any;
  headers: Headers;
  ms: number;
}

export class HttpError extends Error {}

export async function http(base: string, method: string, path: string, options: { body?: unknown; headers?: Record<string, string>; expect?: number[]; timeoutMs?: number } = {}): Promise<HttpResult> {
  const started = performance.now();
  const response = await fetch(base + path, {
    method,
    // Same-origin, as the studio's browser says it: setup calls signed in with a session cookie pass the CSRF check.
    headers: { origin: new URL(base).origin, ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}), ...(options.headers ?? {}) },
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    signal: AbortSignal.timeout(options.timeoutMs ?? 120_000),
  });
  const text = await response.text();
  const ms = performance.now() - started;
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON
  }
  const expect = options.expect ?? [200, 201, 204];
  if (!expect.includes(response.status)) {
    const sent = options.body === undefined ? '' : ` ${JSON.stringify(options.body).slice(0, 600)}`;
    throw new HttpError(`${method} ${path}${sent}\n  → ${response.status} ${text.slice(0, 2000)}`);
  }
  return { status: response.status, body, headers: response.headers, ms };
}
