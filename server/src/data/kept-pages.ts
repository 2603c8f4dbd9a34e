import { createHash } from 'node:crypto';
import type { Database } from '../db/database.ts';
import { ALL_TENANTS } from '../db/migrations.ts';
import type { AccessShape } from '../access/access-shape.ts';

/** A page as answered: its JSON and an entity tag of that JSON. */
export interface PageAnswer {
  body: string;
  etag: string;
}

interface Kept extends PageAnswer {
  /** The snapshot taken before the page was read: every change it does not see is newer than the page. */
  snapshot: string;
  at: number;
  hits: number;
}

/** How long a page is kept at most; changes are noted for longer than this (see `prune`). */
export const KEPT_MS = 60_000;
/** A page found changed before it was ever served again is not kept again for this long: its tenant writes more often than it is read. */
const CHURN_MS = 10_000;
const MAX_PAGES = 2_000;
/** Characters of JSON kept at most: 64 MB while the pages are one-byte text (V8 keeps such a string at a byte a character). */
const MAX_SIZE = 64 * 1024 * 1024;
const PRUNE_EVERY_MS = KEPT_MS;

/**
 * The snapshot now, and whether any record or share of the tenant changed in a transaction that
 * the kept page's snapshot ($2; none for a page not kept yet) does not see (migration 93): an
 * index range of the tenant's noted transactions from that snapshot's xmin on, the all-tenants
 * id's alike.
 */
const CHECK_SQL = `select pg_current_snapshot()::text as now,
  $2::text is not null and exists (
    select 1 from record_change c
     where c.tenant_id = any(array[$1::uuid, '${ALL_TENANTS}'::uuid])
       and c.xid >= pg_snapshot_xmin($2::pg_snapshot) and not pg_visible_in_snapshot(c.xid, $2::pg_snapshot)
  ) as changed`;

/**
 * List pages kept per process, each served again only after the database says that no record or
 * share of its tenant changed since the snapshot the page was read after (ADR 0025). The check is
 * one indexed statement, against the list's statement and the rendering of its records: a list
 * read again, by a user going back or an integration polling it, costs a fraction of the first
 * read, and is never older than what a fresh read would give, whichever process wrote.
 *
 * A page is keyed by who reads it (its access shape: records, fields and the principal, rebuilt
 * on every access change), the tenant's model revision and the request's query, so no reader is
 * ever served another's page. Pages that depend on the clock (formulas computed on read) are not
 * kept: the caller decides.
 */
export class KeptPages {
  readonly #db: Database;
  readonly #pages = new Map<string, Kept>();
  /** Pages not kept yet, with when they may be: once read (now), or after a while (their tenant changes them faster than they are read). */
  readonly #waiting = new Map<string, number>();
  readonly #shapes = new WeakMap<AccessShape, number>();
  #nextShape = 1;
  #size = 0;
  /** Snapshot xmins taken at each prune, oldest first: the horizon below which noted changes are no longer needed. */
  readonly #horizons: { at: number; xmin: string }[] = [];
  #pruner: NodeJS.Timeout | undefined;

  readonly #enabled: boolean;

  /** `enabled: false` answers every page as read (PROTEAN_KEEP_LIST_PAGES=0). */
  constructor(db: Database, options: { enabled?: boolean } = {}) {
    this.#db = db;
    this.#enabled = options.enabled ?? true;
  }

  start(): void {
    if (!this.#enabled) return;
    // A failed pass leaves the notes for the next one; pages stay correct either way.
    this.#pruner ??= setInterval(() => void this.prune().catch((error: unknown) => console.error('kept pages: deleting old change notes failed', error)), PRUNE_EVERY_MS).unref();
  }

  stop(): void {
    clearInterval(this.#pruner);
    this.#pruner = undefined;
  }

  /**
   * The page for `query` as `shape` reads it at `revision`: a kept one when nothing changed since
   * it was read, else `read()`'s, kept for the next time.
   */
  async answer(shape: AccessShape, revision: number, query: string, read: () => Promise<unknown>): Promise<PageAnswer> {
    if (!this.#enabled) return renderPage(await read());
    const key = `${this.#shapeToken(shape)}\n${revision}\n${query}`;
    const now = Date.now();
    let kept = this.#pages.get(key);
    if (kept && now - kept.at > KEPT_MS) {
      this.#drop(key, kept);
      kept = undefined;
    }
    if (!kept) {
      // A page is kept from its second reading on (most pages are read once), and not while its
      // tenant changes faster than the page is read again: the check would then only add a statement.
      const from = this.#waiting.get(key);
      if (from === undefined || from > now) {
        if (from === undefined) this.#wait(key, now);
        return renderPage(await read());
      }
      this.#waiting.delete(key);
    }
    const [check] = await this.#db.read<{ now: string; changed: boolean }>(shape.tenantId, CHECK_SQL, [shape.tenantId, kept?.snapshot ?? null]);
    if (!check) return renderPage(await read());
    if (kept && !check.changed) {
      kept.hits++;
      return kept;
    }
    if (kept) {
      this.#drop(key, kept);
      if (kept.hits === 0) {
        this.#wait(key, now + CHURN_MS);
        return renderPage(await read());
      }
    }
    const answer = renderPage(await read());
    this.#keep(key, { ...answer, snapshot: check.now, at: now, hits: 0 });
    return answer;
  }

  /**
   * Deletes noted changes that no kept page can need: those of transactions that had ended before
   * a snapshot taken more than KEPT_MS ago, when every page now kept was read after it.
   */
  async prune(): Promise<void> {
    const [row] = await this.#db.system((q) => q.query<{ xmin: string }>('select pg_snapshot_xmin(pg_current_snapshot())::text as xmin'));
    const now = Date.now();
    if (row) this.#horizons.push({ at: now, xmin: row.xmin });
    let horizon: string | undefined;
    while (this.#horizons.length > 1 && now - this.#horizons[0]!.at > KEPT_MS + PRUNE_EVERY_MS / 2) horizon = this.#horizons.shift()!.xmin;
    if (horizon !== undefined) await this.#db.system((q) => q.query('delete from record_change where xid < $1::xid8', [horizon]));
    for (const [key, kept] of this.#pages) if (now - kept.at > KEPT_MS) this.#drop(key, kept);
    for (const [key, from] of this.#waiting) if (now - from > KEPT_MS) this.#waiting.delete(key);
  }

  /** How many pages are kept and their size in characters. */
  stats(): { pages: number; size: number } {
    return { pages: this.#pages.size, size: this.#size };
  }

  #shapeToken(shape: AccessShape): number {
    let token = this.#shapes.get(shape);
    if (token === undefined) this.#shapes.set(shape, (token = this.#nextShape++));
    return token;
  }

  #wait(key: string, from: number): void {
    this.#waiting.delete(key);
    this.#waiting.set(key, from);
    if (this.#waiting.size > MAX_PAGES) this.#waiting.delete(this.#waiting.keys().next().value!);
  }

  #keep(key: string, kept: Kept): void {
    // Two requests that found the same page changed both read it again: the later one replaces the other.
    const replaced = this.#pages.get(key);
    if (replaced) this.#drop(key, replaced);
    this.#pages.set(key, kept);
    this.#size += kept.body.length;
    // The oldest pages go first (a Map iterates in insertion order).
    for (const [oldKey, old] of this.#pages) {
      if (this.#pages.size <= MAX_PAGES && this.#size <= MAX_SIZE) break;
      this.#drop(oldKey, old);
    }
  }

  #drop(key: string, kept: Kept): void {
    if (this.#pages.get(key) !== kept) return;
    this.#pages.delete(key);
    this.#size -= kept.body.length;
  }
}

/** A page's JSON and entity tag. */
export function renderPage(page: unknown): PageAnswer {
  const body = JSON.stringify(page);
  return { body, etag: `W/"${createHash('sha1').update(body).digest('base64url')}"` };
}

/** Whether list pages are kept (PROTEAN_KEEP_LIST_PAGES: 1, the default, or 0). */
export function keepListPagesFrom(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env['PROTEAN_KEEP_LIST_PAGES'];
  if (value === undefined || value === '' || value === '1') return true;
  if (value === '0') return false;
  throw new Error(`PROTEAN_KEEP_LIST_PAGES must be 0 or 1, not ${value}`);
}

/**
 * Whether an If-None-Match header names `etag`: compared weakly, as RFC 9110 has it for this
 * header (`W/"x"` matches `"x"`), and `*` names any current representation.
 */
export function noneMatchHolds(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  const wanted = opaque(etag);
  return header.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === wanted);
}
