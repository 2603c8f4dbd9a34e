import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../src/app.ts';
import { createTestTenant, json, startHarness, waitFor, type Harness, type TestTenant } from './harness.ts';
import { startServerProcess, type ServerProcess } from './server-process.ts';

let h: Harness;
let url: string;
beforeAll(async () => {
  h = await startHarness();
  url = await h.server.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => h?.close());

// Well under the periodic re-check (a minute): a socket closed within it was closed by the ending itself.
const PROMPTLY_MS = 15_000;

interface Person {
  id: string;
  email: string;
  password: string;
  /** An API key of the user's own that writes the probe records. */
  key: string;
}

async function newUser(t: TestTenant, name: string): Promise<Person> {
  const email = `${name.toLowerCase()}@${t.slug}.test`;
  const password = `${name} password`;
  const created = await t.api('POST', '/users', { email, name, role: 'standard', password });
  expect(created.statusCode, created.body).toBe(201);
  const id = json<{ id: string }>(created).id;
  return { id, email, password, key: (await h.server.auth.createApiKey(t.id, id, `${name}'s probe`)).key };
}

async function signIn(t: TestTenant, person: Person): Promise<string> {
  const response = await h.server.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { tenant: t.slug, email: person.email, password: person.password } });
  expect(response.statusCode, response.body).toBe(200);
  return String(response.headers['set-cookie']).split(';')[0]!;
}

/** A cookie-signed call from the studio's own origin. */
const asSession = (cookie: string, method: 'GET' | 'POST' | 'DELETE', path: string) =>
  h.server.app.inject({ method, url: `/api/v1${path}`, headers: { cookie, 'sec-fetch-site': 'same-origin' } });

const asKey = (key: string, method: string, path: string, body?: unknown) =>
  h.server.app.inject({ method: method as 'GET', url: `/api/v1${path}`, headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { payload: JSON.stringify(body) }) });

async function newDeal(person: Person, name: string): Promise<string> {
  const created = await asKey(person.key, 'POST', '/records/deal', { name });
  expect(created.statusCode, created.body).toBe(201);
  return json<{ id: string }>(created).id;
}

/** Node's WebSocket with the cookie a browser would send with the upgrade. */
const socketWithCookie = (cookie: string) =>
  class extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, { protocols, headers: { cookie } } as unknown as string[]);
    }
  };

interface Live {
  /** Ids of the deals whose creation reached the subscriber. */
  created: string[];
  closed: { code: number; reason: string } | undefined;
  client: Client;
}

/** A subscription to created deals over a socket of its own, opened with a session cookie or an API key; resolves once it is live. */
async function subscription(serverUrl: string, by: { cookie: string } | { key: string }, probe: Person): Promise<Live> {
  const client = createClient({
    url: `${serverUrl.replace(/^http/, 'ws')}/api/v1/graphql`,
    webSocketImpl: 'cookie' in by ? socketWithCookie(by.cookie) : globalThis.WebSocket,
    lazy: false,
    retryAttempts: 0,
    // The client would print a close that ends it; the test records it from the 'closed' event instead.
    onNonLazyError: () => undefined,
    ...('key' in by ? { connectionParams: { authorization: `Bearer ${by.key}` } } : {}),
  });
  const live: Live = { created: [], closed: undefined, client };
  const errors: unknown[] = [];
  client.on('closed', (event) => {
    const { code, reason } = event as { code: number; reason: string };
    live.closed = { code, reason };
  });
  client.subscribe<{ dealChanged: { id: string } }>(
    { query: 'subscription { dealChanged(events: [created]) { id } }' },
    // The socket's close reaches the sink as an error too; `closed` tells which close it was.
    { next: (result) => (result.errors ? errors.push(result.errors) : live.created.push(result.data!.dealChanged.id)), error: (error) => errors.push(error), complete: () => undefined },
  );
  // The protocol does not say when a subscription is registered: probe records until one arrives.
  await waitFor('the subscription to be live', async () => {
    if (live.closed) throw new Error(`closed before it was live: ${JSON.stringify(live.closed)}`);
    if (errors.length) throw new Error(JSON.stringify(errors));
    if (live.created.length) return true;
    await newDeal(probe, 'probe');
    return live.created.length > 0;
  });
  return live;
}

const closedPromptly = (live: Live, what: string) => waitFor(`${what} to close`, () => live.closed !== undefined, PROMPTLY_MS);

const SESSION_ENDED = { code: 4403, reason: 'The session has ended' };
const KEY_ENDED = { code: 4403, reason: 'The API key is no longer valid' };

/** The subscription is still open and hears of a deal created now. */
async function stillLive(live: Live, writer: Person): Promise<void> {
  const id = await newDeal(writer, 'after the ending');
  await waitFor('the open subscription to hear of a new deal', () => live.closed !== undefined || live.created.includes(id));
  expect(live.closed).toBeUndefined();
}

const dispose = (...lives: Live[]) => Promise.all(lives.map((l) => l.client.dispose()));

describe('a live subscription ends with the session or key it was opened with', () => {
  it('signing out closes the socket of that session; a socket of another session of the same user keeps receiving changes', async () => {
    const t = await createTestTenant(h, 'live-logout');
    const rep = await newUser(t, 'Shared');
    const kiosk = await signIn(t, rep);
    const desk = await signIn(t, rep);
    const [onKiosk, onDesk] = [await subscription(url, { cookie: kiosk }, rep), await subscription(url, { cookie: desk }, rep)];
    try {
      expect((await asSession(kiosk, 'POST', '/auth/logout')).statusCode).toBe(204);
      await closedPromptly(onKiosk, 'the signed-out session’s socket');
      expect(onKiosk.closed).toEqual(SESSION_ENDED);
      await stillLive(onDesk, rep);
    } finally {
      await dispose(onKiosk, onDesk);
    }
  });

  it('ending a session from the Sessions list closes its socket; signing out of all other sessions closes theirs and keeps the one asking', async () => {
    const t = await createTestTenant(h, 'live-list');
    const rep = await newUser(t, 'Traveller');
    const laptop = await signIn(t, rep);
    const phone = await signIn(t, rep);
    const tablet = await signIn(t, rep);
    const [onLaptop, onPhone, onTablet] = [await subscription(url, { cookie: laptop }, rep), await subscription(url, { cookie: phone }, rep), await subscription(url, { cookie: tablet }, rep)];
    try {
      const sessions = json<{ id: string; current: boolean }[]>(await asSession(phone, 'GET', '/auth/sessions'));
      const phoneId = sessions.find((s) => s.current)!.id;
      expect((await asSession(laptop, 'DELETE', `/auth/sessions/${phoneId}`)).statusCode).toBe(204);
      await closedPromptly(onPhone, 'the ended session’s socket');
      expect(onPhone.closed).toEqual(SESSION_ENDED);
      await stillLive(onTablet, rep);

      expect(json(await asSession(laptop, 'POST', '/auth/sessions/end-others'))).toEqual({ ended: 1 });
      await closedPromptly(onTablet, 'the other session’s socket');
      expect(onTablet.closed).toEqual(SESSION_ENDED);
      await stillLive(onLaptop, rep);
    } finally {
      await dispose(onLaptop, onPhone, onTablet);
    }
  });

  it('a user manager signing a user out everywhere closes every socket of their sessions, not of their API keys', async () => {
    const t = await createTestTenant(h, 'live-admin');
    const leaver = await newUser(t, 'Leaver');
    const bystander = await newUser(t, 'Bystander');
    const sockets = [await subscription(url, { cookie: await signIn(t, leaver) }, leaver), await subscription(url, { cookie: await signIn(t, leaver) }, leaver)];
    const integration = await subscription(url, { key: leaver.key }, leaver);
    const colleague = await subscription(url, { cookie: await signIn(t, bystander) }, bystander);
    try {
      const ended = await t.api('DELETE', `/users/${leaver.id}/sessions`);
      expect(json(ended)).toEqual({ ended: 2 });
      for (const live of sockets) {
        await closedPromptly(live, 'the leaver’s session socket');
        expect(live.closed).toEqual(SESSION_ENDED);
      }
      // API keys are not sessions: signing out everywhere leaves them (deactivation revokes them).
      await stillLive(integration, leaver);
      await stillLive(colleague, bystander);
    } finally {
      await dispose(...sockets, integration, colleague);
    }
  });

  it('deactivating a user closes their sockets, opened with a session or an API key alike', async () => {
    const t = await createTestTenant(h, 'live-deactivate');
    const leaver = await newUser(t, 'Gone');
    const stays = await newUser(t, 'Stays');
    const bySession = await subscription(url, { cookie: await signIn(t, leaver) }, leaver);
    const byKey = await subscription(url, { key: leaver.key }, leaver);
    const colleague = await subscription(url, { cookie: await signIn(t, stays) }, stays);
    try {
      expect((await t.api('PATCH', `/users/${leaver.id}`, { active: false })).statusCode).toBe(200);
      await closedPromptly(bySession, 'the deactivated user’s session socket');
      await closedPromptly(byKey, 'the deactivated user’s key socket');
      expect(bySession.closed).toEqual(SESSION_ENDED);
      expect(byKey.closed).toEqual(KEY_ENDED);
      await stillLive(colleague, stays);
    } finally {
      await dispose(bySession, byKey, colleague);
    }
  });

  it('revoking an API key closes the sockets opened with it; one opened with another key of the same user stays', async () => {
    const t = await createTestTenant(h, 'live-revoke');
    const rep = await newUser(t, 'Integrator');
    const old = await h.server.auth.createApiKey(t.id, rep.id, 'old integration');
    const byOld = await subscription(url, { key: old.key }, rep);
    const byProbeKey = await subscription(url, { key: rep.key }, rep);
    const bySession = await subscription(url, { cookie: await signIn(t, rep) }, rep);
    try {
      expect((await asKey(rep.key, 'DELETE', `/api-keys/${old.id}`)).statusCode).toBe(204);
      await closedPromptly(byOld, 'the revoked key’s socket');
      expect(byOld.closed).toEqual(KEY_ENDED);
      await stillLive(byProbeKey, rep);
      await stillLive(bySession, rep);
    } finally {
      await dispose(byOld, byProbeKey, bySession);
    }
  });

  it('a new password closes the sockets of the user’s other sessions and keeps the one that changed it', async () => {
    const t = await createTestTenant(h, 'live-password');
    const rep = await newUser(t, 'Changer');
    const here = await signIn(t, rep);
    const onOther = await subscription(url, { cookie: await signIn(t, rep) }, rep);
    const onHere = await subscription(url, { cookie: here }, rep);
    try {
      const changed = await h.server.app.inject({
        method: 'POST',
        url: `/api/v1/users/${rep.id}/password`,
        headers: { cookie: here, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' },
        payload: JSON.stringify({ currentPassword: rep.password, password: 'a brand new secret' }),
      });
      expect(changed.statusCode, changed.body).toBe(204);
      await closedPromptly(onOther, 'the other session’s socket');
      expect(onOther.closed).toEqual(SESSION_ENDED);
      await stillLive(onHere, rep);
    } finally {
      await dispose(onOther, onHere);
    }
  });
});

describe('what an open socket delivers', () => {
  it('follows an access change made while it is open: a deal out of the subscriber’s reach since is not sent, and the socket stays open', async () => {
    const t = await createTestTenant(h, 'live-access');
    const rep = await newUser(t, 'Watcher');
    const admin: Person = { id: t.adminId, email: t.adminEmail, password: t.adminPassword, key: t.key };
    const live = await subscription(url, { cookie: await signIn(t, rep) }, rep);
    try {
      const before = await newDeal(admin, 'Shared before');
      await waitFor('the administrator’s deal, readable to all', () => live.created.includes(before));
      expect((await t.api('PUT', '/access/sharing', { objects: { deal: 'private' } })).statusCode).toBe(200);
      const hidden = await newDeal(admin, 'Private since');
      // Changes arrive in commit order: once the subscriber's own later deal arrived, the private one was weighed.
      await stillLive(live, rep);
      expect(live.created).not.toContain(hidden);
    } finally {
      await dispose(live);
    }
  });
});

describe('a session that lapses while its socket is open', () => {
  let quick: App;
  let quickUrl: string;
  beforeAll(async () => {
    // Another server over the same database that asks after its sockets' credentials every 200 ms.
    quick = await buildApp({ db: h.db, passwordCost: 'test', logger: false, liveRecheckMs: 200, webhooks: { deliver: false } });
    quickUrl = await quick.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => quick?.app.close());

  it('is closed by the periodic re-check once it has been idle too long or reached its 12 hours, which nothing announces', async () => {
    const t = await createTestTenant(h, 'live-lapse');
    const rep = await newUser(t, 'Sleeper');
    const idle = await subscription(quickUrl, { cookie: await signIn(t, rep) }, rep);
    const old = await subscription(quickUrl, { cookie: await signIn(t, rep) }, rep);
    const fresh = await subscription(quickUrl, { cookie: await signIn(t, rep) }, rep);
    const [idleId, oldId] = (await h.db.system((q) => q.query<{ id: string }>('select id from user_session where tenant_id = $1 and user_id = $2 order by created_at', [t.id, rep.id]))).map((r) => r.id);
    try {
      await h.db.system(async (q) => {
        await q.query(`update user_session set last_seen_at = now() - interval '121 minutes' where id = $1`, [idleId]);
        await q.query(`update user_session set expires_at = now() where id = $1`, [oldId]);
      });
      await closedPromptly(idle, 'the idle session’s socket');
      await closedPromptly(old, 'the expired session’s socket');
      expect([idle.closed, old.closed]).toEqual([SESSION_ENDED, SESSION_ENDED]);
      await stillLive(fresh, rep);
    } finally {
      await dispose(idle, old, fresh);
    }
  });
});

describe.skipIf(!process.env['DATABASE_URL'])('a live subscription on another server process', () => {
  let other: ServerProcess | undefined;
  afterAll(async () => other?.stop());

  it('signing out through one process closes the session’s socket held by another; a user manager’s ending and a revoked key too', async () => {
    const t = await createTestTenant(h, 'live-procs');
    const rep = await newUser(t, 'Roaming');
    other = await startServerProcess(process.env['DATABASE_URL']!);
    const cookie = await signIn(t, rep);
    const kept = await signIn(t, rep);
    const byKey = await h.server.auth.createApiKey(t.id, rep.id, 'elsewhere');
    const there = await subscription(other.url, { cookie }, rep);
    const keptThere = await subscription(other.url, { cookie: kept }, rep);
    const keyThere = await subscription(other.url, { key: byKey.key }, rep);
    try {
      expect((await asSession(cookie, 'POST', '/auth/logout')).statusCode).toBe(204);
      await closedPromptly(there, 'the socket on the other process');
      expect(there.closed).toEqual(SESSION_ENDED);
      await stillLive(keptThere, rep);

      expect((await asKey(rep.key, 'DELETE', `/api-keys/${byKey.id}`)).statusCode).toBe(204);
      await closedPromptly(keyThere, 'the revoked key’s socket on the other process');
      expect(keyThere.closed).toEqual(KEY_ENDED);

      expect(json(await t.api('DELETE', `/users/${rep.id}/sessions`))).toEqual({ ended: 1 });
      await closedPromptly(keptThere, 'the last session’s socket on the other process');
      expect(keptThere.closed).toEqual(SESSION_ENDED);
    } finally {
      await dispose(there, keptThere, keyThere);
    }
  }, 120_000);
});
