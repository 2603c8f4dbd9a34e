import pg from 'pg';
import type { Database, Queryable } from './database.ts';
import { timestampToIso } from './timestamps.ts';

// Timestamps travel as ISO strings and bigints as numbers where they fit, on both drivers alike.
pg.types.setTypeParser(pg.types.builtins.TIMESTAMPTZ, timestampToIso);
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

type TenantClient = pg.PoolClient & { proteanTenant?: string; proteanRole?: string };

/**
 * A `pg` pool. Each pooled connection remembers the tenant its `app.tenant_id` is set to,
 * so the setting costs a round trip only when a connection changes tenant.
 */
export class PostgresDatabase implements Database {
  readonly kind = 'postgres' as const;
  readonly #pool: pg.Pool;
  readonly #url: string;
  #listener: pg.Client | undefined;
  readonly #handlers = new Map<string, Set<(payload: string) => void>>();
  #role: string | undefined;

  constructor(url: string, poolSize = 10) {
    this.#url = url;
    this.#pool = new pg.Pool({ connectionString: url, max: poolSize, options: '-c TimeZone=UTC' });
    this.#pool.on('error', () => {
      // An idle client died (server restart): the pool replaces it on next checkout.
    });
  }

  async #checkout(tenantId: string): Promise<TenantClient> {
    const client: TenantClient = await this.#pool.connect();
    if (client.proteanTenant !== tenantId || client.proteanRole !== this.#role) {
      try {
        if (client.proteanRole !== this.#role) {
          await client.query(this.#role ? `set role ${pg.escapeIdentifier(this.#role)}` : 'reset role');
          client.proteanRole = this.#role;
        }
        await client.query("select set_config('app.tenant_id', $1, false)", [tenantId]);
        client.proteanTenant = tenantId;
      } catch (error) {
        client.release(true);
        throw error;
      }
    }
    return client;
  }

  async withTenant<T>(tenantId: string, work: (q: Queryable) => Promise<T>): Promise<T> {
    const client = await this.#checkout(tenantId);
    try {
      return await work(wrap(client));
    } finally {
      client.release();
    }
  }

  async transaction<T>(tenantId: string, work: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.#checkout(tenantId);
    let broken = false;
    try {
      await client.query('begin');
      const result = await work(wrap(client));
      await client.query('commit');
      return result;
    } catch (error) {
      try {
        await client.query('rollback');
      } catch {
        broken = true;
      }
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async useRole(role: string): Promise<void> {
    this.#role = role;
  }

  async notify(channel: string, payload: string): Promise<void> {
    await this.#pool.query('select pg_notify($1, $2)', [channel, payload]);
  }

  async listen(channel: string, handler: (payload: string) => void): Promise<void> {
    if (!this.#listener) {
      this.#listener = new pg.Client({ connectionString: this.#url });
      await this.#listener.connect();
      this.#listener.on('notification', (message) => {
        for (const h of this.#handlers.get(message.channel) ?? []) h(message.payload ?? '');
      });
    }
    let set = this.#handlers.get(channel);
    if (!set) {
      set = new Set();
      this.#handlers.set(channel, set);
      await this.#listener.query(`listen ${pg.escapeIdentifier(channel)}`);
    }
    set.add(handler);
  }

  async close(): Promise<void> {
    await this.#listener?.end();
    await this.#pool.end();
  }
}

function wrap(client: pg.PoolClient): Queryable {
  return {
    async query<Row>(sql: string, params?: readonly unknown[]): Promise<Row[]> {
      const result = await client.query(sql, params as unknown[] | undefined);
      return result.rows as Row[];
    },
    async exec(sql: string): Promise<void> {
      await client.query(sql);
    },
  };
}
