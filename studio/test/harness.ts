// Browser-test harness: the real server (built studio, temporary data folder or DATABASE_URL)
// on a free port, a fresh workspace per run, and Debian's Chromium driven by playwright-core.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect } from 'vitest';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Locator, type Page } from 'playwright-core';
import { copyPgliteTemplate, testRunDir } from '../../scripts/test-pglite-template.ts';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const screenshotDir = resolve(repoRoot, process.env['PROTEAN_TEST_OUTPUT'] ?? 'test-output', 'screenshots');

export interface Workspace {
  baseUrl: string;
  tenant: string;
  email: string;
  password: string;
  adminName: string;
  stop: () => Promise<void>;
}

function ensureStudioBuilt() {
  if (existsSync(join(repoRoot, 'studio', 'dist', 'index.html'))) return;
  const vite = join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js');
  const r = spawnSync(process.execPath, [vite, 'build', 'studio'], { cwd: repoRoot, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('studio build failed');
}

interface TestServer {
  baseUrl: string;
  operatorToken: string;
  stop: () => Promise<void>;
  /** Whether the server process has ended. */
  exited: () => boolean;
  /** The end of what it wrote. */
  output: () => string;
}

/** How much of a test server's output is kept for a failure's message. */
const OUTPUT_KEPT = 20_000;

/**
 * Starts `server/src/main.ts` on port 0 in a copy of the run's migrated data folder. It is started
 * over an IPC channel, so it ends with the test worker however that ends (main.ts stops when its
 * channel closes).
 */
async function startServer(env: Record<string, string>): Promise<TestServer> {
  ensureStudioBuilt();
  const dataDir = mkdtempSync(join(testRunDir() ?? tmpdir(), 'protean-studio-'));
  copyPgliteTemplate(dataDir);
  const operatorToken = `op_${randomBytes(16).toString('hex')}`;
  const child: ChildProcess = spawn(process.execPath, ['--no-node-snapshot', join(repoRoot, 'server', 'src', 'main.ts')], {
    cwd: repoRoot,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', PROTEAN_DATA_DIR: dataDir, PROTEAN_DEMO: '0', PROTEAN_OPERATOR_TOKEN: operatorToken, PROTEAN_PASSWORD_COST: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  const baseUrl = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 90_000);
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-OUTPUT_KEPT);
      const m = /running at (http:\/\/[^\s]+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[1]!.replace('[::1]', '127.0.0.1').replace('localhost', '127.0.0.1'));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { baseUrl, operatorToken, stop, exited: () => child.exitCode !== null || child.signalCode !== null, output: () => output };
}

/**
 * The server of this test worker's files that need no settings of their own. The product is
 * multi-tenant and every file works in a workspace of its own, so files share it instead of each
 * booting one (~6 s of CPU a boot). Kept on `globalThis`, which outlives a test file's modules in
 * a reused worker (the project's `isolate: false`).
 */
const SHARED_SERVER = Symbol.for('protean.test.sharedServer');
async function sharedServer(): Promise<TestServer> {
  const holder = globalThis as unknown as Record<symbol, Promise<TestServer> | undefined>;
  const server = await (holder[SHARED_SERVER] ??= startServer({}));
  if (!server.exited()) return server;
  // The file during which it ended fails on its own; the files after it in this worker get a new one.
  process.stderr.write(`The worker's shared test server had ended; starting another. What it wrote last:\n${server.output()}\n`);
  return (holder[SHARED_SERVER] = startServer({}));
}

/**
 * A new workspace with an admin, created through the operator API, on the worker's shared server,
 * or on a server of its own when `env` gives it settings (an SMTP server for outgoing mail, say).
 * `stop` ends only a server of its own.
 */
export async function startWorkspace(env: Record<string, string> = {}): Promise<Workspace> {
  const own = Object.keys(env).length > 0;
  const server = own ? await startServer(env) : await sharedServer();
  const { baseUrl, operatorToken } = server;
  const tenant = `st${randomBytes(4).toString('hex')}`;
  const email = `admin@${tenant}.test`;
  const password = `pw-${randomBytes(8).toString('hex')}`;
  const adminName = '管理员';
  const res = await fetch(`${baseUrl}/api/v1/tenants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${operatorToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ slug: tenant, name: '演示公司', admin: { email, name: adminName, password } }),
  });
  if (res.status !== 201) throw new Error(`creating the workspace failed: ${res.status} ${await res.text()}`);
  return { baseUrl, tenant, email, password, adminName, stop: own ? server.stop : async () => undefined };
}

/**
 * Debian's headless shell when it is installed (`chromium-headless-shell`: the same engine without
 * the browser's own UI and services, a sixth less CPU a page here), else Debian's Chromium.
 * `CHROMIUM_PATH` names another.
 */
function chromiumExecutable(): string {
  const named = process.env['CHROMIUM_PATH'];
  if (named) return named;
  return ['/usr/bin/chromium-headless-shell', '/usr/bin/chromium'].find((path) => existsSync(path)) ?? '/usr/bin/chromium';
}

/** What a test file does with its browser: open contexts, and close them all when it ends. */
export interface TestBrowser {
  newContext(options?: BrowserContextOptions): Promise<BrowserContext>;
  /** Closes the contexts this file opened; the worker's browser stays for the next file. */
  close(): Promise<void>;
}

/**
 * The browser of this test worker, launched once and shared by its files as the server is (a
 * launch costs ~0.9 s of CPU; a context ~0.2). Each file gets contexts of its own, so no cookie,
 * storage or page is shared. A browser that crashed or was closed is launched again.
 */
const SHARED_BROWSER = Symbol.for('protean.test.sharedBrowser');
async function sharedBrowser(): Promise<Browser> {
  const holder = globalThis as unknown as Record<symbol, Promise<Browser> | undefined>;
  const launch = () =>
    chromium.launch({
      executablePath: chromiumExecutable(),
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  const browser = await (holder[SHARED_BROWSER] ??= launch());
  if (browser.isConnected()) return browser;
  return (holder[SHARED_BROWSER] = launch());
}

export async function launchBrowser(): Promise<TestBrowser> {
  const browser = await sharedBrowser();
  const contexts = new Set<BrowserContext>();
  return {
    async newContext(options) {
      const context = await browser.newContext(options);
      contexts.add(context);
      context.once('close', () => contexts.delete(context));
      return context;
    },
    async close() {
      await Promise.all([...contexts].map((context) => context.close()));
    },
  };
}

export async function signIn(page: Page, ws: Workspace) {
  await page.goto(`${ws.baseUrl}/`);
  await page.getByLabel(/^(Workspace|工作区)$/).fill(ws.tenant);
  await page.getByLabel(/^(Email|电子邮件)$/).fill(ws.email);
  await page.getByLabel(/^(Password|密码)$/).fill(ws.password);
  await page.getByRole('button', { name: /^(Sign in|登录)$/ }).click();
  await page.locator('.topbar').waitFor();
}

/**
 * Waits until the page has what it asked for: the app has rendered, nothing shows a loading
 * placeholder, and no request to the server is in flight (the studio marks the body `aria-busy`
 * meanwhile), at three checks in a row 40 ms apart, so requests that a render's effects start are
 * waited for too. Checked on a 40 ms timer rather than every animation frame (Playwright's default)
 * or every 16 ms: the terminology crawl then takes an eighth less CPU (72 → 63 s), and the
 * browser tests are CPU-bound in CI. (A predicate that returns a promise would count as done at once: it is truthy.)
 */
export async function settle(page: Page): Promise<void> {
  await page.evaluate(() => ((window as unknown as { settledChecks: number }).settledChecks = 0));
  await page.waitForFunction(() => {
    const w = window as unknown as { settledChecks: number };
    const idle = (document.getElementById('root')?.childElementCount ?? 0) > 0 && !document.body.hasAttribute('aria-busy') && !document.querySelector('.loading');
    w.settledChecks = idle ? (w.settledChecks ?? 0) + 1 : 0;
    return w.settledChecks >= 3;
  }, undefined, { polling: 40 });
}

/**
 * Opens `path` as a link inside the app does: through history and the studio's router, without
 * loading the page again (a crawl of a hundred pages then costs no hundred start-ups). Callers
 * settle afterwards, as after `page.goto`: the router marks the page busy while the path's code
 * loads, so settling cannot see the previous page.
 */
export async function navigateInApp(page: Page, path: string): Promise<void> {
  await page.evaluate((to) => {
    history.pushState(null, '', to);
    dispatchEvent(new PopStateEvent('popstate'));
  }, path);
}

export async function shot(page: Page, name: string) {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
}

/**
 * The top bar's link to an object, by its label: in the bar, or under "More" (opened for it)
 * when the bar is too narrow for it. Waits for the object to be offered at all.
 */
export async function objectNavLink(page: Page, label: string): Promise<Locator> {
  const nav = page.locator('.topbar nav.object-nav');
  const link = nav.getByRole('link', { name: label, exact: true });
  await expect
    .poll(
      async () => {
        if (await link.count()) return true;
        const more = nav.locator('.nav-more-button');
        if ((await more.count()) && (await more.getAttribute('aria-expanded')) === 'false') await more.click();
        return false;
      },
      { timeout: 30_000 },
    )
    .toBe(true);
  return link;
}

/** Every object the top bar offers, in order: those in the bar and those under "More". */
export async function objectNavLabels(page: Page): Promise<string[]> {
  const nav = page.locator('.topbar nav.object-nav');
  await nav.waitFor();
  const more = nav.locator('.nav-more-button');
  if ((await more.count()) && (await more.getAttribute('aria-expanded')) === 'false') await more.click();
  const labels = await nav.locator('a.nav-link').allInnerTexts();
  if (await more.count()) await more.click();
  return labels;
}

/** Calls the REST API with the page's session cookie, as the page itself would (same origin). */
export async function api<T>(page: Page, method: string, path: string, body?: unknown): Promise<T> {
  const origin = new URL(page.url()).origin;
  const res = await page.request.fetch(`${origin}/api/v1${path}`, {
    method,
    data: body === undefined ? undefined : JSON.stringify(body),
    headers: { origin, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
  });
  const text = await res.text();
  if (!res.ok()) throw new Error(`${method} ${path}: ${res.status()} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/**
 * A test file's workspace and one signed-in English page, started before its tests and stopped
 * after them. `ready` receives them once started; page errors are collected in `pageErrors`.
 */
export function signedInPage(ready: (session: { ws: Workspace; page: Page }) => void, pageErrors: string[]): void {
  let ws: Workspace | undefined;
  let browser: TestBrowser | undefined;
  beforeAll(async () => {
    ws = await startWorkspace();
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'en-US' });
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.setDefaultTimeout(30_000);
    await signIn(page, ws);
    ready({ ws, page });
  });
  afterAll(async () => {
    await browser?.close();
    await ws?.stop();
  });
}
