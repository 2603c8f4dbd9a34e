// The floor: the thinnest Fastify handler that runs the same SQL statements the data service
// runs, with `pg` (or PGlite for the embedded figures), and nothing else — no auth, no metadata,
// no validation, no API-name mapping. Run as its own process: node bench/lib/floor-server.ts <spec.json>
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
import pg from 'pg';
import type { ObjectDef } from '@protean/metadata';
import { newRecordId } from '../../server/src/data/record-id.ts';
import { insertRecordsParams, RECORDSET_INSERT } from '../../server/src/data/sql/insert-records.ts';
import { beginTenantSql, beginWriteSql } from '../../server/src/db/database.ts';

export interface FloorSpec {
  driver: 'pg' | 'pglite';
  /** The login the floor connects with: the application role's own (bound by row-level security), or the owner's. */
  databaseUrl?: string;
  dataDir?: string;
  port: number;
  poolSize: number;
  /** PGlite only (one session, no logins): the role the session switches to; null for the owner. */
  role: string | null;
  /** pg only: send every statement as a named prepared statement, so Postgres plans it once per connection (write-cost.ts measures the gain). */
  prepared?: boolean;
  /** With `prepared`: write transactions set `plan_cache_mode = force_generic_plan`, so statements Postgres would re-plan per call (`= any($n)`) are planned once too. */
  genericPlans?: boolean;
  /**
   * pg only: a get is one round trip — begin, tenant, the select with its values inlined and
   * commit sent as one simple query — instead of three (write-cost.ts measures the gain).
   */
  oneTripGet?: boolean;
  tenantId: string;
  userId: string;
  objectId: string;
  /** The object's definition as the metadata API returns it (its index slots decide the slot columns). */
  object: unknown;
  lookupFieldId: string;
  lookupObjectId: string;
  /** The list statements exactly as the server's planner and compiler emit them, with their parameters; GET /list?q=<index>. */
  lists: { sql: string; params: unknown[] }[];
}

// Same statements as server/src/data/data-service.ts and record-writes.ts; the insert is the
// server's own statement text and parameter builder.
const ROW_COLUMNS = 'id, object_id, version, data, created_at, created_by, updated_at, updated_by, deleted_at, deleted_by';
const GET_SQL = `select ${ROW_COLUMNS} from record where tenant_id = $1 and id = $2 and object_id = $3 and deleted_at is null`;
// Like the server: every request is a transaction that sets the tenant for itself alone (reads
// in one round trip with the begin; writes also take the revision fence and read the revision).
const READ_BEGIN = (spec: FloorSpec) => beginTenantSql(spec.tenantId);
const WRITE_BEGIN = (spec: FloorSpec) =>
  spec.genericPlans ? beginWriteSql(spec.tenantId).replace('begin;', 'begin;set local plan_cache_mode = force_generic_plan;') : beginWriteSql(spec.tenantId);
// The server's get: one statement whose function sets the tenant for itself (migration 17).
const SCOPED_GET_SQL = 'select * from tenant_record($1, $2, $3)';

interface Q {
  query(sql: string, params: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}
interface Driver {
  transaction<T>(begin: string, work: (q: Q) => Promise<T>): Promise<T>;
  /** Several statements in one simple query (no parameters); the rows of the one at `index`. */
  script(sql: string, index: number): Promise<Record<string, unknown>[]>;
  /** One statement outside a transaction (it scopes itself to the tenant). */
  scoped(sql: string, params: unknown[]): Promise<Record<string, unknown>[]>;
}

/** A statement's name when prepared: derived from its text, so each text is prepared once per connection. */
const statementName = (sql: string) => `floor_${createHash('sha1').update(sql).digest('hex').slice(0, 16)}`;

async function pgDriver(spec: FloorSpec): Promise<Driver> {
  const pool = new pg.Pool({ connectionString: spec.databaseUrl, max: spec.poolSize, options: '-c TimeZone=UTC' });
  return {
    async transaction(begin, work) {
      const client = await pool.connect();
      const q: Q = {
        query: (sql, params) => client.query(spec.prepared ? { name: statementName(sql), text: sql, values: params } : { text: sql, values: params }),
      };
      try {
        await client.query(begin);
        const result = await work(q);
        await client.query('commit');
        return result;
      } catch (error) {
        await client.query('rollback');
        throw error;
      } finally {
        client.release();
      }
    },
    async script(sql, index) {
      const results = (await pool.query(sql)) as unknown as pg.QueryResult[];
      return results[index]?.rows ?? [];
    },
    async scoped(sql, params) {
      return (await pool.query(spec.prepared ? { name: statementName(sql), text: sql, values: params } : { text: sql, values: params })).rows;
    },
  };
}

async function pgliteDriver(spec: FloorSpec): Promise<Driver> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
  // Records are indexed for search with pg_trgm (migration 20): writing them needs the extension.
  const db = new PGlite({ dataDir: spec.dataDir, extensions: { pg_trgm } });
  await db.waitReady;
  if (spec.role) await db.query(`set role ${spec.role.replace(/[^a-z_]/g, '')}`);
  // One session: serialise like the server's adapter does.
  let queue: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    const run = queue.then(work, work);
    queue = run.catch(() => undefined);
    return run;
  };
  const q: Q = { query: async (sql, params) => ({ rows: (await db.query<Record<string, unknown>>(sql, params)).rows }) };
  return {
    transaction: (begin, work) =>
      exclusive(async () => {
        await db.exec(begin);
        try {
          const result = await work(q);
          await db.query('commit');
          return result;
        } catch (error) {
          await db.query('rollback');
          throw error;
        }
      }),
    script: (sql, index) => exclusive(async () => (await db.exec(sql))[index]?.rows ?? []),
    scoped: (sql, params) => exclusive(async () => (await db.query<Record<string, unknown>>(sql, params)).rows),
  };
}

const spec = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as FloorSpec;
const db = spec.driver === 'pg' ? await pgDriver(spec) : await pgliteDriver(spec);
const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });

app.get('/healthz', async () => ({ ok: true }));

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const literal = (value: string) => `'${value.replaceAll("'", "''")}'`;

app.get('/get/:id', async (request, reply) => {
  const id = (request.params as { id: string }).id;
  if (!UUID.test(id)) return reply.status(404).send({ error: 'not found' });
  const rows = spec.oneTripGet
    ? await db.script(`${READ_BEGIN(spec)};${GET_SQL.replace('$1', `${literal(spec.tenantId)}::uuid`).replace('$2', `${literal(id)}::uuid`).replace('$3', literal(spec.objectId))};commit`, 2)
    : await db.scoped(SCOPED_GET_SQL, [spec.tenantId, spec.objectId, id]);
  if (!rows[0]) return reply.status(404).send({ error: 'not found' });
  return rows[0];
});

app.post('/create', async (request, reply) => {
  const data = request.body as Record<string, unknown>;
  const id = newRecordId();
  // The insert checks and locks the lookup target itself, as the server's does.
  const row = await db.transaction(WRITE_BEGIN(spec), async (tx) => {
    const inserted = await tx.query(RECORDSET_INSERT.sql, insertRecordsParams(spec.tenantId, spec.object as ObjectDef, spec.userId, [{ id, data }]).values);
    if (!inserted.rows[0]) throw new Error('lookup target missing');
    return inserted.rows[0];
  });
  return reply.status(201).send(row);
});

app.get('/list', async (request) => {
  const list = spec.lists[Number((request.query as { q: string }).q)]!;
  const rows = await db.transaction(READ_BEGIN(spec), async (tx) => (await tx.query(list.sql, list.params)).rows);
  return { data: rows.slice(0, 50) };
});

await app.listen({ host: '127.0.0.1', port: spec.port });
process.stdout.write(`floor listening on 127.0.0.1:${spec.port} (${spec.driver})\n`);
const stop = async () => {
  await app.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
