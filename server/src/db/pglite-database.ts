import { PGlite, types, type ExecProtocolOptions, type messages } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { beginTenantSql, beginWriteSql, type Database, type Queryable } from './database.ts';
import { timestampToIso } from './timestamps.ts';

/** How often the embedded database looks whether its tables need a vacuum, and how much must have been written since the last. */
const MAINTENANCE_EVERY_MS = 5 * 60_000;
const MAINTENANCE_MIN_WAL_BYTES = 16 * 1024 * 1024;

/**
 * PGlite answers in microtasks, so a transaction of many statements (a batch of a thousand updates
 * or deletes) held the event loop for seconds: no request, not even /healthz, was answered
 * meanwhile. A statement that starts when the loop has had no turn for this long waits for one.
 */
const TURN_AFTER_MS = 50;

/**
 * PGlite is one session: a transaction that stops issuing statements while others wait stalls
 * every request of the server. One that awaits work needing the session itself (a load through
 * another transaction, from inside its own) never ends. After this long idle with others waiting,
 * it is rolled back and the session handed on, as PostgreSQL's
 * idle_in_transaction_session_timeout ends such a session; its next statement fails.
 */
const IDLE_TRANSACTION_MS = 15_000;

/** Thrown into a transaction the embedded database ended for idling while it held the session. */
export class IdleTransactionEnded extends Error {
  constructor(idleMs: number) {
    const idle = idleMs < 1000 ? `${Math.round(idleMs)} ms` : `${Math.round(idleMs / 1000)} s`;
    super(`The transaction held the embedded database's one session for ${idle} without a statement while others waited, and was rolled back`);
    this.name = 'IdleTransactionEnded';
  }
}

/** The transaction holding the session: what the idle check reads, and how it ends it. */
interface Holder {
  lastActivity: number;
  inFlight: number;
  ended: boolean;
  release(): void;
}

/** U+FEFF in UTF-8. */
const BYTE_ORDER_MARK = [0xef, 0xbb, 0xbf] as const;

/**
 * PGlite decodes each value of a row with a TextDecoder left to drop a leading U+FEFF (a byte-order
 * mark to the decoder, a character like any other to Postgres), so a name starting with one (left
 * by a CSV export) came back without it, where a Postgres server returns it. The decoder is
 * PGlite's own; every statement's answer passes through execProtocolStream, so here the answer is
 * read with its bytes, and a value whose bytes start with the mark gets back the one it lost.
 */
class ExactTextPGlite extends PGlite {
  override async execProtocolStream(message: Uint8Array, options: ExecProtocolOptions = {}): Promise<messages.BackendMessage[]> {
    const { messages: answer, data } = await this.execProtocol(message, options);
    if (holdsByteOrderMark(data)) restoreByteOrderMarks(answer, data);
    return answer;
  }
}

function holdsByteOrderMark(bytes: Uint8Array): boolean {
  for (let i = bytes.indexOf(BYTE_ORDER_MARK[0]); i !== -1 && i + 2 < bytes.length; i = bytes.indexOf(BYTE_ORDER_MARK[0], i + 1)) {
    if (bytes[i + 1] === BYTE_ORDER_MARK[1] && bytes[i + 2] === BYTE_ORDER_MARK[2]) return true;
  }
  return false;
}

/** Walks the answer's DataRow messages ('D': length, field count, then each field's length and bytes) beside the parsed rows, in order. */
function restoreByteOrderMarks(answer: messages.BackendMessage[], bytes: Uint8Array): void {
  const rows = answer.filter((m): m is messages.DataRowMessage => m.name === 'dataRow');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let row = 0;
  for (let at = 0; at + 5 <= bytes.length && row < rows.length; at += 1 + view.getInt32(at + 1)) {
    if (bytes[at] !== 0x44) continue;
    const fields = rows[row++]!.fields;
    let field = at + 7;
    for (let i = 0; i < fields.length; i++) {
      const length = view.getInt32(field);
      field += 4;
      if (length >= 3 && bytes[field] === BYTE_ORDER_MARK[0] && bytes[field + 1] === BYTE_ORDER_MARK[1] && bytes[field + 2] === BYTE_ORDER_MARK[2]) fields[i] = `\ufeff${fields[i] ?? ''}`;
      if (length > 0) field += length;
    }
  }
}

/**
 * Embedded Postgres. PGlite is a single session, so all work is serialised here:
 * a transaction holds the session until it ends, and NOTIFY becomes an in-process
 * channel because only this process can open the data folder. The one session is the
 * owner; tenant transactions drop to the application role with `set local role`.
 */
export class PgliteDatabase implements Database {
  readonly kind = 'pglite' as const;
  readonly #db: ExactTextPGlite;
  #queue: Promise<unknown> = Promise.resolve();
  #role: string | undefined;
  readonly #handlers = new Map<string, Set<(payload: string) => void>>();
  #maintenance: NodeJS.Timeout | undefined;
  /** The WAL position after the last maintenance pass: the next runs once enough was written since. */
  #maintainedAt: string | undefined;

  readonly #idleTransactionMs: number;

  private constructor(db: ExactTextPGlite, idleTransactionMs: number) {
    this.#db = db;
    this.#idleTransactionMs = idleTransactionMs;
    this.#idleCheck = setInterval(() => this.#checkIdle(), Math.min(1000, idleTransactionMs / 4)).unref();
  }

  static async open(dataDir: string | undefined, options: { idleTransactionMs?: number } = {}): Promise<PgliteDatabase> {
    // One options object: given as a second argument beside an undefined data folder (memory), PGlite ignores it.
    const db = new ExactTextPGlite({
      ...(dataDir === undefined ? {} : { dataDir }),
      // Search's trigram index (migration 20) needs the extension loaded in every session that writes records.
      extensions: { pg_trgm },
      parsers: {
        [types.TIMESTAMPTZ]: timestampToIso,
        [types.INT8]: (value: string) => Number(value),
      },
    });
    await db.waitReady;
    await db.exec("set TimeZone = 'UTC'");
    return new PgliteDatabase(db, options.idleTransactionMs ?? IDLE_TRANSACTION_MS);
  }

  /**
   * Runs `work` when the session is free. The next in line starts when `work` ends, or earlier
   * when the transaction it runs is ended for idling (`release`).
   */
  #exclusive<T>(work: (release: () => void) => Promise<T>): Promise<T> {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const previous = this.#queue;
    this.#queue = released;
    this.#waiting++;
    return previous.then(async () => {
      this.#waiting--;
      try {
        return await work(release);
      } finally {
        release();
      }
    });
  }

  /** Work queued behind the session's holder. */
  #waiting = 0;
  #holder: Holder | undefined;
  #idleCheck: NodeJS.Timeout | undefined;

  /** Checks that found a transaction idle past the limit and left it, nobody waiting behind it. */
  idleSpared = 0;

  /** Ends the holding transaction when it has idled too long with others waiting (IDLE_TRANSACTION_MS). */
  #checkIdle(): void {
    const holder = this.#holder;
    if (!holder || holder.ended || holder.inFlight > 0) return;
    const idle = performance.now() - holder.lastActivity;
    if (idle < this.#idleTransactionMs) return;
    if (this.#waiting === 0) {
      this.idleSpared += 1;
      return;
    }
    holder.ended = true;
    console.error(new IdleTransactionEnded(idle).message);
    void this.#db
      .query('rollback')
      .catch((error: unknown) => console.error('rolling back an idle transaction of the embedded database failed', error))
      .finally(() => holder.release());
  }

  /** When the event loop last had a turn, as seen by a check scheduled at most once a turn. */
  #lastTurn = performance.now();
  #turnAwaited = false;

  async #letTheLoopTurn(): Promise<void> {
    if (!this.#turnAwaited) {
      this.#turnAwaited = true;
      setImmediate(() => {
        this.#turnAwaited = false;
        this.#lastTurn = performance.now();
      });
    }
    if (performance.now() - this.#lastTurn > TURN_AFTER_MS) await new Promise<void>((resolve) => setImmediate(resolve));
  }

  readonly #session: Queryable = {
    query: async <Row>(sql: string, params?: readonly unknown[]): Promise<Row[]> => {
      await this.#letTheLoopTurn();
      const result = await this.#db.query<Row>(sql, params as unknown[] | undefined);
      return result.rows;
    },
    exec: async (sql: string): Promise<void> => {
      await this.#letTheLoopTurn();
      await this.#db.exec(sql);
    },
  };

  #inTransaction<T>(begin: string, work: (tx: Queryable) => Promise<T>, opened?: (rows: Record<string, unknown>[]) => void): Promise<T> {
    return this.#exclusive(async (release) => {
      const holder: Holder = { lastActivity: performance.now(), inFlight: 0, ended: false, release };
      this.#holder = holder;
      try {
        const results = await this.#db.exec(begin);
        opened?.((results[results.length - 1]?.rows ?? []) as Record<string, unknown>[]);
        const result = await work(this.#held(holder));
        if (holder.ended) throw new IdleTransactionEnded(this.#idleTransactionMs);
        await this.#db.query('commit');
        return result;
      } catch (error) {
        if (!holder.ended) await this.#db.query('rollback');
        throw error;
      } finally {
        if (this.#holder === holder) this.#holder = undefined;
      }
    });
  }

  /** The session as the transaction of `holder` sees it: each statement counts as activity, and none runs once it was ended. */
  #held(holder: Holder): Queryable {
    const step = async <R>(statement: () => Promise<R>): Promise<R> => {
      if (holder.ended) throw new IdleTransactionEnded(this.#idleTransactionMs);
      holder.inFlight++;
      try {
        return await statement();
      } finally {
        holder.inFlight--;
        holder.lastActivity = performance.now();
      }
    };
    return {
      query: (sql, params) => step(() => this.#session.query(sql, params)),
      exec: (sql) => step(() => this.#session.exec(sql)),
    };
  }

  /**
   * The role and the tenant are both set for the transaction alone (`set local`), so between
   * transactions the session is the owner with no tenant: system work needs no switch back.
   */
  transaction<T>(tenantId: string, work: (tx: Queryable) => Promise<T>): Promise<T> {
    if (!this.#role) throw new Error('The application connection is not open yet (run migrations first)');
    return this.#inTransaction(beginTenantSql(tenantId, this.#role), work);
  }

  withTenant<T>(tenantId: string, work: (q: Queryable) => Promise<T>): Promise<T> {
    return this.transaction(tenantId, work);
  }

  writeTransaction<T>(tenantId: string, work: (tx: Queryable, revision: number) => Promise<T>): Promise<T> {
    if (!this.#role) throw new Error('The application connection is not open yet (run migrations first)');
    let revision = 0;
    return this.#inTransaction(beginWriteSql(tenantId, this.#role), (tx) => work(tx, revision), (rows) => {
      revision = Number(rows[0]?.['current_revision'] ?? 0);
    });
  }

  /** One session with no network between: the transaction costs no round trips to save. */
  read<Row>(tenantId: string, sql: string, params: readonly unknown[]): Promise<Row[]> {
    return this.transaction(tenantId, (tx) => tx.query<Row>(sql, params));
  }

  scoped<Row>(sql: string, params: readonly unknown[]): Promise<Row[]> {
    if (!this.#role) throw new Error('The application connection is not open yet (run migrations first)');
    // The statement sets the tenant itself; the role is set here, as for every tenant transaction.
    return this.#inTransaction(`begin;set local role ${this.#role}`, (tx) => tx.query<Row>(sql, params));
  }

  system<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.#inTransaction('begin', work);
  }

  async connectApplication(role: string): Promise<void> {
    if (!/^[a-z_]+$/.test(role)) throw new Error('A role name is lowercase letters and underscores');
    this.#role = role;
    // A pass that fails leaves the position unmoved, so the next one retries; it is reported
    // unless the database was closed under it.
    this.#maintenance ??= setInterval(
      () => void this.maintain().catch((error: unknown) => {
        if (this.#maintenance !== undefined) console.error('embedded database maintenance failed', error);
      }),
      MAINTENANCE_EVERY_MS,
    ).unref();
  }

  /**
   * PGlite is one session with no background workers, so nothing vacuums or analyzes its tables:
   * dead rows pile up under every update and delete, and the planner never learns how many rows
   * a table has (a home page summary read 160 ms of dead rows against 82 ms after a VACUUM).
   * Once `minWalBytes` were written since the last pass, each table is vacuumed and analyzed,
   * one table per turn of the session, so requests run between tables. Returns the tables done.
   */
  async maintain(minWalBytes = MAINTENANCE_MIN_WAL_BYTES): Promise<string[]> {
    const [position] = await this.#exclusive(() => this.#session.query<{ lsn: string; written: number | null }>(
      'select pg_current_wal_lsn()::text as lsn, pg_wal_lsn_diff(pg_current_wal_lsn(), $1::text::pg_lsn)::float8 as written',
      [this.#maintainedAt ?? '0/0'],
    ));
    if (!position || (this.#maintainedAt !== undefined && Number(position.written) < minWalBytes)) return [];
    const tables = await this.#exclusive(() => this.#session.query<{ name: string }>(
      "select quote_ident(c.relname) as name from pg_class c where c.relkind = 'r' and c.relnamespace = 'public'::regnamespace order by pg_relation_size(c.oid) desc",
    ));
    for (const { name } of tables) await this.#exclusive(() => this.#db.exec(`vacuum (analyze) ${name}`));
    const [after] = await this.#exclusive(() => this.#session.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn'));
    this.#maintainedAt = after?.lsn;
    return tables.map((t) => t.name);
  }

  async notify(channel: string, payload: string): Promise<void> {
    for (const handler of this.#handlers.get(channel) ?? []) queueMicrotask(() => handler(payload));
  }

  async listen(channel: string, handler: (payload: string) => void): Promise<void> {
    let set = this.#handlers.get(channel);
    if (!set) this.#handlers.set(channel, (set = new Set()));
    set.add(handler);
  }

  /** The in-process channel never drops, so there is nothing to reconnect. */
  onReconnect(): void {}

  close(): Promise<void> {
    clearInterval(this.#maintenance);
    clearInterval(this.#idleCheck);
    this.#maintenance = undefined;
    return this.#exclusive(() => this.#db.close());
  }
}
