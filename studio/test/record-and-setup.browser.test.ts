// Record-page behaviour (stale edits, quick logging) and Setup pages (revisions, API keys,
// refused deletes, model changes made meanwhile) in Chromium against the real server.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { api, shot, signedInPage, type Workspace } from './harness.ts';

let ws: Workspace;
let page: Page;
const pageErrors: string[] = [];
signedInPage((session) => ({ ws, page } = session), pageErrors);

describe('record page and Setup in Chromium', () => {
  it('a stale inline edit tells the user, keeps their input and can still be saved', async () => {
    const deal = await api<{ id: string }>(page, 'POST', '/records/deal', { name: 'Contested deal', amount: 100 });
    await page.goto(`${ws.baseUrl}/o/deal/${deal.id}`);
    await page.getByRole('button', { name: 'Edit Amount', exact: true }).click();
    await page.locator('#inline-amount').fill('777');
    await api(page, 'PATCH', `/records/deal/${deal.id}`, { amount: 555 });
    await page.locator('#inline-amount').press('Enter');
    const notice = page.locator('[data-field=amount]').getByRole('alert');
    await notice.getByText(/Someone else saved this record/).waitFor();
    expect(await page.locator('#inline-amount').inputValue()).toBe('777');
    await notice.getByText('555.00').waitFor();
    await shot(page, '80-stale-edit');
    await notice.getByRole('button', { name: 'Save my version' }).click();
    await page.locator('[data-field=amount]').getByText('777.00').waitFor();
    expect((await api<{ amount: number }>(page, 'GET', `/records/deal/${deal.id}`)).amount).toBe(777);
  });

  it('logs a call from the record page and shows it on the activity timeline', async () => {
    const customer = await api<{ id: string }>(page, 'POST', '/records/customer', { first_name: 'Mei', last_name: 'Chen', email: 'mei@example.com' });
    await page.goto(`${ws.baseUrl}/o/customer/${customer.id}`);
    await page.getByRole('button', { name: 'Log Call' }).click();
    await page.getByRole('form', { name: 'Quick log' }).getByLabel('Subject').fill('Intro call');
    await page.getByRole('form', { name: 'Quick log' }).getByRole('button', { name: 'Save' }).click();
    await page.getByRole('complementary').getByRole('link', { name: 'Intro call' }).waitFor();
    const logged = await api<{ data: { type: string }[] }>(page, 'GET', `/records/activity?filter=${encodeURIComponent(JSON.stringify({ field: 'customer', op: 'eq', value: customer.id }))}`);
    expect(logged.data.map((a) => a.type)).toEqual(['call']);
    await shot(page, '81-timeline');
  });

  it('shows the diff between revisions and restores an earlier one', async () => {
    await api(page, 'POST', '/metadata/objects/deal/fields', { apiName: 'region', labels: { en: 'Region' }, type: 'text' });
    await page.goto(`${ws.baseUrl}/setup/revisions`);
    const diff = page.getByRole('region', { name: /Changes from revision/ });
    await diff.getByText('region').waitFor();
    // The server describes each change as a sentence in the tenant's words.
    expect(await diff.textContent()).toContain('Added Field Region of Deal');
    await shot(page, '82-revisions-diff');
    const rows = page.getByRole('table', { name: 'Revision history' }).locator('tbody tr');
    const previous = Number(await rows.nth(1).getAttribute('data-revision'));
    await page.getByRole('button', { name: `Restore revision ${previous}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Restore' }).click();
    await page.getByText(new RegExp(`Revision ${previous} restored`)).waitFor();
    const snapshot = await api<{ objects: { id: string; fields: { apiName: string; deletedAt?: string }[] }[] }>(page, 'GET', '/metadata/snapshot');
    const region = snapshot.objects.find((o) => o.id === 'deal')!.fields.find((f) => f.apiName === 'region');
    expect(region === undefined || region.deletedAt !== undefined).toBe(true);
  });

  it('refuses to delete an object that others look up and lists the dependents', async () => {
    await api(page, 'POST', '/metadata/objects', { apiName: 'site', labels: { en: { singular: 'Site', plural: 'Sites' } } });
    await api(page, 'POST', '/metadata/objects/deal/fields', { apiName: 'site', labels: { en: 'Site' }, type: 'lookup', lookup: { objectId: 'site', onDelete: 'setNull', relationshipName: 'deals' } });
    await page.goto(`${ws.baseUrl}/setup/objects`);
    await page.reload();
    await page.getByRole('button', { name: 'Delete object Site' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    const error = page.getByRole('alert').filter({ hasText: 'Used by' });
    await error.waitFor();
    expect(await error.textContent()).toContain('deal.site');
    await shot(page, '83-delete-refused');
  });

  it('creates an API key shown once, which works until it is revoked', async () => {
    await page.goto(`${ws.baseUrl}/setup/api-keys`);
    await page.getByLabel('Name').fill('CI key');
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = (await page.getByTestId('new-api-key').textContent())!.trim();
    expect(key.length).toBeGreaterThan(20);
    const me = await fetch(`${ws.baseUrl}/api/v1/auth/me`, { headers: { authorization: `Bearer ${key}` } });
    expect(me.status).toBe(200);
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Revoke CI key' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
    await page.getByText('Revoked', { exact: true }).waitFor();
    const after = await fetch(`${ws.baseUrl}/api/v1/auth/me`, { headers: { authorization: `Bearer ${key}` } });
    expect(after.status).toBe(401);
    await shot(page, '84-api-keys');
  });

  it('invites a user who can then sign in', async () => {
    await page.goto(`${ws.baseUrl}/setup/users`);
    await page.getByRole('button', { name: 'New user' }).click();
    const d = page.getByRole('dialog', { name: 'New user' });
    await d.getByLabel('Name').fill('Sam Standard');
    await d.getByLabel('Email').fill(`sam@${ws.tenant}.test`);
    await d.getByLabel('Initial password').fill('sam-password-123');
    await d.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('cell', { name: 'Sam Standard', exact: true }).waitFor();
    const login = await fetch(`${ws.baseUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenant: ws.tenant, email: `sam@${ws.tenant}.test`, password: 'sam-password-123' }),
    });
    expect(login.status).toBe(200);
    expect(pageErrors).toEqual([]);
  });
  it("names an object's own layout in the reader's language after the object's current name, until an admin names it", async () => {
    const layoutLink = (name: string) => page.getByRole('tabpanel').getByRole('link', { name, exact: true });
    await page.goto(`${ws.baseUrl}/setup/objects/organization?tab=layouts`);
    await layoutLink('Organization layout').waitFor();
    await page.evaluate(() => localStorage.setItem('protean.locale', 'zh-CN'));
    await page.reload();
    await layoutLink('组织布局').waitFor();
    await api(page, 'PUT', '/metadata/terms/organization', { forms: { en: { singular: 'clinic', plural: 'clinics' }, 'zh-CN': { singular: '诊所' } } });
    await page.reload();
    await layoutLink('诊所布局').click();
    await page.getByRole('heading', { name: '布局：诊所布局' }).waitFor();
    expect(await page.getByLabel('布局名称').inputValue()).toBe('诊所布局');
    await shot(page, '83-layout-name-zh');
    await page.evaluate(() => localStorage.setItem('protean.locale', 'en'));
    await page.reload();
    await page.getByRole('heading', { name: 'Layout: Clinic layout' }).waitFor();
    // A name the admin writes is theirs: it stays as written through the next rename, in both languages.
    await page.getByLabel('Layout name').fill('Front desk');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText(/Saved as revision/).waitFor();
    await api(page, 'DELETE', '/metadata/terms/organization');
    await page.goto(`${ws.baseUrl}/setup/objects/organization?tab=layouts`);
    await layoutLink('Front desk').waitFor();
    await page.evaluate(() => localStorage.setItem('protean.locale', 'zh-CN'));
    await page.reload();
    await layoutLink('Front desk').waitFor();
    await page.evaluate(() => localStorage.setItem('protean.locale', 'en'));
    expect(pageErrors).toEqual([]);
  });
  it('refuses a field saved in Setup after another administrator changed it, keeps their change, and saves on the latest version', async () => {
    await api(page, 'POST', '/metadata/objects/customer/fields', { apiName: 'nickname', labels: { en: 'Nickname' }, type: 'text' });
    const labelOf = async () => (await api<{ fields: { apiName: string; labels: { en: string } }[] }>(page, 'GET', '/metadata/objects/customer')).fields.find((f) => f.apiName === 'nickname')!.labels.en;
    await page.goto(`${ws.baseUrl}/setup/objects/customer/fields/nickname`);
    const label = page.locator('#field_labels_en');
    await label.fill('Studio nickname');
    await api(page, 'PATCH', '/metadata/objects/customer/fields/nickname', { labels: { en: 'Preferred name' } });
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    const refusal = page.getByRole('alert').filter({ hasText: 'someone changed it meanwhile' });
    await refusal.waitFor();
    expect(await refusal.textContent()).toContain('What you changed here is not kept');
    expect(await labelOf()).toBe('Preferred name');
    await refusal.getByRole('button', { name: 'Load the latest version' }).click();
    await page.waitForFunction(() => (document.getElementById('field_labels_en') as HTMLInputElement | null)?.value === 'Preferred name');
    expect(await refusal.count()).toBe(0);
    await label.fill('Called by');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText(/Saved as revision/).waitFor();
    expect(await labelOf()).toBe('Called by');
    expect(pageErrors).toEqual([]);
  });

  it('saves a layout twice in a row from one editor, each save building on the one before', async () => {
    const revisionNow = async () => (await api<{ revision: number }>(page, 'GET', '/metadata/snapshot')).revision;
    const layouts = (await api<{ layouts: { id: string; objectId: string }[] }>(page, 'GET', '/metadata/snapshot')).layouts;
    const layout = layouts.find((l) => l.objectId === 'deal')!;
    await page.goto(`${ws.baseUrl}/setup/objects/deal/layouts/${layout.id}`);
    const before = await revisionNow();
    await page.getByLabel('Layout name').fill('Deal desk');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText(`Saved as revision ${before + 1}`).waitFor();
    await page.getByLabel('Layout name').fill('Deal room');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText(`Saved as revision ${before + 2}`).waitFor();
    const saved = (await api<{ layouts: { id: string; name: string }[] }>(page, 'GET', '/metadata/snapshot')).layouts.find((l) => l.id === layout.id)!;
    expect(saved.name).toBe('Deal room');
    expect(pageErrors).toEqual([]);
  });
});
