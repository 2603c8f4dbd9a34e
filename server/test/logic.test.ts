import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, json, startHarness, type Harness, type TestTenant } from './harness.ts';
import { startServerProcess } from './server-process.ts';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

type Problem = { field: string; code: string; message: string; index?: number; rule?: string };

async function expectStatus(response: { statusCode: number; body: string }, status: number) {
  expect(response.statusCode, response.body).toBe(status);
  return JSON.parse(response.body || 'null') as Record<string, unknown>;
}

const invoice = {
  op: 'createObject',
  object: {
    apiName: 'invoice',
    labels: { en: { singular: 'Invoice', plural: 'Invoices' } },
    fields: [
      { apiName: 'name', type: 'text', labels: { en: 'Name' }, required: true },
      { apiName: 'amount', type: 'currency', labels: { en: 'Amount' } },
      { apiName: 'discount', type: 'percent', labels: { en: 'Discount' } },
      { apiName: 'reason', type: 'text', labels: { en: 'Reason' } },
      { apiName: 'due', type: 'date', labels: { en: 'Due' }, required: true, defaultExpression: 'addDays(today(), 30)' },
      { apiName: 'channel', type: 'picklist', labels: { en: 'Channel' }, values: [{ apiName: 'web', labels: { en: 'Web' } }, { apiName: 'shop', labels: { en: 'Shop' } }] },
      { apiName: 'source', type: 'picklist', labels: { en: 'Source' }, values: [{ apiName: 'ad', labels: { en: 'Ad' } }, { apiName: 'walk_in', labels: { en: 'Walk-in' } }], dependsOn: { fieldId: 'channel', map: { web: ['ad'], shop: ['walk_in'] } } },
      { apiName: 'net', type: 'formula', labels: { en: 'Net' }, formula: { expression: 'amount * (1 - coalesce(discount, 0) / 100)', resultType: 'number', stored: true } },
      { apiName: 'overdue', type: 'formula', labels: { en: 'Overdue' }, formula: { expression: 'due < today()', resultType: 'boolean', stored: false } },
    ],
    validationRules: [
      { apiName: 'discount_reason', condition: 'discount > 20 && isBlank(reason)', message: { en: 'A discount over 20% on this {customer} invoice needs a reason', 'zh-CN': '折扣超过20%需要理由' }, fieldId: 'reason' },
      { apiName: 'ratio', condition: 'amount / discount > 1000', message: { en: 'ratio too high' } },
    ],
  },
};

async function tenantWithInvoice(): Promise<TestTenant> {
  const t = await createTestTenant(h, 'logic');
  await expectStatus(await t.api('POST', '/metadata/changes', { operations: [invoice] }), 200);
  return t;
}

describe('declarative logic in the save pipeline', () => {
  it("a broken rule's problem detail is the rule's own message after the field's label, or alone for a rule about the whole record, in the reader's language", async () => {
    const t = await tenantWithInvoice();
    const detail = async (body: Record<string, unknown>, language: string) => (await expectStatus(await t.api('POST', '/records/invoice', body, { 'accept-language': language }), 422))['detail'];
    expect(await detail({ name: 'Field rule', amount: 100, discount: 25 }, 'en')).toBe('Reason: A discount over 20% on this customer invoice needs a reason');
    expect(await detail({ name: 'Field rule', amount: 100, discount: 25 }, 'zh-CN')).toBe('Reason：折扣超过20%需要理由');
    expect(await detail({ name: 'Record rule', amount: 5000, discount: 1 }, 'en')).toBe('ratio too high');
    expect(await detail({ name: 'Record rule', amount: 5000, discount: 1 }, 'zh-CN')).toBe('ratio too high');
  });

  it('answers every broken rule of a create at once, with field and reason, and writes nothing', async () => {
    const t = await tenantWithInvoice();
    const r = await t.api('POST', '/records/invoice', { name: 'Bad', amount: 100, discount: 25, channel: 'web', source: 'walk_in' });
    const body = await expectStatus(r, 422);
    const errors = body['errors'] as Problem[];
    expect(errors).toEqual(expect.arrayContaining([
      expect.objectContaining({ field: 'reason', code: 'validationRule', rule: 'discount_reason' }),
      expect.objectContaining({ field: 'source', code: 'dependentValue' }),
    ]));
    expect(errors.find((e) => e.rule === 'discount_reason')!.message).toBe('A discount over 20% on this customer invoice needs a reason');
    const list = json<{ data: unknown[] }>(await t.api('GET', '/records/invoice'));
    expect(list.data).toHaveLength(0);
  });

  it('fills default expressions, stores formulas (filterable, sortable) and computes on-read formulas', async () => {
    const t = await tenantWithInvoice();
    const created = await expectStatus(await t.api('POST', '/records/invoice', { name: 'A', amount: 200, discount: 10, channel: 'shop', source: 'walk_in' }), 201);
    const today = new Date();
    const due = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + 30)).toISOString().slice(0, 10);
    expect(created).toMatchObject({ net: 180, due, overdue: false });
    await expectStatus(await t.api('POST', '/records/invoice', { name: 'B', amount: 50, due: '2020-01-01' }), 201);
    await expectStatus(await t.api('POST', '/records/invoice', { name: 'C', amount: 1000, discount: 50, reason: 'partner' }), 201);
    const filter = encodeURIComponent(JSON.stringify({ field: 'net', op: 'gte', value: 100 }));
    const listed = await t.api('GET', `/records/invoice?filter=${filter}&sort=-net`);
    expect(listed.statusCode, listed.body).toBe(200);
    const list = json<{ data: { name: string; net: number; overdue: boolean }[] }>(listed);
    expect(list.data.map((r) => [r.name, r.net])).toEqual([['C', 500], ['A', 180]]);
    const b = json<{ data: { name: string; overdue: boolean }[] }>(await t.api('GET', `/records/invoice?sort=name`)).data.find((r) => r.name === 'B');
    expect(b?.overdue).toBe(true);
    // An update recomputes the stored formula; the formula itself cannot be written.
    const id = String(created['id']);
    expect(await expectStatus(await t.api('PATCH', `/records/invoice/${id}`, { amount: 300 }), 200)).toMatchObject({ net: 270 });
    await expectStatus(await t.api('PATCH', `/records/invoice/${id}`, { net: 1 }), 422);
    // GraphQL types a formula as the value it gives, and offers no way to write one.
    const gql = json<{ data: { invoiceList: { nodes: { name: string; net: number; overdue: boolean }[] } } }>(await t.api('POST', '/graphql', { query: '{ invoiceList(first: 5) { nodes { name net overdue } } }' }));
    expect(gql.data.invoiceList.nodes.find((n) => n.name === 'A')).toEqual({ name: 'A', net: 270, overdue: false });
    const write = json<{ errors?: { message: string }[] }>(await t.api('POST', '/graphql', { query: `mutation { updateInvoice(id: "${id}", input: { net: 1 }) { id } }` }));
    expect(write.errors?.[0]?.message).toMatch(/net/);
    // A formula computed on read has no stored value to filter or sort by: the answer says how to get one.
    const onRead = encodeURIComponent(JSON.stringify({ field: 'overdue', op: 'eq', value: true }));
    const refused = await t.api('GET', `/records/invoice?filter=${onRead}`);
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('store it to filter by it');
  });

  it('refuses a batch whose items break rules, pointing at each item, and saves none of it', async () => {
    const t = await tenantWithInvoice();
    const r = await t.api('POST', '/records/invoice/batch', { operations: [
      { op: 'create', data: { name: 'ok', amount: 10 } },
      { op: 'create', data: { name: 'bad', amount: 10, discount: 30 } },
    ] });
    const errors = (await expectStatus(r, 422))['errors'] as Problem[];
    expect(errors).toEqual([expect.objectContaining({ index: 1, field: 'reason', rule: 'discount_reason' })]);
    expect(json<{ data: unknown[] }>(await t.api('GET', '/records/invoice')).data).toHaveLength(0);
  });

  it('reports a rule that cannot be evaluated (division by zero) as a 422 naming the rule, never as a 500 or a write', async () => {
    const t = await tenantWithInvoice();
    const errors = (await expectStatus(await t.api('POST', '/records/invoice', { name: 'Z', amount: 10, discount: 0 }), 422))['errors'] as Problem[];
    expect(errors[0]).toMatchObject({ code: 'validationRule' });
    expect(errors[0]!.message).toContain('validation rule ratio could not be evaluated: division by zero');
    expect(json<{ data: unknown[] }>(await t.api('GET', '/records/invoice')).data).toHaveLength(0);
  });

  it('lets a rule read the current user, their email included', async () => {
    const t = await tenantWithInvoice();
    await expectStatus(await t.api('PATCH', '/metadata/objects/invoice', { validationRules: [{ apiName: 'big_needs_finance', condition: "amount > 100000 && !user.email.endsWith('@finance.test')", message: { en: 'Only finance books invoices over 100,000' } }] }), 200);
    const errors = (await expectStatus(await t.api('POST', '/records/invoice', { name: 'Huge', amount: 200000 }), 422))['errors'] as Problem[];
    expect(errors).toEqual([expect.objectContaining({ rule: 'big_needs_finance', message: 'Only finance books invoices over 100,000' })]);
    await expectStatus(await t.api('POST', '/records/invoice', { name: 'Small', amount: 2000 }), 201);
  });

  it('enforces layout rules on the server: required and read-only while their condition holds', async () => {
    const t = await tenantWithInvoice();
    const layouts = json<{ layouts: { id: string; objectId: string; name: string; sections: unknown[] }[]; objects: { id: string; apiName: string }[] }>(await t.api('GET', '/metadata/snapshot'));
    const objectId = layouts.objects.find((o) => o.apiName === 'invoice')!.id;
    const layout = layouts.layouts.find((l) => l.objectId === objectId)!;
    await expectStatus(await t.api('PUT', `/metadata/layouts/${layout.id}`, { ...layout, rules: [
      { when: 'amount > 500', action: 'require', fieldIds: ['reason'] },
      { when: "channel == 'shop'", action: 'readOnly', fieldIds: ['amount'] },
    ] }), 200);
    const refused = (await expectStatus(await t.api('POST', '/records/invoice', { name: 'Big', amount: 900 }), 422))['errors'] as Problem[];
    expect(refused).toEqual([expect.objectContaining({ field: 'reason', code: 'required' })]);
    const shop = await expectStatus(await t.api('POST', '/records/invoice', { name: 'Shop', amount: 10, channel: 'shop' }), 201);
    const locked = (await expectStatus(await t.api('PATCH', `/records/invoice/${String(shop['id'])}`, { amount: 20 }), 422))['errors'] as Problem[];
    expect(locked).toEqual([expect.objectContaining({ field: 'amount', code: 'readOnly' })]);
    await expectStatus(await t.api('PATCH', `/records/invoice/${String(shop['id'])}`, { name: 'Shop 2' }), 200);
  });

  it('refuses bad logic at save with the position of the problem, and deleting a field a formula uses', async () => {
    const t = await tenantWithInvoice();
    const bad = await expectStatus(await t.api('POST', '/metadata/objects/invoice/fields', { apiName: 'x', type: 'formula', labels: { en: 'x' }, formula: { expression: "amount + 'a'", resultType: 'number', stored: true } }), 422);
    expect(JSON.stringify(bad)).toContain('"position":{"start":0,"end":12,"line":1,"column":1}');
    const removal = await t.api('DELETE', '/metadata/objects/invoice/fields/discount');
    expect(removal.statusCode).toBeGreaterThanOrEqual(400);
    expect(removal.statusCode).toBeLessThan(500);
    expect(removal.body).toContain('formula invoice.net');
    expect(removal.body).toContain('validation rule invoice.discount_reason');
  });

  it('reads fields of a looked-up record one level deep: formulas computed on read, rules, defaults and layout rules; a stored one is refused', async () => {
    const t = await createTestTenant(h, 'logic');
    await expectStatus(await t.api('POST', '/metadata/changes', { operations: [
      { op: 'createObject', object: { apiName: 'account', labels: { en: { singular: 'Account', plural: 'Accounts' } }, fields: [
        { apiName: 'name', type: 'text', labels: { en: 'Name' }, required: true },
        { apiName: 'industry', type: 'picklist', labels: { en: 'Industry' }, values: [{ apiName: 'retail', labels: { en: 'Retail' } }, { apiName: 'health', labels: { en: 'Health' } }] },
        { apiName: 'tier', type: 'number', labels: { en: 'Tier' } },
      ] } },
      { op: 'createObject', object: { apiName: 'opportunity', labels: { en: { singular: 'Opportunity', plural: 'Opportunities' } }, fields: [
        { apiName: 'name', type: 'text', labels: { en: 'Name' }, required: true },
        { apiName: 'account', type: 'lookup', labels: { en: 'Account' }, lookup: { objectId: 'account', onDelete: 'setNull', relationshipName: 'opportunities' } },
        { apiName: 'amount', type: 'number', labels: { en: 'Amount' } },
        { apiName: 'note', type: 'text', labels: { en: 'Note' }, defaultExpression: "'for ' + coalesce(account.name, 'nobody')" },
        { apiName: 'sector', type: 'formula', labels: { en: 'Sector' }, formula: { expression: "coalesce(account.industry, 'none')", resultType: 'text', stored: false } },
        { apiName: 'weighted', type: 'formula', labels: { en: 'Weighted' }, formula: { expression: 'amount * coalesce(account.tier, 1)', resultType: 'number', stored: false } },
      ], validationRules: [{ apiName: 'big_accounts_big_deals', condition: "account.tier > 2 && amount < 100 && account.industry == 'retail'", message: { en: 'Tier 3 retail accounts take deals of 100 or more' } }] } },
    ] }), 200);
    const stored = await expectStatus(await t.api('POST', '/metadata/objects/opportunity/fields', { apiName: 'frozen', type: 'formula', labels: { en: 'Frozen' }, formula: { expression: 'account.tier + 1', resultType: 'number', stored: true } }), 422);
    expect(JSON.stringify(stored)).toContain("a stored formula cannot read related records ('account.tier'): the stored value would go stale when the related record changes; compute it on read");

    const big = String((await expectStatus(await t.api('POST', '/records/account', { name: 'Big', industry: 'retail', tier: 3 }), 201))['id']);
    const small = String((await expectStatus(await t.api('POST', '/records/account', { name: 'Small', tier: 1 }), 201))['id']);
    const refused = (await expectStatus(await t.api('POST', '/records/opportunity', { name: 'Tiny', account: big, amount: 50 }), 422))['errors'] as Problem[];
    expect(refused).toEqual([expect.objectContaining({ rule: 'big_accounts_big_deals' })]);
    const created = await expectStatus(await t.api('POST', '/records/opportunity', { name: 'A', account: big, amount: 200 }), 201);
    expect(created).toMatchObject({ note: 'for Big', sector: 'retail', weighted: 600 });
    const batch = await expectStatus(await t.api('POST', '/records/opportunity/batch?return=representation', { operations: [
      { op: 'create', data: { name: 'B', account: small, amount: 10 } },
      { op: 'create', data: { name: 'C', amount: 7 } },
      { op: 'create', data: { name: 'D', account: big, amount: 100 } },
    ] }), 200);
    // The batch's answer holds the formulas over related records, as a create's does.
    const answered = (batch['data'] as { name: string; sector: string; weighted: number }[]).map((r) => [r.name, r.sector, r.weighted]);
    expect(answered).toEqual([['B', 'none', 10], ['C', 'none', 7], ['D', 'retail', 300]]);
    const rows = async () => (json<{ data: { name: string; note: string; sector: string; weighted: number }[] }>(await t.api('GET', '/records/opportunity?sort=name'))).data.map((r) => [r.name, r.note, r.sector, r.weighted]);
    expect(await rows()).toEqual([['A', 'for Big', 'retail', 600], ['B', 'for Small', 'none', 10], ['C', 'for nobody', 'none', 7], ['D', 'for Big', 'retail', 300]]);
    // Computed on read: a change of the looked-up record shows at once, on a list and on a get.
    await expectStatus(await t.api('PATCH', `/records/account/${big}`, { industry: 'health', tier: 2 }), 200);
    expect(await rows()).toEqual([['A', 'for Big', 'health', 400], ['B', 'for Small', 'none', 10], ['C', 'for nobody', 'none', 7], ['D', 'for Big', 'health', 200]]);
    expect(await expectStatus(await t.api('GET', `/records/opportunity/${String(created['id'])}`), 200)).toMatchObject({ sector: 'health', weighted: 400 });
    // The same path enforces a layout rule over the looked-up record.
    const layouts = json<{ layouts: { id: string; objectId: string; name: string; sections: unknown[] }[]; objects: { id: string; apiName: string }[] }>(await t.api('GET', '/metadata/snapshot'));
    const layout = layouts.layouts.find((l) => l.objectId === layouts.objects.find((o) => o.apiName === 'opportunity')!.id)!;
    await expectStatus(await t.api('PUT', `/metadata/layouts/${layout.id}`, { ...layout, rules: [{ when: "account.industry == 'health'", action: 'require', fieldIds: ['amount'] }] }), 200);
    expect((await expectStatus(await t.api('POST', '/records/opportunity', { name: 'E', account: big }), 422))['errors']).toEqual([expect.objectContaining({ field: 'amount', code: 'required' })]);
    await expectStatus(await t.api('POST', '/records/opportunity', { name: 'F', account: small }), 201);
  });

  it('follows a picklist value’s rename in the rules that compare with it and in its own default, and refuses removing a value they use', async () => {
    const t = await tenantWithInvoice();
    await expectStatus(await t.api('PATCH', '/metadata/objects/invoice', { validationRules: [{ apiName: 'web_small', condition: "channel == 'web' && amount > 1000", message: { en: 'Web orders stay under 1,000' } }] }), 200);
    // The channel's own default produces a value of it: the default follows the rename too.
    await expectStatus(await t.api('PATCH', '/metadata/objects/invoice/fields/channel', { defaultExpression: "amount > 500 ? 'web' : 'shop'" }), 200);
    type Snap = { objects: { apiName: string; validationRules?: { condition: string }[]; fields: { apiName: string; values?: { id: string; apiName: string; labels: unknown }[] }[] }[] };
    const invoiceOf = async () => json<Snap>(await t.api('GET', '/metadata/snapshot')).objects.find((o) => o.apiName === 'invoice')!;
    const values = (await invoiceOf()).fields.find((f) => f.apiName === 'channel')!.values!.map((v) => ({ id: v.id, apiName: v.apiName === 'web' ? 'online' : v.apiName, labels: v.labels }));
    await expectStatus(await t.api('PATCH', '/metadata/objects/invoice/fields/channel', { values }), 200);
    expect((await invoiceOf()).validationRules![0]!.condition).toBe("channel == 'online' && amount > 1000");
    expect((await expectStatus(await t.api('POST', '/records/invoice', { name: 'Defaulted', amount: 800 }), 201))['channel']).toBe('online');
    const refused = (await expectStatus(await t.api('POST', '/records/invoice', { name: 'Web', amount: 2000, channel: 'online' }), 422))['errors'] as Problem[];
    expect(refused).toEqual([expect.objectContaining({ rule: 'web_small', message: 'Web orders stay under 1,000' })]);
    const removal = await t.api('PATCH', '/metadata/objects/invoice/fields/channel', { values: values.filter((v) => v.apiName !== 'online') });
    expect(removal.statusCode, removal.body).toBe(422);
    expect(removal.body).toContain("value 'online' of 'channel' is used by 'default value of invoice.channel', 'validation rule invoice.web_small'");
  });

  it('speaks the request’s language: checker errors with line and column, run-time failures and layout rules in zh-CN', async () => {
    const t = await tenantWithInvoice();
    const zh = { 'accept-language': 'zh-CN' };
    const chinese = (text: string) => /[\u4e00-\u9fff]/.test(text) && !/\b(is|not|the|of|no|field|value|needs|cannot|when|could|evaluated|line|column)\b/.test(text.replace(/'[^']*'/g, ''));
    const bad = await expectStatus(await t.api('POST', '/metadata/objects/invoice/fields', { apiName: 'x', type: 'formula', labels: { en: 'x' }, formula: { expression: "amont + 'a'", resultType: 'number', stored: true } }, zh), 422);
    const messages = (bad['errors'] as Problem[]).map((e) => e.message);
    expect(messages).toContain("invoice上没有字段'amont'（是否想写'amount'？）（第 1 行，第 1 列）");
    const syntax = await expectStatus(await t.api('POST', '/metadata/objects/invoice/fields', { apiName: 'y', type: 'formula', labels: { en: 'y' }, formula: { expression: 'amount >', resultType: 'boolean', stored: false } }, zh), 422);
    expect((syntax['errors'] as Problem[]).map((e) => e.message)).toEqual(['表达式不完整（第 1 行，第 9 列）']);
    const failed = (await expectStatus(await t.api('POST', '/records/invoice', { name: 'Z', amount: 10, discount: 0 }, zh), 422))['errors'] as Problem[];
    expect(failed[0]!.message).toBe('校验规则 ratio 无法计算：除数为零');
    const layouts = json<{ layouts: { id: string; objectId: string; name: string; sections: unknown[] }[]; objects: { id: string; apiName: string }[] }>(await t.api('GET', '/metadata/snapshot'));
    const layout = layouts.layouts.find((l) => l.objectId === layouts.objects.find((o) => o.apiName === 'invoice')!.id)!;
    await expectStatus(await t.api('PUT', `/metadata/layouts/${layout.id}`, { ...layout, rules: [{ when: 'amount > 500', action: 'require', fieldIds: ['reason'] }] }), 200);
    const required = await expectStatus(await t.api('POST', '/records/invoice', { name: 'Big', amount: 900, discount: 1 }, zh), 422);
    expect((required['errors'] as Problem[])[0]!.message).toBe('在 amount > 500 成立时为必填项');
    for (const text of [String(required['detail']), ...messages, String(bad['detail'])]) expect(chinese(text), text).toBe(true);
  });

  it('recomputes a changed stored formula for existing records in the background, with progress', async () => {
    const t = await tenantWithInvoice();
    const ops = Array.from({ length: 450 }, (_, i) => ({ op: 'create', data: { name: `R${i}`, amount: i } }));
    await expectStatus(await t.api('POST', '/records/invoice/batch', { operations: ops }), 200);
    await expectStatus(await t.api('PATCH', '/metadata/objects/invoice/fields/net', { formula: { expression: 'amount * 2', resultType: 'number', stored: true } }), 200);
    await h.server.recomputes.settled();
    const progress = json<{ field: string; done: number; total: number; status: string }[]>(await t.api('GET', '/metadata/logic-recomputes'));
    expect(progress.find((p) => p.field === 'net')).toMatchObject({ status: 'done', done: 450, total: 450 });
    const filter = encodeURIComponent(JSON.stringify({ field: 'net', op: 'eq', value: 898 }));
    const found = json<{ data: { name: string }[] }>(await t.api('GET', `/records/invoice?filter=${filter}`));
    expect(found.data.map((r) => r.name)).toEqual(['R449']);
  });
});

describe('roll-up summaries', () => {
  const account = {
    op: 'createObject',
    object: { apiName: 'account', labels: { en: { singular: 'Account', plural: 'Accounts' } }, fields: [{ apiName: 'name', type: 'text', labels: { en: 'Name' }, required: true }] },
  };
  const order = {
    op: 'createObject',
    object: {
      apiName: 'order',
      labels: { en: { singular: 'Order', plural: 'Orders' } },
      fields: [
        { apiName: 'name', type: 'text', labels: { en: 'Name' }, required: true },
        { apiName: 'account', type: 'lookup', labels: { en: 'Account' }, lookup: { objectId: 'account', onDelete: 'restrict', relationshipName: 'orders' } },
        { apiName: 'total', type: 'currency', labels: { en: 'Total' } },
        { apiName: 'open', type: 'boolean', labels: { en: 'Open' } },
      ],
    },
  };
  const rollups = [
    { op: 'createField', object: 'account', field: { apiName: 'order_count', type: 'rollup', labels: { en: 'Orders' }, rollup: { childObjectId: 'order', lookupFieldId: 'account', function: 'count' } } },
    { op: 'createField', object: 'account', field: { apiName: 'open_total', type: 'rollup', labels: { en: 'Open total' }, rollup: { childObjectId: 'order', lookupFieldId: 'account', function: 'sum', fieldId: 'total', filter: 'open == true' } } },
    { op: 'createField', object: 'account', field: { apiName: 'biggest', type: 'rollup', labels: { en: 'Biggest' }, rollup: { childObjectId: 'order', lookupFieldId: 'account', function: 'max', fieldId: 'total' } } },
  ];

  it('keeps count, filtered sum and max current as children are created, changed, moved and deleted', async () => {
    const t = await createTestTenant(h, 'rollup');
    await expectStatus(await t.api('POST', '/metadata/changes', { operations: [account, order, ...rollups] }), 200);
    const a = String((await expectStatus(await t.api('POST', '/records/account', { name: 'A' }), 201))['id']);
    const b = String((await expectStatus(await t.api('POST', '/records/account', { name: 'B' }), 201))['id']);
    const o1 = String((await expectStatus(await t.api('POST', '/records/order', { name: 'o1', account: a, total: 10.1, open: true }), 201))['id']);
    const o2 = String((await expectStatus(await t.api('POST', '/records/order', { name: 'o2', account: a, total: 20.2, open: true }), 201))['id']);
    await expectStatus(await t.api('POST', '/records/order', { name: 'o3', account: a, total: 5, open: false }), 201);
    const get = async (id: string) => json<Record<string, unknown>>(await t.api('GET', `/records/account/${id}`));
    expect(await get(a)).toMatchObject({ order_count: 3, open_total: 30.3, biggest: 20.2 });
    await expectStatus(await t.api('PATCH', `/records/order/${o1}`, { open: false }), 200);
    expect(await get(a)).toMatchObject({ order_count: 3, open_total: 20.2, biggest: 20.2 });
    await expectStatus(await t.api('PATCH', `/records/order/${o2}`, { account: b }), 200);
    expect(await get(a)).toMatchObject({ order_count: 2, open_total: 0, biggest: 10.1 });
    expect(await get(b)).toMatchObject({ order_count: 1, open_total: 20.2, biggest: 20.2 });
    await expectStatus(await t.api('DELETE', `/records/order/${o2}`), 204);
    expect(await get(b)).toMatchObject({ order_count: 0, open_total: 0, biggest: null });
  });

  it("a new parent's count and sum roll-ups read 0, as those of a parent whose children left do, and a filter on 0 finds both", async () => {
    const t = await createTestTenant(h, 'rollup');
    await expectStatus(await t.api('POST', '/metadata/changes', { operations: [account, order, ...rollups] }), 200);
    const fresh = String((await expectStatus(await t.api('POST', '/records/account', { name: 'Fresh' }), 201))['id']);
    const emptied = String((await expectStatus(await t.api('POST', '/records/account', { name: 'Emptied' }), 201))['id']);
    const batch = await expectStatus(await t.api('POST', '/records/account/batch?return=representation', { operations: [{ op: 'create', data: { name: 'Batched' } }] }), 200);
    const o = String((await expectStatus(await t.api('POST', '/records/order', { name: 'o', account: emptied, total: 4, open: true }), 201))['id']);
    await expectStatus(await t.api('DELETE', `/records/order/${o}`), 204);
    const get = async (id: string) => json<Record<string, unknown>>(await t.api('GET', `/records/account/${id}`));
    expect(await get(fresh)).toMatchObject({ order_count: 0, open_total: 0, biggest: null });
    expect(await get(emptied)).toMatchObject({ order_count: 0, open_total: 0, biggest: null });
    expect((batch['data'] as Record<string, unknown>[])[0]).toMatchObject({ order_count: 0, open_total: 0 });
    const none = json<{ data: { name: string }[] }>(await t.api('GET', `/records/account?sort=name&filter=${encodeURIComponent(JSON.stringify({ field: 'order_count', op: 'eq', value: 0 }))}`));
    expect(none.data.map((r) => r.name)).toEqual(['Batched', 'Emptied', 'Fresh']);
  });

  it('stays exact under concurrent child writes to one parent', async () => {
    const t = await createTestTenant(h, 'rollup');
    await expectStatus(await t.api('POST', '/metadata/changes', { operations: [account, order, ...rollups] }), 200);
    const a = String((await expectStatus(await t.api('POST', '/records/account', { name: 'A' }), 201))['id']);
    const writers = 24;
    const results = await Promise.all(Array.from({ length: writers }, (_, i) => t.api('POST', '/records/order', { name: `c${i}`, account: a, total: i + 0.5, open: true })));
    for (const r of results) expect(r.statusCode, r.body).toBe(201);
    const parent = json<Record<string, unknown>>(await t.api('GET', `/records/account/${a}`));
    const sum = Array.from({ length: writers }, (_, i) => i + 0.5).reduce((x, y) => x + y, 0);
    expect(parent).toMatchObject({ order_count: writers, open_total: sum, biggest: writers - 0.5 });
    // Deletes racing each other come out exact too.
    const ids = results.map((r) => String(json(r)['id']));
    await Promise.all(ids.slice(0, 10).map((id) => t.api('DELETE', `/records/order/${id}`)));
    const after = json<Record<string, unknown>>(await t.api('GET', `/records/account/${a}`));
    expect(after).toMatchObject({ order_count: writers - 10, open_total: sum - Array.from({ length: 10 }, (_, i) => i + 0.5).reduce((x, y) => x + y, 0), biggest: writers - 0.5 });
  });

  it('a child its roll-up filter cannot be evaluated for does not count, and its write goes through', async () => {
    const t = await createTestTenant(h, 'rollup');
    await expectStatus(await t.api('POST', '/metadata/changes', { operations: [account, order,
      { op: 'createField', object: 'account', field: { apiName: 'cheap', type: 'rollup', labels: { en: 'Cheap' }, rollup: { childObjectId: 'order', lookupFieldId: 'account', function: 'count', filter: '100 / total > 1' } } },
    ] }), 200);
    const a = String((await expectStatus(await t.api('POST', '/records/account', { name: 'A' }), 201))['id']);
    await expectStatus(await t.api('POST', '/records/order', { name: 'free', account: a, total: 0 }), 201);
    await expectStatus(await t.api('POST', '/records/order', { name: 'cheap', account: a, total: 5 }), 201);
    expect(json<Record<string, unknown>>(await t.api('GET', `/records/account/${a}`))).toMatchObject({ cheap: 1 });
  });

  it('takes children a delete cascaded to out of their roll-ups', async () => {
    const t = await createTestTenant(h, 'rollup');
    const shipment = { op: 'createObject', object: { apiName: 'shipment', labels: { en: { singular: 'Shipment', plural: 'Shipments' } }, fields: [{ apiName: 'name', type: 'text', labels: { en: 'Name' }, required: true }] } };
    await expectStatus(await t.api('POST', '/metadata/changes', { operations: [account, order, shipment,
      { op: 'createField', object: 'order', field: { apiName: 'shipment', type: 'lookup', labels: { en: 'Shipment' }, lookup: { objectId: 'shipment', onDelete: 'cascade', relationshipName: 'orders' } } },
      ...rollups,
    ] }), 200);
    const a = String((await expectStatus(await t.api('POST', '/records/account', { name: 'A' }), 201))['id']);
    const s1 = String((await expectStatus(await t.api('POST', '/records/shipment', { name: 'S1' }), 201))['id']);
    await expectStatus(await t.api('POST', '/records/order', { name: 'kept', account: a, total: 3, open: true }), 201);
    await expectStatus(await t.api('POST', '/records/order', { name: 'shipped 1', account: a, total: 40, open: true, shipment: s1 }), 201);
    await expectStatus(await t.api('POST', '/records/order', { name: 'shipped 2', account: a, total: 7, open: true, shipment: s1 }), 201);
    expect(json<Record<string, unknown>>(await t.api('GET', `/records/account/${a}`))).toMatchObject({ order_count: 3, open_total: 50, biggest: 40 });
    await expectStatus(await t.api('DELETE', `/records/shipment/${s1}`), 204);
    expect(json<Record<string, unknown>>(await t.api('GET', `/records/account/${a}`))).toMatchObject({ order_count: 1, open_total: 3, biggest: 3 });
  });

  it('a roll-up and a stored formula deleted and brought back are recomputed from what was written meanwhile', async () => {
    const t = await createTestTenant(h, 'rollup');
    await expectStatus(await t.api('POST', '/metadata/changes', { operations: [account, order, ...rollups,
      { op: 'createField', object: 'order', field: { apiName: 'doubled', type: 'formula', labels: { en: 'Doubled' }, formula: { expression: 'total * 2', resultType: 'number', stored: true } } },
    ] }), 200);
    const a = String((await expectStatus(await t.api('POST', '/records/account', { name: 'A' }), 201))['id']);
    const o = String((await expectStatus(await t.api('POST', '/records/order', { name: 'before', account: a, total: 10, open: true }), 201))['id']);
    await h.server.recomputes.settled();
    const drop = (field: string, object: string) => ({ op: 'deleteField', object, field, removeFromLayouts: true });
    const deleted = await expectStatus(await t.api('POST', '/metadata/changes', { operations: [drop('open_total', 'account'), drop('doubled', 'order')] }), 200);
    await h.server.recomputes.settled();
    await expectStatus(await t.api('POST', '/records/order', { name: 'meanwhile', account: a, total: 5, open: true }), 201);
    await expectStatus(await t.api('PATCH', `/records/order/${o}`, { total: 20 }), 200);
    await expectStatus(await t.api('POST', '/metadata/changes', { operations: [{ op: 'restoreField', object: 'account', field: 'open_total' }, { op: 'restoreField', object: 'order', field: 'doubled' }] }), 200);
    await h.server.recomputes.settled();
    expect(json<Record<string, unknown>>(await t.api('GET', `/records/account/${a}`))).toMatchObject({ order_count: 2, open_total: 25 });
    expect(json<Record<string, unknown>>(await t.api('GET', `/records/order/${o}`))).toMatchObject({ doubled: 40 });
    // Brought back by restoring the revision before the delete, too.
    await expectStatus(await t.api('POST', '/metadata/changes', { operations: [drop('open_total', 'account')] }), 200);
    await h.server.recomputes.settled();
    await expectStatus(await t.api('PATCH', `/records/order/${o}`, { total: 30 }), 200);
    await expectStatus(await t.api('POST', `/metadata/revisions/${Number(deleted['revision']) - 1}/restore`), 200);
    await h.server.recomputes.settled();
    expect(json<Record<string, unknown>>(await t.api('GET', `/records/account/${a}`))).toMatchObject({ open_total: 35 });
  });

  it('a record in the recycle bin when a stored formula is redefined reads the new definition once restored', async () => {
    const t = await createTestTenant(h, 'rollup');
    await expectStatus(await t.api('POST', '/metadata/changes', { operations: [account, order,
      { op: 'createField', object: 'order', field: { apiName: 'doubled', type: 'formula', labels: { en: 'Doubled' }, formula: { expression: 'total * 2', resultType: 'number', stored: true } } },
    ] }), 200);
    const o = String((await expectStatus(await t.api('POST', '/records/order', { name: 'o', total: 10 }), 201))['id']);
    await expectStatus(await t.api('DELETE', `/records/order/${o}`), 204);
    await expectStatus(await t.api('PATCH', '/metadata/objects/order/fields/doubled', { formula: { expression: 'total * 3', resultType: 'number', stored: true } }), 200);
    await h.server.recomputes.settled();
    await expectStatus(await t.api('POST', `/records/order/${o}/restore`), 200);
    expect(json<Record<string, unknown>>(await t.api('GET', `/records/order/${o}`))).toMatchObject({ doubled: 30 });
    expect(json<{ data: unknown[] }>(await t.api('GET', `/records/order?filter=${encodeURIComponent(JSON.stringify({ field: 'doubled', op: 'eq', value: 30 }))}`)).data).toHaveLength(1);
  });

  it('computes a roll-up defined over existing children', async () => {
    const t = await createTestTenant(h, 'rollup');
    await expectStatus(await t.api('POST', '/metadata/changes', { operations: [account, order] }), 200);
    const a = String((await expectStatus(await t.api('POST', '/records/account', { name: 'A' }), 201))['id']);
    for (let i = 0; i < 5; i++) await expectStatus(await t.api('POST', '/records/order', { name: `o${i}`, account: a, total: 2, open: i % 2 === 0 }), 201);
    await expectStatus(await t.api('POST', '/metadata/changes', { operations: rollups }), 200);
    await h.server.recomputes.settled();
    expect(json<Record<string, unknown>>(await t.api('GET', `/records/account/${a}`))).toMatchObject({ order_count: 5, open_total: 6, biggest: 2 });
  });
});

describe('formulas computed on read, on every read path', () => {
  it("compute in the workspace's time zone and over their related records in expansions, search and the recycle bin as in a get", async () => {
    const zone = new Date().getUTCHours() < 12 ? 'Pacific/Pago_Pago' : 'Pacific/Kiritimati';
    const tenant = await createTestTenant(h, 'read-paths');
    await expectStatus(await tenant.api('PATCH', '/workspace/settings', { timeZone: zone }), 200);
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
    const lookup = (apiName: string, objectId: string, relationshipName: string) => ({ apiName, type: 'lookup', labels: { en: apiName }, lookup: { objectId, onDelete: 'setNull', relationshipName } });
    await expectStatus(await tenant.api('POST', '/metadata/changes', { operations: [{ op: 'createObject', object: { apiName: 'visit', labels: { en: { singular: 'Visit', plural: 'Visits' } }, fields: [
      { apiName: 'name', type: 'text', labels: { en: 'Name' } },
      { apiName: 'due', type: 'date', labels: { en: 'Due' } },
      lookup('cust', 'customer', 'visits'),
      { apiName: 'day', type: 'formula', labels: { en: 'Day' }, formula: { expression: 'today()', resultType: 'date', stored: false } },
      { apiName: 'late', type: 'formula', labels: { en: 'Late' }, formula: { expression: 'due < today()', resultType: 'boolean', stored: false } },
      { apiName: 'custname', type: 'formula', labels: { en: 'Customer name' }, formula: { expression: 'cust.last_name', resultType: 'text', stored: false } },
    ] } }] }), 200);
    const visitId = json<{ id: string }>(await tenant.api('GET', '/metadata/objects/visit')).id;
    await expectStatus(await tenant.api('POST', '/metadata/changes', { operations: [{ op: 'createObject', object: { apiName: 'trip', labels: { en: { singular: 'Trip', plural: 'Trips' } }, fields: [
      { apiName: 'name', type: 'text', labels: { en: 'Name' } },
      lookup('visit', visitId, 'trips'),
    ] } }] }), 200);
    const cust = (await expectStatus(await tenant.api('POST', '/records/customer', { last_name: 'Probe' }), 201)) as { id: string };
    const visit = (await expectStatus(await tenant.api('POST', '/records/visit', { name: 'Zeta visit', due: today, cust: cust.id }), 201)) as { id: string };
    const trip = (await expectStatus(await tenant.api('POST', '/records/trip', { name: 'Trip', visit: visit.id }), 201)) as { id: string };
    const computed = { day: today, late: false, custname: 'Probe' };

    expect(await expectStatus(await tenant.api('GET', `/records/visit/${visit.id}`), 200)).toMatchObject(computed);
    expect((await expectStatus(await tenant.api('GET', `/records/trip/${trip.id}?expand=visit`), 200))['visit']).toMatchObject(computed);
    expect(((await expectStatus(await tenant.api('GET', '/records/trip?expand=visit'), 200))['data'] as Record<string, unknown>[])[0]!['visit']).toMatchObject(computed);
    const groups = (await expectStatus(await tenant.api('GET', '/search?q=Zeta'), 200)) as unknown as { object: string; records: Record<string, unknown>[] }[];
    expect(groups.find((g) => g.object === 'visit')!.records[0]).toMatchObject(computed);
    await expectStatus(await tenant.api('DELETE', `/records/visit/${visit.id}`), 204);
    const bin = (await expectStatus(await tenant.api('GET', '/recycle-bin?object=visit'), 200))['data'] as Record<string, unknown>[];
    expect(bin.find((r) => r['id'] === visit.id)).toMatchObject(computed);
  });
});

describe.skipIf(!process.env['DATABASE_URL'])('formulas computed on read by a server process that has written nothing for the workspace', () => {
  it("use the workspace's time zone from its first read, not UTC", async () => {
    // A zone whose date differs from UTC's now, whatever the hour: eleven hours behind before noon UTC, fourteen ahead after.
    const zone = new Date().getUTCHours() < 12 ? 'Pacific/Pago_Pago' : 'Pacific/Kiritimati';
    const tenant = await createTestTenant(h, 'zone-read');
    await expectStatus(await tenant.api('PATCH', '/workspace/settings', { timeZone: zone }), 200);
    const visit = {
      apiName: 'visit',
      labels: { en: { singular: 'Visit', plural: 'Visits' } },
      fields: [
        { apiName: 'name', type: 'text', labels: { en: 'Name' } },
        { apiName: 'day', type: 'formula', labels: { en: 'Day' }, formula: { expression: 'today()', resultType: 'date', stored: false } },
      ],
    };
    await expectStatus(await tenant.api('POST', '/metadata/changes', { operations: [{ op: 'createObject', object: visit }] }), 200);
    const { id } = (await expectStatus(await tenant.api('POST', '/records/visit', { name: 'First' }), 201)) as { id: string };
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
    const other = await startServerProcess(process.env['DATABASE_URL']!);
    try {
      const read = async (path: string) => {
        const response = await fetch(`${other.url}/api/v1${path}`, { headers: { authorization: `Bearer ${tenant.key}` } });
        expect(response.status).toBe(200);
        return (await response.json()) as Record<string, unknown>;
      };
      expect((await read(`/records/visit/${id}`))['day']).toBe(today);
      expect((await read('/records/visit'))['data']).toEqual([expect.objectContaining({ id, day: today })]);
    } finally {
      await other.stop();
    }
  });
});
