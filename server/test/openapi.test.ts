import { createConfig, lintFromString } from '@redocly/openapi-core';
import { Document, Spectral } from '@stoplight/spectral-core';
import * as Parsers from '@stoplight/spectral-parsers';
import { oas } from '@stoplight/spectral-rulesets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UNDOCUMENTED_ROUTES } from '../src/data/openapi-routes.ts';
import { documentPath } from '../src/http/route-catalog.ts';
import { createTestTenant, json, registeredRoutes, startHarness, type Harness, type TestTenant } from './harness.ts';

let h: Harness;
let t: TestTenant;

type Doc = { info: { title: string; description: string }; tags: { name: string; description: string }[]; paths: Record<string, Record<string, { operationId?: string; summary?: string }>>; components: { schemas: Record<string, unknown> } };

beforeAll(async () => {
  h = await startHarness();
  t = await createTestTenant(h, 'openapi');
  // A custom object with a unique field and a renamed API name, so aliases and upsert keys are in the document too.
  const created = await t.api('POST', '/metadata/changes', {
    operations: [
      { op: 'createObject', object: { apiName: 'account_plan', labels: { en: { singular: 'Account plan', plural: 'Account plans' }, 'zh-CN': { singular: '客户计划', plural: '客户计划' } }, fields: [{ apiName: 'code', type: 'text', unique: true, labels: { en: 'Code' } }] } },
      { op: 'updateObject', object: 'account_plan', patch: { apiName: 'plan' } },
    ],
  });
  expect(created.statusCode, created.body).toBe(200);
});
afterAll(async () => h?.close());

const documentIn = async (locale: string) => json<Doc>(await t.api('GET', '/openapi.json', undefined, { 'accept-language': locale }));

/** Every text a person reads: titles, summaries, descriptions, tag names. */
function texts(node: unknown, out: string[] = [], key = ''): string[] {
  if (typeof node === 'string') {
    if (['title', 'summary', 'description', 'name'].includes(key)) out.push(node);
  } else if (Array.isArray(node)) node.forEach((item) => texts(item, out, key === 'tags' ? 'name' : ''));
  else if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) texts(v, out, k === 'properties' || k === 'schemas' || k === 'paths' ? '' : k);
  return out;
}

describe('the OpenAPI document', () => {
  it('passes Redocly’s recommended rules with no errors', async () => {
    for (const locale of ['en', 'zh-CN']) {
      const config = await createConfig({ extends: ['recommended'] });
      const problems = await lintFromString({ source: JSON.stringify(await documentIn(locale)), absoluteRef: 'openapi.json', config });
      const errors = problems.filter((p) => p.severity === 'error').map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer ?? ''}`);
      expect(errors, locale).toEqual([]);
    }
    // The linter is awake: a copy with a duplicate operation id and an unresolvable reference fails.
    const broken = await documentIn('en');
    (broken.paths['/records/customer']!['post'] as { operationId: string }).operationId = 'list_customer';
    (broken.paths['/records/customer']!['post'] as Record<string, unknown>)['requestBody'] = { content: { 'application/json': { schema: { $ref: '#/components/schemas/Nowhere' } } } };
    const config = await createConfig({ extends: ['recommended'] });
    const found = (await lintFromString({ source: JSON.stringify(broken), absoluteRef: 'openapi.json', config })).filter((p) => p.severity === 'error').map((p) => p.ruleId);
    expect(found).toEqual(expect.arrayContaining(['operation-operationId-unique', 'no-unresolved-refs']));
  }, 120_000);

  it('passes Spectral’s OpenAPI rules with no errors', async () => {
    const spectral = new Spectral();
    spectral.setRuleset(oas as never);
    for (const locale of ['en', 'zh-CN']) {
      const results = await spectral.run(new Document(JSON.stringify(await documentIn(locale)), Parsers.Json));
      const errors = results.filter((r) => r.severity === 0).map((r) => `${String(r.code)}: ${r.message} at ${r.path.join('.')}`);
      expect(errors, locale).toEqual([]);
    }
    const broken = await documentIn('en');
    (broken.paths['/records/customer']!['post'] as { operationId: string }).operationId = 'list_customer';
    const found = (await spectral.run(new Document(JSON.stringify(broken), Parsers.Json))).filter((r) => r.severity === 0).map((r) => String(r.code));
    expect(found).toContain('operation-operationId-unique');
  }, 120_000);

  it('covers the whole tenant API, with operation ids and schema names from API names', async () => {
    const doc = await documentIn('en');
    const ids = Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => op.operationId).filter(Boolean));
    expect(ids).toEqual(expect.arrayContaining([
      'login', 'me', 'create_api_key', 'search', 'recycle_bin', 'list_views', 'create_view', 'apply_change', 'get_revision_changes', 'list_terms', 'put_term', 'apply_term_set',
      'list_customer', 'create_customer', 'get_customer', 'update_customer', 'delete_customer', 'restore_customer', 'batch_customer', 'update_by_filter_customer', 'delete_by_filter_customer',
      'list_plan', 'list_account_plan',
      'list_webhooks', 'create_webhook', 'update_webhook', 'list_webhook_deliveries', 'redeliver_webhook_delivery',
      'list_invites', 'create_invite', 'revoke_invite', 'open_invite', 'accept_invite',
    ]));
    expect(new Set(ids).size).toBe(ids.length);
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['Customer', 'CustomerCreate', 'CustomerUpdate', 'CustomerPage', 'CustomerBatch', 'Plan', 'PlanBatch', 'ChangeRequest', 'Problem']));
    // The renamed object's old name stays, deprecated.
    expect((doc.paths['/records/account_plan']!['get'] as { deprecated?: boolean }).deprecated).toBe(true);
    // Batch items are typed: each operation refers to the object's own schemas.
    expect(JSON.stringify(doc.components.schemas['CustomerBatch'])).toContain('#/components/schemas/CustomerCreate');
    expect(JSON.stringify(doc.components.schemas['PlanBatch'])).toContain('"enum":["code"]');
    // The filter and sort grammar is documented, with examples in the object's own fields.
    expect(doc.info.description).toContain('## Filters');
    expect(doc.info.description).toContain('`{"not": {…}}`');
    expect(JSON.stringify(doc.paths['/records/customer']!['get'])).toContain('startsWith');
  });

  it('documents every route the server answers under /api/v1, for an administrator', async () => {
    const doc = await documentIn('en');
    const documented = new Set(Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).filter((m) => m !== 'parameters').map((m) => `${m.toUpperCase()} ${path}`)));
    // Routes by object (`/records/:object`) are documented once per object, under its API name.
    const concrete = (route: string) => {
      const [method, url] = route.split(' ');
      return `${method} ${documentPath(url!, 'customer')}`;
    };
    const missing = registeredRoutes(h)
      .filter((route) => !(route in UNDOCUMENTED_ROUTES))
      .map(concrete)
      .filter((route) => !documented.has(route));
    expect(missing).toEqual([]);
  });

  it('after renaming Customer to Patient no text says Customer (or 客户), while names stay', async () => {
    const before = await documentIn('en');
    expect(texts(before).some((text) => /customer/i.test(text))).toBe(true);
    expect((await t.api('POST', '/metadata/term-sets/healthcare/apply', {})).statusCode).toBe(200);
    expect((await t.api('PATCH', '/metadata/objects/plan', { labels: { en: { singular: 'Care plan', plural: 'Care plans' }, 'zh-CN': { singular: '护理计划', plural: '护理计划' } } })).statusCode).toBe(200);
    const en = await documentIn('en');
    const left = texts(en).filter((text) => /customer/i.test(text));
    expect(left).toEqual([]);
    expect(texts(en).some((text) => /Patient/.test(text))).toBe(true);
    const zh = await documentIn('zh-CN');
    expect(texts(zh).filter((text) => text.includes('客户'))).toEqual([]);
    // Measure words follow the term: patients are counted with 位.
    const batch = (zh.paths['/records/customer/batch']!['post'] as { summary: string }).summary;
    expect(batch).toBe('一次新建、更新、插入或删除最多 1,000 位患者');
    // Names do not move with words.
    expect(Object.keys(en.components.schemas)).toEqual(Object.keys(before.components.schemas));
    expect(Object.keys(en.paths)).toEqual(Object.keys(before.paths));
  });
});
