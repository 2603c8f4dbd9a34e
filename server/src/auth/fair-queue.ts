/** Thrown when a key already has as many tasks waiting as it may; the caller answers 429. */
export class QueueFull extends Error {}

interface Waiting {
  start: () => void;
}

/**
 * Runs tasks with bounded concurrency, taking turns between keys (tenants) and capping how
 * many run at once for one key, so a burst under one key can neither fill every slot nor
 * push another key's task behind its own queue.
 */
export class FairQueue {
  readonly #concurrency: number;
  readonly #perKey: number;
  readonly #maxWaitingPerKey: number;
  readonly #waiting = new Map<string, Waiting[]>();
  readonly #running = new Map<string, number>();
  #active = 0;

  constructor(options: { concurrency: number; perKey: number; maxWaitingPerKey: number }) {
    this.#concurrency = options.concurrency;
    this.#perKey = Math.min(options.perKey, options.concurrency);
    this.#maxWaitingPerKey = options.maxWaitingPerKey;
  }

  /** True when a task under `key` would be refused now: callers check it before work that leads up to `run`. */
  full(key: string): boolean {
    return (this.#waiting.get(key)?.length ?? 0) >= this.#maxWaitingPerKey;
  }

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const queue = this.#waiting.get(key) ?? [];
      if (queue.length >= this.#maxWaitingPerKey) {
        reject(new QueueFull(`${queue.length} tasks already wait under this key`));
        return;
      }
      const start = () => {
        this.#active++;
        this.#running.set(key, (this.#running.get(key) ?? 0) + 1);
        task()
          .then(resolve, reject)
          .finally(() => {
            this.#active--;
            const left = (this.#running.get(key) ?? 1) - 1;
            if (left) this.#running.set(key, left);
            else this.#running.delete(key);
            this.#next();
          });
      };
      queue.push({ start });
      // A key new to the queue goes behind the others; a served key moves behind them in #next.
      if (!this.#waiting.has(key)) this.#waiting.set(key, queue);
      this.#next();
    });
  }

  #next(): void {
    for (const [key, queue] of this.#waiting) {
      if (this.#active >= this.#concurrency) return;
      if ((this.#running.get(key) ?? 0) >= this.#perKey) continue;
      const next = queue.shift()!;
      this.#waiting.delete(key);
      if (queue.length) this.#waiting.set(key, queue);
      next.start();
    }
  }
}
