import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, startHarness, type Harness, type TestTenant } from './harness.ts';

let h: Harness;
let t: TestTenant;
beforeAll(async () => {
  h = await startHarness();
  t = await createTestTenant(h, 'fuzz');
});
afterAll(async () => h?.close());

const uuid = '00000000-0000-4000-8000-000000000000';
const cases: [string, string, unknown?, Record<string, string>?][] = [
  ['POST', '/records/customer', []],
  ['POST', '/records/customer', 'null'],
  ['POST', '/records/customer', '"text"'],
  ['POST', '/records/customer', 42],
  ['POST', '/records/customer', { last_name: { nested: true } }],
  ['POST', '/records/customer', { last_name: 'x', birth_date: '2024-13-45' }],
  ['POST', '/records/customer', { last_name: 'x', email: 'not-an-email' }],
  ['POST', '/records/customer', { last_name: 'x', owner: 'not-a-uuid' }],
  ['POST', '/records/customer', { last_name: 'x', organization: 12 }],
  ['POST', '/records/customer', { last_name: 'x', customer_number: 'CUS-9999' }],
  ['POST', '/records/customer', { last_name: 'x', id: uuid }],
  ['POST', '/records/deal', '{"name": "x", "amount": 1e999}', { 'content-type': 'application/json' }],
  ['POST', '/records/deal', { name: 'x', amount: 12.3456789 }],
  ['POST', '/records/deal', { name: 'x', close_date: '2024-02-30' }],
  ['PATCH', `/records/customer/${uuid}`, []],
  ['PATCH', `/records/customer/${uuid}`, { last_name: 'y' }, { 'if-match': 'garbage' }],
  ['PATCH', '/records/customer/not-a-uuid', { last_name: 'y' }],
  ['DELETE', '/records/customer/not-a-uuid'],
  ['POST', `/records/customer/${uuid}/restore`],
  ['POST', '/records/customer/batch', { operations: 'all' }],
  ['POST', '/records/customer/batch', { operations: [{ op: 'explode' }] }],
  ['POST', '/records/customer/batch', { operations: [{ op: 'update', id: 'nope', data: {} }] }],
  ['POST', '/records/customer/batch', { operations: [{ op: 'upsert', matchField: 'nope', data: {} }] }],
  ['POST', '/records/customer/batch', { operations: [] }],
  ['GET', '/records/customer?limit=0'],
  ['GET', '/records/customer?limit=abc'],
  ['GET', '/records/customer?limit=100000'],
  ['GET', '/records/customer?cursor=garbage'],
  ['GET', '/records/customer?cursor=eyJ2IjpbMV0sImlkIjoieCJ9'],
  ['GET', '/records/customer?sort=-'],
  ['GET', '/records/customer?sort=,,,'],
  ['GET', '/records/customer?fields=__proto__'],
  ['GET', '/records/customer?expand=email'],
  ['GET', `/records/customer?filter=${encodeURIComponent('{"and":{}}')}`],
  ['GET', `/records/customer?filter=${encodeURIComponent('[1,2]')}`],
  ['GET', `/records/customer?filter=${encodeURIComponent(JSON.stringify({ field: 'birth_date', op: 'gt', value: 'yesterday' }))}`],
  ['GET', `/records/customer?filter=${encodeURIComponent(JSON.stringify({ field: 'organization', op: 'eq', value: 'x' }))}`],
  ['GET', `/records/customer?filter=${encodeURIComponent(JSON.stringify({ field: 'created_at', op: 'gt', value: 'nope' }))}`],
  ['GET', `/records/customer?filter=${encodeURIComponent(JSON.stringify({ field: 'id', op: 'eq', value: 'nope' }))}`],
  ['GET', `/records/customer?filter=${encodeURIComponent(JSON.stringify({ field: 'created_by', op: 'eq', value: 'nope' }))}`],
  ['GET', `/records/customer?filter=${encodeURIComponent(JSON.stringify(Array.from({ length: 40 }).reduce((f) => ({ not: f }), { field: 'email', op: 'eq', value: 'a' })))}`],
  ['POST', '/metadata/changes', { operations: 'x' }],
  ['POST', '/metadata/changes', []],
  ['POST', '/metadata/changes', { operations: [{ op: 'createField', object: 'customer', field: { apiName: 'x', type: 'lookup', labels: { en: 'X' }, lookup: { objectId: 'nope', onDelete: 'cascade', relationshipName: 'xs' } } }] }],
  ['POST', '/metadata/objects/customer/fields', { apiName: 'id', type: 'text', labels: { en: 'Id' } }],
  ['PATCH', '/metadata/objects/customer/fields/email', { type: 'number' }],
  ['PATCH', '/metadata/objects/customer/fields/nope', { required: true }],
  ['DELETE', '/metadata/objects/nope'],
  ['GET', '/metadata/revisions/999999'],
  ['GET', '/metadata/revisions/abc'],
  ['GET', '/metadata/revisions/compare?from=1&to=99999'],
  ['POST', '/metadata/revisions/99999/restore'],
  ['PUT', '/metadata/layouts/x', { nonsense: true }],
  ['POST', '/auth/login', { tenant: 'nope', email: 'a', password: 'b' }],
  ['POST', '/auth/login', 'garbage'],
  ['POST', '/users', { email: 'bad', name: '', role: 'god', password: 'x' }],
  ['PATCH', '/users/not-a-uuid', { name: 'x' }],
  ['POST', '/users/not-a-uuid/password', { password: 'long enough password' }],
  ['DELETE', '/api-keys/not-a-uuid'],
  ['GET', `/related/customer/${uuid}`],
  ['GET', '/recycle-bin?object=nope'],
];

describe('no input produces a 500', () => {
  it.each(cases.map((c, i) => [i, ...c] as const))('case %i: %s %s answers 4xx with a problem document', async (_i, method, path, body, headers) => {
    const response = await t.api(method, path, body, headers ?? {});
    expect(response.statusCode, `${method} ${path} → ${response.body.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
    expect(response.statusCode, `${method} ${path} → ${response.body.slice(0, 300)}`).toBeLessThan(500);
    expect(response.headers['content-type']).toContain('application/problem+json');
  });
});
