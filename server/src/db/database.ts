/** The two-method driver every part of the server talks to; a `pg` pool or PGlite sits behind it. */
export interface Queryable {
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

/** Runs work as the system (all tenants): migrations, tenant creation, background jobs. */
export const SYSTEM = '*';

export interface Database {
  readonly kind: 'postgres' | 'pglite';
  /** One statement (or several) on a connection whose `app.tenant_id` is `tenantId`, outside a transaction. */
  withTenant<T>(tenantId: string, work: (q: Queryable) => Promise<T>): Promise<T>;
  /** A transaction with `app.tenant_id` set for row-level security; rolled back if `work` throws. */
  transaction<T>(tenantId: string, work: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Cross-process signal (Postgres NOTIFY, or an in-process channel for PGlite). */
  notify(channel: string, payload: string): Promise<void>;
  listen(channel: string, handler: (payload: string) => void): Promise<void>;
  /** From now on every connection acts as `role` (row-level security applies to it). */
  useRole(role: string): Promise<void>;
  close(): Promise<void>;
}

export async function queryOne<Row>(q: Queryable, sql: string, params?: readonly unknown[]): Promise<Row | undefined> {
  const rows = await q.query<Row>(sql, params);
  return rows[0];
}
