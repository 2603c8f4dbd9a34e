import type { Queryable } from '../db/database.ts';

/** How long a tenant's time zone is trusted before it is read again (a settings change shows within this). */
const TTL_MS = 30_000;

/**
 * Each tenant's time zone, for today() and date parts in expressions. Read inside the caller's
 * transaction and kept briefly; `cached` serves synchronous readers (formulas computed on read).
 */
export class TenantZones {
  readonly #zones = new Map<string, { zone: string; at: number }>();

  async of(q: Pick<Queryable, 'query'>, tenantId: string): Promise<string> {
    const hit = this.#zones.get(tenantId);
    if (hit && Date.now() - hit.at < TTL_MS) return hit.zone;
    return this.read(q, tenantId);
  }

  /** The zone as `q`'s transaction reads it, whatever is cached (which it refreshes): for decisions that must not lag a change made elsewhere. */
  async read(q: Pick<Queryable, 'query'>, tenantId: string): Promise<string> {
    const [row] = await q.query<{ zone: string | null }>('select time_zone as zone from tenant where id = $1', [tenantId]);
    const zone = row?.zone ?? 'UTC';
    this.#zones.set(tenantId, { zone, at: Date.now() });
    return zone;
  }

  /** The zone read lately, if any: a reader without a transaction at hand asks this before opening one. */
  known(tenantId: string): string | undefined {
    const hit = this.#zones.get(tenantId);
    return hit && Date.now() - hit.at < TTL_MS ? hit.zone : undefined;
  }

  cached(tenantId: string): string {
    return this.#zones.get(tenantId)?.zone ?? 'UTC';
  }

  /** A tenant's zone just changed (in this process): used from now on. */
  changed(tenantId: string, zone: string): void {
    this.#zones.set(tenantId, { zone, at: Date.now() });
  }
}

/** The process's cache: saves fill it, formulas computed on read use it. */
export const tenantZones = new TenantZones();
