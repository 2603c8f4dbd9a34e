import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../src/config.ts';
import { call, createTestTenant, json, startHarness, waitFor, type Harness, type TestTenant } from './harness.ts';
import { startServerProcess, type ServerProcess } from './server-process.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

async function signIn(t: TestTenant, email: string, password: string, headers: Record<string, string> = {}): Promise<string> {
  const response = await h.server.app.inject({ method: 'POST', url: '/api/v1/auth/login', headers, payload: { tenant: t.slug, email, password } });
  expect(response.statusCode, response.body).toBe(200);
  return String(response.headers['set-cookie']).split(';')[0]!;
}

const me = (cookie: string) => h.server.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie } });

async function newUser(t: TestTenant, name: string, role = 'standard'): Promise<{ id: string; email: string; password: string }> {
  const email = `${name.toLowerCase()}@${t.slug}.test`;
  const password = `${name} password`;
  const created = await t.api('POST', '/users', { email, name, role, password });
  expect(created.statusCode, created.body).toBe(201);
  return { id: json<{ id: string }>(created).id, email, password };
}

/** Moves the user's sessions' last use back, as if nothing had been asked of them for `minutes`. */
const idleFor = (t: TestTenant, userId: string, minutes: number) =>
  h.db.system((q) => q.query(`update user_session set last_seen_at = now() - $3 * interval '1 minute' where tenant_id = $1 and user_id = $2`, [t.id, userId, minutes]));

/** How long ago each of the user's sessions was last used, in minutes. */
const minutesSinceSeen = async (t: TestTenant, userId: string) =>
  (await h.db.system((q) => q.query<{ minutes: number }>(`select (extract(epoch from now() - last_seen_at) / 60)::float8 as minutes from user_session where tenant_id = $1 and user_id = $2`, [t.id, userId]))).map((r) => Number(r.minutes));

describe('a session left unused ends (idle timeout)', () => {
  it('a session unused for longer than the idle time is refused with 401, one used within it still works', async () => {
    const t = await createTestTenant(h, 'idle');
    const rep = await newUser(t, 'Idler');
    const left = await signIn(t, rep.email, rep.password);
    await idleFor(t, rep.id, 31);
    expect((await me(left)).statusCode).toBe(401);

    const kept = await signIn(t, rep.email, rep.password);
    await idleFor(t, rep.id, 27);
    expect((await me(kept)).statusCode).toBe(200);
    // That use counts as the session's last: it stays alive past the idle time measured from before.
    expect(Math.max(...(await minutesSinceSeen(t, rep.id)))).toBeLessThan(1);
  });

  it('recording use writes at most once every few minutes: requests soon after the last write leave it as it is', async () => {
    const t = await createTestTenant(h, 'idle-write');
    const rep = await newUser(t, 'Busy');
    const cookie = await signIn(t, rep.email, rep.password);
    await idleFor(t, rep.id, 2);
    for (let i = 0; i < 3; i++) expect((await me(cookie)).statusCode).toBe(200);
    const [since] = await minutesSinceSeen(t, rep.id);
    expect(since).toBeGreaterThan(1.9);
  });

  it('signing in clears the user’s sessions that ended, not the live ones', async () => {
    const t = await createTestTenant(h, 'idle-clear');
    const rep = await newUser(t, 'Returning');
    const first = await signIn(t, rep.email, rep.password);
    await idleFor(t, rep.id, 300);
    const second = await signIn(t, rep.email, rep.password);
    const third = await signIn(t, rep.email, rep.password);
    expect((await minutesSinceSeen(t, rep.id)).length).toBe(2);
    expect((await me(first)).statusCode).toBe(401);
    for (const cookie of [second, third]) expect((await me(cookie)).statusCode).toBe(200);
  });

  it('the idle time of workspaces that chose none is a server setting in whole minutes, thirty unless set', () => {
    expect(readConfig({}).sessionIdleMs).toBe(30 * 60_000);
    expect(readConfig({ PROTEAN_SESSION_IDLE_MINUTES: '120' }).sessionIdleMs).toBe(120 * 60_000);
    for (const bad of ['0', '1.5', 'ten', '721']) expect(() => readConfig({ PROTEAN_SESSION_IDLE_MINUTES: bad })).toThrow(/PROTEAN_SESSION_IDLE_MINUTES/);
  });
});

interface Session {
  id: string;
  createdAt: string;
  lastSeenAt: string;
  address: string | null;
  userAgent: string | null;
  browser: string | null;
  os: string | null;
  current: boolean;
}

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
const SAFARI = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1';

/** A cookie-signed call from the studio's own origin. */
const asSession = (cookie: string, method: 'GET' | 'POST' | 'DELETE', path: string) =>
  h.server.app.inject({ method, url: `/api/v1${path}`, headers: { cookie, 'sec-fetch-site': 'same-origin' } });

describe('a user sees their sessions and ends them', () => {
  it('lists the user’s own sessions with when, where and with what each signed in, marking the one asking', async () => {
    const t = await createTestTenant(h, 'sessions-list');
    const rep = await newUser(t, 'Traveller');
    const laptop = await signIn(t, rep.email, rep.password, { 'user-agent': FIREFOX });
    const phone = await signIn(t, rep.email, rep.password, { 'user-agent': SAFARI });
    await signIn(t, t.adminEmail, t.adminPassword);
    const listed = await asSession(laptop, 'GET', '/auth/sessions');
    expect(listed.statusCode, listed.body).toBe(200);
    const sessions = json<Session[]>(listed);
    expect(sessions.length).toBe(2);
    const mine = sessions.find((s) => s.current)!;
    expect(mine).toMatchObject({ browser: 'Firefox 133', os: 'Linux', userAgent: FIREFOX, address: '127.0.0.1' });
    expect(sessions.find((s) => !s.current)).toMatchObject({ browser: 'Safari 17', os: 'iOS' });
    expect(Date.parse(mine.createdAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(json<Session[]>(await asSession(phone, 'GET', '/auth/sessions')).find((s) => s.current)!.browser).toBe('Safari 17');
    // Nothing of the token, nor its hash, is in the answer.
    expect(listed.body).not.toContain(laptop.split('.')[1]!);
    expect(Object.keys(mine).sort()).toEqual(['address', 'browser', 'createdAt', 'current', 'expiresAt', 'id', 'lastSeenAt', 'os', 'userAgent']);
  });

  it('ending one session refuses its next request with 401 and leaves the others signed in', async () => {
    const t = await createTestTenant(h, 'sessions-end');
    const rep = await newUser(t, 'Closer');
    const laptop = await signIn(t, rep.email, rep.password, { 'user-agent': FIREFOX });
    const phone = await signIn(t, rep.email, rep.password, { 'user-agent': SAFARI });
    // The phone's session is cached as recently used: the ending must reach past that.
    expect((await me(phone)).statusCode).toBe(200);
    const target = json<Session[]>(await asSession(laptop, 'GET', '/auth/sessions')).find((s) => !s.current)!;
    expect((await asSession(laptop, 'DELETE', `/auth/sessions/${target.id}`)).statusCode).toBe(204);
    expect((await me(phone)).statusCode).toBe(401);
    expect((await me(laptop)).statusCode).toBe(200);
    expect(json<Session[]>(await asSession(laptop, 'GET', '/auth/sessions')).map((s) => s.current)).toEqual([true]);
    expect((await asSession(laptop, 'DELETE', `/auth/sessions/${target.id}`)).statusCode).toBe(404);
  });

  it('signing out of all other sessions keeps only the one asking', async () => {
    const t = await createTestTenant(h, 'sessions-others');
    const rep = await newUser(t, 'Everywhere');
    const others = [await signIn(t, rep.email, rep.password), await signIn(t, rep.email, rep.password)];
    const here = await signIn(t, rep.email, rep.password);
    const colleague = await signIn(t, t.adminEmail, t.adminPassword);
    for (const cookie of others) expect((await me(cookie)).statusCode).toBe(200);
    const ended = await asSession(here, 'POST', '/auth/sessions/end-others');
    expect(ended.statusCode, ended.body).toBe(200);
    expect(json(ended)).toEqual({ ended: 2 });
    for (const cookie of others) expect((await me(cookie)).statusCode).toBe(401);
    expect((await me(here)).statusCode).toBe(200);
    expect((await me(colleague)).statusCode).toBe(200);
  });

  it('another user’s session cannot be ended, nor another workspace’s: 404, and it stays signed in', async () => {
    const t = await createTestTenant(h, 'sessions-theirs');
    const other = await createTestTenant(h, 'sessions-elsewhere');
    const rep = await newUser(t, 'Nosy');
    const nosy = await signIn(t, rep.email, rep.password);
    const adminCookie = await signIn(t, t.adminEmail, t.adminPassword);
    const elsewhere = await signIn(other, other.adminEmail, other.adminPassword);
    const adminSession = json<Session[]>(await asSession(adminCookie, 'GET', '/auth/sessions'))[0]!;
    const foreignSession = json<Session[]>(await asSession(elsewhere, 'GET', '/auth/sessions'))[0]!;
    for (const id of [adminSession.id, foreignSession.id, 'not-an-id']) expect((await asSession(nosy, 'DELETE', `/auth/sessions/${id}`)).statusCode).toBe(404);
    // Even an administrator ends only their own sessions here.
    expect((await asSession(adminCookie, 'DELETE', `/auth/sessions/${foreignSession.id}`)).statusCode).toBe(404);
    expect((await me(adminCookie)).statusCode).toBe(200);
    expect((await me(elsewhere)).statusCode).toBe(200);
  });

  it('a user manager signs another user of the workspace out everywhere; never a user of another workspace', async () => {
    const t = await createTestTenant(h, 'sessions-admin');
    const other = await createTestTenant(h, 'sessions-admin-other');
    const leaver = await newUser(t, 'Leaver');
    const cookies = [await signIn(t, leaver.email, leaver.password), await signIn(t, leaver.email, leaver.password)];
    for (const cookie of cookies) expect((await me(cookie)).statusCode).toBe(200);
    const foreign = await signIn(other, other.adminEmail, other.adminPassword);

    const ended = await t.api('DELETE', `/users/${leaver.id}/sessions`);
    expect(ended.statusCode, ended.body).toBe(200);
    expect(json(ended)).toEqual({ ended: 2 });
    for (const cookie of cookies) expect((await me(cookie)).statusCode).toBe(401);
    // The user may sign in again: their account is untouched.
    expect((await me(await signIn(t, leaver.email, leaver.password))).statusCode).toBe(200);

    expect((await t.api('DELETE', `/users/${other.adminId}/sessions`)).statusCode).toBe(404);
    expect((await me(foreign)).statusCode).toBe(200);
    // Without the users right: refused, and the sessions live on.
    const peer = await newUser(t, 'Peer');
    const peerCookie = await signIn(t, peer.email, peer.password);
    const survivor = await signIn(t, leaver.email, leaver.password);
    expect((await asSession(peerCookie, 'DELETE', `/users/${leaver.id}/sessions`)).statusCode).toBe(403);
    expect((await me(survivor)).statusCode).toBe(200);
  });

  it('a user manager signing someone out everywhere is in the access audit trail: who, whom and how many sessions; a refused attempt is not', async () => {
    const t = await createTestTenant(h, 'sessions-audit');
    const leaver = await newUser(t, 'Audited');
    await signIn(t, leaver.email, leaver.password);
    await signIn(t, leaver.email, leaver.password);
    const peer = await newUser(t, 'Meddler');
    expect((await asSession(await signIn(t, peer.email, peer.password), 'DELETE', `/users/${leaver.id}/sessions`)).statusCode).toBe(403);
    expect(json(await t.api('DELETE', `/users/${leaver.id}/sessions`))).toEqual({ ended: 2 });
    const trail = json<{ actorId: string; actorName: string; action: string; subject: string; detail: unknown }[]>(await t.api('GET', '/access/audit'));
    const endings = trail.filter((e) => e.action === 'user.endSessions');
    expect(endings).toEqual([expect.objectContaining({ actorId: t.adminId, actorName: 'Test Admin', subject: 'user Audited', detail: { ended: 2 } })]);
  });
});

describe('a new password ends the user’s other sessions', () => {
  it('changing one’s own password signs out every other session of the user, and keeps the one that changed it', async () => {
    const t = await createTestTenant(h, 'sessions-password');
    const rep = await newUser(t, 'Changer');
    const others = [await signIn(t, rep.email, rep.password, { 'user-agent': SAFARI }), await signIn(t, rep.email, rep.password)];
    const here = await signIn(t, rep.email, rep.password, { 'user-agent': FIREFOX });
    const colleague = await signIn(t, t.adminEmail, t.adminPassword);
    for (const cookie of others) expect((await me(cookie)).statusCode).toBe(200);
    const changed = await h.server.app.inject({
      method: 'POST',
      url: `/api/v1/users/${rep.id}/password`,
      headers: { cookie: here, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' },
      payload: JSON.stringify({ currentPassword: rep.password, password: 'a brand new secret' }),
    });
    expect(changed.statusCode, changed.body).toBe(204);
    for (const cookie of others) expect((await me(cookie)).statusCode).toBe(401);
    expect((await me(here)).statusCode).toBe(200);
    expect(json<Session[]>(await asSession(here, 'GET', '/auth/sessions')).map((s) => [s.current, s.browser])).toEqual([[true, 'Firefox 133']]);
    expect((await me(colleague)).statusCode).toBe(200);
  });

  it('an administrator resetting a user’s password signs out all of that user’s sessions', async () => {
    const t = await createTestTenant(h, 'sessions-reset');
    const rep = await newUser(t, 'Reset');
    const cookies = [await signIn(t, rep.email, rep.password), await signIn(t, rep.email, rep.password)];
    for (const cookie of cookies) expect((await me(cookie)).statusCode).toBe(200);
    expect((await t.api('POST', `/users/${rep.id}/password`, { password: 'reset by the admin' })).statusCode).toBe(204);
    for (const cookie of cookies) expect((await me(cookie)).statusCode).toBe(401);
    expect((await me(await signIn(t, rep.email, 'reset by the admin'))).statusCode).toBe(200);
  });
});

interface SessionSettings {
  idleMinutes: number;
  chosen: boolean;
  defaultMinutes: number;
  choices: number[];
}

const setIdle = (t: TestTenant, idleMinutes: unknown) => t.api('PATCH', '/workspace/session-settings', { idleMinutes });
const idleSettings = async (t: TestTenant) => json<SessionSettings>(await t.api('GET', '/workspace/session-settings'));

describe('a workspace’s administrator chooses its idle time', () => {
  it('a workspace that chose none takes the server’s default (30 minutes here); the choice is saved, shown, and in the access audit trail', async () => {
    const t = await createTestTenant(h, 'idle-choice');
    expect(await idleSettings(t)).toEqual({ idleMinutes: 30, chosen: false, defaultMinutes: 30, choices: [15, 30, 60, 120, 240, 480, 720] });
    const changed = await setIdle(t, 15);
    expect(changed.statusCode, changed.body).toBe(200);
    expect(json(changed)).toMatchObject({ idleMinutes: 15, chosen: true });
    expect(await idleSettings(t)).toMatchObject({ idleMinutes: 15, chosen: true });
    const trail = json<{ actorId: string; action: string; detail: unknown }[]>(await t.api('GET', '/access/audit'));
    expect(trail.filter((e) => e.action === 'session.idleTimeout')).toEqual([
      expect.objectContaining({ actorId: t.adminId, detail: { before: { idleMinutes: 30 }, after: { idleMinutes: 15 } } }),
    ]);
  });

  it('an idle time outside the choices is a 422 naming idleMinutes, and nothing changes', async () => {
    const t = await createTestTenant(h, 'idle-bad');
    for (const bad of [45, 0, 721, 10_000, -15]) {
      const refused = await setIdle(t, bad);
      expect(refused.statusCode, `${bad}: ${refused.body}`).toBe(422);
      expect(json<{ errors: { field: string; message: string }[] }>(refused).errors).toEqual([expect.objectContaining({ field: 'idleMinutes', message: expect.stringContaining('15, 30, 60, 120, 240, 480, 720') })]);
    }
    for (const bad of ['thirty', null, 30.5]) expect((await setIdle(t, bad)).statusCode, String(bad)).toBeGreaterThanOrEqual(400);
    expect((await setIdle(t, 30.5)).statusCode).toBeLessThan(500);
    expect((await t.api('PATCH', '/workspace/session-settings', {})).statusCode).toBe(400);
    expect(await idleSettings(t)).toMatchObject({ idleMinutes: 30, chosen: false });
    expect(json<{ action: string }[]>(await t.api('GET', '/access/audit')).filter((e) => e.action === 'session.idleTimeout')).toEqual([]);
  });

  it('a user without the users right may read the idle time but not change it', async () => {
    const t = await createTestTenant(h, 'idle-rights');
    const rep = await newUser(t, 'Plain');
    const cookie = await signIn(t, rep.email, rep.password);
    const write = (body: unknown) =>
      h.server.app.inject({ method: 'PATCH', url: '/api/v1/workspace/session-settings', headers: { cookie, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' }, payload: JSON.stringify(body) });
    expect((await write({ idleMinutes: 720 })).statusCode).toBe(403);
    expect(json(await asSession(cookie, 'GET', '/workspace/session-settings'))).toMatchObject({ idleMinutes: 30, chosen: false });
  });

  it('a shorter idle time ends the sessions idle longer at their next request, though this process had them cached as just used', async () => {
    const t = await createTestTenant(h, 'idle-shorter');
    const rep = await newUser(t, 'Lingerer');
    const cookie = await signIn(t, rep.email, rep.password);
    expect((await me(cookie)).statusCode).toBe(200);
    await idleFor(t, rep.id, 20);
    expect((await setIdle(t, 15)).statusCode).toBe(200);
    expect((await me(cookie)).statusCode).toBe(401);
  });

  it('a longer idle time keeps sessions the server’s default would have ended', async () => {
    const t = await createTestTenant(h, 'idle-longer');
    const rep = await newUser(t, 'Meeting');
    const cookie = await signIn(t, rep.email, rep.password);
    expect((await setIdle(t, 60)).statusCode).toBe(200);
    await idleFor(t, rep.id, 45);
    expect((await me(cookie)).statusCode).toBe(200);
    expect(json<Session[]>(await asSession(cookie, 'GET', '/auth/sessions')).length).toBe(1);
  });

  it('one workspace’s idle time never changes another’s sessions', async () => {
    const strict = await createTestTenant(h, 'idle-strict');
    const relaxed = await createTestTenant(h, 'idle-relaxed');
    const strictRep = await newUser(strict, 'Strict');
    const relaxedRep = await newUser(relaxed, 'Relaxed');
    const strictCookie = await signIn(strict, strictRep.email, strictRep.password);
    const relaxedCookie = await signIn(relaxed, relaxedRep.email, relaxedRep.password);
    expect((await setIdle(strict, 15)).statusCode).toBe(200);
    expect((await setIdle(relaxed, 240)).statusCode).toBe(200);
    await idleFor(strict, strictRep.id, 20);
    await idleFor(relaxed, relaxedRep.id, 20);
    expect((await me(strictCookie)).statusCode).toBe(401);
    expect((await me(relaxedCookie)).statusCode).toBe(200);
    expect(await idleSettings(relaxed)).toMatchObject({ idleMinutes: 240 });
    // A third workspace that chose none keeps the server's default.
    const untouched = await createTestTenant(h, 'idle-untouched');
    expect(await idleSettings(untouched)).toMatchObject({ idleMinutes: 30, chosen: false });
  });
});

describe.skipIf(!process.env['DATABASE_URL'])('a workspace’s idle time on another server process', () => {
  let other: ServerProcess | undefined;
  afterAll(async () => other?.stop());

  it('a shorter idle time chosen through one process ends, within seconds, a session another process has cached as just used', async () => {
    const t = await createTestTenant(h, 'idle-procs');
    const rep = await newUser(t, 'Elsewhere');
    const cookie = await signIn(t, rep.email, rep.password);
    other = await startServerProcess(process.env['DATABASE_URL']!);
    const meThere = async () => (await fetch(`${other!.url}/api/v1/auth/me`, { headers: { cookie } })).status;
    expect(await meThere()).toBe(200);
    await idleFor(t, rep.id, 20);
    expect((await setIdle(t, 15)).statusCode).toBe(200);
    // Sooner than the other process's credential cache (30 s) would forget the session by itself.
    await waitFor('the other process to refuse the session', async () => (await meThere()) === 401, 10_000);
  });
});

describe('a session tells when it ends', () => {
  const endsIn = (response: { headers: Record<string, unknown> }) => Number(response.headers['x-session-ends-in']);

  it('every answer to a session says how long until it ends unused; GET /auth/session says the same from the database without counting as use', async () => {
    const t = await createTestTenant(h, 'ends-in');
    const rep = await newUser(t, 'Watcher');
    const fresh = await me(await signIn(t, t.adminEmail, t.adminPassword));
    expect(endsIn(fresh)).toBeGreaterThan(29 * 60_000);
    expect(endsIn(fresh)).toBeLessThanOrEqual(30 * 60_000);

    const cookie = await signIn(t, rep.email, rep.password);
    await idleFor(t, rep.id, 10);
    const asked = await asSession(cookie, 'GET', '/auth/session');
    expect(asked.statusCode, asked.body).toBe(200);
    expect(endsIn(asked)).toBeLessThanOrEqual(20 * 60_000);
    const status = json<{ endsIn: number; idleTimeout: number; expiresAt: string }>(asked);
    expect(status.idleTimeout).toBe(30 * 60_000);
    expect(status.endsIn).toBeGreaterThan(19 * 60_000);
    expect(status.endsIn).toBeLessThanOrEqual(20 * 60_000);
    expect(Date.parse(status.expiresAt)).toBeGreaterThan(Date.now() + 11 * 60 * 60_000);
    // Asking is not use: asked again, the session is still ten minutes unused.
    await asSession(cookie, 'GET', '/auth/session');
    expect((await minutesSinceSeen(t, rep.id))[0]).toBeGreaterThan(9.9);

    // Any other request is use, and the session's end moves back to the full idle time.
    expect(endsIn(await me(cookie))).toBeGreaterThan(29 * 60_000);
    expect(json<{ endsIn: number }>(await asSession(cookie, 'GET', '/auth/session')).endsIn).toBeGreaterThan(29 * 60_000);
  });

  it('a session near its 12 hours says it ends by the limit, which use does not move', async () => {
    const t = await createTestTenant(h, 'ends-limit');
    const rep = await newUser(t, 'Marathon');
    const cookie = await signIn(t, rep.email, rep.password);
    expect(json(await asSession(cookie, 'GET', '/auth/session'))).toMatchObject({ endsBy: 'idle' });
    await h.db.system((q) => q.query(`update user_session set expires_at = now() + interval '10 minutes' where tenant_id = $1 and user_id = $2`, [t.id, rep.id]));
    expect((await me(cookie)).statusCode).toBe(200);
    const status = json<{ endsIn: number; endsBy: string }>(await asSession(cookie, 'GET', '/auth/session'));
    expect(status.endsBy).toBe('limit');
    expect(status.endsIn).toBeGreaterThan(9 * 60_000);
    expect(status.endsIn).toBeLessThanOrEqual(10 * 60_000);
  });

  it('an ended session asking when it ends is a 401; an API key has no session to ask about (403)', async () => {
    const t = await createTestTenant(h, 'ends-gone');
    const rep = await newUser(t, 'Gone');
    const cookie = await signIn(t, rep.email, rep.password);
    await idleFor(t, rep.id, 31);
    expect((await asSession(cookie, 'GET', '/auth/session')).statusCode).toBe(401);
    const viaKey = await t.api('GET', '/auth/session');
    expect(viaKey.statusCode).toBe(403);
    expect(viaKey.headers['x-session-ends-in']).toBeUndefined();
  });
});

describe('an API key cannot end sessions: a key is not a session', () => {
  const keyOf = async (cookie: string) => {
    const made = await h.server.app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: { cookie, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' }, payload: '{"name":"integration"}' });
    expect(made.statusCode, made.body).toBe(201);
    return json<{ key: string }>(made).key;
  };

  it('“sign out of all other sessions” and ending one session with the user’s key are 403 with the reason, and the browser sessions stay signed in', async () => {
    const t = await createTestTenant(h, 'key-sessions');
    const rep = await newUser(t, 'Integrator');
    const laptop = await signIn(t, rep.email, rep.password, { 'user-agent': FIREFOX });
    const phone = await signIn(t, rep.email, rep.password, { 'user-agent': SAFARI });
    const key = await keyOf(laptop);
    const others = await call(h, key, 'POST', '/auth/sessions/end-others');
    expect(others.statusCode, others.body).toBe(403);
    expect(json<{ detail: string }>(others).detail).toMatch(/API key.*not a session/);
    const phoneId = json<Session[]>(await asSession(laptop, 'GET', '/auth/sessions')).find((s) => !s.current)!.id;
    expect((await call(h, key, 'DELETE', `/auth/sessions/${phoneId}`)).statusCode).toBe(403);
    for (const cookie of [laptop, phone]) expect((await me(cookie)).statusCode).toBe(200);
  });

  it('a user manager’s key signs another user out everywhere, never its own user: that would be every session of theirs', async () => {
    const t = await createTestTenant(h, 'key-admin-sessions');
    const leaver = await newUser(t, 'Departing');
    const leaverCookie = await signIn(t, leaver.email, leaver.password);
    const adminCookie = await signIn(t, t.adminEmail, t.adminPassword);
    const own = await t.api('DELETE', `/users/${t.adminId}/sessions`);
    expect(own.statusCode, own.body).toBe(403);
    expect((await me(adminCookie)).statusCode).toBe(200);
    expect(json(await t.api('DELETE', `/users/${leaver.id}/sessions`))).toEqual({ ended: 1 });
    expect((await me(leaverCookie)).statusCode).toBe(401);
  });
});

describe('an account knows whether its language was chosen', () => {
  type MeAnswer = { user: { locale: string; localeChosen: boolean } };
  const patchMe = (cookie: string, locale: string) =>
    h.server.app.inject({ method: 'PATCH', url: '/api/v1/auth/me', headers: { cookie, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' }, payload: JSON.stringify({ locale }) });

  it('a new account has none chosen; choosing English is told apart from never choosing', async () => {
    const t = await createTestTenant(h, 'locale-chosen');
    const rep = await newUser(t, 'Speaker');
    const cookie = await signIn(t, rep.email, rep.password);
    expect(json<MeAnswer>(await me(cookie)).user).toMatchObject({ locale: 'en', localeChosen: false });
    expect((await patchMe(cookie, 'en')).statusCode).toBe(204);
    expect(json<MeAnswer>(await me(cookie)).user).toMatchObject({ locale: 'en', localeChosen: true });
    expect((await patchMe(cookie, 'zh-CN')).statusCode).toBe(204);
    expect(json<MeAnswer>(await me(cookie)).user).toMatchObject({ locale: 'zh-CN', localeChosen: true });
  });

  it('a language a user manager gives the account counts as chosen; a change of anything else does not', async () => {
    const t = await createTestTenant(h, 'locale-admin');
    const made = await t.api('POST', '/users', { email: `li@${t.slug}.test`, name: 'Li', role: 'standard', password: 'Li password 1', locale: 'zh-CN' });
    expect(json(made)).toMatchObject({ locale: 'zh-CN', localeChosen: true });
    const plain = await newUser(t, 'Renamed');
    expect(json(await t.api('PATCH', `/users/${plain.id}`, { name: 'Renamed again' }))).toMatchObject({ locale: 'en', localeChosen: false });
    expect(json(await t.api('PATCH', `/users/${plain.id}`, { locale: 'en' }))).toMatchObject({ locale: 'en', localeChosen: true });
  });
});
