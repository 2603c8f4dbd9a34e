/**
 * A bound on how often one automation fires on one record (60 a minute: one a second, sustained). An automation no longer fires on its
 * own writes, but two can feed each other (A's write starts B, B's starts A) without end. Each
 * (automation, record) may fire `limit` times in a window; past it, its triggers are skipped until
 * the window ends, and the skip is logged once. Kept per process: with several processes the
 * bound is theirs together, still a bound.
 */
export class TriggerBreaker {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #counts = new Map<string, { count: number; since: number }>();
  readonly #warn: (message: string) => void;

  constructor(options: { limit?: number; windowMs?: number; warn?: (message: string) => void } = {}) {
    this.#limit = options.limit ?? 60;
    this.#windowMs = options.windowMs ?? 60_000;
    this.#warn = options.warn ?? ((message) => console.warn(message));
  }

  /** Whether `automation` may fire on `recordId` now; counts the firing when it may. */
  allow(automation: { id: string; label: string }, recordId: string, now = Date.now()): boolean {
    const key = `${automation.id}:${recordId}`;
    let entry = this.#counts.get(key);
    if (!entry || now - entry.since >= this.#windowMs) {
      if (this.#counts.size >= 10_000) this.#forgetOld(now);
      entry = { count: 0, since: now };
      this.#counts.set(key, entry);
    }
    entry.count += 1;
    if (entry.count === this.#limit + 1) this.#warn(`automation '${automation.label}' fired ${this.#limit} times on record ${recordId} within ${this.#windowMs / 1000} s; its further triggers on it are skipped until then (two automations feeding each other?)`);
    return entry.count <= this.#limit;
  }

  #forgetOld(now: number): void {
    for (const [key, entry] of this.#counts) if (now - entry.since >= this.#windowMs) this.#counts.delete(key);
    if (this.#counts.size >= 10_000) this.#counts.clear();
  }
}
