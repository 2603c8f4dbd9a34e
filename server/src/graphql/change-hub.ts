import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Database } from '../db/database.ts';
import { ensureCheckpoint } from '../events/outbox-checkpoint.ts';
import { OutboxConsumer } from '../events/outbox-consumer.ts';
import type { OutboxEvent } from '../events/outbox-reader.ts';

export const RECORD_EVENTS = ['created', 'updated', 'deleted', 'restored'] as const;
export type RecordEventName = (typeof RECORD_EVENTS)[number];

type Listener = (event: OutboxEvent) => void;

export const HUB_CHECKPOINT_PREFIX = 'graphql-subscriptions:';

export interface ChangeHubTiming {
  pollMs: number;
  /** How often a hub marks its checkpoint alive (and removes those of hubs that stopped doing so). */
  heartbeatMs: number;
  /** A hub checkpoint not marked for this long belongs to a process that died: it is removed. */
  staleMs: number;
}

/**
 * Fans committed record events out to this process's GraphQL subscribers. It reads the outbox
 * like every other consumer (not in-process save calls), so a change saved through any server
 * process reaches subscribers on all of them. Each process has a checkpoint of its own that
 * starts at 'now' (a subscriber wants what happens from now on) and is removed when it stops.
 * A process that dies cannot remove its own: every hub marks its checkpoint alive each
 * `heartbeatMs` and removes hub checkpoints nobody marked for `staleMs`, so a crashed process
 * leaves no checkpoint behind for long (nor an outbox position that looks like a lagging consumer).
 */
export class ChangeHub {
  readonly #db: Database;
  readonly #listeners = new Map<string, Set<Listener>>();
  /** Counts `listen` calls, so a batch read meanwhile knows its filter is out of date. */
  #subscriptionsMade = 0;
  readonly #consumer: OutboxConsumer;
  /** The process is in the name, so an operator can tell whose checkpoint it is. */
  readonly name = `${HUB_CHECKPOINT_PREFIX}${process.pid}@${hostname()}:${randomUUID()}`;
  readonly #timing: ChangeHubTiming;
  #heartbeat: NodeJS.Timeout | undefined;
  #beating: Promise<void> | undefined;

  constructor(db: Database, options: Partial<ChangeHubTiming> = {}) {
    this.#db = db;
    this.#timing = { pollMs: 1_000, heartbeatMs: 60_000, staleMs: 10 * 60_000, ...options };
    this.#consumer = new OutboxConsumer(db, {
      name: this.name,
      startAt: 'now',
      pollMs: this.#timing.pollMs,
      // Only tenants with a live subscription in this process; one subscribing later wants only later events.
      // A subscription made while a batch was read may be for one of its events: the batch is read again then.
      filter: () => {
        const made = this.#subscriptionsMade;
        const tenants = new Set([...this.#listeners.keys()].map((key) => key.slice(0, key.indexOf('\n'))));
        return { sql: 'o.tenant_id = any($3::uuid[])', params: [[...tenants]], current: () => made === this.#subscriptionsMade };
      },
      handle: async (events) => {
        for (const event of events) {
          if (!event.recordId || !event.objectId || !(RECORD_EVENTS as readonly string[]).includes(event.event)) continue;
          for (const listener of this.#listeners.get(`${event.tenantId}\n${event.objectId}`) ?? []) listener(event);
        }
      },
    });
  }

  async start(): Promise<void> {
    await this.#consumer.start();
    await this.beat();
    this.#heartbeat = setInterval(() => {
      this.#beating ??= this.beat()
        .catch((error: unknown) => console.error('graphql subscriptions: checkpoint heartbeat failed', error))
        .finally(() => (this.#beating = undefined));
    }, this.#timing.heartbeatMs);
    this.#heartbeat.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#heartbeat);
    await this.#beating;
    await this.#consumer.stop();
    await this.#db
      .system((tx) => tx.query('delete from outbox_checkpoint where consumer = $1', [this.name]))
      .catch((error: unknown) => console.error('graphql subscriptions: removing the checkpoint failed (it is removed as stale later)', error));
  }

  /**
   * Marks this hub's checkpoint alive and removes hubs' checkpoints that nobody marked for
   * `staleMs` (their process died). One this hub finds missing (removed while the process was
   * stalled longer than that) is made again, from now.
   */
  async beat(): Promise<void> {
    await this.#db.system(async (tx) => {
      const marked = await tx.query('update outbox_checkpoint set updated_at = now() where consumer = $1 returning consumer', [this.name]);
      if (marked.length === 0) await ensureCheckpoint(tx, this.name, 'now');
      await tx.query(`delete from outbox_checkpoint where consumer like '${HUB_CHECKPOINT_PREFIX}%' and consumer <> $1 and updated_at < now() - make_interval(secs => $2::float8 / 1000)`, [this.name, this.#timing.staleMs]);
    });
  }

  /** Calls `listener` with each committed record event of one tenant's object; returns the unsubscribe. */
  listen(tenantId: string, objectId: string, listener: Listener): () => void {
    const key = `${tenantId}\n${objectId}`;
    let set = this.#listeners.get(key);
    if (!set) this.#listeners.set(key, (set = new Set()));
    set.add(listener);
    this.#subscriptionsMade += 1;
    return () => {
      set.delete(listener);
      if (set.size === 0) this.#listeners.delete(key);
    };
  }
}
