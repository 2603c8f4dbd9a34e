// Declarative logic in Chromium against the real server: layout rules and a dependent picklist
// live in the record form, and a validation rule written in the expression editor.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { api, shot, signedInPage, type Workspace } from './harness.ts';

let ws: Workspace;
let page: Page;
const pageErrors: string[] = [];
signedInPage((session) => ({ ws, page } = session), pageErrors);

type Layout = { id: string; objectId: string; name: string; sections: { id: string; fields: { fieldId: string }[] }[] };

describe('declarative logic in the studio', () => {
  it('shows a field and narrows a dependent picklist as the form is filled, with the server refusing what the rules refuse', async () => {
    await api(page, 'POST', '/metadata/changes', { operations: [
      { op: 'createField', object: 'deal', field: { apiName: 'loss_reason', labels: { en: 'Loss reason' }, type: 'picklist', values: [{ apiName: 'price', labels: { en: 'Price' } }, { apiName: 'timing', labels: { en: 'Timing' } }, { apiName: 'other', labels: { en: 'Other' } }] } },
      { op: 'updateField', object: 'deal', field: 'loss_reason', patch: { dependsOn: { fieldId: 'stage', map: { closed_lost: ['price', 'timing'] } } } },
    ] });
    const snapshot = await api<{ objects: { id: string; apiName: string }[]; layouts: Layout[] }>(page, 'GET', '/metadata/snapshot');
    const dealId = snapshot.objects.find((o) => o.apiName === 'deal')!.id;
    const layout = snapshot.layouts.find((l) => l.objectId === dealId)!;
    const first = layout.sections[0]!;
    await api(page, 'PUT', `/metadata/layouts/${layout.id}`, {
      ...layout,
      sections: [{ ...first, fields: [...first.fields, { fieldId: 'loss_reason' }] }, ...layout.sections.slice(1)],
      rules: [{ when: "stage == 'closed_lost'", action: 'show', fieldIds: ['loss_reason'] }, { when: 'amount > 10000', action: 'require', fieldIds: ['close_date'] }],
    });
    await page.goto(`${ws.baseUrl}/o/deal/new`);
    await page.getByLabel('Stage').first().waitFor();
    expect(await page.getByLabel('Loss reason').count()).toBe(0);
    await page.getByLabel('Stage').first().selectOption({ label: 'Closed lost' });
    const reason = page.getByLabel('Loss reason');
    await reason.waitFor();
    const options = await reason.locator('option').allTextContents();
    expect(options.filter((o) => o.trim())).toEqual(expect.arrayContaining(['Price', 'Timing']));
    expect(options).not.toContain('Other');
    await shot(page, '90-layout-rules-live');
    // The server enforces the same require rule for writes that never saw the form.
    await expect(api(page, 'POST', '/records/deal', { name: 'Big', amount: 50000 })).rejects.toThrow(/close_date/);
    expect(pageErrors).toEqual([]);
  });

  it('writes a validation rule in the expression editor with completions and inline errors, and the rule refuses a save', async () => {
    await page.goto(`${ws.baseUrl}/setup/objects/deal?tab=rules`);
    await page.getByRole('button', { name: '+ New rule' }).click();
    await page.getByLabel('API name').fill('big_needs_probability');
    const source = page.locator('#rule-condition');
    await source.fill("amount > 'a lot'");
    await page.getByText(/Line 1, column 1 · Type: '>' cannot combine/).waitFor();
    await source.fill('amount > 1000000 && isNull(proba');
    await page.getByRole('list', { name: 'Suggestions' }).getByRole('button', { name: /^probability/ }).click();
    expect(await source.inputValue()).toBe('amount > 1000000 && isNull(probability');
    await source.press('End');
    await source.type(')');
    await page.getByText('Valid: gives bool').waitFor();
    // The test panel evaluates the expression against a stored record, in the browser.
    const big = await api<{ id: string }>(page, 'POST', '/records/deal', { name: 'Tested', amount: 5000000, close_date: '2027-06-30' });
    await page.getByLabel('Record id').fill(big.id);
    await page.getByRole('button', { name: 'Evaluate' }).click();
    await page.getByText('Result: true').waitFor();
    await page.getByLabel('Message (English)').fill('A {deal} over a million needs a probability');
    await shot(page, '91-expression-editor');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.locator('[data-rule=big_needs_probability]').waitFor();
    await expect(api(page, 'POST', '/records/deal', { name: 'Huge', amount: 2000000, close_date: '2027-01-01' })).rejects.toThrow(/A deal over a million needs a probability/);
    expect(pageErrors).toEqual([]);
  });

  it('adds a layout rule in the layout editor; the preview and the record form apply it as the record is filled', async () => {
    const snapshot = await api<{ objects: { id: string; apiName: string }[]; layouts: Layout[] }>(page, 'GET', '/metadata/snapshot');
    const orgId = snapshot.objects.find((o) => o.apiName === 'organization')!.id;
    const layout = snapshot.layouts.find((l) => l.objectId === orgId)!;
    await page.goto(`${ws.baseUrl}/setup/objects/organization/layouts/${layout.id}`);
    await page.getByRole('button', { name: '+ Add rule' }).click();
    await page.locator('#layout-rule-0').fill('employees > 100');
    await page.getByText('Valid: gives bool').waitFor();
    await page.getByRole('group', { name: 'Fields and sections' }).getByLabel('Annual revenue').check();
    const preview = page.getByRole('region', { name: 'Preview' });
    await preview.getByLabel('Employees').waitFor();
    expect(await preview.getByLabel('Annual revenue').count()).toBe(0);
    await shot(page, '92-layout-rule-editor');
    await page.getByRole('button', { name: 'Save', exact: true }).first().click();
    await page.getByText(/Saved as revision/).waitFor();
    // In the record form the rule follows what is typed.
    await page.goto(`${ws.baseUrl}/o/organization/new`);
    await page.getByLabel('Employees').waitFor();
    expect(await page.getByLabel('Annual revenue').count()).toBe(0);
    await page.getByLabel('Employees').fill('250');
    await page.getByLabel('Annual revenue').waitFor();
    const saved = await api<{ layouts: (Layout & { rules?: { when: string; action: string; fieldIds?: string[] }[] })[] }>(page, 'GET', '/metadata/snapshot');
    expect(saved.layouts.find((l) => l.id === layout.id)!.rules).toEqual([expect.objectContaining({ when: 'employees > 100', action: 'show' })]);
    expect(pageErrors).toEqual([]);
  });

  it('gives a field a default expression on its Setup page, and a create without the value gets it', async () => {
    await page.goto(`${ws.baseUrl}/setup/objects/task/fields/due_date`);
    const source = page.locator('#default-expression');
    await source.fill('addDays(today(), "x")');
    await page.getByText(/Line 1, column 1 · Type: addDays\(\) does not take/).waitFor();
    await source.fill('addDays(today(), 30)');
    await page.getByText('Valid: gives date').waitFor();
    await shot(page, '93-default-expression');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.waitForURL(/tab=fields/);
    const task = await api<{ due_date: string }>(page, 'POST', '/records/task', { subject: 'Follow up' });
    const now = new Date();
    expect(task.due_date).toBe(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 30)).toISOString().slice(0, 10));
    expect(pageErrors).toEqual([]);
  });

  it("edits a dependent picklist's values per controlling value on the field's Setup page", async () => {
    await page.goto(`${ws.baseUrl}/setup/objects/deal/fields/loss_reason`);
    const matrix = page.getByRole('table', { name: 'Values by controlling field' });
    await matrix.waitFor();
    expect(await matrix.getByLabel('Closed lost: Price').isChecked()).toBe(true);
    expect(await matrix.getByLabel('Closed lost: Other').isChecked()).toBe(false);
    await matrix.getByLabel('Closed lost: Other').check();
    await shot(page, '94-dependency-editor');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.waitForURL(/tab=fields/);
    const snapshot = await api<{ objects: { apiName: string; fields: { apiName: string; values?: { id: string; apiName: string }[]; dependsOn?: { map: Record<string, string[]> } }[] }[] }>(page, 'GET', '/metadata/snapshot');
    const reason = snapshot.objects.find((o) => o.apiName === 'deal')!.fields.find((f) => f.apiName === 'loss_reason')!;
    const ids = Object.values(reason.dependsOn!.map)[0]!;
    expect(ids.map((id) => reason.values!.find((v) => v.id === id)!.apiName).sort()).toEqual(['other', 'price', 'timing']);
    expect(pageErrors).toEqual([]);
  });
  it('shows a roll-up of a currency field in that currency on the list and the record page, in English and Chinese', async () => {
    await api(page, 'POST', '/metadata/changes', { operations: [
      { op: 'createField', object: 'customer', field: { apiName: 'deal_total', labels: { en: 'Deal total', 'zh-CN': '商机总额' }, type: 'rollup', rollup: { childObjectId: 'deal', lookupFieldId: 'customer', function: 'sum', fieldId: 'amount' } } },
      { op: 'createField', object: 'customer', field: { apiName: 'deal_count', labels: { en: 'Deal count', 'zh-CN': '商机数' }, type: 'rollup', rollup: { childObjectId: 'deal', lookupFieldId: 'customer', function: 'count' } } },
    ] });
    const snapshot = await api<{ objects: { id: string; apiName: string }[]; layouts: Layout[] }>(page, 'GET', '/metadata/snapshot');
    const customerId = snapshot.objects.find((o) => o.apiName === 'customer')!.id;
    const layout = snapshot.layouts.find((l) => l.objectId === customerId)!;
    const first = layout.sections[0]!;
    await api(page, 'PUT', `/metadata/layouts/${layout.id}`, { ...layout, sections: [{ ...first, fields: [{ fieldId: 'deal_total' }, { fieldId: 'deal_count' }, ...first.fields] }, ...layout.sections.slice(1)] });
    const customer = await api<{ id: string }>(page, 'POST', '/records/customer', { last_name: 'Rollup' });
    await api(page, 'POST', '/records/deal', { name: 'First', amount: 1000.25, customer: customer.id });
    await api(page, 'POST', '/records/deal', { name: 'Second', amount: 234.25, customer: customer.id });
    expect((await api<{ deal_total: number }>(page, 'GET', `/records/customer/${customer.id}`)).deal_total).toBe(1234.5);

    await page.goto(`${ws.baseUrl}/o/customer/${customer.id}`);
    await page.getByText('$1,234.50').first().waitFor();
    expect(await page.getByText('1,234.5', { exact: true }).count()).toBe(0);
    await page.goto(`${ws.baseUrl}/o/customer`);
    const row = page.getByRole('row', { name: /Rollup/ });
    await row.getByText('$1,234.50').waitFor();
    // A count stays a plain number.
    expect(await row.getByText('2', { exact: true }).count()).toBe(1);

    await page.evaluate(() => localStorage.setItem('protean.locale', 'zh-CN'));
    await page.goto(`${ws.baseUrl}/o/customer/${customer.id}`);
    await page.getByText('US$1,234.50').first().waitFor();
    await page.evaluate(() => localStorage.setItem('protean.locale', 'en'));
    expect(pageErrors).toEqual([]);
  });

  it("lists a refusal about a field the form does not show, or about the whole record, above the form by the field's label; one about a shown field is beside it only", async () => {
    await api(page, 'POST', '/metadata/changes', { operations: [
      { op: 'createField', object: 'deal', field: { apiName: 'discount_reason', labels: { en: 'Discount reason', 'zh-CN': '折扣理由' }, type: 'text' } },
      { op: 'updateObject', object: 'deal', patch: { validationRules: [
        { apiName: 'reason_needed', condition: "name == 'Placement' && isBlank(discount_reason)", fieldId: 'discount_reason', message: { en: 'A discounted deal needs a reason', 'zh-CN': '折扣商机需要理由' } },
        { apiName: 'unlucky', condition: "name == 'Placement' && amount == 13", fieldId: 'amount', message: { en: 'Thirteen is not an amount', 'zh-CN': '金额不能是 13' } },
        { apiName: 'closed_on_sunday', condition: "name == 'Placement'", message: { en: 'Deals are not made on Sundays', 'zh-CN': '周日不签商机' } },
      ] } },
    ] });
    for (const [locale, reason, unlucky, sunday] of [['en', 'Discount reason: A discounted deal needs a reason', 'Thirteen is not an amount', 'Deals are not made on Sundays'], ['zh-CN', '折扣理由：折扣商机需要理由', '金额不能是 13', '周日不签商机']] as const) {
      await page.evaluate((l) => localStorage.setItem('protean.locale', l), locale);
      await page.goto(`${ws.baseUrl}/o/deal/new`);
      await page.locator('#root_name').fill('Placement');
      await page.locator('#root_amount').fill('13');
      await page.locator('#root_name').press('Enter');
      const alert = page.locator('.error-box');
      await alert.getByText(reason).waitFor();
      await alert.getByText(sunday).waitFor();
      // The shown field's refusal is beside the field, not repeated in the list, and no API name is shown.
      await page.getByText(unlucky).first().waitFor();
      expect(await alert.getByText(unlucky).count()).toBe(0);
      expect(await alert.textContent()).not.toMatch(/discount_reason|amount/);
    }
    await page.evaluate(() => localStorage.setItem('protean.locale', 'en'));
    expect(pageErrors).toEqual([]);
  });

  it("the expression editor says a formula's result type and a suggested field's label and type in the reader's language", async () => {
    await api(page, 'POST', '/metadata/changes', { operations: [
      { op: 'createField', object: 'deal', field: { apiName: 'doubled', labels: { en: 'Doubled', 'zh-CN': '双倍' }, type: 'formula', formula: { expression: 'amount * 2', resultType: 'number', stored: false } } },
    ] });
    await page.evaluate(() => localStorage.setItem('protean.locale', 'zh-CN'));
    await page.goto(`${ws.baseUrl}/setup/objects/deal/fields/doubled`);
    await page.getByText('有效：结果类型为 数字').waitFor();
    const source = page.locator('.expression-source');
    await source.fill('amo');
    await page.getByRole('list', { name: '建议' }).getByRole('button', { name: 'amount 金额 · 货币' }).waitFor();
    await page.evaluate(() => localStorage.setItem('protean.locale', 'en'));
    await page.goto(`${ws.baseUrl}/setup/objects/deal/fields/doubled`);
    await page.getByText('Valid: gives number').waitFor();
    expect(pageErrors).toEqual([]);
  });
});
