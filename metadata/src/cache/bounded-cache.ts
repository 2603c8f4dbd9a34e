/**
 * A least-recently-used map with a fixed capacity, for compiled artifacts memoised per
 * (tenant, revision). Map keeps insertion order, so re-inserting on read marks recency.
 */
export class BoundedCache<K, V> {
  readonly capacity: number;
  #entries = new Map<K, V>();
  #onEvict: ((key: K, value: V) => void) | undefined;

  constructor(capacity: number, onEvict?: (key: K, value: V) => void) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a positive integer');
    this.capacity = capacity;
    this.#onEvict = onEvict;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: K): V | undefined {
    if (!this.#entries.has(key)) return undefined;
    const value = this.#entries.get(key) as V;
    this.#entries.delete(key);
    this.#entries.set(key, value);
    return value;
  }

  has(key: K): boolean {
    return this.#entries.has(key);
  }

  set(key: K, value: V): this {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    while (this.#entries.size > this.capacity) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      const evicted = this.#entries.get(oldest.value) as V;
      this.#entries.delete(oldest.value);
      this.#onEvict?.(oldest.value, evicted);
    }
    return this;
  }

  getOrCreate(key: K, create: () => V): V {
    if (this.#entries.has(key)) return this.get(key) as V;
    const value = create();
    this.set(key, value);
    return value;
  }

  delete(key: K): boolean {
    return this.#entries.delete(key);
  }

  /** Drops every entry whose key matches, e.g. all artifacts of one tenant after a change. */
  deleteWhere(predicate: (key: K) => boolean): number {
    let removed = 0;
    for (const key of [...this.#entries.keys()]) {
      if (predicate(key)) {
        this.#entries.delete(key);
        removed++;
      }
    }
    return removed;
  }

  clear(): void {
    this.#entries.clear();
  }
}
