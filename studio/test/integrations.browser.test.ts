// Setup › Webhooks and API docs in Chromium against the real server: a webhook registered in the
// studio receives a record event at a local receiver, its delivery log shows it and sends it
// again; the API docs run a REST request and a GraphQL query on the workspace's own schema.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { api, launchBrowser, shot, signIn, startWorkspace, type TestBrowser, type Workspace } from './harness.ts';

let ws: Workspace;
let browser: TestBrowser;
let page: Page;
let receiver: Server;
let receiverUrl: string;
const received: { id: string; event: string }[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const json = JSON.parse(body) as { event: string };
      received.push({ id: String(req.headers['protean-webhook-id']), event: json.event });
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hooks`;
  // The operator allows the test's receiver on loopback (the server refuses private targets otherwise).
  ws = await startWorkspace({ PROTEAN_WEBHOOK_ALLOW_HOSTS: '127.0.0.1' });
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'en-US' });
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && process.env['DEBUG_BROWSER'] && console.log('console:', m.text()));
  page.setDefaultTimeout(30_000);
  await signIn(page, ws);
});

afterAll(async () => {
  await browser?.close();
  await ws?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
});

describe('Setup › Webhooks', () => {
  it('registers a webhook, shows its secret once, logs the delivery of a new record and sends it again', async () => {
    await page.goto(`${ws.baseUrl}/setup/webhooks`);
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'New webhook' }).click();
    const dialog = page.getByRole('dialog', { name: 'New webhook' });
    await dialog.getByLabel('Name').fill('ERP');
    await dialog.getByLabel('Endpoint URL').fill(receiverUrl);
    await dialog.getByRole('row', { name: /^Deals/ }).getByLabel('created').check();
    await dialog.getByRole('button', { name: 'Create' }).click();
    await expect.poll(() => page.getByTestId('webhook-secret').textContent()).toMatch(/^whsec_/);
    await page.getByRole('dialog', { name: 'Signing secret' }).getByRole('button', { name: 'Close' }).click();
    await page.getByRole('table', { name: 'Webhooks' }).getByText('ERP').waitFor();

    const deal = await api<{ id: string }>(page, 'POST', '/records/deal', { name: 'Webhook deal' });
    await expect.poll(() => received.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(1);
    expect(received[0]!.event).toBe('deal.created');
    expect(deal.id).toBeTruthy();

    await page.getByRole('button', { name: 'Deliveries' }).click();
    await page.getByRole('table', { name: 'Webhooks' }).getByRole('button', { name: 'Deliveries' }).and(page.locator('[aria-expanded="true"]')).waitFor();
    const log = page.getByRole('table', { name: 'Delivery log' });
    await log.getByText('deal.created').waitFor();
    await log.getByText('Delivered').waitFor();
    await shot(page, '95-webhooks-delivery-log');
    await log.getByRole('button', { name: 'Send again' }).first().click();
    await page.getByText('Sent again: 200').waitFor();
    expect(received).toHaveLength(2);
    expect(received[1]!.id).toBe(received[0]!.id);

    // The same screen in Chinese.
    await page.evaluate(() => localStorage.setItem('protean.locale', 'zh-CN'));
    await page.reload();
    await page.getByRole('heading', { name: '网络钩子', level: 1 }).waitFor();
    await page.getByRole('button', { name: '投递记录' }).click();
    await page.getByRole('table', { name: '投递日志' }).getByText('已送达').first().waitFor();
    await shot(page, '96-webhooks-zh');
    await page.evaluate(() => localStorage.setItem('protean.locale', 'en'));
  });
});

describe('Setup › API docs', () => {
  it('runs a REST request from the workspace’s OpenAPI and a GraphQL query on its own schema', async () => {
    await page.goto(`${ws.baseUrl}/setup/api-docs`);
    await page.getByRole('heading', { name: 'API docs', level: 1 }).waitFor();
    const deals = page.getByRole('region', { name: 'Deals' });
    await deals.locator('summary', { hasText: '/records/deal' }).first().click();
    await deals.getByRole('button', { name: 'Send' }).first().click();
    await expect.poll(() => deals.getByTestId('api-response').first().textContent()).toContain('Webhook deal');

    await page.getByRole('tab', { name: 'GraphQL' }).click();
    await page.locator('.graphiql-container').waitFor();
    // The editor's workers start after it shows; a click before they run does nothing, so run until answered.
    await expect
      .poll(
        async () => {
          const text = await page.locator('.graphiql-response').textContent();
          if (!text) await page.locator('.graphiql-execute-button').click();
          return text;
        },
        { timeout: 60_000, interval: 2_000 },
      )
      .toContain('List');
    // The result editor lays its lines out after the text arrives.
    await page.locator('.graphiql-response .view-line').nth(4).waitFor();
    await page.waitForFunction(() => new Promise((resolve) => requestAnimationFrame(() => resolve(true))));
    await shot(page, '97-api-docs-graphiql');

    // A subscription from the same editor: a deal saved now arrives in the result pane.
    await page.locator('.graphiql-query-editor .monaco-editor').first().click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText('subscription Live { dealChanged { event id } }');
    await page.locator('.graphiql-execute-button').click();
    // The socket subscribes asynchronously: save deals until a change arrives.
    await expect
      .poll(
        async () => {
          await api(page, 'POST', '/records/deal', { name: 'Live in GraphiQL' });
          return page.locator('.graphiql-response').textContent();
        },
        { timeout: 30_000, interval: 500 },
      )
      .toMatch(/"event":\s*"created"/);
    expect(pageErrors).toEqual([]);
  });
});
