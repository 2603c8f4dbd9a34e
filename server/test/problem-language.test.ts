import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { translateProblemText } from '../src/errors/problem-language.ts';
import { call, createTestTenant, json, startHarness, type Harness, type TestTenant } from './harness.ts';

let h: Harness;
let t: TestTenant;

type Problem = { title: string; detail: string; status: number; errors?: { field: string; message: string }[] };

beforeAll(async () => {
  h = await startHarness();
  t = await createTestTenant(h, 'lang');
});
afterAll(async () => h?.close());

/** One request of each class of error a user or an integrator meets. */
const cases: { name: string; request: (headers: Record<string, string>) => ReturnType<TestTenant['api']> }[] = [
  { name: 'a required field missing', request: (hd) => t.api('POST', '/records/customer', { first_name: 'Ann' }, hd) },
  { name: 'a bad email', request: (hd) => t.api('POST', '/records/customer', { last_name: 'Lee', email: 'nope' }, hd) },
  { name: 'an unknown field', request: (hd) => t.api('POST', '/records/customer', { last_name: 'Lee', warp: 1 }, hd) },
  { name: 'a text too long', request: (hd) => t.api('POST', '/records/customer', { last_name: 'x'.repeat(61) }, hd) },
  { name: 'a picklist value that does not exist', request: (hd) => t.api('POST', '/records/customer', { last_name: 'Lee', status: 'gold' }, hd) },
  { name: 'several invalid values', request: (hd) => t.api('POST', '/records/customer', { email: 'nope', status: 'gold' }, hd) },
  { name: 'a filter on an unknown field', request: (hd) => t.api('GET', `/records/customer?filter=${encodeURIComponent(JSON.stringify({ field: 'warp', op: 'eq', value: 1 }))}`, undefined, hd) },
  { name: 'a filter that is not JSON', request: (hd) => t.api('GET', '/records/customer?filter=%7Bnope', undefined, hd) },
  { name: 'a limit out of range', request: (hd) => t.api('GET', '/records/customer?limit=0', undefined, hd) },
  { name: 'a body that is not JSON', request: (hd) => t.api('POST', '/records/customer', '{"last_name":', { ...hd, 'content-type': 'application/json' }) },
  { name: 'a record that does not exist', request: (hd) => t.api('GET', `/records/customer/${randomUUID()}`, undefined, hd) },
  { name: 'an object that does not exist', request: (hd) => t.api('GET', '/records/starship', undefined, hd) },
  { name: 'a route that does not exist', request: (hd) => t.api('GET', '/nowhere', undefined, hd) },
  { name: 'a path that does not decode', request: (hd) => t.api('GET', '/records/%ZZ', undefined, hd) },
  { name: 'a path part over the router\'s limit', request: (hd) => t.api('GET', `/records/customer/${'a'.repeat(600)}`, undefined, hd) },
  { name: 'no credentials', request: (hd) => call(h, undefined, 'GET', '/records/customer', undefined, hd) },
  { name: 'a batch too large', request: (hd) => t.api('POST', '/records/customer/batch', { operations: Array.from({ length: 1001 }, () => ({ op: 'create', data: {} })) }, hd) },
  { name: 'a stale version', request: async (hd) => {
    const created = json<{ id: string }>(await t.api('POST', '/records/customer', { last_name: 'Stale' }));
    return t.api('PATCH', `/records/customer/${created.id}`, { first_name: 'X' }, { ...hd, 'if-match': '"9"' });
  } },
  { name: 'deleting a standard object', request: (hd) => t.api('DELETE', '/metadata/objects/customer', undefined, hd) },
  { name: 'a metadata change on a missing field', request: (hd) => t.api('PATCH', '/metadata/objects/customer/fields/warp', { labels: { en: 'Warp' } }, hd) },
  { name: 'a revision that does not exist', request: (hd) => t.api('GET', '/metadata/revisions/99999', undefined, hd) },
  { name: 'a bulk update without a filter', request: (hd) => t.api('POST', '/records/customer/update-by-filter', { filter: {}, data: { notes: 'x' } }, hd) },
  { name: 'a method the path does not take', request: (hd) => t.api('PUT', '/records/customer', {}, hd) },
  { name: 'a metadata change made against an old revision', request: (hd) => t.api('PATCH', '/metadata/objects/customer/fields/phone', { labels: { en: 'Phone' } }, { ...hd, 'if-match': '"0"' }) },
  { name: 'a saved view column that is two fields', request: (hd) => t.api('POST', '/views', { object: 'customer', name: 'Two', definition: { kind: 'list', columns: ['name,email'], groupBy: 'status' } }, hd) },
  { name: 'removing a field a shared view filters by', request: async (hd) => {
    await t.api('POST', '/metadata/objects/customer/fields', { apiName: 'referral', type: 'text', labels: { en: 'Referral' } });
    await t.api('POST', '/views', { object: 'customer', name: 'Referred', shared: true, definition: { kind: 'list', filter: { field: 'referral', op: 'eq', value: 'x' } } });
    return t.api('DELETE', '/metadata/objects/customer/fields/referral', undefined, hd);
  } },
  // Metadata changes refused by the planner and the model's rules (Setup pages show these messages).
  ...metadataRefusals(),
];

/** A refused metadata change of each kind: objects, fields, picklists, lookups, terms, layouts. */
function metadataRefusals(): typeof cases {
  const field = (body: unknown) => (hd: Record<string, string>) => t.api('POST', '/metadata/objects/customer/fields', body, hd);
  const ops = (operations: unknown[]) => (hd: Record<string, string>) => t.api('POST', '/metadata/changes', { operations }, hd);
  return [
    { name: 'an unknown property of an object', request: (hd) => t.api('POST', '/metadata/objects', { apiName: 'tag', labels: { en: { singular: 'Tag', plural: 'Tags' } }, colour: 'red' }, hd) },
    { name: 'an object api name already used', request: ops([{ op: 'createObject', object: { apiName: 'tag', labels: { en: { singular: 'Tag', plural: 'Tags' } } } }, { op: 'createObject', object: { apiName: 'tag', labels: { en: { singular: 'Tag', plural: 'Tags' } } } }]) },
    { name: 'a reserved object api name', request: (hd) => t.api('POST', '/metadata/objects', { apiName: 'customer', labels: { en: { singular: 'C', plural: 'Cs' } } }, hd) },
    { name: 'an object id already used', request: ops([{ op: 'createObject', object: { id: 'deal', apiName: 'gadget', labels: { en: { singular: 'Gadget', plural: 'Gadgets' } } } }]) },
    { name: 'a field api name already used', request: field({ apiName: 'email', type: 'text', labels: { en: 'Email 2' } }) },
    { name: 'a reserved field api name', request: field({ apiName: 'created_at', type: 'text', labels: { en: 'Created' } }) },
    { name: 'a picklist without values', request: field({ apiName: 'tier', type: 'picklist', labels: { en: 'Tier' }, values: [] }) },
    { name: 'a picklist value twice', request: field({ apiName: 'tier', type: 'picklist', labels: { en: 'Tier' }, values: [{ apiName: 'gold', labels: { en: 'Gold' } }, { apiName: 'gold', labels: { en: 'Gold again' } }] }) },
    { name: 'a lookup without its target', request: field({ apiName: 'mentor', type: 'lookup', labels: { en: 'Mentor' } }) },
    { name: 'a lookup to an object that does not exist', request: field({ apiName: 'mentor', type: 'lookup', labels: { en: 'Mentor' }, lookup: { objectId: 'starship', onDelete: 'setNull', relationshipName: 'mentees' } }) },
    { name: 'a required lookup that would be set to null', request: field({ apiName: 'mentor', type: 'lookup', required: true, labels: { en: 'Mentor' }, lookup: { objectId: 'customer', onDelete: 'setNull', relationshipName: 'mentees' } }) },
    { name: 'a relationship name already used', request: field({ apiName: 'mentor', type: 'lookup', labels: { en: 'Mentor' }, lookup: { objectId: 'organization', onDelete: 'setNull', relationshipName: 'customers' } }) },
    { name: 'an option that does not apply', request: field({ apiName: 'visits', type: 'number', labels: { en: 'Visits' }, maxLength: 5 }) },
    { name: 'min above max', request: field({ apiName: 'visits', type: 'number', labels: { en: 'Visits' }, min: 5, max: 1 }) },
    { name: 'minLength above maxLength', request: field({ apiName: 'code', type: 'text', labels: { en: 'Code' }, minLength: 5, maxLength: 1 }) },
    { name: 'scale above precision', request: field({ apiName: 'ratio', type: 'number', labels: { en: 'Ratio' }, precision: 2, scale: 4 }) },
    { name: 'a text longer than its type allows', request: field({ apiName: 'code', type: 'text', labels: { en: 'Code' }, maxLength: 999999 }) },
    { name: 'an autonumber without a pattern', request: field({ apiName: 'ticket', type: 'autonumber', labels: { en: 'Ticket' } }) },
    { name: 'an autonumber pattern without a number', request: field({ apiName: 'ticket', type: 'autonumber', labels: { en: 'Ticket' }, autonumber: { pattern: 'T-', start: 1 } }) },
    { name: 'a required read-only field without a default', request: field({ apiName: 'code', type: 'text', labels: { en: 'Code' }, required: true, readOnly: true }) },
    { name: 'a default value and a default expression', request: field({ apiName: 'code', type: 'text', labels: { en: 'Code' }, defaultValue: 'x', defaultExpression: "'y'" }) },
    { name: 'a default value of the wrong type', request: field({ apiName: 'visits', type: 'number', labels: { en: 'Visits' }, defaultValue: 'many' }) },
    { name: 'a label naming no term', request: field({ apiName: 'code', type: 'text', labels: { en: 'About {custmer}' } }) },
    { name: 'a type change that loses data', request: (hd) => t.api('PATCH', '/metadata/objects/customer/fields/birth_date', { type: 'checkbox' }, hd) },
    { name: 'a lookup pointed at another object', request: (hd) => t.api('PATCH', '/metadata/objects/deal/fields/customer', { lookup: { objectId: 'organization', onDelete: 'setNull', relationshipName: 'deals2' } }, hd) },
    { name: 'deleting a field in use', request: (hd) => t.api('DELETE', '/metadata/objects/customer/fields/name', undefined, hd) },
    { name: 'deleting a field on a layout', request: (hd) => t.api('DELETE', '/metadata/objects/customer/fields/email', undefined, hd) },
    { name: 'removing a picklist value in use', request: ops([
      { op: 'createField', object: 'customer', field: { apiName: 'band', type: 'picklist', labels: { en: 'Band' }, values: [{ apiName: 'a', labels: { en: 'A' } }, { apiName: 'b', labels: { en: 'B' } }] } },
      { op: 'updateObject', object: 'customer', patch: { validationRules: [{ apiName: 'no_a', condition: "band == 'a'", message: { en: 'Not A' } }] } },
      { op: 'updateField', object: 'customer', field: 'band', patch: { values: [{ apiName: 'b', labels: { en: 'B' } }] } },
    ]) },
    { name: 'a name field of a type that cannot name records', request: (hd) => t.api('PATCH', '/metadata/objects/customer', { nameFieldId: 'birth_date' }, hd) },
    { name: 'deleting an object others look up', request: ops([
      { op: 'createObject', object: { apiName: 'gizmo', labels: { en: { singular: 'Gizmo', plural: 'Gizmos' } } } },
      { op: 'createField', object: 'deal', field: { apiName: 'gizmo', type: 'lookup', labels: { en: 'Gizmo' }, lookup: { objectId: 'gizmo', onDelete: 'setNull', relationshipName: 'deals' } } },
      { op: 'deleteObject', object: 'gizmo' },
    ]) },
    { name: 'deleting an object a roll-up summarises', request: ops([
      { op: 'createObject', object: { apiName: 'visit', labels: { en: { singular: 'Visit', plural: 'Visits' } }, fields: [{ apiName: 'customer', type: 'lookup', labels: { en: 'Customer' }, lookup: { objectId: 'customer', onDelete: 'setNull', relationshipName: 'visits' } }] } },
      { op: 'createField', object: 'customer', field: { apiName: 'visit_count', type: 'rollup', labels: { en: 'Visits' }, rollup: { childObjectId: 'visit', lookupFieldId: 'customer', function: 'count' } } },
      { op: 'deleteObject', object: 'visit' },
    ]) },
    { name: 'deleting a standard term', request: ops([{ op: 'deleteTerm', key: 'customer' }]) },
    { name: 'resetting a custom term', request: ops([{ op: 'upsertTerm', term: { key: 'pet', forms: { en: { singular: 'pet', plural: 'pets' } } } }, { op: 'resetTerm', key: 'pet' }]) },
    { name: 'a new term without English forms', request: ops([{ op: 'upsertTerm', term: { key: 'pet', forms: { 'zh-CN': { singular: '宠物' } } } }]) },
    { name: 'a term that does not exist', request: ops([{ op: 'deleteTerm', key: 'nope' }]) },
    { name: 'a layout placing a field twice', request: (hd) => t.api('PUT', '/metadata/layouts/customer_default', { objectId: 'customer', name: 'Twice', sections: [{ id: 's1', labels: { en: 'S' }, columns: 1, fields: [{ fieldId: 'email' }, { fieldId: 'email' }] }] }, hd) },
    { name: 'a layout moved to another object', request: (hd) => t.api('PUT', '/metadata/layouts/customer_default', { objectId: 'deal', name: 'Moved', sections: [] }, hd) },
    { name: 'a layout with a field that does not exist', request: (hd) => t.api('PUT', '/metadata/layouts/customer_default', { objectId: 'customer', name: 'Ghost', sections: [{ id: 's1', labels: { en: 'S' }, columns: 1, fields: [{ fieldId: 'ghost' }] }] }, hd) },
    { name: 'an unknown alias', request: ops([{ op: 'removeAlias', object: 'customer', apiName: 'client' }]) },
    { name: 'a term set that does not exist', request: (hd) => t.api('POST', '/metadata/term-sets/klingon/apply', {}, hd) },
  ];
}

/** English words that mean a sentence was left untranslated; quoted names and values are set aside first. */
const ENGLISH = /\b(is|are|must|the|not|be|of|and|or|required|invalid|value|values|field|record|records|object|request|body|failed|allowed|characters|unknown|no|with|sign|route|found|match)\b/i;
const unquoted = (text: string) => text.replace(/'[^']*'|"[^"]*"|“[^”]*”|\{[^}]*\}|[A-Z]+ \/\S*/g, '');

describe('problems speak the reader’s language', () => {
  it('in zh-CN every title, detail and field message of every class of error is Chinese', async () => {
    const untranslated: string[] = [];
    for (const c of cases) {
      const response = await c.request({ 'accept-language': 'zh-CN,zh;q=0.9' });
      expect(response.statusCode, c.name).toBeGreaterThanOrEqual(400);
      expect(response.statusCode, `${c.name}: ${response.body}`).toBeLessThan(500);
      const problem = json<Problem>(response);
      for (const text of [problem.title, problem.detail, ...(problem.errors ?? []).map((e) => e.message)]) {
        if (!/[\u4e00-\u9fff]/.test(text) || ENGLISH.test(unquoted(text))) untranslated.push(`${c.name}: ${text}`);
      }
    }
    expect(untranslated).toEqual([]);
  });

  it('in zh-CN a refused metadata change names what depends on the field or value in Chinese', async () => {
    const zh = { 'accept-language': 'zh-CN' };
    const inUse = json<Problem>(await t.api('DELETE', '/metadata/objects/customer/fields/name', undefined, zh));
    expect(inUse.errors![0]!.message).toBe("字段'name'正被使用：客户的名称字段、布局'客户布局'");
    const value = json<Problem>(await metadataRefusals().find((c) => c.name === 'removing a picklist value in use')!.request(zh));
    expect(value.errors!.map((e) => e.message)).toContain("'band'的选项 'a' 正被使用：校验规则 customer.no_a");
    // An object a roll-up summarises is not looked up by it.
    const summarised = metadataRefusals().find((c) => c.name === 'deleting an object a roll-up summarises')!;
    expect(json<Problem>(await summarised.request(zh)).errors!.map((e) => e.message)).toEqual(["'visit'正被汇总字段使用：汇总 customer.visit_count"]);
    expect(json<Problem>(await summarised.request({ 'accept-language': 'en' })).errors!.map((e) => e.message)).toEqual(["'visit' is summarised by roll-up customer.visit_count"]);
  });

  it('in English the same errors read in English', async () => {
    for (const c of cases) {
      const problem = json<Problem>(await c.request({ 'accept-language': 'en-GB,en;q=0.9' }));
      expect(problem.title, c.name).toMatch(/^[A-Z][a-z]+( [a-z]+)*$/);
      expect(/[\u4e00-\u9fff]/.test(`${problem.title} ${problem.detail}`), `${c.name}: ${problem.detail}`).toBe(false);
    }
  });

  it('in zh-CN every sentence a workflow run, step or pause is stored with is Chinese', () => {
    // What the engine itself writes (workflow-engine.ts, approver-resolution.ts, outbound-guard.ts, the script and mail steps).
    const sentences = [
      'failed',
      "The run took more than 500 steps, this workspace's limit per run",
      'The loop over steps.find.ids has 12 items; it may run over at most 10',
      'There is no record to update: the trigger has none and the step names none',
      "The notification's user 'nobody' is not a user id",
      "The wait's date 'soon' is not a date",
      "The approval has no approver: 'x' is not a user id; the user 0b0c8d2e-1c1f-4f55-9d7c-2f5bdfa0c111 is not an active user of this workspace; no active user has the profile 'sales'; the role 7 no longer exists; no active user holds the role 'Boss'",
      "The approval has no approver: the record's owner is not an active user; the record's owner is not a user of this workspace; Li (the record's owner) holds no role, so has no manager; Li's role 'Rep' has no role above it, so Li has no manager",
      "The approval has no approver: no active user holds the role 'Boss' above Li's; the run has no record to read owner from; 'org' no longer points at an object; the record's org is not a record id; the record's org: the record's owner is empty; the record's owner is not a user id; 'customer' has no field 'coach'; the customer record 42 no longer exists",
      'The workflow or the user who activated it no longer exists',
      "The workflow version has no step 'gone'",
      "The step type 'http' is not run inline",
      'Script steps need the sandboxed runtime, which this server has not enabled',
      "No active script named 'score'",
      "The script 'score' failed: no result",
      "The script 'score' acts as the profile 'admin', which grants more than this workflow's: is refused",
      'No SMTP server is configured (PROTEAN_SMTP_URL), so no email can be sent',
      'POST example.com/hook answered 503',
      'The operation was aborted due to timeout',
      'This operation was aborted',
      'fetch failed',
      "'nope' is not a URL",
      'only http and https may be called, not ftp:',
      'credentials in the URL are not allowed; send them in a header',
      "the host 'example.invalid' does not resolve",
      "the host 'localhost' resolves to 127.0.0.1, a private or loopback address, which workflows may not call",
      'Paused after 5 failed runs in a row; the last failed with: The operation was aborted due to timeout',
    ];
    const untranslated = sentences.map((text) => translateProblemText(text, 'zh-CN')).filter((text) => !/[\u4e00-\u9fff]/.test(text) || ENGLISH.test(unquoted(text)));
    expect(untranslated).toEqual([]);
    expect(translateProblemText('Paused after 5 failed runs in a row; the last failed with: failed', 'zh-CN')).toBe('连续 5 次运行失败后已暂停；最后一次失败的原因：失败');
  });

  it('without Accept-Language the user’s own setting decides', async () => {
    expect((await t.api('PATCH', `/users/${t.adminId}`, { locale: 'zh-CN' })).statusCode).toBe(200);
    try {
      const problem = json<Problem>(await t.api('POST', '/records/customer', { first_name: 'Ann' }));
      expect(problem.title).toBe('校验未通过');
      expect(problem.detail).toBe('姓为必填项');
      expect(problem.errors![0]!.message).toBe('为必填项');
      // The request's language wins over the setting.
      expect(json<Problem>(await t.api('POST', '/records/customer', { first_name: 'Ann' }, { 'accept-language': 'en' })).title).toBe('Validation failed');
    } finally {
      await t.api('PATCH', `/users/${t.adminId}`, { locale: 'en' });
    }
  });
});

describe('a records API problem names its field once', () => {
  const list = (query: Record<string, string>) => `/records/deal?${new URLSearchParams(query).toString()}`;
  const filter = (f: unknown) => list({ filter: JSON.stringify(f) });
  /** Every problem about a field reference a list query or a record's body names: its message must not repeat the reference. */
  const requests: Record<string, string | ((headers: Record<string, string>) => ReturnType<TestTenant['api']>)> = {
    'an unknown field in a body': (hd) => t.api('POST', '/records/customer', { last_name: 'Lee', warp: 1 }, hd),
    'a sort key that is not one': list({ sort: 'customer.name' }),
    'an unknown sort field': list({ sort: 'warp' }),
    'a sort key twice': list({ sort: 'name,-name' }),
    'a sort on a field that cannot be sorted': '/records/customer?sort=notes',
    'a related field in fields': list({ fields: 'organization.name' }),
    'an expansion of a field that is not a lookup': list({ expand: 'name' }),
    'a filter on an unknown field': filter({ field: 'warp', op: 'eq', value: 1 }),
    'a filter on an unknown related field': filter({ field: 'organization.warp', op: 'eq', value: 1 }),
    'a filter through a field that is not a lookup': filter({ field: 'name.first', op: 'eq', value: 1 }),
    'a filter reference of three parts': filter({ field: 'organization.name.first', op: 'eq', value: 1 }),
    'an operator the field does not take': filter({ field: 'amount', op: 'contains', value: '1' }),
    'a value of the wrong type': filter({ field: 'amount', op: 'eq', value: 'lots' }),
    'a picklist value that does not exist': filter({ field: 'stage', op: 'eq', value: 'won-ish' }),
  };
  for (const locale of ['en', 'zh-CN']) {
    it(`in ${locale}, no message repeats the field its problem names, and the summary names it once`, async () => {
      const repeated: string[] = [];
      for (const [name, path] of Object.entries(requests)) {
        const headers = { 'accept-language': locale };
        const response = typeof path === 'string' ? await t.api('GET', path, undefined, headers) : await path(headers);
        expect(response.statusCode, `${name}: ${response.body}`).toBe(typeof path === 'string' ? 400 : 422);
        const problem = json<Problem>(response);
        expect(problem.errors?.length, name).toBe(1);
        const [{ field, message }] = problem.errors as [{ field: string; message: string }];
        const quoted = `'${field}'`;
        if (message.includes(quoted) || message.startsWith(field)) repeated.push(`${name}: ${field} → ${message}`);
        if (problem.detail.split(quoted).length !== 2) repeated.push(`${name}: ${problem.detail}`);
        if (locale === 'zh-CN' && (!/[\u4e00-\u9fff]/.test(message) || ENGLISH.test(unquoted(message)))) repeated.push(`${name}: untranslated ${message}`);
      }
      expect(repeated).toEqual([]);
    });
  }
});
