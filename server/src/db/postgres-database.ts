import pg from 'pg';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { beginTenantSql, beginWriteSql, isStandingList, type Database, type Queryable } from './database.ts';
import { UUID } from '../http/ids.ts';
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

  scoped<Row>(sql: string, params: readonly unknown[]): Promise<Row[]> {
    if (!this.#app) return Promise.reject(new Error('The application connection is not open yet (run migrations first)'));
    return statement(this.#app, undefined, sql, params) as Promise<Row[]>;
  }

  read<Row>(tenantId: string, sql: string, params: readonly unknown[]): Promise<Row[]> {
    if (!this.#app) return Promise.reject(new Error('The application connection is not open yet (run migrations first)'));
    return statement(this.#app, tenantId, sql, params) as Promise<Row[]>;
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

/**
 * One statement on a client of its own, for a tenant (`tenantRead`) or scoping itself: what
 * `withClient` does, in one async function rather than three nested ones (each cost a get a
 * promise and a turn of the microtask queue).
 */
async function statement(pool: pg.Pool, tenantId: string | undefined, sql: string, params: readonly unknown[]): Promise<unknown[]> {
  const client = await pool.connect();
  let broken = false;
  const lost = () => (broken = true);
  client.on('error', lost);
  try {
    const config = prepared(client, sql, params);
    return (await (tenantId === undefined ? run(client, config) : tenantRead(client, tenantId, config))).rows;
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

/** What a read sets before its statement, in the same implicit transaction (so for that statement alone). */
const TENANT_SETTING = "select set_config('app.tenant_id', $1, true)";

/** The parts of pg's Query, Result and Connection that a statement drives (pg's own extended-query steps, not in its types). */
interface PgConnection {
  parse(message: { text: string; name?: string }): void;
  bind(message: { portal?: string; statement?: string; values?: unknown[]; binary?: boolean; valueMapper?: unknown }): void;
  execute(message: { portal?: string }): void;
  sync(): void;
  parsedStatements: Record<string, string | undefined>;
}
interface PgResult {
  fields: unknown[];
  _parsers: unknown[] | undefined;
  _prebuiltEmptyResultObject: object | null;
}
interface PgQuery {
  name?: string;
  text: string;
  values: unknown[];
  portal: string;
  binary?: boolean;
  rows?: number;
  queryMode?: string;
  _result: PgResult;
  _accumulateRows: boolean;
  prepare(connection: PgConnection): void;
  hasBeenParsed(connection: PgConnection): boolean;
  handleRowDescription(message: unknown): void;
  handleDataRow(message: unknown): void;
  handleCommandComplete(message: unknown, connection: PgConnection): void;
  handleError(error: Error, connection: PgConnection): void;
  _getRows(connection: PgConnection, rows: number | undefined): void;
}
type QueryCallback = (error: Error | undefined, result: pg.QueryResult) => void;
const PgQueryClass = pg.Query as unknown as new (text: string, values: unknown[], callback: QueryCallback) => PgQuery;
const { prepareValue } = createRequire(import.meta.url)('pg/lib/utils.js') as { prepareValue: unknown };

/** What a prepared statement's RowDescription told pg: its fields, their parsers and the empty row. */
interface RowShape {
  fields: unknown[];
  parsers: unknown[] | undefined;
  empty: object | null;
}
/** Per connection, the row shapes of the statements it has prepared and described. */
const rowShapes = new WeakMap<PgConnection, Map<string, RowShape>>();

/**
 * A statement that asks for its rows' description (Describe) only on its first execution on a
 * connection. pg describes every execution, and the RowDescription that comes back was read and
 * turned into a parser per column each time (pg's `addFields`, ~5-7 µs of a get's server time,
 * as much as the row itself). A prepared statement's result columns cannot change while it
 * lives (Postgres refuses to run it: "cached plan must not change result type"), and it lives
 * as long as its connection, so the shape learnt from its first description serves every later
 * execution on that connection.
 */
class PreparedQuery extends PgQueryClass {
  #connection: PgConnection | undefined;

  override prepare(connection: PgConnection): void {
    const shape = this.name === undefined ? undefined : rowShapes.get(connection)?.get(this.name);
    if (!shape || !this.hasBeenParsed(connection)) {
      this.#connection = connection;
      super.prepare(connection);
      return;
    }
    const result = this._result;
    result.fields = shape.fields;
    result._parsers = shape.parsers;
    result._prebuiltEmptyResultObject = shape.empty;
    this._accumulateRows = true;
    try {
      connection.bind({ portal: this.portal, statement: this.name, values: this.values, binary: this.binary, valueMapper: prepareValue });
    } catch (error) {
      // A value that cannot be sent fails the statement, not the connection (as in pg's own
      // prepare, less its Close: the statement stays prepared, as pg's bookkeeping says).
      connection.sync();
      this.handleError(error as Error, connection);
      return;
    }
    this._getRows(connection, this.rows);
  }

  override handleRowDescription(message: unknown): void {
    super.handleRowDescription(message);
    const connection = this.#connection;
    if (this.name === undefined || connection === undefined || this.binary) return;
    let shapes = rowShapes.get(connection);
    if (!shapes) rowShapes.set(connection, (shapes = new Map()));
    const result = this._result;
    shapes.set(this.name, { fields: result.fields, parsers: result._parsers, empty: result._prebuiltEmptyResultObject });
  }
}

/**
 * A read in one round trip and one implicit transaction: the tenant setting and the statement go
 * out as extended-protocol messages under a single Sync (Parse/Bind/Execute of the setting, then
 * the statement's own), so `set_config(…, true)` holds for the statement and ends with it. Reads
 * used to be one simple query of two statements (`select set_config(…);execute …`): pg answered
 * it with a result per statement, and a page of rows read that way outlived the request in the
 * young generation (9 MB surviving each scavenge under a list load, 9-25 ms pauses every
 * ~120 ms, against ~0.05 MB and ~1 ms for the same rows from a single statement; ADR 0019).
 */
class TenantRead extends PreparedQuery {
  readonly #tenantId: string;
  #completed = 0;
  #parsesStatement = false;

  constructor(tenantId: string, statement: pg.QueryConfig, callback: QueryCallback) {
    super(statement.text, statement.values ?? [], callback);
    if (statement.name) this.name = statement.name;
    // Prepared even without parameters: the setting must travel in the same transaction.
    this.queryMode = 'extended';
    this.#tenantId = tenantId;
  }

  override prepare(connection: PgConnection): void {
    connection.parse({ text: TENANT_SETTING });
    connection.bind({ statement: '', values: [this.#tenantId] });
    // No Describe: the setting's one row arrives without a description and is passed over below.
    connection.execute({ portal: '' });
    this.#parsesStatement = !this.hasBeenParsed(connection);
    super.prepare(connection);
  }

  override handleDataRow(message: unknown): void {
    if (this.#completed > 0) super.handleDataRow(message);
  }

  override handleCommandComplete(message: unknown, connection: PgConnection): void {
    if (this.#completed++ > 0) super.handleCommandComplete(message, connection);
  }

  override handleError(error: Error, connection: PgConnection): void {
    // pg marks the active query's name parsed on the setting's ParseComplete: when the statement's
    // own Parse then failed, the mark must go, or the connection would never parse it again.
    if (this.#parsesStatement && this.name) delete connection.parsedStatements[this.name];
    super.handleError(error, connection);
  }
}

function tenantRead(client: pg.PoolClient, tenantId: string, statement: pg.QueryConfig): Promise<pg.QueryResult> {
  if (!UUID.test(tenantId)) throw new Error('A tenant id is a UUID');
  return new Promise((resolve, reject) => {
    const query = new TenantRead(tenantId.toLowerCase(), statement, (error, result) => {
      if (!error) return resolve(result);
      Error.captureStackTrace(error);
      reject(error);
    });
    void client.query(query as unknown as pg.Submittable);
  });
}

/**
 * Runs a statement as `client.query(config)` does, but through a Query built from the text: pg
 * copies a config object with getOwnPropertyDescriptors (~4.6 µs a statement against ~0.5 µs,
 * a few per cent of a get's server time), and a text plus a name is all a statement carries here.
 */
function run(client: pg.PoolClient, config: pg.QueryConfig): Promise<pg.QueryResult> {
  return new Promise((resolve, reject) => {
    const query = new PreparedQuery(config.text, config.values ?? [], (error: Error | undefined, result: unknown) => {
      if (!error) return resolve(result as pg.QueryResult);
      // As pg does for its own promises: the stack leads back to the caller, not to the socket.
      Error.captureStackTrace(error);
      reject(error);
    });
    if (config.name) query.name = config.name;
    void client.query(query as unknown as pg.Submittable);
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
