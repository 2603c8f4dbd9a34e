// What a clinic's admin and staff meet in daily use, in Chromium against the real server: record
// forms with fields of every kind (an empty picklist, a multi-select picklist, a JSON field),
// dialogs used from the keyboard, the browser tab's title, the language menu, a record that is
// gone, and a console free of errors.
import { afterEach, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { api, settle, signedInPage, type Workspace } from './harness.ts';

let ws: Workspace;
let page: Page;
const pageErrors: string[] = [];
const consoleErrors: string[] = [];
signedInPage((session) => {
  ({ ws, page } = session);
  page.on('console', (m) => {
    // A refused request is logged by the browser itself; the pages show those.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) consoleErrors.push(m.text());
  });
}, pageErrors);

// A failed step says where the page was and what it showed.
afterEach(async (ctx) => {
  if (ctx.task.result?.state !== 'fail' || !page) return;
  const shown = await page.locator('body').innerText().catch((e: unknown) => `(unreadable: ${String(e)})`);
  console.log(`after the failure, ${page.url()} showed:\n${shown.slice(0, 1500)}`);
});

const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 20_000 });
const isFocused = (l: Locator) => l.evaluate((el) => el === document.activeElement);

type Snapshot = { objects: { id: string; apiName: string }[]; layouts: { id: string; objectId: string; sections: { fields: { fieldId: string }[] }[] }[] };

let customerId = '';

async function open(path: string, locale: 'en' | 'zh-CN' = 'en') {
  await page.evaluate((l) => localStorage.setItem('protean.locale', l), locale);
  await page.goto(`${ws.baseUrl}${path}`);
  await settle(page);
}

async function save() {
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.waitForURL(`${ws.baseUrl}/o/customer/${customerId}`);
  await settle(page);
}

const read = () => api<Record<string, unknown>>(page, 'GET', `/records/customer/${customerId}`);

describe('record forms with fields of every kind', () => {
  it('an optional picklist nobody chose stays empty when the record is saved', async () => {
    const snapshot = await api<Snapshot>(page, 'GET', '/metadata/snapshot');
    const customer = snapshot.objects.find((o) => o.apiName === 'customer')!;
    const layouts = snapshot.layouts.filter((l) => l.objectId === customer.id);
    const added = ['blood_type', 'tags', 'extra'];
    await api(page, 'POST', '/metadata/changes', {
      message: 'Fields a clinic keeps',
      operations: [
        { op: 'createField', object: 'customer', field: { apiName: 'blood_type', labels: { en: 'Blood type', 'zh-CN': '血型' }, type: 'picklist', values: [{ apiName: 'type_a', labels: { en: 'Type A', 'zh-CN': 'A 型' } }, { apiName: 'type_b', labels: { en: 'Type B', 'zh-CN': 'B 型' } }] } },
        { op: 'createField', object: 'customer', field: { apiName: 'tags', labels: { en: 'Tags', 'zh-CN': '标签' }, type: 'multiPicklist', values: [{ apiName: 'vip', labels: { en: 'VIP', 'zh-CN': '贵宾' } }, { apiName: 'first_visit', labels: { en: 'First visit', 'zh-CN': '初诊' } }] } },
        { op: 'createField', object: 'customer', field: { apiName: 'extra', labels: { en: 'Extra', 'zh-CN': '附加信息' }, type: 'json' } },
        ...layouts.map((l) => ({ op: 'upsertLayout', layout: { ...l, sections: l.sections.map((s, i) => (i === l.sections.length - 1 ? { ...s, fields: [...s.fields, ...added.map((fieldId) => ({ fieldId }))] } : s)) } })),
      ],
    });
    customerId = (await api<{ id: string }>(page, 'POST', '/records/customer', { first_name: '丽', last_name: '王' })).id;

    await open(`/o/customer/${customerId}/edit`);
    const bloodType = page.getByLabel('Blood type');
    expect(await bloodType.inputValue()).toBe('');
    await page.getByLabel('Email').fill('wang.li@example.cn');
    await save();
    const saved = await read();
    expect(saved['email']).toBe('wang.li@example.cn');
    expect(saved['blood_type']).toBeNull();

    // The same holds for a new record, while a picklist with a default still starts on it.
    await page.getByRole('link', { name: /^Customers$/ }).first().click();
    await settle(page);
    await page.locator('.page-header').getByRole('button', { name: 'New Customer' }).click();
    const dialog = page.locator('dialog[open]');
    await dialog.getByLabel('Last name').waitFor();
    expect(await dialog.getByLabel('Blood type').inputValue()).toBe('');
    expect(await dialog.getByLabel('Status').inputValue()).not.toBe('');
    await page.keyboard.press('Escape');
  });

  it('a multi-select picklist labels its boxes with the values’ labels, in Chinese too', async () => {
    await open(`/o/customer/${customerId}/edit`);
    await page.getByRole('checkbox', { name: 'VIP', exact: true }).check();
    await page.getByRole('checkbox', { name: 'First visit', exact: true }).check();
    await save();
    expect((await read())['tags']).toEqual(['vip', 'first_visit']);

    await open(`/o/customer/${customerId}/edit`, 'zh-CN');
    expect(await page.getByRole('checkbox', { name: '贵宾', exact: true }).isChecked()).toBe(true);
    expect(await page.getByRole('checkbox', { name: '初诊', exact: true }).isChecked()).toBe(true);
    expect(await page.getByRole('checkbox', { name: 'vip', exact: true }).count()).toBe(0);
  });

  it('a JSON field is edited as text on the record form and saved as JSON', async () => {
    await open(`/o/customer/${customerId}/edit`);
    const extra = page.getByLabel('Extra');
    expect(await extra.evaluate((el) => el.tagName)).toBe('TEXTAREA');
    await extra.fill('{"allergies": ["青霉素"], "weightKg": 58}');
    await save();
    expect((await read())['extra']).toEqual({ allergies: ['青霉素'], weightKg: 58 });
    await open(`/o/customer/${customerId}/edit`);
    expect(JSON.parse(await page.getByLabel('Extra').inputValue())).toEqual({ allergies: ['青霉素'], weightKg: 58 });
  });

  it('a form the browser refuses shows why on the field and logs no console error', async () => {
    consoleErrors.length = 0;
    await open('/o/customer');
    await page.locator('.page-header').getByRole('button', { name: 'New Customer' }).click();
    const dialog = page.locator('dialog[open]');
    await dialog.getByLabel('First name').fill('明');
    await dialog.getByLabel('Email').fill('ming@');
    await dialog.getByRole('button', { name: 'Save', exact: true }).click();
    await dialog.getByText('is required').waitFor();
    expect(await isFocused(dialog.getByLabel('Last name'))).toBe(true);
    expect(await dialog.getByLabel('First name').inputValue()).toBe('明');
    // What the value must be, as the server would say it, not that it is "not in the expected format".
    expect(await dialog.getByText('must be an email address').count()).toBe(1);
    expect(consoleErrors).toEqual([]);
    await page.keyboard.press('Escape');

    await open('/o/customer', 'zh-CN');
    await page.locator('.page-header').getByRole('button', { name: '新建客户' }).click();
    await page.locator('dialog[open]').getByLabel('电子邮件').fill('ming@');
    await page.locator('dialog[open]').getByRole('button', { name: '保存', exact: true }).click();
    await page.locator('dialog[open]').getByText('必须是电子邮件地址').waitFor();
    await page.keyboard.press('Escape');
  });
});

describe('dialogs from the keyboard', () => {
  it('a dialog starts in its first field, Enter submits it and focus goes back to what opened it', async () => {
    await open('/o/customer');
    const opener = page.getByRole('button', { name: 'Save view' });
    await opener.focus();
    await page.keyboard.press('Enter');
    const name = page.locator('dialog[open]').getByLabel('View name');
    await poll(() => isFocused(name)).toBe(true);
    await page.keyboard.type('Everyone');
    await page.keyboard.press('Enter');
    await page.locator('dialog[open]').waitFor({ state: 'detached' });
    await poll(() => isFocused(opener)).toBe(true);
    // The list says which view it shows, until it shows something else.
    const views = page.getByLabel('Saved views');
    await poll(() => views.evaluate((s: HTMLSelectElement) => s.selectedOptions[0]?.text)).toBe('Everyone');
    await page.getByRole('button', { name: 'Last name', exact: true }).click();
    await poll(() => views.evaluate((s: HTMLSelectElement) => s.selectedOptions[0]?.text)).toBe('Saved views…');
  });

  it('a confirmation starts on its action, and Escape gives focus back to the button that asked', async () => {
    await open(`/o/customer/${customerId}`);
    const remove = page.locator('.page-header').getByRole('button', { name: 'Delete' });
    await remove.click();
    const confirm = page.locator('dialog[open]').getByRole('button', { name: 'Delete' });
    await poll(() => isFocused(confirm)).toBe(true);
    await page.keyboard.press('Escape');
    await page.locator('dialog[open]').waitFor({ state: 'detached' });
    await poll(() => isFocused(remove)).toBe(true);
  });
});

describe('editing in place from the keyboard', () => {
  it('a list cell and a record field give focus back when their editor closes, saved or not', async () => {
    await open('/o/customer');
    const cell = page.getByRole('row', { name: /王丽/ }).locator('td[data-field=email]');
    await cell.focus();
    await page.keyboard.press('Enter');
    await page.keyboard.press('Escape');
    await poll(() => isFocused(cell)).toBe(true);
    await page.keyboard.press('Enter');
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type('li.wang@example.cn');
    await page.keyboard.press('Enter');
    await poll(() => cell.innerText()).toContain('li.wang@example.cn');
    await poll(() => isFocused(cell)).toBe(true);

    await open(`/o/customer/${customerId}`);
    const pencil = page.getByRole('button', { name: 'Edit Email' });
    await pencil.focus();
    await page.keyboard.press('Enter');
    await page.keyboard.press('Escape');
    await poll(() => isFocused(pencil)).toBe(true);
  });
});

describe('related lists', () => {
  it('“New Deal” on a customer’s page starts a deal for that customer and shows it there, without leaving the page', async () => {
    await open(`/o/customer/${customerId}`);
    const deals = page.getByRole('region', { name: 'Deals' });
    const start = deals.getByRole('button', { name: 'New Deal' });
    await start.click();
    const dialog = page.getByRole('dialog', { name: 'New Deal' });
    await dialog.getByRole('textbox', { name: 'Name', exact: true }).fill('王丽 — 年度计划');
    // The customer's name comes with its own request: waited for, not read at once.
    await poll(() => dialog.getByLabel('Customer').inputValue()).toBe('王丽');
    await dialog.getByRole('button', { name: 'Save', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    await deals.getByRole('link', { name: '王丽 — 年度计划' }).waitFor();
    expect(page.url()).toBe(`${ws.baseUrl}/o/customer/${customerId}`);
    await poll(() => isFocused(start)).toBe(true);
    const { data } = await api<{ data: { name: string; customer: unknown }[] }>(page, 'GET', `/records/deal?filter=${encodeURIComponent(JSON.stringify({ field: 'customer', op: 'eq', value: customerId }))}`);
    expect(data.map((d) => d.name)).toEqual(['王丽 — 年度计划']);
  });
});

describe('Setup: computed fields', () => {
  it('a formula and a roll-up summary are set up with named choices, not raw keys and ids, and the roll-up shows on the record', async () => {
    const unsupported = () => page.getByText(/Unsupported field schema|不支持/).count();
    await open('/setup/objects/customer/fields/new', 'zh-CN');
    await page.getByRole('combobox', { name: '类型', exact: true }).selectOption({ label: '汇总' });
    await page.getByLabel('汇总哪类记录').waitFor();
    const form = await page.locator('main').innerText();
    for (const raw of ['childObjectId', 'lookupFieldId', 'function', 'fieldId', 'resultType', 'rollup']) expect(form).not.toContain(raw);
    expect(await unsupported()).toBe(0);

    await open('/setup/objects/customer/fields/new');
    await page.getByLabel('English').first().fill('Open deals value');
    await page.getByRole('combobox', { name: 'Type', exact: true }).selectOption({ label: 'Formula' });
    await page.getByLabel('Result type').waitFor();
    expect(await page.getByLabel('Result type').locator('option').allTextContents()).toEqual(expect.arrayContaining(['Number', 'Text', 'Checkbox', 'Date']));
    expect(await unsupported()).toBe(0);

    await page.getByRole('combobox', { name: 'Type', exact: true }).selectOption({ label: 'Roll-up summary' });
    await page.getByLabel('Summarise the records of').selectOption({ label: 'Deals' });
    await page.getByLabel('Linked through').selectOption({ label: 'Customer' });
    await page.getByLabel('Summary').selectOption({ label: 'Sum' });
    await page.getByLabel('Field', { exact: true }).selectOption({ label: 'Amount' });
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.waitForURL(`${ws.baseUrl}/setup/objects/customer?tab=fields`);

    await api(page, 'POST', '/records/deal', { name: '王丽 — 续约', amount: 1200, customer: customerId });
    await open(`/o/customer/${customerId}`);
    const row = page.locator('.field-row[data-field=open_deals_value]');
    await poll(async () => {
      await page.reload();
      await settle(page);
      return row.locator('dd').innerText();
    }).toMatch(/1,200/);
  });
});

describe('Setup in Chinese', () => {
  it('the built-in profiles and permission sets are named in Chinese wherever they are offered', async () => {
    await open('/setup/users', 'zh-CN');
    const roles = page.getByRole('combobox', { name: /的角色$/ }).first();
    expect(await roles.locator('option').allTextContents()).toEqual(expect.arrayContaining(['管理员', '普通用户', '只读用户']));
    await open('/setup/access', 'zh-CN');
    expect(await page.locator('main').getByRole('combobox').first().locator('option').allTextContents()).toEqual(expect.arrayContaining([expect.stringMatching(/^只读用户/)]));
    await page.getByRole('tab', { name: '简档与用户' }).click();
    await page.getByRole('table', { name: '简档' }).waitFor();
    const main = await page.locator('main').innerText();
    expect(main).toContain('只读用户');
    for (const english of ['Read only', 'Standard user', 'Administrator']) expect(main).not.toContain(english);
  });
});

describe('finding one’s way', () => {
  it('a record that does not exist says so, offers the way back to its list and no retry', async () => {
    await open('/o/customer/01a2476a-7ae5-7000-9f3f-000000000000');
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').innerText()).toMatch(/not found/i);
    expect(await page.getByRole('button', { name: 'Try again' }).count()).toBe(0);
    await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Customers' }).click();
    await page.waitForURL(`${ws.baseUrl}/o/customer`);
    // In Chinese the reason is there too, in the server's Chinese words.
    await open('/o/customer/01a2476a-7ae5-7000-9f3f-000000000000', 'zh-CN');
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').innerText()).toMatch(/^未找到。找不到 id 为 01a2476a-7ae5-7000-9f3f-000000000000 的客户/);
  });

  it('a tab opened before a deploy still opens the next page: a page whose code is gone loads in full', async () => {
    await open('/o/customer');
    // The deploy: the record page's chunk of the build this tab runs is no longer on the server.
    const chunk = '**/assets/record-page-*.js';
    let refused = 0;
    await page.route(chunk, (route) => (refused++ === 0 ? route.fulfill({ status: 404, body: '' }) : route.continue()));
    try {
      await page.getByRole('link', { name: '王丽', exact: true }).click();
      await page.waitForURL(`${ws.baseUrl}/o/customer/${customerId}`);
      await poll(() => page.getByTestId('record-title').innerText()).toBe('王丽');
      expect(refused).toBeGreaterThan(1);
      expect(await page.getByText('Something went wrong.').count()).toBe(0);
    } finally {
      await page.unroute(chunk);
    }
  });

  it('a label before its value ends in the reader’s colon: a board column’s total in Chinese reads 金额：', async () => {
    await open('/o/deal?view=kanban', 'zh-CN');
    const column = page.getByTestId('column-total').first();
    await poll(() => column.innerText()).toMatch(/金额：US\$/);
    expect(await page.locator('main').innerText()).not.toContain('金额:');
  });

  it('the language menu names each language in its own words, whichever language the studio is in', async () => {
    for (const locale of ['en', 'zh-CN'] as const) {
      await open('/', locale);
      const menu = page.locator('.topbar').locator('select').last();
      expect(await menu.locator('option').allTextContents()).toEqual(['English', '简体中文']);
    }
  });

  it('the browser tab names the page, in the workspace’s words and the reader’s language', async () => {
    await api(page, 'PUT', '/metadata/terms/customer', { forms: { en: { singular: 'patient', plural: 'patients' }, 'zh-CN': { singular: '患者', measureWord: '位' } } });
    await open('/o/customer');
    await poll(() => page.title()).toBe('Patients | Protean');
    await page.getByRole('link', { name: '王丽' }).click();
    await poll(() => page.title()).toBe('王丽 | Patient | Protean');
    await open(`/o/customer/${customerId}`, 'zh-CN');
    await poll(() => page.title()).toBe('王丽 | 患者 | Protean');
    await open('/setup/terminology', 'zh-CN');
    await poll(() => page.title()).toBe('术语 | Protean');
  });
});

it('raised no script errors', () => {
  expect(pageErrors).toEqual([]);
});
