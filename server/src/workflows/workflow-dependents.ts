import type { Snapshot } from '@protean/metadata';
import { validateWorkflow, type WorkflowDefinition } from '@protean/metadata/workflows';
import type { Queryable } from '../db/database.ts';
import { TenantModel } from '../data/tenant-model.ts';
import type { FieldProblem } from '../errors/problems.ts';
import { goneNames } from '../metadata/gone-names.ts';
import { workflowModel } from './workflow-store.ts';

/**
 * The metadata service's dependency check for workflows: a change of the model that a workflow's
 * latest or active version would no longer pass validation against (a field or object it names
 * deleted or renamed, an expression that no longer compiles) is refused, naming the workflow.
 * Runs pin their version, so a field a workflow stopped using may be deleted once no version in
 * use names it.
 */
export async function workflowDependents(tx: Queryable, tenantId: string, current: Snapshot, next: Snapshot): Promise<FieldProblem[]> {
  const rows = await tx.query<{ id: string; label: string; apiName: string; version: number; definition: WorkflowDefinition }>(
    `select w.id, w.label, w.api_name as "apiName", v.version, v.definition from workflow w
       join workflow_version v on v.tenant_id = w.tenant_id and v.workflow_id = w.id and (v.version = w.version or v.version = w.active_version)
      where w.tenant_id = $1 order by w.label, v.version`,
    [tenantId],
  );
  if (!rows.length) return [];
  const before = workflowModel(new TenantModel(tenantId, current));
  const after = workflowModel(new TenantModel(tenantId, next));
  const gone = goneNames(current, next).map((g) => g.name);
  const key = (e: { path: string; code: string }) => `${e.path}\n${e.code}`;
  const problems = new Map<string, FieldProblem>();
  for (const row of rows) {
    if (problems.has(row.id)) continue;
    const had = new Set(validateWorkflow(row.definition, before).map(key));
    const broken = validateWorkflow(row.definition, after).filter((e) => !had.has(key(e)));
    if (!broken.length) continue;
    const named = gone.filter((name) => broken.some((e) => e.message.includes(`'${name.split('.').at(-1)}'`)));
    const what = named.length ? named.map((n) => `'${n}'`).join(', ') : undefined;
    problems.set(row.id, {
      field: named[0] ?? broken[0]!.path,
      code: 'has_dependents',
      message: what
        ? `${what} ${named.length === 1 ? 'is' : 'are'} used by the workflow '${row.label}' (version ${row.version}, ${broken[0]!.path})`
        : `The change breaks the workflow '${row.label}' (version ${row.version}): ${broken[0]!.message} at ${broken[0]!.path}`,
      dependents: [{ kind: 'workflow', id: row.id, label: row.label, apiName: row.apiName, version: row.version }],
    });
  }
  return [...problems.values()];
}

/**
 * The labels of the workflows whose latest or active version asks everyone in a role for approval
 * (`{ role }` approvers, ADR 0015): deleting the role would leave those steps asking nobody.
 */
export async function workflowsNamingRole(q: Queryable, tenantId: string, roleId: string): Promise<string[]> {
  const rows = await q.query<{ label: string }>(
    `select distinct w.label from workflow w
       join workflow_version v on v.tenant_id = w.tenant_id and v.workflow_id = w.id and (v.version = w.version or v.version = w.active_version)
      where w.tenant_id = $1 and jsonb_path_exists(lower(v.definition::text)::jsonb, '$.steps[*].config.approvers[*].role ? (@ == $role)', jsonb_build_object('role', lower($2)))
      order by w.label`,
    [tenantId, roleId],
  );
  return rows.map((r) => r.label);
}
