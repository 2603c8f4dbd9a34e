// Setup › Scripts in Chromium against the real server: a script written in the editor is refused
// with the compiler's error at its line, saved once fixed, test-run against a chosen record, found
// in its invocation log, and run from the record page as an action with its parameter form.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { api, shot, signedInPage, type Workspace } from './harness.ts';

let ws: Workspace;
let page: Page;
const pageErrors: string[] = [];
signedInPage((session) => ({ ws, page } = session), pageErrors);

/** Replaces the editor's text the way a person would: select all, type. */
async function typeSource(source: string) {
  const editor = page.getByTestId('script-editor').locator('.cm-content');
  await editor.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await editor.evaluate((el, text) => {
    // CodeMirror reads input events; inserting the whole text at once avoids auto-indent and bracket pairing.
    (el as HTMLElement).focus();
    document.execCommand('insertText', false, text);
  }, source);
}

describe('Setup › Scripts', () => {
  it('refuses a script with the compiler’s error, saves it fixed, test-runs it, logs it and runs it as a record action', async () => {
    const deal = await api<{ id: string }>(page, 'POST', '/records/deal', { name: 'Scripted deal', amount: 5000 });
    await page.goto(`${ws.baseUrl}/setup/scripts/new`);
    await page.getByRole('heading', { name: 'New script', level: 1 }).waitFor();
    const settings = page.locator('.script-settings');
    await settings.getByLabel('Label', { exact: true }).fill('Deal note');
    await settings.getByLabel('API name').fill('deal_note');
    await settings.getByLabel('Object', { exact: true }).selectOption('deal');
    await typeSource(`export default async function (ctx: ScriptContext, input: ActionInput) {
  const deal = await ctx.records.qurey('deal');
  return deal;
}`);
    await page.getByTestId('script-save').click();
    const errors = page.getByTestId('script-errors');
    await errors.getByText(/line 2, column \d+: Property 'qurey' does not exist/).waitFor();
    // The editor marks the same error at its line.
    await page.locator('.cm-lintRange-error').first().waitFor();
    await shot(page, '97-script-compile-error');

    await typeSource(`export default async function (ctx: ScriptContext, input: ActionInput) {
  const deal = await ctx.records.get('deal', input.recordId);
  ctx.log.info('note for', deal.name);
  await ctx.records.create('task', { subject: 'Note: ' + String(input.params.note ?? 'none') });
  return { name: deal.name, note: input.params.note ?? null };
}`);
    await page.getByTestId('script-save').click();
    await page.getByText('Saved as version 1').waitFor();
    await page.waitForURL(/\/setup\/scripts\/deal_note$/);

    await page.getByRole('combobox', { name: 'Record', exact: true }).fill('Scripted');
    await page.getByRole('option', { name: /Scripted deal/ }).click();
    await page.getByLabel('Parameters (JSON)').fill('{"note":"from the test panel"}');
    await page.getByTestId('script-test-run').click();
    const result = page.getByTestId('script-test-result');
    // Whatever the outcome, the panel's whole text is what a failure shows.
    await result.locator('strong').first().waitFor();
    expect(await result.innerText()).toMatch(/^Succeeded/);
    await result.getByText('"note": "from the test panel"').waitFor();
    await result.getByText('note for Scripted deal').waitFor();
    await shot(page, '98-script-test-run');
    // A test run keeps none of its writes.
    const tasks = await api<{ data: unknown[] }>(page, 'GET', `/records/task?filter=${encodeURIComponent(JSON.stringify({ field: 'subject', op: 'eq', value: 'Note: from the test panel' }))}`);
    expect(tasks.data).toHaveLength(0);

    await page.getByRole('tab', { name: 'Invocation log' }).click();
    const log = page.getByRole('table', { name: 'Invocation log' });
    await log.getByText('Test run').waitFor();
    await log.getByText('Succeeded').waitFor();

    await page.goto(`${ws.baseUrl}/o/deal/${deal.id}`);
    await page.getByTestId('action-deal_note').click();
    await page.getByText('Deal note done').waitFor();
    const kept = await api<{ data: unknown[] }>(page, 'GET', `/records/task?filter=${encodeURIComponent(JSON.stringify({ field: 'subject', op: 'eq', value: 'Note: none' }))}`);
    expect(kept.data).toHaveLength(1);
    expect(pageErrors).toEqual([]);
  });
});
