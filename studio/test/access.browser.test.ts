// Setup › Access and what the CRM hides from a limited user, in Chromium against the real server
// (ADR 0012), in English and Simplified Chinese.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { api, launchBrowser, objectNavLabels, settle, shot, signIn, startWorkspace, type TestBrowser, type Workspace } from './harness.ts';

let ws: Workspace;
let browser: TestBrowser;
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
    // The grid shows the chosen set once its grants have arrived; a click before that lands on the set shown before.
    await settle(admin);
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
    // Edit and Delete wait for the record's rights, asked after the record: absent until then whatever they say.
    await settle(page);
    expect(await page.getByText('4,242').count()).toBe(0);
    expect(await page.getByRole('button', { name: '删除' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: '编辑' }).count()).toBe(0);
    const offered = await objectNavLabels(page);
    expect(offered).toContain('商机');
    expect(offered).not.toContain('活动');
    await page.goto(`${ws.baseUrl}/o/deal`);
    await page.getByRole('link', { name: 'Seen deal' }).waitFor();
    expect(await page.getByRole('button', { name: /新建/ }).filter({ hasText: '商机' }).count()).toBe(0);
    await shot(page, '93-access-limited-user-zh');
    const refused = await page.request.fetch(`${ws.baseUrl}/api/v1/access/permission-sets`, { headers: { origin: ws.baseUrl } });
    expect(refused.status()).toBe(403);
    expect(pageErrors).toEqual([]);
  });

  it('a standard user sees no Edit, Delete, inline edit or bulk action for a record shared read-only, and all of them for its own', async () => {
    const password = 'standard-password-123';
    const rep = await api<{ id: string }>(admin, 'POST', '/users', { email: 'rita@example.com', name: 'Rita Rep', role: 'standard', password });
    await api(admin, 'PUT', '/access/sharing', { objects: { deal: 'private' } });
    const readOnly = await api<{ id: string }>(admin, 'POST', '/records/deal', { name: 'Shared to read', amount: 11 });
    const editable = await api<{ id: string }>(admin, 'POST', '/records/deal', { name: 'Shared to edit', amount: 12 });
    await api(admin, 'POST', `/records/deal/${readOnly.id}/shares`, { granteeKind: 'user', granteeId: rep.id, access: 'read' });
    await api(admin, 'POST', `/records/deal/${editable.id}/shares`, { granteeKind: 'user', granteeId: rep.id, access: 'edit' });

    for (const locale of ['en-US', 'zh-CN'] as const) {
      const en = locale === 'en-US';
      const say = { edit: en ? 'Edit' : '编辑', delete: en ? 'Delete' : '删除', amount: en ? 'Edit Amount' : '编辑金额' };
      const { context, page } = await newPage(locale);
      await signIn(page, { ...ws, email: 'rita@example.com', password });
      const own = await api<{ id: string }>(page, 'POST', '/records/deal', { name: `Rita’s own ${locale}`, amount: 13 });

      // The record page: a read-only share offers nothing to change; an edit share offers Edit but not Delete; one's own, both.
      const expectActions = async (id: string, title: string, edit: boolean, del: boolean) => {
        await page.goto(`${ws.baseUrl}/o/deal/${id}`);
        await page.getByTestId('record-title').getByText(title).waitFor();
        await settle(page);
        expect(await page.getByRole('link', { name: say.edit, exact: true }).count(), `${title}: Edit`).toBe(edit ? 1 : 0);
        expect(await page.getByRole('button', { name: say.delete, exact: true }).count(), `${title}: Delete`).toBe(del ? 1 : 0);
        expect(await page.getByRole('button', { name: say.amount }).count(), `${title}: inline edit of Amount`).toBe(edit ? 1 : 0);
      };
      await expectActions(readOnly.id, 'Shared to read', false, false);
      if (en) await shot(page, '94-access-read-only-share');
      await expectActions(editable.id, 'Shared to edit', true, false);
      await expectActions(own.id, `Rita’s own ${locale}`, true, true);

      // Opened by its address, the edit page of a read-only record says so instead of offering a form.
      await page.goto(`${ws.baseUrl}/o/deal/${readOnly.id}/edit`);
      await page.getByRole('alert').getByText(en ? 'You may read this deal but not change it.' : '您可以查看此商机，但不能修改。').waitFor();
      expect(await page.locator('.form-page form input').count()).toBe(0);

      // The list: no inline edit in the read-only row; bulk actions only for a selection that allows them.
      await page.goto(`${ws.baseUrl}/o/deal`);
      const grid = page.getByRole('table');
      await grid.getByRole('link', { name: 'Shared to read' }).waitFor();
      const row = (name: string) => grid.getByRole('row').filter({ has: page.getByRole('link', { name, exact: true }) });
      await expect.poll(() => row(`Rita’s own ${locale}`).locator('button.edit-pencil').count(), { timeout: 20_000 }).toBeGreaterThan(0);
      expect(await row('Shared to read').locator('button.edit-pencil').count()).toBe(0);
      expect(await row('Shared to edit').locator('button.edit-pencil').count()).toBeGreaterThan(0);
      await row('Shared to read').getByRole('checkbox').check();
      await row(`Rita’s own ${locale}`).getByRole('checkbox').check();
      const bar = page.getByRole('region', { name: en ? 'Bulk actions' : '批量操作' });
      await bar.getByText(en ? 'You may not change or delete all of the selected deals' : '您无权修改或删除所选的全部商机').waitFor();
      expect(await bar.getByRole('button', { name: en ? 'Edit selected' : '编辑所选' }).count()).toBe(0);
      expect(await bar.getByRole('button', { name: en ? 'Delete selected' : '删除所选' }).count()).toBe(0);
      if (en) await shot(page, '95-access-bulk-limited');
      await row('Shared to read').getByRole('checkbox').uncheck();
      await bar.getByRole('button', { name: en ? 'Edit selected' : '编辑所选' }).waitFor();
      await bar.getByRole('button', { name: en ? 'Delete selected' : '删除所选' }).waitFor();
      await context.close();
    }
    expect(pageErrors).toEqual([]);
  });

  it('a read-only user reads a customer’s timeline but is offered nothing to create (activity log, New in the top bar, palette and home page), which an admin is', async () => {
    const customer = await api<{ id: string }>(admin, 'POST', '/records/customer', { last_name: 'Timeline' });
    await api(admin, 'POST', '/users', { email: 'reader@example.com', name: 'Rhea Reader', role: 'read_only', password: 'reader-password-123' });
    const { context, page } = await newPage('en-US');
    await signIn(page, { ...ws, email: 'reader@example.com', password: 'reader-password-123' });
    await page.goto(`${ws.baseUrl}/o/customer/${customer.id}`);
    await page.getByTestId('record-title').getByText('Timeline').waitFor();
    await settle(page);
    expect(await page.getByRole('group', { name: 'Quick log' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Edit', exact: true }).count()).toBe(0);
    // Nothing to create anywhere: no New in the top bar, none in the command palette, none on the home page.
    expect(await page.locator('.topbar').getByRole('button', { name: 'Quick create' }).count()).toBe(0);
    await page.keyboard.press('Control+k');
    await page.getByRole('dialog').waitFor();
    expect(await page.getByRole('dialog').getByText(/^New /).count()).toBe(0);
    await page.keyboard.press('Escape');
    await page.goto(`${ws.baseUrl}/`);
    await settle(page);
    expect(await page.getByRole('main').getByRole('link', { name: /^New / }).count()).toBe(0);
    await context.close();
    await admin.goto(`${ws.baseUrl}/o/customer/${customer.id}`);
    await admin.getByRole('group', { name: 'Quick log' }).waitFor();
    await admin.locator('.topbar').getByRole('button', { name: 'Quick create' }).waitFor();
    expect(pageErrors).toEqual([]);
  });
});
