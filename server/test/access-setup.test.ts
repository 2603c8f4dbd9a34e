import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../src/app.ts';
import { redactEventPayload } from '../src/access/record-access.ts';
import { ensureDemoWorkspace } from '../src/platform/demo-workspace.ts';
import { migrate } from '../src/db/migrations.ts';
import { openDatabase } from '../src/db/open-database.ts';
import { createTenant } from '../src/tenancy/tenant-service.ts';
import { call, createTestTenant, json, startHarness, type Harness, type TestTenant } from './harness.ts';

let h: Harness;
let a: TestTenant;
let std: { id: string; key: string };

async function newUser(tenant: TestTenant, name: string, profile: string): Promise<{ id: string; key: string }> {
  const r = await tenant.api('POST', '/users', { email: `${name}-${tenant.slug}@example.com`, name, role: profile, password: 'correct horse battery' });
  expect(r.statusCode, r.body).toBe(201);
  const id = json<{ id: string }>(r).id;
  return { id, key: (await h.server.auth.createApiKey(tenant.id, id, name)).key };
}

beforeAll(async () => {
  h = await startHarness();
  a = await createTestTenant(h, 'acl-setup');
  std = await newUser(a, 'Sam', 'standard');
});
afterAll(async () => {
  await h?.close();
});

describe('Setup rights come from permission sets', () => {
  it('a standard user may work with records but not change the model, terms, users or access', async () => {
    const as = (method: string, path: string, body?: unknown) => call(h, std.key, method, path, body);
    expect((await as('POST', '/records/organization', { name: 'Sam’s org' })).statusCode).toBe(201);
    expect((await as('POST', '/metadata/changes', { message: 'x', operations: [] })).statusCode).toBe(403);
    expect((await as('PUT', '/metadata/terms/customer', { labels: { en: { singular: 'Patient', plural: 'Patients' } } })).statusCode).toBe(403);
    expect((await as('GET', '/users')).statusCode).toBe(403);
    expect((await as('GET', '/access/permission-sets')).statusCode).toBe(403);
    const me = json<{ setup: Record<string, boolean>; objects: Record<string, { create: boolean; modifyAll: boolean }> }>(await as('GET', '/access/me'));
    expect(me.setup).toEqual({ model: false, terms: false, users: false, keys: false, access: false });
    expect(me.objects['organization']).toMatchObject({ create: true, modifyAll: false });
    const unknown = await a.api('POST', '/users', { email: `nobody-${a.slug}@example.com`, name: 'Nobody', role: 'no_such_profile', password: 'correct horse battery' });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.body).toContain('no_such_profile');
  });

  it('a profile made of a set with the model right opens the model, and nothing else of Setup', async () => {
    const set = json<{ id: string }>(
      await a.api('POST', '/access/permission-sets', { key: 'modeler', name: 'Modeler', grants: { objects: { '*': { read: true } }, fields: {}, setup: { model: true } } }),
    );
    expect((await a.api('POST', '/access/profiles', { key: 'modeler', name: 'Modeler', permissionSetIds: [set.id] })).statusCode).toBe(201);
    const modeler = await newUser(a, 'Mo', 'modeler');
    const as = (method: string, path: string, body?: unknown) => call(h, modeler.key, method, path, body);
    const change = await as('POST', '/metadata/changes', { message: 'add a field', operations: [{ op: 'createField', object: 'organization', field: { apiName: 'region', type: 'text', labels: { en: 'Region' } } }] });
    expect(change.statusCode, change.body).toBeLessThan(300);
    expect((await as('GET', '/users')).statusCode).toBe(403);
    expect((await as('POST', '/records/organization', { name: 'nope' })).statusCode).toBe(403);
  });
});

describe('the built-in permission sets of an existing workspace', () => {
  it('are found, not rewritten, by another server process’s first request: no row of them changes or waits on a lock', async () => {
    const versions = () =>
      h.db.system((q) => q.query<{ key: string; xmin: string }>(`select key, xmin::text from acl_permission_set where tenant_id = $1 and system union all select 'profile:' || key, xmin::text from acl_profile where tenant_id = $1 and system order by 1`, [a.id]));
    const before = await versions();
    expect(before.length).toBeGreaterThanOrEqual(6);
    const other = await buildApp({ db: h.db, passwordCost: 'test', logger: false });
    try {
      const me = await other.app.inject({ method: 'GET', url: '/api/v1/access/me', headers: { authorization: `Bearer ${std.key}` } });
      expect(me.statusCode, me.body).toBe(200);
    } finally {
      await other.app.close();
    }
    expect(await versions()).toEqual(before);
  });
});

describe('a permission set names objects and fields', () => {
  it('by API name as by id: a price hidden as treatment.price is hidden; a name of nothing is refused with its path and saves nothing', async () => {
    const t = await createTestTenant(h, 'acl-names');
    const made = await t.api('POST', '/metadata/changes', { operations: [{ op: 'createObject', object: { apiName: 'treatment', labels: { en: { singular: 'Treatment', plural: 'Treatments' } }, fields: [{ apiName: 'name', type: 'text', labels: { en: 'Name' } }, { apiName: 'price', type: 'currency', labels: { en: 'Price' } }] } }] });
    expect(made.statusCode, made.body).toBe(200);
    await t.api('POST', '/records/treatment', { name: 'Crown', price: 4800 });
    const reads = { create: false, read: true, edit: false, delete: false, viewAll: true, modifyAll: false };
    const refused = await t.api('POST', '/access/permission-sets', { key: 'typo', name: 'Typo', grants: { objects: { treatmnt: reads }, fields: { treatment: { prize: 'none' } }, setup: {} } });
    expect(refused.statusCode).toBe(422);
    expect(json<{ errors: { field: string; code: string }[] }>(refused).errors).toEqual([
      expect.objectContaining({ field: 'grants.objects.treatmnt', code: 'unknown_object' }),
      expect.objectContaining({ field: 'grants.fields.treatment.prize', code: 'unknown_field' }),
    ]);
    expect(json<{ key: string }[]>(await t.api('GET', '/access/permission-sets')).map((s) => s.key)).not.toContain('typo');
    const created = await t.api('POST', '/access/permission-sets', { key: 'front_desk', name: 'Front desk', grants: { objects: { treatment: reads }, fields: { treatment: { price: 'none' } }, setup: {} } });
    expect(created.statusCode, created.body).toBe(201);
    expect((await t.api('POST', '/access/profiles', { key: 'front_desk', name: 'Front desk', permissionSetIds: [json<{ id: string }>(created).id] })).statusCode).toBe(201);
    const desk = await newUser(t, 'Rita', 'front_desk');
    const listed = json<{ data: Record<string, unknown>[] }>(await call(h, desk.key, 'GET', '/records/treatment'));
    expect(listed.data).toEqual([expect.objectContaining({ name: 'Crown' })]);
    expect(listed.data[0]).not.toHaveProperty('price');
    // A change of the set by names is checked the same way.
    const patched = await t.api('PATCH', `/access/permission-sets/${json<{ id: string }>(created).id}`, { grants: { objects: { treatment: reads }, fields: { treatment: { price: 'none', cost: 'none' } }, setup: {} } });
    expect(patched.statusCode).toBe(422);
    expect(json<{ errors: { field: string }[] }>(patched).errors.map((e) => e.field)).toEqual(['grants.fields.treatment.cost']);
  });
});

describe('API keys never exceed their creator', () => {
  it('a standard user cannot give its key the Administrator set; a narrower set narrows the key at once', async () => {
    const sets = json<{ id: string; key: string }[]>(await a.api('GET', '/access/permission-sets'));
    const admin = sets.find((s) => s.key === 'admin')!;
    const readOnly = sets.find((s) => s.key === 'read_only')!;
    const keys = json<{ id: string; userId: string }[]>(await call(h, std.key, 'GET', '/api-keys'));
    const keyId = keys.find((k) => k.userId === std.id)!.id;
    const refused = await call(h, std.key, 'PUT', `/access/api-keys/${keyId}`, { permissionSetIds: [admin.id] });
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toMatch(/modifyAll|Setup/);
    expect((await call(h, std.key, 'PUT', `/access/api-keys/${keyId}`, { permissionSetIds: [readOnly.id] })).statusCode).toBe(200);
    expect((await call(h, std.key, 'POST', '/records/organization', { name: 'blocked' })).statusCode).toBe(403);
    expect((await call(h, std.key, 'GET', '/records/organization')).statusCode).toBe(200);
    // The narrowed key cannot widen itself again; who manages keys can.
    expect((await call(h, std.key, 'PUT', `/access/api-keys/${keyId}`, { permissionSetIds: null })).statusCode).toBe(403);
    expect((await a.api('PUT', `/access/api-keys/${keyId}`, { permissionSetIds: null })).statusCode).toBe(200);
    expect((await call(h, std.key, 'POST', '/records/organization', { name: 'allowed again' })).statusCode).toBe(201);
  });

  it('a key keeps no more than its creator even when the creator loses rights after the key was made', async () => {
    const user = await newUser(a, 'Demoted', 'standard');
    expect((await call(h, user.key, 'POST', '/records/organization', { name: 'before' })).statusCode).toBe(201);
    expect((await a.api('PUT', `/access/users/${user.id}`, { profile: 'read_only' })).statusCode).toBe(200);
    expect((await call(h, user.key, 'POST', '/records/organization', { name: 'after' })).statusCode).toBe(403);
  });
});

describe('the explainer and the audit trail', () => {
  it('says why a user can read a record (hierarchy, share, rule) and why a field is hidden', async () => {
    const manager = json<{ id: string }>(await a.api('POST', '/access/roles', { name: 'Manager' }));
    const rep = json<{ id: string }>(await a.api('POST', '/access/roles', { name: 'Rep', parentId: manager.id }));
    const boss = await newUser(a, 'Boss', 'standard');
    const worker = await newUser(a, 'Worker', 'standard');
    await a.api('PUT', `/access/users/${boss.id}`, { roleId: manager.id });
    await a.api('PUT', `/access/users/${worker.id}`, { roleId: rep.id });
    await a.api('PUT', '/access/sharing', { objects: { task: 'private' } });
    const task = json<{ id: string }>(await call(h, worker.key, 'POST', '/records/task', { subject: 'Follow up' }));
    const explained = json<{ can: { read: boolean; edit: boolean }; record: { because: string[] } }>(await a.api('GET', `/access/explain?user=${boss.id}&object=task&record=${task.id}`));
    expect(explained.can).toMatchObject({ read: true, edit: true });
    expect(explained.record.because.join(' ')).toMatch(/role below/);
    const denied = json<{ can: { read: boolean } ; record: { because: string[] } }>(await a.api('GET', `/access/explain?user=${std.id}&object=task&record=${task.id}`));
    expect(denied.can.read).toBe(false);
    expect(denied.record.because[0]).toMatch(/nothing grants access/);
    expect((await a.api('POST', `/records/task/${task.id}/shares`, { granteeKind: 'user', granteeId: std.id, access: 'read' })).statusCode).toBe(201);
    const shared = json<{ can: { read: boolean; edit: boolean }; record: { because: string[] } }>(await a.api('GET', `/access/explain?user=${std.id}&object=task&record=${task.id}`));
    expect(shared.can).toMatchObject({ read: true, edit: false });
    expect(shared.record.because.join(' ')).toMatch(/shared by hand with them \(read\)/);
    const field = json<{ field: { level: string } }>(await a.api('GET', `/access/explain?user=${std.id}&object=task&field=subject`));
    expect(field.field.level).toBe('edit');
    await a.api('PUT', '/access/sharing', { objects: { task: 'edit' } });
  });

  it('records who granted what to whom, newest first', async () => {
    const target = await newUser(a, 'Audited', 'standard');
    await a.api('PUT', `/access/users/${target.id}`, { profile: 'read_only' });
    const audit = json<{ action: string; subject: string; actorId: string; detail: { after: { profile: string } } }[]>(await a.api('GET', '/access/audit?limit=5'));
    expect(audit[0]).toMatchObject({ action: 'user.access', subject: 'user Audited', actorId: a.adminId });
    expect(audit[0]!.detail.after.profile).toBe('read_only');
    expect((await a.api('PATCH', `/users/${target.id}`, { role: 'standard' })).statusCode).toBe(200);
    const viaUsers = json<{ action: string; subject: string; detail: { after: { profile: string } } }[]>(await a.api('GET', '/access/audit?limit=1'));
    expect(viaUsers[0]).toMatchObject({ action: 'user.access', subject: 'user Audited', detail: { after: { profile: 'standard' } } });
    const holders = json<{ id: string; profile: string; roleId: string | null }[]>(await a.api('GET', '/access/users'));
    expect(holders.find((u) => u.id === target.id)).toMatchObject({ profile: 'standard', roleId: null });
  });
});

describe('the demo workspace', () => {
  it('starts with a sales hierarchy and a group, its admin at the top, and every object still public', async () => {
    await ensureDemoWorkspace(h.db, h.server);
    const roles = await h.db.system((q) => q.query<{ name: string; depth: number }>(`select r.name, array_length(r.path, 1) as depth from acl_role r join tenant t on t.id = r.tenant_id where t.slug = 'demo' order by 2`));
    expect(roles.map((r) => r.name)).toEqual(['Sales director', 'Sales manager', 'Sales rep']);
    const narrowed = await h.db.system((q) => q.query(`select 1 from acl_object_access a join tenant t on t.id = a.tenant_id where t.slug = 'demo' and a.default_access <> 'edit'`));
    expect(narrowed).toEqual([]);
  });
});

describe('automation principals', () => {
  it('a workflow made read-only reads through the data service and may not write', async () => {
    const made = json<{ id: string }>(await a.api('POST', '/access/automations', { kind: 'workflow', name: 'Nightly digest', profile: 'read_only' }));
    const principal = await h.server.access.automationPrincipal({ id: a.id, slug: a.slug, name: a.slug }, made.id);
    const model = await h.server.metadata.model(a.id);
    const ctx = { principal, model };
    const organization = h.server.data.object(model, 'organization');
    const listed = await h.server.data.list(ctx, { object: organization, where: undefined, sort: [], expand: [], limit: 5, after: undefined });
    expect(Array.isArray(listed.data)).toBe(true);
    await expect(h.server.data.create(ctx, organization, { name: 'By a workflow' })).rejects.toMatchObject({ status: 403 });
  });
});

describe('outbox payloads delivered on a user’s behalf', () => {
  it('lose the fields the user cannot read', async () => {
    const set = json<{ id: string }>(await a.api('POST', '/access/permission-sets', { key: 'no_amount', name: 'No amount', grants: { objects: { '*': { read: true, edit: true, create: true } }, fields: { deal: { amount: 'none' } }, setup: {} } }));
    await a.api('POST', '/access/profiles', { key: 'no_amount', name: 'No amount', permissionSetIds: [set.id] });
    const user = await newUser(a, 'Payload', 'no_amount');
    const principal = (await h.server.auth.authenticate({ bearer: user.key }))!;
    const shape = await h.server.access.shapeOf(principal);
    const model = await h.server.metadata.model(a.id);
    const deal = model.object('deal')!;
    const redacted = redactEventPayload(shape, model, deal, { data: { name: 'Big', amount: 5 }, changes: { amount: { from: 1, to: 5 }, name: { from: 'a', to: 'b' } } });
    expect(redacted).toEqual({ data: { name: 'Big' }, changes: { name: { from: 'a', to: 'b' } } });
  });
});

describe('sharing rules applied to existing records', () => {
  it('share exactly what the condition says, though the database narrows the candidates case-insensitively', async () => {
    const reader = await newUser(a, 'Ruled', 'standard');
    const group = json<{ id: string }>(await a.api('POST', '/access/groups', { name: 'Rule readers' }));
    await a.api('PUT', `/access/groups/${group.id}/members`, { members: [{ kind: 'user', id: reader.id }] });
    await a.api('PUT', '/access/sharing', { objects: { deal: 'private' } });
    const exact = json<{ id: string }>(await a.api('POST', '/records/deal', { name: 'Mixed Case', amount: 10 }));
    const lower = json<{ id: string }>(await a.api('POST', '/records/deal', { name: 'mixed case', amount: 10 }));
    const small = json<{ id: string }>(await a.api('POST', '/records/deal', { name: 'Mixed Case', amount: 1 }));
    const rule = await a.api('POST', '/access/sharing-rules', { object: 'deal', name: 'Exact case', condition: 'name == "Mixed Case" && amount > 5', granteeKind: 'group', granteeId: group.id, access: 'read' });
    expect(rule.statusCode, rule.body).toBe(201);
    expect(json<{ applied: { matched: number } }>(rule).applied.matched).toBe(1);
    const sees = async (id: string) => (await call(h, reader.key, 'GET', `/records/deal/${id}`)).statusCode;
    expect([await sees(exact.id), await sees(lower.id), await sees(small.id)]).toEqual([200, 404, 404]);
    await a.api('DELETE', `/access/sharing-rules/${json<{ id: string }>(rule).id}`);
    expect(await sees(exact.id)).toBe(404);
    await a.api('PUT', '/access/sharing', { objects: { deal: 'edit' } });
  });
});

describe('saved views shown to a reader who cannot read a field', () => {
  it('lose that column, and a view filtering or sorting by it is not shown', async () => {
    const set = json<{ id: string }>(await a.api('POST', '/access/permission-sets', { key: 'no_amount_views', name: 'No amount (views)', grants: { objects: { '*': { read: true, edit: true, create: true } }, fields: { deal: { amount: 'none' } }, setup: {} } }));
    await a.api('POST', '/access/profiles', { key: 'no_amount_views', name: 'No amount (views)', permissionSetIds: [set.id] });
    const reader = await newUser(a, 'Viewer', 'no_amount_views');
    const columns = json<{ id: string }>(await a.api('POST', '/views', { object: 'deal', name: 'Pipeline', shared: true, definition: { kind: 'list', columns: ['name', 'amount'] } }));
    const filtered = json<{ id: string }>(await a.api('POST', '/views', { object: 'deal', name: 'Big deals', shared: true, definition: { kind: 'list', columns: ['name'], filter: { field: 'amount', op: 'gt', value: 1000 } } }));
    const sorted = json<{ id: string }>(await a.api('POST', '/views', { object: 'deal', name: 'By amount', shared: true, definition: { kind: 'list', columns: ['name'], sort: '-amount' } }));
    const seen = json<{ id: string; definition: { columns: string[] } }[]>(await call(h, reader.key, 'GET', '/views?object=deal'));
    expect(seen.find((v) => v.id === columns.id)?.definition.columns).toEqual(['name']);
    expect(seen.some((v) => v.id === filtered.id || v.id === sorted.id)).toBe(false);
    const all = json<{ id: string }[]>(await a.api('GET', '/views?object=deal'));
    expect(all.map((v) => v.id)).toEqual(expect.arrayContaining([columns.id, filtered.id, sorted.id]));
  });
});

describe('request-rate limits', () => {
  let app: App;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const db = await openDatabase({ databaseUrl: process.env['DATABASE_URL'], dataDir: undefined, poolSize: 2 });
    await migrate(db);
    app = await buildApp({ db, passwordCost: 'test', rateLimits: { perTenant: 8, perApiKey: 4, perUser: 1_000 } });
    await app.app.ready();
    close = async () => {
      await app.app.close();
      await db.close();
    };
  });
  afterAll(async () => close?.());

  it('answer 429 with Retry-After per API key, then per tenant, and other tenants are not affected', async () => {
    const slug = (p: string) => `${p}-${randomUUID().slice(0, 8)}`;
    const tenant = await createTenant(app.access.db, { slug: slug('rl'), name: 'rl', admin: { email: 'a@rl.test', name: 'A', password: 'correct horse battery' } }, app.auth.passwords);
    const other = await createTenant(app.access.db, { slug: slug('rl'), name: 'rl', admin: { email: 'b@rl.test', name: 'B', password: 'correct horse battery' } }, app.auth.passwords);
    const k1 = (await app.auth.createApiKey(tenant.id, tenant.adminId, 'one')).key;
    const k2 = (await app.auth.createApiKey(tenant.id, tenant.adminId, 'two')).key;
    const k3 = (await app.auth.createApiKey(other.id, other.adminId, 'three')).key;
    const get = (key: string) => app.app.inject({ method: 'GET', url: '/api/v1/records/organization', headers: { authorization: `Bearer ${key}` } });
    const first = [];
    for (let i = 0; i < 5; i++) first.push((await get(k1)).statusCode);
    expect(first).toEqual([200, 200, 200, 200, 429]);
    const limited = await get(k1);
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    const second = [];
    for (let i = 0; i < 5; i++) second.push((await get(k2)).statusCode);
    // The tenant's 8 are spent after four more from the second key.
    expect(second).toEqual([200, 200, 200, 200, 429]);
    expect(json(await get(k2))['detail']).toMatch(/workspace/);
    expect((await get(k3)).statusCode).toBe(200);
  });
});


describe('what a user may do with records, for the studio to offer only that', () => {
  it('says per record whether edit and delete would be allowed: owner, edit share, read share, public read, unseen', async () => {
    const t = await createTestTenant(h, 'acl-mine');
    const rep = await newUser(t, 'Rita', 'standard');
    expect((await t.api('PUT', '/access/sharing', { objects: { deal: 'private' } })).statusCode).toBe(200);
    const made = async (name: string) => json<{ id: string }>(await t.api('POST', '/records/deal', { name, amount: 1 })).id;
    const [readShared, editShared, unseen] = [await made('read share'), await made('edit share'), await made('not shared')];
    expect((await t.api('POST', `/records/deal/${readShared}/shares`, { granteeKind: 'user', granteeId: rep.id, access: 'read' })).statusCode).toBe(201);
    expect((await t.api('POST', `/records/deal/${editShared}/shares`, { granteeKind: 'user', granteeId: rep.id, access: 'edit' })).statusCode).toBe(201);
    const own = json<{ id: string }>(await call(h, rep.key, 'POST', '/records/deal', { name: 'mine', amount: 2 })).id;
    const rights = async () =>
      json<{ records: Record<string, { edit: boolean; delete: boolean }> }>(await call(h, rep.key, 'GET', `/access/me/records/deal?ids=${[readShared, editShared, unseen, own, randomUUID()].join(',')}`)).records;
    expect(await rights()).toEqual({ [readShared]: { edit: false, delete: false }, [editShared]: { edit: true, delete: false }, [own]: { edit: true, delete: true } });
    // What it says is what the save does.
    expect((await call(h, rep.key, 'PATCH', `/records/deal/${readShared}`, { amount: 3 })).statusCode).toBe(403);
    expect((await call(h, rep.key, 'PATCH', `/records/deal/${editShared}`, { amount: 3 })).statusCode).toBe(200);
    expect((await call(h, rep.key, 'DELETE', `/records/deal/${editShared}`)).statusCode).toBe(403);
    // An edit share does not make its holder the owner: taking the record (or giving it away) needs what deleting needs.
    const taken = await call(h, rep.key, 'PATCH', `/records/deal/${editShared}`, { owner: rep.id });
    expect(taken.statusCode, taken.body).toBe(403);
    expect(json<{ errors: { field: string }[] }>(taken).errors[0]!.field).toBe('owner');
    const batchTaken = await call(h, rep.key, 'POST', '/records/deal/batch', { operations: [{ op: 'update', id: editShared, data: { owner: rep.id } }] });
    expect(batchTaken.statusCode, batchTaken.body).toBe(403);
    expect(json(await t.api('GET', `/records/deal/${editShared}`))['owner']).toBe(t.adminId);
    // The owner gives their own away.
    expect((await call(h, rep.key, 'PATCH', `/records/deal/${own}`, { owner: t.adminId })).statusCode).toBe(200);
    // An upsert matching a record the user cannot see answers as a create of that value would: taken, no id.
    expect((await t.api('POST', '/metadata/objects/deal/fields', { apiName: 'ext_ref', type: 'text', unique: true, labels: { en: 'External ref' } })).statusCode).toBe(201);
    expect((await t.api('PATCH', `/records/deal/${unseen}`, { ext_ref: 'ERP-1' })).statusCode).toBe(200);
    const upsert = await call(h, rep.key, 'POST', '/records/deal/batch', { operations: [{ op: 'upsert', matchField: 'ext_ref', data: { name: 'Mine now?', ext_ref: 'ERP-1' } }] });
    expect(upsert.statusCode, upsert.body).toBe(409);
    expect(json<{ errors: { field: string; code: string }[] }>(upsert).errors[0]).toMatchObject({ field: 'ext_ref', code: 'unique' });
    expect(upsert.body).not.toContain(unseen);
    // Public read: every record readable, only one's own editable.
    expect((await t.api('PUT', '/access/sharing', { objects: { deal: 'read' } })).statusCode).toBe(200);
    expect((await rights())[unseen]).toEqual({ edit: false, delete: false });
    const bad = await call(h, rep.key, 'GET', '/access/me/records/deal?ids=nope');
    expect(bad.statusCode).toBe(422);
    expect(json<{ errors: { field: string }[] }>(bad).errors[0]!.field).toBe('ids');
  });
});
