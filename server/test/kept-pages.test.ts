import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp, type App } from '../src/app.ts';
import { call, createTestTenant, json, startHarness, waitFor, type Harness, type TestTenant } from './harness.ts';
import { startServerProcess, type ServerProcess } from './server-process.ts';

/*
 * List pages are kept and served again while no record or share of their tenant changed
 * (kept-pages.ts, ADR 0025). What a user notices: a page read again is the page a fresh read
 * gives, whoever wrote and through whichever server; a page is never served to another reader;
 * an unchanged page answers 304 to its ETag.
 */

type Page = { data: Record<string, unknown>[]; nextCursor: string | null };

const onPostgres = Boolean(process.env['DATABASE_URL']);
let h: Harness;
let t: TestTenant;
/** Another server over the same database: a process of its own on PostgreSQL; on the embedded engine, which one process owns, a second app over it. */
let other: { url: string; stop: () => Promise<void> } | undefined;

beforeAll(async () => {
  h = await startHarness();
  t = await createTestTenant(h, 'kept');
  if (onPostgres) {
    const child: ServerProcess = await startServerProcess(process.env['DATABASE_URL']!);
    other = { url: child.url, stop: () => child.stop() };
  } else {
    const second: App = await buildApp({ db: h.db, passwordCost: 'test', webhooks: { deliver: false } });
    const url = await second.app.listen({ port: 0, host: '127.0.0.1' });
    other = { url, stop: () => second.app.close() };
  }
});
afterAll(async () => {
  await other?.stop();
  await h?.close();
});

const list = (key: string, query: string, headers: Record<string, string> = {}) => call(h, key, 'GET', `/records/customer?${query}`, undefined, headers);
const names = (page: Page) => page.data.map((r) => r['last_name']);
/** The page, read twice: a page is kept from its second reading on. */
async function kept(key: string, query: string): Promise<Page> {
  await list(key, query);
  return json<Page>(await list(key, query));
}

async function elsewhere(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${other!.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${t.key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

describe('a list page read again', () => {
  it('is the same page with the same ETag, 304 to If-None-Match, and shows at once a change made through another server', async () => {
    const query = `filter=${encodeURIComponent(JSON.stringify({ field: 'last_name', op: 'startsWith', value: 'Kept' }))}&sort=last_name`;
    for (const last_name of ['Kept A', 'Kept B']) expect((await t.api('POST', '/records/customer', { last_name })).statusCode).toBe(201);
    const first = await list(t.key, query);
    expect(first.statusCode).toBe(200);
    expect(names(json<Page>(first))).toEqual(['Kept A', 'Kept B']);
    const etag = String(first.headers['etag']);
    expect(etag).toMatch(/^W\/".+"$/);
    const again = await list(t.key, query);
    expect(again.body).toBe(first.body);
    expect(again.headers['etag']).toBe(etag);
    const held = await list(t.key, query, { 'if-none-match': etag });
    expect(held.statusCode).toBe(304);
    expect(held.body).toBe('');

    const created = await elsewhere('POST', '/records/customer', { last_name: 'Kept C' });
    expect(created.status).toBe(201);
    // No waiting: the next read is checked against the database, not told by a notice.
    const after = await list(t.key, query, { 'if-none-match': etag });
    expect(after.statusCode).toBe(200);
    expect(names(json<Page>(after))).toEqual(['Kept A', 'Kept B', 'Kept C']);
    expect(after.headers['etag']).not.toBe(etag);

    const changed = await elsewhere('PATCH', `/records/customer/${String(created.body['id'])}`, { first_name: 'Changed' });
    expect(changed.status).toBe(200);
    expect(json<Page>(await list(t.key, query)).data.find((r) => r['last_name'] === 'Kept C')?.['first_name']).toBe('Changed');
    expect((await elsewhere('DELETE', `/records/customer/${String(created.body['id'])}`)).status).toBe(204);
    expect(names(json<Page>(await list(t.key, query)))).toEqual(['Kept A', 'Kept B']);
  });

  it('answers 304 to its tag compared weakly, as HTTP compares If-None-Match, and to *; another tag gets the page', async () => {
    const query = `filter=${encodeURIComponent(JSON.stringify({ field: 'last_name', op: 'startsWith', value: 'Kept' }))}&sort=last_name`;
    const page = await list(t.key, query);
    const etag = String(page.headers['etag']);
    expect((await list(t.key, query, { 'if-none-match': etag.replace(/^W\//, '') })).statusCode).toBe(304);
    expect((await list(t.key, query, { 'if-none-match': `"other", ${etag}` })).statusCode).toBe(304);
    expect((await list(t.key, query, { 'if-none-match': '*' })).statusCode).toBe(304);
    const other = await list(t.key, query, { 'if-none-match': 'W/"other"' });
    expect(other.statusCode).toBe(200);
    expect(other.body).toBe(page.body);
  });

  it('counts a page read again by requests at once, after a change, once', async () => {
    const query = `filter=${encodeURIComponent(JSON.stringify({ field: 'last_name', op: 'eq', value: 'Kept A' }))}&fields=last_name`;
    const before = h.server.data.pages.stats();
    await kept(t.key, query);
    const page = await list(t.key, query);
    for (let round = 0; round < 5; round++) {
      expect((await t.api('POST', '/records/customer', { last_name: `Unrelated ${round}` })).statusCode).toBe(201);
      // Several requests find the page changed at once, and each reads and keeps it.
      await Promise.all(Array.from({ length: 4 }, () => list(t.key, query)));
      // Served again once kept: a page read between changes stays kept.
      expect((await list(t.key, query, { 'if-none-match': String(page.headers['etag']) })).statusCode).toBe(304);
    }
    const after = h.server.data.pages.stats();
    expect(after.pages - before.pages).toBe(1);
    expect(after.size - before.size).toBe(page.body.length);
  });

  it('keeps a GraphQL list alike: read again from the kept page, a change made through another server shows at once, and another reader gets their own', async () => {
    const query = '{ customerList(filter: { field: "last_name", op: "startsWith", value: "Graph" }, sort: "last_name") { totalCount nodes { id last_name first_name } } }';
    type Answer = { data?: { customerList: { totalCount: number; nodes: { id: string; last_name: string; first_name: string | null }[] } }; errors?: unknown[] };
    const graph = async (key = t.key) => {
      const response = await call(h, key, 'POST', '/graphql', { query });
      expect(response.statusCode, response.body).toBe(200);
      const answer = json<Answer>(response);
      expect(answer.errors).toBeUndefined();
      return answer.data!.customerList;
    };
    const made = json<{ id: string }>(await t.api('POST', '/records/customer', { last_name: 'Graph A', first_name: 'Ada' }));
    const before = h.server.data.pages.stats();
    await graph();
    expect((await graph()).nodes.map((n) => n.last_name)).toEqual(['Graph A']);
    expect(h.server.data.pages.stats().pages - before.pages).toBe(1);
    expect((await graph()).totalCount).toBe(1);

    expect((await elsewhere('POST', '/records/customer', { last_name: 'Graph B' })).status).toBe(201);
    expect((await graph()).nodes.map((n) => n.last_name)).toEqual(['Graph A', 'Graph B']);
    expect((await elsewhere('PATCH', `/records/customer/${made.id}`, { first_name: 'Ada May' })).status).toBe(200);
    const changed = await graph();
    expect(changed.totalCount).toBe(2);
    expect(changed.nodes[0]).toMatchObject({ id: made.id, first_name: 'Ada May' });

    // Another reader never gets a page kept for the first: with deals private, a standard user sees none of the administrator's.
    expect((await t.api('PUT', '/access/sharing', { objects: { deal: 'private' } })).statusCode).toBe(200);
    expect((await t.api('POST', '/records/deal', { name: 'Graph deal', amount: 5 })).statusCode).toBe(201);
    const user = json<{ id: string }>(await t.api('POST', '/users', { email: `graph@${t.slug}.test`, name: 'Graph reader', role: 'standard', password: 'correct horse battery' }));
    const { key } = await h.server.auth.createApiKey(t.id, user.id, 'graph');
    const deals = async (who: string) => {
      const response = await call(h, who, 'POST', '/graphql', { query: '{ dealList(filter: { field: "name", op: "eq", value: "Graph deal" }) { nodes { name } } }' });
      expect(response.statusCode, response.body).toBe(200);
      return json<{ data: { dealList: { nodes: { name: string }[] } } }>(response).data.dealList.nodes.map((n) => n.name);
    };
    for (let read = 0; read < 2; read++) expect(await deals(t.key)).toEqual(['Graph deal']);
    for (let read = 0; read < 2; read++) expect(await deals(key)).toEqual([]);
  });

  it('shows a value written by the system connection (a migration, a backfill), which writes for any tenant', async () => {
    const made = json<{ id: string }>(await t.api('POST', '/records/customer', { last_name: 'Systemic', first_name: 'Before' }));
    const query = `filter=${encodeURIComponent(JSON.stringify({ field: 'last_name', op: 'eq', value: 'Systemic' }))}`;
    expect((await kept(t.key, query)).data[0]?.['first_name']).toBe('Before');
    await h.db.system((q) => q.query(`update record set data = data || '{"first_name": "After"}'::jsonb, version = version + 1 where tenant_id = $1 and id = $2`, [t.id, made.id]));
    expect(json<Page>(await list(t.key, query)).data[0]?.['first_name']).toBe('After');
  });

  it('shows a field added since, and another workspace’s writes leave it kept', async () => {
    const query = `filter=${encodeURIComponent(JSON.stringify({ field: 'last_name', op: 'eq', value: 'Kept A' }))}`;
    const before = await list(t.key, query);
    expect(json<Page>(before).data[0]).not.toHaveProperty('loyalty_tier');
    const u = await createTestTenant(h, 'kept-other');
    expect((await u.api('POST', '/records/customer', { last_name: 'Elsewhere' })).statusCode).toBe(201);
    expect((await list(t.key, query, { 'if-none-match': String(before.headers['etag']) })).statusCode).toBe(304);
    const added = await t.api('POST', '/metadata/objects/customer/fields', { apiName: 'loyalty_tier', type: 'text', labels: { en: 'Loyalty tier' } });
    expect(added.statusCode, added.body).toBe(201);
    expect(json<Page>(await list(t.key, query)).data[0]).toHaveProperty('loyalty_tier', null);
  });

  it('is never served to another reader: a user with a field hidden and records private gets their own, and a share given or taken shows at once', async () => {
    const set = await t.api('POST', '/access/permission-sets', { key: 'no_amount', name: 'No amount', grants: { objects: { '*': { create: true, read: true, edit: true } }, fields: { deal: { amount: 'none' } }, setup: {} } });
    expect(set.statusCode, set.body).toBe(201);
    expect((await t.api('POST', '/access/profiles', { key: 'no_amount', name: 'No amount', permissionSetIds: [json<{ id: string }>(set).id] })).statusCode).toBe(201);
    expect((await t.api('PUT', '/access/sharing', { objects: { deal: 'private' } })).statusCode).toBe(200);
    const user = json<{ id: string }>(await t.api('POST', '/users', { email: `reader@${t.slug}.test`, name: 'Reader', role: 'no_amount', password: 'correct horse battery' }));
    const { key } = await h.server.auth.createApiKey(t.id, user.id, 'reader');
    const deal = json<{ id: string }>(await t.api('POST', '/records/deal', { name: 'Kept deal', amount: 900 }));
    const query = `filter=${encodeURIComponent(JSON.stringify({ field: 'name', op: 'eq', value: 'Kept deal' }))}`;
    const deals = async (who: string) => json<Page>(await call(h, who, 'GET', `/records/deal?${query}`)).data;

    expect((await deals(t.key))[0]).toMatchObject({ name: 'Kept deal', amount: 900 });
    expect(await deals(key)).toEqual([]);
    expect(await deals(key)).toEqual([]);
    const share = await t.api('POST', `/records/deal/${deal.id}/shares`, { granteeKind: 'user', granteeId: user.id, access: 'read' });
    expect(share.statusCode, share.body).toBe(201);
    const seen = await deals(key);
    expect(seen.map((r) => r['name'])).toEqual(['Kept deal']);
    expect(seen[0]).not.toHaveProperty('amount');
    expect((await deals(t.key))[0]).toMatchObject({ amount: 900 });
    expect((await t.api('DELETE', `/records/deal/${deal.id}/shares/${user.id}`)).statusCode).toBe(204);
    expect(await deals(key)).toEqual([]);
  });
});

describe('the noted changes', () => {
  it('are deleted once no kept page can need them, and a page read after that is still checked', async () => {
    const count = async () => Number((await h.db.system((q) => q.query<{ n: string }>('select count(*) as n from record_change where tenant_id = $1', [t.id])))[0]!.n);
    expect((await t.api('POST', '/records/customer', { last_name: 'Pruned' })).statusCode).toBe(201);
    expect(await count()).toBeGreaterThan(0);
    // Notes are kept while an older transaction still runs (on a shared database another file's may).
    const [{ xid }] = await h.db.system((q) => q.query<{ xid: string }>('select max(xid)::text as xid from record_change where tenant_id = $1', [t.id])) as [{ xid: string }];
    await waitFor('the write to be older than every running transaction', async () => (await h.db.system((q) => q.query<{ past: boolean }>('select pg_snapshot_xmin(pg_current_snapshot()) > $1::xid8 as past', [xid])))[0]!.past);
    const now = Date.now();
    const clock = vi.spyOn(Date, 'now');
    try {
      // Three prunes a minute apart: the third deletes what ended before the first.
      for (const minutes of [0, 1, 2]) {
        clock.mockReturnValue(now + minutes * 61_000);
        await h.server.data.pages.prune();
      }
    } finally {
      clock.mockRestore();
    }
    expect(await count()).toBe(0);
    const query = `filter=${encodeURIComponent(JSON.stringify({ field: 'last_name', op: 'eq', value: 'Pruned' }))}`;
    expect((await kept(t.key, query)).data).toHaveLength(1);
    expect((await t.api('POST', '/records/customer', { last_name: 'Pruned' })).statusCode).toBe(201);
    expect(json<Page>(await list(t.key, query)).data).toHaveLength(2);
  });
});
