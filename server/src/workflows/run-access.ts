import type { AccessService } from '../access/access-service.ts';
import type { AccessShape } from '../access/access-shape.ts';
import type { Principal } from '../auth/principal.ts';
import type { Queryable } from '../db/database.ts';

/**
 * The access a workflow's runs act with, read in the caller's transaction: its automation
 * principal's, or, before its first run made one, the profile of the user who activated it (what
 * the automation will be given). Undefined when the workflow or that user is gone.
 */
export async function runAccess(tx: Queryable, access: AccessService, tenantId: string, workflowId: string): Promise<AccessShape | undefined> {
  const [row] = await tx.query<{ automationId: string | null; name: string | null; profile: string | null; userId: string; userName: string; role: string; locale: string; slug: string; tenantName: string }>(
    `select w.automation_id as "automationId", a.name, a.profile, u.id as "userId", u.name as "userName", u.role, u.locale, t.slug, t.name as "tenantName"
       from workflow w join app_user u on u.tenant_id = w.tenant_id and u.id = w.run_as join tenant t on t.id = w.tenant_id
       left join acl_automation a on a.tenant_id = w.tenant_id and a.id = w.automation_id
      where w.tenant_id = $1 and w.id = $2`,
    [tenantId, workflowId],
  );
  if (!row) return undefined;
  const principal: Principal =
    row.automationId && row.profile
      ? { tenantId, tenantSlug: row.slug, tenantName: row.tenantName, userId: row.automationId, userName: row.name ?? '', role: row.profile, locale: row.locale, via: 'automation' }
      : // The user's own access, read as a user's: as an automation it would be looked for among automations and found nowhere.
        { tenantId, tenantSlug: row.slug, tenantName: row.tenantName, userId: row.userId, userName: row.userName, role: row.role, locale: row.locale, via: 'session' };
  return access.shapeOf(principal, tx);
}

