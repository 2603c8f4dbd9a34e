import type { ApproverDefinition } from '@protean/metadata/workflows';
import type { ObjectDef } from '@protean/metadata';
import type { Queryable } from '../db/database.ts';
import type { TenantModel } from '../data/tenant-model.ts';
import { UUID } from '../http/ids.ts';

/** One approver definition of a step and the active users it named when the step started; `nobody` says why it named none. */
export interface ResolvedApprover {
  approver: ApproverDefinition;
  users: string[];
  nobody?: string;
}

/** The record a run carries, by object API name and id. */
export interface RunRecord {
  object: string | null;
  id: string | null;
}

/**
 * Resolves an approval step's approvers to active users of the workspace, once, when the step
 * starts (ADR 0015, "Approvers by profile, role, field or manager"): a user; everyone with a
 * profile; everyone holding a role; the user in a user field of the run's record (or of the record
 * one of its lookups points at); the manager of such a user, who is whoever holds the role directly
 * above theirs. What each resolved to is kept with the request, so later changes to roles,
 * profiles or the record move no request already asked.
 */
export async function resolveApprovers(q: Queryable, tenantId: string, model: TenantModel, record: RunRecord, approvers: readonly ApproverDefinition[]): Promise<ResolvedApprover[]> {
  const out: ResolvedApprover[] = [];
  for (const approver of approvers) out.push(await resolveOne(q, tenantId, model, record, approver));
  return out;
}

async function resolveOne(q: Queryable, tenantId: string, model: TenantModel, record: RunRecord, approver: ApproverDefinition): Promise<ResolvedApprover> {
  const ids = async (sql: string, params: unknown[]) => (await q.query<{ id: string }>(sql, [tenantId, ...params])).map((r) => r.id);
  if ('user' in approver) {
    const id = approver.user.trim().toLowerCase();
    if (!UUID.test(id)) return { approver, users: [], nobody: `'${approver.user}' is not a user id` };
    const users = await ids('select id from app_user where tenant_id = $1 and id = $2 and active', [id]);
    return users.length ? { approver, users } : { approver, users, nobody: `the user ${id} is not an active user of this workspace` };
  }
  if ('profile' in approver) {
    const users = await ids('select id from app_user where tenant_id = $1 and role = $2 and active order by name, id', [approver.profile]);
    return users.length ? { approver, users } : { approver, users, nobody: `no active user has the profile '${approver.profile}'` };
  }
  if ('role' in approver) {
    const role = await roleName(q, tenantId, approver.role);
    if (role === undefined) return { approver, users: [], nobody: `the role ${approver.role} no longer exists` };
    const users = await ids('select id from app_user where tenant_id = $1 and access_role_id = $2 and active order by name, id', [approver.role]);
    return users.length ? { approver, users } : { approver, users, nobody: `no active user holds the role '${role}'` };
  }
  const path = 'field' in approver ? approver.field : approver.manager;
  const found = await userInField(q, tenantId, model, record, path);
  if (typeof found !== 'string') return { approver, users: [], nobody: found.nobody };
  if ('field' in approver) {
    const users = await ids('select id from app_user where tenant_id = $1 and id = $2 and active', [found]);
    return users.length ? { approver, users } : { approver, users, nobody: `the record's ${path} is not an active user` };
  }
  const [user] = await q.query<{ name: string; roleId: string | null; role: string | null; parentId: string | null; parent: string | null }>(
    `select u.name, r.id as "roleId", r.name as role, p.id as "parentId", p.name as parent
       from app_user u left join acl_role r on r.tenant_id = u.tenant_id and r.id = u.access_role_id left join acl_role p on p.tenant_id = r.tenant_id and p.id = r.parent_id
      where u.tenant_id = $1 and u.id = $2`,
    [tenantId, found],
  );
  if (!user) return { approver, users: [], nobody: `the record's ${path} is not a user of this workspace` };
  if (!user.roleId) return { approver, users: [], nobody: `${user.name} (the record's ${path}) holds no role, so has no manager` };
  if (!user.parentId) return { approver, users: [], nobody: `${user.name}'s role '${user.role}' has no role above it, so ${user.name} has no manager` };
  const users = await ids('select id from app_user where tenant_id = $1 and access_role_id = $2 and active order by name, id', [user.parentId]);
  return users.length ? { approver, users } : { approver, users, nobody: `no active user holds the role '${user.parent}' above ${user.name}'s` };
}

async function roleName(q: Queryable, tenantId: string, roleId: string): Promise<string | undefined> {
  if (!UUID.test(roleId)) return undefined;
  return (await q.query<{ name: string }>('select name from acl_role where tenant_id = $1 and id = $2', [tenantId, roleId]))[0]?.name;
}

/** The user id in a user field of the run's record (`owner`), or of the record a lookup of it points at (`organization.owner`). */
async function userInField(q: Queryable, tenantId: string, model: TenantModel, record: RunRecord, path: string): Promise<string | { nobody: string }> {
  const object = record.object ? model.object(record.object) : undefined;
  if (!object || !record.id) return { nobody: `the run has no record to read ${path} from` };
  const [first, second] = path.split('.') as [string, string | undefined];
  let value = await valueOf(q, tenantId, model, object, record.id, first);
  if (typeof value !== 'string') return { nobody: value.nobody };
  if (second !== undefined) {
    const lookup = model.field(object, first);
    const target = lookup?.lookup ? model.objectById(lookup.lookup.objectId) : undefined;
    if (!target) return { nobody: `'${first}' no longer points at an object` };
    if (!UUID.test(value)) return { nobody: `the record's ${first} is not a record id` };
    value = await valueOf(q, tenantId, model, target, value, second);
    if (typeof value !== 'string') return { nobody: `the record's ${first}: ${value.nobody}` };
  }
  return UUID.test(value) ? value.toLowerCase() : { nobody: `the record's ${path} is not a user id` };
}

async function valueOf(q: Queryable, tenantId: string, model: TenantModel, object: ObjectDef, id: string, fieldName: string): Promise<string | { nobody: string }> {
  const field = model.field(object, fieldName);
  if (!field) return { nobody: `'${object.apiName}' has no field '${fieldName}'` };
  // The standard owner field is the record's owner as record access counts it: the creator when it is empty.
  const [row] = await q.query<{ value: string | null }>(
    `select case when $4 = 'owner' then owner_id::text else data->>$4 end as value from record where tenant_id = $1 and object_id = $2 and id = $3 and deleted_at is null`,
    [tenantId, object.id, id, field.id],
  );
  if (!row) return { nobody: `the ${object.apiName} record ${id} no longer exists` };
  return row.value ? row.value : { nobody: `the record's ${fieldName} is empty` };
}
