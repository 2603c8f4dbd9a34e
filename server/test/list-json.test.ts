import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Principal } from '../src/auth/principal.ts';
import { parseListRequest } from '../src/data/list-request.ts';
import type { RequestContext } from '../src/data/request-context.ts';
import { call, createTestTenant, json, startHarness, type Harness, type TestTenant } from './harness.ts';

// A list's answer is written by Postgres as JSON where it can (ADR 0024); the records the server
// builds for the same list (GraphQL, workflows, scripts use them) are the reference it must equal,
// value for value and key for key.

let h: Harness;
let t: TestTenant;
let limited: { id: string; key: string };
beforeAll(async () => {
  h = await startHarness();
  t = await createTestTenant(h, 'list-json');
  const made = await t.api('POST', '/metadata/changes', {
    message: 'a specimen of every stored type',
    operations: [
      {
        op: 'createObject',
        object: {
          apiName: 'specimen',
          labels: { en: { singular: 'Specimen', plural: 'Specimens' } },
          fields: [
            { apiName: 'name', type: 'text', labels: { en: 'Name' } },
            { apiName: 'notes', type: 'longText', labels: { en: 'Notes' } },
            { apiName: 'email', type: 'email', labels: { en: 'Email' } },
            { apiName: 'phone', type: 'phone', labels: { en: 'Phone' } },
            { apiName: 'site', type: 'url', labels: { en: 'Site' } },
            { apiName: 'qty', type: 'number', labels: { en: 'Quantity' } },
            { apiName: 'price', type: 'currency', labels: { en: 'Price' } },
            { apiName: 'share', type: 'percent', labels: { en: 'Share' } },
            { apiName: 'flag', type: 'boolean', labels: { en: 'Flag' } },
            { apiName: 'due', type: 'date', labels: { en: 'Due' } },
            { apiName: 'seen_at', type: 'datetime', labels: { en: 'Seen at' } },
            { apiName: 'stage', type: 'picklist', labels: { en: 'Stage' }, values: [{ apiName: 'new', labels: { en: 'New' } }, { apiName: 'won', labels: { en: 'Won' } }, { apiName: 'lost', labels: { en: 'Lost' } }] },
            { apiName: 'org', type: 'lookup', labels: { en: 'Organization' }, lookup: { objectId: 'organization', onDelete: 'setNull', relationshipName: 'specimens' } },
            { apiName: 'extra', type: 'json', labels: { en: 'Extra' } },
            { apiName: 'code', type: 'autonumber', labels: { en: 'Code' }, autonumber: { pattern: 'S-{0000}', start: 1 } },
            { apiName: 'double_qty', type: 'formula', labels: { en: 'Double' }, formula: { expression: 'qty * 2', resultType: 'number', stored: true } },
          ],
        },
      },
    ],
  });
  expect(made.statusCode, made.body).toBe(200);
  const specimen = json<{ id: string; fields: { id: string; apiName: string }[] }>(await t.api('GET', '/metadata/objects/specimen'));
  const fieldId = (apiName: string) => specimen.fields.find((f) => f.apiName === apiName)!.id;
  const rollup = { childObjectId: specimen.id, lookupFieldId: fieldId('org'), function: 'sum', fieldId: fieldId('price') };
  const summed = await t.api('POST', '/metadata/changes', { operations: [{ op: 'createField', object: 'organization', field: { apiName: 'specimen_total', type: 'rollup', labels: { en: 'Specimen total' }, rollup } }] });
  expect(summed.statusCode, summed.body).toBe(200);
  const set = await t.api('POST', '/access/permission-sets', {
    key: 'no_prices',
    name: 'No prices',
    grants: { objects: { '*': { read: true } }, fields: { specimen: { price: 'none', notes: 'none' }, organization: { website: 'none' } }, setup: {} },
  });
  expect(set.statusCode, set.body).toBe(201);
  expect((await t.api('POST', '/access/profiles', { key: 'no_prices', name: 'No prices', permissionSetIds: [json<{ id: string }>(set).id] })).statusCode).toBe(201);
  const user = await t.api('POST', '/users', { email: `reader@${t.slug}.test`, name: 'Reader', role: 'no_prices', password: 'correct horse battery' });
  expect(user.statusCode, user.body).toBe(201);
  const id = json<{ id: string }>(user).id;
  limited = { id, key: (await h.server.auth.createApiKey(t.id, id, 'reader')).key };

  const org = async (values: Record<string, unknown>) => json<{ id: string }>(await t.api('POST', '/records/organization', values)).id;
  const acme = await org({ name: 'Acme "Quoted" \\ Ltd', website: 'https://acme.test', industry: 'technology', employees: 12 });
  const retail = await org({ name: 'Retail Co', industry: 'retail' });
  const gone = await org({ name: 'Gone Inc' });
  const rows: Record<string, unknown>[] = [
    { name: 'Zoë \u00e9 中文 😀 "q" \\ back\nline\ttab\u0001', notes: '<b>&amp;</b>\u2028', email: 'a@b.test', phone: '+1 555', site: 'https://x.test/a?b=c&d', qty: 0.1, price: 1234.5, share: 12.5, flag: true, due: '2026-02-28', seen_at: '2026-12-07T04:05:06.789Z', stage: 'won', org: acme, extra: { nested: [1, 'two', null, { three: 3.25 }], empty: {} } },
    { name: 'Small numbers', qty: 1e-7, price: -0.01, share: 0, flag: false, stage: 'lost', org: retail, extra: [] },
    { name: 'Large numbers', qty: 123456789012345, price: 3, share: 100, org: gone, extra: 'just text' },
    { name: 'Bare' },
    { name: 'Nulls', notes: null, qty: null, org: null, extra: null, stage: null },
  ];
  for (const values of rows) {
    const response = await t.api('POST', '/records/specimen', values);
    expect(response.statusCode, response.body).toBe(201);
  }
  // A deleted organization: its lookups are cleared (setNull).
  expect((await t.api('DELETE', `/records/organization/${gone}`)).statusCode).toBe(204);
  // A picklist value renamed after the records were written reads under its new name.
  const stage = json<{ fields: { apiName: string; values?: { apiName: string }[] }[] }>(await t.api('GET', '/metadata/objects/specimen')).fields.find((f) => f.apiName === 'stage')!;
  const values = stage.values!.map((v) => (v.apiName === 'won' ? { ...v, apiName: 'closed_won' } : v));
  const renamed = await t.api('POST', '/metadata/changes', { operations: [{ op: 'updateField', object: 'specimen', field: 'stage', patch: { values } }] });
  expect(renamed.statusCode, renamed.body).toBe(200);
});
afterAll(async () => h?.close());

const principalOf = (userId: string, role: string): Principal => ({ tenantId: t.id, tenantSlug: t.slug, tenantName: t.slug, userId, userName: role, role, locale: 'en', via: 'apiKey' });

/** The list as the server builds its records (the reference), for the same query string. */
async function objectPath(principal: Principal, query: Record<string, string>): Promise<unknown> {
  const model = await h.server.metadata.model(t.id);
  const ctx: RequestContext = { principal, model };
  const object = h.server.data.object(model, 'specimen');
  const request = { ...query, ...(query['limit'] ? { limit: Number(query['limit']) } : {}), ...(query['count'] ? { count: query['count'] === 'true' } : {}) };
  return h.server.data.list(ctx, parseListRequest(model, object, request));
}

describe('a list written as JSON by Postgres', () => {
  const queries: Record<string, string>[] = [
    {},
    { expand: 'org' },
    { fields: 'name,org,stage', expand: 'org' },
    { fields: 'name,qty', expand: 'org' },
    { sort: '-qty', count: 'true' },
    { filter: JSON.stringify({ field: 'stage', op: 'in', value: ['closed_won', 'lost'] }), sort: 'name', expand: 'org' },
  ];

  it('answers exactly what the server-built records say: for an admin, for a user with hidden fields and out of reach of the looked-up records, page by page', async () => {
    const objectLists = vi.spyOn(h.server.data.read, 'list');
    const compare = async (who: string, key: string, principal: Principal) => {
      for (const query of queries) {
        let cursor: string | undefined;
        let pages = 0;
        do {
          const asked = { ...query, limit: '2', ...(cursor ? { cursor } : {}) };
          const built = objectLists.mock.calls.length;
          const response = await call(h, key, 'GET', `/records/specimen?${new URLSearchParams(asked).toString()}`);
          expect(response.statusCode, response.body).toBe(200);
          // Written by Postgres: the server built no record objects for it.
          expect(objectLists.mock.calls.length).toBe(built);
          expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
          const answered = JSON.parse(response.body) as { data: Record<string, unknown>[]; nextCursor: string | null };
          const reference = (await objectPath(principal, asked)) as { nextCursor: string | null };
          // Same values, same keys in the same order; the cursors are made alike, so compared by presence.
          expect(JSON.stringify({ ...answered, nextCursor: answered.nextCursor !== null }), `${who} ${JSON.stringify(asked)}`).toBe(JSON.stringify({ ...reference, nextCursor: reference.nextCursor !== null }));
          cursor = answered.nextCursor ?? undefined;
          pages += 1;
        } while (cursor && pages < 10);
        expect(pages, `${who} ${JSON.stringify(query)}`).toBe(query['filter'] ? 1 : 3);
      }
    };
    await compare('admin', t.key, principalOf(t.adminId, 'admin'));
    await compare('reader', limited.key, principalOf(limited.id, 'no_prices'));
    expect((await t.api('PUT', '/access/sharing', { objects: { organization: 'private' } })).statusCode).toBe(200);
    try {
      await compare('reader without organizations', limited.key, principalOf(limited.id, 'no_prices'));
    } finally {
      objectLists.mockRestore();
      expect((await t.api('PUT', '/access/sharing', { objects: { organization: 'edit' } })).statusCode).toBe(200);
    }
  });

  it("reads values as they are stored: hidden fields absent, a looked-up record out of reach as its id, a deleted one's lookup cleared", async () => {
    const read = async (key: string) => json<{ data: Record<string, unknown>[] }>(await call(h, key, 'GET', `/records/specimen?expand=org&sort=name&limit=10`)).data;
    const byName = (rows: Record<string, unknown>[], prefix: string) => rows.find((r) => String(r['name']).startsWith(prefix))!;
    const asAdmin = await read(t.key);
    const zoe = byName(asAdmin, 'Zoë');
    expect(zoe).toMatchObject({ name: 'Zoë \u00e9 中文 😀 "q" \\ back\nline\ttab\u0001', qty: 0.1, price: 1234.5, stage: 'closed_won', seen_at: '2026-12-07T04:05:06.789Z', due: '2026-02-28', extra: { nested: [1, 'two', null, { three: 3.25 }], empty: {} } });
    expect(zoe['org']).toMatchObject({ display_name: 'Acme "Quoted" \\ Ltd', website: 'https://acme.test', industry: 'technology', employees: 12, specimen_total: 1234.5 });
    expect(byName(asAdmin, 'Large')).toMatchObject({ qty: 123456789012345, org: null });
    expect(byName(asAdmin, 'Small')).toMatchObject({ qty: 1e-7, price: -0.01, org: { display_name: 'Retail Co', industry: 'retail' } });

    const asReader = await read(limited.key);
    const hers = byName(asReader, 'Zoë');
    expect(hers).not.toHaveProperty('price');
    expect(hers).not.toHaveProperty('notes');
    expect(hers['org']).not.toHaveProperty('website');
    expect((await t.api('PUT', '/access/sharing', { objects: { organization: 'private' } })).statusCode).toBe(200);
    try {
      // Organizations the reader may not see: the lookup shows the id it holds, nothing of the record.
      expect(byName(await read(limited.key), 'Zoë')['org']).toBe((zoe['org'] as { id: string }).id);
    } finally {
      expect((await t.api('PUT', '/access/sharing', { objects: { organization: 'edit' } })).statusCode).toBe(200);
    }
  });
});
