import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../src/app.ts';
import { LoginThrottle } from '../src/auth/login-throttle.ts';
import { hashPassword } from '../src/auth/passwords.ts';
import { loggerOptions } from '../src/http/log-redaction.ts';
import { ensureDemoWorkspace } from '../src/platform/demo-workspace.ts';
import { createTestTenant, json, startHarness, type Harness, type TestTenant } from './harness.ts';
import { copyPgliteTemplate } from '../../scripts/test-pglite-template.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

interface Attempt {
  tenant?: string;
  email?: string;
  password?: string;
  address?: string;
  headers?: Record<string, string>;
}

const login = (t: TestTenant, attempt: Attempt = {}, app = h.server.app): Promise<LightMyRequestResponse> =>
  app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    remoteAddress: attempt.address ?? '127.0.0.1',
    headers: attempt.headers ?? {},
    payload: { tenant: attempt.tenant ?? t.slug, email: attempt.email ?? t.adminEmail, password: attempt.password ?? t.adminPassword },
  });

const sessionCookie = (response: LightMyRequestResponse) => String(response.headers['set-cookie']).split(';')[0]!;

/** Waits out a lockout: retries a wrong password until it is answered 401 (refused attempts are not counted). */
const failOnceUnlocked = (t: TestTenant) =>
  vi.waitFor(
    async () => {
      const r = await login(t, { password: 'still wrong' });
      if (r.statusCode !== 401) throw new Error(`still locked: ${r.statusCode}`);
    },
    { timeout: 20_000, interval: 100 },
  );

describe('sign-in throttling', () => {
  it('a browser that signed in to the account before is not kept out by the account’s lock, only by its own address’s', async () => {
    const t = await createTestTenant(h, 'device');
    const first = await login(t, { address: '10.3.0.1' });
    expect(first.statusCode).toBe(200);
    const device = String(first.headers['set-cookie']).match(/protean_device=[^;]+/)?.[0];
    expect(device).toBeDefined();
    expect(String(first.headers['set-cookie'])).toMatch(/protean_device=[^;]+;[^,]*Path=\/api\/v1\/auth\/login/);
    // Someone who knows the email locks the account from addresses of their own.
    for (let i = 0; i < 5; i++) expect((await login(t, { password: `guess ${i}`, address: `10.3.1.${i}` })).statusCode).toBe(401);
    expect((await login(t, { address: '10.3.2.1' })).statusCode).toBe(429);
    // The owner's browser signs in; one without the cookie, or with another account's, is held.
    expect((await login(t, { address: '10.3.0.1', headers: { cookie: device! } })).statusCode).toBe(200);
    expect((await login(t, { address: '10.3.0.2' })).statusCode).toBe(429);
    const other = await createTestTenant(h, 'device-other');
    const otherDevice = String((await login(other, { address: '10.3.0.3' })).headers['set-cookie']).match(/protean_device=[^;]+/)![0];
    expect((await login(t, { address: '10.3.0.3', headers: { cookie: otherDevice } })).statusCode).toBe(429);
    expect((await login(t, { address: '10.3.0.3', headers: { cookie: device!.replace(/.$/, (c) => (c === 'A' ? 'Q' : 'A')) } })).statusCode).toBe(429);
    // Changed only in the bits a base64url decoder drops: the same bytes, but not the cookie given.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const rewritten = device!.slice(0, -1) + alphabet[alphabet.indexOf(device!.at(-1)!) ^ 1];
    expect((await login(t, { address: '10.3.0.3', headers: { cookie: rewritten } })).statusCode).toBe(429);
  });

  it('locks an account out after five wrong passwords with a 429 problem, and each further failure doubles the lockout', async () => {
    const t = await createTestTenant(h, 'throttle');
    for (let i = 0; i < 5; i++) expect((await login(t, { password: `wrong password ${i}` })).statusCode).toBe(401);
    const before = h.server.auth.passwords.derivations;
    const locked = await login(t);
    expect(locked.statusCode, locked.body).toBe(429);
    expect(locked.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(locked.headers['retry-after']).toBe('1');
    expect(json(locked)['retryAfter']).toBe(1);
    // Refused before hashing: a locked-out guess costs the server no scrypt work.
    expect(h.server.auth.passwords.derivations).toBe(before);

    const waits: string[] = [];
    for (let i = 0; i < 2; i++) {
      await failOnceUnlocked(t);
      waits.push(String((await login(t)).headers['retry-after']));
    }
    expect(waits).toEqual(['2', '4']);
  }, 30_000);

  it('locks the account out however its email is cased, a Turkish dotted capital İ included', async () => {
    const t = await createTestTenant(h, 'throttle-case');
    // Each attempt from its own address: only the account's count can lock.
    for (let i = 0; i < 5; i++) expect((await login(t, { password: `wrong password ${i}`, address: `10.7.0.${i + 1}` })).statusCode).toBe(401);
    // Sign-in finds the account by lower(email), which reads 'ADMİN' as 'admin'.
    const dotted = await login(t, { email: t.adminEmail.toUpperCase().replace('I', 'İ'), address: '10.7.0.9' });
    expect(dotted.statusCode, dotted.body).toBe(429);
  });

  it('a lockout recorded through one server instance refuses the sign-in on another, which shares only the database', async () => {
    const t = await createTestTenant(h, 'shared');
    const other = await buildApp({ db: h.db, passwordCost: 'test', logger: false });
    // Booted before the lockout starts: its first request must not spend the 1 s lockout starting up.
    await other.app.ready();
    try {
      for (let i = 0; i < 5; i++) expect((await login(t, { password: `wrong password ${i}` })).statusCode).toBe(401);
      expect((await login(t, {}, other.app)).statusCode).toBe(429);
    } finally {
      await other.app.close();
    }
  });

  it('forgets counts older than the forgetting window while counting new failures', async () => {
    const t = await createTestTenant(h, 'prune');
    await h.db.system((q) => q.query(`insert into login_throttle (tenant_id, subject, failures, last_failure_at) values ($1, 'account:old@prune.test', 3, now() - interval '2 hours')`, [t.id]));
    const throttle = new LoginThrottle(h.db);
    for (let i = 0; i < 256; i++) await throttle.failed({ tenantId: t.id, email: `guess${i}@prune.test`, address: `10.9.${i >> 8}.${i & 255}` });
    const rows = await h.db.system((q) => q.query<{ subject: string }>(`select subject from login_throttle where tenant_id = $1 and subject = 'account:old@prune.test'`, [t.id]));
    expect(rows).toEqual([]);
  });

  it('a successful sign-in clears the account’s count of failures', async () => {
    const t = await createTestTenant(h, 'cleared');
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 4; i++) expect((await login(t, { password: `wrong password ${i}` })).statusCode).toBe(401);
      expect((await login(t)).statusCode).toBe(200);
    }
  });

  it('locks out an address that guesses across many accounts, but not other addresses or other workspaces', async () => {
    const t = await createTestTenant(h, 'spray');
    const other = await createTestTenant(h, 'spray-other');
    for (let i = 0; i < 20; i++) expect((await login(t, { email: `user${i}@spray.test`, password: 'guess guess', address: '10.0.0.7' })).statusCode).toBe(401);
    expect((await login(t, { address: '10.0.0.7' })).statusCode).toBe(429);
    expect((await login(t, { address: '10.0.0.8' })).statusCode).toBe(200);
    expect((await login(other, { address: '10.0.0.7' })).statusCode).toBe(200);
  });

  it('counts the failures of each unknown workspace name apart, as it does each workspace’s, so a lock tells no name from a real one', async () => {
    const t = await createTestTenant(h, 'names');
    const [firm, company] = [`no-such-firm-${t.slug}`, `no-such-company-${t.slug}`];
    for (let i = 0; i < 20; i++) expect((await login(t, { tenant: firm, email: `user${i}@x.test`, password: 'guess guess', address: '10.0.0.9' })).statusCode).toBe(401);
    expect((await login(t, { tenant: firm, password: 'guess guess', address: '10.0.0.9' })).statusCode).toBe(429);
    // Another unknown name, from the same address, answers as a real workspace does: 401, not 429.
    expect((await login(t, { tenant: company, password: 'guess guess', address: '10.0.0.9' })).statusCode).toBe(401);
    expect((await login(t, { password: 'guess guess', address: '10.0.0.9' })).statusCode).toBe(401);
  });

  it('a 429 reaches the client as a problem with Retry-After when a workspace has too many sign-ins waiting to be hashed', async () => {
    const t = await createTestTenant(h, 'burst');
    const burst = await Promise.all(Array.from({ length: 30 }, (_, i) => login(t, { email: `nobody${i}@burst.test`, password: 'guess guess', address: `10.1.0.${i}` })));
    const statuses = burst.map((r) => r.statusCode);
    expect(statuses).toContain(401);
    expect(statuses).toContain(429);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
    expect(burst.find((r) => r.statusCode === 429)!.headers['retry-after']).toBe('1');
  });
});

describe('equal cost for unknown accounts', () => {
  it('checks an unknown email and an unknown workspace against a hash of the same parameters as a wrong password', async () => {
    const t = await createTestTenant(h, 'cost');
    const hasher = h.server.auth.passwords;
    const cost = async (attempt: Attempt) => {
      const before = hasher.derivations;
      expect((await login(t, { ...attempt, address: '10.2.0.1' })).statusCode).toBe(401);
      return hasher.derivations - before;
    };
    expect(await cost({ password: 'wrong password' })).toBe(1);
    expect(await cost({ email: 'nobody@cost.test', password: 'wrong password' })).toBe(1);
    expect(await cost({ tenant: 'no-such-workspace-at-all', password: 'wrong password' })).toBe(1);
  });
});

describe('passwords', () => {
  it('rehashes a password stored with weaker parameters on the next successful sign-in', async () => {
    const t = await createTestTenant(h, 'rehash');
    const weak = await hashPassword(t.adminPassword, { n: 1 << 10, r: 1, p: 1 });
    await h.db.system((q) => q.query('update app_user set password_hash = $3 where tenant_id = $1 and id = $2', [t.id, t.adminId, weak]));
    expect((await login(t)).statusCode).toBe(200);
    const [row] = await h.db.system((q) => q.query<{ password_hash: string }>('select password_hash from app_user where tenant_id = $1 and id = $2', [t.id, t.adminId]));
    const { n, r, p } = h.server.auth.passwords.params;
    expect(row!.password_hash.startsWith(`scrypt$${n}$${r}$${p}$`)).toBe(true);
    expect((await login(t)).statusCode).toBe(200);
  });

  it('hashes at the OWASP scrypt minimum unless configuration asks for the test cost', async () => {
    const owasp = await buildApp({ db: h.db, logger: false });
    expect(owasp.auth.passwords.params).toEqual({ n: 1 << 17, r: 8, p: 1 });
    await owasp.app.close();
  });

  it('changing one’s own password needs the current one; an admin resets another user’s without it', async () => {
    const t = await createTestTenant(h, 'pwchange');
    const own = `/users/${t.adminId}/password`;
    const missing = await t.api('POST', own, { password: 'a brand new secret' });
    expect(missing.statusCode).toBe(422);
    expect(json<{ errors: { field: string }[] }>(missing).errors[0]!.field).toBe('currentPassword');
    const wrong = await t.api('POST', own, { password: 'a brand new secret', currentPassword: 'not the password' });
    expect(wrong.statusCode).toBe(403);
    expect(json<{ errors: { field: string }[] }>(wrong).errors[0]!.field).toBe('currentPassword');
    expect((await t.api('POST', own, { password: 'a brand new secret', currentPassword: t.adminPassword })).statusCode).toBe(204);
    expect((await login(t)).statusCode).toBe(401);
    expect((await login(t, { password: 'a brand new secret' })).statusCode).toBe(200);

    const user = json(await t.api('POST', '/users', { email: 'rep@pwchange.test', name: 'Rep', role: 'standard', password: 'first password' }));
    expect((await t.api('POST', `/users/${String(user['id'])}/password`, { password: 'reset by admin' })).statusCode).toBe(204);
    expect((await login(t, { email: 'rep@pwchange.test', password: 'reset by admin' })).statusCode).toBe(200);
  });
});

describe('a session cookie', () => {
  it('is a session of the workspace it names only: the token under another workspace’s id signs nobody in', async () => {
    const t = await createTestTenant(h, 'cookie-ws');
    const other = await createTestTenant(h, 'cookie-ws-other');
    const cookie = sessionCookie(await login(t));
    const me = (value: string) => h.server.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: value } });
    expect((await me(cookie)).statusCode).toBe(200);
    // The same token, its workspace swapped: refused even while the session is in the cache.
    expect((await me(cookie.replace(t.id, other.id))).statusCode).toBe(401);
    expect((await me(cookie)).statusCode).toBe(200);
  });
});

describe('cross-site requests', () => {
  let t: TestTenant;
  let cookie: string;
  let csrfToken: string;
  beforeAll(async () => {
    t = await createTestTenant(h, 'csrf');
    const signedIn = await login(t);
    cookie = sessionCookie(signedIn);
    csrfToken = String(json(signedIn)['csrfToken']);
  });
  const withCookie = (method: 'POST' | 'DELETE', url: string, headers: Record<string, string>, body?: unknown) =>
    h.server.app.inject({ method, url: `/api/v1${url}`, headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers }, ...(body === undefined ? {} : { payload: JSON.stringify(body) }) });

  it('refuses a cookie-signed write that does not show it comes from our own origin', async () => {
    for (const headers of [{}, { 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' }, { origin: 'https://evil.example' }, { origin: 'null' }] as Record<string, string>[]) {
      const refused = await withCookie('POST', '/api-keys', headers, { name: 'stolen' });
      expect(refused.statusCode, JSON.stringify(headers)).toBe(403);
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    expect(json<unknown[]>(await t.api('GET', '/api-keys')).length).toBe(1);
  });

  it('refuses bodyless cookie-signed POSTs and DELETEs from another site too', async () => {
    const created = json(await t.api('POST', '/records/organization', { name: 'Binned' }));
    expect((await t.api('DELETE', `/records/organization/${String(created['id'])}`)).statusCode).toBe(204);
    expect((await withCookie('POST', `/records/organization/${String(created['id'])}/restore`, { 'sec-fetch-site': 'cross-site' })).statusCode).toBe(403);
    expect((await withCookie('DELETE', `/api-keys/00000000-0000-4000-8000-000000000000`, { origin: 'https://evil.example' })).statusCode).toBe(403);
    const restored = await withCookie('POST', `/records/organization/${String(created['id'])}/restore`, { 'sec-fetch-site': 'same-origin' });
    expect(restored.statusCode, restored.body).toBe(200);
  });

  it('accepts a cookie-signed write that is same-origin or carries the session’s CSRF token, and API-key writes as they are', async () => {
    expect((await withCookie('POST', '/api-keys', { 'sec-fetch-site': 'same-origin', origin: 'http://localhost:80' }, { name: 'a' })).statusCode).toBe(201);
    expect((await withCookie('POST', '/api-keys', { origin: 'http://localhost:80' }, { name: 'b' })).statusCode).toBe(201);
    expect((await withCookie('POST', '/api-keys', { 'x-csrf-token': csrfToken }, { name: 'c' })).statusCode).toBe(201);
    expect((await withCookie('POST', '/api-keys', { 'x-csrf-token': 'x'.repeat(43) }, { name: 'd' })).statusCode).toBe(403);
    // Our host under another scheme is another origin: without fetch metadata it needs the token.
    expect((await withCookie('POST', '/api-keys', { origin: 'https://localhost:80' }, { name: 'f' })).statusCode).toBe(403);
    expect((await withCookie('POST', '/api-keys', { origin: 'https://localhost:80', 'x-csrf-token': csrfToken }, { name: 'g' })).statusCode).toBe(201);
    expect((await t.api('POST', '/api-keys', { name: 'e' }, { origin: 'https://evil.example' })).statusCode).toBe(201);
    const me = await h.server.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie } });
    expect(json(me)['csrfToken']).toBe(csrfToken);
  });

  it('refuses a sign-in posted from another site', async () => {
    expect((await login(t, { headers: { 'sec-fetch-site': 'cross-site' } })).statusCode).toBe(403);
    expect((await login(t, { headers: { 'sec-fetch-site': 'same-origin' } })).statusCode).toBe(200);
  });

  it('refuses text/plain bodies with a 415 problem', async () => {
    const plain = await h.server.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'text/plain' },
      payload: JSON.stringify({ tenant: t.slug, email: t.adminEmail, password: t.adminPassword }),
    });
    expect(plain.statusCode).toBe(415);
    expect(plain.headers['content-type']).toMatch(/^application\/problem\+json/);
    const form = await withCookie('POST', '/api-keys', { 'content-type': 'text/plain', 'sec-fetch-site': 'same-origin' }, { name: 'x' });
    expect(form.statusCode).toBe(415);
  });

  it('refuses JSON said to be in another encoding than UTF-8, and takes it said to be UTF-8', async () => {
    const post = (contentType: string) =>
      h.server.app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'content-type': contentType }, payload: JSON.stringify({ tenant: t.slug, email: t.adminEmail, password: t.adminPassword }) });
    for (const contentType of ['application/json; charset=utf-16', 'application/json;charset="latin1"', 'application/json; charset=']) {
      const refused = await post(contentType);
      expect(refused.statusCode, contentType).toBe(415);
      expect(refused.json()).toMatchObject({ status: 415, detail: expect.stringMatching(/UTF-8/) });
    }
    for (const contentType of ['application/json; charset=utf-8', 'application/json; charset=UTF8', 'application/json; charset="utf-8"', 'application/json']) expect((await post(contentType)).statusCode, contentType).toBe(200);
  });
});

describe('session cookie and response headers', () => {
  it('names the session cookie with the __Host- prefix when cookies are secure, and reads it back under that name', async () => {
    const secure = await buildApp({ db: h.db, secureCookies: true, passwordCost: 'test', logger: false });
    try {
      const t = await createTestTenant(h, 'hostcookie');
      const signedIn = await login(t, {}, secure.app);
      const setCookie = String(signedIn.headers['set-cookie']);
      expect(setCookie).toMatch(/^__Host-protean_session=/);
      expect(setCookie).toMatch(/; Secure/);
      expect(setCookie).toMatch(/; Path=\//);
      expect(setCookie).not.toMatch(/Domain=/);
      // The device cookie is sign-in's alone (its path), so __Secure- rather than __Host-.
      expect(setCookie).toMatch(/__Secure-protean_device=[^;]+; Max-Age=\d+; Path=\/api\/v1\/auth\/login; HttpOnly; Secure; SameSite=Strict/);
      const me = await secure.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: sessionCookie(signedIn) } });
      expect(me.statusCode).toBe(200);
      const plainName = await secure.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie: sessionCookie(signedIn).replace('__Host-', '') } });
      expect(plainName.statusCode).toBe(401);
    } finally {
      await secure.app.close();
    }
  });

  it('answers API calls and problems alike with a policy that lets a rendered answer load nothing and be framed by nothing', async () => {
    const t = await createTestTenant(h, 'headers');
    for (const response of [await t.api('GET', '/auth/me'), await h.server.app.inject({ method: 'GET', url: '/api/v1/no-such-route' }), await login(t, { password: 'wrong password' })]) {
      expect(response.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['x-frame-options']).toBe('DENY');
      expect(response.headers['cache-control']).toBe('no-store');
    }
  });

  it('serves the studio with its own policy: scripts and styles of its origin only, no framing, no <base>, a referrer policy', async () => {
    const page = await h.server.app.inject({ method: 'GET', url: '/' });
    const csp = String(page.headers['content-security-policy']);
    for (const directive of ["default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'self'"]) expect(csp).toContain(directive);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
    expect(page.headers['cross-origin-opener-policy']).toBe('same-origin');
  });

  it('redacts credentials in log lines', async () => {
    const lines: string[] = [];
    const app = Fastify({ logger: loggerOptions(true, { write: (line: string) => void lines.push(line) }) });
    app.log.info({ req: { headers: { authorization: 'Bearer pk_secret', cookie: 'protean_session=sess_secret' } }, body: { password: 'pw_secret', currentPassword: 'old_secret' } }, 'request');
    await app.close();
    const text = lines.join('');
    expect(text).toContain('[redacted]');
    for (const secret of ['pk_secret', 'sess_secret', 'pw_secret', 'old_secret']) expect(text).not.toContain(secret);
  });
});

describe('platform secrets', () => {
  it('answers an operator token with multibyte characters with a 403, not a 500', async () => {
    const body = { slug: `mb-${Date.now().toString(36)}`, name: 'MB', admin: { email: 'a@mb.test', name: 'A', password: 'long enough secret' } };
    for (const token of ['é'.repeat(h.operatorToken.length), `${h.operatorToken.slice(0, -1)}é`, '']) {
      const response = await h.server.app.inject({ method: 'POST', url: '/api/v1/tenants', headers: { authorization: `Bearer ${token}` }, payload: body });
      expect(response.statusCode).toBe(403);
    }
  });

  it('keeps platform secrets and the sign-in throttle out of the application role’s reach', async () => {
    const t = await createTestTenant(h, 'secrets');
    for (const table of ['platform_secret', 'platform_setting', 'login_throttle']) {
      await expect(h.db.withTenant(t.id, (q) => q.query(`select * from ${table}`))).rejects.toThrow(/permission denied/);
    }
  });

  it('stores the demo workspace’s login only as hashes', async () => {
    const demo = await ensureDemoWorkspace(h.db, h.server);
    const stored = await h.db.system((q) => q.query<{ value: string }>(`select value::text as value from platform_setting union all select value from platform_secret`));
    expect(stored.map((s) => s.value).join('\n')).not.toMatch(/demo_credentials|admin@demo\.test/);
    if (demo.created) {
      const text = stored.map((s) => s.value).join('\n');
      expect(text).not.toContain(demo.created.password);
      expect(text).not.toContain(demo.created.apiKey);
    }
  });

  it('prints the generated operator token and demo login at first start only, from a real server process', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'protean-secrets-'));
    // A migrated database that has never served (the run's template): the secrets are made at the first start, not by migrations.
    copyPgliteTemplate(dataDir);
    try {
      const first = await startAndStop(dataDir);
      const token = /operator token: (op_\S+)/.exec(first)?.[1];
      const password = /admin login:\s+admin@demo\.test \/ (\S+)/.exec(first)?.[1];
      expect(token, first).toBeDefined();
      expect(password, first).toBeDefined();
      const second = await startAndStop(dataDir);
      expect(second).toMatch(/admin login:\s+admin@demo\.test\s+\(password shown at first start/);
      expect(second).toMatch(/operator token: shown at first start/);
      expect(second).not.toContain(token!);
      expect(second).not.toContain(password!);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});

/** Runs server/src/main.ts on PGlite in `dataDir` until it has printed its banner, then stops it. */
function startAndStop(dataDir: string): Promise<string> {
  const child = spawn(process.execPath, ['--no-node-snapshot', join(import.meta.dirname, '..', 'src', 'main.ts')], {
    env: { ...process.env, DATABASE_URL: '', PORT: '0', HOST: '127.0.0.1', PROTEAN_DATA_DIR: dataDir, PROTEAN_OPERATOR_TOKEN: '', PROTEAN_PASSWORD_COST: 'test', PROTEAN_STUDIO_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/operator token: .*\n/.test(output)) child.kill('SIGTERM');
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('exit', () => (/running at/.test(output) ? resolve(output) : reject(new Error(`the server did not start:\n${output}`))));
  });
}
