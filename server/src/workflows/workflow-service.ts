import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { WorkflowDefinition } from '@protean/metadata/workflows';
import type { Principal } from '../auth/principal.ts';
import type { AccessService } from '../access/access-service.ts';
import type { AccessShape } from '../access/access-shape.ts';
import { recordAsReadBy, recordRightsOf } from '../access/record-access.ts';
import type { Database, Queryable } from '../db/database.ts';
import type { DataService } from '../data/data-service.ts';
import type { RecordRow } from '../data/record-codec.ts';
import { conflict, forbidden, notFound, unauthorized, validationError } from '../errors/problems.ts';
import { parseJsonInput } from '../http/normalize-input.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { enqueueJob } from '../jobs/job-store.ts';
import type { MetadataService } from '../metadata/metadata-service.ts';
import { localeOf } from '../metadata/words.ts';
import { Mailer } from './mailer.ts';
import { CONTACTED_STATUS, educationFields, educationJourney, relationshipSales, sayIn, type Say, type StarterWorkflow } from './starter-automations.ts';
import { WorkflowEngine, type ScriptRunner, type Wake } from './workflow-engine.ts';
import { createRun, RUN_COLUMNS, RUN_JOB_RETRY, RUN_QUEUE, STEP_COLUMNS, type RunRow, type StepRow } from './workflow-runs.ts';
import { workflowDependents } from './workflow-dependents.ts';
import { syncSchedule, WorkflowTriggers } from './workflow-triggers.ts';
import { syncWorkflowVersions } from './workflow-revisions.ts';
import { runAccess } from './run-access.ts';
import { awaitedApproversSql, decisionRefusal, decisionRefusalSql, NO_SAY, requiredApproversSql, type DecisionRefusal } from './approval-deciders.ts';
import {
  createWorkflow,
  definitionAt,
  findWorkflow,
  listVersions,
  listWorkflows,
  loadSettings,
  saveSettings,
  setWorkflowStatus,
  ensureWorkflowAutomation,
  updateWorkflow,
  workflowRef,
  type WorkflowInput,
  type WorkflowRow,
  type WorkflowSettings,
} from './workflow-store.ts';
import { UUID } from '../http/ids.ts';
import { validateWithTenantSchema } from '../logic/tenant-schemas.ts';

export interface WorkflowServiceOptions {
  db: Database;
  metadata: MetadataService;
  data: DataService;
  queue: JobQueue;
  smtpUrl?: string | undefined;
  mailFrom?: string | undefined;
  allowPrivateHosts?: boolean;
  publicUrl?: string | undefined;
  scripts?: ScriptRunner;
  /** How often the trigger consumer looks at the outbox without a notice. */
  pollMs?: number;
}

const WRITING_STEPS = new Set(['createRecord', 'updateRecord', 'createTask', 'script']);
/** Whether a run may write records: a step that creates or updates them, or runs a script. */
const workflowWrites = (definition: WorkflowDefinition): boolean => definition.steps.some((step) => WRITING_STEPS.has(step.type));
const WEBHOOK_TOLERANCE_S = 300;

/** Workflows for the API: definitions and versions, runs and their history, approvals, notifications, limits. */
export class WorkflowService {
  readonly engine: WorkflowEngine;
  readonly triggers: WorkflowTriggers;
  readonly mailer: Mailer;
  readonly #db: Database;
  readonly #metadata: MetadataService;
  readonly #queue: JobQueue;
  readonly #access: AccessService;

  constructor(options: WorkflowServiceOptions) {
    this.#db = options.db;
    // Deleting or renaming a field or object a workflow names is refused, naming the workflow.
    options.metadata.guard(workflowDependents);
    // Restoring a revision makes the workflow versions it names current again.
    options.metadata.syncWithRevisions(syncWorkflowVersions);
    this.#metadata = options.metadata;
    this.#queue = options.queue;
    this.mailer = new Mailer(options.smtpUrl, options.mailFrom);
    this.engine = new WorkflowEngine({
      db: options.db,
      metadata: options.metadata,
      data: options.data,
      queue: options.queue,
      mailer: this.mailer,
      allowPrivateHosts: options.allowPrivateHosts ?? false,
      ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
      ...(options.scripts ? { scripts: options.scripts } : {}),
    });
    this.#access = options.data.access;
    this.triggers = new WorkflowTriggers(options.db, options.metadata, options.queue, options.data.access, { ...(options.pollMs ? { pollMs: options.pollMs } : {}) });
  }

  /** Registers the queue handlers and starts the trigger consumer; the queue itself is started by its owner. */
  async start(): Promise<void> {
    // Approval links must stay valid across restarts and processes: the key lives in the database.
    const secret = await this.#db.system(async (tx) => {
      await tx.query("insert into platform_secret (key, value) values ('workflow_link_secret', $1) on conflict do nothing", [randomBytes(32).toString('base64url')]);
      const [row] = await tx.query<{ value: string }>("select value from platform_secret where key = 'workflow_link_secret'");
      return row!.value;
    });
    this.engine.useSecret(secret);
    this.engine.register();
    this.triggers.register();
    await this.triggers.start();
  }

  async stop(): Promise<void> {
    await this.triggers.stop();
    this.mailer.close();
  }

  list(tenantId: string): Promise<WorkflowRow[]> {
    return this.#db.transaction(tenantId, (tx) => listWorkflows(tx, tenantId));
  }

  async get(tenantId: string, idOrName: string, version?: number): Promise<WorkflowRow & { definition: WorkflowDefinition; shownVersion: number }> {
    return this.#db.transaction(tenantId, async (tx) => {
      const wf = await findWorkflow(tx, tenantId, idOrName);
      const shown = version ?? wf.version;
      return { ...wf, definition: await definitionAt(tx, tenantId, wf.id, shown), shownVersion: shown };
    });
  }

  /** A new workflow is a revision of the tenant's metadata, validated against the model it commits with. */
  create(principal: Principal, input: WorkflowInput): Promise<WorkflowRow> {
    return this.#metadata.saveAutomation(
      principal,
      (wf: WorkflowRow) => input.message?.trim() || `Created workflow “${wf.label}”`,
      async (tx, model) => {
        const wf = await createWorkflow(tx, principal.tenantId, principal.userId, model, input);
        return { value: wf, kind: 'workflows', id: wf.id, ref: workflowRef(wf) };
      },
    );
  }

  /**
   * Refuses, naming each excess, a designer whose access the workflow's profile exceeds: changing
   * what it does, starting it again with the profile it has, or reading what its runs saw would
   * act or read with more than the designer holds (ADR 0012: no right is a way to more access).
   * A workflow not yet activated has no profile, and whoever manages access passes.
   */
  async requireAnswerable(principal: Principal, idOrName: string): Promise<void> {
    const profile = await this.#db.transaction(principal.tenantId, async (tx) => {
      const wf = await findWorkflow(tx, principal.tenantId, idOrName);
      if (!wf.automationId) return undefined;
      return (await tx.query<{ profile: string }>('select profile from acl_automation where tenant_id = $1 and id = $2', [principal.tenantId, wf.automationId]))[0]?.profile;
    });
    if (profile) await this.#access.requireGrantable(principal, profile, 'profile');
  }

  /** A changed definition is a new version and a new revision; runs already going keep the version they started on. */
  async update(principal: Principal, idOrName: string, input: WorkflowInput, expectedVersion?: number): Promise<WorkflowRow> {
    await this.requireAnswerable(principal, idOrName);
    return this.#metadata.saveAutomation(
      principal,
      (wf: WorkflowRow) => input.message?.trim() || `Saved workflow “${wf.label}”, version ${wf.version}`,
      async (tx, model) => {
        const wf = await updateWorkflow(tx, principal.tenantId, principal.userId, model, idOrName, input, expectedVersion);
        await syncSchedule(tx, wf, await definitionAt(tx, wf.tenantId, wf.id, wf.activeVersion ?? wf.version));
        return { value: wf, kind: 'workflows', id: wf.id, ref: workflowRef(wf) };
      },
    );
  }

  /** `profile`: the profile of the automation principal runs act as (default: the activating user's, on first activation). */
  async setActive(principal: Principal, idOrName: string, active: boolean, profile?: string): Promise<WorkflowRow> {
    const wf = await this.#db.transaction(principal.tenantId, async (tx) => {
      const wf = await setWorkflowStatus(tx, principal.tenantId, principal.userId, idOrName, active);
      if (active) await ensureWorkflowAutomation(tx, principal.tenantId, wf, principal.role, profile);
      await syncSchedule(tx, wf, await definitionAt(tx, wf.tenantId, wf.id, wf.activeVersion ?? wf.version));
      return wf;
    });
    this.#queue.notify();
    return wf;
  }

  versions(tenantId: string, idOrName: string) {
    return this.#db.transaction(tenantId, async (tx) => listVersions(tx, tenantId, (await findWorkflow(tx, tenantId, idOrName)).id));
  }

  /** Starts a run by hand (a button on a record or list, with the trigger's input form), or a test run of the latest version. */
  /**
   * The buttons a record page or list of `objectName` shows: the active workflows started by hand
   * on that object, with their input forms (as the active version defines them).
   */
  async manualButtons(principal: Principal, objectName: string): Promise<{ apiName: string; label: string; description: string; inputSchema: Record<string, unknown> | null; writes: boolean }[]> {
    const model = await this.#metadata.model(principal.tenantId);
    const object = model.object(objectName);
    if (!object) throw notFound(`No object '${objectName}'`);
    const rows = await this.#db.transaction(principal.tenantId, (tx) =>
      tx.query<{ apiName: string; label: string; description: string; definition: WorkflowDefinition }>(
        `select w.api_name as "apiName", w.label, w.description, v.definition from workflow w
           join workflow_version v on v.tenant_id = w.tenant_id and v.workflow_id = w.id and v.version = w.active_version
          where w.tenant_id = $1 and w.status = 'active' order by w.label`,
        [principal.tenantId],
      ),
    );
    return rows
      .filter((r) => r.definition.trigger.type === 'manual' && r.definition.trigger.object !== undefined && model.object(r.definition.trigger.object)?.id === object.id)
      .map((r) => ({ apiName: r.apiName, label: r.label, description: r.description, inputSchema: r.definition.trigger.type === 'manual' ? (r.definition.trigger.inputSchema ?? null) : null, writes: workflowWrites(r.definition) }));
  }

  /**
   * `shape` is the starter's access (loaded before this transaction): a run on a record the
   * starter cannot read is refused as a missing record, and one that may write needs edit access
   * to it (ADR 0012), since the run acts on the record for them.
   */
  async startManual(principal: Principal, idOrName: string, body: { recordId?: string; input?: Record<string, unknown>; test?: boolean }, shape?: AccessShape): Promise<{ runId: string }> {
    const model = await this.#metadata.model(principal.tenantId);
    const runId = await this.#db.transaction(principal.tenantId, async (tx) => {
      const wf = await findWorkflow(tx, principal.tenantId, idOrName);
      const test = body.test === true;
      const definition = await definitionAt(tx, principal.tenantId, wf.id, test ? wf.version : (wf.activeVersion ?? wf.version));
      if (!test && wf.status !== 'active') throw conflict(`The workflow '${wf.apiName}' is ${wf.status}; activate it or start a test run`);
      if (!test && definition.trigger.type !== 'manual') throw validationError('This workflow is not started by hand', [{ field: 'trigger', code: 'not_manual', message: `its trigger is ${definition.trigger.type}` }]);
      const input = body.input ?? {};
      if (definition.trigger.type === 'manual') {
        const problems = validateWithTenantSchema(definition.trigger.inputSchema, input, 'input');
        if (problems.length) throw validationError('The input is not valid', problems);
      }
      const objectName = 'object' in definition.trigger ? definition.trigger.object : undefined;
      let record = null;
      if (body.recordId !== undefined) {
        const object = objectName ? model.object(objectName) : undefined;
        if (!object) throw validationError('This workflow takes no record', [{ field: 'recordId', code: 'unexpected', message: 'the trigger names no object' }]);
        if (!UUID.test(body.recordId)) throw validationError('The record id is not valid', [{ field: 'recordId', code: 'invalid', message: 'must be a record id' }]);
        const [row] = await tx.query<RecordRow>(
          'select id, object_id, version, data, created_at, created_by, updated_at, updated_by from record where tenant_id = $1 and object_id = $2 and id = $3 and deleted_at is null',
          [principal.tenantId, object.id, body.recordId],
        );
        if (!row) throw notFound(`No ${object.apiName} record ${body.recordId}`);
        if (shape) {
          const rights = (await recordRightsOf(tx, shape, object, [row.id])).get(row.id);
          if (!rights) throw notFound(`No ${object.apiName} record ${body.recordId}`);
          if (workflowWrites(definition) && !rights.edit) throw forbidden(`The workflow '${wf.label}' may change this record, which you may only read`);
        }
        // The run holds it as the run's principal reads it; one that may not read it still gets the id it was started on.
        // A workflow never activated has no such principal yet: its test run, which keeps no writes, reads it as the tester does.
        const runShape = (await runAccess(tx, this.#access, principal.tenantId, wf.id)) ?? (test ? shape : undefined);
        record = (runShape && (await recordAsReadBy(tx, runShape, model, object, row))) ?? { id: row.id };
      }
      const run = await createRun(tx, {
        tenantId: principal.tenantId,
        workflow: wf,
        recordObject: record ? objectName! : null,
        recordId: record ? body.recordId! : null,
        record,
        input,
        trigger: { type: test ? 'test' : 'manual', userId: principal.userId },
        test,
      });
      return run.id;
    });
    this.#queue.notify();
    return { runId };
  }

  /** An inbound webhook: signed with the workflow's secret (`t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`). */
  async startFromWebhook(tenantSlug: string, apiName: string, signature: string | undefined, rawBody: string): Promise<{ runId: string }> {
    const tenantId = await this.#db.system(async (tx) => (await tx.query<{ id: string }>('select id from tenant where slug = $1', [tenantSlug]))[0]?.id);
    if (!tenantId) throw notFound('No such workflow');
    const runId = await this.#db.transaction(tenantId, async (tx) => {
      const wf = await findWorkflow(tx, tenantId, apiName).catch((error: unknown) => {
        if ((error as { status?: number }).status === 404) return undefined;
        throw error;
      });
      if (!wf || wf.triggerType !== 'webhook' || wf.status !== 'active') throw notFound('No such workflow');
      const parts = Object.fromEntries((signature ?? '').split(',').map((p) => p.trim().split('=', 2) as [string, string]));
      const t = Number(parts['t']);
      if (!parts['v1'] || !Number.isInteger(t)) throw unauthorized('The request is not signed (X-Protean-Signature: t=…,v1=…)');
      if (Math.abs(Date.now() / 1000 - t) > WEBHOOK_TOLERANCE_S) throw unauthorized('The signature is too old or from the future');
      const expected = Buffer.from(createHmac('sha256', wf.webhookSecret).update(`${t}.${rawBody}`).digest('hex'));
      const given = Buffer.from(parts['v1']);
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw unauthorized('The signature does not match');
      let input: unknown;
      try {
        input = rawBody ? parseJsonInput(rawBody) : {};
      } catch (error) {
        if (!(error instanceof SyntaxError)) throw error;
        throw validationError('The body is not JSON', [{ field: 'body', code: 'invalid', message: 'must be a JSON object' }], 400);
      }
      if (!input || typeof input !== 'object' || Array.isArray(input)) throw validationError('The body is not a JSON object', [{ field: 'body', code: 'invalid', message: 'must be a JSON object' }], 400);
      // The signature's time and the body name the delivery: a sender's retry starts nothing twice.
      const key = `webhook:${t}:${parts['v1']}`;
      return (await createRun(tx, { tenantId, workflow: wf, triggerKey: key, input: input as Record<string, unknown>, trigger: { type: 'webhook', receivedAt: new Date().toISOString() } })).id;
    });
    this.#queue.notify();
    return { runId };
  }

  webhookSecret(tenantId: string, idOrName: string): Promise<string> {
    return this.#db.transaction(tenantId, async (tx) => (await findWorkflow(tx, tenantId, idOrName)).webhookSecret);
  }

  async runs(tenantId: string, idOrName: string, filter: { status?: string; limit?: number; before?: string }): Promise<Omit<RunRow, 'scope'>[]> {
    return this.#db.transaction(tenantId, async (tx) => {
      const wf = await findWorkflow(tx, tenantId, idOrName);
      const rows = await tx.query<RunRow>(
        `select ${RUN_COLUMNS} from workflow_run where tenant_id = $1 and workflow_id = $2 and ($3::text is null or status = $3) and ($5::timestamptz is null or started_at < $5)
          order by started_at desc, id limit $4`,
        [tenantId, wf.id, filter.status ?? null, Math.min(filter.limit ?? 50, 200), filter.before ?? null],
      );
      return rows.map(({ scope: _scope, ...rest }) => rest);
    });
  }

  /** How many runs of a workflow are in each status. */
  async runCounts(tenantId: string, idOrName: string): Promise<Record<string, number>> {
    return this.#db.transaction(tenantId, async (tx) => {
      const wf = await findWorkflow(tx, tenantId, idOrName);
      const rows = await tx.query<{ status: string; n: number }>('select status, count(*)::int as n from workflow_run where tenant_id = $1 and workflow_id = $2 group by status', [tenantId, wf.id]);
      return Object.fromEntries(rows.map((r) => [r.status, r.n]));
    });
  }

  async run(tenantId: string, runId: string): Promise<RunRow & { steps: StepRow[] }> {
    return this.#db.transaction(tenantId, async (tx) => {
      const [run] = await tx.query<RunRow>(`select ${RUN_COLUMNS} from workflow_run where tenant_id = $1 and id = $2`, [tenantId, runId]);
      if (!run) throw notFound(`No workflow run ${runId}`);
      const steps = await tx.query<StepRow>(`select ${STEP_COLUMNS} from workflow_step where tenant_id = $1 and run_id = $2 order by seq`, [tenantId, runId]);
      return { ...run, steps };
    });
  }

  /** Retries a failed run from the step that failed, on the version it started on. */
  async retry(tenantId: string, runId: string): Promise<void> {
    await this.#db.transaction(tenantId, async (tx) => {
      const rows = await tx.query<{ id: string }>(
        "update workflow_run set status = 'running', error = null, error_detail = null, finished_at = null, updated_at = now() where tenant_id = $1 and id = $2 and status = 'failed' returning id",
        [tenantId, runId],
      );
      if (!rows.length) {
        const [run] = await tx.query<{ status: string }>('select status from workflow_run where tenant_id = $1 and id = $2', [tenantId, runId]);
        if (!run) throw notFound(`No workflow run ${runId}`);
        throw conflict(`Only a failed run can be retried; this one is ${run.status}`);
      }
      await enqueueJob(tx, { tenantId, queue: RUN_QUEUE, payload: { runId }, idempotencyKey: `retry:${runId}:${Date.now()}`, retry: RUN_JOB_RETRY });
    });
    this.#queue.notify();
  }

  async cancel(tenantId: string, runId: string): Promise<void> {
    await this.#db.transaction(tenantId, async (tx) => {
      const rows = await tx.query<{ id: string }>(
        "update workflow_run set status = 'cancelled', wait = null, finished_at = now(), updated_at = now() where tenant_id = $1 and id = $2 and status in ('queued', 'running', 'waiting') returning id",
        [tenantId, runId],
      );
      if (!rows.length) throw conflict('The run has already ended');
      await tx.query("update workflow_approval set status = 'cancelled' where tenant_id = $1 and run_id = $2 and status = 'pending'", [tenantId, runId]);
      // Its timers are dropped: a cancelled run costs nothing more.
      await tx.query("update job set state = 'cancelled', finished_at = now() where tenant_id = $1 and queue = $2 and state = 'queued' and payload->>'runId' = $3", [tenantId, RUN_QUEUE, runId]);
    });
  }

  /** Wakes runs waiting for a named event (on one record, or on any). */
  async signal(tenantId: string, event: string, recordId: string | undefined, data: unknown): Promise<{ woken: number }> {
    const woken = await this.#db.transaction(tenantId, async (tx) => {
      const runs = await tx.query<{ id: string; seq: number }>(
        `select id, (wait->>'seq')::int as seq from workflow_run where tenant_id = $1 and status = 'waiting' and wait->>'mode' = 'event' and wait->>'event' = $2
           and ($3::uuid is null or record_id = $3::uuid) limit 1000`,
        [tenantId, event, recordId ?? null],
      );
      for (const run of runs) await this.#wake(tx, tenantId, run.id, { seq: run.seq, outcome: 'done', data }, `event:${event}:${Date.now()}`);
      return runs.length;
    });
    this.#queue.notify();
    return { woken };
  }

  async #wake(tx: Queryable, tenantId: string, runId: string, wake: Wake, key: string): Promise<void> {
    await enqueueJob(tx, { tenantId, queue: RUN_QUEUE, payload: { runId, wake }, idempotencyKey: `signal:${runId}:${wake.seq}:${key}`, retry: RUN_JOB_RETRY });
  }

  /**
   * The approvals the principal has a say in (decisionRefusalSql), the newest 200; an administrator's
   * are every one of the workspace, each saying whether they may decide it now (not their own
   * request, not one they already approved). The rule is applied by the statement, before its limit.
   * Each lists its approvers with their decisions, and a request every approver decides says how
   * many it still waits for.
   */
  async approvals(principal: Principal, administrator: boolean, status = 'pending') {
    const rows = await this.#db.transaction(principal.tenantId, (tx) =>
      tx.query<{ id: string; refusal: DecisionRefusal | null }>(
        `select a.id, a.run_id as "runId", a.message, a.status, a.assignees, a.escalated, a.requested_by as "requestedBy", a.self_approval as "selfApproval",
                a.decision_mode as "decisionMode", coalesce(a.approvers, '[]'::jsonb) as approvers,
                a.created_at as "createdAt", a.decided_at as "decidedAt", a.decided_by as "decidedBy", w.label as "workflow", d.refusal,
                (select coalesce(jsonb_agg(jsonb_build_object('userId', p.id, 'name', u.name, 'decision', v.decision, 'comment', v.comment, 'decidedAt', v.decided_at) order by p.n), '[]'::jsonb)
                   from (select id, min(n) as n from unnest(a.assignees || array(select v.user_id from workflow_approval_vote v where v.tenant_id = a.tenant_id and v.approval_id = a.id)) with ordinality x(id, n) group by id) p
                   left join app_user u on u.tenant_id = a.tenant_id and u.id = p.id
                   left join workflow_approval_vote v on v.tenant_id = a.tenant_id and v.approval_id = a.id and v.user_id = p.id) as decisions,
                case when a.decision_mode = 'unanimous' then jsonb_build_object('required', ${requiredApproversSql('a')}, 'waitingFor', to_jsonb(${awaitedApproversSql('a')})) end as progress
           from workflow_approval a join workflow_run r on r.tenant_id = a.tenant_id and r.id = a.run_id join workflow w on w.tenant_id = r.tenant_id and w.id = r.workflow_id
          cross join lateral (select ${decisionRefusalSql('a', '$4::uuid', '$3::boolean')} as refusal) d
          where a.tenant_id = $1 and a.status = $2 and ($3::boolean or d.refusal is null or not (d.refusal = any($5::text[]))) order by a.created_at desc limit 200`,
        [principal.tenantId, status, administrator, principal.userId, NO_SAY],
      ),
    );
    return rows.map(({ refusal, ...row }) => ({ ...row, mayDecide: refusal === null }));
  }

  /**
   * The approval's approver, or an administrator (`administrator`), decides; anyone else is refused
   * with the reason (decisionRefusalSql). Decided by the first response, the first decision settles
   * it; decided by every approver, a rejection settles it, and an approval counts until every
   * approver has approved. An administrator who is not one of its approvers settles it either way.
   * Once settled, the run goes on along the approved or rejected branch.
   */
  async decide(tenantId: string, approvalId: string, userId: string, administrator: boolean, decision: 'approved' | 'rejected', comment?: string): Promise<{ status: string; waitingFor: string[] }> {
    const result = await this.#db.transaction(tenantId, async (tx) => {
      const [approval] = await tx.query<{ runId: string; seq: number; status: string; mode: string; named: boolean; refusal: DecisionRefusal | null }>(
        `select a.run_id as "runId", a.seq, a.status, a.decision_mode as mode, $3::uuid = any(a.assignees) as named, ${decisionRefusalSql('a', '$3::uuid', '$4::boolean')} as refusal
           from workflow_approval a where a.tenant_id = $1 and a.id = $2 for update`,
        [tenantId, approvalId, userId, administrator],
      );
      if (!approval) throw notFound('No such approval');
      if (approval.refusal) throw decisionRefusal(approval.refusal, approval.status);
      await tx.query('insert into workflow_approval_vote (tenant_id, approval_id, user_id, decision, comment) values ($1, $2, $3, $4, $5) on conflict (tenant_id, approval_id, user_id) do update set decision = $4, comment = $5, decided_at = now()', [
        tenantId,
        approvalId,
        userId,
        decision,
        comment ?? null,
      ]);
      if (approval.mode === 'unanimous' && decision === 'approved' && approval.named) {
        const [awaited] = await tx.query<{ waitingFor: string[] }>(`select ${awaitedApproversSql('a')} as "waitingFor" from workflow_approval a where a.tenant_id = $1 and a.id = $2`, [tenantId, approvalId]);
        if (awaited!.waitingFor.length) return { status: 'pending', waitingFor: awaited!.waitingFor };
      }
      await tx.query('update workflow_approval set status = $3, decided_by = $4, decided_at = now(), comment = $5 where tenant_id = $1 and id = $2', [tenantId, approvalId, decision, userId, comment ?? null]);
      await this.#wake(tx, tenantId, approval.runId, { seq: approval.seq, outcome: decision, data: { by: userId, comment: comment ?? null } }, `approval:${approvalId}`);
      return { status: decision, waitingFor: [] };
    });
    this.#queue.notify();
    return result;
  }

  /** An administrator names who decides a pending approval instead of its approvers; those new to it are told as approvers are. */
  async reassign(tenantId: string, approvalId: string, assignees: string[]): Promise<{ assignees: string[] }> {
    const ids = assignees.map((id) => id.toLowerCase());
    const unique = [...new Set(ids)];
    await this.#db.transaction(tenantId, async (tx) => {
      const [approval] = await tx.query<{ workflowId: string; assignees: string[]; status: string; message: string }>(
        `select r.workflow_id as "workflowId", a.assignees, a.status, a.message
           from workflow_approval a join workflow_run r on r.tenant_id = a.tenant_id and r.id = a.run_id
          where a.tenant_id = $1 and a.id = $2 for update of a`,
        [tenantId, approvalId],
      );
      if (!approval) throw notFound('No such approval');
      if (approval.status !== 'pending') throw conflict(`The request was already ${approval.status}`);
      const users = new Set((await tx.query<{ id: string }>('select id from app_user where tenant_id = $1 and id = any($2::uuid[]) and active', [tenantId, unique])).map((u) => u.id));
      const unknown = ids.flatMap((id, index) => (users.has(id) ? [] : [{ field: 'assignees', index, code: 'unknown', message: 'is not an active user of this workspace' }]));
      if (unknown.length) throw validationError('The approvers are not valid', unknown);
      await tx.query('update workflow_approval set assignees = $3 where tenant_id = $1 and id = $2', [tenantId, approvalId, unique]);
      await this.engine.askApprovers(tx, { tenantId, workflowId: approval.workflowId }, approvalId, unique.filter((id) => !approval.assignees.includes(id)), approval.message);
    });
    this.#queue.notify();
    return { assignees: unique };
  }

  async decideFromEmail(tenantSlug: string, approvalId: string, userId: string, decision: string, token: string): Promise<{ status: string; waitingFor: string[] }> {
    if (decision !== 'approved' && decision !== 'rejected') throw validationError('The decision is not valid', [{ field: 'decision', code: 'invalid', message: 'approved or rejected' }]);
    const tenantId = await this.#db.system(async (tx) => (await tx.query<{ id: string }>('select id from tenant where slug = $1', [tenantSlug]))[0]?.id);
    if (!tenantId || !this.engine.checkApprovalToken(tenantId, approvalId, userId, decision, token)) throw unauthorized('The link is not valid');
    // The link speaks for the approver it was sent to, never for an administrator.
    return this.decide(tenantId, approvalId, userId, false, decision);
  }

  /** The profiles and roles an approval step may name, for the designer. */
  async approverChoices(tenantId: string): Promise<{ profiles: { key: string; name: string }[]; roles: { id: string; name: string; parentId: string | null }[] }> {
    await this.#access.ensureDefaults(tenantId);
    return this.#db.transaction(tenantId, async (tx) => ({
      profiles: await tx.query<{ key: string; name: string }>('select key, name from acl_profile where tenant_id = $1 order by name, key', [tenantId]),
      roles: await tx.query<{ id: string; name: string; parentId: string | null }>('select id, name, parent_id as "parentId" from acl_role where tenant_id = $1 order by array_length(path, 1), name', [tenantId]),
    }));
  }

  notifications(principal: Principal, unreadOnly: boolean) {
    return this.#db.transaction(principal.tenantId, (tx) =>
      tx.query(
        `select id, message, link, source, read_at as "readAt", created_at as "createdAt" from user_notification
          where tenant_id = $1 and user_id = $2 and (not $3 or read_at is null) order by created_at desc limit 100`,
        [principal.tenantId, principal.userId, unreadOnly],
      ),
    );
  }

  async markRead(principal: Principal, id: string): Promise<void> {
    const rows = await this.#db.transaction(principal.tenantId, (tx) =>
      tx.query('update user_notification set read_at = coalesce(read_at, now()) where tenant_id = $1 and user_id = $2 and id = $3 returning id', [principal.tenantId, principal.userId, id]),
    );
    if (!rows.length) throw notFound('No such notification');
  }

  /**
   * The relationship-sales automations of a new workspace: the Contacted customer status and
   * three active workflows (first activity, 7 quiet days, task due). Skips what already exists.
   */
  async installStarter(tenantId: string, adminId: string): Promise<string[]> {
    const principal = await this.#adminPrincipal(tenantId, adminId);
    // In the workspace's language, which its first admin reads (tenant-service.ts).
    const say = sayIn(localeOf(principal.locale));
    const model = await this.#metadata.model(tenantId);
    const customer = model.object('customer');
    const status = customer ? model.field(customer, 'status') : undefined;
    if (customer && status?.values && !status.values.some((v) => v.apiName === CONTACTED_STATUS.apiName)) {
      const values = status.values.map((v) => ({ id: v.id, apiName: v.apiName, labels: v.labels, active: v.active, ...(v.color ? { color: v.color } : {}) }));
      // After "lead", before the rest: the order people move through.
      values.splice(Math.max(1, values.findIndex((v) => v.apiName === 'lead') + 1), 0, { ...CONTACTED_STATUS, active: true } as (typeof values)[number]);
      await this.#metadata.apply(principal, { message: say('Relationship-sales automations: the Contacted status', '关系型销售自动化：已联系状态'), operations: [{ op: 'updateField', object: 'customer', field: 'status', patch: { values } }] } as never);
    }
    return this.#installAll(principal, relationshipSales(say), say);
  }

  /** Installs a shipped example (today: `education`, the student journey) with the fields it needs, active. */
  async installTemplate(principal: Principal, name: string): Promise<string[]> {
    if (name !== 'education') throw notFound(`No workflow template '${name}'`);
    // In the language of the admin who installs it.
    const say = sayIn(localeOf(principal.locale));
    const model = await this.#metadata.model(principal.tenantId);
    const customer = model.object('customer');
    const missing = educationFields.filter((f) => customer && !model.field(customer, f.apiName));
    if (missing.length) {
      await this.#metadata.apply(principal, { message: say('Education journey: stage and course dates', '学员旅程：学习阶段与课程日期'), operations: missing.map((field) => ({ op: 'createField', object: 'customer', field })) } as never);
    }
    return this.#installAll(principal, educationJourney(say), say);
  }

  async #installAll(principal: Principal, workflows: StarterWorkflow[], say: Say): Promise<string[]> {
    const existing = new Set((await this.list(principal.tenantId)).map((w) => w.apiName));
    // The workspace's own nouns ({customer} may be "Patient") in the starters' labels, as the model names them now.
    const words = (await this.#metadata.model(principal.tenantId)).words(localeOf(principal.locale));
    const installed: string[] = [];
    for (const starter of workflows) {
      if (existing.has(starter.apiName)) continue;
      const wf = {
        ...starter,
        label: words.text(starter.label),
        description: words.text(starter.description),
        definition: { ...starter.definition, steps: starter.definition.steps.map((step) => (step.label ? { ...step, label: words.text(step.label) } : step)) },
      };
      await this.create(principal, { apiName: wf.apiName, label: wf.label, description: wf.description, definition: wf.definition, message: say('Installed', '已安装') });
      await this.setActive(principal, wf.apiName, true);
      installed.push(wf.apiName);
    }
    return installed;
  }

  async #adminPrincipal(tenantId: string, userId: string): Promise<Principal> {
    const [row] = await this.#db.system((q) =>
      q.query<{ name: string; role: string; locale: string; slug: string; tenantName: string }>(
        'select u.name, u.role, u.locale, t.slug, t.name as "tenantName" from app_user u join tenant t on t.id = u.tenant_id where u.tenant_id = $1 and u.id = $2',
        [tenantId, userId],
      ),
    );
    if (!row) throw notFound('No such user');
    return { tenantId, tenantSlug: row.slug, tenantName: row.tenantName, userId, userName: row.name, role: row.role, locale: row.locale, via: 'session' };
  }

  settings(tenantId: string): Promise<WorkflowSettings> {
    return this.#db.transaction(tenantId, (tx) => loadSettings(tx, tenantId));
  }

  saveSettings(tenantId: string, patch: Partial<WorkflowSettings>): Promise<WorkflowSettings> {
    return this.#db.transaction(tenantId, (tx) => saveSettings(tx, tenantId, patch));
  }
}
