import type { Database, Queryable } from '../db/database.ts';
import { advanceCheckpoint, ensureCheckpoint, lockCheckpoint } from './outbox-checkpoint.ts';
import { OUTBOX_CHANNEL } from './outbox-channel.ts';
import { outboxHeldBack, readAfterCheckpoint, type OutboxEvent, type OutboxFilter } from './outbox-reader.ts';

/**
 * Handles a batch inside the transaction that then advances the checkpoint: bookkeeping written
 * with `tx` commits together with the new position, or not at all. Throwing leaves the
 * checkpoint where it was, and the same events come again after a backoff. On PGlite every
 * transaction is serialised, so a handler must use `tx` and not open another transaction.
 */
export type OutboxHandler = (events: readonly OutboxEvent[], tx: Queryable) => Promise<void>;

export interface OutboxConsumerOptions {
  /** Names the checkpoint; processes running the same name share it and never both deliver a batch. */
  name: string;
  handle: OutboxHandler;
  /**
   * The events this consumer wants, asked before each batch (none: all of them). The others
   * are passed over without reaching the server: four consumers each reading every event of a
   * bulk insert were a third of the server’s CPU per record (ADR 0018).
   */
  filter?: () => OutboxFilter;
  /** Where a consumer whose name is new starts: the whole outbox (default) or what commits from now on. */
  startAt?: 'beginning' | 'now';
  batchSize?: number;
  /** Safety net for lost notices: the outbox is read at least this often. */
  pollMs?: number;
  retryMinMs?: number;
  retryMaxMs?: number;
  /** After a batch that found events, the next one starts no sooner than this (see DEFAULTS). */
  gatherMs?: number;
  /** A failed batch (handler or database); it will be retried. */
  onError?: (error: unknown, attempt: number) => void;
  /** After a batch's transaction committed (to wake whoever waits for what the handler wrote). */
  afterCommit?: (delivered: number) => void;
}

// A batch is one transaction of ~5 round trips whatever its size: under a write load, batches of
// 100 made the four consumers of a process ~17 % of its CPU during bulk inserts (ADR 0018). A
// batch of a thousand events is read in one statement and handled in one transaction.
// Under a stream of single writes every commit's notice started a batch of the few events since
// the last one: at 1,600 creates/s, four consumers spent ~3 round trips per create. After a batch
// that found events the next waits `gatherMs`, so a busy stream is read in batches of that many
// milliseconds of events; an event after a quiet spell is still read at once. While batch after
// batch holds BULK_EVENTS or more the wait doubles, up to MAX_GATHER_MS: under a bulk insert every
// commit still started a batch of each consumer, ~5 round trips a thousand records, with the
// statement's row of a thousand events filling a batch. A batch now holds a few such rows. A
// stream of single writes, whose webhooks and workflows people wait on, keeps the short wait.
const DEFAULTS = { batchSize: 4_096, pollMs: 1_000, retryMinMs: 100, retryMaxMs: 30_000, gatherMs: 20 };
const BULK_EVENTS = 500;
const MAX_GATHER_MS = 160;
// Events committed but behind an older running transaction: look again soon, no notice will come.
const HELD_BACK_MS = 25;

interface BatchResult {
  delivered: number;
  /** Events read, wanted or passed over. */
  scanned: number;
  /** Events visible now are left after the batch: read again at once. */
  more: boolean;
  heldBack: boolean;
}

/**
 * Delivers the outbox to one handler at least once, in commit order (ADR 0006). Wakes on a
 * NOTIFY after commit, on a reconnect of the listening connection, and every `pollMs`; a failing
 * batch is retried with exponential backoff without moving past it.
 */
export class OutboxConsumer {
  readonly #db: Database;
  readonly #name: string;
  readonly #startAt: 'beginning' | 'now';
  readonly #handle: OutboxHandler;
  readonly #filter: (() => OutboxFilter) | undefined;
  readonly #options: typeof DEFAULTS;
  readonly #onError: (error: unknown, attempt: number) => void;
  readonly #afterCommit: ((delivered: number) => void) | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;
  #woken = false;
  #wakeSleeper: (() => void) | undefined;

  constructor(db: Database, options: OutboxConsumerOptions) {
    if (!options.name) throw new Error('An outbox consumer needs a name');
    this.#db = db;
    this.#name = options.name;
    this.#startAt = options.startAt ?? 'beginning';
    this.#handle = options.handle;
    this.#filter = options.filter;
    this.#options = {
      batchSize: options.batchSize ?? DEFAULTS.batchSize,
      pollMs: options.pollMs ?? DEFAULTS.pollMs,
      retryMinMs: options.retryMinMs ?? DEFAULTS.retryMinMs,
      retryMaxMs: options.retryMaxMs ?? DEFAULTS.retryMaxMs,
      gatherMs: options.gatherMs ?? DEFAULTS.gatherMs,
    };
    this.#afterCommit = options.afterCommit;
    this.#onError = options.onError ?? ((error, attempt) => console.error(`outbox consumer ${this.#name}: batch failed (attempt ${attempt})`, error));
  }

  /** Creates the checkpoint if this name is new (see `startAt`), then delivers until `stop`. */
  async start(): Promise<void> {
    if (this.#running) return;
    await this.#db.system((tx) => ensureCheckpoint(tx, this.#name, this.#startAt));
    await this.#db.listen(OUTBOX_CHANNEL, () => this.wake());
    this.#db.onReconnect(() => this.wake());
    this.#running = this.#loop();
  }

  /** Delivers what is there now, sooner than the poll would. */
  wake(): void {
    this.#woken = true;
    this.#wakeSleeper?.();
  }

  /** One batch, outside the loop (tests, scripts): the number of events handled. Throws what the handler threw. */
  async deliverOnce(): Promise<number> {
    await this.#db.system((tx) => ensureCheckpoint(tx, this.#name, this.#startAt));
    return (await this.#batch()).delivered;
  }

  /** Stops after the batch in flight, if any. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wakeSleeper?.();
    await this.#running;
  }

  async #loop(): Promise<void> {
    let failures = 0;
    let gather = this.#options.gatherMs;
    while (!this.#stopped) {
      this.#woken = false;
      let delay: number;
      try {
        const result = await this.#batch();
        failures = 0;
        delay = result.more ? 0 : result.heldBack ? HELD_BACK_MS : this.#options.pollMs;
        if (result.scanned > 0 && delay > 0 && gather > 0) await this.#sleep(gather, false);
        if (result.scanned < BULK_EVENTS) gather = this.#options.gatherMs;
        else if (delay > 0) gather = Math.min(gather * 2, Math.max(MAX_GATHER_MS, this.#options.gatherMs));
      } catch (error) {
        failures += 1;
        this.#onError(error, failures);
        delay = Math.min(this.#options.retryMinMs * 2 ** (failures - 1), this.#options.retryMaxMs);
      }
      // A notice that came in during the batch is for events it may not have seen; a failing batch waits its backoff out.
      if (this.#stopped || (this.#woken && failures === 0)) continue;
      if (delay > 0) await this.#sleep(delay, failures === 0);
    }
  }

  #sleep(ms: number, wakeable: boolean): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wakeSleeper = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wakeSleeper = wakeable ? done : () => this.#stopped && done();
    });
  }

  async #batch(): Promise<BatchResult> {
    const result = await this.#db.system(async (tx): Promise<BatchResult> => {
      // Another process of this consumer holds the checkpoint and is delivering.
      if (!(await lockCheckpoint(tx, this.#name))) return { delivered: 0, scanned: 0, more: false, heldBack: false };
      let filter = this.#filter?.();
      let batch = await readAfterCheckpoint(tx, this.#name, this.#options.batchSize, filter);
      while (filter?.current && !filter.current()) batch = await readAfterCheckpoint(tx, this.#name, this.#options.batchSize, (filter = this.#filter!()));
      const { events, last, scanned, more } = batch;
      if (!last) return { delivered: 0, scanned: 0, more: false, heldBack: await outboxHeldBack(tx) };
      if (events.length) await this.#handle(events, tx);
      await advanceCheckpoint(tx, this.#name, last);
      return { delivered: events.length, scanned, more, heldBack: false };
    });
    if (result.delivered) this.#afterCommit?.(result.delivered);
    return result;
  }
}
