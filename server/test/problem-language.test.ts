import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
];

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

  it('in English the same errors read in English', async () => {
    for (const c of cases) {
      const problem = json<Problem>(await c.request({ 'accept-language': 'en-GB,en;q=0.9' }));
      expect(problem.title, c.name).toMatch(/^[A-Z][a-z]+( [a-z]+)*$/);
      expect(/[\u4e00-\u9fff]/.test(`${problem.title} ${problem.detail}`), `${c.name}: ${problem.detail}`).toBe(false);
    }
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
