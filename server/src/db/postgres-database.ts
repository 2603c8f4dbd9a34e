import pg from 'pg';
import { createHash } from 'node:crypto';
import { beginTenantSql, beginWriteSql, isStandingList, tenantSettingSql, type Database, type Queryable } from './database.ts';
import { PgListener } from './pg-listener.ts';
import { timestampToIso } from './timestamps.ts';

// Timestamps travel as ISO strings and bigints as numbers where they fit, on both drivers alike.
pg.types.setTypeParser(pg.types.builtins.TIMESTAMPTZ, timestampToIso);
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

const SYSTEM_POOL_SIZE = 3;

export interface PostgresOptions {
  /** The owner's connection: migrations, the operator, cross-tenant jobs. */
  systemUrl: string;
  /** The application's login role; when absent it is derived from `systemUrl` (see `connectApplication`). */
  applicationUrl?: string | undefined;
  poolSize?: number | undefined;
}

/**
 * Two `pg` pools: the system pool logs in as the owner, the application pool as a login role
 * that owns nothing and is bound by row-level security. Every tenant transaction sets the
 * tenant for itself alone, so a connection handed from one tenant to another carries nothing.
 */
export class PostgresDatabase implements Database {
  readonly kind = 'postgres' as const;
  readonly #system: pg.Pool;
  readonly #options: PostgresOptions;
  #app: pg.Pool | undefined;
  readonly #listener: PgListener;

  constructor(options: PostgresOptions) {
    this.#options = options;
    this.#system = newPool(options.systemUrl, SYSTEM_POOL_SIZE);
    this.#listener = new PgListener(options.systemUrl);
  }

  /** The URL the application pool logs in with (for tests that must prove what that role cannot do). */
  get applicationUrl(): string | undefined {
    return this.#appUrl;
  }
  #appUrl: string | undefined;

  async connectApplication(role: string): Promise<void> {
    if (this.#app) return;
    this.#appUrl = this.#options.applicationUrl ?? (await this.#provisionLogin(role));
    this.#app = newPool(this.#appUrl, this.#options.poolSize ?? 10);
  }

  /**
   * Gives the application role a login with a generated password, kept in `platform_secret`
   * (which the role cannot read) so that every process of the deployment logs in alike.
   */
  async #provisionLogin(role: string): Promise<string> {
    const password = await this.system(async (tx) => {
      await tx.query('select pg_advisory_xact_lock(4611)');
      const [row] = await tx.query<{ value: string }>("select value from platform_secret where key = 'application_role_password'");
      if (row) return row.value;
      const generated = randomPassword();
      await tx.query("insert into platform_secret (key, value) values ('application_role_password', $1)", [generated]);
      await tx.exec(`alter role ${pg.escapeIdentifier(role)} with login password ${pg.escapeLiteral(generated)}`);
      return generated;
    });
    const url = new URL(this.#options.systemUrl);
    url.username = role;
    url.password = password;
    return url.toString();
  }

  transaction<T>(tenantId: string, work: (tx: Queryable) => Promise<T>): Promise<T> {
    if (!this.#app) throw new Error('The application connection is not open yet (run migrations first)');
    return inTransaction(this.#app, beginTenantSql(tenantId), (tx) => work(tx), true);
  }

  async scoped<Row>(sql: string, params: readonly unknown[]): Promise<Row[]> {
    if (!this.#app) throw new Error('The application connection is not open yet (run migrations first)');
    return withClient(this.#app, async (client) => (await run(client, prepared(client, sql, params))).rows as Row[]);
  }

  async read<Row>(tenantId: string, sql: string, params: readonly unknown[]): Promise<Row[]> {
    if (!this.#app) throw new Error('The application connection is not open yet (run migrations first)');
    return withClient(this.#app, async (client, markBroken) => {
      const statement = prepared(client, sql, params);
      if (statement.name && preparedBefore(client, statement.name)) {
        // Several statements in one simple query run as one implicit transaction, so the
        // tenant set here (is_local) lasts exactly as long as the statement that reads.
        const execute = `${tenantSettingSql(tenantId)};execute ${pg.escapeIdentifier(statement.name)}(${params.map(literal).join(',')})`;
        return lastRows(await client.query(execute)) as Row[];
      }
      await client.query(beginTenantSql(tenantId));
      try {
        const rows = (await run(client, statement)).rows as Row[];
        await client.query('commit');
        executed(client, statement.name);
        return rows;
      } catch (error) {
        await client.query('rollback').catch(markBroken);
        throw error;
      }
    });
  }

  withTenant<T>(tenantId: string, work: (q: Queryable) => Promise<T>): Promise<T> {
    return this.transaction(tenantId, work);
  }

  async writeTransaction<T>(tenantId: string, work: (tx: Queryable, revision: number) => Promise<T>): Promise<T> {
    if (!this.#app) throw new Error('The application connection is not open yet (run migrations first)');
    let revision = 0;
    return inTransaction(this.#app, beginWriteSql(tenantId), (tx) => work(tx, revision), true, (results) => {
      revision = Number(lastRows(results)[0]?.['current_revision'] ?? 0);
    });
  }

  system<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    // Prepared like the application's: the outbox consumers and the job queue run the same
    // statements for every batch of writes, and planned afresh they cost ~95 µs of Postgres time
    // per create under a create load (ADR 0018).
    return inTransaction(this.#system, 'begin', work, true);
  }

  async notify(channel: string, payload: string): Promise<void> {
    await this.#system.query('select pg_notify($1, $2)', [channel, payload]);
  }

  listen(channel: string, handler: (payload: string) => void): Promise<void> {
    return this.#listener.listen(channel, handler);
  }

  /** Called after the listening connection came back: notices sent while it was down are lost. */
  onReconnect(handler: () => void): void {
    this.#listener.onReconnect(handler);
  }

  async close(): Promise<void> {
    await this.#listener.close();
    await this.#app?.end();
    await this.#system.end();
  }
}

function newPool(url: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, options: '-c TimeZone=UTC' });
  // An idle client died (server restart): the pool replaces it on next checkout.
  pool.on('error', () => undefined);
  // A connection ended by the server ('terminating connection due to administrator command') is
  // reported to whoever holds the client and to the pool; an 'error' that reaches a client at a
  // moment neither listens (seen once under heavy load) must not end the process.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/**
 * A checked-out client for `use`, released after. The pool listens for errors of idle clients
 * only: a connection that dies while checked out (a server restart between two statements)
 * would otherwise emit an unhandled 'error' and end the process. The failed statement rejects
 * on its own; the client is then discarded, as it is when `use` marks it broken.
 */
async function withClient<T>(pool: pg.Pool, use: (client: pg.PoolClient, markBroken: () => void) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  const lost = () => (broken = true);
  client.on('error', lost);
  try {
    return await use(client, lost);
  } finally {
    client.removeListener('error', lost);
    client.release(broken);
  }
}

function inTransaction<T>(pool: pg.Pool, begin: string, work: (tx: Queryable) => Promise<T>, prepare: boolean, opened?: (results: unknown) => void): Promise<T> {
  return withClient(pool, async (client, markBroken) => {
    try {
      const results: unknown = await client.query(begin);
      opened?.(results);
      const result = await work(wrap(client, prepare));
      await client.query('commit');
      return result;
    } catch (error) {
      await client.query('rollback').catch(markBroken);
      throw error;
    }
  });
}

/** The rows of the last statement of a simple query (pg answers an array for several statements). */
function lastRows(results: unknown): Record<string, unknown>[] {
  const last = Array.isArray(results) ? results[results.length - 1] : results;
  return (last as pg.QueryResult | undefined)?.rows ?? [];
}

function randomPassword(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString('base64url');
}

// Statements the application sends again and again are prepared once per connection, so
// Postgres parses and plans them once, not on every call (that was ~40 % of a create's time in
// Postgres). Names come from the text; a connection keeps at most this many, the rest run unnamed.
// A statement carrying a set (a batch: an array of several values, or a large JSON document) is
// never prepared: a plan cached for one record would serve a thousand, and planning once per
// batch costs nothing next to it. A principal's owners and grantees are lists too, but the same on
// every request (`standingList`): a list narrowed by them is prepared like any other read.
const PREPARED_PER_CONNECTION = 200;
const SET_SIZED_TEXT = 4096;

const carriesSet = (values: readonly unknown[]) => values.some((v) => (Array.isArray(v) && v.length > 1 && !isStandingList(v)) || (typeof v === 'string' && v.length > SET_SIZED_TEXT));
const statementNames = new Map<string, string>();
const preparedCounts = new WeakMap<pg.PoolClient, Set<string>>();

function prepared(client: pg.PoolClient, text: string, params: readonly unknown[] | undefined): pg.QueryConfig {
  const values = params as unknown[] | undefined;
  if (!values?.length || carriesSet(values)) return { text, values };
  let name = statementNames.get(text);
  if (!name) {
    name = `p_${createHash('sha1').update(text).digest('base64url')}`;
    if (statementNames.size < 10_000) statementNames.set(text, name);
  }
  let names = preparedCounts.get(client);
  if (!names) preparedCounts.set(client, (names = new Set()));
  if (!names.has(name)) {
    if (names.size >= PREPARED_PER_CONNECTION) return { text, values };
    names.add(name);
  }
  return { name, text, values };
}

// Names a connection has run once (so Postgres holds them prepared): a read may then go by name.
const executedNames = new WeakMap<pg.PoolClient, Set<string>>();
const preparedBefore = (client: pg.PoolClient, name: string) => executedNames.get(client)?.has(name) ?? false;

function executed(client: pg.PoolClient, name: string | undefined): void {
  if (!name) return;
  let names = executedNames.get(client);
  if (!names) executedNames.set(client, (names = new Set()));
  names.add(name);
}

/**
 * A parameter as a quoted SQL literal, in the text form `pg` sends it in: the prepared
 * statement's parameter types then read it as they read a bound value. Reads carry scalars and
 * flat arrays; anything else is refused rather than guessed.
 */
function literal(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (!isStandingList(value)) return pg.escapeLiteral(textOf(value));
  // A standing list (a principal's owners or grantees) is written out once, not on every read.
  const list = value as readonly unknown[];
  let text = standingLiterals.get(list);
  if (text === undefined) standingLiterals.set(list, (text = pg.escapeLiteral(textOf(list))));
  return text;
}

const standingLiterals = new WeakMap<readonly unknown[], string>();

function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return `{${value.map((v) => (v === null || v === undefined ? 'NULL' : `"${textOf(v).replace(/[\\"]/g, (c) => `\\${c}`)}"`)).join(',')}}`;
  if (typeof value === 'object' && !Buffer.isBuffer(value)) return JSON.stringify(value);
  throw new Error(`A read parameter cannot be sent as text: ${typeof value}`);
}

/**
 * Runs a statement as `client.query(config)` does, but through a Query built from the text: pg
 * copies a config object with getOwnPropertyDescriptors (~4.6 µs a statement against ~0.5 µs,
 * a few per cent of a get's server time), and a text plus a name is all a statement carries here.
 */
function run(client: pg.PoolClient, config: pg.QueryConfig): Promise<pg.QueryResult> {
  return new Promise((resolve, reject) => {
    const query = new pg.Query(config.text, config.values ?? [], (error: Error | undefined, result: unknown) => {
      if (!error) return resolve(result as pg.QueryResult);
      // As pg does for its own promises: the stack leads back to the caller, not to the socket.
      Error.captureStackTrace(error);
      reject(error);
    });
    if (config.name) (query as unknown as { name: string }).name = config.name;
    void client.query(query);
  });
}

function wrap(client: pg.PoolClient, prepare: boolean): Queryable {
  return {
    async query<Row>(sql: string, params?: readonly unknown[]): Promise<Row[]> {
      const result = await run(client, prepare ? prepared(client, sql, params) : { text: sql, values: params as unknown[] | undefined });
      return result.rows as Row[];
    },
    async exec(sql: string): Promise<void> {
      await client.query(sql);
    },
  };
}
