import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_WORKSPACE, demoAdmin, ensureDemoWorkspace, newDemoPassword } from '../src/platform/demo-workspace.ts';
import { findTenant } from '../src/tenancy/tenant-service.ts';
import { call, createTestTenant, json, startHarness, type Harness, type TestTenant } from './harness.ts';

/*
 * ASVS 2.1.7: a new password is checked against the most common passwords wherever one is set
 * (an own change, an administrator's reset, a new user, an invitation accepted, a new
 * workspace); the refusal names the password field, gives the reason in the reader's language
 * and never repeats the password.
 */

let h: Harness;
let t: TestTenant;
beforeAll(async () => {
  h = await startHarness();
  t = await createTestTenant(h, 'common-pw');
});
afterAll(async () => h?.close());

type Problem = { title: string; detail: string; errors?: { field: string; code: string; message: string }[] };

// Each is in the list, in the letter case people type it.
const COMMON = ['Password123', 'qwertyuiop', '1234567890', 'Basketball'];

const signIn = (email: string, password: string) => h.server.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { tenant: t.slug, email, password } });

const sessionOf = async (email: string, password: string) => String((await signIn(email, password)).headers['set-cookie']).split(';')[0]!;

async function newUser(name: string): Promise<{ id: string; email: string; password: string }> {
  const email = `${name.toLowerCase()}@${t.slug}.test`;
  const password = `${name} has a long password`;
  const created = await t.api('POST', '/users', { email, name, role: 'standard', password });
  expect(created.statusCode, created.body).toBe(201);
  return { id: json<{ id: string }>(created).id, email, password };
}

/** A refusal of `password` in `field`: 422, that field alone, the reason, and the password nowhere in the answer. */
function expectCommonRefusal(response: LightMyRequestResponse, password: string, field = 'password'): Problem {
  expect(response.statusCode, response.body).toBe(422);
  expect(response.body).not.toContain(password);
  expect(response.body.toLowerCase()).not.toContain(password.toLowerCase());
  const problem = json<Problem>(response);
  expect(problem.errors?.map((e) => [e.field, e.code])).toEqual([[field, 'common']]);
  return problem;
}

describe('a new password that is one of the most common is refused', () => {
  it('changing one’s own password: 422 on the password field in English and Chinese; the old password still signs in', async () => {
    const rep = await newUser('Casey');
    const cookie = await sessionOf(rep.email, rep.password);
    const change = (password: string, language: string) =>
      h.server.app.inject({
        method: 'POST',
        url: `/api/v1/users/${rep.id}/password`,
        headers: { cookie, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json', 'accept-language': language },
        payload: JSON.stringify({ currentPassword: rep.password, password }),
      });
    for (const password of COMMON) {
      const english = expectCommonRefusal(await change(password, 'en'), password);
      expect(english.detail).toBe('The password is too common');
      expect(english.errors![0]!.message).toBe('is one of the most common passwords; choose one that is harder to guess');
      const chinese = expectCommonRefusal(await change(password, 'zh-CN'), password);
      expect(chinese.title).toBe('校验未通过');
      expect(chinese.detail).toBe('密码过于常见');
      expect(chinese.errors![0]!.message).toBe('是最常用的密码之一，请选择更难猜到的密码');
    }
    expect((await signIn(rep.email, rep.password)).statusCode).toBe(200);
    expect((await signIn(rep.email, 'Password123')).statusCode).toBe(401);

    // One that is not common is taken, and signs in.
    expect((await change('Casey picked a better one', 'en')).statusCode).toBe(204);
    expect((await signIn(rep.email, 'Casey picked a better one')).statusCode).toBe(200);
  });

  it('an administrator’s reset, a new user and an invitation accepted are refused the same way', async () => {
    const rep = await newUser('Robin');
    expectCommonRefusal(await t.api('POST', `/users/${rep.id}/password`, { password: 'qwertyuiop' }), 'qwertyuiop');
    expect((await signIn(rep.email, rep.password)).statusCode).toBe(200);

    expectCommonRefusal(await t.api('POST', '/users', { email: `weak@${t.slug}.test`, name: 'Weak', role: 'standard', password: '1234567890' }), '1234567890');
    expect(json<{ email: string }[]>(await t.api('GET', '/users')).map((u) => u.email)).not.toContain(`weak@${t.slug}.test`);

    const { token } = json<{ token: string }>(await t.api('POST', '/invites', { role: 'standard' }));
    const accept = (password: string) => call(h, undefined, 'POST', '/invites/accept', { token, name: 'Nia', email: `nia@${t.slug}.test`, password }, { 'accept-language': 'zh-CN' });
    const refused = expectCommonRefusal(await accept('Basketball'), 'Basketball');
    expect(refused.errors![0]!.message).toBe('是最常用的密码之一，请选择更难猜到的密码');
    // The link still works after the refusal.
    expect((await accept('Nia chose her own words')).statusCode).toBe(201);
    expect((await signIn(`nia@${t.slug}.test`, 'Nia chose her own words')).statusCode).toBe(200);
  });

  it('counts a password as it is hashed: half-width kana that compose are fewer characters, and spaces alone are no password', async () => {
    const rep = await newUser('Kana');
    for (const [password, code] of [['ｶﾞ'.repeat(5), 'minLength'], [' '.repeat(12), 'blank']] as const) {
      const refused = await t.api('POST', `/users/${rep.id}/password`, { password });
      expect(refused.statusCode, password).toBe(422);
      expect(json<{ errors: { field: string; code: string }[] }>(refused).errors[0]).toMatchObject({ field: 'password', code });
    }
    expect((await t.api('POST', `/users/${rep.id}/password`, { password: 'ｶﾞ'.repeat(10) })).statusCode).toBe(204);
  });

  it('a new workspace’s first admin is refused a common password, naming admin.password', async () => {
    const slug = `weak-${Date.now().toString(36)}`;
    const body = (password: string) => ({ slug, name: 'Weak', admin: { email: 'boss@weak.test', name: 'Boss', password } });
    const create = (password: string) => h.server.app.inject({ method: 'POST', url: '/api/v1/tenants', headers: { authorization: `Bearer ${h.operatorToken}` }, payload: body(password) });
    expectCommonRefusal(await create('Password123'), 'Password123', 'admin.password');
    expect((await create('a boss with a long password')).statusCode).toBe(201);
  });

  it('the demo workspace is made, and its password reset, with generated passwords that sign in', async () => {
    const signsIn = (email: string, password: string) => h.server.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { tenant: DEMO_WORKSPACE, email, password } });
    // Made by this run, or by an earlier one on the same PostgreSQL database.
    const demo = await ensureDemoWorkspace(h.db, h.server);
    if (demo.created) expect((await signsIn(demo.email, demo.created.password)).statusCode).toBe(200);
    // What demo:reset-password does.
    const tenant = (await findTenant(h.db, DEMO_WORKSPACE))!;
    const admin = (await demoAdmin(h.db, tenant.id))!;
    const password = newDemoPassword();
    await h.server.auth.setPassword(tenant.id, admin.id, password);
    const login = await signsIn(admin.email, password);
    expect(login.statusCode, login.body).toBe(200);
  });

  it('the refusals of one’s own change read in Chinese too', async () => {
    const rep = await newUser('Quinn');
    const zh = { 'accept-language': 'zh-CN' };
    const cookie = await sessionOf(rep.email, rep.password);
    const own = (payload: unknown) =>
      h.server.app.inject({ method: 'POST', url: `/api/v1/users/${rep.id}/password`, headers: { cookie, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json', ...zh }, payload: JSON.stringify(payload) });
    const missing = json<Problem>(await own({ password: 'a fine new password' }));
    expect([missing.detail, missing.errors![0]!.message]).toEqual(['修改自己的密码需要提供当前密码', '修改自己的密码时为必填项']);
    const wrong = json<Problem>(await own({ password: 'a fine new password', currentPassword: 'not the one at all' }));
    expect([wrong.detail, wrong.errors![0]!.field, wrong.errors![0]!.message]).toEqual(['当前密码不正确', 'currentPassword', '不是你当前的密码']);
  });
});

describe('one’s own language', () => {
  it('a user with no Setup right sets the language their messages take when a request does not say, and nothing else', async () => {
    const rep = await newUser('Lin');
    const cookie = await sessionOf(rep.email, rep.password);
    const asRep = (method: 'PATCH' | 'POST', url: string, payload: unknown) =>
      h.server.app.inject({ method, url: `/api/v1${url}`, headers: { cookie, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' }, payload: JSON.stringify(payload) });
    expect((await asRep('PATCH', '/auth/me', { locale: 'zh-CN' })).statusCode).toBe(204);
    const refused = json<Problem>(await asRep('POST', `/users/${rep.id}/password`, { password: 'qwertyuiop', currentPassword: rep.password }));
    expect(refused.detail).toBe('密码过于常见');
    expect(json<{ email: string; locale: string }[]>(await t.api('GET', '/users')).find((u) => u.email === rep.email)).toMatchObject({ locale: 'zh-CN', role: 'standard', name: 'Lin' });

    for (const body of [{ locale: 'zh-CN', role: 'admin' }, { name: 'Boss' }, { locale: 'fr' }]) expect((await asRep('PATCH', '/auth/me', body)).statusCode).toBe(400);
    expect(json<{ email: string; role: string; name: string }[]>(await t.api('GET', '/users')).find((u) => u.email === rep.email)).toMatchObject({ role: 'standard', name: 'Lin' });
  });
});
