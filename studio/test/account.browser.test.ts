// My account in Chromium against the real server: a user without any Setup right opens it from
// the header, is refused a common password, a confirmation that differs and a wrong current
// password (each on its field, which takes the focus), changes the password by keyboard and signs
// in with the new one; then the same page in Chinese, with the language saved to the account, which
// a new device then signs in with.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { api, launchBrowser, settle, shot, signIn, startWorkspace, type TestBrowser, type Workspace } from './harness.ts';

let ws: Workspace;
let browser: TestBrowser;
let admin: Page;
const pageErrors: string[] = [];
const reader = { email: 'reader@account.test', name: 'Rita Reader', password: 'rita reads all day' };

async function newPage(locale = 'en-US'): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale });
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.setDefaultTimeout(30_000);
  return page;
}

/** Whether the focused element is the account form's input named `name`. */
const focusedInput = (page: Page) => page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name ?? '');

/** Fills the three fields by keyboard and submits with Enter. */
async function changePassword(page: Page, current: string, next: string, confirm = next): Promise<void> {
  const form = page.locator('form.account-password');
  for (const [name, value] of [['currentPassword', current], ['password', next], ['confirm', confirm]] as const) await form.locator(`input[name="${name}"]`).fill(value);
  await form.locator('input[name="confirm"]').press('Enter');
}

/** The refusal shown on the field `name`, once it shows. */
async function fieldProblem(page: Page, name: string): Promise<string> {
  const input = page.locator(`form.account-password input[name="${name}"]`);
  await expect.poll(() => input.getAttribute('aria-invalid')).toBe('true');
  const id = (await input.getAttribute('aria-describedby'))!.split(' ').find((d) => d.endsWith('-error'))!;
  return page.locator(`[id="${id}"]`).innerText();
}

const loginStatus = async (page: Page, password: string) =>
  (await page.request.post(`${ws.baseUrl}/api/v1/auth/login`, { data: { tenant: ws.tenant, email: reader.email, password }, headers: { origin: ws.baseUrl } })).status();

beforeAll(async () => {
  ws = await startWorkspace();
  browser = await launchBrowser();
  admin = await newPage();
  await signIn(admin, ws);
  await api(admin, 'POST', '/users', { ...reader, role: 'read_only' });
});

afterAll(async () => {
  await browser?.close();
  await ws?.stop();
});

describe('My account', () => {
  it('a user with no Setup right changes their password from the header’s account link and signs in with the new one', async () => {
    const page = await newPage();
    await signIn(page, { ...ws, email: reader.email, password: reader.password });
    // By keyboard: the header's account link, named by the page it opens.
    const link = page.locator('.topbar').getByRole('link', { name: /^My account: Rita Reader/ });
    await link.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'My account', level: 1 }).waitFor();
    await settle(page);
    expect(await link.getAttribute('aria-current')).toBe('page');
    expect(await page.getByTestId('account-name').innerText()).toBe('Rita Reader');
    expect(await page.getByTestId('account-email').innerText()).toBe(reader.email);
    // Name and email are shown, not editable: the only inputs are the password's and the language.
    expect(await page.locator('.account-page input:not([type="password"])').count()).toBe(0);
    await page.getByText('At least 10 characters, and not one of the most common passwords.').waitFor();

    await changePassword(page, reader.password, 'Password123');
    expect(await fieldProblem(page, 'password')).toBe('This is one of the most common passwords; choose one that is harder to guess.');
    expect(await focusedInput(page)).toBe('password');
    expect(await page.locator('.account-page').innerText()).not.toContain('Password123');

    await changePassword(page, reader.password, 'rita found a new phrase', 'rita found a new phrasE');
    expect(await fieldProblem(page, 'confirm')).toBe('This does not match the new password.');
    expect(await focusedInput(page)).toBe('confirm');

    await changePassword(page, 'not what rita uses', 'rita found a new phrase');
    expect(await fieldProblem(page, 'currentPassword')).toBe('This is not your current password.');
    expect(await focusedInput(page)).toBe('currentPassword');

    await changePassword(page, reader.password, 'rita found a new phrase');
    await page.getByText('Password changed. Your other sessions were signed out.').waitFor();
    expect(await page.locator('form.account-password input[aria-invalid]').count()).toBe(0);
    expect(await page.locator('form.account-password input[name="password"]').inputValue()).toBe('');
    await shot(page, 'account-en');

    // Where one is signed in is one link away.
    await page.getByRole('link', { name: 'Setup › Sessions' }).click();
    await page.getByRole('heading', { name: 'Sessions', level: 1 }).waitFor();

    expect(await loginStatus(page, reader.password)).toBe(401);
    const fresh = await newPage();
    await signIn(fresh, { ...ws, email: reader.email, password: 'rita found a new phrase' });
    expect(await fresh.getByTestId('user-name').innerText()).toBe('Rita Reader');
    reader.password = 'rita found a new phrase';
    expect(pageErrors).toEqual([]);
  });

  it('reads in Chinese, keeps the language with the account and refuses a common password in Chinese', async () => {
    const page = await newPage();
    await signIn(page, { ...ws, email: reader.email, password: reader.password });
    await page.goto(`${ws.baseUrl}/account`);
    await page.getByRole('heading', { name: 'My account', level: 1 }).waitFor();
    await settle(page);
    await page.locator('.account-page').getByRole('combobox', { name: 'Language' }).selectOption('zh-CN');
    await page.getByRole('heading', { name: '我的账户', level: 1 }).waitFor();
    await page.getByText('语言已保存').waitFor();
    const users = await api<{ email: string; locale: string }[]>(admin, 'GET', '/users');
    expect(users.find((u) => u.email === reader.email)?.locale).toBe('zh-CN');

    const text = await page.locator('.account-page').innerText();
    for (const words of ['个人资料', '姓名', '电子邮件', '工作区', '修改密码', '您的当前密码', '新密码', '确认新密码', '至少 10 个字符，且不能是最常用的密码之一。', '语言', '登录会话', '设置 › 登录会话']) expect(text).toContain(words);
    expect(text).not.toMatch(/\b(Password|Profile|Language|Email|Sessions|Change)\b/);
    expect(await page.locator('.topbar').getByRole('link', { name: /^我的账户：\s*Rita Reader/ }).count(), await page.locator('.topbar').ariaSnapshot()).toBe(1);

    await changePassword(page, reader.password, 'qwertyuiop');
    expect(await fieldProblem(page, 'password')).toBe('该密码是最常用的密码之一，请选择更难猜到的密码。');
    expect(await focusedInput(page)).toBe('password');
    await changePassword(page, reader.password, 'rita writes in chinese', 'rita writes in Chinese');
    expect(await fieldProblem(page, 'confirm')).toBe('与新密码不一致。');
    await changePassword(page, 'not what rita uses', 'rita writes in chinese');
    expect(await fieldProblem(page, 'currentPassword')).toBe('该密码不是你当前的密码。');
    await changePassword(page, reader.password, 'rita writes in chinese');
    await page.getByText('密码已修改。您的其他会话已登出。').waitFor();
    await shot(page, 'account-zh-CN');
    expect(await loginStatus(page, 'rita writes in chinese')).toBe(200);
    reader.password = 'rita writes in chinese';
    expect(pageErrors).toEqual([]);
  });

  it('signs in on a new device in the language saved with the account, unless a language was chosen on that device', async () => {
    // An English browser where no one chose a language: Rita saved 简体中文 with her account above.
    const fresh = await newPage();
    await signIn(fresh, { ...ws, email: reader.email, password: reader.password });
    const chineseLink = fresh.locator('.topbar').getByRole('link', { name: /^我的账户：\s*Rita Reader/ });
    await chineseLink.waitFor();
    expect(await fresh.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
    await fresh.reload();
    await chineseLink.waitFor();
    await fresh.goto(`${ws.baseUrl}/account`);
    await fresh.getByRole('heading', { name: '我的账户', level: 1 }).waitFor();

    // English chosen on the sign-in page of this device stays, whatever the account says.
    const chosen = await newPage('zh-CN');
    await chosen.goto(`${ws.baseUrl}/`);
    await chosen.getByRole('combobox', { name: '语言' }).selectOption('en');
    await chosen.getByRole('heading', { name: 'Sign in' }).waitFor();
    await signIn(chosen, { ...ws, email: reader.email, password: reader.password });
    await chosen.locator('.topbar').getByRole('link', { name: /^My account: Rita Reader/ }).waitFor();
    expect(await chosen.evaluate(() => document.documentElement.lang)).toBe('en');
    expect(pageErrors).toEqual([]);
  });

  it('an account that never chose a language follows the browser; English chosen with the account sticks on a Chinese browser', async () => {
    const never = await newPage('zh-CN');
    await signIn(never, ws);
    await never.locator('.topbar').getByRole('link', { name: /^我的账户：/ }).waitFor();
    expect(await never.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
    expect(await api<{ user: { localeChosen: boolean } }>(never, 'GET', '/auth/me')).toMatchObject({ user: { locale: 'en', localeChosen: false } });

    await api(never, 'PATCH', '/auth/me', { locale: 'en' });
    const another = await newPage('zh-CN');
    await signIn(another, ws);
    await another.locator('.topbar').getByRole('link', { name: /^My account: / }).waitFor();
    expect(await another.evaluate(() => document.documentElement.lang)).toBe('en');
    expect(pageErrors).toEqual([]);
  });
});
