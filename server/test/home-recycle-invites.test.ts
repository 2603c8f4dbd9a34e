import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTestTenant, json, startHarness, type Harness, type TestTenant } from './harness.ts';

let h: Harness;
let t: TestTenant;
let other: TestTenant;

beforeAll(async () => {
  h = await startHarness();
  t = await createTestTenant(h, 'home');
  other = await createTestTenant(h, 'homeother');
});
afterAll(async () => h?.close());

const create = async (tenant: TestTenant, object: string, data: Record<string, unknown>) => {
  const r = await tenant.api('POST', `/records/${object}`, data);
  expect(r.statusCode, r.body).toBe(201);
  return json<{ id: string; version: number }>(r);
};

describe('the home page API', () => {
  it('sums the pipeline per stage in the picklist order, counting only live records of the workspace', async () => {
    await create(t, 'deal', { name: 'A', stage: 'proposal', amount: 1000.25 });
    await create(t, 'deal', { name: 'B', stage: 'proposal', amount: 500 });
    await create(t, 'deal', { name: 'C', stage: 'closed_won', amount: 42 });
    const gone = await create(t, 'deal', { name: 'D', stage: 'proposal', amount: 9999 });
    expect((await t.api('DELETE', `/records/deal/${gone.id}`)).statusCode).toBe(204);
    await create(other, 'deal', { name: 'Other', stage: 'proposal', amount: 7 });

    const r = await t.api('GET', '/home/pipeline?object=deal&groupBy=stage&amount=amount');
    expect(r.statusCode, r.body).toBe(200);
    const summary = json<{ stages: { value: string; count: number; amount: number }[]; total: { count: number; amount: number } }>(r);
    expect(summary.stages.map((s) => s.value)).toEqual(['prospecting', 'qualification', 'proposal', 'negotiation', 'closed_won', 'closed_lost']);
    expect(summary.stages.find((s) => s.value === 'proposal')).toEqual({ value: 'proposal', count: 2, amount: 1500.25 });
    expect(summary.total).toEqual({ count: 3, amount: 1542.25 });
  });

  it('a user counts only the deals they may read in the pipeline, as in their lists', async () => {
    const w = await createTestTenant(h, 'homeaccess');
    const rep = await w.api('POST', '/users', { email: 'rep@home.test', name: 'Rita Rep', role: 'standard', password: 'a long enough password' });
    expect(rep.statusCode, rep.body).toBe(201);
    const login = await h.server.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { tenant: w.slug, email: 'rep@home.test', password: 'a long enough password' } });
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    const asRep = (method: string, url: string, payload?: unknown) =>
      h.server.app.inject({ method: method as 'GET', url: `/api/v1${url}`, headers: { cookie, 'sec-fetch-site': 'same-origin' }, ...(payload === undefined ? {} : { payload: payload as object }) });
    expect((await w.api('PUT', '/access/sharing', { objects: { deal: 'private' } })).statusCode).toBe(200);
    await create(w, 'deal', { name: 'Admin deal', stage: 'proposal', amount: 100 });
    const mine = await asRep('POST', '/records/deal', { name: 'Rep deal', stage: 'proposal', amount: 7 });
    expect(mine.statusCode, mine.body).toBe(201);
    const path = '/home/pipeline?object=deal&groupBy=stage&amount=amount';
    expect(json<{ total: unknown }>(await w.api('GET', path)).total).toEqual({ count: 2, amount: 107 });
    const seen = await asRep('GET', path);
    expect(seen.statusCode, seen.body).toBe(200);
    expect(json<{ total: unknown }>(seen).total).toEqual({ count: 1, amount: 7 });
    const list = json<{ total: number }>(await asRep('GET', '/records/deal?count=true&limit=1'));
    expect(list.total).toBe(1);
  });

  it('refuses a pipeline grouped by something that is not a picklist, naming the parameter', async () => {
    const r = await t.api('GET', '/home/pipeline?object=deal&groupBy=amount&amount=name');
    expect(r.statusCode).toBe(400);
    expect(json<{ errors: { field: string }[] }>(r).errors.map((e) => e.field).sort()).toEqual(['amount', 'groupBy']);
  });

  it('remembers the records a user opened, newest first, and forgets deleted ones', async () => {
    const a = await create(t, 'customer', { last_name: 'Chen', name: 'Mei Chen' });
    const b = await create(t, 'deal', { name: 'Big deal', stage: 'qualification' });
    expect((await t.api('POST', '/recent', { object: 'customer', id: a.id })).statusCode).toBe(204);
    expect((await t.api('POST', '/recent', { object: 'deal', id: b.id })).statusCode).toBe(204);
    // Another workspace's record id is not remembered.
    const foreign = await create(other, 'deal', { name: 'Foreign', stage: 'qualification' });
    expect((await t.api('POST', '/recent', { object: 'deal', id: foreign.id })).statusCode).toBe(204);
    let recent = json<{ object: string; name: string }[]>(await t.api('GET', '/recent'));
    expect(recent.map((r) => r.name)).toEqual(['Big deal', 'Mei Chen']);
    await t.api('DELETE', `/records/deal/${b.id}`);
    recent = json<{ object: string; name: string }[]>(await t.api('GET', '/recent'));
    expect(recent.map((r) => r.name)).toEqual(['Mei Chen']);
  });
});

describe('the recycle bin keeps deleted records for the retention, then purges them', () => {
  it('purges chosen records for good, and they can no longer be restored', async () => {
    const c = await create(t, 'customer', { last_name: 'Purged' });
    await t.api('DELETE', `/records/customer/${c.id}`);
    const live = await create(t, 'customer', { last_name: 'Alive' });
    const r = await t.api('POST', '/recycle-bin/purge', { ids: [c.id, live.id] });
    expect(r.statusCode, r.body).toBe(200);
    expect(json(r)).toEqual({ purged: 1 });
    expect((await t.api('POST', `/records/customer/${c.id}/restore`)).statusCode).toBe(404);
    const still = await t.api('GET', `/records/customer/${live.id}`);
    expect(still.statusCode, still.body).toBe(200);
  });

  it('the retention is a workspace setting an admin changes, checked on input', async () => {
    expect(json(await t.api('GET', '/workspace/settings'))).toEqual({ currency: 'USD', locale: 'en', recycleRetentionDays: 30, timeZone: 'UTC' });
    const bad = await t.api('PATCH', '/workspace/settings', { recycleRetentionDays: 0, currency: 'usd' });
    expect(bad.statusCode).toBe(400);
    const unknown = await t.api('PATCH', '/workspace/settings', { currency: 'ZZZ' });
    expect(unknown.statusCode).toBe(422);
    expect(json<{ errors: { field: string }[] }>(unknown).errors[0]!.field).toBe('currency');
    const ok = await t.api('PATCH', '/workspace/settings', { recycleRetentionDays: 7, currency: 'CNY' });
    expect(json(ok)).toEqual({ currency: 'CNY', locale: 'en', recycleRetentionDays: 7, timeZone: 'UTC' });
  });

  it("the workspace's time zone is a setting too, and today() in formulas and defaults is the date there", async () => {
    const w = await createTestTenant(h, 'zone');
    const unknown = await w.api('PATCH', '/workspace/settings', { timeZone: 'Mars/Olympus_Mons' });
    expect(unknown.statusCode).toBe(422);
    expect(json<{ errors: { field: string }[] }>(unknown).errors[0]!.field).toBe('timeZone');
    const field = { apiName: 'opened', type: 'date', labels: { en: 'Opened' }, defaultExpression: 'today()' };
    expect((await w.api('POST', '/metadata/changes', { operations: [{ op: 'createField', object: 'customer', field }] })).statusCode).toBe(200);
    const dateIn = (zone: string) => new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
    // At any hour one of these two zones is on another date than UTC (UTC+14 and UTC-11).
    for (const zone of ['Pacific/Kiritimati', 'Pacific/Pago_Pago']) {
      expect(json(await w.api('PATCH', '/workspace/settings', { timeZone: zone }))).toMatchObject({ timeZone: zone });
      const before = dateIn(zone);
      const made = json<{ id: string; opened: string }>(await w.api('POST', '/records/customer', { last_name: `Opened in ${zone}` }));
      expect([before, dateIn(zone)]).toContain(made.opened);
    }
  });

  it('a record deleted longer ago than the retention is purged by the sweep', async () => {
    const old = await create(t, 'customer', { last_name: 'Old' });
    const fresh = await create(t, 'customer', { last_name: 'Fresh' });
    await t.api('DELETE', `/records/customer/${old.id}`);
    await t.api('DELETE', `/records/customer/${fresh.id}`);
    await h.db.system((tx) => tx.query(`update record set deleted_at = now() - interval '8 days' where id = $1`, [old.id]));
    // The sweep runs when a server becomes ready: a second server on the same database runs it.
    const { buildApp } = await import('../src/app.ts');
    const second = await buildApp({ db: h.db, passwordCost: 'test' });
    await second.app.ready();
    await second.app.close();
    const bin = json<{ data: { id: string }[] }>(await t.api('GET', '/recycle-bin?object=customer'));
    expect(bin.data.map((r) => r.id)).toContain(fresh.id);
    expect(bin.data.map((r) => r.id)).not.toContain(old.id);
  });
});

describe('inviting a user by link with the role chosen at invite', () => {
  it('the link works once, for the role chosen, and then the invited user signs in', async () => {
    const made = await t.api('POST', '/invites', { role: 'standard' });
    expect(made.statusCode, made.body).toBe(201);
    const { token, path } = json<{ token: string; path: string }>(made);
    expect(path).toBe(`/invite/${token}`);
    const peek = await call(h, undefined, 'GET', `/invites/token/${token}`);
    expect(json(peek)).toMatchObject({ workspace: { slug: t.slug }, role: 'standard' });
    const weak = await call(h, undefined, 'POST', '/invites/accept', { token, name: 'New', email: 'new@x.test', password: 'short' });
    expect(weak.statusCode).toBe(400);
    const ok = await call(h, undefined, 'POST', '/invites/accept', { token, name: 'Nora New', email: 'nora@x.test', password: 'a long enough password' });
    expect(ok.statusCode, ok.body).toBe(201);
    const again = await call(h, undefined, 'POST', '/invites/accept', { token, name: 'Eve', email: 'eve@x.test', password: 'a long enough password' });
    expect(again.statusCode).toBe(404);
    const login = await h.server.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { tenant: t.slug, email: 'nora@x.test', password: 'a long enough password' } });
    expect(login.statusCode, login.body).toBe(200);
    expect(json<{ user: { role: string } }>(login).user.role).toBe('standard');
  });

  it('a link for anyone tried with the emails of members is revoked at the third, so it cannot list who is in the workspace', async () => {
    const { token } = json<{ token: string }>(await t.api('POST', '/invites', { role: 'standard' }));
    const members = ['m1', 'm2', 'm3'].map((name) => `${name}@taken-${t.slug}.test`);
    for (const email of members) expect((await t.api('POST', '/users', { email, name: email, role: 'standard', password: 'a long enough password' })).statusCode).toBe(201);
    const tryAs = (email: string) => call(h, undefined, 'POST', '/invites/accept', { token, name: 'Guess', email, password: 'a long enough password' });
    // A weak password is no guess at an email: it does not count.
    expect((await call(h, undefined, 'POST', '/invites/accept', { token, name: 'Guess', email: members[0], password: 'short' })).statusCode).toBe(400);
    for (const email of members.slice(0, 2)) expect(json<{ errors: { field: string }[] }>(await tryAs(email)).errors[0]!.field).toBe('email');
    const last = await tryAs(members[2]!);
    expect(last.statusCode).toBe(409);
    expect(json<{ detail: string }>(last).detail).toMatch(/no longer works/);
    // Spent: a free email cannot use it either, and the inviter sees it revoked.
    expect((await tryAs(`free@${t.slug}.test`)).statusCode).toBe(404);
    expect(json<{ email: string | null; revokedAt: string | null }[]>(await t.api('GET', '/invites')).some((i) => i.revokedAt !== null)).toBe(true);
  });

  it('a link can be revoked while someone is joining through it: if that join fails, the link stays dead', async () => {
    const made = json<{ id: string; token: string }>(await t.api('POST', '/invites', { role: 'standard' }));
    // The moment between an accept's claim and its user being made.
    await h.db.system((q) => q.query('update user_invite set accepted_at = now() where id = $1', [made.id]));
    expect((await t.api('DELETE', `/invites/${made.id}`)).statusCode).toBe(204);
    await h.db.system((q) => q.query('update user_invite set accepted_at = null where id = $1', [made.id]));
    expect((await call(h, undefined, 'GET', `/invites/token/${made.token}`)).statusCode).toBe(404);
  });

  it('an unknown role is refused; a revoked link no longer opens', async () => {
    const bad = await t.api('POST', '/invites', { role: 'owner' });
    expect(bad.statusCode).toBe(422);
    const made = json<{ id: string; token: string }>(await t.api('POST', '/invites', { role: 'admin', email: 'boss@x.test' }));
    expect((await t.api('DELETE', `/invites/${made.id}`)).statusCode).toBe(204);
    expect((await call(h, undefined, 'GET', `/invites/token/${made.token}`)).statusCode).toBe(404);
  });
});
