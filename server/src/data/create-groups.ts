/**
 * At most this many statements of one key are in the database at once; later creates queue.
 * One: with two, statements averaged 2.5 creates under ten connections and a create cost
 * Postgres 232 µs; with one, 6–7 creates and 166 µs (ADR 0020).
 */
const IN_FLIGHT_PER_KEY = 1;
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
  inFlight: number;
  queue: Waiting<Draft, Row>[];
}

/**
 * Single creates that arrive together share one statement (ADR 0020). Creates with the same key
 * (tenant, object, acting user, model revision: everything the statement binds besides the
 * records) go to the database at once while no statement of that key is in flight; otherwise
 * they queue, and the next statement takes every create queued by then. A lone
 * create waits for nobody and costs what it did; under load a statement carries the creates
 * that arrived while the last one ran, and they share its round trip, executor start and commit.
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
    if (!lane) this.#lanes.set(key, (lane = { inFlight: 0, queue: [] }));
    const promise = new Promise<Row | undefined>((resolve, reject) => lane.queue.push({ draft, write, resolve, reject }));
    this.#drain(key, lane);
    return promise;
  }

  #drain(key: string, lane: Lane<Draft, Row>): void {
    while (lane.inFlight < IN_FLIGHT_PER_KEY && lane.queue.length > 0) {
      lane.inFlight += 1;
      void this.#run(key, lane, lane.queue.splice(0, GROUP_LIMIT));
    }
  }

  async #run(key: string, lane: Lane<Draft, Row>, group: Waiting<Draft, Row>[]): Promise<void> {
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
      lane.inFlight -= 1;
      if (lane.queue.length > 0) this.#drain(key, lane);
      else if (lane.inFlight === 0) this.#lanes.delete(key);
    }
  }
}
