/**
 * Types that reference no object type (enums, input types) are the same for every tenant whose
 * definition of them is the same, so schemas share one instance (graphql-js types hold no
 * reference to a schema). Keyed by content; an entry lives as long as some schema uses it.
 */
export class SharedTypes {
  readonly #types = new Map<string, WeakRef<object>>();
  readonly #collect = new FinalizationRegistry<string>((key) => {
    if (!this.#types.get(key)?.deref()) this.#types.delete(key);
  });

  get<T extends object>(definition: unknown, build: () => T): T {
    const key = JSON.stringify(definition);
    const known = this.#types.get(key)?.deref();
    if (known) return known as T;
    const type = build();
    this.#types.set(key, new WeakRef(type));
    this.#collect.register(type, key);
    return type;
  }

  get size(): number {
    return this.#types.size;
  }
}

/** One pool for the process: every schema built here draws its leaf types from it. */
export const sharedTypes = new SharedTypes();
