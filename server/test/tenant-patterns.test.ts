// Patterns and JSON Schemas a tenant writes run on the server every tenant shares: a crafted
// value must not stall it, and one tenant's schemas must be invisible to another's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, json, startHarness, type Harness, type TestTenant } from './harness.ts';

let h: Harness;
let t: TestTenant;
let other: TestTenant;

beforeAll(async () => {
  h = await startHarness();
  t = await createTestTenant(h, 'patterns');
  other = await createTestTenant(h, 'patterns-other');
});
afterAll(async () => h?.close());

// JavaScript's engine tries every split of the a's (Fibonacci many) before failing at the '!':
// about 10 s at this length on these machines, doubling every ~1.5 more characters. A linear
// engine answers in microseconds, so a request carrying it may take no more than STALL_MS.
const BACKTRACKING = '^(a|aa)+$';
const CRAFTED = `${'a'.repeat(44)}!`;
const STALL_MS = 3000;

async function timed<T>(request: Promise<T>): Promise<T> {
  const started = performance.now();
  const answer = await request;
  expect(performance.now() - started).toBeLessThan(STALL_MS);
  return answer;
}

type Problem = { errors: { field: string; code: string; message: string }[] };

async function saveWorkflow(tenant: TestTenant, apiName: string, inputSchema: unknown) {
  return tenant.api('POST', '/workflows', { apiName, label: apiName, definition: { trigger: { type: 'manual', inputSchema }, start: 'done', steps: [{ id: 'done', type: 'end', config: {} }] } });
}

async function saveAction(tenant: TestTenant, apiName: string, inputSchema: unknown, method: 'POST' | 'PUT' = 'POST') {
  const body = { apiName, label: apiName, kind: 'action', object: 'organization', language: 'typescript', inputSchema, source: 'export default () => ({ ok: true })' };
  return tenant.api(method, method === 'POST' ? '/scripts' : `/scripts/${apiName}`, body);
}

describe('patterns a tenant writes', () => {
  it('answer at once on a value crafted to backtrack: a workflow’s input form, a record action’s parameters, a validation rule', { timeout: 60_000 }, async () => {
    const form = { type: 'object', properties: { code: { type: 'string', pattern: BACKTRACKING } } };
    expect((await saveWorkflow(t, 'coded', form)).statusCode).toBe(201);
    const run = await timed(t.api('POST', '/workflows/coded/runs', { test: true, input: { code: CRAFTED } }));
    expect(run.statusCode, run.body).toBe(422);
    expect(json<Problem>(run).errors[0]).toMatchObject({ field: 'input.code', code: 'pattern' });
    expect((await t.api('POST', '/workflows/coded/runs', { test: true, input: { code: 'aaaa' } })).statusCode).toBe(202);

    expect((await saveAction(t, 'coded_action', form)).statusCode).toBe(201);
    const org = json(await t.api('POST', '/records/organization', { name: 'Initech' }));
    const action = await timed(t.api('POST', `/records/organization/${String(org['id'])}/actions/coded_action`, { params: { code: CRAFTED } }));
    expect(action.statusCode, action.body).toBe(422);
    expect(json<Problem>(action).errors[0]).toMatchObject({ field: 'params.code', code: 'pattern' });

    const rule = { apiName: 'name_not_doubled', condition: `name.matches('${BACKTRACKING}')`, message: { en: 'Not a name of a’s' } };
    expect((await t.api('PATCH', '/metadata/objects/organization', { validationRules: [rule] })).statusCode).toBe(200);
    const refused = await t.api('POST', '/records/organization', { name: 'aaaa' });
    expect(refused.statusCode).toBe(422);
    const saved = await timed(t.api('POST', '/records/organization', { name: CRAFTED }));
    expect(saved.statusCode, saved.body).toBe(201);
  });

  it('are refused when the studio’s engine could run them for ever (nested repetition, back-references) or they do not compile', async () => {
    for (const [condition, code] of [["name.matches('^(a+)+$')", 'limit'], ["name.matches('(a)\\\\1')", 'limit'], ["name.matches('(((')", 'syntax']] as const) {
      const response = await t.api('PATCH', '/metadata/objects/organization', { validationRules: [{ apiName: 'bad_pattern', condition, message: { en: 'x' } }] });
      expect(response.statusCode, condition).toBe(422);
      expect(response.body, condition).toContain(code === 'limit' ? 'can run for a very long time' : 'invalid pattern');
    }
  });
});

describe('JSON Schemas a tenant writes', () => {
  it('are each tenant’s own: a reference to another tenant’s schema is refused, both may use one $id, and each still edits its own', async () => {
    const secret = { $id: 'https://other.example/secret', type: 'object', properties: { code: { const: 'SECRET-42' } } };
    expect((await saveAction(other, 'secret_action', secret)).statusCode).toBe(201);
    const peeking = await saveAction(t, 'peeking', { type: 'object', properties: { p: { $ref: 'https://other.example/secret' } } });
    expect(peeking.statusCode).toBe(422);
    expect(json<Problem>(peeking).errors[0]).toMatchObject({ field: 'inputSchema.properties.p.$ref', code: 'ref' });
    expect(peeking.body).not.toContain('SECRET-42');
    const sameId = await saveAction(t, 'same_id', { $id: 'https://other.example/secret', type: 'object' });
    expect(sameId.statusCode, sameId.body).toBe(201);
    const again = await saveAction(other, 'secret_action', secret, 'PUT');
    expect(again.statusCode, again.body).toBe(200);
    // Each tenant's runs check against its own schema of that $id.
    const org = json(await t.api('POST', '/records/organization', { name: 'Hooli' }));
    expect((await t.api('POST', `/records/organization/${String(org['id'])}/actions/same_id`, { params: { code: 'anything' } })).statusCode).toBe(200);
    const otherOrg = json(await other.api('POST', '/records/organization', { name: 'Hooli' }));
    expect((await other.api('POST', `/records/organization/${String(otherOrg['id'])}/actions/secret_action`, { params: { code: 'anything' } })).statusCode).toBe(422);
    expect((await other.api('POST', `/records/organization/${String(otherOrg['id'])}/actions/secret_action`, { params: { code: 'SECRET-42' } })).statusCode).toBe(200);
  });

  it('are checked when a workflow is saved, each problem named under its input form', async () => {
    const cases: [unknown, string, string][] = [
      [{ type: 'nonsense' }, 'definition.trigger.inputSchema', 'schema'],
      [{ $ref: 'http://127.0.0.1:1/x' }, 'definition.trigger.inputSchema.$ref', 'ref'],
      [{ type: 'object', properties: { a: { type: 'string', pattern: '(((' } } }, 'definition.trigger.inputSchema', 'schema'],
      [{ type: 'object', properties: { a: { type: 'string', pattern: '(?=a)' } } }, 'definition.trigger.inputSchema', 'schema'],
      [{ type: 'array', uniqueItems: true }, 'definition.trigger.inputSchema.uniqueItems', 'limit'],
      [{ type: 'object', description: 'x'.repeat(40_000) }, 'definition.trigger.inputSchema', 'maxLength'],
    ];
    for (const [schema, field, code] of cases) {
      const response = await saveWorkflow(t, 'checked_form', schema);
      expect(response.statusCode, JSON.stringify(schema).slice(0, 80)).toBe(422);
      expect(json<Problem>(response).errors[0], JSON.stringify(schema).slice(0, 80)).toMatchObject({ field, code });
    }
    expect((await saveWorkflow(t, 'checked_form', { type: 'array', uniqueItems: true, maxItems: 50, items: { type: 'string', pattern: '^[A-Z]{2}\\d+$' } })).statusCode).toBe(201);
  });
});
