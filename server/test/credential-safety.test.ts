import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../src/app.ts';
import { registerProblemHandler } from '../src/errors/problem-handler.ts';
import { loggerOptions } from '../src/http/log-redaction.ts';
import { readConfig, trustedProxies } from '../src/config.ts';
import { call, createTestTenant, json, startHarness, type Harness, type TestTenant } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

async function signIn(t: TestTenant, email: string, password: string, address = '127.0.0.1'): Promise<string> {
  const response = await h.server.app.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: address, payload: { tenant: t.slug, email, password } });
  expect(response.statusCode, response.body).toBe(200);
  return String(response.headers['set-cookie']).split(';')[0]!;
}

const me = (cookie: string) => h.server.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie } });

async function newUser(t: TestTenant, name: string, role: string): Promise<{ id: string; email: string; password: string }> {
  const email = `${name.toLowerCase()}@${t.slug}.test`;
  const password = `${name} password`;
  const created = await t.api('POST', '/users', { email, name, role, password });
  expect(created.statusCode, created.body).toBe(201);
  return { id: json<{ id: string }>(created).id, email, password };
}

describe('an API key narrowed by its own permission sets stays narrow', () => {
  it('a read-only key can neither mint a key with its creator’s access nor widen itself or a sibling', async () => {
    const t = await createTestTenant(h, 'narrow-key');
    const sets = json<{ id: string; key: string }[]>(await t.api('GET', '/access/permission-sets'));
    const readOnly = sets.find((s) => s.key === 'read_only')!.id;
    const made = json<{ id: string; key: string }>(await t.api('POST', '/api-keys', { name: 'integration' }));
    const sibling = json<{ id: string; key: string }>(await t.api('POST', '/api-keys', { name: 'sibling' }));
    for (const key of [made, sibling]) expect((await t.api('PUT', `/access/api-keys/${key.id}`, { permissionSetIds: [readOnly] })).statusCode).toBe(200);
    const narrow = (method: string, path: string, body?: unknown) => call(h, made.key, method, path, body);
    expect((await narrow('POST', '/records/organization', { name: 'refused' })).statusCode).toBe(403);

    const minted = await narrow('POST', '/api-keys', { name: 'escalated' });
    expect(minted.statusCode, minted.body).toBe(201);
    expect((await call(h, json<{ key: string }>(minted).key, 'POST', '/records/organization', { name: 'through the minted key' })).statusCode).toBe(403);

    for (const id of [made.id, sibling.id]) {
      const widened = await narrow('PUT', `/access/api-keys/${id}`, { permissionSetIds: null });
      expect(widened.statusCode, widened.body).toBe(403);
      expect(json<{ errors: { field: string }[] }>(widened).errors[0]!.field).toBe('permissionSetIds');
    }
    expect((await narrow('POST', '/records/organization', { name: 'still refused' })).statusCode).toBe(403);
    expect((await call(h, sibling.key, 'POST', '/records/organization', { name: 'still refused' })).statusCode).toBe(403);
    // Its creator, signed in otherwise, still may.
    expect((await t.api('PUT', `/access/api-keys/${made.id}`, { permissionSetIds: null })).statusCode).toBe(200);
    expect((await narrow('POST', '/records/organization', { name: 'allowed again' })).statusCode).toBe(201);
  });
});

describe('sessions end with the user’s access', () => {
  it('deactivating a user ends their sessions, so reactivating them does not bring an old cookie back', async () => {
    const t = await createTestTenant(h, 'deactivate');
    const rep = await newUser(t, 'Rep', 'standard');
    const cookie = await signIn(t, rep.email, rep.password);
    expect((await me(cookie)).statusCode).toBe(200);
    expect((await t.api('PATCH', `/users/${rep.id}`, { active: false })).statusCode).toBe(200);
    expect((await me(cookie)).statusCode).toBe(401);
    expect((await t.api('PATCH', `/users/${rep.id}`, { active: true })).statusCode).toBe(200);
    expect((await me(cookie)).statusCode).toBe(401);
    expect((await me(await signIn(t, rep.email, rep.password))).statusCode).toBe(200);
  });

  it('deactivating a user revokes their API keys, so reactivating them does not bring a key back', async () => {
    const t = await createTestTenant(h, 'deactivate-keys');
    const rep = await newUser(t, 'Keyholder', 'standard');
    const { key } = await h.server.auth.createApiKey(t.id, rep.id, 'integration');
    expect((await call(h, key, 'GET', '/records/organization')).statusCode).toBe(200);
    expect((await t.api('PATCH', `/users/${rep.id}`, { active: false })).statusCode).toBe(200);
    expect((await call(h, key, 'GET', '/records/organization')).statusCode).toBe(401);
    expect((await t.api('PATCH', `/users/${rep.id}`, { active: true })).statusCode).toBe(200);
    expect((await call(h, key, 'GET', '/records/organization')).statusCode).toBe(401);
  });
});

describe('a burst of guesses at one account', () => {
  it('gets no more answers than the free failures: a guess waits for the one before it to be counted', async () => {
    const t = await createTestTenant(h, 'burst-account');
    const rep = await newUser(t, 'Rep', 'standard');
    const burst = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        h.server.app.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: `10.55.0.${i + 1}`, payload: { tenant: t.slug, email: rep.email, password: `guess number ${i}` } }),
      ),
    );
    const statuses = burst.map((r) => r.statusCode);
    expect(statuses.every((s) => s === 401 || s === 429), statuses.join()).toBe(true);
    expect(statuses.filter((s) => s === 401).length, statuses.join()).toBeLessThanOrEqual(5);
    expect(burst.find((r) => r.statusCode === 429)!.headers['retry-after']).toBeDefined();
  });
});

describe('one’s own password changes only with the current one', () => {
  it('however the own id is cased in the path', async () => {
    const t = await createTestTenant(h, 'pw-case');
    const changed = await t.api('POST', `/users/${t.adminId.toUpperCase()}/password`, { password: 'taken over password' });
    expect(changed.statusCode, changed.body).toBe(422);
    expect(json<{ errors: { field: string }[] }>(changed).errors[0]!.field).toBe('currentPassword');
    expect((await t.api('POST', `/users/${t.adminId.toUpperCase()}/password`, { password: 'changed on purpose', currentPassword: t.adminPassword })).statusCode).toBe(204);
    await signIn(t, t.adminEmail, 'changed on purpose');
  });

  it('as every guard of one’s own user, and every id in a path, is read in any case', async () => {
    const t = await createTestTenant(h, 'id-case');
    const demoted = await t.api('PUT', `/access/users/${t.adminId.toUpperCase()}`, { profile: 'standard' });
    expect(demoted.statusCode, demoted.body).toBe(422);
    expect(json<{ errors: { code: string }[] }>(demoted).errors[0]!.code).toBe('self');
    const created = json<{ id: string }>(await t.api('POST', '/records/organization', { name: 'Cased Ltd' }));
    const read = await t.api('GET', `/records/organization/${created.id.toUpperCase()}`);
    expect(read.statusCode, read.body).toBe(200);
    expect(json<{ id: string }>(read).id).toBe(created.id);
  });
});

describe('a session lives as long as its cookie', () => {
  it('using a session does not extend it past the end of the cookie sign-in set', async () => {
    const t = await createTestTenant(h, 'session-end');
    const rep = await newUser(t, 'Rep', 'standard');
    const signedIn = await h.server.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { tenant: t.slug, email: rep.email, password: rep.password } });
    const cookie = String(signedIn.headers['set-cookie']).split(';')[0]!;
    const maxAge = Number(/Max-Age=(\d+)/.exec(String(signedIn.headers['set-cookie']))![1]);
    const cookieEnds = Date.now() + maxAge * 1000;
    // Late in its life, as if signed in most of a day ago: the browser's cookie ends in a minute.
    await h.db.system((q) => q.query(`update user_session set expires_at = now() + interval '1 minute' where tenant_id = $1 and user_id = $2`, [t.id, rep.id]));
    expect((await me(cookie)).statusCode).toBe(200);
    const [row] = await h.db.system((q) => q.query<{ expires_at: string }>('select expires_at from user_session where tenant_id = $1 and user_id = $2', [t.id, rep.id]));
    expect(Date.parse(row!.expires_at)).toBeLessThan(Date.now() + 2 * 60_000);
    expect(Date.parse(row!.expires_at)).toBeLessThanOrEqual(cookieEnds);
  });
});

describe('the current password is a guess like a sign-in', () => {
  it('wrong current passwords on a password change lock the account out with a 429 as failed sign-ins do, and count toward them', async () => {
    const t = await createTestTenant(h, 'pw-guess');
    const rep = await newUser(t, 'Rep', 'standard');
    const cookie = await signIn(t, rep.email, rep.password);
    const csrfToken = String(json(await me(cookie))['csrfToken']);
    const change = (currentPassword: string) =>
      h.server.app.inject({
        method: 'POST',
        url: `/api/v1/users/${rep.id}/password`,
        remoteAddress: '10.44.0.1',
        headers: { cookie, 'x-csrf-token': csrfToken },
        payload: { password: 'a brand new password', currentPassword },
      });
    for (let i = 0; i < 5; i++) expect((await change(`guess number ${i}`)).statusCode).toBe(403);
    const locked = await change(rep.password);
    expect(locked.statusCode, locked.body).toBe(429);
    expect(locked.headers['retry-after']).toBe('1');
    // The same account's sign-in is locked too, from another address.
    const signInLocked = await h.server.app.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: '10.44.0.2', payload: { tenant: t.slug, email: rep.email, password: rep.password } });
    expect(signInLocked.statusCode).toBe(429);
  });
});

describe('an invitation gives what its inviter may still give', () => {
  it('the link of an administrator since deactivated or demoted no longer opens nor lets anyone join', async () => {
    const t = await createTestTenant(h, 'invite-inviter');
    for (const [name, removal] of [
      ['Leaver', { active: false }],
      ['Demoted', { role: 'standard' }],
    ] as const) {
      const inviter = await newUser(t, name, 'admin');
      const cookie = await signIn(t, inviter.email, inviter.password);
      const made = await h.server.app.inject({ method: 'POST', url: '/api/v1/invites', headers: { cookie, 'sec-fetch-site': 'same-origin' }, payload: { role: 'admin', days: 30 } });
      expect(made.statusCode, made.body).toBe(201);
      const token = json<{ token: string }>(made).token;
      expect((await h.server.app.inject({ method: 'GET', url: `/api/v1/invites/token/${token}` })).statusCode).toBe(200);

      expect((await t.api('PATCH', `/users/${inviter.id}`, removal)).statusCode).toBe(200);
      expect((await h.server.app.inject({ method: 'GET', url: `/api/v1/invites/token/${token}` })).statusCode).toBe(404);
      const email = `back-door-${name.toLowerCase()}@elsewhere.test`;
      const accepted = await h.server.app.inject({ method: 'POST', url: '/api/v1/invites/accept', payload: { token, name: 'Back door', email, password: 'back door password' } });
      expect(accepted.statusCode, accepted.body).toBe(404);
      const users = json<{ email: string }[]>(await t.api('GET', '/users'));
      expect(users.map((u) => u.email)).not.toContain(email);
    }
  });
});

describe('credentials in URLs stay out of the log', () => {
  it('logs an invitation link’s token, and a key sent in a query string, as [redacted]', async () => {
    const lines: string[] = [];
    const app = Fastify({ logger: loggerOptions(true, { write: (line: string) => void lines.push(line) }) });
    app.get('/invite/:token', async () => 'page');
    app.get('/api/v1/invites/token/:token', async () => ({}));
    app.get('/api/v1/records/:object', async () => []);
    const invite = 'inv_roMT9TL2fBgN5a56YeLLf4pkfqHlNKrA';
    const key = 'pk_ba68837b7cdf43819733f33cd13ded22_VR80lxzJ8lcKqltwVx043wVqLQ7JLjiMRJl99r8Vlgs';
    for (const url of [`/invite/${invite}`, `/api/v1/invites/token/${invite}`, `/api/v1/records/customer?key=${key}`]) await app.inject({ method: 'GET', url });
    await app.close();
    const text = lines.join('');
    expect(text).toContain('/invite/inv_[redacted]');
    expect(text).toContain('/api/v1/invites/token/inv_[redacted]');
    expect(text).toContain('key=pk_[redacted]');
    expect(text).not.toContain(invite.slice(4));
    expect(text).not.toContain(key.slice(3));
  });

  it('the always-on line of a server error names the path with an invitation token redacted', async () => {
    const app = Fastify({ logger: false });
    registerProblemHandler(app);
    app.get('/api/v1/invites/token/:token', async () => {
      throw new Error('the database went away');
    });
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => written.push(String(chunk)) > 0);
    try {
      expect((await app.inject({ method: 'GET', url: '/api/v1/invites/token/inv_roMT9TL2fBgN5a56YeLLf4pkfqHlNKrA' })).statusCode).toBe(500);
    } finally {
      spy.mockRestore();
      await app.close();
    }
    const line = written.find((l) => l.includes('unhandled error'))!;
    expect(line).toContain('"path":"/api/v1/invites/token/inv_[redacted]"');
    expect(line).not.toContain('roMT9TL2fBgN5a56YeLLf4pkfqHlNKrA');
  });
});

describe('a request is judged by the credential it names', () => {
  it('a blank Bearer header beside a session cookie does not let the cookie write from another site', async () => {
    const t = await createTestTenant(h, 'blank-bearer');
    const cookie = await signIn(t, t.adminEmail, t.adminPassword);
    const before = json<unknown[]>(await t.api('GET', '/api-keys')).length;
    for (const authorization of ['Bearer ', 'Bearer \u00a0']) {
      const response = await h.server.app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: { cookie, authorization, 'sec-fetch-site': 'cross-site' }, payload: { name: 'cross-site' } });
      expect(response.statusCode, JSON.stringify(authorization)).toBe(401);
    }
    expect(json<unknown[]>(await t.api('GET', '/api-keys')).length).toBe(before);
  });

  it('every entrance reads `Authorization: Bearer` alike: any letter case and 1*SP accepted, a malformed token refused, on REST and the operator’s routes', async () => {
    const t = await createTestTenant(h, 'bearer-forms');
    const me = (authorization: string) => h.server.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization } });
    // RFC 6750 §2.1 with RFC 7235's scheme rules: the scheme is case-insensitive, one or more spaces follow.
    for (const authorization of [`Bearer ${t.key}`, `bearer ${t.key}`, `BEARER  ${t.key}`]) {
      expect((await me(authorization)).statusCode, authorization).toBe(200);
    }
    // A tab, a no-break space, a token with a character outside b64token, or nothing: named Bearer, matched by nothing.
    for (const authorization of [`Bearer\t${t.key}`, `Bearer\u00a0${t.key}`, `Bearer ${t.key} extra`, `Bearer ${t.key}é`, 'Bearer', 'Bearer=']) {
      const response = await me(authorization);
      expect(response.statusCode, JSON.stringify(authorization)).toBe(401);
    }
    const createTenantWith = (authorization: string) =>
      h.server.app.inject({ method: 'POST', url: '/api/v1/tenants', headers: { authorization }, payload: { slug: `bearer-${Math.random().toString(36).slice(2, 8)}`, name: 'Bearer', admin: { email: 'a@bearer.test', name: 'A', password: 'long enough secret' } } });
    expect((await createTenantWith(`bearer  ${h.operatorToken}`)).statusCode).toBe(201);
    expect((await createTenantWith(`Bearer ${h.operatorToken} `.replace(/ $/, '\u00a0'))).statusCode).toBe(403);
    // A token no header can carry is refused when the server starts, not at the first request.
    expect(() => readConfig({ PROTEAN_OPERATOR_TOKEN: 'op token with spaces' })).toThrow(/PROTEAN_OPERATOR_TOKEN must be/);
    expect(readConfig({ PROTEAN_OPERATOR_TOKEN: 'op_AZaz09-._~+/==' }).operatorToken).toBe('op_AZaz09-._~+/==');
  });

  it('a cookie-signed GraphQL socket from an opaque origin (null) is refused as cross-site, like any other site', async () => {
    const t = await createTestTenant(h, 'ws-origin');
    const cookie = await signIn(t, t.adminEmail, t.adminPassword);
    const url = `${(await h.server.app.listen({ host: '127.0.0.1', port: 0 })).replace(/^http/, 'ws')}/api/v1/graphql`;
    // Node's WebSocket takes request headers (a browser sets Origin and cookies itself).
    const Socket = WebSocket as unknown as new (url: string, init: { protocols: string[]; headers: Record<string, string> }) => WebSocket;
    const closeOf = (origin: string) =>
      new Promise<{ code: number; reason: string }>((resolve) => {
        const socket = new Socket(url, { protocols: ['graphql-transport-ws'], headers: { cookie, origin } });
        socket.onopen = () => socket.send(JSON.stringify({ type: 'connection_init' }));
        socket.onmessage = (message) => socket.close(1000, String(message.data));
        socket.onclose = (event) => resolve({ code: event.code, reason: event.reason });
      });
    const host = new URL(url).host;
    // Our host under another scheme is not shown to be the studio, and a socket carries no CSRF token instead.
    for (const origin of ['null', 'http://evil.example', `https://${host}`]) expect(await closeOf(origin), origin).toEqual({ code: 4403, reason: 'Cross-site WebSocket refused' });
    expect((await closeOf(`http://${host}`)).reason).toMatch(/connection_ack/);
  });
});

describe('caching and transport headers', () => {
  it('API answers are not stored by the browser, the studio’s files keep their own caching, and HTTPS is required once cookies are secure', async () => {
    const studioDir = mkdtempSync(join(tmpdir(), 'protean-studio-'));
    mkdirSync(join(studioDir, 'assets'));
    writeFileSync(join(studioDir, 'index.html'), '<!doctype html><title>studio</title>');
    writeFileSync(join(studioDir, 'assets', 'app-1234.js'), 'export {};');
    const secure = await buildApp({ db: h.db, secureCookies: true, passwordCost: 'test', logger: false, studioDir });
    try {
      const t = await createTestTenant(h, 'headers-cache');
      for (const response of [await t.api('GET', '/auth/me'), await t.api('GET', '/users'), await h.server.app.inject({ method: 'GET', url: '/api/v1/auth/me' })]) {
        expect(response.headers['cache-control']).toBe('no-store');
        expect(response.headers['strict-transport-security']).toBeUndefined();
      }
      const me = await secure.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Bearer ${t.key}` } });
      expect(me.statusCode).toBe(200);
      expect(me.headers['cache-control']).toBe('no-store');
      const asset = await secure.app.inject({ method: 'GET', url: '/assets/app-1234.js' });
      expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect((await secure.app.inject({ method: 'GET', url: '/some/page' })).headers['cache-control']).toBe('no-cache');
      for (const response of [me, asset]) expect(response.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    } finally {
      await secure.app.close();
      rmSync(studioDir, { recursive: true, force: true });
    }
  });
});

describe('behind a reverse proxy named in PROTEAN_TRUSTED_PROXIES', () => {
  it('sign-in throttles the client the proxy names, not the proxy, so one client’s failures lock out no one else', async () => {
    const proxied = await startHarness({ trustedProxies: ['127.0.0.1'] });
    try {
      const t = await createTestTenant(proxied, 'proxied');
      const login = (client: string, email: string, password: string) =>
        proxied.server.app.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: '127.0.0.1', headers: { 'x-forwarded-for': client }, payload: { tenant: t.slug, email, password } });
      for (let i = 0; i < 21; i++) expect([401, 429]).toContain((await login('203.0.113.5', `nobody${i}@proxied.test`, 'wrong')).statusCode);
      expect((await login('203.0.113.5', t.adminEmail, t.adminPassword)).statusCode).toBe(429);
      expect((await login('198.51.100.7', t.adminEmail, t.adminPassword)).statusCode).toBe(200);
    } finally {
      await proxied.close();
    }
  });

  it('takes only addresses and CIDR ranges', () => {
    expect(trustedProxies(' 10.0.0.0/8, ::1 ,192.168.1.1')).toEqual(['10.0.0.0/8', '::1', '192.168.1.1']);
    expect(trustedProxies('')).toEqual([]);
    for (const bad of ['proxy.local', '10.0.0.0/33', '10.0.0.1/8/1', 'true']) expect(() => trustedProxies(bad)).toThrow(/PROTEAN_TRUSTED_PROXIES/);
  });
});
