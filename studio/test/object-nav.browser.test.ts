// The top bar's objects in Chromium: as many as fit, the rest under "More", at any width and in
// either language, so no object is ever cut off or out of reach.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { shot, signedInPage, type Workspace } from './harness.ts';

let ws: Workspace;
let page: Page;
const pageErrors: string[] = [];
signedInPage((s) => ({ ws, page } = s), pageErrors);

const OBJECTS = ['Customers', 'Organizations', 'Deals', 'Activities', 'Tasks'];

/** The links shown in the bar (outside "More"), each whole inside it, and the "More" button if any. */
async function bar() {
  return page.evaluate(() => {
    const nav = document.querySelector<HTMLElement>('nav.object-nav')!;
    const right = nav.getBoundingClientRect().right;
    const links = [...nav.querySelectorAll<HTMLElement>(':scope > a.nav-link')];
    return {
      shown: links.map((a) => a.textContent),
      cut: links.filter((a) => a.getBoundingClientRect().right > right + 0.5).map((a) => a.textContent),
      more: nav.querySelector('.nav-more-button')?.textContent ?? null,
    };
  });
}

describe('the top bar’s objects', () => {
  it('shows what fits and the rest under More, in order; the menu opens, leads to an object and closes', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`${ws.baseUrl}/`);
    await page.locator('.topbar').waitFor();
    const narrow = await bar();
    expect(narrow.cut).toEqual([]);
    expect(narrow.more).toBe('More ▾');
    expect(narrow.shown.length).toBeGreaterThan(0);
    expect(narrow.shown.length).toBeLessThan(OBJECTS.length);

    const more = page.getByRole('button', { name: 'More' });
    expect(await more.getAttribute('aria-expanded')).toBe('false');
    await more.click();
    expect(await more.getAttribute('aria-expanded')).toBe('true');
    const listed = await page.locator('.nav-more-list a').allInnerTexts();
    expect([...narrow.shown, ...listed]).toEqual(OBJECTS);
    await shot(page, 'object-nav-more');

    // Escape closes it and gives focus back to the button.
    await page.keyboard.press('Escape');
    await page.locator('.nav-more-list').waitFor({ state: 'detached' });
    expect(await more.evaluate((b) => b === document.activeElement)).toBe(true);

    // An object under More: the page opens, the menu closes, and More shows where the user is.
    await more.click();
    await page.locator('.nav-more-list').getByRole('link', { name: 'Tasks' }).click();
    await page.waitForURL(/\/o\/task$/);
    await page.locator('.nav-more-list').waitFor({ state: 'detached' });
    expect(await more.getAttribute('data-current')).toBe('true');
    // A click elsewhere closes an open menu.
    await more.click();
    await page.locator('main').click({ position: { x: 5, y: 5 } });
    await page.locator('.nav-more-list').waitFor({ state: 'detached' });

    // Wide enough for all: no More.
    await page.setViewportSize({ width: 1920, height: 900 });
    await expect.poll(async () => (await bar()).more).toBeNull();
    expect((await bar()).shown).toEqual(OBJECTS);

    // In Chinese at a narrow width: the same rule with the Chinese labels.
    await page.setViewportSize({ width: 1024, height: 800 });
    await page.locator('.topbar').getByRole('combobox').selectOption('zh-CN');
    const more_zh = page.getByRole('button', { name: '更多' });
    await more_zh.waitFor();
    const zh = await bar();
    expect(zh.cut).toEqual([]);
    await more_zh.click();
    const zhListed = await page.locator('.nav-more-list a').allInnerTexts();
    expect([...zh.shown, ...zhListed]).toHaveLength(OBJECTS.length);
    await shot(page, 'object-nav-more-zh-CN');
    await page.keyboard.press('Escape');
    await page.locator('.topbar').getByRole('combobox').selectOption('en');
    expect(pageErrors).toEqual([]);
  });
});
