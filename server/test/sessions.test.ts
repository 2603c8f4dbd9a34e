import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../src/config.ts';
import { createTestTenant, json, startHarness, type Harness, type TestTenant } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

async function signIn(t: TestTenant, email: string, password: string, headers: Record<string, string> = {}): Promise<string> {
  const response = await h.server.app.inject({ method: 'POST', url: '/api/v1/auth/login', headers, payload: { tenant: t.slug, email, password } });
  expect(response.statusCode, response.body).toBe(200);
  return (response.headers['set-cookie'] as string).split(';')[0]!;
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
    await idleFor(t, rep.id, 121);
    expect((await me(left)).statusCode).toBe(401);

    const kept = await signIn(t, rep.email, rep.password);
    await idleFor(t, rep.id, 110);
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

  it('the idle time is a server setting in whole minutes, two hours unless set', () => {
    expect(readConfig({}).sessionIdleMs).toBe(120 * 60_000);
    expect(readConfig({ PROTEAN_SESSION_IDLE_MINUTES: '30' }).sessionIdleMs).toBe(30 * 60_000);
    for (const bad of ['0', '1.5', 'ten', '721']) expect(() => readConfig({ PROTEAN_SESSION_IDLE_MINUTES: bad })).toThrow(/PROTEAN_SESSION_IDLE_MINUTES/);
  });
});
