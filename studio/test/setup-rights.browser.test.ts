// Setup as far as a user's rights go, and record buttons as far as the record allows, in Chromium
// against the real server (ADR 0012, addendum): a user who may only rename terms reaches
// Terminology and no other Setup section; a read-only user is offered no Edit, no Delete and no
// action or workflow that would write on the record, and still the ones that only read it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { api, launchBrowser, settle, shot, signIn, startWorkspace, type TestBrowser, type Workspace } from './harness.ts';

let ws: Workspace;
let browser: TestBrowser;
let admin: Page;
const pageErrors: string[] = [];

/** Every Setup section of the navigation, by its English name. */
const SECTIONS = ['Objects', 'Navigation', 'Workspace', 'Terminology', 'Revision history', 'Users', 'Access', 'API keys', 'Sessions', 'Webhooks', 'Scripts', 'Workflows', 'API docs'];

async function newPage(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'en-US' });
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.setDefaultTimeout(30_000);
  return { context, page };
}

/** A new user of `profile`, signed in on a page of their own. */
async function signedInAs(profile: string, email: string, password: string): Promise<{ context: BrowserContext; page: Page }> {
  await api(admin, 'POST', '/users', { email, name: email.split('@')[0], role: profile, password });
  const opened = await newPage();
  await signIn(opened.page, { ...ws, email, password });
  return opened;
}

/** A profile whose one permission set reads every object and holds the given Setup rights. */
async function profileWith(key: string, name: string, setup: Record<string, boolean>): Promise<void> {
  const set = await api<{ id: string }>(admin, 'POST', '/access/permission-sets', { key, name, grants: { objects: { '*': { read: true } }, fields: {}, setup } });
  await api(admin, 'POST', '/access/profiles', { key, name, permissionSetIds: [set.id] });
}

beforeAll(async () => {
  ws = await startWorkspace();
  browser = await launchBrowser();
  admin = (await newPage()).page;
  await signIn(admin, ws);
});

afterAll(async () => {
  await browser?.close();
  await ws?.stop();
});

describe('Setup per right', () => {
  it('a designer is offered for a script only the profiles they may give, and the script acts as the one chosen', async () => {
    await profileWith('designer', 'Designer', { model: true });
    const { context, page } = await signedInAs('designer', 'designer@example.com', 'designer-password-1');
    await page.goto(`${ws.baseUrl}/setup/scripts/new`);
    await page.getByRole('heading', { name: 'New script', level: 1 }).waitFor();
    await settle(page);
    const settings = page.locator('.script-settings');
    const profile = settings.getByLabel('Acts as profile');
    // The administrator's and the standard user's profiles grant more than reading: shown, not offered.
    expect(await profile.locator('option[value="admin"]').isDisabled()).toBe(true);
    expect(await profile.locator('option[value="standard"]').isDisabled()).toBe(true);
    expect(await profile.locator('option[value="designer"]').isDisabled()).toBe(false);
    await settings.getByLabel('Label', { exact: true }).fill('Read deals');
    await settings.getByLabel('API name').fill('read_deals');
    await profile.selectOption('designer');
    await page.getByTestId('script-save').click();
    await page.getByText('Saved as version 1').waitFor();
    await page.waitForURL(/\/setup\/scripts\/read_deals$/);
    expect((await api<{ profile: string }>(admin, 'GET', '/scripts/read_deals')).profile).toBe('designer');
    await context.close();
    expect(pageErrors).toEqual([]);
  });


  it('a user who may only rename terms reaches Terminology, and no other Setup section by link, palette or address', async () => {
    await profileWith('wordsmith', 'Wordsmith', { terms: true });
    const { context, page } = await signedInAs('wordsmith', 'wordsmith@example.com', 'wordsmith-password-1');

    // The top bar's Setup opens the one section of the right the user holds.
    await page.locator('.topbar').getByRole('link', { name: 'Setup', exact: true }).click();
    await page.waitForURL(/\/setup\/terminology$/);
    await page.getByRole('heading', { name: 'Terminology', level: 1 }).waitFor();
    const nav = page.getByRole('navigation', { name: 'Setup' });
    await nav.getByRole('link', { name: 'Terminology' }).waitFor();
    const shown = await nav.getByRole('link').allTextContents();
    expect(shown).toEqual(['Terminology', 'API keys', 'Sessions', 'API docs']);
    expect(SECTIONS.filter((s) => !shown.includes(s))).toEqual(['Objects', 'Navigation', 'Workspace', 'Revision history', 'Users', 'Access', 'Webhooks', 'Scripts', 'Workflows']);
    await shot(page, '96-setup-terms-only');

    // The glossary's words are the user's to change, and the change is saved.
    await page.getByLabel('Search terms').fill('organ');
    await page.getByRole('button', { name: 'Edit the term organization' }).click();
    const editor = page.locator('.term-editor');
    await editor.getByLabel('Singular').first().fill('practice');
    await editor.getByLabel('Plural', { exact: true }).first().fill('practices');
    await editor.getByRole('button', { name: 'Save' }).click();
    await page.getByText(/Saved as revision/).waitFor();
    const terms = await api<{ key: string; forms: { en: { singular: string } } }[]>(page, 'GET', '/metadata/terms');
    expect(terms.find((t) => t.key === 'organization')!.forms.en.singular).toBe('practice');

    // The palette offers the same sections and each term, and no object of the model.
    await page.keyboard.press('Control+k');
    const palette = page.getByRole('dialog');
    await palette.getByRole('combobox').fill('Setup:');
    const offered = async () => (await palette.locator('.palette-label').allTextContents()).filter((l) => l.startsWith('Setup: '));
    // The terms come with the model the page reloads after the save's toast: waited for, not read at once.
    await expect.poll(offered, { timeout: 10_000 }).toContain('Setup: Terminology › Practice');
    expect((await offered()).filter((l) => !l.startsWith('Setup: Terminology ›'))).toEqual(['Setup: Terminology', 'Setup: API keys', 'Setup: Sessions', 'Setup: API docs']);
    await page.keyboard.press('Escape');

    // By address: Setup itself opens Terminology; another section says no and asks the server nothing.
    await page.goto(`${ws.baseUrl}/setup`);
    await page.waitForURL(/\/setup\/terminology$/);
    const refusals: string[] = [];
    page.on('response', (r) => {
      if (r.status() === 403) refusals.push(r.url());
    });
    for (const path of ['/setup/users', '/setup/objects', '/setup/workflows']) {
      await page.goto(`${ws.baseUrl}${path}`);
      await page.getByRole('alert').getByText('You do not have permission to do this.').waitFor();
    }
    expect(refusals).toEqual([]);
    await context.close();

    // The administrator sees every section.
    await admin.goto(`${ws.baseUrl}/setup/objects`);
    const all = admin.getByRole('navigation', { name: 'Setup' });
    await all.getByRole('link', { name: 'Workflows' }).waitFor();
    expect(await all.getByRole('link').allTextContents()).toEqual(SECTIONS);
    expect(pageErrors).toEqual([]);
  });
});

describe('workspace settings', () => {
  it("an administrator sets the workspace's currency, language, time zone and how long the recycle bin keeps records", async () => {
    await admin.goto(`${ws.baseUrl}/setup/workspace`);
    await admin.getByRole('heading', { name: 'Workspace', level: 1 }).waitFor();
    const zone = admin.getByLabel('Time zone');
    expect(await zone.inputValue()).toBe('UTC');
    await zone.selectOption('Asia/Shanghai');
    await admin.getByLabel('Currency').selectOption('CNY');
    await admin.getByLabel('Days the recycle bin keeps deleted records').fill('45');
    const language = admin.getByLabel('Language of the workspace');
    expect(await language.locator('option').allTextContents()).toEqual(['English', '简体中文']);
    await language.selectOption({ label: '简体中文' });
    await admin.getByRole('button', { name: 'Save' }).click();
    await admin.getByText('Workspace settings saved').waitFor();
    expect(await api(admin, 'GET', '/workspace/settings')).toEqual({ currency: 'CNY', locale: 'zh-CN', recycleRetentionDays: 45, timeZone: 'Asia/Shanghai' });
    await shot(admin, '98-setup-workspace');
    await admin.reload();
    await admin.getByRole('heading', { name: 'Workspace', level: 1 }).waitFor();
    expect(await admin.getByLabel('Time zone').inputValue()).toBe('Asia/Shanghai');
    expect(await admin.getByLabel('Language of the workspace').inputValue()).toBe('zh-CN');
    expect(await admin.getByRole('button', { name: 'Save' }).isDisabled()).toBe(true);
    await api(admin, 'PATCH', '/workspace/settings', { currency: 'USD', locale: 'en', recycleRetentionDays: 30, timeZone: 'UTC' });
    expect(pageErrors).toEqual([]);
  });
});

describe('Setup per right, for people', () => {
  it('a user manager reaches Users alone, and is offered no one to make or change who would hold more', async () => {
    await profileWith('people', 'People', { users: true });
    await profileWith('designers', 'Designers', { model: true });
    await api(admin, 'POST', '/users', { email: 'dora@example.com', name: 'Dora Designer', role: 'designers', password: 'designer-password-12' });
    const { context, page } = await signedInAs('people', 'people@example.com', 'people-password-12');
    await page.locator('.topbar').getByRole('link', { name: 'Setup', exact: true }).click();
    await page.waitForURL(/\/setup\/users$/);
    const nav = page.getByRole('navigation', { name: 'Setup' });
    await nav.getByRole('link', { name: 'Users' }).waitFor();
    expect(await nav.getByRole('link').allTextContents()).toEqual(['Users', 'API keys', 'Sessions', 'API docs']);
    // The administrator's row cannot be changed from here, and no one can be made one.
    const adminRow = page.getByRole('row').filter({ hasText: ws.email });
    expect(await adminRow.getByRole('combobox').isDisabled()).toBe(true);
    expect(await adminRow.getByRole('button').isDisabled()).toBe(true);
    // Nor a user who holds a right the manager does not (the server says so per user and per profile).
    const designerRow = page.getByRole('row').filter({ hasText: 'dora@example.com' });
    expect(await designerRow.getByRole('combobox').isDisabled()).toBe(true);
    const ownRow = page.getByRole('row').filter({ hasText: 'people@example.com' });
    expect(await ownRow.getByRole('button').isDisabled()).toBe(false);
    await page.getByRole('button', { name: 'New user' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('option[value="designers"]').waitFor({ state: 'attached' });
    expect(await dialog.locator('option[value="admin"]').isDisabled()).toBe(true);
    expect(await dialog.locator('option[value="designers"]').isDisabled()).toBe(true);
    expect(await dialog.locator('option[value="people"]').isDisabled()).toBe(false);
    expect(await dialog.locator('option[value="designers"]').textContent()).toBe('Designers');
    await context.close();
    expect(pageErrors).toEqual([]);
  });
});

describe('record buttons per record', () => {
  it('a read-only user sees no Edit, Delete, nor any action or workflow that would write on the record, and the ones that only read it', async () => {
    const workflow = async (apiName: string, label: string, step: Record<string, unknown>) => {
      await api(admin, 'POST', '/workflows', { apiName, label, definition: { trigger: { type: 'manual', object: 'deal' }, start: 's', steps: [{ id: 's', ...step }] } });
      await api(admin, 'POST', `/workflows/${apiName}/activate`);
    };
    await workflow('mark_won', 'Mark won', { type: 'updateRecord', config: { values: { name: 'Won' } } });
    await workflow('tell_owner', 'Tell the owner', { type: 'notify', config: { message: 'Look at this deal' } });
    const action = (apiName: string, label: string, extra: Record<string, unknown> = {}) =>
      api(admin, 'POST', '/scripts', { apiName, label, kind: 'action', object: 'deal', language: 'javascript', source: 'export default () => 1;', ...extra });
    await action('close_deal', 'Close deal');
    await action('print_deal', 'Print deal', { limits: { recordsWritten: 0 } });
    const deal = await api<{ id: string }>(admin, 'POST', '/records/deal', { name: 'Buttoned deal', amount: 77 });
    const writing = ['action-close_deal', 'workflow-mark_won'];
    const reading = ['action-print_deal', 'workflow-tell_owner'];

    // The administrator may change the deal: every button, Edit and Delete.
    await admin.goto(`${ws.baseUrl}/o/deal/${deal.id}`);
    await admin.getByTestId('record-title').getByText('Buttoned deal').waitFor();
    for (const id of [...writing, ...reading]) await admin.getByTestId(id).waitFor();
    await admin.getByRole('link', { name: 'Edit', exact: true }).waitFor();

    const { context, page } = await signedInAs('read_only', 'reader@example.com', 'reader-password-123');
    await page.goto(`${ws.baseUrl}/o/deal/${deal.id}`);
    await page.getByTestId('record-title').getByText('Buttoned deal').waitFor();
    for (const id of reading) await page.getByTestId(id).waitFor();
    await settle(page);
    for (const id of writing) expect(await page.getByTestId(id).count(), id).toBe(0);
    expect(await page.getByRole('link', { name: 'Edit', exact: true }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Delete', exact: true }).count()).toBe(0);
    expect(await page.locator('button.edit-pencil').count()).toBe(0);
    await shot(page, '97-record-buttons-read-only');

    // What is offered works: the workflow that only tells the owner starts.
    await page.getByTestId('workflow-tell_owner').click();
    await page.getByText('Started “Tell the owner”').waitFor();

    // In the list, a selection offers only what reads the records too.
    await page.goto(`${ws.baseUrl}/o/deal`);
    const row = page.getByRole('table').getByRole('row').filter({ has: page.getByRole('link', { name: 'Buttoned deal', exact: true }) });
    await row.getByRole('checkbox').check();
    const bar = page.getByRole('region', { name: 'Bulk actions' });
    await bar.getByTestId('workflow-tell_owner').waitFor();
    expect(await bar.getByTestId('workflow-mark_won').count()).toBe(0);
    await context.close();
    expect(pageErrors).toEqual([]);
  });
});
