// The idle timeout in Chromium against the real server, its idle time one minute by configuration:
// the studio warns before the session ends unused, in English and Chinese; "Stay signed in" in one
// tab keeps the session for every tab (the server decides); once it has ended, the sign-in page
// says why. Then an administrator chooses the workspace's idle time in Setup › Sessions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { api, launchBrowser, settle, shot, signIn, startWorkspace, type Workspace } from './harness.ts';

let ws: Workspace;
let browser: Browser;
let english: BrowserContext;
let chinese: BrowserContext;
const pageErrors: string[] = [];

const watch = (page: Page) => {
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.setDefaultTimeout(30_000);
  return page;
};

beforeAll(async () => {
  ws = await startWorkspace({ PROTEAN_SESSION_IDLE_MINUTES: '1' });
  browser = await launchBrowser();
  english = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
  chinese = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' });
});

afterAll(async () => {
  await browser?.close();
  await ws?.stop();
});

// A minute's idle time warns 15 seconds before (a quarter of it); the waits allow for the minute.
const IDLE_WAIT = 90_000;

describe('the studio warns before an idle session ends', () => {
  it('warns in every tab and in Chinese; staying in one tab keeps the others; unused, it ends on the sign-in page with the reason', async () => {
    const first = watch(await english.newPage());
    await signIn(first, ws);
    const second = watch(await english.newPage());
    await second.goto(`${ws.baseUrl}/`);
    await second.locator('.topbar').waitFor();
    const zh = watch(await chinese.newPage());
    await signIn(zh, ws);

    const warningIn = (page: Page) => page.getByRole('dialog', { name: 'Your session is about to end' });
    await warningIn(first).waitFor({ timeout: IDLE_WAIT });
    await warningIn(second).waitFor();
    expect(await warningIn(first).innerText()).toMatch(/Your session ends in 0:[01]\d: there has been no activity for a while\./);
    await warningIn(first).getByRole('button', { name: 'Sign out' }).waitFor();
    await shot(first, 'session-timeout-warning');

    const zhWarning = zh.getByRole('dialog', { name: '您的会话即将结束' });
    await zhWarning.waitFor({ timeout: IDLE_WAIT });
    expect(await zhWarning.innerText()).toMatch(/由于一段时间没有活动，您的会话将在 0:[01]\d 后结束。/);
    await zhWarning.getByRole('button', { name: '退出登录' }).waitFor();
    await shot(zh, 'session-timeout-warning-zh-CN');

    // One click in the second tab keeps the session: the first tab's warning goes, as the server tells it.
    await warningIn(second).getByRole('button', { name: 'Stay signed in' }).click();
    await warningIn(second).waitFor({ state: 'hidden' });
    await warningIn(first).waitFor({ state: 'hidden' });
    expect((await api<{ endsIn: number }>(first, 'GET', '/auth/session')).endsIn).toBeGreaterThan(30_000);
    await zhWarning.getByRole('button', { name: '保持登录' }).click();
    await zhWarning.waitFor({ state: 'hidden' });

    // Left alone, the session ends: each tab shows the sign-in page saying why, in its language.
    const reason = 'You were signed out after a time without activity. Sign in again to continue.';
    await first.getByText(reason).waitFor({ timeout: IDLE_WAIT });
    await first.getByRole('heading', { name: 'Sign in' }).waitFor();
    await second.getByText(reason).waitFor({ timeout: IDLE_WAIT });
    await zh.getByText('由于一段时间没有活动，您已被登出。请重新登录以继续。').waitFor({ timeout: IDLE_WAIT });
    expect((await first.request.get(`${ws.baseUrl}/api/v1/auth/me`)).status()).toBe(401);
    await shot(first, 'session-timeout-signed-out');

    // Signing in again clears the reason.
    await signIn(first, ws);
    await first.locator('.topbar').waitFor();
    expect(pageErrors).toEqual([]);
  }, 5 * IDLE_WAIT);
});

describe('Setup › Sessions: the workspace’s idle time', () => {
  it('an administrator chooses it from the list, it is saved and applies to the session, and reads in Chinese', async () => {
    // Signed in on a browser of its own: it does not depend on the test above ending signed in.
    const own = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    const page = watch(await own.newPage());
    await signIn(page, ws);
    await page.goto(`${ws.baseUrl}/setup/sessions`);
    await page.getByRole('heading', { name: 'Sessions', level: 1 }).waitFor();
    await settle(page);
    const section = page.getByRole('region', { name: 'Sign-out after inactivity' });
    const select = section.getByLabel('Idle time');
    // The server's default (one minute here) shows until one is chosen.
    expect(await select.inputValue()).toBe('1');
    await section.getByText('Not chosen yet: the server’s default applies.').waitFor();
    expect(await select.locator('option').allInnerTexts()).toEqual(['1 minute', '15 minutes', '30 minutes', '1 hour', '2 hours', '4 hours', '8 hours', '12 hours']);

    await select.selectOption({ label: '15 minutes' });
    await section.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Idle time saved').waitFor();
    await section.getByText('Not chosen yet').waitFor({ state: 'hidden' });
    expect(await api(page, 'GET', '/workspace/session-settings')).toMatchObject({ idleMinutes: 15, chosen: true });
    // The session's own end moved with it.
    expect((await api<{ endsIn: number }>(page, 'GET', '/auth/session')).endsIn).toBeGreaterThan(14 * 60_000);
    const trail = await api<{ action: string; detail: unknown }[]>(page, 'GET', '/access/audit');
    expect(trail.find((e) => e.action === 'session.idleTimeout')?.detail).toEqual({ before: { idleMinutes: 1 }, after: { idleMinutes: 15 } });
    await shot(page, 'session-idle-setting');

    await page.reload();
    await page.getByRole('heading', { name: 'Sessions', level: 1 }).waitFor();
    await settle(page);
    expect(await page.getByRole('region', { name: 'Sign-out after inactivity' }).getByLabel('Idle time').inputValue()).toBe('15');

    await page.locator('.topbar').getByRole('combobox').selectOption('zh-CN');
    const zhSection = page.getByRole('region', { name: '闲置后自动登出' });
    await zhSection.waitFor();
    expect(await zhSection.getByLabel('闲置时间').locator('option:checked').innerText()).toBe('15 分钟');
    await shot(page, 'session-idle-setting-zh-CN');
    expect(pageErrors).toEqual([]);
  });
});
