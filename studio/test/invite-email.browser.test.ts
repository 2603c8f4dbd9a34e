// Inviting by email in Chromium against the real server with outgoing mail, in English and
// Chinese: the form offers sending the link, the mail arrives at a real SMTP receiver in the
// invitee's language and the workspace's words, and its link lets the invitee join. A refused
// address is said next to the email field. Screenshots go to docs/screenshots/.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createTextResolver, type TermDef } from '@protean/metadata/terms';
import { createI18n, type MessageKey, type MessageParams } from '../src/i18n/i18n.tsx';
import { api, launchBrowser, repoRoot, signIn, startWorkspace, type TestBrowser, type Workspace } from './harness.ts';
import { MailReceiver } from '../../server/test/mail-receiver.ts';

type Locale = 'en' | 'zh-CN';

const receiver = new MailReceiver();

let ws: Workspace;
let browser: TestBrowser;
let page: Page;
let terms: TermDef[] = [];
const pageErrors: string[] = [];
const docsDir = join(repoRoot, 'docs', 'screenshots');

async function docShot(p: Page, name: string) {
  mkdirSync(docsDir, { recursive: true });
  await p.screenshot({ path: join(docsDir, `${name}.png`), fullPage: true });
}

function say(locale: Locale, key: MessageKey, params?: MessageParams): string {
  return createI18n(locale, () => {}, createTextResolver(terms, locale)).t(key, params);
}

async function newPage(locale: Locale): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: locale === 'en' ? 'en-US' : 'zh-CN', timezoneId: 'UTC' });
  await context.addInitScript((l) => {
    if (!localStorage.getItem('protean.locale')) localStorage.setItem('protean.locale', l);
  }, locale);
  const p = await context.newPage();
  p.on('pageerror', (e) => pageErrors.push(e.message));
  p.setDefaultTimeout(30_000);
  return p;
}

beforeAll(async () => {
  ws = await startWorkspace({ PROTEAN_SMTP_URL: await receiver.start() });
  browser = await launchBrowser();
  page = await newPage('en');
  await signIn(page, ws);
  // The workspace calls its customers patients: the invitation says so.
  await api(page, 'PUT', '/metadata/terms/customer', { forms: { en: { singular: 'patient', plural: 'patients' }, 'zh-CN': { singular: '患者', plural: '患者' } } });
  terms = (await api<{ terms: TermDef[] }>(page, 'GET', '/metadata/snapshot')).terms;
  // A profile of the workspace's own: any profile may be given at invite.
  const sets = await api<{ id: string; key: string }[]>(page, 'GET', '/access/permission-sets');
  await api(page, 'POST', '/access/profiles', { key: 'clinician', name: 'Clinician', permissionSetIds: [sets.find((s) => s.key === 'standard')!.id] });
});

afterAll(async () => {
  await browser?.close();
  await ws?.stop();
  await receiver.close();
  expect(pageErrors).toEqual([]);
});

describe('inviting a user by email', () => {
  // The admin works in one language and invites someone who reads the other.
  const cases: { studio: Locale; invitee: Locale; role: string }[] = [
    { studio: 'en', invitee: 'zh-CN', role: 'standard' },
    { studio: 'zh-CN', invitee: 'en', role: 'clinician' },
  ];
  for (const { studio, invitee, role } of cases) {
    const roleLabel = (locale: Locale) => (role === 'standard' ? say(locale, 'users.roleStandard') : 'Clinician');
    it(`an admin working in ${studio} sends an invitation in ${invitee}; its link lets the invitee join`, async () => {
      await page.evaluate((l) => localStorage.setItem('protean.locale', l), studio);
      await page.goto(`${ws.baseUrl}/setup/users`);
      await page.getByRole('button', { name: say(studio, 'invites.create' as MessageKey) }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel(say(studio, 'users.role')).selectOption(role);

      // A refused address is said beside the email field, in the studio's language, and nothing is made.
      await dialog.getByLabel(say(studio, 'invites.emailOptional' as MessageKey)).fill(`refused-${studio}@${ws.tenant}.test`);
      await dialog.getByLabel(say(studio, 'invites.sendByEmail' as MessageKey)).check();
      await dialog.getByRole('button', { name: say(studio, 'invites.send' as MessageKey) }).click();
      await expect.poll(() => dialog.locator('.field-error').innerText(), { timeout: 20_000 }).toBe(say(studio, 'invites.mailRefused' as MessageKey));

      const address = `guest-${invitee}@${ws.tenant}.test`;
      await dialog.getByLabel(say(studio, 'invites.emailOptional' as MessageKey)).fill(address);
      await expect.poll(() => dialog.locator('.field-error').count()).toBe(0);
      await dialog.getByLabel(say(studio, 'invites.mailLanguage' as MessageKey)).selectOption(invitee);
      await docShot(page, `invite-email-form-${studio}`);
      await dialog.getByRole('button', { name: say(studio, 'invites.send' as MessageKey) }).click();
      await expect
        .poll(() => dialog.getByTestId('invite-result').innerText(), { timeout: 20_000 })
        .toBe(say(studio, 'invites.sent' as MessageKey, { email: address, role: roleLabel(studio) }));
      await docShot(page, `invite-email-sent-${studio}`);
      await dialog.locator('.form-actions').getByRole('button', { name: say(studio, 'action.close') }).click();

      const mail = await receiver.mailTo(address);
      const text = mail.text ?? '';
      if (invitee === 'zh-CN') {
        expect(mail.subject).toContain('邀请您加入');
        expect(text).toContain('管理患者');
      } else {
        expect(mail.subject).toContain('invited you to');
        expect(text).toContain('keeps its patients');
      }
      expect(text).not.toMatch(/customer|客户/i);
      const link = /http:\/\/\S+\/invite\/inv_\S+/.exec(text)?.[0];
      expect(link?.startsWith(ws.baseUrl)).toBe(true);

      const guest = await newPage(invitee);
      await guest.goto(link!);
      await guest.getByRole('heading', { name: say(invitee, 'invites.acceptTitle' as MessageKey) }).waitFor();
      await guest.getByText(roleLabel(invitee), { exact: false }).first().waitFor();
      await expect.poll(() => guest.getByLabel(say(invitee, 'login.email'), { exact: true }).inputValue()).toBe(address);
      const name = invitee === 'en' ? 'Gina Guest' : '新同事';
      await guest.getByLabel(say(invitee, 'users.name'), { exact: true }).fill(name);
      await guest.getByLabel(say(invitee, 'login.password'), { exact: true }).fill('a long enough password');
      await guest.getByRole('button', { name: say(invitee, 'invites.join' as MessageKey) }).click();
      await guest.getByRole('heading', { level: 1, name: say(invitee, 'home.title', { name }) }).waitFor();
      expect((await api<{ user: { role: string; email: string } }>(guest, 'GET', '/auth/me')).user).toMatchObject({ role, email: address });
      await guest.context().close();
    }, 180_000);
  }
});
