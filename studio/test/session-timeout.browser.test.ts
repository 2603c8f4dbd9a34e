// The idle timeout in Chromium against the real server, its idle time one minute by configuration:
// the studio warns before the session ends unused, in English and Chinese; "Stay signed in" in one
// tab keeps the session for every tab (the server decides); once it has ended, the sign-in page
// says why. Then an administrator chooses the workspace's idle time in Setup › Sessions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { api, launchBrowser, settle, shot, signIn, startWorkspace, type TestBrowser, type Workspace } from './harness.ts';

let ws: Workspace;
let browser: TestBrowser;
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

/**
 * A signed-in page whose clock is held by the test (Playwright's clock, from `start`), and whose
 * session ends at `end` by the answers of GET /auth/session, given here: the server's own
 * X-Session-Ends-In on its other answers is taken off. The page is read with plain evaluations,
 * polled from here (its time moves only when the test moves it), each wait bounded.
 */
async function heldClockSession(status: { start: number; end: number; endsBy: 'idle' | 'limit'; idleTimeout: number }) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
  await context.clock.install({ time: status.start });
  // Held from the start: every answer reaches the studio at the instant it was given for. Held
  // before the page opens: the clock runs meanwhile, and on a loaded machine had passed this instant.
  await context.clock.pauseAt(status.start + 1_000);
  const page = watch(await context.newPage());
  let checks = 0;
  await page.route('**/api/v1/**', async (route) => {
    if (!route.request().url().endsWith('/api/v1/auth/session')) {
      const response = await route.fetch();
      const headers = { ...response.headers() };
      delete headers['x-session-ends-in'];
      await route.fulfill({ response, headers });
      return;
    }
    checks += 1;
    const pageNow = await page.evaluate(() => Date.now());
    if (pageNow >= status.end) {
      await route.fulfill({ status: 401, contentType: 'application/problem+json', body: JSON.stringify({ type: 'about:blank', title: 'Unauthorized', status: 401 }) });
      return;
    }
    await route.fulfill({ json: { endsIn: status.end - pageNow, endsBy: status.endsBy, idleTimeout: status.idleTimeout, expiresAt: new Date(status.end).toISOString() } });
  });
  await signIn(page, ws);
  const answered = () => !document.body.hasAttribute('aria-busy');
  const until = async (what: string, condition: () => boolean) => {
    for (let poll = 0; poll < 200; poll++) {
      if (await page.evaluate(condition)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`the page never showed ${what}`);
  };
  /** One second on, and the answers to what the page asked meanwhile. */
  const tick = async () => {
    await page.clock.runFor(1_000);
    await until('its answer', answered);
  };
  await until('its answer', answered);
  return { context, page, until, tick, checks: () => checks };
}

const dialogText = () => document.querySelector('dialog[open]')?.textContent ?? '';

describe('the warning keeps asking the server until the session has ended', () => {
  it('an answer giving the same end as the one before still schedules the next check (the page’s clock held still)', async () => {
    // The end the server gives is one instant, and the studio's `now + endsIn` lands on the same
    // millisecond whenever the round trip takes as long as the last. With the page's clock held
    // still between checks it always does: each check must still lead to the next, up to the end.
    const start = new Date('2026-03-02T09:00:00Z').getTime();
    const session = await heldClockSession({ start, end: start + 100_000, endsBy: 'idle', idleTimeout: 60_000 });
    const signedOutIdle = () => document.body.innerText.includes('You were signed out after a time without activity');
    // A second at a time from signing in to past the end: asleep until 15 s before, then warning
    // and asking every 5 s, every answer the same end.
    let warnedAt: number | undefined;
    for (let second = 1; second <= 110 && !(await session.page.evaluate(signedOutIdle)); second++) {
      if (warnedAt === undefined && (await session.page.evaluate(dialogText)).includes('Your session ends in')) warnedAt = second;
      await session.tick();
    }
    await session.until('the sign-in page with the reason', signedOutIdle);
    expect(warnedAt).toBe(85);
    // The first check on signing in; then at 15, 10 and 5 s before the end, and at the end (refused).
    expect(session.checks()).toBe(5);
    await session.context.close();
    expect(pageErrors).toEqual([]);
  });

  it('a session reaching its 12 hours is warned of without the offer to stay; closed, the warning stays closed; at the end the sign-in page says it has ended', async () => {
    const start = new Date('2026-03-02T21:00:00Z').getTime();
    // Half an hour's idle time: the warning comes 90 s before the end.
    const session = await heldClockSession({ start, end: start + 100_000, endsBy: 'limit', idleTimeout: 30 * 60_000 });
    const { page } = session;
    for (let second = 1; second < 9; second++) await session.tick();
    expect(await page.evaluate(dialogText)).toBe('');
    await session.tick();
    await session.until('the limit’s warning', () => document.querySelector('dialog[open]')?.textContent?.includes('Your session ends in 1:30: every session ends 12 hours after sign-in.') === true);
    const warning = await page.evaluate(() => ({
      title: document.getElementById(document.querySelector('dialog[open]')!.getAttribute('aria-labelledby')!)?.textContent,
      buttons: [...document.querySelectorAll('dialog[open] button')].map((b) => b.textContent),
    }));
    expect(warning.title).toBe('Your session is about to reach its limit');
    expect(warning.buttons).not.toContain('Stay signed in');
    expect(warning.buttons).toContain('Sign out');
    await shot(page, 'session-limit-warning');

    await page.keyboard.press('Escape');
    await session.until('the warning closed', () => document.querySelector('dialog[open]') === null);
    const signedOutEnded = () => document.body.innerText.includes('Your session has ended. Sign in again to continue.');
    for (let second = 10; second <= 110 && !(await page.evaluate(signedOutEnded)); second++) {
      expect(await page.evaluate(dialogText)).toBe('');
      await session.tick();
    }
    await session.until('the sign-in page saying the session has ended', signedOutEnded);
    await session.context.close();
    expect(pageErrors).toEqual([]);
  });
});
