import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { validationError } from '../errors/problems.ts';
import type { DataService } from './data-service.ts';
import type { RequestContext } from './request-context.ts';

/** How long an answer is kept for a retry with the same key (the webhook retry period too). */
export const IDEMPOTENCY_HOURS = 24;

/** What a write answered: kept under its key and sent again, unchanged, to a retry. */
export interface WriteAnswer {
  status: number;
  body: unknown;
}

const KEY = /^[\x21-\x7e]{1,255}$/;

/** The `Idempotency-Key` header, or undefined when none was sent; anything but 1–255 visible ASCII characters is a 400. */
export function idempotencyKeyOf(headers: IncomingHttpHeaders): string | undefined {
  const raw = headers['idempotency-key'];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !KEY.test(raw)) {
    throw validationError('The Idempotency-Key header must be 1 to 255 visible ASCII characters', [{ field: 'Idempotency-Key', code: 'format', message: 'must be 1 to 255 visible ASCII characters' }], 400);
  }
  return raw;
}

/**
 * Runs a write once per key: a client whose request timed out, or whose connection dropped before
 * the answer came, sends it again with the same `Idempotency-Key` and gets the first answer back
 * instead of a second record. The key is claimed in the write's own transaction, so it is kept
 * exactly when the write commits (a refused write keeps nothing, and its retry runs again), and a
 * retry sent while the first is still running waits for it. Keys belong to the API key or user
 * that sent them; one sent again with another request is refused, as that is a client's bug.
 */
export async function writeOnce(data: DataService, ctx: RequestContext, key: string, request: unknown, write: (ctx: RequestContext) => Promise<WriteAnswer>): Promise<WriteAnswer & { replayed: boolean }> {
  const { principal } = ctx;
  const holder = principal.apiKeyId ? `key:${principal.apiKeyId}` : `user:${principal.userId}`;
  const fingerprint = createHash('sha256').update(JSON.stringify(request)).digest('base64url');
  const at = [principal.tenantId, holder, key];
  return data.save.inScope(ctx, async ({ tx }, ctx) => {
    // A few expired keys of the tenant go with each claim, so the table holds about a day of them.
    await tx.query(
      `delete from idempotent_request where (tenant_id, holder, key) in (
         select tenant_id, holder, key from idempotent_request where tenant_id = $1 and created_at < now() - make_interval(hours => $2) limit 20)`,
      [principal.tenantId, IDEMPOTENCY_HOURS],
    );
    const claimed = await tx.query(
      `insert into idempotent_request (tenant_id, holder, key, fingerprint) values ($1, $2, $3, $4)
       on conflict (tenant_id, holder, key) do update set fingerprint = excluded.fingerprint, status = null, body = null, created_at = now()
        where idempotent_request.created_at < now() - make_interval(hours => $5)
       returning key`,
      [...at, fingerprint, IDEMPOTENCY_HOURS],
    );
    if (claimed.length === 0) {
      // Taken by a write that committed (the claim waited for it to end): its answer, if the request is the same.
      const [kept] = await tx.query<{ fingerprint: string; status: number; body: unknown }>('select fingerprint, status, body from idempotent_request where tenant_id = $1 and holder = $2 and key = $3', at);
      if (kept?.fingerprint !== fingerprint) {
        throw validationError('This Idempotency-Key was sent with another request; use a new key for a new request', [{ field: 'Idempotency-Key', code: 'reused', message: 'was sent with another request' }]);
      }
      return { status: kept.status, body: kept.body, replayed: true };
    }
    const answer = await write(ctx);
    await tx.query('update idempotent_request set status = $4, body = $5 where tenant_id = $1 and holder = $2 and key = $3', [...at, answer.status, JSON.stringify(answer.body)]);
    return { ...answer, replayed: false };
  });
}
