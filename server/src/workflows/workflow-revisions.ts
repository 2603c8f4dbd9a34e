import { withAutomation, type Snapshot } from '@protean/metadata';
import type { Queryable } from '../db/database.ts';
import { TenantModel } from '../data/tenant-model.ts';
import type { Author } from '../metadata/metadata-service.ts';
import { syncSchedule } from './workflow-triggers.ts';
import { definitionAt, updateWorkflow, workflowRef } from './workflow-store.ts';

/**
 * Makes the workflow versions a revision names current (a restore names older ones). Each is
 * saved again as a new version with the old definition, checked against the model the revision
 * commits with: history is never rewritten, and runs already going keep the version they started on.
 * A workflow the revision names that no longer exists is dropped from it.
 */
export async function syncWorkflowVersions(tx: Queryable, tenantId: string, _current: Snapshot, next: Snapshot, author: Author): Promise<Snapshot> {
  const named = next.automations?.workflows ?? [];
  if (!named.length) return next;
  const rows = await tx.query<{ id: string; version: number }>('select id, version from workflow where tenant_id = $1', [tenantId]);
  const versions = new Map(rows.map((r) => [r.id, r.version]));
  let synced = next;
  let model: TenantModel | undefined;
  for (const ref of named) {
    const version = versions.get(ref.id);
    if (version === undefined) {
      synced = withAutomation(synced, 'workflows', ref.id, null);
      continue;
    }
    if (version === ref.version) continue;
    model ??= new TenantModel(tenantId, next);
    const definition = await definitionAt(tx, tenantId, ref.id, ref.version);
    const wf = await updateWorkflow(tx, tenantId, author.userId, model, ref.id, { definition, label: ref.label, message: `Restored version ${ref.version}` });
    await syncSchedule(tx, wf, await definitionAt(tx, tenantId, wf.id, wf.activeVersion ?? wf.version));
    synced = withAutomation(synced, 'workflows', ref.id, workflowRef(wf));
  }
  return synced;
}
