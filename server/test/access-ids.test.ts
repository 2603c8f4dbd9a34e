import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTestTenant, json, startHarness, type Harness, type TestTenant } from './harness.ts';

let h: Harness;
let a: TestTenant;
let b: TestTenant;
beforeAll(async () => {
  h = await startHarness();
  a = await createTestTenant(h, 'ids-a');
  b = await createTestTenant(h, 'ids-b');
});
afterAll(async () => h?.close());

const made = async (r: ReturnType<TestTenant['api']>) => {
  const response = await r;
  expect(response.statusCode, response.body).toBe(201);
  return json<{ id: string }>(response);
};

describe('grantees and group members are principals of the workspace', () => {
  it("a share, a sharing rule or a group membership naming another tenant's user, role or group, or nothing, is refused with the field named and writes nothing", async () => {
    const bRole = await made(b.api('POST', '/access/roles', { name: 'Their role' }));
    const bGroup = await made(b.api('POST', '/access/groups', { name: 'Their group' }));
    const deal = await made(a.api('POST', '/records/deal', { name: 'Shared with strangers?' }));
    const group = await made(a.api('POST', '/access/groups', { name: 'Ours' }));
    const refused = async (r: ReturnType<TestTenant['api']>, field: string) => {
      const response = await r;
      expect(response.statusCode, response.body).toBe(422);
      expect(json<{ errors: { field: string; code: string }[] }>(response).errors).toEqual([expect.objectContaining({ field, code: 'unknown' })]);
    };

    await refused(a.api('POST', `/records/deal/${deal.id}/shares`, { granteeKind: 'user', granteeId: b.adminId, access: 'edit' }), 'granteeId');
    await refused(a.api('POST', `/records/deal/${deal.id}/shares`, { granteeKind: 'group', granteeId: bGroup.id, access: 'read' }), 'granteeId');
    await refused(a.api('POST', `/records/deal/${deal.id}/shares`, { granteeKind: 'role', granteeId: randomUUID(), access: 'read' }), 'granteeId');
    // A kind that does not fit the id is refused too: a group id is no user.
    await refused(a.api('POST', `/records/deal/${deal.id}/shares`, { granteeKind: 'user', granteeId: group.id, access: 'read' }), 'granteeId');
    expect(json<unknown[]>(await a.api('GET', `/records/deal/${deal.id}/shares`))).toEqual([]);

    await refused(a.api('POST', '/access/sharing-rules', { object: 'deal', name: 'To them', condition: 'true', granteeKind: 'role', granteeId: bRole.id, access: 'read' }), 'granteeId');
    await refused(a.api('PUT', `/access/groups/${group.id}/members`, { members: [{ kind: 'user', id: a.adminId }, { kind: 'user', id: b.adminId }] }), 'members/1/id');
    await refused(a.api('PUT', `/access/groups/${group.id}/members`, { members: [{ kind: 'role_and_below', id: bRole.id }] }), 'members/0/id');
    expect(json<{ id: string; members: unknown[] }[]>(await a.api('GET', '/access/groups')).find((g) => g.id === group.id)!.members).toEqual([]);
    await refused(a.api('POST', '/access/automations', { kind: 'workflow', name: 'Theirs', profile: 'standard', roleId: bRole.id }), 'roleId');
    await refused(a.api('PUT', `/access/users/${a.adminId}`, { roleId: bRole.id }), 'roleId');

    // What names this workspace's own principals is taken as before.
    const rule = await made(a.api('POST', '/access/sharing-rules', { object: 'deal', name: 'To ours', condition: 'true', granteeKind: 'group', granteeId: group.id, access: 'read' }));
    await refused(a.api('PATCH', `/access/sharing-rules/${rule.id}`, { granteeId: bGroup.id }), 'granteeId');
    expect((await a.api('PUT', `/access/groups/${group.id}/members`, { members: [{ kind: 'user', id: a.adminId }] })).statusCode).toBe(200);
    await made(a.api('POST', `/records/deal/${deal.id}/shares`, { granteeKind: 'group', granteeId: group.id, access: 'read' }));
  });
});

describe('a record whose name is hidden from the reader is shown by its id', () => {
  it('in the recently viewed list as in the recycle bin', async () => {
    const set = await made(a.api('POST', '/access/permission-sets', { key: 'no_deal_names', name: 'No deal names', grants: { objects: { '*': { create: true, read: true, edit: true, delete: true } }, fields: { deal: { name: 'none' } }, setup: {} } }));
    await made(a.api('POST', '/access/profiles', { key: 'no_deal_names', name: 'No deal names', permissionSetIds: [set.id] }));
    const user = await made(a.api('POST', '/users', { email: `nina@${a.slug}.test`, name: 'Nina', role: 'no_deal_names', password: 'correct horse battery' }));
    const key = (await h.server.auth.createApiKey(a.id, user.id, 'nina')).key;
    const asNina = (method: string, path: string, body?: unknown) => call(h, key, method, path, body);
    const deal = await made(a.api('POST', '/records/deal', { name: 'Codename Falcon' }));
    const seen = await asNina('GET', `/records/deal/${deal.id}`);
    expect(seen.statusCode).toBe(200);
    expect(json(seen)).not.toHaveProperty('name');
    expect((await asNina('POST', '/recent', { object: 'deal', id: deal.id })).statusCode).toBe(204);
    expect(json<{ id: string; name: string }[]>(await asNina('GET', '/recent'))).toEqual([expect.objectContaining({ id: deal.id, name: deal.id })]);
    expect((await a.api('DELETE', `/records/deal/${deal.id}`)).statusCode).toBe(204);
    const bin = json<{ data: { id: string; display_name: string }[] }>(await asNina('GET', '/recycle-bin?object=deal')).data;
    expect(bin.find((r) => r.id === deal.id)).toMatchObject({ display_name: deal.id });
  });
});

describe('no profile is given by someone it would out-read', () => {
  it("a user manager whose set denies an object and hides a field may not give the standard profile, whose '*' reads both", async () => {
    const set = await made(
      a.api('POST', '/access/permission-sets', {
        key: 'narrow_user_manager',
        name: 'Narrow user manager',
        grants: { objects: { '*': { create: true, read: true, edit: true, delete: true }, activity: {} }, fields: { deal: { amount: 'none' } }, setup: { users: true } },
      }),
    );
    await made(a.api('POST', '/access/profiles', { key: 'narrow_user_manager', name: 'Narrow user manager', permissionSetIds: [set.id] }));
    const ursula = await made(a.api('POST', '/users', { email: `ursula@${a.slug}.test`, name: 'Ursula', role: 'narrow_user_manager', password: 'correct horse battery' }));
    const key = (await h.server.auth.createApiKey(a.id, ursula.id, 'ursula')).key;
    const refused = await call(h, key, 'POST', '/users', { email: `mallory@${a.slug}.test`, name: 'Mallory', role: 'standard', password: 'correct horse battery' });
    expect(refused.statusCode, refused.body).toBe(403);
    const messages = json<{ errors: { field: string; code: string; message: string }[] }>(refused).errors.map((e) => e.message);
    expect(messages).toContainEqual(expect.stringContaining('read on activity'));
    expect(messages).toContainEqual(expect.stringContaining('edit of deal.amount'));
    expect(json<{ email: string }[]>(await a.api('GET', '/users')).map((u) => u.email)).not.toContain(`mallory@${a.slug}.test`);
    const profiles = json<{ key: string; grantable: boolean }[]>(await call(h, key, 'GET', '/users/profiles'));
    expect(profiles.find((p) => p.key === 'standard')!.grantable).toBe(false);
    // Their own profile, and one that reads less, they may give.
    expect(profiles.find((p) => p.key === 'narrow_user_manager')!.grantable).toBe(true);
    await made(call(h, key, 'POST', '/users', { email: `rory@${a.slug}.test`, name: 'Rory', role: 'narrow_user_manager', password: 'correct horse battery' }));
  });
});

describe('captured communications find their contact as the caller would', () => {
  it('a caller matches no customer out of its reach, nor by an email hidden from it, and learns nothing of either', async () => {
    const t = await createTestTenant(h, 'ids-capture');
    const holder = await made(t.api('POST', '/records/customer', { last_name: 'Holder', email: 'holder@example.com' }));
    expect((await t.api('PUT', '/access/sharing', { objects: { customer: 'private' } })).statusCode).toBe(200);
    const user = async (name: string, role: string) => {
      const added = json<{ id: string }>(await t.api('POST', '/users', { email: `${name}@${t.slug}.test`, name, role, password: 'correct horse battery' }));
      return (await h.server.auth.createApiKey(t.id, added.id, name)).key;
    };
    const bob = await user('bob', 'standard');
    const captured = await call(h, bob, 'POST', '/capture/communications', { type: 'call', contact: { email: 'holder@example.com' } });
    expect(captured.statusCode, captured.body).toBe(201);
    expect(captured.body).not.toContain(holder.id);
    expect(json(captured)).toMatchObject({ customerCreated: true });

    const set = await made(t.api('POST', '/access/permission-sets', { key: 'no_emails', name: 'No emails', grants: { objects: { '*': { create: true, read: true, edit: true, delete: true } }, fields: { customer: { email: 'none' } }, setup: {} } }));
    await made(t.api('POST', '/access/profiles', { key: 'no_emails', name: 'No emails', permissionSetIds: [set.id] }));
    const fay = await user('fay', 'no_emails');
    expect((await t.api('PUT', '/access/sharing', { objects: { customer: 'read' } })).statusCode).toBe(200);
    // Known or not, an email Fay may not read finds no one: she is told she may not write it, both times.
    for (const email of ['holder@example.com', 'stranger@example.com']) {
      const r = await call(h, fay, 'POST', '/capture/communications', { type: 'call', contact: { email } });
      expect(r.statusCode, r.body).toBe(403);
      expect(json<{ errors: { field: string }[] }>(r).errors).toEqual([expect.objectContaining({ field: 'email' })]);
    }
  });
});
