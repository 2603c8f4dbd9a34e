import { randomUUID } from 'node:crypto';
import type { TenantModel } from '../data/tenant-model.ts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { principalOf, type Principal } from '../auth/principal.ts';
import type { Queryable } from '../db/database.ts';
import { forbidden, notFound, ProblemError, validationError, type FieldProblem } from '../errors/problems.ts';
import type { MetadataService } from '../metadata/metadata-service.ts';
import type { RecordRow } from '../data/record-codec.ts';
import { ROW_COLUMNS } from '../data/cascades.ts';
import { AccessService, actorOf, exceeding } from './access-service.ts';
import type { AccessShape } from './access-shape.ts';
import { ownerOf, recordRightsOf, recordWriteAccess } from './record-access.ts';
import { GrantsSchema, OBJECT_ACTIONS, type Grants, type RecordDefault } from './permissions.ts';
import { compileRuleCondition, type SharingRules } from './sharing.ts';
import { UUID } from '../http/ids.ts';
import { workflowsNamingRole } from '../workflows/workflow-dependents.ts';

const Id = Type.Object({ id: Type.String({ maxLength: 100 }) });
const Name = Type.String({ minLength: 1, maxLength: 120 });
const NewSet = Type.Object({ key: Type.String({ pattern: '^[a-z][a-z0-9_]{1,62}$' }), name: Name, description: Type.Optional(Type.String({ maxLength: 500 })), grants: GrantsSchema }, { additionalProperties: false });
const SetPatch = Type.Object({ name: Type.Optional(Name), description: Type.Optional(Type.String({ maxLength: 500 })), grants: Type.Optional(GrantsSchema) }, { additionalProperties: false, minProperties: 1 });
const NewProfile = Type.Object({ key: Type.String({ pattern: '^[a-z][a-z0-9_]{1,62}$' }), name: Name, permissionSetIds: Type.Array(Type.String({ format: 'uuid' }), { maxItems: 50 }) }, { additionalProperties: false });
const ProfilePatch = Type.Object({ name: Type.Optional(Name), permissionSetIds: Type.Optional(Type.Array(Type.String({ format: 'uuid' }), { maxItems: 50 })) }, { additionalProperties: false, minProperties: 1 });
const NewRole = Type.Object({ name: Name, parentId: Type.Optional(Type.Union([Type.String({ format: 'uuid' }), Type.Null()])) }, { additionalProperties: false });
const NewGroup = Type.Object({ name: Name }, { additionalProperties: false });
const Members = Type.Object(
  { members: Type.Array(Type.Object({ kind: Type.Union([Type.Literal('user'), Type.Literal('role'), Type.Literal('role_and_below')]), id: Type.String({ format: 'uuid' }) }, { additionalProperties: false }), { maxItems: 1000 }) },
  { additionalProperties: false },
);
const Defaults = Type.Object({ objects: Type.Record(Type.String({ maxLength: 100 }), Type.Union([Type.Literal('private'), Type.Literal('read'), Type.Literal('edit')])) }, { additionalProperties: false });
const Grantee = { granteeKind: Type.Union([Type.Literal('role'), Type.Literal('group'), Type.Literal('user')]), granteeId: Type.String({ format: 'uuid' }), access: Type.Union([Type.Literal('read'), Type.Literal('edit')]) };
const NewRule = Type.Object({ object: Type.String({ maxLength: 100 }), name: Name, condition: Type.String({ minLength: 1, maxLength: 4000 }), ...Grantee, active: Type.Optional(Type.Boolean()) }, { additionalProperties: false });
const RulePatch = Type.Object(
  { name: Type.Optional(Name), condition: Type.Optional(Type.String({ minLength: 1, maxLength: 4000 })), granteeKind: Type.Optional(Grantee.granteeKind), granteeId: Type.Optional(Grantee.granteeId), access: Type.Optional(Grantee.access), active: Type.Optional(Type.Boolean()) },
  { additionalProperties: false, minProperties: 1 },
);
const UserAccess = Type.Object({ profile: Type.Optional(Type.String({ maxLength: 63 })), roleId: Type.Optional(Type.Union([Type.String({ format: 'uuid' }), Type.Null()])), permissionSetIds: Type.Optional(Type.Array(Type.String({ format: 'uuid' }), { maxItems: 50 })) }, { additionalProperties: false, minProperties: 1 });
const KeyAccess = Type.Object({ permissionSetIds: Type.Union([Type.Array(Type.String({ format: 'uuid' }), { maxItems: 50 }), Type.Null()]) }, { additionalProperties: false });
const NewAutomation = Type.Object({ kind: Type.Union([Type.Literal('script'), Type.Literal('workflow'), Type.Literal('plugin')]), name: Name, profile: Type.String({ maxLength: 63 }), roleId: Type.Optional(Type.String({ format: 'uuid' })) }, { additionalProperties: false });
const ShareParams = Type.Object({ object: Type.String({ maxLength: 100 }), id: Type.String({ maxLength: 100 }) });
const NewShare = Type.Object({ ...Grantee }, { additionalProperties: false });
const Explain = Type.Object({ user: Type.String({ format: 'uuid' }), object: Type.String({ maxLength: 100 }), record: Type.Optional(Type.String({ maxLength: 100 })), field: Type.Optional(Type.String({ maxLength: 100 })) }, { additionalProperties: false });
const MyRecordsParams = Type.Object({ object: Type.String({ maxLength: 100 }) });
const MyRecordsQuery = Type.Object({ ids: Type.String({ minLength: 1, maxLength: 200 * 37 }) }, { additionalProperties: false });
const AuditQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })) }, { additionalProperties: false });

interface SetRow {
  id: string;
  key: string;
  name: string;
  description: string;
  system: boolean;
  grants: Grants;
}

/**
 * Setup of access (ADR 0012): permission sets, profiles, roles, groups, org-wide defaults,
 * sharing rules, manual shares, who holds what, the explainer and the audit trail. Reading and
 * changing them needs the Setup right `access`; every change is audited in its transaction.
 */
export async function accessRoutes(app: FastifyInstance, options: { access: AccessService; sharing: SharingRules; metadata: MetadataService }): Promise<void> {
  const { access, sharing, metadata } = options;
  const db = access.db;
  const manager = async (request: FastifyRequest) => {
    const principal = principalOf(request);
    await access.requireSetup(principal, 'access');
    return principal;
  };
  const change = <T>(principal: Principal, work: (q: Queryable) => Promise<T>) => access.change(principal.tenantId, work);
  const audit = (q: Queryable, p: Principal, action: string, subject: string, detail: Record<string, unknown>) => AccessService.audit(q, p.tenantId, actorOf(p), action, subject, detail);
  const read = async <T>(p: Principal, work: (q: Queryable) => Promise<T>) => {
    await access.ensureDefaults(p.tenantId);
    return db.withTenant(p.tenantId, work);
  };

  /** What the caller may do, for the studio to hide what it cannot (never a substitute for the checks). */
  app.get('/access/me', async (request) => {
    const principal = principalOf(request);
    const shape = await access.shapeOf(principal);
    const model = await metadata.model(principal.tenantId);
    const objects: Record<string, unknown> = {};
    for (const object of model.snapshot.objects) {
      const rights = shape.objectRights(object.id);
      if (!rights.read) continue;
      objects[object.apiName] = {
        ...rights,
        recordDefault: shape.recordDefault(object.id),
        fields: Object.fromEntries(model.liveFields(object).map((f) => [f.apiName, shape.fieldLevel(object.id, f.id)])),
      };
    }
    // Emptying the whole bin needs modify all on every object, the ones this user cannot see too:
    // the studio cannot tell that from `objects`, which lists only those it can.
    const recycleBin = { emptyAll: model.snapshot.objects.every((o) => shape.can(o.id, 'modifyAll')) };
    return { setup: shape.setupRights(), objects, recycleBin };
  });

  /**
   * What the signed-in user may do with some records of an object (`ids`: at most 200, comma
   * separated), so the studio offers Edit and Delete, inline edit and bulk actions only where the
   * save would be allowed. Records the user cannot read (or that do not exist) are left out.
   */
  app.get('/access/me/records/:object', { schema: { params: MyRecordsParams, querystring: MyRecordsQuery } }, async (request) => {
    const principal = principalOf(request);
    const { object: objectName } = request.params as Static<typeof MyRecordsParams>;
    const ids = [...new Set((request.query as Static<typeof MyRecordsQuery>).ids.split(',').map((id) => id.trim().toLowerCase()))];
    const bad = ids.filter((id) => !UUID.test(id));
    if (bad.length) throw validationError('The ids are not valid', [{ field: 'ids', code: 'format', message: `'${bad[0]}' is not a record id` }]);
    if (ids.length > 200) throw validationError('Too many ids', [{ field: 'ids', code: 'maxItems', message: 'at most 200 ids at a time' }]);
    const model = await metadata.model(principal.tenantId);
    const object = model.object(objectName);
    const shape = await access.shapeOf(principal);
    if (!object || !shape.can(object.id, 'read')) throw notFound(`No object named '${objectName}'`);
    const rights = await db.withTenant(principal.tenantId, (q) => recordRightsOf(q, shape, object, ids));
    return { records: Object.fromEntries(rights) };
  });

  app.get('/access/permission-sets', async (request) => {
    const p = await manager(request);
    return read(p, (q) => q.query<SetRow>('select id, key, name, description, system, grants from acl_permission_set where tenant_id = $1 order by system desc, name', [p.tenantId]));
  });

  app.post('/access/permission-sets', { schema: { body: NewSet } }, async (request, reply) => {
    const p = await manager(request);
    const body = request.body as Static<typeof NewSet>;
    const grants = grantsByIds(await metadata.model(p.tenantId), body.grants);
    const id = randomUUID();
    const row = await change(p, async (q) => {
      const rows = await q.query<SetRow>(
        'insert into acl_permission_set (tenant_id, id, key, name, description, grants) values ($1, $2, $3, $4, $5, $6) on conflict do nothing returning id, key, name, description, system, grants',
        [p.tenantId, id, body.key, body.name, body.description ?? '', JSON.stringify(grants)],
      );
      if (!rows[0]) throw validationError('A permission set with this key exists', [{ field: 'key', code: 'unique', message: 'is already used' }], 409);
      await audit(q, p, 'permissionSet.create', `permission set ${body.key}`, { grants });
      return rows[0];
    });
    return reply.status(201).send(row);
  });

  app.patch('/access/permission-sets/:id', { schema: { params: Id, body: SetPatch } }, async (request) => {
    const p = await manager(request);
    const { id } = request.params as Static<typeof Id>;
    const body = request.body as Static<typeof SetPatch>;
    return change(p, async (q) => {
      const before = (await q.query<SetRow>('select * from acl_permission_set where tenant_id = $1 and id = $2', [p.tenantId, UUID.test(id) ? id : null]))[0];
      if (!before) throw notFound('No such permission set');
      if (before.system) throw forbidden('The built-in permission sets cannot be changed; make a copy');
      const grants = body.grants && grantsByIds(await metadata.model(p.tenantId), body.grants, before.grants);
      const rows = await q.query<SetRow>(
        `update acl_permission_set set name = coalesce($3, name), description = coalesce($4, description), grants = coalesce($5, grants), updated_at = now()
          where tenant_id = $1 and id = $2 returning id, key, name, description, system, grants`,
        [p.tenantId, id, body.name ?? null, body.description ?? null, grants ? JSON.stringify(grants) : null],
      );
      await audit(q, p, 'permissionSet.update', `permission set ${before.key}`, { before: before.grants, after: rows[0]!.grants });
      return rows[0];
    });
  });

  app.delete('/access/permission-sets/:id', { schema: { params: Id } }, async (request, reply) => {
    const p = await manager(request);
    const { id } = request.params as Static<typeof Id>;
    await change(p, async (q) => {
      const rows = await q.query<SetRow>('delete from acl_permission_set where tenant_id = $1 and id = $2 and not system returning key', [p.tenantId, UUID.test(id) ? id : null]);
      if (!rows[0]) throw notFound('No such permission set (built-in sets cannot be deleted)');
      await q.query('delete from acl_assignment where tenant_id = $1 and permission_set_id = $2', [p.tenantId, id]);
      await q.query('update acl_profile set permission_set_ids = array_remove(permission_set_ids, $2) where tenant_id = $1', [p.tenantId, id]);
      await q.query('update api_key set permission_set_ids = array_remove(permission_set_ids, $2) where tenant_id = $1 and permission_set_ids is not null', [p.tenantId, id]);
      await audit(q, p, 'permissionSet.delete', `permission set ${rows[0].key}`, {});
    });
    return reply.status(204).send();
  });

  app.get('/access/profiles', async (request) => {
    const p = await manager(request);
    return read(p, (q) => q.query('select id, key, name, system, permission_set_ids as "permissionSetIds" from acl_profile where tenant_id = $1 order by system desc, name', [p.tenantId]));
  });

  app.post('/access/profiles', { schema: { body: NewProfile } }, async (request, reply) => {
    const p = await manager(request);
    const body = request.body as Static<typeof NewProfile>;
    const row = await change(p, async (q) => {
      await requireSets(q, p.tenantId, body.permissionSetIds);
      const rows = await q.query('insert into acl_profile (tenant_id, id, key, name, permission_set_ids) values ($1, $2, $3, $4, $5) on conflict do nothing returning id, key, name, system, permission_set_ids as "permissionSetIds"', [
        p.tenantId,
        randomUUID(),
        body.key,
        body.name,
        body.permissionSetIds,
      ]);
      if (!rows[0]) throw validationError('A profile with this key exists', [{ field: 'key', code: 'unique', message: 'is already used' }], 409);
      await audit(q, p, 'profile.create', `profile ${body.key}`, { permissionSetIds: body.permissionSetIds });
      return rows[0];
    });
    return reply.status(201).send(row);
  });

  app.patch('/access/profiles/:id', { schema: { params: Id, body: ProfilePatch } }, async (request) => {
    const p = await manager(request);
    const { id } = request.params as Static<typeof Id>;
    const body = request.body as Static<typeof ProfilePatch>;
    return change(p, async (q) => {
      const before = (await q.query<{ key: string; system: boolean; permission_set_ids: string[] }>('select key, system, permission_set_ids from acl_profile where tenant_id = $1 and id = $2', [p.tenantId, UUID.test(id) ? id : null]))[0];
      if (!before) throw notFound('No such profile');
      if (before.system && body.permissionSetIds) throw forbidden('The built-in profiles keep their permission sets; assign extra sets to users instead');
      if (body.permissionSetIds) await requireSets(q, p.tenantId, body.permissionSetIds);
      const rows = await q.query('update acl_profile set name = coalesce($3, name), permission_set_ids = coalesce($4, permission_set_ids) where tenant_id = $1 and id = $2 returning id, key, name, system, permission_set_ids as "permissionSetIds"', [
        p.tenantId,
        id,
        body.name ?? null,
        body.permissionSetIds ?? null,
      ]);
      await audit(q, p, 'profile.update', `profile ${before.key}`, { before: before.permission_set_ids, after: body.permissionSetIds ?? before.permission_set_ids });
      return rows[0];
    });
  });

  app.get('/access/roles', async (request) => {
    const p = await manager(request);
    return read(p, (q) => q.query('select id, name, parent_id as "parentId", path from acl_role where tenant_id = $1 order by array_length(path, 1), name', [p.tenantId]));
  });

  app.post('/access/roles', { schema: { body: NewRole } }, async (request, reply) => {
    const p = await manager(request);
    const body = request.body as Static<typeof NewRole>;
    const id = randomUUID();
    const row = await change(p, async (q) => {
      const parent = body.parentId ? (await q.query<{ path: string[] }>('select path from acl_role where tenant_id = $1 and id = $2', [p.tenantId, body.parentId]))[0] : undefined;
      if (body.parentId && !parent) throw validationError('The role is invalid', [{ field: 'parentId', code: 'unknown', message: 'is not a role of this workspace' }]);
      const rows = await q.query('insert into acl_role (tenant_id, id, name, parent_id, path) values ($1, $2, $3, $4, $5) returning id, name, parent_id as "parentId", path', [
        p.tenantId,
        id,
        body.name,
        body.parentId ?? null,
        [...(parent?.path ?? []), id],
      ]);
      await audit(q, p, 'role.create', `role ${body.name}`, { parentId: body.parentId ?? null });
      return rows[0];
    });
    return reply.status(201).send(row);
  });

  app.delete('/access/roles/:id', { schema: { params: Id } }, async (request, reply) => {
    const p = await manager(request);
    const { id } = request.params as Static<typeof Id>;
    await change(p, async (q) => {
      const role = (await q.query<{ name: string }>('select name from acl_role where tenant_id = $1 and id = $2', [p.tenantId, UUID.test(id) ? id : null]))[0];
      if (!role) throw notFound('No such role');
      const below = await q.query('select 1 from acl_role where tenant_id = $1 and parent_id = $2 limit 1', [p.tenantId, id]);
      const holders = await q.query('select 1 from app_user where tenant_id = $1 and access_role_id = $2 limit 1', [p.tenantId, id]);
      const approving = await workflowsNamingRole(q, p.tenantId, id);
      if (below.length || holders.length || approving.length) {
        const why = below.length ? 'has roles below it' : holders.length ? 'is held by users' : `asks for approval in the workflow ${approving.map((label) => `'${label}'`).join(', ')}`;
        throw validationError('The role is in use', [{ field: 'id', code: 'inUse', message: why }], 409);
      }
      await q.query('delete from acl_role where tenant_id = $1 and id = $2', [p.tenantId, id]);
      await audit(q, p, 'role.delete', `role ${role.name}`, {});
    });
    return reply.status(204).send();
  });

  app.get('/access/groups', async (request) => {
    const p = await manager(request);
    return read(p, (q) =>
      q.query(
        `select g.id, g.name, coalesce(jsonb_agg(jsonb_build_object('kind', m.member_kind, 'id', m.member_id)) filter (where m.member_id is not null), '[]') as members
           from acl_group g left join acl_group_member m on m.tenant_id = g.tenant_id and m.group_id = g.id
          where g.tenant_id = $1 group by g.id, g.name order by g.name`,
        [p.tenantId],
      ),
    );
  });

  app.post('/access/groups', { schema: { body: NewGroup } }, async (request, reply) => {
    const p = await manager(request);
    const body = request.body as Static<typeof NewGroup>;
    const row = await change(p, async (q) => {
      const rows = await q.query('insert into acl_group (tenant_id, id, name) values ($1, $2, $3) returning id, name', [p.tenantId, randomUUID(), body.name]);
      await audit(q, p, 'group.create', `group ${body.name}`, {});
      return { ...rows[0], members: [] };
    });
    return reply.status(201).send(row);
  });

  app.put('/access/groups/:id/members', { schema: { params: Id, body: Members } }, async (request) => {
    const p = await manager(request);
    const { id } = request.params as Static<typeof Id>;
    const { members } = request.body as Static<typeof Members>;
    return change(p, async (q) => {
      const group = (await q.query<{ name: string }>('select name from acl_group where tenant_id = $1 and id = $2', [p.tenantId, UUID.test(id) ? id : null]))[0];
      if (!group) throw notFound('No such group');
      await requirePrincipals(q, p.tenantId, members.map((m, i) => ({ ...m, field: `members/${i}/id` })));
      await q.query('delete from acl_group_member where tenant_id = $1 and group_id = $2', [p.tenantId, id]);
      await q.query(
        'insert into acl_group_member (tenant_id, group_id, member_kind, member_id) select $1, $2, k, m from unnest($3::text[], $4::uuid[]) as x(k, m) on conflict do nothing',
        [p.tenantId, id, members.map((m) => m.kind), members.map((m) => m.id)],
      );
      await audit(q, p, 'group.members', `group ${group.name}`, { members });
      return { id, name: group.name, members };
    });
  });

  app.get('/access/sharing', async (request) => {
    const p = await manager(request);
    const model = await metadata.model(p.tenantId);
    const rows = await read(p, (q) => q.query<{ object_id: string; default_access: RecordDefault }>('select object_id, default_access from acl_object_access where tenant_id = $1', [p.tenantId]));
    const set = new Map(rows.map((r) => [r.object_id, r.default_access]));
    return { objects: Object.fromEntries(model.snapshot.objects.map((o) => [o.apiName, set.get(o.id) ?? 'edit'])) };
  });

  app.put('/access/sharing', { schema: { body: Defaults } }, async (request) => {
    const p = await manager(request);
    const model = await metadata.model(p.tenantId);
    const { objects } = request.body as Static<typeof Defaults>;
    const unknown = Object.keys(objects).filter((name) => !model.object(name));
    if (unknown.length) throw validationError('Unknown objects', unknown.map((name) => ({ field: `objects.${name}`, code: 'unknown', message: 'is not an object of this workspace' })));
    await change(p, async (q) => {
      for (const [name, level] of Object.entries(objects)) {
        const object = model.object(name)!;
        await q.query('insert into acl_object_access (tenant_id, object_id, default_access) values ($1, $2, $3) on conflict (tenant_id, object_id) do update set default_access = excluded.default_access', [p.tenantId, object.id, level]);
      }
      await audit(q, p, 'sharing.defaults', 'org-wide defaults', { objects });
    });
    return { objects };
  });

  const ruleView = (r: Record<string, unknown>, objectName: string) => ({
    id: r['id'],
    object: objectName,
    name: r['name'],
    condition: r['condition'],
    granteeKind: r['grantee_kind'],
    granteeId: r['grantee_id'],
    access: r['access'],
    active: r['active'],
  });

  app.get('/access/sharing-rules', async (request) => {
    const p = await manager(request);
    const model = await metadata.model(p.tenantId);
    const rows = await read(p, (q) => q.query<Record<string, unknown>>('select * from acl_sharing_rule where tenant_id = $1 order by created_at', [p.tenantId]));
    return rows.map((r) => ruleView(r, model.objectById(String(r['object_id']))?.apiName ?? String(r['object_id'])));
  });

  const recalc = async (p: Principal, ruleId: string, objectId: string) => {
    await sharing.rulesChanged(objectId);
    const started = Date.now();
    const { matched } = await sharing.recalculate(p.tenantId, await metadata.model(p.tenantId), ruleId);
    return { matched, ms: Date.now() - started };
  };

  app.post('/access/sharing-rules', { schema: { body: NewRule } }, async (request, reply) => {
    const p = await manager(request);
    const body = request.body as Static<typeof NewRule>;
    const model = await metadata.model(p.tenantId);
    const object = model.object(body.object);
    if (!object) throw validationError('The sharing rule is invalid', [{ field: 'object', code: 'unknown', message: `no object named '${body.object}'` }]);
    compileRuleCondition(model, object, body.condition);
    const id = randomUUID();
    const row = await change(p, async (q) => {
      await requirePrincipals(q, p.tenantId, [{ kind: body.granteeKind, id: body.granteeId, field: 'granteeId' }]);
      const rows = await q.query<Record<string, unknown>>(
        'insert into acl_sharing_rule (tenant_id, id, object_id, name, condition, grantee_kind, grantee_id, access, active) values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning *',
        [p.tenantId, id, object.id, body.name, body.condition, body.granteeKind, body.granteeId, body.access, body.active ?? true],
      );
      await audit(q, p, 'sharingRule.create', `sharing rule ${body.name}`, { object: object.apiName, condition: body.condition, grantee: { kind: body.granteeKind, id: body.granteeId }, access: body.access });
      return rows[0]!;
    });
    const applied = await recalc(p, id, object.id);
    return reply.status(201).send({ ...ruleView(row, object.apiName), applied });
  });

  app.patch('/access/sharing-rules/:id', { schema: { params: Id, body: RulePatch } }, async (request) => {
    const p = await manager(request);
    const { id } = request.params as Static<typeof Id>;
    const body = request.body as Static<typeof RulePatch>;
    const model = await metadata.model(p.tenantId);
    const row = await change(p, async (q) => {
      const before = (await q.query<Record<string, unknown>>('select * from acl_sharing_rule where tenant_id = $1 and id = $2', [p.tenantId, UUID.test(id) ? id : null]))[0];
      if (!before) throw notFound('No such sharing rule');
      const object = model.objectById(String(before['object_id']));
      if (body.condition && object) compileRuleCondition(model, object, body.condition);
      if (body.granteeKind !== undefined || body.granteeId !== undefined) {
        const kind = body.granteeKind ?? (before['grantee_kind'] as 'user' | 'role' | 'group');
        await requirePrincipals(q, p.tenantId, [{ kind, id: body.granteeId ?? String(before['grantee_id']), field: body.granteeId === undefined ? 'granteeKind' : 'granteeId' }]);
      }
      const rows = await q.query<Record<string, unknown>>(
        `update acl_sharing_rule set name = coalesce($3, name), condition = coalesce($4, condition), grantee_kind = coalesce($5, grantee_kind), grantee_id = coalesce($6, grantee_id),
                access = coalesce($7, access), active = coalesce($8, active), updated_at = now() where tenant_id = $1 and id = $2 returning *`,
        [p.tenantId, id, body.name ?? null, body.condition ?? null, body.granteeKind ?? null, body.granteeId ?? null, body.access ?? null, body.active ?? null],
      );
      await audit(q, p, 'sharingRule.update', `sharing rule ${String(before['name'])}`, { before: { condition: before['condition'], access: before['access'], active: before['active'] }, after: body });
      return rows[0]!;
    });
    const applied = await recalc(p, id, String(row['object_id']));
    return { ...ruleView(row, model.objectById(String(row['object_id']))?.apiName ?? ''), applied };
  });

  app.delete('/access/sharing-rules/:id', { schema: { params: Id } }, async (request, reply) => {
    const p = await manager(request);
    const { id } = request.params as Static<typeof Id>;
    await change(p, async (q) => {
      const rows = await q.query<{ name: string }>('delete from acl_sharing_rule where tenant_id = $1 and id = $2 returning name', [p.tenantId, UUID.test(id) ? id : null]);
      if (!rows[0]) throw notFound('No such sharing rule');
      await q.query('delete from record_share where tenant_id = $1 and source = $2', [p.tenantId, `rule:${id}`]);
      await audit(q, p, 'sharingRule.delete', `sharing rule ${rows[0].name}`, {});
    });
    return reply.status(204).send();
  });

  /** Manual shares of one record: its owner, a manager above the owner, or modify-all may share it. */
  const sharedRecord = async (request: FastifyRequest) => {
    const principal = principalOf(request);
    const params = request.params as Static<typeof ShareParams>;
    const model = await metadata.model(principal.tenantId);
    const object = model.object(params.object);
    const shape = await access.shapeOf(principal);
    if (!object || !shape.can(object.id, 'read')) throw notFound(`No object named '${params.object}'`);
    const row = UUID.test(params.id)
      ? (await db.withTenant(principal.tenantId, (q) => q.query<RecordRow>(`select ${ROW_COLUMNS} from record where tenant_id = $1 and object_id = $2 and id = $3 and deleted_at is null`, [principal.tenantId, object.id, params.id])))[0]
      : undefined;
    const level = row ? await db.withTenant(principal.tenantId, (q) => recordWriteAccess(q, shape, object, row)) : 'none';
    if (!row || level === 'none') throw notFound(`No record with id '${params.id}'`);
    return { principal, object, row, level, shape };
  };

  app.get('/records/:object/:id/shares', { schema: { params: ShareParams } }, async (request) => {
    const { principal, row } = await sharedRecord(request);
    return db.withTenant(principal.tenantId, (q) =>
      q.query('select grantee as "granteeId", access, source, created_at as "createdAt" from record_share where tenant_id = $1 and record_id = $2 order by created_at', [principal.tenantId, row.id]),
    );
  });

  app.post('/records/:object/:id/shares', { schema: { params: ShareParams, body: NewShare } }, async (request, reply) => {
    const { principal, object, row, level } = await sharedRecord(request);
    if (level !== 'full') throw forbidden('Only the owner, a manager above the owner, or someone who may modify all of them may share this record');
    const body = request.body as Static<typeof NewShare>;
    await change(principal, async (q) => {
      await requirePrincipals(q, principal.tenantId, [{ kind: body.granteeKind, id: body.granteeId, field: 'granteeId' }]);
      await q.query(
        `insert into record_share (tenant_id, record_id, grantee, object_id, access, source, created_by) values ($1, $2, $3, $4, $5, 'manual', $6)
         on conflict (tenant_id, record_id, grantee, source) do update set access = excluded.access`,
        [principal.tenantId, row.id, body.granteeId, object.id, body.access, principal.userId],
      );
      await audit(q, principal, 'share.grant', `${object.apiName} ${row.id}`, { grantee: { kind: body.granteeKind, id: body.granteeId }, access: body.access });
    });
    return reply.status(201).send({ granteeId: body.granteeId, access: body.access, source: 'manual' });
  });

  app.delete('/records/:object/:id/shares/:grantee', { schema: { params: Type.Object({ object: Type.String({ maxLength: 100 }), id: Type.String({ maxLength: 100 }), grantee: Type.String({ format: 'uuid' }) }) } }, async (request, reply) => {
    const { principal, object, row, level } = await sharedRecord(request);
    if (level !== 'full') throw forbidden('Only the owner, a manager above the owner, or someone who may modify all of them may change who this record is shared with');
    const { grantee } = request.params as { grantee: string };
    await change(principal, async (q) => {
      await q.query(`delete from record_share where tenant_id = $1 and record_id = $2 and grantee = $3 and source = 'manual'`, [principal.tenantId, row.id, grantee]);
      await audit(q, principal, 'share.revoke', `${object.apiName} ${row.id}`, { grantee });
    });
    return reply.status(204).send();
  });

  app.get('/access/users', async (request) => {
    const p = await manager(request);
    return read(p, (q) =>
      q.query(
        `select u.id, u.name, u.email, u.role as profile, u.access_role_id as "roleId", coalesce(array_agg(a.permission_set_id) filter (where a.permission_set_id is not null), '{}') as "permissionSetIds"
           from app_user u left join acl_assignment a on a.tenant_id = u.tenant_id and a.principal_id = u.id
          where u.tenant_id = $1 group by u.tenant_id, u.id order by u.name`,
        [p.tenantId],
      ),
    );
  });

  app.put('/access/users/:id', { schema: { params: Id, body: UserAccess } }, async (request) => {
    const p = await manager(request);
    const { id } = request.params as Static<typeof Id>;
    const body = request.body as Static<typeof UserAccess>;
    const result = await change(p, async (q) => {
      const user = (await q.query<{ name: string; role: string; access_role_id: string | null }>('select name, role, access_role_id from app_user where tenant_id = $1 and id = $2', [p.tenantId, UUID.test(id) ? id : null]))[0];
      if (!user) throw notFound('No such user');
      if (body.profile !== undefined && !(await q.query('select 1 from acl_profile where tenant_id = $1 and key = $2', [p.tenantId, body.profile])).length) {
        throw validationError('Unknown profile', [{ field: 'profile', code: 'unknown', message: `no profile '${body.profile}'` }]);
      }
      if (body.roleId && !(await q.query('select 1 from acl_role where tenant_id = $1 and id = $2', [p.tenantId, body.roleId])).length) {
        throw validationError('Unknown role', [{ field: 'roleId', code: 'unknown', message: 'is not a role of this workspace' }]);
      }
      if (body.permissionSetIds) await requireSets(q, p.tenantId, body.permissionSetIds);
      if (id === p.userId && body.profile !== undefined && body.profile !== 'admin' && user.role === 'admin') {
        throw validationError('You cannot take Setup away from yourself', [{ field: 'profile', code: 'self', message: 'ask another administrator' }]);
      }
      await q.query('update app_user set role = coalesce($3, role), access_role_id = case when $4::boolean then $5::uuid else access_role_id end where tenant_id = $1 and id = $2', [
        p.tenantId,
        id,
        body.profile ?? null,
        body.roleId !== undefined,
        body.roleId ?? null,
      ]);
      if (body.permissionSetIds) {
        await q.query('delete from acl_assignment where tenant_id = $1 and principal_id = $2', [p.tenantId, id]);
        await q.query('insert into acl_assignment (tenant_id, principal_id, permission_set_id) select $1, $2, unnest($3::uuid[])', [p.tenantId, id, body.permissionSetIds]);
      }
      await audit(q, p, 'user.access', `user ${user.name}`, { before: { profile: user.role, roleId: user.access_role_id }, after: body });
      return { id, ...body };
    });
    // The profile is part of the signed-in principal: cached sign-ins of the user are forgotten.
    await db.notify('protean_auth', JSON.stringify({ tenantId: p.tenantId, userId: id }));
    return result;
  });

  /** An API key's own permission sets: never more than its creator holds, checked now and at every use. */
  app.put('/access/api-keys/:id', { schema: { params: Id, body: KeyAccess } }, async (request) => {
    const p = principalOf(request);
    const { id } = request.params as Static<typeof Id>;
    const { permissionSetIds } = request.body as Static<typeof KeyAccess>;
    const shape = await access.shapeOf(p);
    const key = UUID.test(id) ? (await db.withTenant(p.tenantId, (q) => q.query<{ user_id: string; name: string }>('select user_id, name from api_key where tenant_id = $1 and id = $2 and revoked_at is null', [p.tenantId, id])))[0] : undefined;
    if (!key || (key.user_id !== p.userId && !shape.setup('keys'))) throw notFound('No such API key');
    const creator = await db.withTenant(p.tenantId, (q) => q.query<{ role: string; name: string }>('select role, name from app_user where tenant_id = $1 and id = $2', [p.tenantId, key.user_id]));
    const creatorShape = await access.shapeOf({ ...p, userId: key.user_id, role: creator[0]?.role ?? 'none', via: 'session', apiKeyId: undefined as never });
    await change(p, async (q) => {
      if (permissionSetIds) {
        const sets = await requireSets(q, p.tenantId, permissionSetIds);
        const problems = sets.flatMap((set) => exceeding(set.grants, creatorShape).map((what) => ({ field: 'permissionSetIds', code: 'exceedsCreator', message: `${set.name} grants ${what}, which the key's creator does not hold` })));
        if (problems.length) throw new ProblemError('forbidden', 403, 'An API key cannot hold more than the user who created it', problems);
      }
      // Asked with a key, the result never exceeds that key: a key narrowed to reading could
      // otherwise widen itself (or a sibling) back to its creator's access. No sets means the creator's.
      if (p.via === 'apiKey') {
        const granted = permissionSetIds ? await requireSets(q, p.tenantId, permissionSetIds) : creatorShape.sets;
        const problems = granted.flatMap((set) => exceeding(set.grants, shape).map((what) => ({ field: 'permissionSetIds', code: 'exceedsKey', message: `${set.name} grants ${what}, which the key asking does not hold` })));
        if (problems.length) throw new ProblemError('forbidden', 403, 'An API key cannot give a key more than it holds itself', problems);
      }
      await q.query('update api_key set permission_set_ids = $3 where tenant_id = $1 and id = $2', [p.tenantId, id, permissionSetIds]);
      await audit(q, p, 'apiKey.access', `API key ${key.name}`, { permissionSetIds });
    });
    await db.notify('protean_auth', JSON.stringify({ tenantId: p.tenantId, userId: key.user_id }));
    return { id, permissionSetIds };
  });

  app.post('/access/automations', { schema: { body: NewAutomation } }, async (request, reply) => {
    const p = await manager(request);
    const body = request.body as Static<typeof NewAutomation>;
    const id = randomUUID();
    await change(p, async (q) => {
      if (!(await q.query('select 1 from acl_profile where tenant_id = $1 and key = $2', [p.tenantId, body.profile])).length) throw validationError('Unknown profile', [{ field: 'profile', code: 'unknown', message: `no profile '${body.profile}'` }]);
      if (body.roleId && !(await q.query('select 1 from acl_role where tenant_id = $1 and id = $2', [p.tenantId, body.roleId])).length) {
        throw validationError('Unknown role', [{ field: 'roleId', code: 'unknown', message: 'is not a role of this workspace' }]);
      }
      await q.query('insert into acl_automation (tenant_id, id, kind, name, profile, access_role_id) values ($1, $2, $3, $4, $5, $6)', [p.tenantId, id, body.kind, body.name, body.profile, body.roleId ?? null]);
      await audit(q, p, 'automation.create', `${body.kind} ${body.name}`, { profile: body.profile });
    });
    return reply.status(201).send({ id, ...body });
  });

  app.get('/access/explain', { schema: { querystring: Explain } }, async (request) => {
    const p = await manager(request);
    const query = request.query as Static<typeof Explain>;
    const model = await metadata.model(p.tenantId);
    const object = model.object(query.object);
    if (!object) throw notFound(`No object named '${query.object}'`);
    const user = (await read(p, (q) => q.query<{ id: string; name: string; role: string }>('select id, name, role from app_user where tenant_id = $1 and id = $2', [p.tenantId, query.user])))[0];
    if (!user) throw notFound('No such user');
    const shape = await access.shapeOf({ ...p, userId: user.id, userName: user.name, role: user.role, via: 'session', apiKeyId: undefined as never });
    const grantedBy = (test: (g: Grants) => boolean) => shape.sets.filter((s) => test(s.grants)).map((s) => s.name);
    const objectRights = Object.fromEntries(
      OBJECT_ACTIONS.map((a) => [a, { allowed: shape.can(object.id, a), by: grantedBy((g) => (g.objects[object.id] ?? g.objects['*'])?.[a] === true || (g.objects[object.id] ?? g.objects['*'])?.modifyAll === true) }]),
    );
    const out: Record<string, unknown> = { user: { id: user.id, name: user.name, profile: user.role }, object: object.apiName, objectRights, permissionSets: shape.sets.map((s) => s.name) };
    if (query.field) {
      const field = model.field(object, query.field);
      if (!field) throw notFound(`No field named '${query.field}'`);
      const level = shape.fieldLevel(object.id, field.id);
      out['field'] = {
        name: field.apiName,
        level,
        because: shape.sets.map((s) => ({ permissionSet: s.name, level: s.grants.fields[object.id]?.[field.id] ?? (shape.can(object.id, 'read') ? 'object default' : 'none') })),
      };
    }
    if (query.record) {
      const row = UUID.test(query.record)
        ? (await read(p, (q) => q.query<RecordRow>(`select ${ROW_COLUMNS} from record where tenant_id = $1 and object_id = $2 and id = $3`, [p.tenantId, object.id, query.record])))[0]
        : undefined;
      if (!row) throw notFound(`No record with id '${query.record}'`);
      out['record'] = await explainRecord(db, shape, object.id, row, grantedBy);
      const level = await db.withTenant(p.tenantId, (q) => recordWriteAccess(q, shape, object, row));
      out['can'] = { read: level !== 'none', edit: level === 'edit' || level === 'full', delete: level === 'full' && shape.can(object.id, 'delete') };
    }
    return out;
  });

  app.get('/access/audit', { schema: { querystring: AuditQuery } }, async (request) => {
    const p = await manager(request);
    const { limit } = request.query as Static<typeof AuditQuery>;
    return read(p, (q) =>
      q.query('select id, at, actor_id as "actorId", actor_name as "actorName", action, subject, detail from acl_audit where tenant_id = $1 order by at desc limit $2', [p.tenantId, limit ?? 100]),
    );
  });
}

/**
 * A set's grants with every object and field named by its id, as access checks read them: an API
 * name (or an old one) is taken for its id, and a name of nothing is refused with its path. A
 * field hidden under a name that matched nothing stayed visible to everyone given the set. Names
 * the set already held are kept (an object deleted since may come back with a restore).
 */
function grantsByIds(model: TenantModel, grants: Grants, before?: Grants): Grants {
  const problems: FieldProblem[] = [];
  const objects: Grants['objects'] = {};
  for (const [name, rights] of Object.entries(grants.objects)) {
    const object = name === '*' ? undefined : model.object(name);
    if (name === '*' || (!object && before?.objects[name])) objects[name] = rights;
    else if (object) objects[object.id] = rights;
    else problems.push({ field: `grants.objects.${name}`, code: 'unknown_object', message: `No object named '${name}'` });
  }
  const fields: Grants['fields'] = {};
  for (const [objectName, levels] of Object.entries(grants.fields)) {
    const object = model.object(objectName);
    if (!object && before?.fields[objectName]) {
      fields[objectName] = levels;
      continue;
    }
    if (!object) {
      problems.push({ field: `grants.fields.${objectName}`, code: 'unknown_object', message: `No object named '${objectName}'` });
      continue;
    }
    const byId: Record<string, 'none' | 'read' | 'edit'> = (fields[object.id] ??= {});
    for (const [fieldName, level] of Object.entries(levels)) {
      const field = object.fields.find((f) => f.id === fieldName) ?? object.fields.find((f) => f.apiName === fieldName || f.apiNameAliases.includes(fieldName));
      if (field) byId[field.id] = level;
      else if (before?.fields[objectName]?.[fieldName]) byId[fieldName] = level;
      else problems.push({ field: `grants.fields.${objectName}.${fieldName}`, code: 'unknown_field', message: `unknown field '${fieldName}' on '${object.apiName}'` });
    }
  }
  if (problems.length) throw validationError(problems.length === 1 ? problems[0]!.message : `${problems.length} values are invalid`, problems);
  return { ...grants, objects, fields };
}

/**
 * Refuses grantees and group members that are not a user, role or group of this workspace (an id
 * of another tenant's, or of nothing), each named with its field, as a permission set unknown here is.
 */
async function requirePrincipals(q: Queryable, tenantId: string, refs: readonly { kind: 'user' | 'role' | 'role_and_below' | 'group'; id: string; field: string }[]): Promise<void> {
  const ids = (kind: 'user' | 'role' | 'group') => refs.filter((r) => (r.kind === 'role_and_below' ? 'role' : r.kind) === kind).map((r) => r.id);
  const found = await q.query<{ kind: string; id: string }>(
    `select 'user' as kind, id from app_user where tenant_id = $1 and id = any($2::uuid[])
     union all select 'role', id from acl_role where tenant_id = $1 and id = any($3::uuid[])
     union all select 'group', id from acl_group where tenant_id = $1 and id = any($4::uuid[])`,
    [tenantId, ids('user'), ids('role'), ids('group')],
  );
  const known = new Set(found.map((f) => `${f.kind}:${f.id.toLowerCase()}`));
  const missing = refs.filter((r) => !known.has(`${r.kind === 'role_and_below' ? 'role' : r.kind}:${r.id.toLowerCase()}`));
  if (missing.length) throw validationError(missing.length === 1 ? `No ${missing[0]!.kind.replaceAll('_', ' ')} ${missing[0]!.id} in this workspace` : 'Unknown users, roles or groups', missing.map((r) => ({ field: r.field, code: 'unknown', message: `is not a ${r.kind === 'role_and_below' ? 'role' : r.kind} of this workspace` })));
}

async function requireSets(q: Queryable, tenantId: string, ids: string[]): Promise<{ id: string; name: string; grants: Grants }[]> {
  const sets = await q.query<{ id: string; name: string; grants: Grants }>('select id, name, grants from acl_permission_set where tenant_id = $1 and id = any($2::uuid[])', [tenantId, ids]);
  const missing = ids.filter((id) => !sets.some((s) => s.id === id));
  if (missing.length) throw validationError('Unknown permission sets', missing.map((id) => ({ field: 'permissionSetIds', code: 'unknown', message: `no permission set ${id}` })));
  return sets;
}

async function explainRecord(db: AccessService['db'], shape: AccessShape, objectId: string, row: RecordRow, grantedBy: (test: (g: Grants) => boolean) => string[]): Promise<{ because: string[] }> {
  const because: string[] = [];
  const viewAll = grantedBy((g) => (g.objects[objectId] ?? g.objects['*'])?.viewAll === true || (g.objects[objectId] ?? g.objects['*'])?.modifyAll === true);
  if (viewAll.length) because.push(`view all through ${viewAll.join(', ')}`);
  const fallback = shape.recordDefault(objectId);
  if (fallback !== 'private') because.push(`org-wide default: public ${fallback === 'edit' ? 'read/write' : 'read only'}`);
  const owner = ownerOf(row);
  if (owner === shape.principalId) because.push('owns the record');
  else if (owner && shape.owners.includes(owner)) because.push('the owner is in a role below theirs (role hierarchy)');
  const shares = await db.withTenant(shape.tenantId, (q) =>
    q.query<{ grantee: string; access: string; source: string; rule: string | null }>(
      `select s.grantee, s.access, s.source, r.name as rule from record_share s
         left join acl_sharing_rule r on r.tenant_id = s.tenant_id and s.source = 'rule:' || r.id::text
        where s.tenant_id = $1 and s.record_id = $2 and s.grantee = any($3::uuid[])`,
      [shape.tenantId, row.id, shape.grantees],
    ),
  );
  for (const s of shares) {
    const to = s.grantee === shape.principalId ? 'them' : s.grantee === shape.roleId ? 'their role' : shape.owners.includes(s.grantee) ? 'someone below them' : 'a group or role they belong to or manage';
    because.push(s.source === 'manual' ? `shared by hand with ${to} (${s.access})` : `sharing rule '${s.rule ?? s.source}' shares it with ${to} (${s.access})`);
  }
  if (because.length === 0) because.push('nothing grants access: the record is private and neither owned by them nor their team nor shared with them');
  return { because };
}
