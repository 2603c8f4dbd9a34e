import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { buildApp, type App, type AppOptions } from '../src/app.ts';
import type { Database } from '../src/db/database.ts';
import { migrate } from '../src/db/migrations.ts';
import { openDatabase } from '../src/db/open-database.ts';
import { createTenant } from '../src/tenancy/tenant-service.ts';
import { copyPgliteTemplate } from '../../scripts/test-pglite-template.ts';

/** A real server over a real database: DATABASE_URL when set (Postgres server), else PGlite. */
export interface Harness {
  db: Database;
  server: App;
  operatorToken: string;
  close(): Promise<void>;
}

/**
 * Test files share one database on a Postgres server, so a test server delivers webhooks only when
 * its test asks (`webhooks: { deliver: true }`): a sender of another file, with other settings,
 * would otherwise take that test's deliveries. Servers a test builds itself stay out through
 * PROTEAN_WEBHOOK_DELIVER=0 in the project's environment.
 */
/**
 * The environment under which test servers deliver webhooks to a local receiver: the operator
 * allows 127.0.0.1, and retries are fast and give up after 2 s instead of 24 h.
 */
export const LOCAL_WEBHOOK_DELIVERY = {
  PROTEAN_WEBHOOK_DELIVER: '1',
  PROTEAN_WEBHOOK_ALLOW_HOSTS: '127.0.0.1',
  PROTEAN_WEBHOOK_RETRY_BASE_MS: '50',
  PROTEAN_WEBHOOK_RETRY_MAX_MS: '200',
  PROTEAN_WEBHOOK_RETRY_FOR_MS: '2000',
  PROTEAN_WEBHOOK_POLL_MS: '50',
};

/**
 * An embedded database of its own: a copy of the run's migrated data folder when there is one
 * (initdb and every migration in WebAssembly cost seconds of CPU), else one in memory (undefined).
 */
export function embeddedDataDir(): string | undefined {
  const dataDir = mkdtempSync(join(tmpdir(), 'protean-test-'));
  if (copyPgliteTemplate(dataDir)) return dataDir;
  rmSync(dataDir, { recursive: true, force: true });
  return undefined;
}

export async function startHarness(options: Partial<Omit<AppOptions, 'db' | 'operatorToken'>> = {}): Promise<Harness> {
  const databaseUrl = process.env['DATABASE_URL'];
  const dataDir = databaseUrl ? undefined : embeddedDataDir();
  const db = await openDatabase({ databaseUrl, dataDir, poolSize: 4 });
  await migrate(db);
  const operatorToken = `op_${randomUUID()}`;
  // Test servers hash passwords cheaply, by configuration (what PROTEAN_PASSWORD_COST=test sets for a process).
  const server = await buildApp({ db, operatorToken, logger: process.env["PROTEAN_LOG"] === "1", passwordCost: 'test', checkResponses: true, ...options, webhooks: { deliver: false, ...options.webhooks } });
  await server.app.ready();
  return {
    db,
    server,
    operatorToken,
    async close() {
      await server.app.close();
      await db.close();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface TestTenant {
  id: string;
  slug: string;
  adminId: string;
  adminEmail: string;
  adminPassword: string;
  /** API key of the admin. */
  key: string;
  /** Calls the API as the admin; `path` is relative to /api/v1. */
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
}

/** Every test builds its own tenant, so test files can share one database and run in parallel. */
export async function createTestTenant(h: Harness, prefix = 't'): Promise<TestTenant> {
  const slug = `${prefix}-${randomUUID().slice(0, 8)}`;
  const adminEmail = `admin@${slug}.test`;
  const adminPassword = 'correct horse battery';
  const tenant = await createTenant(h.db, { slug, name: slug, admin: { email: adminEmail, name: 'Test Admin', password: adminPassword } }, h.server.auth.passwords);
  const { key } = await h.server.auth.createApiKey(tenant.id, tenant.adminId, 'test');
  return {
    id: tenant.id,
    slug,
    adminId: tenant.adminId,
    adminEmail,
    adminPassword,
    key,
    api: (method, path, body, headers = {}) => call(h, key, method, path, body, headers),
  };
}

export function call(h: Harness, key: string | undefined, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return h.server.app.inject({
    method: method as 'GET',
    url: `/api/v1${path}`,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body !== undefined && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
}

export const json = <T = Record<string, unknown>>(response: LightMyRequestResponse): T => response.json() as T;

/**
 * Waits until `condition` holds, checking every 20 ms; past `ms` it fails naming what it waited
 * for (and, given `seen`, what it saw instead).
 */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, ms = 20_000, seen?: () => unknown): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${ms} ms waiting for ${what}${seen ? `; seen: ${JSON.stringify(seen())}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Waits, as `waitFor`, until `probe` gives a value (anything but undefined), and returns it. */
export async function waitForValue<T>(what: string, probe: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  let value: T | undefined;
  await waitFor(what, async () => (value = await probe()) !== undefined, ms);
  return value as T;
}

/** `METHOD /path` of every route under /api/v1 (`:param` as registered, HEAD and OPTIONS left out). */
export const registeredRoutes = (h: Harness): string[] => h.server.app.routeCatalog.routes.map((route) => `${route.method} ${route.url}`);
