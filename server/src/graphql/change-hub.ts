import { randomUUID } from 'node:crypto';
import type { Database } from '../db/database.ts';
import { OutboxConsumer } from '../events/outbox-consumer.ts';
import type { OutboxEvent } from '../events/outbox-reader.ts';

export const RECORD_EVENTS = ['created', 'updated', 'deleted', 'restored'] as const;
export type RecordEventName = (typeof RECORD_EVENTS)[number];

type Listener = (event: OutboxEvent) => void;

/**
 * Fans committed record events out to this process's GraphQL subscribers. It reads the outbox
 * like every other consumer (not in-process save calls), so a change saved through any server
 * process reaches subscribers on all of them. Each process has a checkpoint of its own that
 * starts at 'now' (a subscriber wants what happens from now on) and is removed when it stops.
 */
export class ChangeHub {
  readonly #db: Database;
  readonly #listeners = new Map<string, Set<Listener>>();
  readonly #consumer: OutboxConsumer;
  readonly #name = `graphql-subscriptions:${randomUUID()}`;

  constructor(db: Database, options: { pollMs?: number } = {}) {
    this.#db = db;
    this.#consumer = new OutboxConsumer(db, {
      name: this.#name,
      startAt: 'now',
      pollMs: options.pollMs ?? 1_000,
      batchSize: 500,
      handle: async (events) => {
        for (const event of events) {
          if (!event.recordId || !event.objectId || !(RECORD_EVENTS as readonly string[]).includes(event.event)) continue;
          for (const listener of this.#listeners.get(`${event.tenantId}\n${event.objectId}`) ?? []) listener(event);
        }
      },
    });
  }

  start(): Promise<void> {
    return this.#consumer.start();
  }

  async stop(): Promise<void> {
    await this.#consumer.stop();
    await this.#db.system((tx) => tx.query('delete from outbox_checkpoint where consumer = $1', [this.#name])).catch(() => undefined);
  }

  /** Calls `listener` with each committed record event of one tenant's object; returns the unsubscribe. */
  listen(tenantId: string, objectId: string, listener: Listener): () => void {
    const key = `${tenantId}\n${objectId}`;
    let set = this.#listeners.get(key);
    if (!set) this.#listeners.set(key, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.#listeners.delete(key);
    };
  }
}
