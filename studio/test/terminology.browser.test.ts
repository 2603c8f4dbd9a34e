// Terminology in Chromium: the Setup page edits, previews, saves and resets a term and applies a
// term set; then, with the Healthcare set applied, a crawl of every CRM and Setup page a user can
// reach (and the error states it provokes) in zh-CN and en finds no "Customer" and no "客户" in
// the visible text or in what a screen reader reads, and one's own account and sessions no "User"
// and no "用户" either.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { api, launchBrowser, navigateInApp, objectNavLink, settle as settleLoaded, shot, signIn, startWorkspace, type TestBrowser, type Workspace } from './harness.ts';

let ws: Workspace;
let browser: TestBrowser;
let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];

interface Snap {
  objects: { id: string; apiName: string; navOrder?: number; fields: { id: string; apiName: string; type: string; deletedAt?: string }[] }[];
  layouts: { id: string; objectId: string }[];
}

const ids: Record<string, string> = {};

beforeAll(async () => {
  ws = await startWorkspace();
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'en-US' });
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.setDefaultTimeout(30_000);
  await signIn(page, ws);
  // One record of every standard object, linked together, plus one in the recycle bin.
  const customer = await api<{ id: string }>(page, 'POST', '/records/customer', { first_name: 'Mei', last_name: 'Chen', email: 'mei@example.com' });
  const other = await api<{ id: string }>(page, 'POST', '/records/customer', { first_name: 'Li', last_name: 'Wang', email: 'li@example.com' });
  const binned = await api<{ id: string }>(page, 'POST', '/records/customer', { first_name: 'Bin', last_name: 'Zhao' });
  await api(page, 'DELETE', `/records/customer/${binned.id}`);
  ids['customer'] = customer.id;
  ids['customer:other'] = other.id;
  const snap = await api<Snap>(page, 'GET', '/metadata/snapshot');
  for (const o of snap.objects) {
    if (o.apiName === 'customer') continue;
    const body: Record<string, unknown> = {};
    const nameField = o.fields.find((f) => f.type === 'text' && !f.deletedAt);
    if (nameField) body[nameField.apiName] = `Sample ${o.apiName}`;
    const link = o.fields.find((f) => f.type === 'lookup' && f.apiName === 'customer');
    if (link) body[link.apiName] = customer.id;
    try {
      ids[o.apiName] = (await api<{ id: string }>(page, 'POST', `/records/${o.apiName}`, body)).id;
    } catch {
      // An object whose required fields this generic body misses is crawled without a record page.
    }
  }
  // A restricting lookup, so deleting the other customer is refused with its dependents.
  await api(page, 'POST', '/metadata/objects/deal/fields', {
    apiName: 'referrer',
    labels: { en: 'Referrer', 'zh-CN': '推荐人' },
    type: 'lookup',
    lookup: { objectId: 'customer', onDelete: 'restrict', relationshipName: 'referred_deals' },
  });
  await api(page, 'POST', '/records/deal', { name: 'Referred plan', referrer: other.id });
  // A custom object that the customer looks up, so deleting it in Setup is refused.
  await api(page, 'POST', '/metadata/objects', { apiName: 'site', labels: { en: { singular: 'Site', plural: 'Sites' }, 'zh-CN': { singular: '院区', plural: '院区' } } });
  await api(page, 'POST', '/metadata/objects/customer/fields', {
    apiName: 'site',
    labels: { en: 'Site', 'zh-CN': '院区' },
    type: 'lookup',
    lookup: { objectId: 'site', onDelete: 'setNull', relationshipName: 'customers' },
  });
});

afterAll(async () => {
  await browser?.close();
  await ws?.stop();
});

interface Finding {
  page: string;
  where: string;
  snippet: string;
}

const OLD_WORDS = /\bcustomers?\b|客户/i;
/** The standard words for people who sign in, which the Healthcare set renames to staff members (医护人员). */
const OLD_USER_WORDS = /\busers?\b|用户/i;

/**
 * Every word a person reads or hears: visible text, option texts, the document title, and the attributes a screen
 * reader reads (aria-label, aria-labelledby/-describedby targets, aria-description, title, alt,
 * placeholder).
 */
async function findOldWords(p: Page, label: string, words = OLD_WORDS): Promise<Finding[]> {
  const found = await p.evaluate((source) => {
    const re = new RegExp(source, 'i');
    const out: { where: string; snippet: string }[] = [];
    // Not words but identifiers or data: API names and keys (<code>), the catalogue default the
    // Terminology page offers to reset to, the removed side of a revision diff (<del>), and what
    // an editor holds in its form controls (input values are not text; textareas alike).
    const excluded = (el: Element | null) => !!el?.closest('code, kbd, samp, del, textarea, [data-glossary-default]');
    const check = (where: string, text: string | null | undefined) => {
      if (!text) return;
      const m = re.exec(text);
      if (m) out.push({ where, snippet: text.slice(Math.max(0, m.index - 40), m.index + m[0].length + 40).replace(/\s+/g, ' ').trim() });
    };
    check('document.title', document.title);
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || excluded(el)) continue;
      const visible = el.checkVisibility() || el.closest('option') !== null;
      if (visible) check(`text in <${el.tagName.toLowerCase()}>`, n.textContent);
    }
    const textOf = (id: string) => document.getElementById(id)?.textContent ?? '';
    for (const el of Array.from(document.body.querySelectorAll('*'))) {
      if (excluded(el)) continue;
      const tag = el.tagName.toLowerCase();
      for (const attr of ['aria-label', 'aria-description', 'title', 'alt', 'placeholder']) check(`${attr} of <${tag}>`, el.getAttribute(attr));
      for (const attr of ['aria-labelledby', 'aria-describedby']) {
        const refs = el.getAttribute(attr);
        if (refs) check(`${attr} of <${tag}>`, refs.split(/\s+/).map(textOf).join(' '));
      }
    }
    // Dedupe: a text found through several routes is one finding.
    const seen = new Set<string>();
    return out.filter((f) => (seen.has(f.snippet) ? false : (seen.add(f.snippet), true)));
  }, words.source);
  return found.map((f) => ({ page: label, ...f }));
}

/** Where the studio shows a problem: an alert, a field error, an error box or a toast. */
const SHOWN_PROBLEM = '[role=alert], .field-error, .error-box, .error-detail, [aria-invalid="true"], .toasts > *';

/** Waits until the route's chunk, its data and its lazy lists have arrived. */
async function settle(p: Page) {
  await settleLoaded(p);
  await p.locator('main#main').waitFor();
}

async function setLocale(locale: 'en' | 'zh-CN') {
  await page.evaluate((l) => localStorage.setItem('protean.locale', l), locale);
}

const any = (en: string, zh: string) => new RegExp(`^(${en}|${zh})$`);

/** Visits every page a user can reach and provokes the error states; returns every finding. */
async function crawl(locale: 'en' | 'zh-CN'): Promise<{ findings: Finding[]; visited: string[] }> {
  const findings: Finding[] = [];
  const visited: string[] = [];
  const base = ws.baseUrl;
  const record = async (label: string) => {
    visited.push(label);
    findings.push(...(await findOldWords(page, `${locale} ${label}`)));
  };
  // The first page loads in the locale; the rest open as the app's links open them, except where
  // a step below wants a page fresh from the server.
  let loaded = false;
  const visit = async (path: string, label = path, screenshot?: string) => {
    if (loaded) await navigateInApp(page, path);
    else await page.goto(`${base}${path}`);
    loaded = true;
    await settle(page);
    await record(label);
    if (screenshot) await shot(page, `terminology-${locale}-${screenshot}`);
  };

  await setLocale(locale);
  const snap = await api<Snap>(page, 'GET', '/metadata/snapshot');
  await visit('/', '/', 'home');
  const navObjects = snap.objects.filter((o) => typeof o.navOrder === 'number');
  for (const o of navObjects.length ? navObjects : snap.objects) {
    await visit(`/o/${o.apiName}`, undefined, o.apiName === 'customer' ? 'list' : undefined);
    await visit(`/o/${o.apiName}?view=kanban`, undefined, o.apiName === 'deal' ? 'kanban' : undefined);
    await visit(`/o/${o.apiName}/new`, undefined, o.apiName === 'customer' ? 'create' : undefined);
    const id = ids[o.apiName];
    if (id) {
      await visit(`/o/${o.apiName}/${id}`, `/o/${o.apiName}/:id`, o.apiName === 'customer' ? 'record' : undefined);
      await visit(`/o/${o.apiName}/${id}/edit`, `/o/${o.apiName}/:id/edit`, o.apiName === 'customer' ? 'edit' : undefined);
    }
  }
  await visit('/recycle-bin', undefined, 'recycle-bin');
  await visit('/search?q=Mei', undefined, 'search');
  await visit('/search?q=zzzz-no-match', '/search (no results)');

  // The command palette, open and filtered.
  await page.goto(`${base}/o/customer`);
  await settle(page);
  await page.keyboard.press('Control+k');
  await page.locator('dialog.palette').waitFor();
  await record('command palette');
  await shot(page, `terminology-${locale}-palette`);
  await page.locator('.palette-input').fill('Mei');
  await page.locator('dialog.palette').getByText(/Mei/).first().waitFor();
  await settle(page);
  await record('command palette (searching)');
  await page.keyboard.press('Escape');

  // Quick create from the top bar.
  await page.locator('.topbar').getByRole('button', { name: any('Quick create', '快速新建') }).click();
  await page.getByRole('dialog').first().waitFor();
  await settle(page);
  await record('quick create dialog');
  await page.keyboard.press('Escape');

  // Error: a validation error on a create form (submitted empty).
  await page.goto(`${base}/o/customer/new`);
  await settle(page);
  await page.locator('main form button[type=submit]').first().click();
  await page.locator(SHOWN_PROBLEM).first().waitFor();
  await record('create form with validation errors');
  await shot(page, `terminology-${locale}-validation`);

  // Error: a record that does not exist.
  await visit('/o/customer/0190b6b1-0000-7000-8000-000000000000', 'not-found record', 'not-found');
  await visit('/o/no_such_object', 'unknown object');
  await visit('/no/such/page', 'unknown page');

  // Error: a refused delete (a deal refers to this customer and restricts the delete).
  await page.goto(`${base}/o/customer/${ids['customer:other']}`);
  await settle(page);
  await page.locator('main').getByRole('button', { name: any('Delete', '删除') }).first().click();
  const confirm = page.getByRole('dialog');
  await confirm.waitFor();
  await record('delete confirmation');
  await confirm.getByRole('button', { name: any('Delete', '删除') }).click();
  await page.locator(SHOWN_PROBLEM).first().waitFor();
  await settle(page);
  await record('refused record delete');
  await shot(page, `terminology-${locale}-refused-delete`);

  // Error: a stale edit (someone else saves while the form is open).
  await page.goto(`${base}/o/customer/${ids['customer']}/edit`);
  await settle(page);
  await api(page, 'PATCH', `/records/customer/${ids['customer']}`, { last_name: `Chen ${locale}` });
  await page.locator('main form button[type=submit]').first().click();
  await page.locator(SHOWN_PROBLEM).first().waitFor();
  await record('stale edit');
  await shot(page, `terminology-${locale}-stale`);

  // Setup: every page, every object, its fields and layouts.
  await visit('/setup/objects', undefined, 'setup-objects');
  for (const o of snap.objects) {
    for (const tab of ['fields', 'layouts', 'details']) await visit(`/setup/objects/${o.apiName}?tab=${tab}`, undefined, o.apiName === 'customer' && tab === 'fields' ? 'setup-object' : undefined);
    await visit(`/setup/objects/${o.apiName}/fields/new`);
    for (const f of o.fields.filter((x) => !x.deletedAt && (o.apiName === 'customer' || x.type === 'lookup'))) {
      await visit(`/setup/objects/${o.apiName}/fields/${f.apiName}`, undefined, o.apiName === 'customer' && f.apiName === 'customer_number' ? 'setup-field' : undefined);
    }
    for (const l of snap.layouts.filter((x) => x.objectId === o.id)) await visit(`/setup/objects/${o.apiName}/layouts/${l.id}`, undefined, o.apiName === 'customer' ? 'setup-layout' : undefined);
  }
  // Error: deleting an object others look up is refused with its dependents.
  await page.goto(`${base}/setup/objects`);
  await settle(page);
  const siteRow = page.locator('main table tbody tr').filter({ has: page.locator('code', { hasText: /^site$/ }) });
  await siteRow.locator('button.btn-danger').click();
  await page.getByRole('dialog').waitFor();
  // The dialog counts the object's records with a request of its own.
  await settle(page);
  await record('object delete confirmation');
  await page.getByRole('dialog').getByRole('button', { name: any('Delete', '删除') }).click();
  // The dialog already holds an alert (the lookups that block the delete): the server's refusal is its error box.
  await page.getByRole('dialog').locator('.error-box').waitFor();
  await record('refused object delete');
  await shot(page, `terminology-${locale}-refused-object-delete`);
  await visit('/setup/navigation', undefined, 'setup-navigation');
  await visit('/setup/revisions', undefined, 'setup-revisions');
  await visit('/setup/users', undefined, 'setup-users');
  await page.getByRole('button', { name: any('New staff member', '新建医护人员') }).click();
  await page.getByRole('dialog').waitFor();
  await record('new user dialog');
  await page.keyboard.press('Escape');
  await visit('/setup/api-keys', undefined, 'setup-api-keys');
  // One's own account and sessions speak of people who sign in, so of the user term as well.
  for (const [path, screenshot] of [['/setup/sessions', 'setup-sessions'], ['/account', 'account']] as const) {
    await visit(path, undefined, screenshot);
    findings.push(...(await findOldWords(page, `${locale} ${path}`, OLD_USER_WORDS)));
  }
  await visit('/setup/terminology', undefined, 'setup-terminology');
  await visit('/setup/terminology?term=customer', '/setup/terminology (editing the customer term)', 'setup-terminology-editor');
  await visit('/setup/terminology?term=user', '/setup/terminology (editing the user term)');
  return { findings, visited };
}

const report = (findings: Finding[]) => findings.map((f) => `${f.page} — ${f.where}: "${f.snippet}"`).join('\n');

describe('terminology in Chromium', () => {
  it('the check can fail: before a term set, the customer list shows the old word in both languages', async () => {
    for (const [locale, word] of [['en', /customer/i], ['zh-CN', /客户/]] as const) {
      await setLocale(locale);
      await page.goto(`${ws.baseUrl}/o/customer`);
      await settle(page);
      const findings = await findOldWords(page, `${locale} /o/customer`);
      expect(findings.some((f) => word.test(f.snippet)), report(findings)).toBe(true);
    }
    // And the user term's, on one's own account.
    for (const [locale, word] of [['en', /users/], ['zh-CN', /用户/]] as const) {
      await setLocale(locale);
      await page.goto(`${ws.baseUrl}/account`);
      await settle(page);
      const findings = await findOldWords(page, `${locale} /account`, OLD_USER_WORDS);
      expect(findings.some((f) => word.test(f.snippet)), report(findings)).toBe(true);
    }
  });

  it('edits a term with a live preview, saves it as one revision and resets it to the standard words', async () => {
    await setLocale('en');
    await page.goto(`${ws.baseUrl}/setup/terminology`);
    await settle(page);
    await page.getByLabel('Search terms').fill('organ');
    await page.getByRole('button', { name: 'Edit the term organization' }).click();
    const editor = page.locator('.term-editor');
    const before = (await api<unknown[]>(page, 'GET', '/metadata/revisions')).length;
    await editor.getByLabel('Singular').first().fill('practice');
    await editor.getByLabel('Plural', { exact: true }).first().fill('practices');
    const preview = page.getByTestId('term-preview');
    await preview.getByText('New Practice').waitFor();
    expect(await editor.getByTestId('term-shapes').textContent()).toContain('Practice');
    await shot(page, 'terminology-en-preview');
    await editor.getByRole('button', { name: 'Save' }).click();
    await page.getByText(/Saved as revision/).waitFor();
    expect((await api<unknown[]>(page, 'GET', '/metadata/revisions')).length).toBe(before + 1);
    const terms = await api<{ key: string; overridden: boolean; forms: { en: { singular: string } } }[]>(page, 'GET', '/metadata/terms');
    expect(terms.find((t) => t.key === 'organization')).toMatchObject({ overridden: true, forms: { en: { singular: 'practice' } } });
    await page.goto(`${ws.baseUrl}/`);
    await (await objectNavLink(page, 'Practices')).waitFor();
    await page.goto(`${ws.baseUrl}/setup/terminology?term=organization`);
    await editor.getByRole('button', { name: 'Reset to standard' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Reset to standard' }).click();
    await page.getByText(/Standard words restored/).waitFor();
    const after = await api<{ key: string; overridden: boolean }[]>(page, 'GET', '/metadata/terms');
    expect(after.find((t) => t.key === 'organization')!.overridden).toBe(false);
  });

  it('shows where a term is used, in Chinese', async () => {
    await setLocale('zh-CN');
    await page.goto(`${ws.baseUrl}/setup/terminology?term=customer`);
    await settle(page);
    const usage = page.locator('.term-usage');
    await usage.getByText(/客户编号/).first().waitFor();
    expect(await usage.textContent()).toContain('字段');
  });

  it('applies the Healthcare set in one step from the Setup page', async () => {
    await setLocale('en');
    await page.goto(`${ws.baseUrl}/setup/terminology`);
    await settle(page);
    await page.getByRole('button', { name: 'Apply the Healthcare term set' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText(/renames 6 terms/).waitFor();
    await dialog.getByRole('button', { name: 'Apply' }).click();
    await page.getByText(/Healthcare term set applied as revision/).waitFor();
    await page.goto(`${ws.baseUrl}/`);
    await (await objectNavLink(page, 'Patients')).waitFor();
  });

  for (const locale of ['zh-CN', 'en'] as const) {
    it(`with Healthcare applied, no page of the CRM or Setup says Customer or 客户 (${locale})`, { timeout: 600_000 }, async () => {
      const { findings, visited } = await crawl(locale);
      expect(visited.length).toBeGreaterThan(60);
      expect(findings, `${findings.length} finding(s) on ${new Set(findings.map((f) => f.page)).size} page(s):\n${report(findings)}`).toEqual([]);
    });
  }

  it('raised no script errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
