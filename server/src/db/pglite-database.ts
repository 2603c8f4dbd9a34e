import { PGlite, types } from '@electric-sql/pglite';
import type { Database, Queryable } from './database.ts';
import { timestampToIso } from './timestamps.ts';

/**
 * Embedded Postgres. PGlite is a single session, so all work is serialised here:
 * a transaction holds the session until it ends, and NOTIFY becomes an in-process
 * channel because only this process can open the data folder.
 */
export class PgliteDatabase implements Database {
  readonly kind = 'pglite' as const;
  readonly #db: PGlite;
  #queue: Promise<unknown> = Promise.resolve();
  #tenant: string | undefined;
  readonly #handlers = new Map<string, Set<(payload: string) => void>>();

  private constructor(db: PGlite) {
    this.#db = db;
  }

  static async open(dataDir: string | undefined): Promise<PgliteDatabase> {
    const db = new PGlite(dataDir, {
      parsers: {
        [types.TIMESTAMPTZ]: timestampToIso,
        [types.INT8]: (value: string) => Number(value),
      },
    });
    await db.waitReady;
    await db.exec("set TimeZone = 'UTC'");
    return new PgliteDatabase(db);
  }

  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  readonly #session: Queryable = {
    query: async <Row>(sql: string, params?: readonly unknown[]): Promise<Row[]> => {
      const result = await this.#db.query<Row>(sql, params as unknown[] | undefined);
      return result.rows;
    },
    exec: async (sql: string): Promise<void> => {
      await this.#db.exec(sql);
    },
  };

  async #setTenant(tenantId: string): Promise<void> {
    if (this.#tenant === tenantId) return;
    await this.#db.query("select set_config('app.tenant_id', $1, false)", [tenantId]);
    this.#tenant = tenantId;
  }

  withTenant<T>(tenantId: string, work: (q: Queryable) => Promise<T>): Promise<T> {
    return this.#exclusive(async () => {
      await this.#setTenant(tenantId);
      return work(this.#session);
    });
  }

  transaction<T>(tenantId: string, work: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.#exclusive(async () => {
      await this.#setTenant(tenantId);
      await this.#db.query('begin');
      try {
        const result = await work(this.#session);
        await this.#db.query('commit');
        return result;
      } catch (error) {
        await this.#db.query('rollback');
        throw error;
      }
    });
  }

  useRole(role: string): Promise<void> {
    return this.#exclusive(async () => {
      await this.#db.query(`set role ${role.replace(/[^a-z_]/g, '')}`);
    });
  }

  async notify(channel: string, payload: string): Promise<void> {
    for (const handler of this.#handlers.get(channel) ?? []) queueMicrotask(() => handler(payload));
  }

  async listen(channel: string, handler: (payload: string) => void): Promise<void> {
    let set = this.#handlers.get(channel);
    if (!set) this.#handlers.set(channel, (set = new Set()));
    set.add(handler);
  }

  close(): Promise<void> {
    return this.#exclusive(() => this.#db.close());
  }
}
