// Saved views on the server, bulk delete into the recycle bin, global search and required-field
// names in Chromium against the real server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { api, launchBrowser, shot, signIn, startWorkspace, type TestBrowser, type Workspace } from './harness.ts';

let ws: Workspace;
let browser: TestBrowser;
let page: Page;
const pageErrors: string[] = [];

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'en-US' });
  const p = await context.newPage();
  p.on('pageerror', (e) => pageErrors.push(e.message));
  p.setDefaultTimeout(30_000);
  return p;
}

beforeAll(async () => {
  ws = await startWorkspace();
  browser = await launchBrowser();
  page = await newPage();
  await signIn(page, ws);
});

afterAll(async () => {
  await browser?.close();
  await ws?.stop();
});

/** The option labels of the list page's saved-view picker. */
async function viewOptions(p: Page): Promise<string[]> {
  return (await p.getByRole('combobox', { name: 'Saved views' }).locator('option').allTextContents()).map((s) => s.trim());
}

async function saveView(p: Page, name: string, shared: boolean) {
  await p.getByRole('button', { name: 'Save view' }).click();
  const d = p.getByRole('dialog', { name: 'Save view' });
  await d.getByLabel('View name').fill(name);
  if (shared) await d.getByLabel('Shared with the team').check();
  await d.getByRole('button', { name: 'Save', exact: true }).click();
  await d.waitFor({ state: 'hidden' });
}

describe('CRM support in Chromium', () => {
  it('a view the admin shares is visible to a standard user, a private one is not', async () => {
    await page.goto(`${ws.baseUrl}/o/deal?sort=-amount`);
    await page.getByRole('table', { name: 'Deals' }).waitFor();
    await saveView(page, 'Biggest deals', true);
    await saveView(page, 'Admin only deals', false);
    await expect.poll(() => viewOptions(page)).toEqual(expect.arrayContaining(['Biggest deals (shared)', 'Admin only deals']));

    const email = `sam@${ws.tenant}.test`;
    await api(page, 'POST', '/users', { email, name: 'Sam Standard', role: 'standard', password: 'sam-password-123' });
    const sam = await newPage();
    await signIn(sam, { ...ws, email, password: 'sam-password-123' });
    await sam.goto(`${ws.baseUrl}/o/deal`);
    await expect.poll(() => viewOptions(sam), { timeout: 20_000 }).toContain('Biggest deals (shared)');
    expect(await viewOptions(sam)).not.toContain('Admin only deals');

    await sam.getByRole('combobox', { name: 'Saved views' }).selectOption({ label: 'Biggest deals (shared)' });
    await expect.poll(() => new URL(sam.url()).searchParams.get('sort')).toBe('-amount');

    // Only admins are offered sharing; a standard user's view stays theirs.
    await sam.getByRole('button', { name: 'Save view' }).click();
    const d = sam.getByRole('dialog', { name: 'Save view' });
    await d.getByLabel('View name').waitFor();
    expect(await d.getByLabel('Shared with the team').count()).toBe(0);
    await d.getByRole('button', { name: 'Cancel' }).click();
    await shot(sam, '90-shared-view-standard-user');
    await sam.context().close();
  });

  it('bulk delete sends one batch and lands the selected rows in the recycle bin', async () => {
    await api(page, 'POST', '/records/deal/batch', {
      operations: ['Bin A', 'Bin B', 'Bin C'].map((name) => ({ op: 'create', data: { name, amount: 10 } })),
    });
    const filter = JSON.stringify({ field: 'name', op: 'startsWith', value: 'Bin ' });
    await page.goto(`${ws.baseUrl}/o/deal?filter=${encodeURIComponent(filter)}`);
    await page.getByLabel('Select Bin A').check();
    await page.getByLabel('Select Bin B').check();

    const writes: string[] = [];
    const onRequest = (r: { method(): string; url(): string }) => {
      if (r.method() !== 'GET' && r.url().includes('/api/v1/records/')) writes.push(`${r.method()} ${new URL(r.url()).pathname}`);
    };
    page.on('request', onRequest);
    await page.getByRole('button', { name: 'Delete selected' }).click();
    await page.getByRole('dialog', { name: 'Delete selected' }).getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByText('2 records moved to the recycle bin').waitFor();
    page.off('request', onRequest);
    expect(writes).toEqual(['POST /api/v1/records/deal/batch']);
    await expect.poll(() => page.getByRole('table', { name: 'Deals' }).getByRole('row').count()).toBe(2);

    await page.goto(`${ws.baseUrl}/recycle-bin`);
    const bin = page.getByRole('table', { name: 'Recycle bin' });
    await bin.getByRole('cell', { name: 'Bin A', exact: true }).waitFor();
    await bin.getByRole('cell', { name: 'Bin B', exact: true }).waitFor();
    expect(await bin.getByRole('cell', { name: 'Bin C', exact: true }).count()).toBe(0);
    await shot(page, '91-recycle-bin-after-bulk-delete');
  });

  it('the recycle bin loads further pages over the cursor', async () => {
    const created = await api<{ results: { id: string }[] }>(page, 'POST', '/records/deal/batch', {
      operations: Array.from({ length: 60 }, (_, i) => ({ op: 'create', data: { name: `Old deal ${i + 1}` } })),
    });
    await api(page, 'POST', '/records/deal/batch', { operations: created.results.map((r) => ({ op: 'delete', id: r.id })) });
    await page.goto(`${ws.baseUrl}/recycle-bin`);
    const rows = page.getByRole('table', { name: 'Recycle bin' }).getByRole('row');
    await expect.poll(() => rows.count()).toBe(51);
    await page.getByRole('button', { name: 'Load more' }).click();
    await expect.poll(() => rows.count()).toBe(63);
    expect(await page.getByRole('button', { name: 'Load more' }).count()).toBe(0);
  });

  it('global search finds a customer by the start of their email', async () => {
    await api(page, 'POST', '/records/customer', { first_name: 'Lin', last_name: 'Wu', email: 'lin.wu@findme.test' });
    await page.goto(`${ws.baseUrl}/`);
    const search = page.getByRole('searchbox', { name: 'Search records' });
    await search.fill('lin.wu@find');
    await search.press('Enter');
    await page.waitForURL(/\/search\?q=/);
    const results = page.getByRole('region', { name: 'Customers' });
    await results.getByRole('link').first().waitFor();
    expect(await results.textContent()).toContain('lin.wu@findme.test');
    await shot(page, '92-search-by-email');
  });

  it('a required field is named without its asterisk and announced as required', async () => {
    await page.goto(`${ws.baseUrl}/o/deal/new`);
    const name = page.getByRole('textbox', { name: 'Name', exact: true });
    await name.waitFor();
    expect(await name.getAttribute('aria-required')).toBe('true');
    expect(pageErrors).toEqual([]);
  });
});
