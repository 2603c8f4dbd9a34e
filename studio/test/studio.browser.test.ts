// The studio in a real browser against the real server: Debian's Chromium via playwright-core.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { api, launchBrowser, objectNavLink, settle, shot, signIn, startWorkspace, type TestBrowser, type Workspace } from './harness.ts';

let ws: Workspace;
let browser: TestBrowser;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  ws = await startWorkspace();
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'en-US' });
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.setDefaultTimeout(30_000);
});

afterAll(async () => {
  await browser?.close();
  await ws?.stop();
});

/** An rjsf field by its label; required labels carry a trailing asterisk. */
function field(scope: Page | ReturnType<Page['locator']>, label: string) {
  return scope.getByLabel(new RegExp(`^${label}\\s*\\*?$`));
}

describe('studio in Chromium', () => {
  it('signs in and shows the user and the workspace', async () => {
    await page.goto(`${ws.baseUrl}/`);
    await shot(page, '01-login');
    await signIn(page, ws);
    await expect.poll(() => page.getByTestId('user-name').textContent(), { timeout: 20_000 }).toBe(ws.adminName);
    expect(await page.getByTestId('tenant-name').textContent()).toBeTruthy();
    await page.getByRole('navigation', { name: 'Objects' }).getByRole('link').first().waitFor();
    await shot(page, '02-first-list');
  });

  it('creates a custom object with five field types and adds it to the navigation', async () => {
    await page.goto(`${ws.baseUrl}/setup/objects`);
    await page.getByRole('button', { name: 'New object', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'New object' });
    await dialog.locator('#object_labels_en_singular').fill('Project');
    await dialog.locator('#object_labels_en_plural').fill('Projects');
    await dialog.locator('#object_labels_zh-CN_singular').fill('项目');
    await dialog.locator('#object_labels_zh-CN_plural').fill('项目');
    expect(await dialog.locator('#object_apiName').inputValue()).toBe('project');
    await dialog.getByRole('button', { name: 'Create', exact: true }).click();
    await page.waitForURL(/\/setup\/objects\/project/);

    const addField = async (en: string, zh: string, type: string, extra?: () => Promise<void>) => {
      await page.getByRole('link', { name: 'New field' }).click();
      await page.locator('#field_type').selectOption({ label: type });
      await page.locator('#field_labels_en').fill(en);
      await page.locator('#field_labels_zh-CN').fill(zh);
      if (extra) await extra();
      await page.getByRole('button', { name: 'Create', exact: true }).click();
      await page.waitForURL(/tab=fields/);
      await page.getByRole('table', { name: 'Fields' }).getByRole('link', { name: en, exact: true }).waitFor();
    };
    await addField('Code', '编号', 'Text', async () => {
      await page.getByLabel('Unique').check();
    });
    await addField('Budget', '预算', 'Currency');
    await addField('Start date', '开始日期', 'Date');
    await addField('Approved', '已批准', 'Checkbox');
    await addField('Phase', '阶段', 'Picklist', async () => {
      for (const [en, zh] of [['Plan', '计划'], ['Build', '建设'], ['Done', '完成']] as const) {
        await page.getByRole('button', { name: '+ Add value' }).click();
        const d = page.getByRole('dialog', { name: 'Add value' });
        await d.locator('#value_labels_en').fill(en);
        await d.locator('#value_labels_zh-CN').fill(zh);
        await d.getByRole('button', { name: 'Done', exact: true }).click();
        await d.waitFor({ state: 'detached' });
      }
    });
    await shot(page, '10-setup-fields');

    await page.getByRole('link', { name: 'Navigation' }).click();
    await page.getByLabel('Show Projects in navigation').check();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('navigation', { name: 'Setup' }).waitFor();
    await page.getByRole('link', { name: '← Back to the CRM' }).click();
    await (await objectNavLink(page, 'Projects')).waitFor();
    await shot(page, '11-setup-navigation-result');
  });

  it('creates, edits, filters and deletes a record', async () => {
    await (await objectNavLink(page, 'Projects')).click();
    // The empty list offers the first record beside the page's own button; the object made a moment
    // ago in Setup grants its rights at once, so both show.
    const newButtons = page.getByRole('button', { name: 'New Project', exact: true });
    await expect.poll(() => newButtons.count(), { timeout: 20_000 }).toBe(2);
    await page.locator('.empty-state').getByRole('button', { name: 'New Project', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'New Project' });
    await field(dialog, 'Name').fill('Alpha');
    await field(dialog, 'Code').fill('A-1');
    await field(dialog, 'Budget').fill('1000');
    await field(dialog, 'Phase').selectOption({ label: 'Plan' });
    await dialog.getByRole('button', { name: 'Save', exact: true }).click();
    await page.waitForURL(/\/o\/project\/[0-9a-f-]{36}$/);
    await expect.poll(() => page.getByTestId('record-title').textContent(), { timeout: 20_000 }).toBe('Alpha');

    // inline edit with If-Match
    await page.getByRole('button', { name: 'Edit Budget', exact: true }).click();
    await page.locator('#inline-budget').fill('2500');
    await page.locator('#inline-budget').press('Enter');
    await page.locator('[data-field=budget]').getByText('2,500.00').waitFor();
    await shot(page, '20-record-page');

    await api(page, 'POST', '/records/project', { name: 'Beta', code: 'B-1', phase: 'build' });
    await (await objectNavLink(page, 'Projects')).click();
    await expect.poll(() => page.getByTestId('list-count').textContent(), { timeout: 20_000 }).toBe('2 records');

    await page.getByRole('button', { name: 'Filters', exact: true }).click();
    await page.getByRole('button', { name: '+ Add condition' }).click();
    const row = page.getByRole('group', { name: 'Condition 1' });
    await row.getByLabel('Field').selectOption({ label: 'Name' });
    await row.getByLabel('Operator').selectOption({ label: 'contains' });
    await row.getByLabel('Value').fill('Alp');
    await page.getByRole('button', { name: 'Apply', exact: true }).click();
    await expect.poll(() => page.getByTestId('list-count').textContent(), { timeout: 20_000 }).toBe('1 record');
    expect(new URL(page.url()).searchParams.get('filter')).toContain('"contains"');
    await shot(page, '21-list-filtered');

    await page.getByLabel('Select Alpha').check();
    await page.getByRole('button', { name: 'Delete selected' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete', exact: true }).click();
    await expect.poll(() => page.getByTestId('list-count').textContent(), { timeout: 20_000 }).toBe('0 records');

    await page.getByRole('link', { name: 'Recycle bin' }).click();
    await page.getByRole('button', { name: 'Restore Alpha', exact: true }).waitFor();
    await shot(page, '22-recycle-bin');
    await page.getByRole('button', { name: 'Restore Alpha', exact: true }).click();
    await page.getByText('Alpha restored').waitFor();
  });

  it('shows a server-side validation error on the field it concerns', async () => {
    await page.goto(`${ws.baseUrl}/o/project/new`);
    await field(page, 'Name').fill('Gamma');
    await field(page, 'Code').fill('A-1');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    const group = page.locator('.form-group', { has: page.locator('#root_code') });
    await group.locator('.error-detail').waitFor();
    expect(await group.locator('.error-detail').textContent()).toBeTruthy();
    await expect.poll(() => page.locator('#root_code').evaluate((el) => el === document.activeElement), { timeout: 20_000 }).toBe(true);
    await shot(page, '23-server-validation');
  });

  it('dragging a deal on the board changes its stage', async () => {
    const deal = await api<{ id: string }>(page, 'POST', '/records/deal', { name: 'Board deal', stage: 'prospecting', amount: 500 });
    await page.goto(`${ws.baseUrl}/o/deal?view=kanban`);
    // A card can be dragged once the board knows the user may change it.
    const card = page.locator(`[data-record="${deal.id}"][draggable="true"]`);
    await card.waitFor();
    await card.dragTo(page.locator('[data-column=proposal]'));
    await page.locator('[data-column=proposal]').locator(`[data-record="${deal.id}"]`).waitFor();
    await expect.poll(async () => (await api<{ stage: string }>(page, 'GET', `/records/deal/${deal.id}`)).stage, { timeout: 20_000 }).toBe('proposal');
    await shot(page, '30-kanban');
  });

  it('a layout change shows in the preview and then on the record page', async () => {
    await page.goto(`${ws.baseUrl}/setup/objects/project?tab=layouts`);
    // A new object comes with a default layout; the record page shows the object's first layout.
    await page.getByRole('tabpanel').getByRole('link', { name: 'Project layout' }).click();
    await page.getByRole('button', { name: '+ Add section' }).click();
    const sections = page.locator('.layout-section');
    const last = sections.last();
    await last.getByLabel('Title (English)').fill('Money matters');
    await last.getByLabel('Title (Chinese)').fill('资金');
    await page.getByLabel('Move Budget to section').selectOption({ label: 'Money matters' });
    const preview = page.getByRole('region', { name: 'Preview' });
    await preview.getByRole('heading', { name: 'Money matters' }).waitFor();
    await expect.poll(() => preview.getByRole('region', { name: 'Money matters' }).getByLabel('Budget').count(), { timeout: 20_000 }).toBe(1);
    await shot(page, '40-layout-editor');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText(/Saved as revision/).waitFor();

    const list = await api<{ data: { id: string }[] }>(page, 'GET', '/records/project?filter=' + encodeURIComponent(JSON.stringify({ field: 'name', op: 'eq', value: 'Alpha' })));
    await page.goto(`${ws.baseUrl}/o/project/${list.data[0]!.id}`);
    const section = page.getByRole('region', { name: 'Money matters' });
    await section.waitFor();
    await section.getByText('Budget').waitFor();
  });

  it('in Chinese the record page shows no English UI word', async () => {
    const rec = await api<{ id: string }>(page, 'POST', '/records/project', { name: '甲项目', code: '甲-1', budget: 10, phase: 'plan', approved: true, start_date: '2026-01-02' });
    await page.goto(`${ws.baseUrl}/o/project/${rec.id}`);
    await page.getByRole('combobox', { name: 'Language' }).selectOption('zh-CN');
    await page.getByRole('heading', { name: '甲项目' }).waitFor();
    await page.getByText('活动', { exact: true }).first().waitFor();
    // Related lists, rights and actions arrive after the record: every word is on the page before it is read.
    await settle(page);
    await shot(page, '50-record-page-zh');
    const words = await page.evaluate(() => {
      // A formatted amount carries the currency symbol Intl gives the locale (zh-CN writes USD as "US$").
      let body = document.body.innerText;
      for (const el of Array.from(document.querySelectorAll<HTMLElement>('[data-money]'))) body = body.replace(el.innerText, '');
      const texts = [body];
      for (const el of Array.from(document.querySelectorAll('[aria-label],[title],[placeholder],[alt],[aria-description]'))) {
        for (const a of ['aria-label', 'title', 'placeholder', 'alt', 'aria-description']) {
          const v = el.getAttribute(a);
          if (v) texts.push(v);
        }
      }
      return texts.join('\n').match(/[A-Za-z]{2,}/g) ?? [];
    });
    // The language menu names English in English, as language menus do.
    const allowed = new Set(['Protean', 'Ctrl', 'English']);
    expect(words.filter((w) => !allowed.has(w) && !ws.tenant.includes(w))).toEqual([]);
    // the choice sticks across a reload
    await page.reload();
    await page.getByRole('heading', { name: '甲项目' }).waitFor();
    expect(await page.getByRole('combobox', { name: '语言' }).inputValue()).toBe('zh-CN');
    await page.getByRole('combobox', { name: '语言' }).selectOption('en');
  });

  it('creates a record with the keyboard alone through the command palette', async () => {
    await page.goto(`${ws.baseUrl}/o/deal`);
    await page.locator('h1').waitFor();
    await page.keyboard.press('Control+k');
    const palette = page.getByRole('combobox', { name: 'Command palette' });
    await palette.waitFor();
    await page.keyboard.type('new project');
    await shot(page, '60-command-palette');
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'New Project' });
    await dialog.waitFor();
    await expect.poll(() => page.evaluate(() => (document.activeElement as HTMLElement | null)?.id), { timeout: 20_000 }).toBe('qc_name');
    await page.keyboard.type('Keyboard project');
    await page.keyboard.press('Tab');
    await page.keyboard.type('K-9');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/o\/project\/[0-9a-f-]{36}$/);
    await expect.poll(() => page.getByTestId('record-title').textContent(), { timeout: 20_000 }).toBe('Keyboard project');
  });

  it('keeps screenshots of the Setup pages and reports no page errors', async () => {
    for (const [path, name] of [
      ['/setup/objects', '70-setup-objects'],
      ['/setup/objects/project?tab=details', '71-setup-object-details'],
      ['/setup/objects/project/fields/phase', '72-setup-field-picklist'],
      ['/setup/revisions', '73-setup-revisions'],
      ['/setup/users', '74-setup-users'],
      ['/setup/api-keys', '75-setup-api-keys'],
      ['/search?q=Alpha', '76-search'],
    ] as const) {
      await page.goto(`${ws.baseUrl}${path}`);
      await page.locator('h1').waitFor();
      await settle(page);
      await shot(page, name);
    }
    expect(pageErrors).toEqual([]);
  });
});
