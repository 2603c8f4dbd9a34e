import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { call, createTestTenant, json, startHarness, type Harness, type TestTenant } from './harness.ts';

/*
 * How the test tells words from identifiers: it reads only the human-readable strings of a
 * response — the values of `title`, `detail`, `message`, `description`, `summary`, `label` and
 * OpenAPI `tags` — and within them drops quoted spans ('…', "…", `…`), which is how every server
 * message marks an API name. What is left must not say Customer/Customers/customer or 客户.
 */
const readableKeys = new Set(['title', 'detail', 'message', 'description', 'summary', 'label', 'tags']);

function readableStrings(value: unknown, key = '', out: string[] = []): string[] {
  if (typeof value === 'string') {
    if (readableKeys.has(key)) out.push(value);
  } else if (Array.isArray(value)) {
    for (const item of value) readableStrings(item, key === 'tags' ? 'tags' : '', out);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) readableStrings(v, k, out);
  }
  return out;
}

const unquoted = (text: string) => text.replace(/'[^']*'|"[^"]*"|`[^`]*`/g, '');
const oldWord = /\b[Cc]ustomers?\b|客户/;

function leaks(value: unknown): string[] {
  return readableStrings(value).filter((s) => oldWord.test(unquoted(s)));
}

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

/** A tenant with an English admin and a Chinese-speaking admin (both through API keys). */
async function tenantWithLocales(): Promise<{ t: TestTenant; as: Record<'en' | 'zh-CN', TestTenant['api']> }> {
  const t = await createTestTenant(h, 'terms');
  const created = await t.api('POST', '/users', { email: `zh@${t.slug}.test`, name: '王管理员', role: 'admin', password: 'correct horse battery', locale: 'zh-CN' });
  expect(created.statusCode, created.body).toBe(201);
  const { key } = await h.server.auth.createApiKey(t.id, json<{ id: string }>(created).id, 'zh');
  return { t, as: { en: t.api, 'zh-CN': (method, path, body, headers) => call(h, key, method, path, body, headers) } };
}

/** Triggers the API's errors on purpose and returns every problem body. */
async function provokeErrors(api: TestTenant['api']): Promise<unknown[]> {
  const bodies: unknown[] = [];
  const expectStatus = async (status: number, promise: ReturnType<TestTenant['api']>) => {
    const r = await promise;
    expect(r.statusCode, r.body).toBe(status);
    bodies.push(r.json());
    return r;
  };
  const customer = json<{ id: string }>(await api('POST', '/records/customer', { last_name: 'Lee', code: `C-${randomUUID().slice(0, 6)}` }));
  await api('POST', '/records/deal', { name: 'Plan A', customer: customer.id });
  const missing = randomUUID();
  await expectStatus(404, api('GET', `/records/customer/${missing}`));
  await expectStatus(404, api('GET', '/records/customer/not-a-uuid'));
  await expectStatus(404, api('PATCH', `/records/customer/${missing}`, { first_name: 'x' }));
  await expectStatus(404, api('POST', `/records/customer/${missing}/restore`));
  await expectStatus(422, api('POST', '/records/customer', {}));
  await expectStatus(422, api('POST', '/records/customer', { last_name: 'Lee', status: 'nope' }));
  await expectStatus(422, api('POST', '/records/activity', { subject: 'Check-up', type: 'visit' }));
  await expectStatus(422, api('POST', '/records/customer', { last_name: 'Lee', email: 'not-an-email', first_name: 5 }));
  const code = `DUP-${randomUUID().slice(0, 6)}`;
  await api('POST', '/records/customer', { last_name: 'One', code });
  await expectStatus(409, api('POST', '/records/customer', { last_name: 'Two', code }));
  await expectStatus(422, api('POST', '/records/deal', { name: 'Orphan', customer: missing }));
  await expectStatus(422, api('POST', '/records/activity', { subject: 'Orphan', type: 'call', customer: missing }));
  await expectStatus(409, api('DELETE', `/records/customer/${customer.id}`));
  await expectStatus(400, api('GET', `/records/customer?filter=${encodeURIComponent(JSON.stringify({ field: 'nope', op: 'eq', value: 1 }))}`));
  await expectStatus(400, api('GET', `/records/deal?filter=${encodeURIComponent(JSON.stringify({ field: 'customer.nope', op: 'eq', value: 1 }))}`));
  await expectStatus(400, api('GET', '/records/customer?sort=nope&expand=email'));
  await expectStatus(422, api('POST', '/records/customer/batch', { operations: [{ op: 'create', data: {} }, { op: 'upsert', matchField: 'email', data: {} }] }));
  await expectStatus(422, api('DELETE', '/metadata/objects/customer/fields/name'));
  await expectStatus(422, api('POST', '/metadata/changes', { operations: [{ op: 'deleteTerm', key: 'customer' }] }));
  return bodies;
}

/** A unique field and a restricting lookup, so the conflict and restrict errors can be provoked. */
async function prepare(t: TestTenant): Promise<void> {
  const r = await t.api('POST', '/metadata/changes', {
    message: 'Unique code; deals restrict deleting their customer',
    operations: [
      { op: 'createField', object: 'customer', field: { apiName: 'code', type: 'text', unique: true, labels: { en: '{Customer} code', 'zh-CN': '{customer}代码' } } },
      { op: 'updateField', object: 'deal', field: 'customer', patch: { lookup: { objectId: 'customer', onDelete: 'restrict', relationshipName: 'deals' } } },
    ],
  });
  expect(r.statusCode, r.body).toBe(200);
}

describe('terminology', () => {
  it('renaming a term relabels the standard Customer object in zh-CN', async () => {
    const { t, as } = await tenantWithLocales();
    const before = json<{ revision: number }>(await t.api('GET', '/metadata/snapshot')).revision;
    const r = await t.api('PUT', '/metadata/terms/customer', { forms: { 'zh-CN': { singular: '患者', measureWord: '位' } } });
    expect(r.statusCode, r.body).toBe(200);
    expect(json<{ revision: number }>(r).revision).toBe(before + 1);

    type Resolved = { objects: { id: string; labels: Record<string, { singular: string }>; fields: { id: string; labels: Record<string, string> }[] }[] };
    const zh = json<Resolved>(await t.api('GET', '/metadata/snapshot?resolve=zh-CN'));
    const customer = zh.objects.find((o) => o.id === 'customer')!;
    expect(customer.labels['zh-CN']!.singular).toBe('患者');
    expect(customer.fields.find((f) => f.id === 'customer_number')!.labels['zh-CN']).toBe('患者编号');
    expect(zh.objects.find((o) => o.id === 'deal')!.fields.find((f) => f.id === 'customer')!.labels['zh-CN']).toBe('患者');
    expect(json<Resolved>(await t.api('GET', '/metadata/snapshot?resolve=en')).objects.find((o) => o.id === 'customer')!.labels['en']!.singular).toBe('Customer');

    const raw = json<{ terms: { key: string; forms: Record<string, { singular: string }> }[]; objects: { id: string; labels: Record<string, { singular: string }> }[] }>(await t.api('GET', '/metadata/snapshot'));
    expect(raw.terms.find((term) => term.key === 'customer')!.forms['zh-CN']!.singular).toBe('患者');
    const missing = await as['zh-CN']('GET', `/records/customer/${randomUUID()}`);
    expect(json<{ detail: string }>(missing).detail).toMatch(/患者/);
  });

  for (const locale of ['en', 'zh-CN'] as const) {
    it(`after the Healthcare set, API errors and the OpenAPI document in ${locale} never say Customer or 客户; reset and restore bring the words back`, async () => {
      const { t, as } = await tenantWithLocales();
      const api = as[locale];
      await prepare(t);

      // Control: before the set the check does find the old word, so it can fail.
      expect(leaks(await provokeErrors(api)).length).toBeGreaterThan(0);
      expect(leaks(json(await api('GET', '/openapi.json'))).length).toBeGreaterThan(0);

      const before = json<{ revision: number }[]>(await t.api('GET', '/metadata/revisions'))[0]!.revision;
      const applied = await t.api('POST', '/metadata/term-sets/healthcare/apply', { locales: [locale] });
      expect(applied.statusCode, applied.body).toBe(200);
      expect(json<{ revision: number }>(applied).revision).toBe(before + 1);

      const errors = await provokeErrors(api);
      expect(leaks(errors)).toEqual([]);
      const word = locale === 'en' ? /\b[Pp]atients?\b/ : /患者/;
      expect(readableStrings(errors).some((s) => word.test(s))).toBe(true);
      const openapi = json(await api('GET', '/openapi.json'));
      expect(leaks(openapi)).toEqual([]);
      expect(readableStrings(openapi).some((s) => word.test(s))).toBe(true);
      expect(leaks(json(await api('GET', `/metadata/snapshot?resolve=${locale}`)))).toEqual([]);

      // Restoring the revision before the set brings the old words back, as a new revision.
      const restored = await t.api('POST', `/metadata/revisions/${before}/restore`);
      expect(restored.statusCode, restored.body).toBe(200);
      expect(leaks(json(await api('GET', '/openapi.json'))).length).toBeGreaterThan(0);

      // Re-apply, then reset just the customer term.
      await t.api('POST', '/metadata/term-sets/healthcare/apply');
      const reset = await t.api('DELETE', '/metadata/terms/customer');
      expect(reset.statusCode, reset.body).toBe(200);
      const detail = json<{ detail: string }>(await api('GET', `/records/customer/${randomUUID()}`)).detail;
      expect(detail).toMatch(locale === 'en' ? /\bcustomer\b/ : /客户/);
    });
  }

  it('a rename is one revision with one term diff entry and never touches record data', async () => {
    const t = await createTestTenant(h, 'terms');
    const record = json<{ id: string; version: number }>(await t.api('POST', '/records/customer', { last_name: 'Ng' }));
    const r = await t.api('PUT', '/metadata/terms/customer', { forms: { en: { singular: 'student', plural: 'students' } } });
    const revision = json<{ revision: number; diff: { kind: string; id: string; action: string }[] }>(r);
    expect(revision.diff).toEqual([expect.objectContaining({ kind: 'term', id: 'customer', action: 'updated' })]);
    const after = json<{ id: string; version: number }>(await t.api('GET', `/records/customer/${record.id}`));
    expect(after.version).toBe(record.version);
    const terms = json<{ key: string; overridden: boolean; defaultForms?: { en: { singular: string } } }[]>(await t.api('GET', '/metadata/terms'));
    expect(terms.find((x) => x.key === 'customer')).toMatchObject({ overridden: true, defaultForms: { en: { singular: 'customer' } } });
    expect(terms.find((x) => x.key === 'deal')).toMatchObject({ overridden: false });
  });

  it('resolves each place a renamed term is used in the language it is written in', async () => {
    const t = await createTestTenant(h, 'terms');
    expect((await t.api('PUT', '/metadata/terms/customer', { forms: { en: { singular: 'Patient', plural: 'Patients' }, 'zh-CN': { singular: '患者' } } })).statusCode).toBe(200);
    const usage = json<{ uses: { path: string; fieldApiName?: string; resolved?: string }[] }>(await t.api('GET', '/metadata/terms/customer/usage'));
    const number = usage.uses.filter((u) => u.fieldApiName === 'customer_number');
    expect(number.map((u) => [u.path.split('/').at(-1), u.resolved])).toEqual([['en', 'Patient number'], ['zh-CN', '患者编号']]);
    expect(usage.uses.filter((u) => u.path.endsWith('/zh-CN')).map((u) => u.resolved).join(' ')).not.toMatch(/Patient|[Cc]ustomer/);
  });

  it('lists where a term is used, refuses deleting a used custom term, and lets an unused one go', async () => {
    const t = await createTestTenant(h, 'terms');
    const usage = json<{ uses: { kind: string; objectApiName?: string; fieldApiName?: string }[]; messages: { id: string }[] }>(await t.api('GET', '/metadata/terms/customer/usage'));
    expect(usage.uses).toEqual(expect.arrayContaining([
      expect.objectContaining({ kind: 'object', objectApiName: 'customer' }),
      expect.objectContaining({ kind: 'field', objectApiName: 'deal', fieldApiName: 'customer' }),
      expect.objectContaining({ kind: 'picklistValue', objectApiName: 'customer', fieldApiName: 'status' }),
    ]));
    expect(usage.messages.map((m) => m.id)).toContain('record.notFound');
    expect(json<{ messages: { id: string }[] }>(await t.api('GET', '/metadata/terms/user/usage')).messages.map((m) => m.id)).toContain('owner.unknown');

    expect((await t.api('PUT', '/metadata/terms/pet', { forms: { en: { singular: 'pet', plural: 'pets' }, 'zh-CN': { singular: '宠物', measureWord: '只' } } })).statusCode).toBe(200);
    expect((await t.api('POST', '/metadata/objects/customer/fields', { apiName: 'pet_name', type: 'text', labels: { en: "{Pet}'s name", 'zh-CN': '{pet}名字' } })).statusCode).toBe(201);
    const refused = await t.api('DELETE', '/metadata/terms/pet');
    expect(refused.statusCode).toBe(422);
    expect(json<{ errors: { code: string; dependents: unknown[] }[] }>(refused).errors[0]).toMatchObject({ code: 'has_dependents', dependents: expect.arrayContaining([expect.objectContaining({ kind: 'field' })]) });
    const unknown = await t.api('POST', '/metadata/objects/customer/fields', { apiName: 'typo', type: 'text', labels: { en: 'About {custmer}' } });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.body).toMatch(/unknown_term/);
    await t.api('DELETE', '/metadata/objects/customer/fields/pet_name');
    await t.api('POST', '/metadata/changes', { operations: [{ op: 'purgeField', object: 'customer', field: 'pet_name' }] });
    expect((await t.api('DELETE', '/metadata/terms/pet')).statusCode).toBe(200);
    expect((await t.api('GET', '/metadata/terms/pet')).statusCode).toBe(404);
  });

  it('lists the shipped term sets and refuses an unknown one', async () => {
    const t = await createTestTenant(h, 'terms');
    const sets = json<{ id: string; terms: { key: string }[] }[]>(await t.api('GET', '/metadata/term-sets'));
    expect(sets.map((s) => s.id)).toEqual(['healthcare', 'education']);
    expect((await t.api('POST', '/metadata/term-sets/nope/apply')).statusCode).toBe(404);
    const education = await t.api('POST', '/metadata/term-sets/education/apply', {});
    expect(education.statusCode, education.body).toBe(200);
    const openapi = json<{ paths: Record<string, { post?: { summary: string } }> }>(await t.api('GET', '/openapi.json'));
    expect(openapi.paths['/records/deal']!.post!.summary).toBe('Create an enrollment');
  });

  it('a renamed API name keeps working as an alias in paths, filters and field references; OpenAPI marks it deprecated', async () => {
    const t = await createTestTenant(h, 'terms');
    const customer = json<{ id: string }>(await t.api('POST', '/records/customer', { last_name: 'Alias' }));
    await t.api('POST', '/records/deal', { name: 'Aliased deal', customer: customer.id });
    expect((await t.api('PATCH', '/metadata/objects/customer', { apiName: 'patient' })).statusCode).toBe(200);
    expect((await t.api('PATCH', '/metadata/objects/deal/fields/customer', { apiName: 'patient' })).statusCode).toBe(200);
    expect((await t.api('GET', `/records/customer/${customer.id}`)).statusCode).toBe(200);
    expect((await t.api('GET', `/records/patient/${customer.id}`)).statusCode).toBe(200);
    const viaOldField = await t.api('GET', `/records/deal?filter=${encodeURIComponent(JSON.stringify({ field: 'customer.last_name', op: 'eq', value: 'Alias' }))}&expand=customer`);
    expect(viaOldField.statusCode, viaOldField.body).toBe(200);
    expect(json<{ data: { patient: { id: string } }[] }>(viaOldField).data[0]!.patient.id).toBe(customer.id);
    const created = await t.api('POST', '/records/deal', { name: 'Old field name', customer: customer.id });
    expect(created.statusCode, created.body).toBe(201);
    expect(json<{ patient: string }>(created).patient).toBe(customer.id);

    const paths = json<{ paths: Record<string, { get?: { deprecated: boolean; summary: string } }> }>(await t.api('GET', '/openapi.json')).paths;
    expect(paths['/records/patient']!.get!.deprecated).toBe(false);
    expect(paths['/records/customer']!.get!).toMatchObject({ deprecated: true, summary: expect.stringContaining('deprecated alias of patient') });
  });

  it('a term rename is seen by the next request on another server process', async () => {
    const t = await createTestTenant(h, 'terms');
    const other = await buildApp({ db: h.db, operatorToken: 'unused', logger: false });
    await other.app.ready();
    try {
      const read = () => other.app.inject({ method: 'GET', url: '/api/v1/metadata/snapshot?resolve=en', headers: { authorization: `Bearer ${t.key}` } });
      expect((await read()).body).toContain('"singular":"Customer"');
      expect((await t.api('PUT', '/metadata/terms/customer', { forms: { en: { singular: 'client', plural: 'clients' } } })).statusCode).toBe(200);
      // Postgres delivers NOTIFY asynchronously to the other process's LISTEN connection.
      let body = '';
      for (let i = 0; i < 50 && !body.includes('"singular":"Client"'); i++) {
        body = (await read()).body;
        if (!body.includes('"singular":"Client"')) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(body).toContain('"singular":"Client"');
    } finally {
      await other.app.close();
    }
  });
});
