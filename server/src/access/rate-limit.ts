import type { FastifyInstance } from 'fastify';
import { ProblemError } from '../errors/problems.ts';
import type { AccessService } from './access-service.ts';

export interface RateLimits {
  /** Requests per minute for one tenant, all its users and keys together. */
  perTenant: number;
  /** Requests per minute for one API key. */
  perApiKey: number;
}

// High enough that no interactive use or ordinary integration meets them; a deployment sets its own.
export const DEFAULT_RATE_LIMITS: RateLimits = { perTenant: 600_000, perApiKey: 300_000 };
const WINDOW_MS = 60_000;
const MAX_BUCKETS = 100_000;

/**
 * Token buckets, refilled continuously: a burst up to the minute's allowance, then the steady
 * rate. Kept per process, so with N processes a tenant gets up to N times the allowance: a
 * guard against one tenant or one runaway integration starving the others, not a billing meter.
 */
export class RateLimiter {
  readonly #limits: RateLimits;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(limits: RateLimits) {
    this.#limits = limits;
  }

  /** Takes one request from each bucket, or says how many seconds until the emptiest one has one. */
  take(tenantId: string, apiKeyId: string | undefined, now = Date.now()): { ok: true } | { ok: false; retryAfter: number; scope: 'tenant' | 'apiKey' } {
    const buckets: [string, number, 'tenant' | 'apiKey'][] = [[`t:${tenantId}`, this.#limits.perTenant, 'tenant']];
    if (apiKeyId) buckets.push([`k:${apiKeyId}`, this.#limits.perApiKey, 'apiKey']);
    const states = buckets.map(([key, limit, scope]) => {
      const state = this.#buckets.get(key) ?? { tokens: limit, at: now };
      state.tokens = Math.min(limit, state.tokens + ((now - state.at) * limit) / WINDOW_MS);
      state.at = now;
      if (!this.#buckets.has(key)) {
        if (this.#buckets.size >= MAX_BUCKETS) this.#buckets.clear();
        this.#buckets.set(key, state);
      }
      return { state, limit, scope };
    });
    const empty = states.find((s) => s.state.tokens < 1);
    if (empty) return { ok: false, retryAfter: Math.max(1, Math.ceil(((1 - empty.state.tokens) * WINDOW_MS) / empty.limit / 1000)), scope: empty.scope };
    for (const s of states) s.state.tokens -= 1;
    return { ok: true };
  }
}

/**
 * Refuses a signed-in request over its tenant's or its API key's rate with 429 and Retry-After,
 * then resolves the principal's Setup rights for the routes that check them.
 */
export function limitRequestRates(scope: FastifyInstance, limiter: RateLimiter, access: AccessService): void {
  scope.decorateRequest('setupRights', null);
  scope.addHook('preHandler', async (request, reply) => {
    const principal = request.principal;
    if (!principal) return;
    request.setupRights = (await access.shapeOf(principal)).setupRights();
    const verdict = limiter.take(principal.tenantId, principal.apiKeyId);
    if (verdict.ok) return;
    void reply.header('retry-after', String(verdict.retryAfter));
    throw new ProblemError('limit-exceeded', 429, verdict.scope === 'tenant' ? 'This workspace is sending too many requests; retry later' : 'This API key is sending too many requests; retry later', undefined, {
      retryAfter: verdict.retryAfter,
    });
  });
}
