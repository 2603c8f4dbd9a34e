// Setup › Sessions in Chromium against the real server: a user signed in on three devices sees
// them, signs one out (its next request is refused), then signs out of all but this one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { launchBrowser, settle, shot, signIn, startWorkspace, type TestBrowser, type Workspace } from './harness.ts';

const PHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1';
const TABLET = 'Mozilla/5.0 (Linux; Android 14; Pixel Tablet) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

let ws: Workspace;
let browser: TestBrowser;
let page: Page;
const devices: { context: BrowserContext; page: Page }[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  ws = await startWorkspace();
  browser = await launchBrowser();
  for (const userAgent of [PHONE, TABLET]) {
    const context = await browser.newContext({ userAgent, locale: 'en-US' });
    const other = await context.newPage();
    other.setDefaultTimeout(30_000);
    await signIn(other, ws);
    devices.push({ context, page: other });
  }
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'en-US' });
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.setDefaultTimeout(30_000);
  await signIn(page, ws);
});

afterAll(async () => {
  await browser?.close();
  await ws?.stop();
});

/** What the device's session gets from the server now. */
const meStatus = async (device: Page) => (await device.request.get(`${ws.baseUrl}/api/v1/auth/me`)).status();

describe('Setup › Sessions', () => {
  it('lists where the user is signed in, signs one device out, then every session but this one', async () => {
    await page.goto(`${ws.baseUrl}/setup/sessions`);
    await page.getByRole('heading', { name: 'Sessions', level: 1 }).waitFor();
    await settle(page);
    const table = page.getByRole('table', { name: 'Sessions' });
    await expect.poll(() => table.locator('tbody tr').count()).toBe(3);
    await expect.poll(() => table.locator('tr[data-session="current"]').getByText('This session').count()).toBe(1);
    await table.getByRole('row', { name: /Safari 17 on iOS/ }).waitFor();
    await shot(page, 'sessions');

    expect(await meStatus(devices[0]!.page)).toBe(200);
    await table.getByRole('button', { name: /^Sign out Safari 17 on iOS/ }).click();
    await page.getByText('Session signed out').waitFor();
    await expect.poll(() => table.locator('tbody tr').count()).toBe(2);
    expect(await meStatus(devices[0]!.page)).toBe(401);
    expect(await meStatus(devices[1]!.page)).toBe(200);

    await page.getByRole('button', { name: 'Sign out of all other sessions' }).click();
    await page.getByRole('dialog', { name: 'Sign out of all other sessions' }).getByRole('button', { name: 'Sign out of all other sessions' }).click();
    await page.getByText('Other sessions signed out: 1').waitFor();
    await expect.poll(() => table.locator('tbody tr').count()).toBe(1);
    expect(await meStatus(devices[1]!.page)).toBe(401);
    expect(await page.getByRole('button', { name: 'Sign out of all other sessions' }).isDisabled()).toBe(true);
    // This session stays signed in.
    await page.reload();
    await page.getByRole('heading', { name: 'Sessions', level: 1 }).waitFor();

    // In Chinese, every word of the page.
    await page.locator('.topbar').getByRole('combobox').selectOption('zh-CN');
    await page.getByRole('heading', { name: '登录会话', level: 1 }).waitFor();
    const zh = page.getByRole('table', { name: '登录会话' });
    expect(await zh.locator('thead').innerText()).toMatch(/设备\s+IP 地址\s+登录时间\s+最近活动/);
    await zh.getByText('当前会话').waitFor();
    expect(await zh.locator('tbody td').first().innerText()).toMatch(/^Linux 上的 Chrome \d+$/);
    await page.getByRole('button', { name: '退出所有其他会话' }).waitFor();
    await shot(page, 'sessions-zh-CN');
    expect(pageErrors).toEqual([]);
  });
});
