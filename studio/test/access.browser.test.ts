// Setup › Access and what the CRM hides from a limited user, in Chromium against the real server
// (ADR 0012), in English and Simplified Chinese.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { api, launchBrowser, shot, signIn, startWorkspace, type Workspace } from './harness.ts';

let ws: Workspace;
let browser: Browser;
let admin: Page;
const pageErrors: string[] = [];

async function newPage(locale: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale });
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.setDefaultTimeout(30_000);
  return { context, page };
}

beforeAll(async () => {
  ws = await startWorkspace();
  browser = await launchBrowser();
  admin = (await newPage('en-US')).page;
  await signIn(admin, ws);
});

afterAll(async () => {
  await browser?.close();
  await ws?.stop();
});

describe('Setup › Access', () => {
  it('edits a copied permission set in the object and field grids, builds a role under another and explains access', async () => {
    await admin.goto(`${ws.baseUrl}/setup/access`);
    await admin.getByRole('heading', { name: 'Access', level: 1 }).waitFor();
    const grid = admin.getByRole('table', { name: 'Objects' });
    await grid.getByRole('checkbox', { name: 'Deals: Modify all' }).waitFor();
    expect(await grid.getByRole('checkbox', { name: 'Deals: Modify all' }).isDisabled()).toBe(true);

    admin.once('dialog', (d) => void d.accept('Sales user'));
    await admin.getByRole('button', { name: 'Copy' }).click();
    await admin.getByRole('combobox', { name: 'Permission set' }).locator('option', { hasText: 'Sales user' }).waitFor({ state: 'attached' });
    await admin.getByRole('combobox', { name: 'Permission set' }).selectOption({ label: 'Sales user' });
    await grid.getByRole('checkbox', { name: 'Activities: Read' }).uncheck();
    // Without read no other right holds, and the grid says so.
    expect(await grid.getByRole('checkbox', { name: 'Activities: Edit' }).isChecked()).toBe(false);
    await admin.getByRole('combobox', { name: 'Object', exact: true }).first().selectOption({ label: 'Deals' });
    await admin.getByRole('combobox', { name: 'Access to Amount' }).selectOption('none');
    await admin.getByRole('button', { name: 'Save' }).click();
    await admin.getByText('Saved').first().waitFor();
    const sets = await api<{ name: string; grants: { objects: Record<string, { read?: boolean }>; fields: Record<string, Record<string, string>> } }[]>(admin, 'GET', '/access/permission-sets');
    const sales = sets.find((s) => s.name === 'Sales user')!;
    expect(sales.grants.objects['activity']).toMatchObject({ read: false, edit: false, create: false, delete: false });
    expect(sales.grants.fields['deal']?.['amount']).toBe('none');
    await shot(admin, '90-access-permission-sets');

    await admin.getByRole('tab', { name: 'Roles' }).click();
    await admin.getByRole('textbox', { name: 'Role name' }).fill('Sales director');
    await admin.getByRole('button', { name: 'New role' }).click();
    await admin.getByRole('list', { name: 'Roles' }).getByText('Sales director').waitFor();
    await admin.getByRole('textbox', { name: 'Role name' }).fill('Account executive');
    await admin.getByRole('combobox', { name: 'Reports to' }).selectOption({ label: 'Sales director' });
    await admin.getByRole('button', { name: 'New role' }).click();
    await admin.getByRole('list', { name: 'Roles' }).getByText('Account executive').waitFor();
    const roles = await api<{ name: string; path: string[] }[]>(admin, 'GET', '/access/roles');
    expect(roles.find((r) => r.name === 'Account executive')!.path).toHaveLength(2);

    await admin.getByRole('tab', { name: 'Sharing' }).click();
    await admin.getByRole('combobox', { name: 'Default access to Deals' }).selectOption('private');
    await admin.getByText('Saved').first().waitFor();
    expect((await api<{ objects: Record<string, string> }>(admin, 'GET', '/access/sharing')).objects['deal']).toBe('private');
    await shot(admin, '91-access-sharing');

    const deal = await api<{ id: string }>(admin, 'POST', '/records/deal', { name: 'Explained deal', amount: 10 });
    const users = await api<{ id: string; name: string }[]>(admin, 'GET', '/access/users');
    await admin.getByRole('tab', { name: 'Explain access' }).click();
    const form = admin.getByRole('form', { name: 'Explain access' });
    await form.getByRole('combobox', { name: 'User' }).selectOption(users[0]!.id);
    await form.getByRole('combobox', { name: 'Object' }).selectOption('deal');
    await form.getByRole('textbox', { name: 'Record id' }).fill(deal.id);
    await form.getByRole('button', { name: 'Explain' }).click();
    await admin.getByTestId('explain-because').getByText(/owns the record|view all/).first().waitFor();
    await shot(admin, '92-access-explain');

    await admin.getByRole('tab', { name: 'Audit trail' }).click();
    await admin.getByRole('table', { name: 'Audit trail' }).getByText('sharing.defaults').first().waitFor();
    expect(pageErrors).toEqual([]);
  });

  it('a limited user sees neither the hidden object nor the hidden field, no New or Delete where it may not, and Setup › Access says no in Chinese too', async () => {
    const limited = await api<{ id: string }>(admin, 'POST', '/access/permission-sets', {
      key: 'viewer_plus',
      name: 'Viewer plus',
      grants: { objects: { '*': { read: true }, customer: { read: true, edit: true }, activity: {} }, fields: { deal: { amount: 'none' } }, setup: {} },
    });
    await api(admin, 'POST', '/access/profiles', { key: 'viewer_plus', name: 'Viewer plus', permissionSetIds: [limited.id] });
    const password = 'viewer-password-123';
    await api(admin, 'POST', '/users', { email: 'viewer@example.com', name: 'Vera Viewer', role: 'viewer_plus', password });
    await api(admin, 'PUT', '/access/sharing', { objects: { deal: 'read' } });
    const deal = await api<{ id: string }>(admin, 'POST', '/records/deal', { name: 'Seen deal', amount: 4242 });

    const { page } = await newPage('zh-CN');
    await signIn(page, { ...ws, email: 'viewer@example.com', password });
    await page.goto(`${ws.baseUrl}/o/deal/${deal.id}`);
    await page.getByTestId('record-title').getByText('Seen deal').waitFor();
    expect(await page.getByText('4,242').count()).toBe(0);
    expect(await page.getByRole('button', { name: '删除' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: '编辑' }).count()).toBe(0);
    expect(await page.getByRole('navigation').getByRole('link', { name: '活动' }).count()).toBe(0);
    await page.goto(`${ws.baseUrl}/o/deal`);
    await page.getByRole('link', { name: 'Seen deal' }).waitFor();
    expect(await page.getByRole('button', { name: /新建/ }).filter({ hasText: '商机' }).count()).toBe(0);
    await shot(page, '93-access-limited-user-zh');
    const refused = await page.request.fetch(`${ws.baseUrl}/api/v1/access/permission-sets`, { headers: { origin: ws.baseUrl } });
    expect(refused.status()).toBe(403);
    expect(pageErrors).toEqual([]);
  });
});
