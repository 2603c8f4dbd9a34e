import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SETUP_RIGHTS, type SetupRight } from '../src/access/permissions.ts';
import { documentPath } from '../src/http/route-catalog.ts';
import { call, createTestTenant, json, registeredRoutes, startHarness, type Harness, type TestTenant, waitFor } from './harness.ts';

/*
 * Each Setup right alone opens exactly its routes (ADR 0012, addendum "Setup rights, route by
 * route"). A route of a Setup area joins by one line of ROUTES: the right it needs (or
 * 'everyone' for what any signed-in user may call), its method and path as registered, and a
 * body the route's schema accepts. A user holding only that right must get past the check
 * (anything but 401 and 403) and a user holding every other right must get 403. A test lists
 * the routes the server registers under the Setup areas and fails on one the table does not
 * name, so a new Setup route cannot be left ungated by accident.
 *
 * Path parameters take the values of PARAMS unless the line spells them: ids that name nothing,
 * so a route that lets the caller in answers 404 or 422 and changes nothing.
 */
type Need = SetupRight | 'everyone';
const ROUTES: [Need, string, unknown?][] = [
  // The model: objects, fields, layouts, revisions, and what runs on them (scripts, workflows).
  ['model', 'POST /metadata/changes', { message: 'nothing', operations: [] }],
  ['model', 'POST /metadata/objects', {}],
  ['model', 'PATCH /metadata/objects/:object', {}],
  ['model', 'DELETE /metadata/objects/:object'],
  ['model', 'POST /metadata/objects/:object/fields', {}],
  ['model', 'PATCH /metadata/objects/:object/fields/:field', {}],
  ['model', 'DELETE /metadata/objects/:object/fields/:field'],
  ['model', 'PUT /metadata/layouts/:id', {}],
  ['model', 'DELETE /metadata/layouts/:id'],
  ['model', 'POST /metadata/revisions/:revision/restore'],
  ['model', 'GET /metadata/logic-recomputes'],
  ['model', 'GET /metadata/index-backfills'],
  ['model', 'POST /scripts/compile', { language: 'javascript', source: 'export default () => 1;' }],
  ['model', 'GET /scripts'],
  ['model', 'POST /scripts', { apiName: 'gate_probe', label: 'Probe', kind: 'action', object: 'no_such_object', language: 'javascript', source: '' }],
  ['model', 'GET /scripts/:ref'],
  ['model', 'PUT /scripts/:ref', { apiName: 'gate_probe', label: 'Probe', kind: 'action', object: 'no_such_object', language: 'javascript', source: '' }],
  ['model', 'DELETE /scripts/:ref'],
  ['model', 'GET /scripts/:ref/versions'],
  ['model', 'GET /scripts/:ref/versions/:version'],
  ['model', 'POST /scripts/:ref/versions/:version/restore'],
  ['model', 'GET /scripts/:ref/invocations'],
  ['model', 'GET /scripts/:ref/invocations/:id'],
  ['model', 'POST /scripts/:ref/test', {}],
  ['model', 'GET /script-settings'],
  ['model', 'PUT /script-settings/:name', { value: 1 }],
  ['model', 'DELETE /script-settings/:name'],
  ['model', 'GET /workflows'],
  ['model', 'POST /workflows', { apiName: 'gate_probe', label: 'Probe', definition: null }],
  ['model', 'GET /workflows/:id'],
  ['model', 'PATCH /workflows/:id', { label: 'Probe' }],
  ['model', 'POST /workflows/:id/activate'],
  ['model', 'POST /workflows/:id/deactivate'],
  ['model', 'GET /workflows/:id/versions'],
  ['model', 'GET /workflows/:id/webhook'],
  ['model', 'GET /workflows/:id/runs'],
  ['model', 'GET /workflows/:id/run-counts'],
  ['model', 'GET /workflow-runs/:runId'],
  ['model', 'POST /workflow-runs/:runId/retry'],
  ['model', 'POST /workflow-runs/:runId/cancel'],
  ['model', 'POST /workflow-events', { event: 'gate.probe' }],
  ['model', 'POST /workflow-templates/:name/install'],
  ['model', 'GET /workflow-approver-choices'],
  ['model', 'GET /workflow-settings'],
  ['model', 'PATCH /workflow-settings', { maxStepsPerRun: 500 }],
  ['model', 'PATCH /workspace/settings', { recycleRetentionDays: 30 }],
  // Words: the glossary and its term sets.
  ['terms', 'PUT /metadata/terms/:key', { forms: {} }],
  ['terms', 'DELETE /metadata/terms/:key'],
  ['terms', 'POST /metadata/term-sets/:id/apply'],
  // People: users and invitations.
  ['users', 'GET /users'],
  ['users', 'GET /users/profiles'],
  ['users', 'POST /users', { email: 'gate-probe@example.com', name: 'Gate probe', role: 'read_only', password: 'correct horse battery' }],
  ['users', 'PATCH /users/:id', { name: 'Probe' }],
  ['users', 'POST /users/:id/password', { password: 'correct horse battery' }],
  ['users', 'DELETE /users/:id/sessions'],
  ['users', 'PATCH /workspace/session-settings', { idleMinutes: 7 }],
  ['users', 'GET /invites/delivery'],
  ['users', 'GET /invites'],
  ['users', 'POST /invites', { role: 'no_such_profile' }],
  ['users', 'DELETE /invites/:id'],
  // Integrations: what lets data in and out (every key of the workspace, webhooks).
  ['keys', 'GET /webhooks'],
  ['keys', 'POST /webhooks', { url: 'ftp://gate.probe', events: [{ object: 'deal', actions: ['created'] }] }],
  ['keys', 'GET /webhooks/:id'],
  ['keys', 'PATCH /webhooks/:id', { name: 'Probe' }],
  ['keys', 'DELETE /webhooks/:id'],
  ['keys', 'GET /webhooks/:id/deliveries'],
  ['keys', 'GET /webhooks/:id/deliveries/:delivery'],
  ['keys', 'POST /webhooks/:id/deliveries/:delivery/redeliver'],
  // Access: permission sets, profiles, roles, groups, sharing, who holds what, explainer, audit.
  ['access', 'GET /access/permission-sets'],
  ['access', 'POST /access/permission-sets', { key: 'gate_probe', name: 'Probe', grants: { objects: { no_such_object: {} }, fields: {}, setup: {} } }],
  ['access', 'PATCH /access/permission-sets/:id', { name: 'Probe' }],
  ['access', 'DELETE /access/permission-sets/:id'],
  ['access', 'GET /access/profiles'],
  ['access', 'POST /access/profiles', { key: 'gate_probe', name: 'Probe', permissionSetIds: [randomUUID()] }],
  ['access', 'PATCH /access/profiles/:id', { name: 'Probe' }],
  ['access', 'GET /access/roles'],
  ['access', 'POST /access/roles', { name: 'Probe', parentId: randomUUID() }],
  ['access', 'DELETE /access/roles/:id'],
  ['access', 'GET /access/groups'],
  ['access', 'POST /access/groups', { name: 'Gate probe' }],
  ['access', 'PUT /access/groups/:id/members', { members: [] }],
  ['access', 'GET /access/sharing'],
  ['access', 'PUT /access/sharing', { objects: { no_such_object: 'private' } }],
  ['access', 'GET /access/sharing-rules'],
  ['access', 'POST /access/sharing-rules', { object: 'no_such_object', name: 'Probe', condition: 'true', granteeKind: 'user', granteeId: randomUUID(), access: 'read' }],
  ['access', 'PATCH /access/sharing-rules/:id', { name: 'Probe' }],
  ['access', 'DELETE /access/sharing-rules/:id'],
  ['access', 'GET /access/users'],
  ['access', 'PUT /access/users/:id', { roleId: null }],
  ['access', 'POST /access/automations', { kind: 'script', name: 'Probe', profile: 'no_such_profile' }],
  ['access', 'GET /access/explain?user=:id&object=deal'],
  ['access', 'GET /access/audit'],
  ['access', 'POST /workflow-approvals/:id/reassign', { assignees: [randomUUID()] }],
  // Open to every signed-in user: reading the model and words, one's own access, keys and preferences.
  ['everyone', 'GET /metadata/schemas'],
  ['everyone', 'GET /metadata/schemas/:kind'],
  ['everyone', 'GET /metadata/snapshot'],
  ['everyone', 'GET /metadata/objects'],
  ['everyone', 'GET /metadata/objects/:object'],
  ['everyone', 'GET /metadata/objects/:object/record-schema'],
  ['everyone', 'GET /metadata/revisions'],
  ['everyone', 'GET /metadata/revisions/:revision/changes'],
  ['everyone', 'GET /metadata/revisions/compare?from=1&to=1'],
  ['everyone', 'GET /metadata/revisions/:revision'],
  ['everyone', 'GET /metadata/terms'],
  ['everyone', 'GET /metadata/terms/:key'],
  ['everyone', 'GET /metadata/terms/:key/usage'],
  ['everyone', 'GET /metadata/term-sets'],
  ['everyone', 'GET /access/me'],
  ['everyone', 'GET /access/me/records/:object?ids=:id'],
  ['everyone', 'PUT /access/api-keys/:id', { permissionSetIds: null }],
  ['everyone', 'GET /users/directory'],
  ['everyone', 'GET /api-keys'],
  ['everyone', 'POST /api-keys', { name: 'Probe' }],
  ['everyone', 'DELETE /api-keys/:id'],
  ['everyone', 'GET /scripts/sdk.d.ts'],
  ['everyone', 'GET /workflow-buttons?object=deal'],
  ['everyone', 'POST /workflows/:id/runs', {}],
  ['everyone', 'GET /workflow-approvals'],
  ['everyone', 'POST /workflow-approvals/:id/decision', { decision: 'approved' }],
  ['everyone', 'GET /workspace/settings'],
  ['everyone', 'GET /workspace/session-settings'],
  ['everyone', 'GET /me/preferences'],
  ['everyone', 'PATCH /me/preferences', { timeZone: 'UTC' }],
];

/** The areas whose every route must be a line of ROUTES. */
const SETUP_AREAS = /^\/(metadata|access|users|invites|api-keys|webhooks|scripts|script-settings|workflows|workflow-|workspace|me\/|recycle-bin\/purge)/;
/** Routes of those areas that are not Setup at all, each with the reason. */
const NOT_SETUP: Record<string, string> = {
  'GET /invites/token/:token': 'an invitee opens the link before signing in; the token is the credential',
  'POST /invites/accept': 'an invitee accepts before signing in; the token is the credential',
  'GET /workflow-approvals/:id/email-decision': 'an approver decides from the email link; the signed link is the credential',
  'POST /recycle-bin/purge': 'needs modify all on the objects it empties, an object right (tested below)',
};

const PARAMS: Record<string, string> = {
  id: randomUUID(),
  object: 'no_such_object',
  field: 'no_such_field',
  kind: 'object',
  key: 'no_such_term',
  ref: 'no_such_script',
  name: 'no_such_setting',
  version: '1',
  revision: '999999',
  runId: randomUUID(),
  delivery: randomUUID(),
};

let h: Harness;
let a: TestTenant;
/** A user per Setup right, holding that right alone (and reading every object). */
const holders = {} as Record<SetupRight, { id: string; key: string }>;
let nobody: { id: string; key: string };

async function newUser(name: string, profile: string): Promise<{ id: string; key: string }> {
  const r = await a.api('POST', '/users', { email: `${name.replace(/\W/g, "-").toLowerCase()}-${a.slug}@example.com`, name, role: profile, password: 'correct horse battery' });
  expect(r.statusCode, r.body).toBe(201);
  const id = json<{ id: string }>(r).id;
  return { id, key: (await h.server.auth.createApiKey(a.id, id, name)).key };
}

async function profileWith(key: string, grants: Record<string, unknown>): Promise<void> {
  const set = await a.api('POST', '/access/permission-sets', { key, name: key, grants: { objects: { '*': { read: true } }, fields: {}, setup: {}, ...grants } });
  expect(set.statusCode, set.body).toBe(201);
  const profile = await a.api('POST', '/access/profiles', { key, name: key, permissionSetIds: [json<{ id: string }>(set).id] });
  expect(profile.statusCode, profile.body).toBe(201);
}

const fill = (pattern: string) => pattern.replace(/:([A-Za-z]+)/g, (_, name: string) => PARAMS[name] ?? `:${name}`);
const routeOf = (line: string) => line.split('?')[0]!;

beforeAll(async () => {
  h = await startHarness();
  a = await createTestTenant(h, 'setup-rights');
  for (const right of SETUP_RIGHTS) {
    await profileWith(`only_${right}`, { setup: { [right]: true } });
    holders[right] = await newUser(`Only ${right}`, `only_${right}`);
  }
  nobody = await newUser('Reader', 'read_only');
});
afterAll(async () => {
  await h?.close();
});

describe('each Setup right alone opens exactly its routes', () => {
  it('names every route of the Setup areas once, with the right it needs', () => {
    const registered = registeredRoutes(h).filter((r) => SETUP_AREAS.test(r.split(' ')[1]!));
    const named = ROUTES.map(([, line]) => routeOf(line));
    expect(named.filter((r, i) => named.indexOf(r) !== i)).toEqual([]);
    expect(registered.filter((r) => !named.includes(r) && !NOT_SETUP[r])).toEqual([]);
    expect(named.filter((r) => !registered.includes(r))).toEqual([]);
  });

  it.each(ROUTES)('%s: %s', async (need, line, body) => {
    const [method, pattern] = line.split(' ') as [string, string];
    const path = fill(pattern);
    const answers: [string, LightMyRequestResponse][] = [];
    for (const right of SETUP_RIGHTS) answers.push([right, await call(h, holders[right].key, method, path, body)]);
    answers.push(['none', await call(h, nobody.key, method, path, body)]);
    for (const [who, r] of answers) {
      const opens = need === 'everyone' || need === who;
      if (opens) expect([401, 403], `${who}: ${r.statusCode} ${r.body}`).not.toContain(r.statusCode);
      else expect(r.statusCode, `${who}: ${r.body}`).toBe(403);
    }
  });
});

describe('the OpenAPI document follows the Setup rights', () => {
  // Each area's routes are described to the holders of its right; the routes open to anyone with a link, to everyone.
  const AREAS: [prefix: string, right: SetupRight, open: string[]][] = [
    ['/webhooks', 'keys', []],
    ['/invites', 'users', ['GET /invites/token/{token}', 'POST /invites/accept']],
  ];

  it.each(AREAS)('describes every %s route to whoever holds the %s right, and to others only the open ones', async (prefix, right, open) => {
    type Doc = { paths: Record<string, Record<string, { operationId?: string }>> };
    const registered = registeredRoutes(h)
      .filter((r) => r.split(' ')[1]!.startsWith(prefix))
      .map((r) => {
        const [method, url] = r.split(' ');
        return `${method} ${documentPath(url!, undefined)}`;
      })
      .sort();
    expect(registered.length).toBeGreaterThan(open.length + 2);
    expect(registered).toEqual(expect.arrayContaining(open));
    for (const [who, user] of [...SETUP_RIGHTS.map((r) => [r, holders[r]] as const), ['none', nobody] as const]) {
      const r = await call(h, user.key, 'GET', '/openapi.json');
      expect(r.statusCode, r.body).toBe(200);
      const documented = Object.entries(json<Doc>(r).paths)
        .filter(([path]) => path.startsWith(prefix))
        .flatMap(([path, item]) => Object.keys(item).filter((m) => m !== 'parameters').map((m) => `${m.toUpperCase()} ${path}`))
        .sort();
      expect(documented, who).toEqual(who === right ? registered : [...open].sort());
    }
  });
});

describe('the OpenAPI document describes each route to whoever may call it', () => {
  it('shows every route of the table to the holders of its right, and the Setup ones to no one else', async () => {
    type Doc = { paths: Record<string, Record<string, unknown>> };
    const documentFor = async (key: string) => {
      const r = await call(h, key, 'GET', '/openapi.json');
      expect(r.statusCode, r.body).toBe(200);
      const paths = json<Doc>(r).paths;
      return (route: string) => {
        const [method, path] = routeOf(route).split(' ') as [string, string];
        return Boolean(paths[path.replace(/:([A-Za-z]+)/g, '{$1}')]?.[method.toLowerCase()]);
      };
    };
    const forNobody = await documentFor(nobody.key);
    const wrong: string[] = [];
    for (const right of SETUP_RIGHTS) {
      const forHolder = await documentFor(holders[right].key);
      for (const [need, route] of ROUTES) if (need === right && !forHolder(route)) wrong.push(`${route}: not shown to a holder of ${right}`);
    }
    for (const [need, route] of ROUTES) {
      if (need === 'everyone' && !forNobody(route)) wrong.push(`${route}: not shown to everyone`);
      if (need !== 'everyone' && forNobody(route)) wrong.push(`${route}: shown without the ${need} right`);
    }
    expect(wrong).toEqual([]);
  });
});

describe('a right to manage people or the model is no way to more access', () => {
  it('a user manager adds users with no more than they hold, and cannot take over an administrator', async () => {
    const manager = holders.users;
    const refused = await call(h, manager.key, 'POST', '/users', { email: `climber-${a.slug}@example.com`, name: 'Climber', role: 'admin', password: 'correct horse battery' });
    expect(refused.statusCode).toBe(403);
    expect(json<{ errors: { field: string; message: string }[] }>(refused).errors).toContainEqual(expect.objectContaining({ field: 'role', message: expect.stringMatching(/Setup: access/) }));
    expect((await a.api('GET', '/users')).body).not.toContain('Climber');
    // An administrator's password, profile and activity are out of a user manager's reach.
    expect((await call(h, manager.key, 'POST', `/users/${a.adminId}/password`, { password: 'taken over at last' })).statusCode).toBe(403);
    expect((await call(h, manager.key, 'PATCH', `/users/${a.adminId}`, { active: false })).statusCode).toBe(403);
    expect((await call(h, manager.key, 'PATCH', `/users/${manager.id}`, { role: 'admin' })).statusCode).toBe(403);
    const signIn = await h.server.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { tenant: a.slug, email: a.adminEmail, password: a.adminPassword } });
    expect(signIn.statusCode, signIn.body).toBe(200);
    // A user who holds no more than the manager is theirs to look after.
    expect((await call(h, manager.key, 'POST', `/users/${nobody.id}/password`, { password: 'a fresh password' })).statusCode).toBe(204);
    expect((await call(h, manager.key, 'POST', '/invites', { role: 'admin' })).statusCode).toBe(403);
    // In Chinese, too.
    const zh = json<{ detail: string; errors: { message: string }[] }>(await call(h, manager.key, 'POST', '/invites', { role: 'admin' }, { 'accept-language': 'zh-CN' }));
    expect(zh.detail).toBe("档案'admin'授予的权限超出您所拥有的；请由管理访问权限的人授予");
    expect(zh.errors[0]!.message).toMatch(/^Administrator 授予 .+，而您没有该权限$/);
    expect(json<{ detail: string }>(await call(h, holders.terms.key, 'GET', '/users', undefined, { 'accept-language': 'zh-CN' })).detail).toBe("此操作需要设置权限'users'");
    expect((await call(h, manager.key, 'POST', '/invites', { role: 'read_only' })).statusCode).toBe(201);
  });

  it('a user manager cannot take over one whose team in the role hierarchy lies beyond their own reach, though their profile holds no more', async () => {
    const manager = holders.users;
    const lead = json<{ id: string }>(await a.api('POST', '/access/roles', { name: 'Team lead' }));
    const member = json<{ id: string }>(await a.api('POST', '/access/roles', { name: 'Team member', parentId: lead.id }));
    const leader = await newUser('Leader', 'read_only');
    const follower = await newUser('Follower', 'read_only');
    expect((await a.api('PUT', `/access/users/${leader.id}`, { roleId: lead.id })).statusCode).toBe(200);
    expect((await a.api('PUT', `/access/users/${follower.id}`, { roleId: member.id })).statusCode).toBe(200);
    const refused = await call(h, manager.key, 'POST', `/users/${leader.id}/password`, { password: 'taken over the team' });
    expect(refused.statusCode, refused.body).toBe(403);
    expect(json<{ errors: { code: string; message: string }[] }>(refused).errors).toContainEqual(expect.objectContaining({ code: 'exceedsYours', message: expect.stringContaining('role hierarchy') }));
    expect((await call(h, manager.key, 'PATCH', `/users/${leader.id}`, { active: false })).statusCode).toBe(403);
    // The one at the bottom of the team reaches no one else's records.
    expect((await call(h, manager.key, 'POST', `/users/${follower.id}/password`, { password: 'a fresh password' })).statusCode).toBe(204);
    const users = json<{ id: string; manageable: boolean }[]>(await call(h, manager.key, 'GET', '/users'));
    expect(users.find((u) => u.id === leader.id)!.manageable).toBe(false);
    expect(users.find((u) => u.id === follower.id)!.manageable).toBe(true);
  });

  it('a user manager cannot take over one who reaches records shared with their group that the manager does not reach', async () => {
    const manager = holders.users;
    expect((await a.api('POST', '/metadata/objects', { apiName: 'ledger', labels: { en: { singular: 'Ledger', plural: 'Ledgers' } } })).statusCode).toBe(201);
    expect((await a.api('PUT', '/access/sharing', { objects: { ledger: 'private' } })).statusCode).toBe(200);
    const entry = json<{ id: string }>(await a.api('POST', '/records/ledger', { name: 'Payroll' }));
    const keeper = await newUser('Keeper', 'read_only');
    const auditors = json<{ id: string }>(await a.api('POST', '/access/groups', { name: 'Auditors' }));
    expect((await a.api('PUT', `/access/groups/${auditors.id}/members`, { members: [{ kind: 'user', id: keeper.id }] })).statusCode).toBe(200);
    expect((await a.api('POST', `/records/ledger/${entry.id}/shares`, { granteeKind: 'group', granteeId: auditors.id, access: 'read' })).statusCode).toBe(201);
    // The keeper sees the shared record; the manager does not, so signing in as the keeper would be more.
    expect((await call(h, keeper.key, 'GET', `/records/ledger/${entry.id}`)).statusCode).toBe(200);
    expect((await call(h, manager.key, 'GET', `/records/ledger/${entry.id}`)).statusCode).toBe(404);
    const refused = await call(h, manager.key, 'POST', `/users/${keeper.id}/password`, { password: 'taken over the ledger' });
    expect(refused.statusCode, refused.body).toBe(403);
    expect(json<{ errors: { code: string; message: string }[] }>(refused).errors).toContainEqual(expect.objectContaining({ code: 'exceedsYours', message: 'Keeper reaches 1 record(s) shared with them or their groups that you do not reach' }));
    expect(json<{ id: string; manageable: boolean }[]>(await call(h, manager.key, 'GET', '/users')).find((u) => u.id === keeper.id)!.manageable).toBe(false);
    // A share that lets the keeper edit what the manager may only read is more, too.
    expect((await a.api('POST', `/records/ledger/${entry.id}/shares`, { granteeKind: 'user', granteeId: manager.id, access: 'read' })).statusCode).toBe(201);
    expect((await a.api('POST', `/records/ledger/${entry.id}/shares`, { granteeKind: 'group', granteeId: auditors.id, access: 'edit' })).statusCode).toBe(201);
    expect((await call(h, manager.key, 'POST', `/users/${keeper.id}/password`, { password: 'taken over the ledger' })).statusCode).toBe(403);
    expect((await a.api('PUT', '/access/sharing', { objects: { ledger: 'read' } })).statusCode).toBe(200);
    expect((await call(h, manager.key, 'POST', `/users/${keeper.id}/password`, { password: 'taken over the ledger' })).statusCode).toBe(403);
    // Once the keeper's share gives no more than the manager's, the keeper holds no more than the manager.
    expect((await a.api('POST', `/records/ledger/${entry.id}/shares`, { granteeKind: 'group', granteeId: auditors.id, access: 'read' })).statusCode).toBe(201);
    expect((await call(h, manager.key, 'POST', `/users/${keeper.id}/password`, { password: 'a fresh password' })).statusCode).toBe(204);
    expect((await a.api('DELETE', `/records/ledger/${entry.id}/shares/${auditors.id}`)).statusCode).toBe(204);
    expect((await call(h, manager.key, 'POST', `/users/${keeper.id}/password`, { password: 'another fresh password' })).statusCode).toBe(204);
  });

  it('tells a user manager which users it may change and which profiles it may give, as the saves decide', async () => {
    const manager = holders.users;
    const users = json<{ id: string; manageable: boolean }[]>(await call(h, manager.key, 'GET', '/users'));
    const manageable = (id: string) => users.find((u) => u.id === id)!.manageable;
    expect(manageable(a.adminId)).toBe(false);
    expect(manageable(nobody.id)).toBe(true);
    expect(manageable(manager.id)).toBe(true);
    expect(manageable(holders.model.id)).toBe(false);
    const profiles = json<{ key: string; grantable: boolean }[]>(await call(h, manager.key, 'GET', '/users/profiles'));
    const grantable = (key: string) => profiles.find((p) => p.key === key)!.grantable;
    expect(grantable('admin')).toBe(false);
    expect(grantable('read_only')).toBe(true);
    // Another Setup right is more than a user manager holds.
    expect(grantable('only_model')).toBe(false);
    expect(grantable('only_users')).toBe(true);
    // What it says is what the saves do.
    expect((await call(h, manager.key, 'PATCH', `/users/${a.adminId}`, { active: true })).statusCode).toBe(403);
    expect((await call(h, manager.key, 'PATCH', `/users/${nobody.id}`, { role: 'only_model' })).statusCode).toBe(403);
    expect((await call(h, manager.key, 'PATCH', `/users/${nobody.id}`, { role: 'only_users' })).statusCode).toBe(200);
    expect((await call(h, manager.key, 'PATCH', `/users/${nobody.id}`, { role: 'read_only' })).statusCode).toBe(200);
    // Whoever manages access may change anyone and give any profile.
    expect(json<{ manageable: boolean }[]>(await a.api('GET', '/users')).every((u) => u.manageable)).toBe(true);
    expect(json<{ grantable: boolean }[]>(await a.api('GET', '/users/profiles')).every((p) => p.grantable)).toBe(true);
  });

  it('a designer activates a workflow as themselves, never as a profile holding more', async () => {
    const designer = holders.model;
    const definition = { trigger: { type: 'manual', object: 'deal' }, start: 'done', steps: [{ id: 'done', type: 'end', config: {} }] };
    const made = await call(h, designer.key, 'POST', '/workflows', { apiName: 'designer_flow', label: 'Designer flow', definition });
    expect(made.statusCode, made.body).toBe(201);
    const id = json<{ id: string }>(made).id;
    const refused = await call(h, designer.key, 'POST', `/workflows/${id}/activate`, { profile: 'admin' });
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toMatch(/modifyAll on \*/);
    expect(json<{ status: string }>(await a.api('GET', `/workflows/${id}`)).status).not.toBe('active');
    expect((await call(h, designer.key, 'POST', `/workflows/${id}/activate`, { profile: 'read_only' })).statusCode).toBe(200);
  });

  it('a view shared with everyone is part of the design: the model right shares one, no other right does', async () => {
    const view = (name: string) => ({ object: 'deal', name, shared: true, definition: { kind: 'list', columns: ['name'] } });
    for (const right of SETUP_RIGHTS.filter((r) => r !== 'model')) {
      const r = await call(h, holders[right].key, 'POST', '/views', view(`Shared by ${right}`));
      expect(r.statusCode).toBe(403);
      expect(r.body).toContain("Setup right 'model'");
    }
    const shared = await call(h, holders.model.key, 'POST', '/views', view('Shared by the designer'));
    expect(shared.statusCode, shared.body).toBe(201);
    expect((await call(h, holders.terms.key, 'PATCH', `/views/${json<{ id: string }>(shared).id}`, { name: 'Renamed' })).statusCode).toBe(403);
    expect((await a.api('PATCH', `/views/${json<{ id: string }>(shared).id}`, { name: 'Renamed' })).statusCode).toBe(200);
  });

  it('a change request needs the right of each operation: words alone need terms, a mix needs model too', async () => {
    const rename = { op: 'upsertTerm', term: { key: 'organization', forms: { en: { singular: 'practice', plural: 'practices' } } } };
    const words = await call(h, holders.terms.key, 'POST', '/metadata/changes', { message: 'Practices', operations: [rename] });
    expect(words.statusCode, words.body).toBe(200);
    expect((await call(h, holders.model.key, 'POST', '/metadata/changes', { message: 'Practices', operations: [rename] })).statusCode).toBe(403);
    const field = { op: 'createField', object: 'organization', field: { apiName: 'region', type: 'text', labels: { en: 'Region' } } };
    for (const right of ['terms', 'model'] as const) {
      const mixed = await call(h, holders[right].key, 'POST', '/metadata/changes', { message: 'Both', operations: [rename, field] });
      expect(mixed.statusCode).toBe(403);
      expect(mixed.body).toContain(`Setup right '${right === 'terms' ? 'model' : 'terms'}'`);
    }
  });

  it('browsing the GraphQL schema is for the model right; every user still runs queries', async () => {
    const introspect = { query: '{ __schema { queryType { name } } }' };
    expect((await call(h, holders.model.key, 'POST', '/graphql', introspect)).statusCode).toBe(200);
    const refused = await call(h, holders.terms.key, 'POST', '/graphql', introspect);
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain("Setup right 'model'");
    expect((await call(h, holders.terms.key, 'POST', '/graphql', { query: '{ dealList(first: 1) { nodes { id } } }' })).statusCode).toBe(200);
  });

  it('whoever manages access (the administrator) sees and decides approvals addressed to others; designing workflows (the model right) does not, nor any other right', async () => {
    const definition = { trigger: { type: 'manual' }, start: 'ask', steps: [{ id: 'ask', type: 'approval', config: { assignees: [a.adminId], message: 'May I?' }, branches: { approved: 'yes', rejected: 'no' } }, { id: 'yes', type: 'end', config: {} }, { id: 'no', type: 'end', config: {} }] };
    expect((await a.api('POST', '/workflows', { apiName: 'ask_admin', label: 'Ask the admin', definition })).statusCode).toBe(201);
    expect((await a.api('POST', '/workflows/ask_admin/activate')).statusCode).toBe(200);
    const { runId } = json<{ runId: string }>(await a.api('POST', '/workflows/ask_admin/runs', {}));
    const seen = async (key: string) => json<{ approvals: { id: string; runId: string }[] }>(await call(h, key, 'GET', '/workflow-approvals')).approvals.find((x) => x.runId === runId);
    await waitFor('the approval to be asked for', async () => (await seen(a.key)) !== undefined, 30_000);
    for (const right of ['model', 'terms', 'users', 'keys'] as const) expect(await seen(holders[right].key), right).toBeUndefined();
    const approval = await seen(holders.access.key);
    expect(approval).toBeDefined();
    for (const right of ['model', 'users'] as const) {
      const refused = await call(h, holders[right].key, 'POST', `/workflow-approvals/${approval!.id}/decision`, { decision: 'approved' });
      expect(refused.statusCode, right).toBe(403);
      expect(refused.body).toContain('Only an approver named on the request, or an administrator, may decide it');
    }
    expect((await call(h, holders.access.key, 'POST', `/workflow-approvals/${approval!.id}/decision`, { decision: 'approved' })).statusCode).toBe(200);
  });

  it('emptying the recycle bin needs modify all on what it empties', async () => {
    const deal = json<{ id: string }>(await a.api('POST', '/records/deal', { name: 'Binned' }));
    expect((await a.api('DELETE', `/records/deal/${deal.id}`)).statusCode).toBe(204);
    for (const right of SETUP_RIGHTS) {
      const r = await call(h, holders[right].key, 'POST', '/recycle-bin/purge', { ids: [deal.id], object: 'deal' });
      expect(r.statusCode).toBe(403);
      expect(r.body).toContain('modify all on deal');
    }
    expect(json<{ purged: number }>(await a.api('POST', '/recycle-bin/purge', { ids: [deal.id], object: 'deal' })).purged).toBe(1);
  });

  it('says whether the whole bin may be emptied, counting the objects the user cannot see', async () => {
    type Me = { objects: Record<string, { modifyAll: boolean }>; recycleBin: { emptyAll: boolean } };
    await profileWith('all_but_activities', { objects: { '*': { read: true, modifyAll: true }, activity: {} } });
    const partial = await newUser('All but activities', 'all_but_activities');
    const me = json<Me>(await call(h, partial.key, 'GET', '/access/me'));
    // Every object the user can see grants modify all; the one it cannot see does not.
    expect(me.objects['activity']).toBeUndefined();
    expect(Object.values(me.objects).every((o) => o.modifyAll)).toBe(true);
    expect(me.recycleBin.emptyAll).toBe(false);
    const refused = await call(h, partial.key, 'POST', '/recycle-bin/purge', { all: true });
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain('activity');
    expect(json<Me>(await a.api('GET', '/access/me')).recycleBin.emptyAll).toBe(true);
  });
});

describe('an action or workflow started on a record asks for what it may do to the record', () => {
  it('one that may write needs edit access to the record; one that writes nothing, read access; a record out of reach is missing', async () => {
    const write = (apiName: string, steps: unknown[]) => a.api('POST', '/workflows', { apiName, label: apiName, definition: { trigger: { type: 'manual', object: 'deal' }, start: 's', steps } });
    expect((await write('mark_won', [{ id: 's', type: 'updateRecord', config: { values: { name: 'Won' } } }])).statusCode).toBe(201);
    expect((await write('tell_owner', [{ id: 's', type: 'notify', config: { message: 'Look at this deal' } }])).statusCode).toBe(201);
    for (const name of ['mark_won', 'tell_owner']) expect((await a.api('POST', `/workflows/${name}/activate`)).statusCode).toBe(200);
    const action = (apiName: string, limits?: unknown) =>
      a.api('POST', '/scripts', { apiName, label: apiName, kind: 'action', object: 'deal', language: 'javascript', source: 'export default () => 1;', ...(limits ? { limits } : {}) });
    expect((await action('close_deal')).statusCode).toBe(201);
    expect((await action('print_deal', { recordsWritten: 0 })).statusCode).toBe(201);

    const deal = json<{ id: string }>(await a.api('POST', '/records/deal', { name: 'Readable' }));
    // The buttons say which may write, so the studio offers those only where the user may edit.
    const buttons = json<{ buttons: { apiName: string; writes: boolean }[] }>(await call(h, nobody.key, 'GET', '/workflow-buttons?object=deal')).buttons;
    expect(buttons).toEqual(expect.arrayContaining([expect.objectContaining({ apiName: 'mark_won', writes: true }), expect.objectContaining({ apiName: 'tell_owner', writes: false })]));
    const actions = json<{ data: { apiName: string; writes: boolean }[] }>(await call(h, nobody.key, 'GET', `/records/deal/${deal.id}/actions`)).data;
    expect(actions).toEqual(expect.arrayContaining([expect.objectContaining({ apiName: 'close_deal', writes: true }), expect.objectContaining({ apiName: 'print_deal', writes: false })]));

    // A read-only user may only read the deal: writing ones are refused before anything runs.
    const refused = await call(h, nobody.key, 'POST', '/workflows/mark_won/runs', { recordId: deal.id });
    expect(refused.statusCode).toBe(403);
    expect(json<{ runs: unknown[] }>(await a.api('GET', '/workflows/mark_won/runs')).runs).toEqual([]);
    expect((await call(h, nobody.key, 'POST', `/records/deal/${deal.id}/actions/close_deal`, {})).statusCode).toBe(403);
    expect((await call(h, nobody.key, 'POST', '/workflows/tell_owner/runs', { recordId: deal.id })).statusCode).toBe(202);

    // A private deal of someone else does not exist for them, whatever the workflow does.
    expect((await a.api('PUT', '/access/sharing', { objects: { deal: 'private' } })).statusCode).toBe(200);
    const hidden = json<{ id: string }>(await a.api('POST', '/records/deal', { name: 'Hidden' }));
    expect((await call(h, nobody.key, 'POST', '/workflows/tell_owner/runs', { recordId: hidden.id })).statusCode).toBe(404);
    expect((await call(h, nobody.key, 'POST', `/records/deal/${hidden.id}/actions/print_deal`, {})).statusCode).toBe(404);
    expect((await a.api('PUT', '/access/sharing', { objects: { deal: 'edit' } })).statusCode).toBe(200);
  });
});
