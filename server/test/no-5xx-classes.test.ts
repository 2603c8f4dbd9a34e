import { connect, type Server } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../src/app.ts';
import { createTestTenant, json, startHarness, waitFor, type Harness, type TestTenant } from './harness.ts';

let h: Harness;
let t: TestTenant;
let other: TestTenant;

beforeAll(async () => {
  h = await startHarness();
  t = await createTestTenant(h, 'cls');
  other = await createTestTenant(h, 'clo');
  const tags = await t.api('POST', '/metadata/objects/deal/fields', { apiName: 'tags', type: 'multiPicklist', labels: { en: 'Tags' }, values: Array.from({ length: 1000 }, (_, i) => ({ apiName: `v${i}`, labels: { en: `V${i}` } })) });
  expect(tags.statusCode, tags.body.slice(0, 300)).toBe(201);
  for (let i = 0; i < 3; i++) expect((await t.api('POST', '/records/deal', { name: `Deal ${i}`, amount: i })).statusCode).toBe(201);
});
afterAll(async () => h?.close());

type Problem = { type: string; status: number; detail: string; errors?: { field: string; code: string; message: string }[] };

const filter = (value: unknown) => `filter=${encodeURIComponent(JSON.stringify(value))}`;
/** A JSON body written by hand, for what JSON.stringify cannot produce (1e400, escaped lone surrogates). */
const raw = (text: string) => ({ text, headers: { 'content-type': 'application/json' } });

interface BadInput {
  name: string;
  method: string;
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** The exact status, or a range check when absent (any 4xx). */
  status?: number;
  /** The field the problem must name (in `errors[].field`). */
  field: string;
  /** A word the problem's reason must contain. */
  reason: RegExp;
  /** Object whose record count must not change. */
  count?: string;
}

const NUL = 'a\u0000b';
const LONE = 'x\uD800y';

const cases: BadInput[] = [
  // 1. NUL bytes and lone surrogates, wherever a string enters.
  { name: 'NUL in a record body', method: 'POST', path: '/records/deal', body: { name: NUL }, status: 400, field: 'name', reason: /NUL/, count: 'deal' },
  { name: 'lone surrogate in a record body', method: 'POST', path: '/records/deal', body: { name: LONE }, status: 400, field: 'name', reason: /surrogate/, count: 'deal' },
  { name: 'NUL in a property name', method: 'POST', path: '/records/deal', body: { ['na\u0000me']: 'x' }, status: 400, field: 'na\\u0000me', reason: /NUL/, count: 'deal' },
  { name: 'NUL deep in a batch', method: 'POST', path: '/records/deal/batch', body: { operations: [{ op: 'create', data: { name: 'ok' } }, { op: 'create', data: { name: 'ok' } }, { op: 'create', data: { name: 'ok' } }, { op: 'create', data: { name: NUL } }] }, status: 400, field: 'operations.3.data.name', reason: /NUL/, count: 'deal' },
  { name: 'lone surrogate escaped in raw JSON', method: 'POST', path: '/records/deal', body: raw('{"name":"\\ud800"}'), status: 400, field: 'name', reason: /surrogate/, count: 'deal' },
  { name: 'NUL in a query string', method: 'GET', path: '/records/deal?sort=na%00me', status: 400, field: 'sort', reason: /NUL/ },
  { name: 'NUL in search', method: 'GET', path: '/search?q=a%00b', status: 400, field: 'q', reason: /NUL/ },
  { name: 'NUL in a path parameter', method: 'GET', path: '/records/deal/a%00b', status: 400, field: 'id', reason: /NUL/ },
  { name: 'NUL in a filter value', method: 'GET', path: `/records/deal?${filter({ field: 'name', op: 'eq', value: NUL })}`, status: 400, field: 'name', reason: /NUL/ },
  { name: 'a raw NUL in the filter text', method: 'GET', path: '/records/deal?filter=%7B%00%7D', status: 400, field: 'filter', reason: /NUL/ },
  { name: 'lone surrogate in a filter value', method: 'GET', path: `/records/deal?filter=${encodeURIComponent('{"field":"name","op":"eq","value":"\\ud800"}')}`, status: 400, field: 'name', reason: /surrogate/ },
  { name: 'NUL in a field label', method: 'POST', path: '/metadata/objects/deal/fields', body: { apiName: 'nul_label', type: 'text', labels: { en: NUL } }, status: 400, field: 'labels.en', reason: /NUL/ },
  { name: 'a __proto__ key in a body', method: 'POST', path: '/records/deal', body: raw('{"name":"x","__proto__":{"admin":true}}'), status: 400, field: '', reason: /JSON|prototype/, count: 'deal' },
  { name: 'a body nested 100 levels deep', method: 'POST', path: '/records/deal', body: { name: 'x', description: Array.from({ length: 100 }).reduce<unknown>((inner) => ({ a: inner }), 1) }, status: 400, field: `description${'.a'.repeat(63)}`, reason: /nested/, count: 'deal' },
  { name: 'lone surrogate in a term', method: 'PUT', path: '/metadata/terms/customer', body: raw('{"forms":{"en":{"singular":"\\udc00","plural":"x"}}}'), status: 400, field: 'forms.en.singular', reason: /surrogate/ },

  // Bidirectional overrides and isolates in the names of the platform's own things (ADR 0009): U+202E reads 'admin\u202Eyek' as 'adminkey'.
  { name: 'a right-to-left override in an API key name', method: 'POST', path: '/api-keys', body: { name: 'admin\u202Eyek' }, status: 422, field: 'name', reason: /bidirectional/ },
  { name: 'an isolate in a field label', method: 'POST', path: '/metadata/objects/deal/fields', body: { apiName: 'bidi_label', type: 'text', labels: { en: 'Amount\u2066x\u2069' } }, status: 422, field: 'labels.en', reason: /bidirectional/ },
  { name: 'an override in a picklist value label', method: 'POST', path: '/metadata/objects/deal/fields', body: { apiName: 'bidi_values', type: 'picklist', labels: { en: 'Kind' }, values: [{ apiName: 'a', labels: { en: 'A' } }, { apiName: 'b', labels: { en: '\u202Db' } }] }, status: 422, field: 'values.1.labels.en', reason: /bidirectional/ },
  { name: 'an override in a role name', method: 'POST', path: '/access/roles', body: { name: 'Sales\u202E' }, status: 422, field: 'name', reason: /bidirectional/ },
  { name: 'an override in a term', method: 'PUT', path: '/metadata/terms/customer', body: { forms: { en: { singular: 'Client\u202E', plural: 'Clients' } } }, status: 422, field: 'forms.en.singular', reason: /bidirectional/ },
  { name: 'an override in a webhook name', method: 'POST', path: '/webhooks', body: { name: 'ERP\u202E', url: 'http://127.0.0.1:9/x', events: [{ object: 'deal', actions: ['created'] }] }, status: 422, field: 'name', reason: /bidirectional/ },
  { name: 'an override in a label of a metadata change', method: 'POST', path: '/metadata/changes', body: { operations: [{ op: 'updateField', object: 'deal', field: 'name', patch: { labels: { en: 'Name\u202E' } } }] }, status: 422, field: 'operations.0.patch.labels.en', reason: /bidirectional/ },
  { name: 'an embedding in a saved view name', method: 'POST', path: '/views', body: { object: 'deal', name: '\u202AMine', definition: {} }, status: 422, field: 'name', reason: /bidirectional/ },

  // 2. Non-finite and out-of-range numbers.
  { name: 'limit=1e309', method: 'GET', path: '/records/deal?limit=1e309', status: 400, field: 'limit', reason: /finite/ },
  { name: 'a 400-digit limit', method: 'GET', path: `/records/deal?limit=${'9'.repeat(400)}`, status: 400, field: 'limit', reason: /finite/ },
  { name: 'a 15,000-digit near-numeral limit', method: 'GET', path: `/records/deal?limit=${'9'.repeat(15_000)}x`, status: 400, field: 'limit', reason: /integer/ },
  { name: 'limit=1e20', method: 'GET', path: '/records/deal?limit=1e20', status: 400, field: 'limit', reason: /200/ },
  { name: 'a numeral that overflows in a body string is only text', method: 'POST', path: '/records/deal', body: { name: '1e309', amount: 'x' }, status: 422, field: 'amount', reason: /number/, count: 'deal' },
  { name: 'a number that overflows to Infinity', method: 'POST', path: '/records/deal', body: raw('{"name":"x","amount":1e400}'), status: 400, field: 'amount', reason: /finite/, count: 'deal' },
  { name: 'an integer with more digits than a double holds', method: 'POST', path: '/records/deal', body: raw('{"name":"x","probability":123456789012345678}'), status: 400, field: 'probability', reason: /digits/, count: 'deal' },
  { name: 'a number beyond the field precision', method: 'POST', path: '/records/deal', body: { name: 'x', amount: 1e300 }, status: 422, field: 'amount', reason: /digits|most/, count: 'deal' },
  { name: 'a huge record version in a batch', method: 'POST', path: '/records/deal/batch', body: { operations: [{ op: 'delete', id: '00000000-0000-4000-8000-000000000000', version: 2 ** 31 }] }, status: 400, field: 'operations.0.version', reason: /2147483647/, count: 'deal' },
  { name: 'a huge If-Match', method: 'PATCH', path: '/records/deal/00000000-0000-4000-8000-000000000000', body: { name: 'x' }, headers: { 'if-match': `"${'9'.repeat(40)}"` }, field: 'If-Match', reason: /version/ },
  { name: 'a huge revision number', method: 'GET', path: '/metadata/revisions/99999999999999', status: 400, field: 'revision', reason: /2147483647/ },
  { name: 'a huge workflow version', method: 'GET', path: '/workflows/anything?version=2147483648', status: 400, field: 'version', reason: /2147483647/ },
  { name: 'a setting given as the text "Infinity"', method: 'PATCH', path: '/workspace/settings', body: { recycleRetentionDays: 'Infinity' }, status: 400, field: 'recycleRetentionDays', reason: /integer/ },
  { name: 'an autonumber starting beyond its counter', method: 'POST', path: '/metadata/objects/deal/fields', body: { apiName: 'deal_no', type: 'autonumber', labels: { en: 'No' }, autonumber: { pattern: 'D-{0000}', start: 1e20 } }, field: 'autonumber.start', reason: /most|maximum|<=/ },

  // A JSON body's types are its own: never converted to the type a schema asks for (a query string's text is).
  { name: 'a number given as text in a body', method: 'PATCH', path: '/workspace/settings', body: { recycleRetentionDays: '30' }, status: 400, field: 'recycleRetentionDays', reason: /integer/ },
  { name: 'a boolean given for a number in a body', method: 'PATCH', path: '/workspace/settings', body: { recycleRetentionDays: true }, status: 400, field: 'recycleRetentionDays', reason: /integer/ },
  { name: 'a boolean given as text in a body', method: 'POST', path: '/access/permission-sets', body: { key: 'coerced', name: 'Coerced', grants: { objects: { deal: { read: 'true' } }, fields: {}, setup: {} } }, status: 400, field: 'grants.objects.deal.read', reason: /boolean/ },
  { name: 'one value where a body asks for a list', method: 'POST', path: '/webhooks', body: { name: 'One', url: 'http://127.0.0.1:9/x', events: [{ object: 'deal', actions: 'created' }] }, status: 400, field: 'events.0.actions', reason: /array/ },
  { name: 'a record number given as text', method: 'POST', path: '/records/deal', body: { name: 'x', amount: '5' }, status: 422, field: 'amount', reason: /number/, count: 'deal' },

  // 3. Impossible dates in filters.
  { name: 'Feb 30 in a date filter', method: 'GET', path: `/records/deal?${filter({ field: 'close_date', op: 'eq', value: '2024-02-30' })}`, status: 400, field: 'close_date', reason: /date/ },
  { name: 'month 13 in a datetime filter', method: 'GET', path: `/records/deal?${filter({ field: 'created_at', op: 'gt', value: '2024-13-45T99:00Z' })}`, status: 400, field: 'created_at', reason: /date/ },
  { name: 'year 0 in a date filter', method: 'GET', path: `/records/deal?${filter({ field: 'close_date', op: 'gt', value: '0000-01-01' })}`, status: 400, field: 'close_date', reason: /date/ },
  { name: 'year 0 in a record date', method: 'POST', path: '/records/deal', body: { name: 'x', close_date: '0000-01-01' }, status: 422, field: 'close_date', reason: /date/, count: 'deal' },
  { name: 'a leap second in a record date-time', method: 'POST', path: '/records/activity', body: { subject: 'x', occurred_at: '2016-12-31T23:59:60Z' }, status: 422, field: 'occurred_at', reason: /date-time/, count: 'activity' },
  { name: 'a leap second with a fraction in a record date-time', method: 'POST', path: '/records/activity', body: { subject: 'x', occurred_at: '2016-12-31T23:59:60.5Z' }, status: 422, field: 'occurred_at', reason: /date-time/, count: 'activity' },

  { name: 'an unknown query parameter on a single record', method: 'GET', path: '/records/deal/00000000-0000-4000-8000-000000000000?fields=name', status: 400, field: 'fields', reason: /additional/ },
  { name: 'an unknown query parameter on a create', method: 'POST', path: '/records/deal?return=minimal', body: { name: 'x' }, status: 400, field: 'return', reason: /additional/, count: 'deal' },

  // 4. Forged cursors.
  { name: 'a cursor made up by hand', method: 'GET', path: `/records/deal?cursor=${Buffer.from(JSON.stringify({ v: [], id: '00000000-0000-4000-8000-000000000000' })).toString('base64url')}`, status: 400, field: 'cursor', reason: /cursor/ },
  { name: 'garbage as cursor', method: 'GET', path: '/records/deal?cursor=%E2%9C%93', status: 400, field: 'cursor', reason: /cursor/ },

  // 6. Names that collide with system columns, standard objects or JavaScript's object model.
  { name: 'a field named constructor', method: 'POST', path: '/metadata/objects/deal/fields', body: { apiName: 'constructor', type: 'text', labels: { en: 'C' } }, field: 'apiName', reason: /reserved/ },
  { name: 'a field named tenant_id', method: 'POST', path: '/metadata/objects/deal/fields', body: { apiName: 'tenant_id', type: 'text', labels: { en: 'T' } }, field: 'apiName', reason: /reserved/ },
  { name: 'a field named deleted_at', method: 'POST', path: '/metadata/objects/deal/fields', body: { apiName: 'deleted_at', type: 'text', labels: { en: 'T' } }, field: 'apiName', reason: /reserved/ },
  { name: 'a field named prototype', method: 'POST', path: '/metadata/objects/deal/fields', body: { apiName: 'prototype', type: 'text', labels: { en: 'P' } }, field: 'apiName', reason: /reserved/ },
  { name: 'a custom object named like a standard one', method: 'POST', path: '/metadata/objects', body: { apiName: 'user', labels: { en: { singular: 'U', plural: 'Us' } } }, field: 'apiName', reason: /reserved/ },
  { name: 'a custom object named constructor', method: 'POST', path: '/metadata/objects', body: { apiName: 'constructor', labels: { en: { singular: 'C', plural: 'Cs' } } }, field: 'apiName', reason: /reserved/ },

  // 7. Sizes.
  { name: 'a picklist of 1,001 values', method: 'POST', path: '/metadata/objects/deal/fields', body: { apiName: 'huge_list', type: 'picklist', labels: { en: 'H' }, values: Array.from({ length: 1001 }, (_, i) => ({ apiName: `v${i}`, labels: { en: `V${i}` } })) }, field: 'values', reason: /1000|most/ },
  { name: 'a unique text field longer than an index entry holds', method: 'POST', path: '/metadata/objects/deal/fields', body: { apiName: 'code', type: 'text', labels: { en: 'Code' }, unique: true, maxLength: 1000 }, field: 'maxLength', reason: /500/ },
  { name: 'a unique URL field at its default length', method: 'POST', path: '/metadata/objects/deal/fields', body: { apiName: 'link', type: 'url', labels: { en: 'Link' }, unique: true }, field: 'maxLength', reason: /500/ },
  { name: 'the name field made longer than an index entry holds', method: 'PATCH', path: '/metadata/objects/deal/fields/name', body: { maxLength: 1000 }, field: 'maxLength', reason: /500/ },
  { name: 'a label of 201 characters', method: 'POST', path: '/metadata/objects/deal/fields', body: { apiName: 'long_label', type: 'text', labels: { en: 'x'.repeat(201) } }, field: 'labels.en', reason: /200|most/ },
  { name: 'a term of 101 characters', method: 'PUT', path: '/metadata/terms/customer', body: { forms: { en: { singular: 'x'.repeat(101), plural: 'x' } } }, field: 'forms.en.singular', reason: /100|most/ },
  { name: 'a multi-picklist with 10,000 selections', method: 'POST', path: '/records/deal', body: { name: 'x', tags: Array.from({ length: 10_000 }, (_, i) => `v${i}`) }, status: 422, field: 'tags', reason: /most|100/, count: 'deal' },
];

async function count(tenant: TestTenant, object: string): Promise<number> {
  return json<{ total: number }>(await tenant.api('GET', `/records/${object}?count=true&limit=1`)).total;
}

function send(tenant: TestTenant, c: BadInput) {
  const handWritten = c.body && typeof c.body === 'object' && 'text' in c.body ? (c.body as { text: string; headers: Record<string, string> }) : undefined;
  return handWritten
    ? tenant.api(c.method, c.path, handWritten.text, { ...handWritten.headers, ...c.headers })
    : tenant.api(c.method, c.path, c.body, c.headers ?? {});
}

describe('each class of bad input gets a 4xx problem naming the field and the reason, and writes nothing', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const before = c.count ? await count(t, c.count) : undefined;
    const response = await send(t, c);
    const shown = `${c.method} ${c.path.slice(0, 120)} → ${response.statusCode} ${response.body.slice(0, 400)}`;
    if (c.status) expect(response.statusCode, shown).toBe(c.status);
    expect(response.statusCode, shown).toBeGreaterThanOrEqual(400);
    expect(response.statusCode, shown).toBeLessThan(500);
    expect(response.headers['content-type'], shown).toContain('application/problem+json');
    const problem = response.json() as Problem;
    // Metadata changes name fields by JSON pointer into the change request (/operations/0/field/apiName).
    const named = (problem.errors ?? []).filter((e) => e.field === c.field || e.field.endsWith(`/${c.field.replaceAll('.', '/')}`));
    expect(named.length, shown).toBeGreaterThan(0);
    expect(named.some((e) => c.reason.test(`${e.code} ${e.message}`)), shown).toBe(true);
    if (c.count) expect(await count(t, c.count)).toBe(before);
  });
});

describe('a method a path does not take', () => {
  it('is a 405 naming the methods it takes in Allow; a path that does not exist stays a 404', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    for (const [method, path, allow] of [
      ['PUT', `/records/deal/${id}`, ['GET', 'HEAD', 'PATCH', 'DELETE']],
      ['DELETE', '/records/deal', ['GET', 'HEAD', 'POST']],
      ['OPTIONS', '/workflows', ['GET', 'HEAD', 'POST']],
    ] as const) {
      const response = await t.api(method, path);
      expect(response.statusCode, `${method} ${path}`).toBe(405);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(String(response.headers['allow']).split(', '), `${method} ${path}`).toEqual(expect.arrayContaining([...allow]));
      expect((response.json() as Problem).status).toBe(405);
    }
    expect((await t.api('POST', '/no-such-route')).statusCode).toBe(404);
    expect((await t.api('GET', '/no-such-route')).statusCode).toBe(404);
  });
});

describe('bidirectional controls in names and in record values', () => {
  it('refuses an override in an API key name in English and Chinese, and creates no key', async () => {
    const keys = async () => json<unknown[]>(await t.api('GET', '/api-keys')).length;
    const before = await keys();
    const zh = await t.api('POST', '/api-keys', { name: 'ops\u202Etset' }, { 'accept-language': 'zh-CN' });
    expect(zh.statusCode, zh.body).toBe(422);
    expect(json<Problem>(zh).errors).toEqual([expect.objectContaining({ field: 'name', code: 'invalid_text', message: expect.stringContaining('双向') })]);
    expect(await keys()).toBe(before);
  });

  it('keeps the marks right-to-left names need, and any text in record values', async () => {
    // U+200F (right-to-left mark) is not an override: a Hebrew or Arabic name may carry it.
    const key = await t.api('POST', '/api-keys', { name: 'מפתח\u200F 1' });
    expect(key.statusCode, key.body).toBe(201);
    const name = 'שלום \u202Bעולם\u202C \u2067مرحبا\u2069';
    const created = await t.api('POST', '/records/deal', { name });
    expect(created.statusCode, created.body).toBe(201);
    expect(json<{ name: string }>(await t.api('GET', `/records/deal/${json<{ id: string }>(created).id}`)).name).toBe(name);
  });
});

describe('names from outside never reach an object prototype', () => {
  it('/metadata/schemas/__proto__ and other prototype keys are 404', async () => {
    for (const kind of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      const r = await t.api('GET', `/metadata/schemas/${kind}`);
      expect(r.statusCode, `${kind} → ${r.body.slice(0, 200)}`).toBe(404);
    }
  });
});

describe('list cursors are signed and bound to the tenant and the query', () => {
  const firstPage = async (tenant: TestTenant, query: string) => {
    const r = await tenant.api('GET', `/records/deal?limit=1&${query}`);
    expect(r.statusCode, r.body).toBe(200);
    const cursor = json<{ nextCursor: string | null }>(r).nextCursor;
    expect(cursor).toBeTruthy();
    return cursor!;
  };
  const refused = (r: { statusCode: number; json(): unknown }) => {
    expect(r.statusCode).toBe(400);
    expect((r.json() as Problem).errors?.[0]).toMatchObject({ field: 'cursor', code: 'cursor' });
  };

  it('a cursor pages its own list and nothing else', async () => {
    const cursor = await firstPage(t, 'sort=-amount');
    const next = await t.api('GET', `/records/deal?limit=1&sort=-amount&cursor=${cursor}`);
    expect(next.statusCode, next.body).toBe(200);
    expect(json<{ data: unknown[] }>(next).data).toHaveLength(1);
    refused(await t.api('GET', `/records/deal?limit=1&sort=amount&cursor=${cursor}`));
    refused(await t.api('GET', `/records/deal?limit=1&sort=-amount&${filter({ field: 'amount', op: 'gte', value: 0 })}&cursor=${cursor}`));
    refused(await other.api('GET', `/records/deal?limit=1&sort=-amount&cursor=${cursor}`));
    const byName = await firstPage(t, 'sort=name');
    refused(await t.api('GET', `/records/organization?limit=1&sort=name&cursor=${byName}`));
  });

  it('a cursor with a changed value or signature is refused', async () => {
    const cursor = await firstPage(t, 'sort=name');
    const [payload, signature] = cursor.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify({ v: ["') or true --"], id: '00000000-0000-4000-8000-000000000000' })).toString('base64url');
    refused(await t.api('GET', `/records/deal?limit=1&sort=name&cursor=${forged}.${signature}`));
    // Another first character, which always changes the signature's bytes: writing AA over the last two left one signature in 1,024 as it was (the last character carries 4 bits), and CI met one.
    refused(await t.api('GET', `/records/deal?limit=1&sort=name&cursor=${payload}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`));
    refused(await t.api('GET', `/records/deal?limit=1&sort=name&cursor=${payload}`));
  });

  it('a second server on the same database accepts the first one\'s cursor', async () => {
    const cursor = await firstPage(t, 'sort=-amount');
    const second = await buildApp({ db: h.db });
    try {
      const r = await second.app.inject({ method: 'GET', url: `/api/v1/records/deal?limit=1&sort=-amount&cursor=${cursor}`, headers: { authorization: `Bearer ${t.key}` } });
      expect(r.statusCode, r.body).toBe(200);
    } finally {
      await second.app.close();
    }
  });

  it('a recycle-bin cursor is bound to its object', async () => {
    for (const name of ['Bin 1', 'Bin 2']) {
      const created = json<{ id: string }>(await t.api('POST', '/records/deal', { name }));
      expect((await t.api('DELETE', `/records/deal/${created.id}`)).statusCode).toBe(204);
    }
    const page = json<{ nextCursor: string }>(await t.api('GET', '/recycle-bin?object=deal&limit=1'));
    expect(page.nextCursor).toBeTruthy();
    expect((await t.api('GET', `/recycle-bin?object=deal&limit=1&cursor=${page.nextCursor}`)).statusCode).toBe(200);
    refused(await t.api('GET', `/recycle-bin?limit=1&cursor=${page.nextCursor}`));
  });
});

/** Listens on a free port of 127.0.0.1 and gives it. */
async function listenOnFreePort(app: FastifyInstance): Promise<number> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

/** What the process writes to stderr until `restore` (the server's always-on error lines go there). */
function captureStderr(): { lines: string[]; restore: () => void } {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (lines.push(String(chunk)), true));
  return { lines, restore: () => spy.mockRestore() };
}

/** The server's open connections. */
const connections = (server: Server) => new Promise<number>((resolve, reject) => server.getConnections((error, n) => (error ? reject(error) : resolve(n))));

/** One HTTP exchange over a plain socket: what the client reads before the server closes, even if it resets after. */
function exchange(port: number, head: string, body: Buffer = Buffer.alloc(0), chunked = false): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    // A reset after the answer arrived is the server closing a refused upload; the answer counts.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const text = Buffer.concat(received).toString('utf8');
      const [headers = '', payload = ''] = text.split('\r\n\r\n', 2);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(headers)?.[1]);
      if (!status) return reject(new Error(`no HTTP answer: ${JSON.stringify(text.slice(0, 200))}`));
      resolve({ status, type: /content-type: *([^\r\n;]+)/i.exec(headers)?.[1] ?? '', body: payload });
    });
    socket.on('connect', () => {
      socket.write(head);
      if (!chunked) socket.write(body);
      else for (let at = 0; at < body.length; at += 64 * 1024) socket.write(`${(Math.min(64 * 1024, body.length - at)).toString(16)}\r\n${body.subarray(at, at + 64 * 1024).toString()}\r\n`);
      if (chunked) socket.write('0\r\n\r\n');
    });
  });
}

describe('oversized or malformed HTTP gets a problem answer on a real socket, never a dropped connection', () => {
  let port: number;
  beforeAll(async () => {
    port = await listenOnFreePort(h.server.app);
  });

  const post = (path: string, length: number | undefined) =>
    `POST /api/v1${path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${t.key}\r\nContent-Type: application/json\r\n${length === undefined ? 'Transfer-Encoding: chunked' : `Content-Length: ${length}`}\r\nConnection: close\r\n\r\n`;
  const bigJson = (bytes: number) => Buffer.from(JSON.stringify({ name: 'big', description: 'x'.repeat(bytes) }));

  it('headers over 16 KB are a 431 problem', async () => {
    const r = await exchange(port, `GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Padding: ${'a'.repeat(200_000)}\r\n\r\n`);
    expect(r.status).toBe(431);
    expect(r.type).toBe('application/problem+json');
    expect(JSON.parse(r.body)).toMatchObject({ status: 431 });
  });

  it('a malformed request line is a 400 problem', async () => {
    const r = await exchange(port, 'NOT HTTP AT ALL\r\n\r\n');
    expect(r.status).toBe(400);
    expect(r.type).toBe('application/problem+json');
  });

  it('a body over the limit is a 413 problem with or without Content-Length, and nothing is written', async () => {
    const before = await count(t, 'deal');
    const body = bigJson(2 * 1024 * 1024);
    for (const length of [body.length, undefined]) {
      const r = await exchange(port, post('/records/deal', length), body, length === undefined);
      expect(r.status, r.body.slice(0, 200)).toBe(413);
      expect(r.type).toBe('application/problem+json');
      expect(JSON.parse(r.body)).toMatchObject({ status: 413 });
    }
    expect(await count(t, 'deal')).toBe(before);
  });

  it('an operator token with multibyte characters is a 403, not a 500', async () => {
    const body = Buffer.from(JSON.stringify({ slug: 'mb-tenant', name: 'MB', admin: { email: 'a@mb.test', name: 'A', password: 'a long enough password' } }));
    const head = `POST /api/v1/tenants HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer op_令牌ü\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
    const r = await exchange(port, head, body);
    expect(r.status, r.body.slice(0, 200)).toBe(403);
    expect(r.type).toBe('application/problem+json');
  });

  it('a path that does not decode is a 400 problem naming the path, with its request id', async () => {
    for (const path of ['/api/v1/records/%ZZ', '/api/v1/records/deal/%ED%A0%80']) {
      const r = await exchange(port, `GET ${path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${t.key}\r\nConnection: close\r\n\r\n`);
      expect(r.status, r.body.slice(0, 200)).toBe(400);
      expect(r.type).toBe('application/problem+json');
      const problem = JSON.parse(r.body) as Problem & { requestId: string };
      expect(problem.errors?.[0]).toMatchObject({ field: 'path', code: 'encoding' });
      expect(problem.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(r.body).not.toMatch(/FST_/);
    }
  });

  it('an id longer than any id is refused by name, and a path part past the router\'s limit is a 414 problem', async () => {
    const long = await t.api('GET', `/records/deal/${'a'.repeat(150)}`);
    expect(long.statusCode).toBe(400);
    expect(json<Problem>(long).errors?.[0]).toMatchObject({ field: 'id', code: 'maxLength' });
    const r = await exchange(port, `GET /api/v1/records/deal/${'a'.repeat(600)} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${t.key}\r\nConnection: close\r\n\r\n`);
    expect(r.status).toBe(414);
    expect(r.type).toBe('application/problem+json');
    expect((JSON.parse(r.body) as Problem).errors?.[0]).toMatchObject({ field: 'path', code: 'maxLength' });
  });

  it('CONNECT is a 405 problem, not a dropped connection', async () => {
    const r = await exchange(port, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
    expect(r.status).toBe(405);
    expect(r.type).toBe('application/problem+json');
  });

  it('a client that closes before its body has arrived is not logged as a server error', async () => {
    // A server of its own, to know when the body is being read: its hook runs just before.
    const extra = await buildApp({ db: h.db });
    let reading!: () => void;
    const bodyRead = new Promise<void>((resolve) => (reading = resolve));
    extra.app.addHook('preParsing', (_request, _reply, payload, done) => {
      reading();
      done(null, payload);
    });
    const extraPort = await listenOnFreePort(extra.app);
    const stderr = captureStderr();
    try {
      const before = await count(t, 'deal');
      const socket = connect({ host: '127.0.0.1', port: extraPort });
      socket.on('error', () => undefined);
      await new Promise((resolve) => socket.on('connect', resolve));
      socket.write(`${post('/records/deal', 100)}{"name":"cut`);
      await bodyRead;
      socket.destroy();
      await waitFor('the server to see the connection closed', async () => (await connections(extra.app.server)) === 0);
      // A request after it is answered only once the abort has been handled.
      expect((await exchange(extraPort, 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n')).status).toBe(200);
      expect(stderr.lines.filter((l) => l.includes('"level":"error"'))).toEqual([]);
      expect(await count(t, 'deal')).toBe(before);
    } finally {
      stderr.restore();
      await extra.app.close();
    }
  });

  it('a subscription frame over the size limit closes the socket as too big and is not logged as a server error', async () => {
    const logged: string[] = [];
    const extra = await buildApp({ db: h.db, logger: true, logStream: { write: (line) => void logged.push(line) } });
    const extraPort = await listenOnFreePort(extra.app);
    const stderr = captureStderr();
    try {
      const socket = new WebSocket(`ws://127.0.0.1:${extraPort}/api/v1/graphql`, 'graphql-transport-ws');
      const closed = new Promise<number>((resolve) => socket.addEventListener('close', (event) => resolve(event.code)));
      await new Promise((resolve, reject) => {
        socket.addEventListener('open', resolve);
        socket.addEventListener('error', reject);
      });
      socket.send('x'.repeat(2 * 1024 * 1024));
      expect(await closed).toBe(1009);
      await waitFor('the server to log the closed socket', () => logged.some((l) => l.includes('client error')));
      expect(logged.map((l) => JSON.parse(l) as { level: number }).filter((l) => l.level >= 50)).toEqual([]);
      expect(stderr.lines.filter((l) => l.includes('"level":"error"'))).toEqual([]);
    } finally {
      stderr.restore();
      await extra.app.close();
    }
  });

  it('the batch route takes up to 16 MB and answers 413 beyond', async () => {
    const operations = JSON.stringify({ operations: [{ op: 'create', data: { name: 'x'.repeat(17 * 1024 * 1024) } }] });
    const r = await exchange(port, post('/records/deal/batch', Buffer.byteLength(operations)), Buffer.from(operations));
    expect(r.status).toBe(413);
    expect(r.type).toBe('application/problem+json');
  });
});

describe('an unexpected error is logged with its request id and shows no internals', () => {
  it('a 500 carries the request id, and stderr has it with the stack but not the query', async () => {
    const extra = await buildApp({ db: h.db });
    extra.app.get('/boom', async () => {
      throw new Error('internal detail: select secret from platform_secret');
    });
    extra.app.get('/cast', async () => h.db.system((q) => q.query("select 'not a number'::int")));
    const { lines, restore } = captureStderr();
    try {
      const boom = await extra.app.inject({ method: 'GET', url: '/boom?token=hunter2' });
      expect(boom.statusCode).toBe(500);
      const requestId = boom.headers['x-request-id'];
      expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(boom.json()).toMatchObject({ status: 500, requestId });
      expect(boom.body).not.toMatch(/internal detail|platform_secret|at .*\.ts/);
      const logged = lines.map((l) => JSON.parse(l) as { level: string; requestId: string; path: string; err: { stack: string } }).find((l) => l.requestId === requestId);
      expect(logged).toMatchObject({ level: 'error', path: '/boom' });
      expect(logged?.err.stack).toContain('internal detail');
      expect(lines.join('')).not.toContain('hunter2');

      // The safety net: a value Postgres refuses is the client's fault, a 400 without the database's words, and a logged warning.
      const cast = await extra.app.inject({ method: 'GET', url: '/cast' });
      expect(cast.statusCode).toBe(400);
      expect(cast.body).not.toMatch(/invalid input syntax|integer/);
      expect(lines.some((l) => l.includes('"level":"warn"') && l.includes(String(cast.headers['x-request-id'])))).toBe(true);
    } finally {
      restore();
      await extra.app.close();
    }
  });
});

describe('every route of the API, given hostile input, answers 4xx, never 5xx', () => {
  // Strings that broke routes before, or could: control characters, lone surrogates, names of the
  // JavaScript object model, sizes past any limit, numerals out of range, path and SQL fragments.
  const STRINGS = ['a\u0000b', 'x\uD800y', '__proto__', 'constructor', 'x'.repeat(10_000), '1e309', '-1', '9'.repeat(40), '%', '../../x', "'; drop table record; --", '00000000-0000-4000-8000-000000000000'];
  /** Bodies whatever the route expects: not an object, malformed, or an object of the wrong shape. */
  const BODIES = ['[]', '"x"', '123', 'null', '{', '{"a":1e400}', '{"__proto__":{"x":1}}', JSON.stringify({ a: Array.from({ length: 5000 }, () => 'x') })];
  /** Values for one declared property at a time. */
  const VALUES = ['a\u0000b', 'x'.repeat(100_000), '1e400', '-1e308', '[]', '{}', 'null', 'true', '"9999-99-99"', JSON.stringify('9'.repeat(400))];

  type Schema = { properties?: Record<string, unknown> };
  const propertiesOf = (schema: unknown) => Object.keys((schema as Schema | undefined)?.properties ?? {});

  it('sends hostile path parameters, query values and bodies to each route and gets no 5xx', async () => {
    // A workspace of its own: what a route might change by mistake stays there.
    const victim = await createTestTenant(h, 'fuzz');
    const routes = h.server.app.routeCatalog.routes;
    expect(routes.length).toBeGreaterThan(100);
    const failures: string[] = [];
    let sent = 0;
    const send = async (method: string, url: string, body?: string) => {
      sent += 1;
      const r = await h.server.app.inject({ method: method as 'GET', url: `/api/v1${url}`, headers: { authorization: `Bearer ${victim.key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { payload: body }) });
      if (r.statusCode >= 500) failures.push(`${r.statusCode} ${method} ${url.slice(0, 120)}${body === undefined ? '' : ` ${body.slice(0, 80)}`}: ${r.body.slice(0, 160)}`);
    };
    // A lone surrogate has no UTF-8: in a URL it travels as the bytes a careless encoder would write for it.
    const encode = (value: string) => value.split('\uD800').map(encodeURIComponent).join('%ED%A0%80');
    const fill = (url: string, value: string) => url.replace(/:([A-Za-z]+)/g, () => encode(value));
    for (const route of routes) {
      const { method, url, schema } = route;
      const hasParams = url.includes(':');
      const takesBody = method !== 'GET' && method !== 'DELETE';
      // A path whose parameters name nothing: ids that exist in no workspace.
      const harmless = fill(url.replace(':object', 'deal'), '00000000-0000-4000-8000-000000000000');
      if (hasParams) for (const value of STRINGS) await send(method, fill(url, value), takesBody ? '{}' : undefined);
      // Never the real object with a harmless rest: a DELETE of /metadata/objects/deal would do what it says.
      if (hasParams && method === 'DELETE') continue;
      for (const name of propertiesOf(schema?.querystring)) for (const value of STRINGS) await send(method, `${harmless}?${name}=${encode(value)}`, takesBody ? '{}' : undefined);
      if (!takesBody) continue;
      for (const body of BODIES) await send(method, harmless, body);
      for (const name of propertiesOf(schema?.body)) for (const value of VALUES) await send(method, harmless, `{${JSON.stringify(name)}:${value}}`);
    }
    expect(sent).toBeGreaterThan(2000);
    expect(failures).toEqual([]);
  }, 300_000);
});
