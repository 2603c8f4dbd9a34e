import { UUID } from '../http/ids.ts';

/** The two-method driver every part of the server talks to; a `pg` pool or PGlite sits behind it. */
export interface Queryable {
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

/**
 * Two doors to the database (ADR 0005):
 * - tenant work runs as the application role, which owns nothing and is bound by row-level
 *   security, inside a transaction whose `app.tenant_id` is set for that transaction only;
 * - system work (migrations, the operator, cross-tenant jobs) runs on a separate connection as
 *   the owner, which row-level security does not bind.
 */
export interface Database {
  readonly kind: 'postgres' | 'pglite';
  /** A transaction as the application role for one tenant; rolled back if `work` throws. */
  transaction<T>(tenantId: string, work: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * A write transaction fenced against metadata changes: it holds the tenant's revision fence
   * (shared) until it ends, so no metadata change commits meanwhile, and `work` gets the
   * revision that is current for the whole transaction (ADR 0005).
   */
  writeTransaction<T>(tenantId: string, work: (tx: Queryable, revision: number) => Promise<T>): Promise<T>;
  /** Reads for one tenant: a transaction as well, so the tenant never outlives the work. */
  withTenant<T>(tenantId: string, work: (q: Queryable) => Promise<T>): Promise<T>;
  /**
   * One statement that scopes itself to its tenant, outside any transaction of ours: it calls a
   * function of migration 17 (`tenant_record`) that sets `app.tenant_id` for the statement's own
   * transaction, so it costs one round trip and row-level security still applies.
   */
  scoped<Row = Record<string, unknown>>(sql: string, params: readonly unknown[]): Promise<Row[]>;
  /**
   * One read statement for a tenant, in a transaction of its own. On PostgreSQL the tenant
   * setting and the statement travel as extended-protocol messages under one Sync, which Postgres
   * runs as one implicit transaction: one round trip instead of three.
   */
  read<Row = Record<string, unknown>>(tenantId: string, sql: string, params: readonly unknown[]): Promise<Row[]>;
  /** A transaction on the system connection (all tenants, not bound by row-level security). */
  system<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Opens the application door once migrations are done: after this, `transaction` and
   * `withTenant` work as the login role `role` (never as the owner).
   */
  connectApplication(role: string): Promise<void>;
  /** Cross-process signal (Postgres NOTIFY, or an in-process channel for PGlite). */
  notify(channel: string, payload: string): Promise<void>;
  listen(channel: string, handler: (payload: string) => void): Promise<void>;
  /**
   * Called after the listening connection came back from a drop (a Postgres restart): notices
   * sent meanwhile are lost, so whatever a notice keeps fresh must be re-read.
   */
  onReconnect(handler: () => void): void;
  close(): Promise<void>;
}

const standingLists = new WeakSet<readonly unknown[]>();

/**
 * Marks a list parameter that stays the same from one request to the next, such as a
 * principal's owners and grantees (ADR 0012), unlike a batch's set of values: a statement
 * carrying it may still be prepared and planned once per connection. Returns the list itself.
 */
export function standingList<T extends readonly unknown[]>(list: T): T {
  standingLists.add(list);
  return list;
}

export const isStandingList = (value: unknown): boolean => Array.isArray(value) && standingLists.has(value);

export async function queryOne<Row>(q: Queryable, sql: string, params?: readonly unknown[]): Promise<Row | undefined> {
  const rows = await q.query<Row>(sql, params);
  return rows[0];
}

/** A tenant id as an SQL literal: checked to be a UUID, so it is safe to inline. */
function tenantLiteral(tenantId: string): string {
  if (!UUID.test(tenantId)) throw new Error('A tenant id is a UUID');
  return `'${tenantId.toLowerCase()}'`;
}

/** `begin`, then (PGlite) the application role for this transaction only, then `statement`: one round trip. */
const begin = (statement: string, role: string | undefined) => `begin;${role ? `set local role ${role};` : ''}${statement}`;

/**
 * The statement that opens a tenant transaction. The tenant id is inlined, so opening and
 * scoping the transaction is one round trip; `set_config(…, true)` lasts until the transaction
 * ends, so a pooled connection never carries a tenant over.
 */
export function beginTenantSql(tenantId: string, role?: string): string {
  return begin(tenantSettingSql(tenantId), role);
}

/** Sets the tenant until the (explicit or implicit) transaction ends. */
export const tenantSettingSql = (tenantId: string) => `select set_config('app.tenant_id', ${tenantLiteral(tenantId)}, true)`;

/**
 * Opens a fenced write in one round trip: the tenant, the revision fence held shared and the
 * current revision come from `begin_tenant_write` (migration 17), whose statements PL/pgSQL
 * plans once per connection.
 */
export function beginWriteSql(tenantId: string, role?: string): string {
  return begin(`select begin_tenant_write(${tenantLiteral(tenantId)}) as current_revision`, role);
}

/**
 * The revision fence held exclusively, as a metadata change takes it: record writes hold it shared
 * (`begin_tenant_write`, same lock class 4612 and key), so a change waits for the writes in flight
 * and holds new ones back until it commits, and a write never commits against a model other than
 * the one it validated with.
 */
export function exclusiveFenceSql(tenantId: string): string {
  return `select pg_advisory_xact_lock(4612, hashtext(${tenantLiteral(tenantId)}))`;
}
