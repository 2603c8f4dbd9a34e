import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTestTenant, json, startHarness, type Harness, type TestTenant } from './harness.ts';

/*
 * The list read path of ADR 0019: a manager's list names its owners and grantees by key once
 * they are stored (PostgreSQL) or carries them (PGlite); either way it shows exactly the team's,
 * the shared and its own records, follows a change of the team at once, and pages alike.
 */

let h: Harness;
let a: TestTenant;

async function newUser(name: string): Promise<{ id: string; key: string }> {
  const r = await a.api('POST', '/users', { email: `${name}-${a.slug}@example.com`, name, role: 'standard', password: 'correct horse battery' });
  expect(r.statusCode, r.body).toBe(201);
  const id = json<{ id: string }>(r).id;
  return { id, key: (await h.server.auth.createApiKey(a.id, id, name)).key };
}

const subjects = async (key: string, query = ''): Promise<string[]> => {
  const r = await call(h, key, 'GET', `/records/task?sort=subject&limit=50${query}`);
  expect(r.statusCode, r.body).toBe(200);
  return json<{ data: { subject: string }[] }>(r).data.map((t) => t.subject);
};

beforeAll(async () => {
  h = await startHarness();
  a = await createTestTenant(h, 'list-path');
});
afterAll(async () => {
  await h?.close();
});

describe('a manager lists a private object', () => {
  it('sees its own, its team’s and shared records, follows a team change at once, and pages through the same set', async () => {
    const manager = json<{ id: string }>(await a.api('POST', '/access/roles', { name: 'Manager' }));
    const rep = json<{ id: string }>(await a.api('POST', '/access/roles', { name: 'Rep', parentId: manager.id }));
    const boss = await newUser('Boss');
    const worker = await newUser('Worker');
    const stranger = await newUser('Stranger');
    expect((await a.api('PUT', `/access/users/${boss.id}`, { roleId: manager.id })).statusCode).toBe(200);
    expect((await a.api('PUT', `/access/users/${worker.id}`, { roleId: rep.id })).statusCode).toBe(200);
    expect((await a.api('PUT', '/access/sharing', { objects: { task: 'private' } })).statusCode).toBe(200);
    for (const [who, subject] of [[boss, 'a boss'], [worker, 'b worker'], [stranger, 'c stranger'], [stranger, 'd shared']] as const) {
      const r = await call(h, who.key, 'POST', '/records/task', { subject });
      expect(r.statusCode, r.body).toBe(201);
      if (subject === 'd shared') expect((await a.api('POST', `/records/task/${json<{ id: string }>(r).id}/shares`, { granteeKind: 'user', granteeId: worker.id, access: 'read' })).statusCode).toBe(201);
    }
    // A share with someone in a role below reaches the manager too (the grantees hold the team).
    expect(await subjects(boss.key)).toEqual(['a boss', 'b worker', 'd shared']);
    expect(await subjects(worker.key)).toEqual(['b worker', 'd shared']);
    expect(await subjects(stranger.key)).toEqual(['c stranger', 'd shared']);

    // The stranger joins the team: the manager's lists change, and the very next list shows it.
    expect((await a.api('PUT', `/access/users/${stranger.id}`, { roleId: rep.id })).statusCode).toBe(200);
    expect(await subjects(boss.key)).toEqual(['a boss', 'b worker', 'c stranger', 'd shared']);
    // …and leaves it again.
    expect((await a.api('PUT', `/access/users/${stranger.id}`, { roleId: null })).statusCode).toBe(200);
    expect(await subjects(boss.key)).toEqual(['a boss', 'b worker', 'd shared']);

    // Page by page (a cursor's statement is compiled anew), filtered, and counted: the same records.
    const first = json<{ data: { subject: string }[]; nextCursor: string }>(await call(h, boss.key, 'GET', '/records/task?sort=subject&limit=2'));
    const second = json<{ data: { subject: string }[]; nextCursor: string | null }>(await call(h, boss.key, 'GET', `/records/task?sort=subject&limit=2&cursor=${encodeURIComponent(first.nextCursor)}`));
    expect([...first.data, ...second.data].map((t) => t.subject)).toEqual(['a boss', 'b worker', 'd shared']);
    expect(second.nextCursor).toBeNull();
    const filter = encodeURIComponent(JSON.stringify({ field: 'subject', op: 'startsWith', value: 'c' }));
    expect(await subjects(boss.key, `&filter=${filter}`)).toEqual([]);
    const counted = json<{ total: number }>(await call(h, boss.key, 'GET', '/records/task?count=true&limit=1'));
    expect(counted.total).toBe(3);
  });
});
