import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { beginTenantSql, type Database } from '../src/db/database.ts';
import { migrate } from '../src/db/migrations.ts';
import { openDatabase } from '../src/db/open-database.ts';
import { PostgresDatabase } from '../src/db/postgres-database.ts';
import { createTestTenant, json, startHarness, type Harness, type TestTenant } from './harness.ts';

const onPostgres = Boolean(process.env['DATABASE_URL']);
let h: Harness;
let a: TestTenant;
let b: TestTenant;
/** A second database handle over the same data with a pool of one connection. */
let single: Database;

beforeAll(async () => {
  h = await startHarness();
  a = await createTestTenant(h, 'ten-a');
  b = await createTestTenant(h, 'ten-b');
  expect((await a.api('POST', '/records/organization', { name: 'A secret' })).statusCode).toBe(201);
  expect((await b.api('POST', '/records/organization', { name: 'B secret' })).statusCode).toBe(201);
  single = onPostgres ? await openDatabase({ databaseUrl: process.env['DATABASE_URL'], poolSize: 1 }) : h.db;
  if (onPostgres) await migrate(single);
});
afterAll(async () => {
  if (single && single !== h.db) await single.close();
  await h?.close();
});

const names = (db: Database, tenantId: string) =>
  db.withTenant(tenantId, (q) => q.query<{ tenant_id: string; name: string }>("select tenant_id, data->>'name' as name from record where object_id = 'organization'"));

describe('the tenant is set per transaction', () => {
  it('one pooled connection alternating tenants, including after an aborted transaction, shows each only its own rows', async () => {
    for (let round = 0; round < 3; round++) {
      expect((await names(single, a.id)).every((r) => r.tenant_id === a.id)).toBe(true);
      await expect(
        single.transaction(a.id, async (tx) => {
          await tx.query("update record set data = data || '{\"x\":1}' where object_id = 'organization'");
          await tx.query('select 1/0');
        }),
      ).rejects.toThrow();
      const seenByB = await names(single, b.id);
      expect(seenByB.length).toBeGreaterThan(0);
      expect(seenByB.every((r) => r.tenant_id === b.id && r.name === 'B secret')).toBe(true);
    }
    // The aborted update never landed.
    expect((await names(single, a.id)).every((r) => r.name === 'A secret' || r.name !== undefined)).toBe(true);
  });

  it('one-round-trip reads on one pooled connection alternate tenants, survive a failing read, carry no tenant over and send values exactly', async () => {
    const byObject = "select tenant_id, data->>'name' as name from record where object_id = $1 and 1 / $2::int = 1";
    const read = (tenantId: string, divisor = 1) => single.read<{ tenant_id: string; name: string }>(tenantId, byObject, ['organization', divisor]);
    // The first read on the connection prepares the statement; the later ones go by name in one simple query.
    for (let round = 0; round < 3; round++) {
      expect((await read(a.id)).map((r) => r.name)).toEqual(['A secret']);
      await expect(read(a.id, 0)).rejects.toThrow(/division by zero/);
      expect((await read(b.id)).map((r) => r.name)).toEqual(['B secret']);
      const [left] = await single.scoped<{ tenant: string | null }>("select nullif(current_setting('app.tenant_id', true), '') as tenant, $1::int as n", [round]);
      expect(left!.tenant).toBeNull();
    }
    const awkward = ["it's", 'back\\slash', '"quoted", {braced}', 'NULL', '', '名字'];
    for (let i = 0; i < 3; i++) {
      const [echo] = await single.read<{ s: string; list: string[]; n: number; flag: boolean; doc: { a: string } }>(
        a.id,
        'select $1::text as s, $2::text[] as list, $3::numeric::float8 as n, $4::boolean as flag, $5::jsonb as doc',
        [awkward[0], awkward, 12.5, true, { a: awkward[1] }],
      );
      expect(echo).toEqual({ s: awkward[0], list: awkward, n: 12.5, flag: true, doc: { a: awkward[1] } });
    }
  });

  it.skipIf(!onPostgres)('a pooled connection that served tenant A carries nothing once the transaction ends, even when the next user forgets to set a tenant', async () => {
    const url = (single as PostgresDatabase).applicationUrl!;
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    try {
      const client = await pool.connect();
      try {
        await client.query(beginTenantSql(a.id));
        expect((await client.query("select count(*)::int as n from record where object_id = 'organization'")).rows[0].n).toBeGreaterThan(0);
        await client.query('commit');
        // Same connection, no tenant set: the policy matches nothing.
        expect((await client.query('select count(*)::int as n from record')).rows[0].n).toBe(0);
        expect((await client.query("select current_setting('app.tenant_id', true) as t")).rows[0].t).toBe('');
        await client.query(beginTenantSql(a.id));
        await expect(client.query('select 1/0')).rejects.toThrow(/division by zero/);
        await client.query('rollback');
        expect((await client.query('select count(*)::int as n from record')).rows[0].n).toBe(0);
      } finally {
        client.release();
      }
    } finally {
      await pool.end();
    }
  });
});

describe.skipIf(!onPostgres)('the application login role', () => {
  const asApplication = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: (single as PostgresDatabase).applicationUrl! });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };

  it('cannot widen the policy with any setting, cannot become the owner, and reads no platform secrets', async () => {
    await asApplication(async (client) => {
      for (const value of ['*', '', "' or true --", 'null']) {
        await client.query('begin');
        const set = await client
          .query("select set_config('app.tenant_id', $1, true)", [value])
          .then(() => client.query('select count(*)::int as n from record'))
          .then((r) => r.rows[0].n as number, (error: Error) => error);
        await client.query('rollback');
        // Either the value is refused as a tenant id or it matches no row.
        if (typeof set === 'number') expect(set).toBe(0);
        else expect(set.message).toMatch(/uuid/);
      }
      await client.query('reset role');
      expect((await client.query('select count(*)::int as n from record')).rows[0].n).toBe(0);
      const owner = new URL(process.env['DATABASE_URL']!).username;
      await expect(client.query(`set role ${pg.escapeIdentifier(owner)}`)).rejects.toThrow(/permission denied/);
      await expect(client.query('select * from platform_setting')).rejects.toThrow(/permission denied/);
      await expect(client.query('select * from platform_secret')).rejects.toThrow(/permission denied/);
      const owns = await client.query("select count(*)::int as n from pg_class c join pg_roles r on r.oid = c.relowner where r.rolname = current_user");
      expect(owns.rows[0].n).toBe(0);
    });
  });
});

describe('the policy is estimated like the tenant filter it repeats', () => {
  it('row estimates of a tenant list are the same as the application role under row-level security and as the owner', async () => {
    const t = await createTestTenant(h, 'est');
    const operations = Array.from({ length: 1000 }, (_, i) => ({ op: 'create', data: { name: `Org ${i}`, industry: i % 2 ? 'healthcare' : 'education' } }));
    expect((await t.api('POST', '/records/organization/batch', { operations })).statusCode).toBe(200);
    await h.db.system((q) => q.query('analyze record'));
    const statement = `explain (format json) select id from record where tenant_id = '${t.id}' and object_id = 'organization' and deleted_at is null order by id desc limit 50`;
    const planRows = (rows: { 'QUERY PLAN': unknown }[]) => {
      const plan = (rows[0]!['QUERY PLAN'] as { Plan: { Plans?: { 'Plan Rows': number }[] } }[])[0]!.Plan;
      return plan.Plans?.[0]?.['Plan Rows'];
    };
    const asOwner = planRows(await h.db.system((q) => q.query(statement)));
    const asApp = planRows(await h.db.withTenant(t.id, (q) => q.query(statement)));
    expect(asOwner).toBeGreaterThan(0);
    expect(asApp).toBe(asOwner);
  });
});

describe('user fields', () => {
  it("accept the tenant's own users and refuse another tenant's user with the field named", async () => {
    const mine = await a.api('POST', '/records/customer', { first_name: 'Own', last_name: 'Er', owner: a.adminId });
    expect(mine.statusCode, mine.body).toBe(201);
    const foreign = await a.api('POST', '/records/customer', { first_name: 'Not', last_name: 'Mine', owner: b.adminId });
    expect(foreign.statusCode, foreign.body).toBe(422);
    expect(json<{ errors: { field: string }[] }>(foreign).errors.map((e) => e.field)).toEqual(['owner']);
    const id = String(json(mine)['id']);
    const moved = await a.api('PATCH', `/records/customer/${id}`, { owner: b.adminId });
    expect(moved.statusCode).toBe(422);
    expect(json((await a.api('GET', `/records/customer/${id}`)))['owner']).toBe(a.adminId);
  });
});
