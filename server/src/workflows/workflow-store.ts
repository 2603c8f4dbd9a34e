import { randomBytes, randomUUID } from 'node:crypto';
import { BoundedCache, type AutomationRef } from '@protean/metadata';
import { triggerObject, validateWorkflow, type ApproverDefinition, type WorkflowDefinition, type WorkflowModel } from '@protean/metadata/workflows';
import type { Queryable } from '../db/database.ts';
import { conflict, notFound, ProblemError, validationError, type FieldProblem } from '../errors/problems.ts';
import type { TenantModel } from '../data/tenant-model.ts';
import { UUID } from '../http/ids.ts';
import type { PauseDetail } from './run-errors.ts';
import { tenantSchemaProblems } from '../logic/tenant-schemas.ts';
import { nextOccurrence } from '../jobs/job-schedules.ts';

export type WorkflowStatus = 'active' | 'inactive' | 'paused';

export interface WorkflowRow {
  tenantId: string;
  id: string;
  apiName: string;
  label: string;
  description: string;
  status: WorkflowStatus;
  version: number;
  activeVersion: number | null;
  triggerType: string;
  triggerObject: string | null;
  /** The user who last activated the workflow (who answers for it; owner of what it creates unless the record has one). */
  runAs: string;
  /** The automation principal runs act as (made on first activation); its profile decides what a run may read and write. */
  automationId: string | null;
  pausedReason: string | null;
  /** What `pausedReason` was made of (null for workflows paused before it was kept). */
  pausedDetail: PauseDetail | null;
  failureStreak: number;
  webhookSecret: string;
  createdAt: string;
  updatedAt: string;
}

export interface WorkflowSettings {
  maxConcurrentRuns: number;
  maxStepsPerRun: number;
  maxLoopItems: number;
  pauseAfterFailures: number;
}

export const DEFAULT_SETTINGS: WorkflowSettings = { maxConcurrentRuns: 200, maxStepsPerRun: 500, maxLoopItems: 1000, pauseAfterFailures: 5 };

/** The columns of a workflow row as `WorkflowRow` names, optionally qualified by a table alias. */
export function workflowColumns(alias = ''): string {
  const a = alias ? `${alias}.` : '';
  return `${a}tenant_id as "tenantId", ${a}id, ${a}api_name as "apiName", ${a}label, ${a}description, ${a}status, ${a}version, ${a}active_version as "activeVersion",
  ${a}trigger_type as "triggerType", ${a}trigger_object as "triggerObject", ${a}run_as as "runAs", ${a}automation_id as "automationId", ${a}paused_reason as "pausedReason",
  ${a}paused_detail as "pausedDetail", ${a}failure_streak as "failureStreak", ${a}webhook_secret as "webhookSecret", ${a}created_at as "createdAt", ${a}updated_at as "updatedAt"`;
}

export const WORKFLOW_COLUMNS = workflowColumns();

const API_NAME = /^[a-z][a-z0-9_]{0,62}$/;

/** The tenant's objects and fields, as workflow validation sees them. */
export function workflowModel(model: TenantModel): WorkflowModel {
  return {
    fields(name) {
      const object = model.object(name);
      return object ? model.liveFields(object).map((f) => ({ apiName: f.apiName, type: f.type, lookup: f.lookup ? model.objectById(f.lookup.objectId)?.apiName : undefined })) : undefined;
    },
    snapshot: model.snapshot,
  };
}

/** Definitions never change once saved (a change is a new version), so they are cached for good. */
const definitions = new BoundedCache<string, WorkflowDefinition>(2_000);

export async function definitionAt(q: Queryable, tenantId: string, workflowId: string, version: number): Promise<WorkflowDefinition> {
  const key = `${tenantId}:${workflowId}:${version}`;
  const cached = definitions.get(key);
  if (cached) return cached;
  const [row] = await q.query<{ definition: WorkflowDefinition }>('select definition from workflow_version where tenant_id = $1 and workflow_id = $2 and version = $3', [tenantId, workflowId, version]);
  if (!row) throw notFound(`Workflow version ${version} does not exist`);
  definitions.set(key, row.definition);
  return row.definition;
}

export async function findWorkflow(q: Queryable, tenantId: string, idOrName: string): Promise<WorkflowRow> {
  const byId = UUID.test(idOrName);
  const [row] = await q.query<WorkflowRow>(`select ${WORKFLOW_COLUMNS} from workflow where tenant_id = $1 and ${byId ? 'id = $2::uuid' : 'api_name = $2'}`, [tenantId, idOrName]);
  if (!row) throw notFound(`No workflow '${idOrName}'`);
  return row;
}

export async function listWorkflows(q: Queryable, tenantId: string): Promise<WorkflowRow[]> {
  return q.query<WorkflowRow>(`select ${WORKFLOW_COLUMNS} from workflow where tenant_id = $1 order by label, api_name`, [tenantId]);
}

export async function loadSettings(q: Queryable, tenantId: string): Promise<WorkflowSettings> {
  const [row] = await q.query<WorkflowSettings>(
    `select max_concurrent_runs as "maxConcurrentRuns", max_steps_per_run as "maxStepsPerRun", max_loop_items as "maxLoopItems", pause_after_failures as "pauseAfterFailures"
       from workflow_settings where tenant_id = $1`,
    [tenantId],
  );
  return row ?? DEFAULT_SETTINGS;
}

export async function saveSettings(q: Queryable, tenantId: string, patch: Partial<WorkflowSettings>): Promise<WorkflowSettings> {
  const next = { ...(await loadSettings(q, tenantId)), ...patch };
  const bounds: [keyof WorkflowSettings, number, number][] = [
    ['maxConcurrentRuns', 1, 100_000],
    ['maxStepsPerRun', 1, 100_000],
    ['maxLoopItems', 1, 100_000],
    ['pauseAfterFailures', 1, 1_000],
  ];
  const problems = bounds
    .filter(([key, min, max]) => !Number.isInteger(next[key]) || next[key] < min || next[key] > max)
    .map(([key, min, max]) => ({ field: key, code: 'invalid', message: `must be a whole number from ${min} to ${max}` }));
  if (problems.length) throw validationError('The workflow limits are not valid', problems);
  await q.query(
    `insert into workflow_settings (tenant_id, max_concurrent_runs, max_steps_per_run, max_loop_items, pause_after_failures) values ($1, $2, $3, $4, $5)
     on conflict (tenant_id) do update set max_concurrent_runs = $2, max_steps_per_run = $3, max_loop_items = $4, pause_after_failures = $5`,
    [tenantId, next.maxConcurrentRuns, next.maxStepsPerRun, next.maxLoopItems, next.pauseAfterFailures],
  );
  return next;
}

export interface WorkflowInput {
  apiName?: string;
  label?: string;
  description?: string;
  definition?: unknown;
  message?: string;
}

/** "step 'is_big': " for a problem inside a step, so the message names the step as well as the path. */
function stepNamed(definition: unknown, path: string): string {
  const index = /^\/steps\/(\d+)\//.exec(path)?.[1];
  const steps = (definition as { steps?: { id?: unknown }[] } | null)?.steps;
  const id = index !== undefined && Array.isArray(steps) ? steps[Number(index)]?.id : undefined;
  return typeof id === 'string' ? `step '${id}': ` : '';
}

function checkDefinition(definition: unknown, model: TenantModel): WorkflowDefinition {
  const errors = validateWorkflow(definition, workflowModel(model));
  if (errors.length) {
    throw validationError(
      'The workflow is not valid',
      errors.map((e) => ({ field: `definition${e.path.replace(/\//g, '.')}`, code: e.code, message: `${stepNamed(definition, e.path)}${e.message}`, path: `/definition${e.path}`, ...(e.position ? { position: e.position } : {}) })),
    );
  }
  const checked = definition as WorkflowDefinition;
  const problems: FieldProblem[] = [];
  if (checked.trigger.type === 'manual' && checked.trigger.inputSchema !== undefined) problems.push(...tenantSchemaProblems(checked.trigger.inputSchema, 'definition.trigger.inputSchema'));
  // A schedule that cannot fire is refused now, not when the workflow is activated.
  if (checked.trigger.type === 'schedule') {
    try {
      nextOccurrence(checked.trigger.cron, checked.trigger.timeZone ?? 'UTC', new Date());
    } catch (error) {
      if (!(error instanceof ProblemError)) throw error;
      problems.push(...(error.errors ?? []).map((e) => ({ ...e, field: `definition.trigger.${e.field}` })));
    }
  }
  if (problems.length) throw validationError('The workflow is not valid', problems.map((p) => ({ ...p, path: `/${p.field.replace(/\./g, '/')}` })));
  return checked;
}

/** The scripts the definition's script steps run must be the workspace's, as its approvers must. */
async function checkScriptSteps(q: Queryable, tenantId: string, definition: WorkflowDefinition): Promise<void> {
  const named = definition.steps.flatMap((step, i) => (step.type === 'script' && typeof step.config['script'] === 'string' ? [{ i, name: step.config['script'] }] : []));
  if (!named.length) return;
  const rows = await q.query<{ api_name: string }>('select api_name from script where tenant_id = $1 and api_name = any($2::text[]) and deleted_at is null', [tenantId, named.map((n) => n.name)]);
  const known = new Set(rows.map((r) => r.api_name));
  const problems = named.filter((n) => !known.has(n.name)).map((n) => ({ field: `definition.steps.${n.i}.config.script`, code: 'unknown', message: `no script named '${n.name}'`, path: `/definition/steps/${n.i}/config/script` }));
  if (problems.length) throw validationError('The workflow is not valid', problems);
}

/**
 * The profiles and roles the definition's approval steps name must be the workspace's (ADR 0015):
 * a step naming one that does not exist would resolve to nobody at every run.
 */
async function checkApproverAccess(q: Queryable, tenantId: string, definition: WorkflowDefinition): Promise<void> {
  const named: { path: string; kind: 'profile' | 'role'; value: string; step: string }[] = [];
  definition.steps.forEach((step, i) => {
    if (step.type !== 'approval' || !Array.isArray(step.config['approvers'])) return;
    (step.config['approvers'] as ApproverDefinition[]).forEach((entry, j) => {
      if ('profile' in entry) named.push({ path: `steps.${i}.config.approvers.${j}.profile`, kind: 'profile', value: entry.profile, step: step.id });
      if ('role' in entry) named.push({ path: `steps.${i}.config.approvers.${j}.role`, kind: 'role', value: entry.role.toLowerCase(), step: step.id });
    });
  });
  if (!named.length) return;
  const [found] = await q.query<{ profiles: string[]; roles: string[] }>(
    `select array(select key from acl_profile where tenant_id = $1 and key = any($2::text[])) as profiles,
            array(select id::text from acl_role where tenant_id = $1 and id = any($3::uuid[])) as roles`,
    [tenantId, named.filter((n) => n.kind === 'profile').map((n) => n.value), named.filter((n) => n.kind === 'role').map((n) => n.value)],
  );
  const known = { profile: new Set(found!.profiles), role: new Set(found!.roles) };
  const unknown = named.filter((n) => !known[n.kind].has(n.value));
  if (unknown.length) {
    throw validationError(
      'The workflow is not valid',
      unknown.map((n) => ({ field: `definition.${n.path}`, code: `unknown_${n.kind}`, message: `step '${n.step}': no ${n.kind} '${n.value}' in this workspace`, path: `/definition/${n.path.replace(/\./g, '/')}` })),
    );
  }
}

/** The trigger's type and object id (not its API name, which can be renamed), for matching events. */
function triggerColumns(definition: WorkflowDefinition, model: TenantModel): { type: string; object: string | null } {
  const name = triggerObject(definition);
  return { type: definition.trigger.type, object: name ? (model.object(name)?.id ?? name) : null };
}

/** What a tenant revision records of a workflow: its saved version (ADR 0015). */
export function workflowRef(wf: Pick<WorkflowRow, 'id' | 'apiName' | 'label' | 'version'>): AutomationRef {
  return { id: wf.id, apiName: wf.apiName, label: wf.label, version: wf.version };
}

export async function createWorkflow(q: Queryable, tenantId: string, authorId: string, model: TenantModel, input: WorkflowInput): Promise<WorkflowRow> {
  const problems = [];
  if (typeof input.apiName !== 'string' || !API_NAME.test(input.apiName)) problems.push({ field: 'apiName', code: 'invalid', message: 'lowercase letters, digits and underscores, starting with a letter (at most 63)' });
  if (typeof input.label !== 'string' || !input.label.trim() || input.label.length > 200) problems.push({ field: 'label', code: 'invalid', message: 'is required (at most 200 characters)' });
  if (problems.length) throw validationError('The workflow is not valid', problems);
  const definition = checkDefinition(input.definition, model);
  await checkApproverAccess(q, tenantId, definition);
  await checkScriptSteps(q, tenantId, definition);
  const id = randomUUID();
  const trigger = triggerColumns(definition, model);
  const rows = await q.query<WorkflowRow>(
    `insert into workflow (tenant_id, id, api_name, label, description, trigger_type, trigger_object, run_as, webhook_secret)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9) on conflict (tenant_id, api_name) do nothing returning ${WORKFLOW_COLUMNS}`,
    [tenantId, id, input.apiName, input.label!.trim(), input.description ?? '', trigger.type, trigger.object, authorId, randomBytes(24).toString('base64url')],
  );
  if (!rows[0]) throw conflict(`A workflow named '${input.apiName}' already exists`, [{ field: 'apiName', code: 'taken', message: 'is taken' }]);
  await q.query('insert into workflow_version (tenant_id, workflow_id, version, definition, label, author_id, message) values ($1, $2, 1, $3, $4, $5, $6)', [
    tenantId,
    id,
    JSON.stringify(definition),
    input.label!.trim(),
    authorId,
    input.message ?? 'Created',
  ]);
  return rows[0];
}

/** A changed definition is a new version; runs already going keep the version they started on. */
export async function updateWorkflow(q: Queryable, tenantId: string, authorId: string | null, model: TenantModel, idOrName: string, input: WorkflowInput, expectedVersion?: number): Promise<WorkflowRow> {
  const current = await findWorkflow(q, tenantId, idOrName);
  if (expectedVersion !== undefined && expectedVersion !== current.version) throw conflict(`The workflow is at version ${current.version}, not ${expectedVersion}; reload it`);
  if (input.label !== undefined && (typeof input.label !== 'string' || !input.label.trim() || input.label.length > 200)) {
    throw validationError('The workflow is not valid', [{ field: 'label', code: 'invalid', message: 'is required (at most 200 characters)' }]);
  }
  let version = current.version;
  let trigger = { type: current.triggerType, object: current.triggerObject };
  if (input.definition !== undefined) {
    const definition = checkDefinition(input.definition, model);
    await checkApproverAccess(q, tenantId, definition);
    await checkScriptSteps(q, tenantId, definition);
    version += 1;
    trigger = triggerColumns(definition, model);
    await q.query('insert into workflow_version (tenant_id, workflow_id, version, definition, label, author_id, message) values ($1, $2, $3, $4, $5, $6, $7)', [
      tenantId,
      current.id,
      version,
      JSON.stringify(definition),
      input.label?.trim() ?? current.label,
      authorId,
      input.message ?? '',
    ]);
  }
  const [row] = await q.query<WorkflowRow>(
    `update workflow set label = $3, description = $4, version = $5, trigger_type = $6, trigger_object = $7,
       active_version = case when status = 'active' then $5 else active_version end, updated_at = now()
     where tenant_id = $1 and id = $2 returning ${WORKFLOW_COLUMNS}`,
    [tenantId, current.id, input.label?.trim() ?? current.label, input.description ?? current.description, version, trigger.type, trigger.object],
  );
  return row!;
}

/**
 * The workflow's automation principal, made on first activation with `profile` (by default the
 * activating user's); a later activation naming a profile changes it. Runs act as this principal.
 */
export async function ensureWorkflowAutomation(q: Queryable, tenantId: string, wf: WorkflowRow, defaultProfile: string, profile?: string): Promise<string> {
  // A principal deleted under the workflow is made again rather than leaving runs with no rights at all.
  if (wf.automationId && !(await q.query('select 1 from acl_automation where tenant_id = $1 and id = $2', [tenantId, wf.automationId])).length) {
    await q.query('update workflow set automation_id = null where tenant_id = $1 and id = $2 and automation_id = $3', [tenantId, wf.id, wf.automationId]);
    wf.automationId = null;
  }
  if (profile !== undefined || !wf.automationId) {
    const key = profile ?? defaultProfile;
    if (!(await q.query('select 1 from acl_profile where tenant_id = $1 and key = $2', [tenantId, key])).length) {
      throw validationError('Unknown profile', [{ field: 'profile', code: 'unknown', message: `no profile '${key}' in this workspace` }]);
    }
    if (wf.automationId) {
      await q.query('update acl_automation set profile = $3, name = $4 where tenant_id = $1 and id = $2', [tenantId, wf.automationId, key, wf.label]);
    } else {
      const id = randomUUID();
      await q.query("insert into acl_automation (tenant_id, id, kind, name, profile) values ($1, $2, 'workflow', $3, $4)", [tenantId, id, wf.label, key]);
      // Two first runs at once: the first to claim the workflow's principal wins, the other's row goes.
      const [claimed] = await q.query<{ id: string }>(
        `with mine as (update workflow set automation_id = $3 where tenant_id = $1 and id = $2 and automation_id is null returning automation_id)
         select automation_id as id from mine union all select automation_id from workflow where tenant_id = $1 and id = $2 and not exists (select 1 from mine)`,
        [tenantId, wf.id, id],
      );
      if (claimed?.id !== id) await q.query('delete from acl_automation where tenant_id = $1 and id = $2', [tenantId, id]);
      wf.automationId = claimed?.id ?? id;
    }
  }
  return wf.automationId!;
}

/** Activation starts new runs on the latest version, as the workflow's automation principal; deactivation lets running runs finish. */
export async function setWorkflowStatus(q: Queryable, tenantId: string, userId: string, idOrName: string, active: boolean): Promise<WorkflowRow> {
  const current = await findWorkflow(q, tenantId, idOrName);
  const [row] = await q.query<WorkflowRow>(
    `update workflow set status = $3, active_version = case when $3 = 'active' then version else active_version end,
       run_as = case when $3 = 'active' then $4::uuid else run_as end, paused_reason = null, paused_detail = null, failure_streak = 0, updated_at = now()
     where tenant_id = $1 and id = $2 returning ${WORKFLOW_COLUMNS}`,
    [tenantId, current.id, active ? 'active' : 'inactive', userId],
  );
  return row!;
}

export interface VersionSummary {
  version: number;
  label: string;
  authorId: string | null;
  message: string;
  createdAt: string;
}

export async function listVersions(q: Queryable, tenantId: string, workflowId: string): Promise<VersionSummary[]> {
  return q.query<VersionSummary>(
    'select version, label, author_id as "authorId", message, created_at as "createdAt" from workflow_version where tenant_id = $1 and workflow_id = $2 order by version desc',
    [tenantId, workflowId],
  );
}
