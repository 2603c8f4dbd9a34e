import { createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { checkTarget, OutboundRefused, type OutboundPolicy } from './outbound-guard.ts';

/** Signature scheme version: receivers check `v1=` values. */
export const SIGNATURE_VERSION = 'v1';

/** HMAC-SHA256 over `<timestamp>.<body>` with the webhook's secret, hex. */
export function signDelivery(secret: string, timestamp: number, body: string): string {
  return `${SIGNATURE_VERSION}=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export interface AttemptResult {
  status: number | null;
  error: string | null;
  durationMs: number;
  ok: boolean;
}

const TIMEOUT_MS = 10_000;

/**
 * POSTs one delivery. Redirects are not followed (a 3xx is a failed attempt), the response body
 * is not read beyond a few kilobytes, and the connection goes to the address the guard checked.
 */
export async function postDelivery(url: string, policy: OutboundPolicy, headers: Record<string, string>, body: string): Promise<AttemptResult> {
  const started = performance.now();
  const done = (status: number | null, error: string | null): AttemptResult => ({ status, error, durationMs: Math.round(performance.now() - started), ok: status !== null && status >= 200 && status < 300 });
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return done(null, 'the URL is not valid');
  }
  let pinned: { address: string; family: 4 | 6 };
  try {
    pinned = await checkTarget(target, policy);
  } catch (error) {
    return done(null, error instanceof OutboundRefused ? `refused: ${error.message}` : String(error));
  }
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<AttemptResult>((resolve) => {
    const req = send(
      target,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'Protean-Webhooks/1', ...headers },
        timeout: TIMEOUT_MS,
        lookup: (_host, options, callback) => {
          if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [pinned]);
          else callback(null, pinned.address, pinned.family);
        },
      },
      (res) => {
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > 64 * 1024) res.destroy();
        });
        res.on('end', () => resolve(done(res.statusCode ?? null, null)));
        res.on('close', () => resolve(done(res.statusCode ?? null, null)));
        res.on('error', () => resolve(done(res.statusCode ?? null, null)));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
    req.on('error', (error) => resolve(done(null, error.message)));
    req.end(body);
  });
}
