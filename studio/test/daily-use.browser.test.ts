// The pages of daily use in Chromium against the real server, in English and Chinese: sign-in,
// the home page, naming in Setup, failed saves, inline edit, kanban totals, readable revisions,
// the recycle bin, object and field deletion, invitations; then a rename of Customer to Patient
// after which no page of Setup says Customer. Screenshots go to docs/screenshots/.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createTextResolver, type TermDef } from '@protean/metadata/terms';
import { createI18n, type MessageKey, type MessageParams } from '../src/i18n/i18n.tsx';
import { api, launchBrowser, navigateInApp, repoRoot, settle, signIn, startWorkspace, type TestBrowser, type Workspace } from './harness.ts';

type Locale = 'en' | 'zh-CN';
const LOCALES: readonly Locale[] = ['en', 'zh-CN'];

let ws: Workspace;
let browser: TestBrowser;
let page: Page;
let adminId: string;
let terms: TermDef[] = [];
const pageErrors: string[] = [];

const docsDir = join(repoRoot, 'docs', 'screenshots');

/** Waits for a condition, with room for a busy machine (the default is one second). */
const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 20_000 });

/** A screenshot committed with the documentation. */
async function docShot(p: Page, name: string) {
  mkdirSync(docsDir, { recursive: true });
  await p.screenshot({ path: join(docsDir, `${name}.png`), fullPage: true });
}

/** What the studio says for a catalogue key in a locale, with the workspace's current terms. */
function say(locale: Locale, key: MessageKey, params?: MessageParams): string {
  return createI18n(locale, () => {}, createTextResolver(terms, locale)).t(key, params);
}

async function refreshTerms() {
  terms = (await api<{ terms: TermDef[] }>(page, 'GET', '/metadata/snapshot')).terms;
}

async function newPage(locale: Locale = 'en'): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: locale === 'en' ? 'en-US' : 'zh-CN', timezoneId: 'UTC' });
  // The first page of the context starts in `locale`; later switches (useLocale) are kept.
  await context.addInitScript((l) => {
    if (!localStorage.getItem('protean.locale')) localStorage.setItem('protean.locale', l);
  }, locale);
  const p = await context.newPage();
  p.on('pageerror', (e) => pageErrors.push(e.message));
  p.setDefaultTimeout(30_000);
  return p;
}

async function useLocale(locale: Locale) {
  await page.evaluate((l) => localStorage.setItem('protean.locale', l), locale);
}


async function open(path: string, locale: Locale) {
  await useLocale(locale);
  await page.goto(`${ws.baseUrl}${path}`);
  await settle(page);
}

beforeAll(async () => {
  ws = await startWorkspace();
  browser = await launchBrowser();
  page = await newPage('en');
  await signIn(page, ws);
  adminId = (await api<{ user: { id: string } }>(page, 'GET', '/auth/me')).user.id;
  await refreshTerms();
});

// A failed step says where the page was and what it showed.
afterEach(async (ctx) => {
  if (ctx.task.result?.state !== 'fail' || !page) return;
  const shown = await page.locator('body').innerText().catch((e: unknown) => `(unreadable: ${String(e)})`);
  console.log(`after the failure, ${page.url()} showed:\n${shown.slice(0, 2000)}`);
});

afterAll(async () => {
  await browser?.close();
  await ws?.stop();
});

describe('daily use in Chromium', () => {
  it('sign-in says workspace, and /login after signing in goes home', async () => {
    for (const locale of LOCALES) {
      const p = await newPage(locale);
      await p.goto(`${ws.baseUrl}/login`);
      const workspace = p.getByLabel(locale === 'en' ? 'Workspace' : '工作区', { exact: true });
      await workspace.waitFor();
      expect(await p.locator('body').innerText()).not.toMatch(/Organization|组织/);
      await docShot(p, `sign-in-${locale}`);
      await workspace.fill(ws.tenant);
      await p.getByLabel(locale === 'en' ? 'Email' : '电子邮件', { exact: true }).fill(ws.email);
      await p.getByLabel(locale === 'en' ? 'Password' : '密码', { exact: true }).fill(ws.password);
      await p.getByRole('button', { name: locale === 'en' ? 'Sign in' : '登录', exact: true }).click();
      await p.getByRole('heading', { level: 1, name: say(locale, 'home.title', { name: ws.adminName }) }).waitFor();
      await poll(() => new URL(p.url()).pathname).toBe('/');
      // Typed again while signed in, /login still lands on the home page.
      await p.goto(`${ws.baseUrl}/login`);
      await p.getByRole('heading', { level: 1, name: say(locale, 'home.title', { name: ws.adminName }) }).waitFor();
      expect(await p.locator('body').innerText()).not.toContain(say(locale, 'error.pageNotFound'));
      await p.context().close();
    }
  });

  it('an empty home page says what each part is for and offers the first action', async () => {
    for (const locale of LOCALES) {
      await open('/', locale);
      await page.locator('.home[data-ready=true]').waitFor();
      const tasks = page.getByTestId('home-tasks');
      await poll(() => tasks.innerText()).toContain(say(locale, 'home.noTasks'));
      expect(await tasks.getByRole('link').first().getAttribute('href')).toBe('/o/task/new');
      await poll(() => page.getByTestId('home-pipeline').innerText()).toContain(say(locale, 'home.noPipeline', { object: locale === 'en' ? { singular: 'Deal', plural: 'Deals' } : { singular: '商机', plural: '商机' } }));
      expect(await page.locator('body').innerText()).toContain(say(locale, 'home.noRecent'));
      await docShot(page, `home-empty-${locale}`);
    }
  });

  it('a page opened loads its data once: each request of a list, and of the app at sign-in, is sent one time', async () => {
    const sent: string[] = [];
    const onRequest = (r: { url(): string; method(): string }) => {
      if (r.url().includes('/api/v1/')) sent.push(`${r.method()} ${r.url().replace(ws.baseUrl, '')}`);
    };
    page.on('request', onRequest);
    try {
      await page.goto(`${ws.baseUrl}/o/deal`);
      await settle(page);
      await navigateInApp(page, '/o/organization');
      await settle(page);
    } finally {
      page.off('request', onRequest);
    }
    expect(sent.filter((r) => r.includes('/records/organization')).length).toBeGreaterThan(0);
    const twice = sent.filter((r, i) => sent.indexOf(r) !== i);
    expect(twice, sent.join('\n')).toEqual([]);
  });

  it('the home page shows my open tasks, upcoming activities, recent records and the pipeline in money of the locale and my time zone', async () => {
    await api(page, 'PATCH', '/workspace/settings', { currency: 'CNY' });
    const customer = await api<{ id: string }>(page, 'POST', '/records/customer', { last_name: 'Chen', name: 'Mei Chen' });
    await api(page, 'POST', '/records/task/batch', {
      operations: [
        { op: 'create', data: { subject: 'Call back Mei', due_date: '2020-01-02', status: 'not_started', assignee: adminId } },
        { op: 'create', data: { subject: 'Send the offer', due_date: '2099-05-01', status: 'in_progress', assignee: adminId } },
        { op: 'create', data: { subject: 'Finished long ago', due_date: '2020-01-01', status: 'completed', assignee: adminId } },
      ],
    });
    await api(page, 'POST', '/records/activity', { subject: 'Demo meeting', type: 'meeting', occurred_at: '2099-01-01T02:30:00Z', customer: customer.id, owner: adminId });
    const deals = await api<{ results: { id: string }[] }>(page, 'POST', '/records/deal/batch', {
      operations: [
        { op: 'create', data: { name: 'Big deal', stage: 'proposal', amount: 1000.25 } },
        { op: 'create', data: { name: 'Second deal', stage: 'proposal', amount: 500 } },
        { op: 'create', data: { name: 'Won deal', stage: 'closed_won', amount: 42 } },
      ],
    });
    await api(page, 'PATCH', '/me/preferences', { timeZone: 'Asia/Shanghai' });
    await page.goto(`${ws.baseUrl}/o/deal/${deals.results[0]!.id}`);
    await page.getByRole('heading', { name: 'Big deal' }).waitFor();

    for (const locale of LOCALES) {
      await open('/', locale);
      await page.locator('.home[data-ready=true]').waitFor();
      const tasks = await page.getByTestId('home-tasks').innerText();
      expect(tasks).toContain('Call back Mei');
      expect(tasks).toContain('Send the offer');
      expect(tasks).not.toContain('Finished long ago');
      expect(tasks).toContain(say(locale, 'home.overdue'));
      // 02:30 UTC is 10:30 in Shanghai.
      const activities = await page.getByTestId('home-activities').innerText();
      expect(activities).toContain('Demo meeting');
      expect(activities).toMatch(/10:30/);
      expect(await page.locator('.home').innerText()).toContain('Big deal');
      const proposal = page.locator('[data-stage=proposal]');
      const row = await proposal.innerText();
      expect(row).toContain(locale === 'en' ? 'Proposal' : '方案报价');
      expect(row).toMatch(/\b2\b/);
      expect(row).toContain('1,500.25');
      expect(row).toContain('¥');
      expect(await page.getByTestId('home-pipeline').locator('tfoot').innerText()).toContain('1,542.25');
      expect(await page.locator('.home-zone').innerText()).toContain('Asia/Shanghai');
      await docShot(page, `home-${locale}`);
    }

    // Choosing another zone on the page moves the times with it.
    await open('/', 'en');
    await page.getByRole('button', { name: 'Change time zone' }).click();
    await page.getByRole('combobox', { name: 'Time zone' }).selectOption('America/New_York');
    await poll(() => page.getByTestId('home-activities').innerText()).toMatch(/9:30\s?PM/);

    // A date-time is edited on the clock it is shown in: the user's zone, not the browser's (UTC here).
    const [meeting] = (await api<{ data: { id: string }[] }>(page, 'GET', `/records/activity?filter=${encodeURIComponent(JSON.stringify({ field: 'subject', op: 'eq', value: 'Demo meeting' }))}`)).data;
    await open(`/o/activity/${meeting!.id}/edit`, 'en');
    const occurred = page.getByLabel('Occurred at', { exact: true });
    await poll(() => occurred.inputValue()).toBe('2098-12-31T21:30');
    await occurred.fill('2099-01-02T08:15');
    await page.getByRole('button', { name: say('en', 'action.save'), exact: true }).click();
    await poll(async () => (await api<Record<string, unknown>>(page, 'GET', `/records/activity/${meeting!.id}`))['occurred_at']).toBe('2099-01-02T13:15:00.000Z');
  });

  it('moving to Home or another page shows it in one go, without a page-wide loading placeholder in between', async () => {
    // A page that suspends shows the placeholder, and React then holds the page back 300 ms.
    for (const [from, link, ready] of [
      ['/o/customer', 'a[href="/"]', '.home[data-ready=true]'],
      ['/', 'a[href="/recycle-bin"]', '[data-testid=retention]'],
    ] as const) {
      await page.goto(`${ws.baseUrl}${from}`);
      await settle(page);
      const placeholders = await page.evaluate(
        ([link, ready]) =>
          new Promise<number>((resolve) => {
            const main = document.querySelector('main')!;
            let seen = 0;
            const observer = new MutationObserver(() => {
              if (main.querySelector(':scope > .loading')) seen++;
            });
            observer.observe(main, { childList: true });
            document.querySelector<HTMLAnchorElement>(link)!.click();
            const check = () => {
              if (document.querySelector(ready)) {
                observer.disconnect();
                resolve(seen);
              } else requestAnimationFrame(check);
            };
            check();
          }),
        [link, ready] as const,
      );
      expect(placeholders, `placeholder shown between ${from} and ${link}`).toBe(0);
    }
  });

  it('a search that finds nothing says what search looks through and offers to create the record', async () => {
    for (const locale of LOCALES) {
      await open('/search?q=zzqx-nothing', locale);
      const empty = page.getByTestId('search-empty');
      await poll(() => empty.innerText()).toContain(say(locale, 'search.none' as MessageKey, { q: 'zzqx-nothing' }));
      expect(await empty.innerText()).toContain(say(locale, 'search.purpose' as MessageKey));
      await docShot(page, `search-empty-${locale}`);
      await empty.getByRole('button', { name: say(locale, 'shell.quickCreate') }).click();
      await page.getByRole('dialog').first().waitFor();
      await page.keyboard.press('Escape');
    }
  });

  it('Setup shows what an object is called and where the name comes from, and label inputs show words with their tokens on request', async () => {
    for (const locale of LOCALES) {
      await open('/setup/objects/customer?tab=details', locale);
      const naming = page.getByTestId('object-naming');
      await poll(() => naming.locator('[data-locale=en]').innerText()).toBe('Customer / Customers');
      expect(await naming.locator('[data-source=term]').innerText()).toContain(say(locale, 'naming.editTerm'));
      await docShot(page, `setup-naming-${locale}`);
    }
    await api(page, 'POST', '/metadata/changes', {
      message: 'Patients',
      operations: [{ op: 'upsertTerm', term: { key: 'customer', forms: { en: { singular: 'patient', plural: 'patients' }, 'zh-CN': { singular: '患者', measureWord: '位' } } } }],
    });
    await refreshTerms();
    for (const locale of LOCALES) {
      await open('/setup/objects/customer?tab=details', locale);
      const naming = page.getByTestId('object-naming');
      await poll(() => naming.locator('[data-locale=en]').innerText()).toBe('Patient / Patients');
      expect(await naming.locator('[data-locale=zh-CN]').innerText()).toBe('患者 / 患者');
      expect(await naming.locator('[data-source=term]').innerText()).toContain(locale === 'en' ? '“Patient”' : '“患者”');

      await open('/setup/objects/customer/fields/customer_number', locale);
      const label = page.locator('#field_labels_en');
      await poll(() => label.inputValue()).toBe('Patient number');
      const zhLabel = page.locator('#field_labels_zh-CN');
      expect(await zhLabel.inputValue()).toBe('患者编号');
      await docShot(page, `setup-label-words-${locale}`);
      await page.getByRole('button', { name: say(locale, 'label.showTokens') }).first().click();
      expect(await label.inputValue()).toBe('{Customer} number');
      await docShot(page, `setup-label-tokens-${locale}`);
      await page.getByRole('button', { name: say(locale, 'label.hideTokens') }).first().click();
      // Editing the words keeps the token where its word still stands.
      await label.fill('Patient ID');
      await page.getByRole('button', { name: say(locale, 'label.showTokens') }).first().click();
      expect(await label.inputValue()).toBe('{Customer} ID');
    }

    // The other way of naming: the object's own labels, seeded with the words people saw.
    await open('/setup/objects/customer?tab=details', 'en');
    await page.getByRole('button', { name: 'Use own labels instead' }).click();
    await page.locator('[data-source=labels]').waitFor();
    await poll(() => page.locator('#object_labels_en_singular').inputValue()).toBe('Patient');
    await docShot(page, 'setup-naming-own-labels-en');
    await page.getByRole('button', { name: 'Name by a glossary term' }).click();
    await page.getByRole('combobox', { name: 'Term' }).selectOption('customer');
    await page.getByRole('button', { name: 'Use this term' }).click();
    await page.locator('[data-source=term]').waitFor();
  });

  it('a picklist saved with no values says why next to its values, in the studio language', async () => {
    for (const locale of LOCALES) {
      await open('/setup/objects/deal/fields/new', locale);
      await page.locator('#field_labels_en').fill(`Region ${locale}`);
      await page.locator('#field_type').selectOption({ label: say(locale, 'fieldType.picklist') });
      await page.getByRole('button', { name: say(locale, 'action.create'), exact: true }).click();
      const reason = page.locator('#picklist-errors');
      await reason.waitFor();
      expect(await reason.innerText()).toBe(say(locale, 'serverError.values.required' as MessageKey));
      await docShot(page, `setup-picklist-needs-values-${locale}`);
    }
  });

  it('a list cell edits in place with the form’s validation, and rows can be selected for bulk actions', async () => {
    for (const locale of LOCALES) {
      await open('/o/deal', locale);
      const row = page.locator('main table tbody tr').filter({ hasText: 'Big deal' });
      const cell = row.locator('td[data-field=amount]');
      await cell.dblclick();
      const input = cell.locator('input');
      await input.fill('-5');
      await input.press('Enter');
      await poll(() => cell.locator('.field-error').innerText()).toBe(say(locale, 'validation.minimum', { limit: '0' }));
      await docShot(page, `list-inline-edit-error-${locale}`);
      await input.fill(locale === 'en' ? '2500' : '2600');
      await input.press('Enter');
      await poll(() => cell.innerText()).toContain(locale === 'en' ? '2,500.00' : '2,600.00');
      const saved = await api<{ data: { amount: number }[] }>(page, 'GET', `/records/deal?filter=${encodeURIComponent(JSON.stringify({ field: 'name', op: 'eq', value: 'Big deal' }))}`);
      expect(saved.data[0]!.amount).toBe(locale === 'en' ? 2500 : 2600);
      await page.locator('main table tbody tr').first().locator('input[type=checkbox]').check();
      await page.locator('main table tbody tr').nth(1).locator('input[type=checkbox]').check();
      await page.getByRole('region', { name: say(locale, 'list.bulkActions') }).waitFor();
      await docShot(page, `list-bulk-selection-${locale}`);
    }
  });

  it('a filtered list changes or deletes every match after a dry run that shows the count', async () => {
    await api(page, 'POST', '/records/deal/batch', {
      operations: ['Lot A', 'Lot B', 'Lot C'].map((name) => ({ op: 'create', data: { name, stage: 'qualification', amount: 1 } })),
    });
    const filter = encodeURIComponent(JSON.stringify({ field: 'name', op: 'startsWith', value: 'Lot ' }));
    for (const locale of LOCALES) {
      await open(`/o/deal?filter=${filter}`, locale);
      const bar = page.getByRole('region', { name: say(locale, 'filterBulk.region' as MessageKey) });
      await bar.getByRole('button', { name: say(locale, 'filterBulk.edit' as MessageKey) }).click();
      const dialog = page.getByRole('dialog');
      await dialog.locator('select').first().selectOption({ label: locale === 'en' ? 'Amount' : '金额' });
      await dialog.locator('input[type=number]').fill(locale === 'en' ? '7' : '8');
      await dialog.getByRole('button', { name: say(locale, 'filterBulk.preview' as MessageKey) }).click();
      await poll(() => dialog.getByTestId('dry-run').innerText()).toContain(say(locale, 'filterBulk.matched' as MessageKey, { count: '3', object: locale === 'en' ? { singular: 'Deal', plural: 'Deals' } : { singular: '商机', plural: '商机' } }));
      // The dry run wrote nothing.
      const before = await api<{ data: { amount: number }[] }>(page, 'GET', `/records/deal?filter=${filter}`);
      expect(before.data.map((r) => r.amount)).toEqual(locale === 'en' ? [1, 1, 1] : [7, 7, 7]);
      await docShot(page, `list-change-by-filter-${locale}`);
      await dialog.getByRole('button', { name: say(locale, 'filterBulk.editN' as MessageKey, { count: '3' }) }).click();
      await dialog.waitFor({ state: 'hidden' });
      const after = await api<{ data: { amount: number }[] }>(page, 'GET', `/records/deal?filter=${filter}`);
      expect(after.data.map((r) => r.amount)).toEqual(locale === 'en' ? [7, 7, 7] : [8, 8, 8]);
    }
    await open(`/o/deal?filter=${filter}`, 'en');
    await page.getByRole('button', { name: 'Delete all…' }).click();
    const dialog = page.getByRole('dialog');
    await poll(() => dialog.getByTestId('dry-run').innerText()).toContain('3 deals match now');
    await docShot(page, 'list-delete-by-filter-en');
    await dialog.getByRole('button', { name: 'Move 3 records to the recycle bin' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect((await api<{ data: unknown[] }>(page, 'GET', `/records/deal?filter=${filter}`)).data).toEqual([]);
    const bin = await api<{ data: { display_name?: string }[] }>(page, 'GET', '/recycle-bin?object=deal');
    expect(bin.data.map((r) => r.display_name)).toEqual(expect.arrayContaining(['Lot A', 'Lot B', 'Lot C']));
  });

  it('kanban columns are labelled in the workspace words with counts and amount totals', async () => {
    for (const locale of LOCALES) {
      await open('/o/deal?view=kanban', locale);
      const column = page.locator('[data-column=proposal]');
      await poll(() => column.getByTestId('column-total').innerText()).toContain('¥');
      const text = await column.innerText();
      expect(text).toContain(locale === 'en' ? 'Proposal' : '方案报价');
      expect(text).toContain(say(locale, 'list.count', { count: '2' }));
      expect(text).toContain('3,100.00');
      await docShot(page, `kanban-${locale}`);
    }
  });

  it('revisions read as sentences in the workspace terms', async () => {
    for (const locale of LOCALES) {
      await open('/setup/revisions', locale);
      const diff = page.getByTestId('revision-diff');
      await poll(async () => (await diff.locator('li strong').allInnerTexts()).length).toBeGreaterThan(0);
      expect((await diff.innerText()).length).toBeGreaterThan(10);
      await docShot(page, `revisions-${locale}`);
    }
  });

  it('the recycle bin shows who deleted what and when, restores, purges and keeps records for the retention set', async () => {
    const made = await api<{ results: { id: string }[] }>(page, 'POST', '/records/customer/batch', {
      operations: ['Bin One', 'Bin Two'].map((name) => ({ op: 'create', data: { last_name: name, name } })),
    });
    for (const r of made.results) await api(page, 'DELETE', `/records/customer/${r.id}`);
    for (const locale of LOCALES) {
      await open('/recycle-bin', locale);
      const row = page.locator('main table tbody tr').filter({ hasText: 'Bin One' });
      await row.waitFor();
      expect(await row.innerText()).toContain(ws.adminName);
      expect(await page.getByTestId('retention').innerText()).toContain(locale === 'en' ? '30 days' : '30 天');
      await docShot(page, `recycle-bin-${locale}`);
    }
    await open('/recycle-bin', 'en');
    await page.getByRole('combobox', { name: 'Keep for' }).selectOption('60');
    // The sentence, not the picker's options, says 60 days once the server has saved it.
    await poll(() => page.getByTestId('retention').innerText()).toContain('60 days');
    expect(await page.getByTestId('retention').innerText()).not.toContain('30 days');
    expect((await api<{ recycleRetentionDays: number }>(page, 'GET', '/workspace/settings')).recycleRetentionDays).toBe(60);
    await page.getByRole('button', { name: 'Delete Bin One for good' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete for good' }).click();
    await poll(() => page.locator('main table tbody tr').filter({ hasText: 'Bin One' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Restore Bin Two' }).click();
    await poll(() => page.locator('main table tbody tr').filter({ hasText: 'Bin Two' }).count()).toBe(0);
    await api(page, 'GET', `/records/customer/${made.results[1]!.id}`);
  });

  it('a record with no name is "Untitled …" in its list, on its page and in search, never its id', async () => {
    await api(page, 'POST', '/metadata/changes', {
      operations: [
        {
          op: 'createObject',
          object: {
            apiName: 'errand',
            labels: { en: { singular: 'Errand', plural: 'Errands' }, 'zh-CN': { singular: '差事', plural: '差事' } },
            fields: [
              { apiName: 'name', type: 'text', labels: { en: 'Name', 'zh-CN': '名称' } },
              { apiName: 'contact', type: 'email', labels: { en: 'Contact', 'zh-CN': '联系邮箱' } },
            ],
          },
        },
      ],
    });
    const errand = await api<{ id: string }>(page, 'POST', '/records/errand', { contact: 'parcel-desk@example.com' });
    for (const locale of LOCALES) {
      const untitled = locale === 'en' ? 'Untitled errand' : '未命名差事';
      await open('/o/errand', locale);
      const row = page.locator('main table tbody tr').filter({ hasText: 'parcel-desk@example.com' });
      await poll(() => row.innerText()).toContain(untitled);
      await open(`/o/errand/${errand.id}`, locale);
      await poll(() => page.getByRole('heading', { level: 1 }).innerText()).toBe(untitled);
      // Search answers the name the server gives it (its id, for a record with none).
      await open(`/search?q=${encodeURIComponent('parcel')}`, locale);
      await poll(() => page.locator('main').getByRole('link', { name: untitled }).count()).toBeGreaterThan(0);
      expect(await page.locator('main').innerText()).not.toContain(errand.id);
    }
    await api(page, 'POST', '/metadata/changes', { operations: [{ op: 'deleteObject', object: 'errand' }] });
  });

  it('deleting an object asks what happens to its records; deleting a field on a layout offers to take it off', async () => {
    await api(page, 'POST', '/metadata/objects', { apiName: 'project', labels: { en: { singular: 'Project', plural: 'Projects' }, 'zh-CN': { singular: '项目', plural: '项目' } } });
    const projects = await api<{ results: { id: string }[] }>(page, 'POST', '/records/project/batch', { operations: [{ op: 'create', data: { name: 'Apollo' } }, { op: 'create', data: { name: 'Gemini' } }] });
    // Chinese first, cancelled; then English, carried out.
    for (const locale of ['zh-CN', 'en'] as const) {
      await open('/setup/objects', locale);
      const name = locale === 'en' ? 'Project' : '项目';
      await page.getByRole('button', { name: say(locale, 'setup.deleteObjectNamed', { name }) }).click();
      const dialog = page.getByRole('dialog');
      await poll(() => dialog.innerText()).toContain(say(locale, 'deleteObject.question' as MessageKey, { count: '2', objects: locale === 'en' ? 'Projects' : '项目' }));
      await docShot(page, `delete-object-${locale}`);
      if (locale === 'en') {
        await dialog.getByLabel('Delete all 2 records for good').check();
        await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
        await dialog.waitFor({ state: 'hidden' });
      } else await dialog.getByRole('button', { name: '取消' }).click();
    }
    const snapshot = await api<{ objects: { apiName: string }[] }>(page, 'GET', '/metadata/snapshot');
    expect(snapshot.objects.map((o) => o.apiName)).not.toContain('project');
    const bin = await api<{ data: { id: string }[] }>(page, 'GET', '/recycle-bin');
    expect(bin.data.map((r) => r.id)).not.toContain(projects.results[0]!.id);

    // A field that is on the deal layout.
    const snap = await api<{ layouts: { id: string; objectId: string; sections: { fields: { fieldId: string }[] }[] }[] }>(page, 'GET', '/metadata/snapshot');
    const layout = snap.layouts.find((l) => l.objectId === 'deal')!;
    await api(page, 'POST', '/metadata/changes', {
      operations: [
        { op: 'createField', object: 'deal', field: { apiName: 'region', type: 'text', labels: { en: 'Region', 'zh-CN': '区域' } } },
        { op: 'upsertLayout', layout: { ...layout, sections: layout.sections.map((s, i) => (i === 0 ? { ...s, fields: [...s.fields, { fieldId: 'region' }] } : s)) } },
      ],
    });
    for (const locale of ['zh-CN', 'en'] as const) {
      await open('/setup/objects/deal?tab=fields', locale);
      await page.getByRole('button', { name: say(locale, 'setup.deleteFieldNamed', { name: locale === 'en' ? 'Region' : '区域' }) }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel(say(locale, 'deleteField.removeFromLayouts' as MessageKey)).waitFor();
      expect(await dialog.getByLabel(say(locale, 'deleteField.removeFromLayouts' as MessageKey)).isChecked()).toBe(true);
      await docShot(page, `delete-field-on-layout-${locale}`);
      if (locale === 'en') {
        await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
        // The dialog closes once the change is saved, and the toast says so.
        await page.getByText(say('en', 'setup.fieldDeleted', { name: 'Region' })).waitFor();
        expect(await dialog.count()).toBe(0);
      } else await dialog.getByRole('button', { name: '取消' }).click();
    }

    // A field a formula uses is refused: the dialog stays open and says why, and the field stays.
    await api(page, 'POST', '/metadata/changes', {
      operations: [
        { op: 'createField', object: 'deal', field: { apiName: 'weight', type: 'number', labels: { en: 'Weight', 'zh-CN': '权重' } } },
        { op: 'createField', object: 'deal', field: { apiName: 'double_weight', type: 'formula', labels: { en: 'Double weight', 'zh-CN': '双倍权重' }, formula: { expression: 'weight * 2', resultType: 'number', stored: false } } },
      ],
    });
    await open('/setup/objects/deal?tab=fields', 'en');
    await page.getByRole('button', { name: say('en', 'setup.deleteFieldNamed', { name: 'Weight' }) }).click();
    const refusing = page.getByRole('dialog');
    await refusing.getByRole('button', { name: 'Delete', exact: true }).click();
    await poll(() => refusing.innerText()).toContain('deal.double_weight');
    expect(await refusing.getByRole('button', { name: 'Delete', exact: true }).isEnabled()).toBe(true);
    await refusing.getByRole('button', { name: 'Cancel' }).click();
    await refusing.waitFor({ state: 'hidden' });
    const kept = await api<{ objects: { id: string; fields: { apiName: string; deletedAt?: string }[] }[] }>(page, 'GET', '/metadata/snapshot');
    expect(kept.objects.find((o) => o.id === 'deal')!.fields.find((f) => f.apiName === 'weight')?.deletedAt).toBeUndefined();
    const after = await api<{ objects: { id: string; fields: { id: string; apiName: string; deletedAt?: string }[] }[]; layouts: { objectId: string; sections: { fields: { fieldId: string }[] }[] }[] }>(page, 'GET', '/metadata/snapshot');
    const region = after.objects.find((o) => o.id === 'deal')!.fields.find((f) => f.apiName === 'region');
    expect(region?.deletedAt).toBeTruthy();
    const onLayouts = after.layouts.filter((l) => l.objectId === 'deal').flatMap((l) => l.sections.flatMap((s) => s.fields.map((f) => f.fieldId)));
    expect(onLayouts).not.toContain(region!.id);
    expect(onLayouts).not.toContain('region');
  });

  it('an admin invites by link with the role chosen, and the invited person joins through it, in the workspace’s words', async () => {
    // The workspace calls its users staff members: the invitation and the join page say so too.
    await api(page, 'PUT', '/metadata/terms/user', { forms: { en: { singular: 'staff member', plural: 'staff members' }, 'zh-CN': { singular: '医护人员', measureWord: '位' } } });
    await refreshTerms();
    for (const locale of LOCALES) {
      await open('/setup/users', locale);
      await page.getByRole('button', { name: say(locale, 'invites.create' as MessageKey) }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel(say(locale, 'users.role')).selectOption('standard');
      await dialog.getByRole('button', { name: say(locale, 'invites.makeLink' as MessageKey) }).click();
      const link = (await dialog.getByTestId('invite-link').innerText()).trim();
      expect(link).toMatch(new RegExp(`^${ws.baseUrl}/invite/inv_`));
      await docShot(page, `invite-link-${locale}`);
      await dialog.locator('.form-actions').getByRole('button', { name: say(locale, 'action.close') }).click();

      const guest = await newPage(locale);
      await guest.goto(link);
      await guest.getByRole('heading', { name: say(locale, 'invites.acceptTitle' as MessageKey) }).waitFor();
      const intro = guest.getByText(say(locale, 'invites.acceptIntro' as MessageKey, { workspace: '演示公司', role: say(locale, 'users.roleStandard') }));
      await intro.waitFor();
      expect(await intro.innerText()).toContain(locale === 'en' ? 'Standard staff member' : '普通医护人员');
      expect(await guest.locator('body').innerText()).not.toMatch(locale === 'en' ? /\buser\b|Organization/i : /用户|组织/);
      const name = locale === 'en' ? 'Nora New' : '新同事';
      await guest.getByLabel(say(locale, 'users.name'), { exact: true }).fill(name);
      await guest.getByLabel(say(locale, 'login.email'), { exact: true }).fill(`nora-${locale}@${ws.tenant}.test`);
      await guest.getByLabel(say(locale, 'login.password'), { exact: true }).fill('a long enough password');
      await docShot(guest, `invite-join-${locale}`);
      await guest.getByRole('button', { name: say(locale, 'invites.join' as MessageKey) }).click();
      await guest.getByRole('heading', { level: 1, name: say(locale, 'home.title', { name }) }).waitFor();
      const me = await api<{ user: { role: string } }>(guest, 'GET', '/auth/me');
      expect(me.user.role).toBe('standard');
      await guest.context().close();
    }
    // The list of open links no longer holds the used ones.
    await open('/setup/users', 'en');
    await poll(() => page.getByTestId('invites').innerText()).toContain('No open invitations');
  });

  // The terminology crawl (terminology.browser.test.ts) opens, in both languages, every object's
  // tabs, its new-field form and layouts, and the fields of Customer and every lookup. This crawl
  // opens the rest of Setup: its other pages and every other field.
  it('after renaming Customer to Patient, no page of Setup the terminology crawl leaves out says Customer (en) or 客户 (zh-CN)', { timeout: 300_000 }, async () => {
    const snap = await api<{ objects: { apiName: string; fields: { apiName: string; type: string; deletedAt?: string }[] }[] }>(page, 'GET', '/metadata/snapshot');
    const paths = ['/setup/objects', '/setup/navigation', '/setup/revisions', '/setup/users', '/setup/api-keys', '/setup/terminology'];
    for (const o of snap.objects) {
      if (o.apiName === 'customer') continue;
      for (const f of o.fields.filter((x) => !x.deletedAt && x.type !== 'lookup')) paths.push(`/setup/objects/${o.apiName}/fields/${f.apiName}`);
    }
    const findings: string[] = [];
    for (const locale of LOCALES) {
      const old = locale === 'en' ? /\bCustomers?\b/ : /客户/;
      // The first page loads in the locale; the rest open as the app's links open them.
      for (const [n, path] of paths.entries()) {
        if (n === 0) await open(path, locale);
        else {
          await navigateInApp(page, path);
          await settle(page);
        }
        await page.locator('main#main').waitFor();
        const found = await page.evaluate((source) => {
          const re = new RegExp(source);
          const out: string[] = [];
          // API names and keys (<code>) are identifiers, the removed side of a diff is history,
          // and the standard word the Terminology page offers to reset to is a default, not a name.
          const excluded = (el: Element | null) => !!el?.closest('code, del, [data-glossary-default]');
          const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
          for (let n = walker.nextNode(); n; n = walker.nextNode()) {
            const el = n.parentElement;
            if (!el || excluded(el)) continue;
            if ((el.checkVisibility() || el.closest('option')) && re.test(n.textContent ?? '')) out.push(`text: ${(n.textContent ?? '').trim().slice(0, 80)}`);
          }
          for (const el of Array.from(document.querySelectorAll('input, textarea, select'))) {
            if (excluded(el)) continue;
            const value = (el as HTMLInputElement).value;
            if (re.test(value)) out.push(`value of <${el.tagName.toLowerCase()} id=${el.id}>: ${value}`);
          }
          for (const el of Array.from(document.body.querySelectorAll('[aria-label], [title], [placeholder]'))) {
            if (excluded(el)) continue;
            for (const attr of ['aria-label', 'title', 'placeholder']) {
              const v = el.getAttribute(attr);
              if (v && re.test(v)) out.push(`${attr}: ${v}`);
            }
          }
          return out;
        }, old.source);
        findings.push(...found.map((f) => `${locale} ${path} — ${f}`));
      }
    }
    expect(findings).toEqual([]);
  });

  it('raised no script errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
