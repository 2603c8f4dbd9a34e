import type { Snapshot } from '@protean/metadata';
import type { Principal } from '../auth/principal.ts';
import type { Queryable } from '../db/database.ts';
import type { FieldProblem } from '../errors/problems.ts';
import type { Author } from '../metadata/metadata-service.ts';
import type { AccessService } from './access-service.ts';

/**
 * Restoring a revision answers for the workflow and script versions it brings back: each one whose
 * live version changes runs as its automation's profile, so the restorer must be able to give that
 * profile, as saving the version would require (ADR 0012). Otherwise a designer could put back
 * code written under their own profile after an administrator raised the automation's.
 */
export function automationRestoreGuard(access: AccessService) {
  return async (tx: Queryable, tenantId: string, current: Snapshot, next: Snapshot, author: Author): Promise<FieldProblem[]> => {
    if (!('via' in author) || !author.userId) return [];
    const problems: FieldProblem[] = [];
    for (const kind of ['workflows', 'scripts'] as const) {
      const before = new Map((current.automations?.[kind] ?? []).map((ref) => [ref.id, ref.version]));
      const brought = (next.automations?.[kind] ?? []).filter((ref) => before.get(ref.id) !== ref.version);
      if (!brought.length) continue;
      const profiles = await tx.query<{ id: string; profile: string }>(
        kind === 'scripts'
          ? 'select id::text as id, profile from acl_automation where tenant_id = $1 and id::text = any($2::text[])'
          : 'select w.id::text as id, a.profile from workflow w join acl_automation a on a.tenant_id = w.tenant_id and a.id = w.automation_id where w.tenant_id = $1 and w.id::text = any($2::text[])',
        [tenantId, brought.map((ref) => ref.id)],
      );
      for (const ref of brought) {
        const profile = profiles.find((p) => p.id === ref.id)?.profile;
        if (profile) problems.push(...(await access.grantExcess(author as Principal, profile, `${kind}.${ref.apiName}`, tx)));
      }
    }
    return problems;
  };
}
