import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTestTenant, json, startHarness, type Harness, type TestTenant } from './harness.ts';

let h: Harness;
let t: TestTenant;
let other: TestTenant;

beforeAll(async () => {
  h = await startHarness();
  t = await createTestTenant(h, 'bad');
  other = await createTestTenant(h, 'oth');
  const field = await t.api('POST', '/metadata/objects/organization/fields', { apiName: 'tax_id', type: 'text', labels: { en: 'Tax ID' }, unique: true, maxLength: 20 });
  expect(field.statusCode, field.body).toBe(201);
});
afterAll(async () => h?.close());

type Problem = { type: string; status: number; detail: string; errors?: { field: string; code: string; message: string; index?: number }[] };
const problem = (r: { json(): unknown }) => r.json() as Problem;

async function countOrganizations(tenant: TestTenant): Promise<number> {
  return json<{ total: number }>(await tenant.api('GET', '/records/organization?count=true&limit=1')).total;
}

describe('bad input gets a 4xx naming the field and writes nothing', () => {
  it('unknown object', async () => {
    const r = await t.api('POST', '/records/spaceship', { name: 'x' });
    expect(r.statusCode).toBe(404);
    expect(problem(r).detail).toContain('spaceship');
  });

  it('unknown field', async () => {
    const r = await t.api('POST', '/records/organization', { name: 'A', warp_speed: 9 });
    expect(r.statusCode).toBe(422);
    expect(problem(r).errors?.map((e) => e.field)).toContain('warp_speed');
  });

  it('wrong type', async () => {
    const r = await t.api('POST', '/records/deal', { name: 'D', amount: 'lots' });
    expect(r.statusCode).toBe(422);
    expect(problem(r).errors?.[0]?.field).toBe('amount');
  });

  it('over-long value', async () => {
    const r = await t.api('POST', '/records/organization', { name: 'Org', tax_id: 'x'.repeat(21) });
    expect(r.statusCode).toBe(422);
    expect(problem(r).errors?.[0]).toMatchObject({ field: 'tax_id' });
  });

  it('missing required', async () => {
    const r = await t.api('POST', '/records/organization', { website: 'https://no-name.example' });
    expect(r.statusCode).toBe(422);
    expect(problem(r).errors?.map((e) => e.field)).toContain('name');
  });

  it('duplicate unique value is a 409 naming the field', async () => {
    const before = await countOrganizations(t);
    expect((await t.api('POST', '/records/organization', { name: 'U1', tax_id: 'T-1' })).statusCode).toBe(201);
    const r = await t.api('POST', '/records/organization', { name: 'U2', tax_id: 't-1' });
    expect(r.statusCode).toBe(409);
    expect(problem(r).errors?.[0]?.field).toBe('tax_id');
    expect(await countOrganizations(t)).toBe(before + 1);
  });

  it('inactive or unknown picklist value', async () => {
    const r = await t.api('POST', '/records/deal', { name: 'D', stage: 'warp' });
    expect(r.statusCode).toBe(422);
    expect(problem(r).errors?.[0]?.field).toBe('stage');
    const stage = json<{ fields: { apiName: string; values: { apiName: string; id: string }[] }[] }>(await t.api('GET', '/metadata/objects/deal')).fields.find((f) => f.apiName === 'stage')!;
    const values = stage.values.map((v) => (v.apiName === 'negotiation' ? { ...v, active: false } : v));
    const change = await t.api('PATCH', '/metadata/objects/deal/fields/stage', { values });
    expect(change.statusCode, change.body).toBe(200);
    const inactive = await t.api('POST', '/records/deal', { name: 'D', stage: 'negotiation' });
    expect(inactive.statusCode).toBe(422);
    expect(problem(inactive).errors?.[0]?.message).toMatch(/active|inactive/i);
  });

  it("lookup to a missing record or to another tenant's record", async () => {
    const foreign = await other.api('POST', '/records/organization', { name: 'Theirs' });
    expect(foreign.statusCode).toBe(201);
    for (const id of ['00000000-0000-4000-8000-000000000000', String(json(foreign)['id'])]) {
      const r = await t.api('POST', '/records/customer', { first_name: 'L', last_name: 'K', organization: id });
      expect(r.statusCode).toBe(422);
      expect(problem(r).errors?.[0]?.field).toBe('organization');
    }
  });

  it('malformed JSON', async () => {
    const r = await t.api('POST', '/records/organization', '{"name": "x",', { 'content-type': 'application/json' });
    expect(r.statusCode).toBe(400);
    expect(r.headers['content-type']).toContain('application/problem+json');
  });

  it('a body with a __proto__ or constructor.prototype key is refused as such, not as malformed JSON', async () => {
    for (const body of ['{"name": "x", "__proto__": {"admin": true}}', '{"name": "x", "constructor": {"prototype": {"admin": true}}}']) {
      const r = await t.api('POST', '/records/organization', body, { 'content-type': 'application/json' });
      expect(r.statusCode).toBe(400);
      expect(problem(r).detail).toMatch(/__proto__/);
      expect(problem(r).errors?.[0]).toMatchObject({ field: '', code: 'forbiddenKey' });
    }
  });

  it('oversized body is a 413', async () => {
    const r = await t.api('POST', '/records/organization', { name: 'big', description: 'x'.repeat(2 * 1024 * 1024) });
    expect(r.statusCode).toBe(413);
  });

  it('a batch over the limit is refused whole', async () => {
    const before = await countOrganizations(t);
    const operations = Array.from({ length: 1001 }, (_, i) => ({ op: 'create', data: { name: `B${i}` } }));
    const r = await t.api('POST', '/records/organization/batch', { operations });
    expect(r.statusCode).toBeGreaterThanOrEqual(400);
    expect(r.statusCode).toBeLessThan(500);
    expect(await countOrganizations(t)).toBe(before);
  });

  it('a batch with one bad item saves nothing and reports the item index', async () => {
    const before = await countOrganizations(t);
    const r = await t.api('POST', '/records/organization/batch', { operations: [{ op: 'create', data: { name: 'ok' } }, { op: 'create', data: { website: 'https://x.example' } }, { op: 'create', data: { name: 'ok2' } }] });
    expect(r.statusCode).toBe(422);
    expect(problem(r).errors?.[0]).toMatchObject({ index: 1, field: 'name' });
    expect(await countOrganizations(t)).toBe(before);
  });

  it('stale If-Match is a 412', async () => {
    const created = json(await t.api('POST', '/records/organization', { name: 'Versioned' }));
    const r = await t.api('PATCH', `/records/organization/${String(created['id'])}`, { name: 'V2' }, { 'if-match': '"7"' });
    expect(r.statusCode).toBe(412);
  });

  it('a filter naming an unknown field or operator', async () => {
    const unknownField = await t.api('GET', `/records/organization?filter=${encodeURIComponent(JSON.stringify({ field: 'nope', op: 'eq', value: 1 }))}`);
    expect(unknownField.statusCode).toBe(400);
    expect(problem(unknownField).errors?.[0]?.field).toBe('nope');
    const unknownOp = await t.api('GET', `/records/organization?filter=${encodeURIComponent(JSON.stringify({ field: 'name', op: 'like', value: 'x' }))}`);
    expect(unknownOp.statusCode).toBe(400);
    expect(problem(unknownOp).errors?.[0]?.code).toMatch(/operator/);
  });

  it('SQL fragments in values, field names and sort keys are data or refused, never executed', async () => {
    const evil = "x'); drop table record; --";
    const created = await t.api('POST', '/records/organization', { name: evil });
    expect(created.statusCode).toBe(201);
    const byValue = await t.api('GET', `/records/organization?filter=${encodeURIComponent(JSON.stringify({ field: 'name', op: 'eq', value: evil }))}`);
    expect(byValue.statusCode).toBe(200);
    expect(json<{ data: { name: string }[] }>(byValue).data.map((r) => r.name)).toEqual([evil]);
    const contains = await t.api('GET', `/records/organization?filter=${encodeURIComponent(JSON.stringify({ field: 'name', op: 'contains', value: "%' or 1=1 --" }))}`);
    expect(json<{ data: unknown[] }>(contains).data).toEqual([]);
    const byField = await t.api('GET', `/records/organization?filter=${encodeURIComponent(JSON.stringify({ field: "name') or true --", op: 'eq', value: 'x' }))}`);
    expect(byField.statusCode).toBe(400);
    const bySort = await t.api('GET', `/records/organization?sort=${encodeURIComponent('name; drop table record')}`);
    expect(bySort.statusCode).toBe(400);
    expect((await t.api('GET', '/records/organization?limit=1')).statusCode).toBe(200);
  });

  it("another tenant's record by id is a 404 that does not reveal it exists", async () => {
    const theirs = json(await other.api('POST', '/records/organization', { name: 'Secret Org' }));
    const mine = await t.api('GET', `/records/organization/${String(theirs['id'])}`);
    const missing = await t.api('GET', '/records/organization/00000000-0000-4000-8000-000000000001');
    expect(mine.statusCode).toBe(404);
    expect(missing.statusCode).toBe(404);
    expect(problem(mine).detail.replace(String(theirs['id']), 'ID')).toBe(problem(missing).detail.replace('00000000-0000-4000-8000-000000000001', 'ID'));
    expect((await t.api('PATCH', `/records/organization/${String(theirs['id'])}`, { name: 'hijack' })).statusCode).toBe(404);
    expect((await t.api('DELETE', `/records/organization/${String(theirs['id'])}`)).statusCode).toBe(404);
    expect(json(await other.api('GET', `/records/organization/${String(theirs['id'])}`))['name']).toBe('Secret Org');
  });

  it('a malformed record id is a 404, not a 500', async () => {
    expect((await t.api('GET', "/records/organization/1' or '1'='1")).statusCode).toBe(404);
  });

  it('no credentials is a 401 and a standard user cannot change metadata', async () => {
    expect((await call(h, undefined, 'GET', '/records/organization')).statusCode).toBe(401);
    const user = await t.api('POST', '/users', { email: 'rep@example.com', name: 'Rep', role: 'standard', password: 'a long enough password' });
    expect(user.statusCode, user.body).toBe(201);
    const login = await h.server.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { tenant: t.slug, email: 'rep@example.com', password: 'a long enough password' } });
    expect(login.statusCode).toBe(200);
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    expect(String(login.headers['set-cookie'])).toContain('HttpOnly');
    const change = await h.server.app.inject({ method: 'POST', url: '/api/v1/metadata/objects/organization/fields', headers: { cookie, 'sec-fetch-site': 'same-origin' }, payload: { apiName: 'x', type: 'text', labels: { en: 'X' } } });
    expect(change.statusCode).toBe(403);
    const read = await h.server.app.inject({ method: 'GET', url: '/api/v1/records/organization', headers: { cookie } });
    expect(read.statusCode).toBe(200);
    await h.server.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie, 'sec-fetch-site': 'same-origin' } });
    expect((await h.server.app.inject({ method: 'GET', url: '/api/v1/records/organization', headers: { cookie } })).statusCode).toBe(401);
  });

  it('a revoked API key stops working at once', async () => {
    const created = json<{ id: string; key: string }>(await t.api('POST', '/api-keys', { name: 'temp' }));
    expect((await call(h, created.key, 'GET', '/records/organization?limit=1')).statusCode).toBe(200);
    expect((await t.api('DELETE', `/api-keys/${created.id}`)).statusCode).toBe(204);
    expect((await call(h, created.key, 'GET', '/records/organization?limit=1')).statusCode).toBe(401);
  });
});
