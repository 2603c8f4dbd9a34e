import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../auth/principal.ts';
import { ProblemError } from '../errors/problems.ts';
import type { AccessService } from './access-service.ts';
import type { Database } from '../db/database.ts';

export interface RateLimits {
  /** Requests per minute for one tenant, all its users and keys together. */
  perTenant: number;
  /** Requests per minute for one API key. */
  perApiKey: number;
  /** Requests per minute for one user signed in in the studio (all their sessions), so one runaway tab does not spend a workspace's allowance. */
  perUser: number;
}

// High enough that no interactive use or ordinary integration meets them; a deployment sets its own.
export const DEFAULT_RATE_LIMITS: RateLimits = { perTenant: 600_000, perApiKey: 300_000, perUser: 60_000 };

export type RateScope = 'tenant' | 'apiKey' | 'user';

/** Who, inside a tenant, a request is counted for besides the tenant: its API key, or its signed-in user. */
export type RateCaller = { scope: 'apiKey' | 'user'; id: string } | undefined;

export const rateCallerOf = (principal: Principal): RateCaller =>
  principal.apiKeyId ? { scope: 'apiKey', id: principal.apiKeyId } : principal.via === 'session' ? { scope: 'user', id: principal.userId } : undefined;

/** The refusal's words, by the bucket that was empty. */
export const rateRefusal = (scope: RateScope): string =>
  scope === 'tenant' ? 'This workspace is sending too many requests; retry later' : scope === 'apiKey' ? 'This API key is sending too many requests; retry later' : 'You are sending too many requests; retry later';

const MAX_BUCKETS = 100_000;
/** A lease used up faster than this asks for twice as many tokens next time, else half as many. */
const BUSY_LEASE_MS = 1_000;

export type RateVerdict = { ok: true } | { ok: false; retryAfter: number; scope: RateScope };

interface LocalBucket {
  /** Tokens leased from the shared bucket and not spent yet. */
  tokens: number;
  /** How many to ask for next time (1 up to the limit's fiftieth). */
  lease: number;
  leasedAt: number;
  /** After the shared bucket refused: refuse locally until then, without asking again. */
  refusedUntil: number;
  retryAfter: number;
  pending: Promise<void> | undefined;
  /** Requests of this process waiting for the lease in flight: the next lease asks for at least this many. */
  waiting: number;
}

/**
 * Token buckets, refilled continuously (a burst up to the minute's allowance, then the steady
 * rate), kept in the database (`rate_bucket`, migration 28) so every server process draws from
 * the same allowance. A process leases tokens in batches that grow while it is busy (doubling
 * from 1 up to a fiftieth of the limit), so a busy tenant costs one statement per batch, not per
 * request; a process can hold at most one unspent batch per bucket, so all processes together
 * stay within the allowance plus at most N fiftieths of it. A refusal is remembered until the
 * shared bucket has a token again, so a flood does not reach the database either.
 */
export class RateLimiter {
  readonly #limits: RateLimits;
  readonly #db: Database;
  /** Per tenant: its bucket and its callers' (API keys, users), two levels, so a request builds no key string. */
  readonly #buckets = new Map<string, { tenant: LocalBucket; keys: Map<string, LocalBucket>; users: Map<string, LocalBucket> }>();
  #size = 0;

  constructor(limits: RateLimits, db: Database) {
    this.#limits = limits;
    this.#db = db;
  }

  /** Takes one request from each bucket, or says how many seconds until the emptiest one has one. */
  async take(tenantId: string, caller: RateCaller): Promise<RateVerdict> {
    const wanted: { key: string; limit: number; scope: RateScope }[] = [{ key: 't', limit: this.#limits.perTenant, scope: 'tenant' }];
    if (caller?.scope === 'apiKey') wanted.push({ key: `k:${caller.id}`, limit: this.#limits.perApiKey, scope: 'apiKey' });
    if (caller?.scope === 'user') wanted.push({ key: `u:${caller.id}`, limit: this.#limits.perUser, scope: 'user' });
    // Requests of this process share a lease in flight; whoever finds the tokens gone asks again.
    // Each lease asks for at least as many tokens as requests wait, so a round either serves them
    // or the shared bucket refused: only the shared allowance ever answers 429.
    for (;;) {
      const buckets = wanted.map((w) => ({ ...w, local: this.#local(tenantId, w.scope === 'tenant' ? undefined : caller) }));
      const now = Date.now();
      const refused = buckets.find((b) => b.local.tokens < 1 && b.local.refusedUntil > now && !b.local.pending);
      if (refused) return { ok: false, retryAfter: refused.local.retryAfter, scope: refused.scope };
      const short = buckets.find((b) => b.local.tokens < 1);
      if (!short) {
        for (const b of buckets) b.local.tokens -= 1;
        return { ok: true };
      }
      const local = short.local;
      local.waiting += 1;
      try {
        local.pending ??= this.#lease(tenantId, short.key, short.limit, local).finally(() => (local.pending = undefined));
        await local.pending;
      } finally {
        local.waiting -= 1;
      }
    }
  }

  /**
   * Takes one request from this process's leased tokens when every bucket has one (nearly every
   * request of a busy tenant), without a promise; false when `take` must ask the shared bucket.
   */
  takeHeld(tenantId: string, caller: RateCaller): boolean {
    const tenant = this.#local(tenantId, undefined);
    const key = caller === undefined ? undefined : this.#local(tenantId, caller);
    if (tenant.tokens < 1 || (key && key.tokens < 1)) return false;
    tenant.tokens -= 1;
    if (key) key.tokens -= 1;
    return true;
  }

  #local(tenantId: string, caller: RateCaller): LocalBucket {
    let buckets = this.#buckets.get(tenantId);
    if (!buckets) {
      buckets = { tenant: newBucket(), keys: new Map(), users: new Map() };
      this.#grow();
      this.#buckets.set(tenantId, buckets);
    }
    if (caller === undefined) return buckets.tenant;
    const callers = caller.scope === 'apiKey' ? buckets.keys : buckets.users;
    let bucket = callers.get(caller.id);
    if (!bucket) {
      bucket = newBucket();
      this.#grow();
      callers.set(caller.id, bucket);
    }
    return bucket;
  }

  #grow(): void {
    if (++this.#size <= MAX_BUCKETS) return;
    this.#buckets.clear();
    this.#size = 1;
  }

  async #lease(tenantId: string, key: string, limit: number, local: LocalBucket): Promise<void> {
    const now = Date.now();
    local.lease = now - local.leasedAt < BUSY_LEASE_MS ? Math.min(local.lease * 2, Math.max(1, Math.floor(limit / 50))) : Math.max(1, Math.floor(local.lease / 2));
    const want = Math.min(Math.max(local.lease, local.waiting), Math.max(1, Math.floor(limit)));
    const [row] = await this.#db.read<{ granted: number; tokens: number }>(tenantId, 'select granted, tokens from rate_lease($1, $2, $3, $4)', [tenantId, key, limit, want]);
    const granted = Number(row?.granted ?? 0);
    local.leasedAt = Date.now();
    local.tokens += granted;
    if (granted === 0) {
      // The shared bucket refills limit/60 000 per millisecond; it has a token again in this long.
      const waitMs = ((1 - Number(row?.tokens ?? 0)) * 60_000) / limit;
      local.refusedUntil = local.leasedAt + waitMs;
      local.retryAfter = Math.max(1, Math.ceil(waitMs / 1000));
    }
  }
}

const newBucket = (): LocalBucket => ({ tokens: 0, lease: 1, leasedAt: 0, refusedUntil: 0, retryAfter: 1, pending: undefined, waiting: 0 });

/**
 * Refuses a signed-in request over its tenant's, its API key's or its user's rate with 429 and Retry-After,
 * then resolves the principal's Setup rights for the routes that check them.
 */
export function limitRequestRates(scope: FastifyInstance, limiter: RateLimiter, access: AccessService): void {
  scope.decorateRequest('setupRights', null);
  const limit = async (request: FastifyRequest, reply: FastifyReply, principal: Principal) => {
    request.setupRights = (await access.shapeOf(principal)).setupRights();
    const verdict = await limiter.take(principal.tenantId, rateCallerOf(principal));
    if (verdict.ok) return;
    void reply.header('retry-after', String(verdict.retryAfter));
    throw new ProblemError('limit-exceeded', 429, rateRefusal(verdict.scope), undefined, { retryAfter: verdict.retryAfter });
  };
  // A callback hook: with the shape cached and leased tokens at hand (most requests) nothing is awaited.
  scope.addHook('preHandler', (request, reply, done) => {
    const principal = request.principal;
    if (!principal) return done();
    const shape = access.cachedShape(principal);
    if (shape && limiter.takeHeld(principal.tenantId, rateCallerOf(principal))) {
      request.setupRights = shape.setupRights();
      return done();
    }
    limit(request, reply, principal).then(() => done(), (error: Error) => done(error));
  });
}
