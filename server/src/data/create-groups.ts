/**
 * Statements of one key in the database at once while they run as usual; later creates queue.
 * One: with two, statements averaged 2.5 creates under ten connections and a create cost
 * Postgres 232 µs; with one, 6–7 creates and 166 µs (ADR 0020).
 */
const IN_FLIGHT_PER_KEY = 1;
/**
 * A statement still running after this long is held up (a lookup target locked by a long
 * transaction, say): the creates queued behind it go in a statement of their own rather than
 * wait for it, as they would have taken another connection without grouping. Under load a
 * statement takes 1–2 ms.
 */
export const STALLED_AFTER_MS = 20;
/** Statements of one key at most, held-up ones included (the pool has ten connections). */
const MOST_IN_FLIGHT_PER_KEY = 4;
/**
 * Creates one grouped statement carries at most. Under ten connections groups average ~7; the
 * cap bounds the statement's JSON parameter when many large creates queue at once (a single
 * create may be 1 MB, a whole batch 16 MB).
 */
const GROUP_LIMIT = 100;

interface Waiting<Draft, Row> {
  draft: Draft;
  write: (drafts: Draft[]) => Promise<Row[]>;
  resolve: (row: Row | undefined) => void;
  reject: (error: unknown) => void;
}

interface Lane<Draft, Row> {
  /** When each statement of the key in the database started (Date.now()). */
  starts: number[];
  queue: Waiting<Draft, Row>[];
  /** Drains the queue once the statement in flight counts as held up. */
  stallTimer: NodeJS.Timeout | undefined;
}

/**
 * Single creates that arrive together share one statement (ADR 0020). Creates with the same key
 * (tenant, object, acting user, model revision: everything the statement binds besides the
 * records) go to the database at once while no statement of that key is in flight; otherwise
 * they queue, and the next statement takes every create queued by then. A lone create waits
 * for nobody and costs what it did; under load a statement carries the creates that arrived
 * while the last one ran, and they share its round trip, executor start and commit. A statement
 * held up for `STALLED_AFTER_MS` lets the queue go in another.
 *
 * A grouped statement is all or nothing. When it writes nothing (a lookup target is gone, the
 * revision moved on) or fails, each of its creates is answered `undefined` and goes its own
 * transactional way, which tells each request what is wrong with it alone: a create never fails
 * for another's sake. A statement that held one create passes its error on, as before.
 */
export class CreateGroups<Draft extends { id: string }, Row extends { id: string }> {
  readonly #lanes = new Map<string, Lane<Draft, Row>>();

  /** Resolves with the written row of `draft`, or undefined when its statement wrote nothing. */
  submit(key: string, draft: Draft, write: (drafts: Draft[]) => Promise<Row[]>): Promise<Row | undefined> {
    let lane = this.#lanes.get(key);
    if (!lane) this.#lanes.set(key, (lane = { starts: [], queue: [], stallTimer: undefined }));
    const promise = new Promise<Row | undefined>((resolve, reject) => lane.queue.push({ draft, write, resolve, reject }));
    this.#drain(key, lane);
    return promise;
  }

  #drain(key: string, lane: Lane<Draft, Row>): void {
    // Held up: every statement in flight started long enough ago (none in flight counts as held up).
    const newest = () => Math.max(-Infinity, ...lane.starts);
    while (lane.queue.length > 0) {
      const heldUp = Date.now() - newest() >= STALLED_AFTER_MS;
      if (lane.starts.length >= (heldUp ? MOST_IN_FLIGHT_PER_KEY : IN_FLIGHT_PER_KEY)) break;
      const start = Date.now();
      lane.starts.push(start);
      void this.#run(key, lane, lane.queue.splice(0, GROUP_LIMIT), start);
    }
    if (lane.queue.length > 0 && lane.starts.length < MOST_IN_FLIGHT_PER_KEY && !lane.stallTimer) {
      lane.stallTimer = setTimeout(() => {
        lane.stallTimer = undefined;
        this.#drain(key, lane);
      }, Math.max(1, newest() + STALLED_AFTER_MS - Date.now()));
    }
  }

  async #run(key: string, lane: Lane<Draft, Row>, group: Waiting<Draft, Row>[], start: number): Promise<void> {
    try {
      // Every create of a key binds the same tenant, object, user and revision: any one's writer serves the group.
      const rows = await group[0]!.write(group.map((w) => w.draft));
      // The statement writes all of its records or none (no rows).
      const byId = new Map(rows.map((row) => [row.id, row]));
      for (const w of group) w.resolve(byId.get(w.draft.id));
    } catch (error) {
      if (group.length === 1) group[0]!.reject(error);
      else for (const w of group) w.resolve(undefined);
    } finally {
      lane.starts.splice(lane.starts.indexOf(start), 1);
      if (lane.queue.length > 0) this.#drain(key, lane);
      else if (lane.starts.length === 0) {
        clearTimeout(lane.stallTimer);
        this.#lanes.delete(key);
      }
    }
  }
}
