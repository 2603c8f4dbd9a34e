import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { conditionCompiler, durationMs, MAX_WAIT_MS, type ApproverDefinition, evaluateCondition, renderDeep, stepCatalog, triggerObject, valueAt, type ConditionCompiler, type Duration, type WorkflowCondition, type WorkflowDefinition, type WorkflowStep } from '@protean/metadata/workflows';
import type { ObjectDef } from '@protean/metadata';
import type { Principal } from '../auth/principal.ts';
import type { Database, Queryable } from '../db/database.ts';
import type { DataService } from '../data/data-service.ts';
import { parseListRequest } from '../data/list-request.ts';
import { recordAsReadBy } from '../access/record-access.ts';
import type { ApiRecord, RecordRow } from '../data/record-codec.ts';
import type { RequestContext, WriteScope } from '../data/request-context.ts';
import type { TenantModel } from '../data/tenant-model.ts';
import { ProblemError } from '../errors/problems.ts';
import { daysOnInZone } from './zone-dates.ts';
import { LeaseLost, RetryAt, type ClaimedJob, type JobQueue } from '../jobs/job-queue.ts';
import { enqueueJob, type JobInput } from '../jobs/job-store.ts';
import type { MetadataService } from '../metadata/metadata-service.ts';
import type { Mailer } from './mailer.ts';
import { requesterOf } from './approval-deciders.ts';
import { resolveApprovers } from './approver-resolution.ts';
import { errorDetailOf, errorText, pauseNotice, pauseText, type ErrorDetail, type PauseDetail } from './run-errors.ts';
import { localeOf } from '../metadata/words.ts';
import { lockRun, RUN_JOB_RETRY, runActorSql, type LockedRun, type RunActorRow, RUN_QUEUE, saveRun, stepAt, writeSegment, writeStep, type RunRow, type RunState, type RunWait, type SegmentWrites } from './workflow-runs.ts';
import { DEFAULT_SETTINGS, definitionAt, ensureWorkflowAutomation, findWorkflow, type WorkflowSettings } from './workflow-store.ts';
import { UUID } from '../http/ids.ts';
import { checkedRecordValues } from '../http/normalize-input.ts';
import { createOutboundHttp } from '@protean/runtime';

export const MAIL_QUEUE = 'workflow.mail';

/** Runs a workflow's script step: an active script of the workspace, in the sandbox, as the script's principal (for the run's). */
export interface ScriptRunner {
  run(request: { principal: Principal; script: string; input: unknown; idempotencyKey: string }): Promise<unknown>;
}

export interface EngineOptions {
  db: Database;
  metadata: MetadataService;
  data: DataService;
  queue: JobQueue;
  mailer: Mailer;
  /** Lets HTTP steps call private and loopback addresses (the operator's choice, never a tenant's). */
  allowPrivateHosts?: boolean;
  /** Where links in emails point (the server's public address). */
  publicUrl?: string;
  scripts?: ScriptRunner;
}

/** What waking a waiting run means: its timer or timeout fired, a signal came, or a decision was made. */
export interface Wake {
  seq: number;
  outcome: 'done' | 'timeout' | 'check' | 'escalate' | 'approved' | 'rejected';
  data?: unknown;
}

interface ExternalCall {
  principal: Principal;
  runId: string;
  seq: number;
  step: WorkflowStep;
  input: Record<string, unknown>;
  key: string;
}

interface ExternalOutcome {
  seq: number;
  ok: boolean;
  output?: unknown;
  error?: ErrorDetail;
  durationMs: number;
}

interface StepResult {
  output: unknown;
  /** The branch taken or the next step; undefined ends this path (or returns to the loop around it). */
  next: string | undefined;
  wait?: Omit<RunWait, 'seq' | 'stepId'>;
  end?: boolean;
}

class StepLimitError extends Error {}

/** A step that writes failed on the pass without savepoints: the segment is rolled back and run again with them. */
class CarefulReplay extends Error {
  constructor(cause: unknown) {
    super('a step failed without a savepoint; the segment runs again with savepoints', { cause });
  }
}

interface Segment {
  /** Jobs were enqueued in the segment's transaction: workers on other processes are told after it commits. */
  enqueued: boolean;
  writes: SegmentWrites;
}

/** An HTTP step's answer past this is refused (read as it streams, never whole). */
const HTTP_STEP_MAX_RESPONSE_BYTES = 1024 * 1024;
const TERMINAL = new Set(['completed', 'failed', 'cancelled']);
const WRITES = new Set(['createRecord', 'updateRecord', 'createTask', 'findRecords', 'approval']);
const DEFAULT_EXTERNAL_RETRY = { maxAttempts: 3, backoffMs: 2_000 };

/**
 * Runs workflow runs as jobs. One job carries a run as far as it can go in one transaction:
 * each step's effects (records through the save pipeline with the workflow's principal), its
 * execution row and the run's new position commit together, so a crash at any point leaves the
 * run at its last committed step and the job, taken back, goes on from there. Steps that reach
 * outside the database (email, HTTP, scripts) are recorded as started first and carry an
 * idempotency key per run step, the same on every attempt. A wait is a job due later.
 */
export class WorkflowEngine {
  readonly #o: EngineOptions;
  // What the segment running in a transaction has pending (rows to write, whether it enqueued jobs).
  readonly #segments = new WeakMap<Queryable, Segment>();
  // Signs approval links in emails; the same on every process (kept in the database).
  #secret = '';

  constructor(options: EngineOptions) {
    this.#o = options;
  }

  useSecret(secret: string): void {
    this.#secret = secret;
  }

  register(): void {
    this.#o.queue.work(RUN_QUEUE, (job) => this.#handle(job));
    this.#o.queue.work(MAIL_QUEUE, async (job) => {
      const mail = job.payload as { to: string; subject: string; text: string; messageId: string };
      await this.#o.mailer.send(mail);
    });
  }

  async #handle(job: ClaimedJob): Promise<void> {
    const payload = job.payload as { runId: string; wake?: Wake };
    let wake = payload.wake;
    let pending: ExternalOutcome | undefined;
    // Steps run without savepoints while nothing fails (four round trips fewer per run); when a
    // step that writes fails, the segment is rolled back whole and run again with a savepoint
    // around each such step, so the failure is recorded and the steps before it are kept.
    let careful = false;
    for (;;) {
      const afterCommit: WriteScope['afterCommit'] = [];
      const segment: Segment = { enqueued: false, writes: { steps: [], notifications: [] } };
      let external: ExternalCall | undefined;
      try {
        external = await this.#o.db.writeTransaction(job.tenantId, (tx, revision) => this.#advance(tx, revision, job, payload.runId, wake, pending, afterCommit, careful, segment));
      } catch (error) {
        if (error instanceof CarefulReplay && !careful) {
          careful = true;
          continue;
        }
        throw error;
      }
      // After-commit work is a hint (outbox notices); the run itself is committed, so a failure is reported, not rethrown.
      for (const run of afterCommit) await Promise.resolve(run()).catch((error: unknown) => console.error('workflow after-commit hook failed', error));
      // Jobs written by the segment (a timer, a retry, an email) are due for other workers; this one wakes its own queue when the job ends.
      if (segment.enqueued) this.#o.queue.notify();
      if (!external) return;
      wake = undefined;
      careful = false;
      pending = await this.#external(job.tenantId, external);
    }
  }

  async #advance(
    tx: Queryable,
    revision: number,
    job: ClaimedJob,
    runId: string,
    wake: Wake | undefined,
    pending: ExternalOutcome | undefined,
    afterCommit: WriteScope['afterCommit'],
    careful: boolean,
    segment: Segment,
  ): Promise<ExternalCall | undefined> {
    const tenantId = job.tenantId;
    this.#segments.set(tx, segment);
    const writes = segment.writes;
    const run = await lockRun(tx, tenantId, runId);
    if (!run || TERMINAL.has(run.status) || (wake && (run.status !== 'waiting' || run.wait?.seq !== wake.seq))) {
      // Finished, cancelled, or a wake for a wait that is already over: nothing to do.
      await job.completeIn(tx);
      return undefined;
    }
    const settings = run.settings ?? DEFAULT_SETTINGS;
    const definition = await definitionAt(tx, tenantId, run.workflowId, run.version);
    const model = await this.#o.metadata.modelAt(tenantId, revision, tx);
    const { principal, activatedBy } = await this.#principal(tx, tenantId, run.workflowId, run.actor);
    const scope: WriteScope = { tx, model, afterCommit };
    const ctx: RequestContext = { principal, model, scope };
    const state = run.scope;

    const starting = run.status === 'queued';
    if (starting) {
      // Over the tenant's limit: the run starts when a slot frees up, without spending an attempt.
      if ((run.openRuns ?? 0) >= settings.maxConcurrentRuns) throw new RetryAt(new Date(Date.now() + 250 + Math.random() * 750), 'concurrent run limit');
      run.status = 'running';
      // Who acted, as it was when the run started (a later change of the principal's profile shows in later runs); written with the run.
      run.actedAs = { id: principal.userId, name: principal.userName, kind: 'automation', profile: principal.role };
    }
    // Rows of inline steps that completed and notifications they sent (segment.writes) are written
    // with the segment's end, or before anything else is written.
    const flush = async () => {
      await writeSegment(tx, tenantId, run.id, { steps: writes.steps.splice(0), notifications: writes.notifications.splice(0) });
    };
    if (run.status === 'waiting') {
      const resumed = await this.#wake(tx, ctx, run, definition, wake!);
      if (!resumed) {
        await saveRun(tx, run);
        await job.completeIn(tx);
        return undefined;
      }
    }
    // A run's first segment carries the record its trigger read a moment ago; later ones read it again.
    if (!starting) await this.#refreshRecord(tx, model, run, principal);

    if (pending) {
      const step = stepOf(definition, run.cursor!);
      const row = await stepAt(tx, tenantId, run.id, pending.seq);
      if (row?.status !== 'running') {
        await job.completeIn(tx);
        return undefined;
      }
      if (!pending.ok) return this.#stepFailed(tx, job, run, definition, step, pending.seq, row.input, pending.error ?? { message: 'failed' }, pending.durationMs, true, settings);
      await writeStep(tx, tenantId, run.id, { seq: pending.seq, stepId: step.id, type: step.type, status: 'completed', input: row.input, output: pending.output, durationMs: pending.durationMs, newAttempt: false });
      state.steps[step.id] = pending.output;
      run.seq = pending.seq;
      run.cursor = this.#after(state, step.next);
    }

    while (run.cursor) {
      const step = stepOf(definition, run.cursor);
      const seq = run.seq + 1;
      if (seq > settings.maxStepsPerRun) {
        await flush();
        return this.#failRun(tx, job, run, step.id, { message: `The run took more than ${settings.maxStepsPerRun} steps, this workspace's limit per run` }, settings);
      }
      const view = runView(state, model, run);
      const input = (step.type === 'condition' || step.type === 'switch' || step.type === 'wait' ? step.config : renderDeep(step.config, view)) as Record<string, unknown>;
      if (stepCatalog[step.type].external) {
        await flush();
        await writeStep(tx, tenantId, run.id, { seq, stepId: step.id, type: step.type, status: 'running', input, newAttempt: true });
        await saveRun(tx, run);
        return { principal, runId: run.id, seq, step, input, key: `${run.id}:${seq}` };
      }
      const started = performance.now();
      // Steps that write through SQL can fail half way: on the careful pass a savepoint undoes just their part.
      const writing = WRITES.has(step.type);
      const guarded = careful && writing;
      if (guarded) await tx.query('savepoint workflow_step');
      let result: StepResult;
      try {
        result = await this.#inline(ctx, run, state, step, input, seq, settings, view, conditionCompiler(model.snapshot, triggerObject(definition)), activatedBy);
        if (guarded) await tx.query('release savepoint workflow_step');
      } catch (error) {
        // Without a savepoint the transaction may be aborted: the segment starts again, carefully.
        if (writing && !careful) throw new CarefulReplay(error);
        if (guarded) await tx.query('rollback to savepoint workflow_step');
        await flush();
        if (error instanceof StepLimitError) return this.#failRun(tx, job, run, step.id, errorDetailOf(error), settings, { seq, step, input });
        return this.#stepFailed(tx, job, run, definition, step, seq, input, errorDetailOf(error), performance.now() - started, !(error instanceof ProblemError), settings);
      }
      const duration = performance.now() - started;
      if (result.wait) {
        await flush();
        await writeStep(tx, tenantId, run.id, { seq, stepId: step.id, type: step.type, status: 'waiting', input, output: result.output, durationMs: duration, newAttempt: false });
        run.status = 'waiting';
        run.wait = { ...result.wait, seq, stepId: step.id };
        await this.#armWait(tx, run);
        await saveRun(tx, run);
        await job.completeIn(tx);
        return undefined;
      }
      writes.steps.push({ seq, stepId: step.id, type: step.type, input, output: result.output, durationMs: duration });
      state.steps[step.id] = result.output;
      run.seq = seq;
      run.cursor = result.end ? null : this.#after(state, result.next);
    }
    run.status = 'completed';
    run.error = null;
    run.errorDetail = null;
    run.failedStep = null;
    // The segment's rows, the run, the streak's reset and the job's completion: one round trip.
    const completed = await writeSegment(tx, tenantId, run.id, { ...writes, run, resetStreak: true, job: { id: job.id, ...job.lease } });
    if (!completed) throw new LeaseLost(job.id);
    job.markCompleted();
    return undefined;
  }

  /** The next step: the one named, else back to the innermost loop, else the end of the run. */
  #after(state: RunState, next: string | undefined): string | null {
    if (next) return next;
    const frame = state.loops.at(-1);
    return frame ? frame.stepId : null;
  }

  async #refreshRecord(tx: Queryable, model: TenantModel, run: RunRow, principal: Principal): Promise<void> {
    if (!run.recordId || !run.recordObject) return;
    const object = model.object(run.recordObject);
    if (!object) return;
    const [row] = await tx.query<RecordRow>(
      'select id, object_id, version, data, created_at, created_by, updated_at, updated_by from record where tenant_id = $1 and object_id = $2 and id = $3 and deleted_at is null',
      [run.tenantId, object.id, run.recordId],
    );
    if (!row) return;
    // As the run's principal reads it now: a record gone out of its reach keeps only its id.
    run.scope.record = (await recordAsReadBy(tx, await this.#o.data.access.shapeOf(principal, tx), model, object, row)) ?? { id: run.recordId };
  }

  /**
   * A run acts as the workflow's automation principal: the data service enforces its profile (and
   * role, if it has one) as for a user. A workflow activated before it had one gets one now, with
   * the profile of the user who activated it.
   */
  async #principal(tx: Queryable, tenantId: string, workflowId: string, read: RunActorRow | null): Promise<Actor> {
    let row: RunActorRow | null | undefined = read;
    if (!row) throw new Error('The workflow or the user who activated it no longer exists');
    if (!row.automationId || !row.profile) {
      await ensureWorkflowAutomation(tx, tenantId, await findWorkflow(tx, tenantId, workflowId), row.role);
      [row] = await tx.query<RunActorRow>(runActorSql('$2'), [tenantId, workflowId]);
    }
    const principal: Principal = { tenantId, tenantSlug: row!.slug, tenantName: row!.tenantName, userId: row!.automationId!, userName: row!.name!, role: row!.profile!, locale: row!.locale, via: 'automation' };
    return { principal, activatedBy: row!.userId };
  }

  async #inline(ctx: RequestContext, run: LockedRun, state: RunState, step: WorkflowStep, input: Record<string, unknown>, seq: number, settings: WorkflowSettings, view: Record<string, unknown>, compile: ConditionCompiler, activatedBy: string): Promise<StepResult> {
    const { tx } = ctx.scope!;
    const model = ctx.model;
    const tenantId = run.tenantId;
    // Tasks, notifications and records a run makes belong to the record's owner, else to whoever activated the workflow.
    const owner = (typeof state.record?.['owner'] === 'string' ? state.record['owner'] : undefined) ?? activatedBy;
    switch (step.type) {
      case 'condition': {
        const result = evaluateCondition(input['condition'] as WorkflowCondition, view, compile, run.timeZone);
        return { output: { result }, next: result ? (step.branches?.['true'] ?? step.next) : step.branches?.['false'] };
      }
      case 'switch': {
        const cases = input['cases'] as { name: string; condition: WorkflowCondition }[];
        const hit = cases.find((c) => evaluateCondition(c.condition, view, compile, run.timeZone));
        return { output: { case: hit?.name ?? 'default' }, next: hit ? step.branches?.[hit.name] : (step.branches?.['default'] ?? step.next) };
      }
      case 'createRecord': {
        const object = this.#o.data.object(model, String(input['object']));
        const record = await this.#o.data.create(ctx, object, ownedBy(model, object, checkedRecordValues(input['values']), owner));
        return { output: { id: record['id'], record }, next: step.next };
      }
      case 'updateRecord': {
        const objectName = (input['object'] as string | undefined) || run.recordObject;
        const id = (input['recordId'] as string | undefined) || run.recordId;
        if (!objectName || !id) throw new ProblemError('validation', 422, 'There is no record to update: the trigger has none and the step names none');
        const object = this.#o.data.object(model, objectName);
        const record = await this.#o.data.update(ctx, object, String(id), checkedRecordValues(input['values']), undefined);
        if (id === run.recordId) state.record = record;
        return { output: { id, version: record['version'] }, next: step.next };
      }
      case 'findRecords': {
        // Through the read path as the run's principal: its profile's object and field rights and
        // its record sharing narrow what it finds, exactly as for a user's list.
        const object = this.#o.data.object(model, String(input['object']));
        const conditions = Object.entries((input['where'] ?? {}) as Record<string, unknown>).map(([field, value]) => (value === null ? { field, op: 'isNull', value: true } : { field, op: 'eq', value }));
        const id = typeof input['id'] === 'string' && input['id'] ? input['id'] : undefined;
        let records: ApiRecord[] = [];
        if (id === undefined || UUID.test(id)) {
          if (id !== undefined) conditions.push({ field: 'id', op: 'eq', value: id });
          const filter = conditions.length === 0 ? undefined : JSON.stringify(conditions.length === 1 ? conditions[0] : { and: conditions });
          const query = parseListRequest(model, object, { ...(filter ? { filter } : {}), sort: 'created_at', limit: Number(input['limit'] ?? 20) });
          records = (await this.#o.data.list(ctx, query)).data;
        }
        return { output: { count: records.length, records, ids: records.map((r) => r['id']) }, next: step.next };
      }
      case 'createTask': {
        const task = this.#o.data.object(model, 'task');
        const values: Record<string, unknown> = { subject: input['subject'] };
        const assignee = (input['assignee'] as string | undefined) || owner;
        if (model.field(task, 'assignee')) values['assignee'] = assignee;
        if (input['priority'] && model.field(task, 'priority')) values['priority'] = input['priority'];
        if (input['description'] && model.field(task, 'description')) values['description'] = input['description'];
        if (typeof input['dueInDays'] === 'number' && model.field(task, 'due_date')) values['due_date'] = daysOnInZone(run.timeZone, Number(input['dueInDays']));
        // Linked to the run's record through the task's lookup to that record's object, if it has one.
        const recordObject = run.recordObject ? model.object(run.recordObject) : undefined;
        const link = recordObject && run.recordId ? model.liveFields(task).find((f) => f.type === 'lookup' && f.lookup?.objectId === recordObject.id) : undefined;
        if (link && state.record) values[link.apiName] = run.recordId;
        const record = await this.#o.data.create(ctx, task, ownedBy(model, task, checkedRecordValues(values), owner));
        return { output: { id: record['id'], assignee, due_date: record['due_date'] ?? null }, next: step.next };
      }
      case 'notify': {
        const userId = String((input['user'] as string | undefined) || owner);
        if (!UUID.test(userId)) throw new ProblemError('validation', 422, `The notification's user '${userId}' is not a user id`);
        const id = randomUUID();
        // Written with the segment's other rows (nothing in the segment reads it back).
        this.#segments.get(tx)!.writes.notifications.push({
          id,
          userId,
          message: String(input['message']),
          link: run.recordId ? { object: run.recordObject, recordId: run.recordId } : null,
          source: `workflow:${run.workflowId}`,
        });
        return { output: { notificationId: id, userId }, next: step.next };
      }
      case 'setVariable': {
        state.vars[String(input['name'])] = input['value'];
        return { output: { name: input['name'], value: input['value'] }, next: step.next };
      }
      case 'end':
        return { output: { outcome: input['outcome'] ?? 'completed' }, next: undefined, end: true };
      case 'loop': {
        const frame = state.loops.at(-1);
        if (frame?.stepId === step.id) {
          frame.index += 1;
        } else {
          const items = valueAt(view, String(input['over']));
          const list = Array.isArray(items) ? items : items === undefined || items === null ? [] : [items];
          const bound = Math.min(Number(input['max']), settings.maxLoopItems);
          if (list.length > bound) throw new StepLimitError(`The loop over ${String(input['over'])} has ${list.length} items; it may run over at most ${bound}`);
          state.loops.push({ stepId: step.id, items: list, index: 0 });
        }
        const current = state.loops.at(-1)!;
        const as = String(input['as'] ?? 'item');
        if (current.index < current.items.length) {
          state.vars[as] = current.items[current.index];
          state.vars[`${as}_index`] = current.index;
          return { output: { index: current.index, of: current.items.length }, next: step.branches?.['each'] };
        }
        state.loops.pop();
        return { output: { done: current.items.length }, next: step.next };
      }
      case 'wait':
        return this.#beginWait(input, step, view, compile, run.timeZone);
      case 'approval':
        return this.#beginApproval(ctx, run, input, seq);
      default:
        throw new Error(`The step type '${step.type}' is not run inline`);
    }
  }

  #beginWait(config: Record<string, unknown>, step: WorkflowStep, view: Record<string, unknown>, compile: ConditionCompiler, timeZone: string): StepResult {
    const now = Date.now();
    const timeout = config['timeout'] as Duration | undefined;
    const timeoutAt = timeout ? new Date(now + durationMs(timeout)).toISOString() : undefined;
    const mode = config['mode'] as RunWait['mode'];
    if (mode === 'duration') return { output: {}, next: undefined, wait: { mode, at: new Date(now + durationMs(config['duration'] as Duration)).toISOString() } };
    if (mode === 'until') {
      const raw = renderDeep(config['until'], view);
      const at = new Date(String(raw));
      if (Number.isNaN(at.getTime())) throw new ProblemError('validation', 422, `The wait's date '${String(raw)}' is not a date`);
      // Past ten years it is a date typed wrong (or beyond what the database stores), not a wait.
      if (at.getTime() - now > MAX_WAIT_MS) throw new ProblemError('validation', 422, `The wait's date '${String(raw)}' is more than ten years away`);
      if (at.getTime() <= now) return { output: { outcome: 'done', at: at.toISOString() }, next: step.branches?.['done'] ?? step.next };
      return { output: {}, next: undefined, wait: { mode, at: at.toISOString() } };
    }
    if (mode === 'condition') {
      if (evaluateCondition(config['condition'] as WorkflowCondition, view, compile, timeZone)) return { output: { outcome: 'done' }, next: step.branches?.['done'] ?? step.next };
      return { output: {}, next: undefined, wait: { mode, ...(timeoutAt ? { timeoutAt } : {}) } };
    }
    return { output: {}, next: undefined, wait: { mode, event: String(config['event']), ...(timeoutAt ? { timeoutAt } : {}) } };
  }

  /**
   * Asks the step's approvers, resolved to users now and kept with the request with what each
   * definition named (approver-resolution.ts). A step whose approvers name nobody fails, saying
   * why each named none: the designer sees it in the run's history and retries the run once the
   * roles or the record are put right.
   */
  async #beginApproval(ctx: RequestContext, run: RunRow, input: Record<string, unknown>, seq: number): Promise<StepResult> {
    const { tx } = ctx.scope!;
    // `assignees` is the earlier form of user approvers: a step may still have both.
    const definitions: ApproverDefinition[] = [
      ...((input['approvers'] as ApproverDefinition[] | undefined) ?? []),
      ...((input['assignees'] as unknown[] | undefined) ?? []).map((user) => ({ user: String(user) })),
    ];
    const resolved = await resolveApprovers(tx, run.tenantId, ctx.model, { object: run.recordObject, id: run.recordId }, definitions);
    const assignees = [...new Set(resolved.flatMap((r) => r.users))];
    if (!assignees.length) throw new ProblemError('validation', 422, `The approval has no approver: ${resolved.map((r) => r.nobody).join('; ')}`);
    const mode = input['decision'] === 'unanimous' ? 'unanimous' : 'first';
    const id = randomUUID();
    // Who asked and whether they may decide alone are kept with the request: the decision weighs them (approval-deciders.ts).
    await tx.query(
      'insert into workflow_approval (tenant_id, id, run_id, seq, assignees, message, requested_by, self_approval, decision_mode, approvers) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)',
      [run.tenantId, id, run.id, seq, assignees, String(input['message']), requesterOf(run.scope), input['allowSelfApproval'] === true, mode, JSON.stringify(resolved)],
    );
    await this.askApprovers(tx, run, id, assignees, String(input['message']));
    const escalate = input['escalateAfter'] as Duration | undefined;
    return {
      output: { approvalId: id, assignees, decision: mode, approvers: resolved },
      next: undefined,
      wait: { mode: 'approval', approvalId: id, ...(escalate ? { timeoutAt: new Date(Date.now() + durationMs(escalate)).toISOString() } : {}) },
    };
  }

  /** Tells each of `userIds` in the app, and by email with signed links when mail is set up, that the approval waits for them. */
  async askApprovers(tx: Queryable, run: Pick<RunRow, 'tenantId' | 'workflowId'>, approvalId: string, userIds: string[], message: string): Promise<void> {
    for (const userId of userIds) {
      await tx.query('insert into user_notification (tenant_id, id, user_id, message, link, source) values ($1, $2, $3, $4, $5, $6)', [
        run.tenantId,
        randomUUID(),
        userId,
        message,
        JSON.stringify({ approvalId }),
        `workflow:${run.workflowId}`,
      ]);
    }
    if (!this.#o.mailer.configured) return;
    const users = await tx.query<{ id: string; email: string; slug: string }>(
      'select u.id, u.email, t.slug from app_user u join tenant t on t.id = u.tenant_id where u.tenant_id = $1 and u.id = any($2::uuid[]) and u.active',
      [run.tenantId, userIds],
    );
    for (const user of users) {
      const link = (decision: string) =>
        `${this.#o.publicUrl ?? ''}/api/v1/workflow-approvals/${approvalId}/email-decision?tenant=${user.slug}&decision=${decision}&user=${user.id}&token=${this.approvalToken(run.tenantId, approvalId, user.id, decision)}`;
      await this.#enqueue(tx, {
        tenantId: run.tenantId,
        queue: MAIL_QUEUE,
        payload: { to: user.email, subject: message, text: `${message}\n\nApprove: ${link('approved')}\nReject: ${link('rejected')}\n`, messageId: `<approval-${approvalId}-${user.id}@protean>` },
        idempotencyKey: `approval:${approvalId}:${user.id}`,
      });
    }
  }

  /** Enqueues a job in the segment's transaction and remembers to tell other processes once it commits. */
  async #enqueue(tx: Queryable, input: JobInput): Promise<void> {
    const segment = this.#segments.get(tx);
    if (segment) segment.enqueued = true;
    await enqueueJob(tx, input);
  }

  /** The token in an approval email's link: one per approval, approver and decision. */
  approvalToken(tenantId: string, approvalId: string, userId: string, decision: string): string {
    return createHmac('sha256', this.#secret).update(`${tenantId}:${approvalId}:${userId}:${decision}`).digest('base64url');
  }

  checkApprovalToken(tenantId: string, approvalId: string, userId: string, decision: string, token: string): boolean {
    const expected = Buffer.from(this.approvalToken(tenantId, approvalId, userId, decision));
    const given = Buffer.from(token);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  /** Timers of a wait: one job at its time and/or its timeout; none for a wait on a signal alone. */
  async #armWait(tx: Queryable, run: RunRow): Promise<void> {
    const wait = run.wait!;
    const jobs: { at: string; outcome: Wake['outcome'] }[] = [];
    if (wait.at) jobs.push({ at: wait.at, outcome: 'done' });
    if (wait.timeoutAt) jobs.push({ at: wait.timeoutAt, outcome: wait.mode === 'approval' ? 'escalate' : 'timeout' });
    for (const j of jobs) {
      await this.#enqueue(tx, {
        tenantId: run.tenantId,
        queue: RUN_QUEUE,
        payload: { runId: run.id, wake: { seq: wait.seq, outcome: j.outcome } },
        runAt: j.at,
        idempotencyKey: `wake:${run.id}:${wait.seq}:${j.outcome}`,
        retry: RUN_JOB_RETRY,
      });
    }
  }

  /** Ends a wait (true) or leaves the run waiting (false: a condition still false, an escalation). */
  async #wake(tx: Queryable, ctx: RequestContext, run: LockedRun, definition: WorkflowDefinition, wake: Wake): Promise<boolean> {
    const wait = run.wait!;
    const step = stepOf(definition, wait.stepId);
    if (wake.outcome === 'check') {
      await this.#refreshRecord(tx, ctx.model, run, ctx.principal);
      if (!evaluateCondition(step.config['condition'] as WorkflowCondition, runView(run.scope, ctx.model, run), conditionCompiler(ctx.model.snapshot, triggerObject(definition)), run.timeZone)) return false;
      wake = { ...wake, outcome: 'done' };
    }
    if (wake.outcome === 'escalate') {
      const to = String(renderDeep(step.config['escalateTo'] ?? '', runView(run.scope, ctx.model, run)));
      if (UUID.test(to)) {
        await tx.query("update workflow_approval set assignees = array_append(assignees, $3::uuid), escalated = true where tenant_id = $1 and id = $2 and status = 'pending' and not ($3::uuid = any(assignees))", [run.tenantId, wait.approvalId, to]);
        await this.askApprovers(tx, run, wait.approvalId!, [to], `Escalated: ${String(step.config['message'])}`);
      }
      await tx.query('update workflow_step set output = output || $4 where tenant_id = $1 and run_id = $2 and seq = $3', [run.tenantId, run.id, wait.seq, JSON.stringify({ escalatedTo: to || null })]);
      return false;
    }
    const branch = wake.outcome === 'timeout' ? (step.branches?.['timeout'] ?? step.next) : wake.outcome === 'approved' || wake.outcome === 'rejected' ? step.branches?.[wake.outcome] : (step.branches?.['done'] ?? step.next);
    const output = { outcome: wake.outcome, ...(wake.data === undefined ? {} : { data: wake.data }) };
    await tx.query(
      "update workflow_step set status = 'completed', output = coalesce(output, '{}'::jsonb) || $4, finished_at = now(), duration_ms = extract(epoch from now() - started_at) * 1000 where tenant_id = $1 and run_id = $2 and seq = $3",
      [run.tenantId, run.id, wait.seq, JSON.stringify(output)],
    );
    run.scope.steps[step.id] = output;
    run.seq = wait.seq;
    run.status = 'running';
    run.wait = null;
    run.cursor = this.#after(run.scope, branch);
    return true;
  }

  async #external(tenantId: string, call: ExternalCall): Promise<ExternalOutcome> {
    const started = performance.now();
    try {
      const output = await this.#callOut(tenantId, call);
      return { seq: call.seq, ok: true, output, durationMs: performance.now() - started };
    } catch (error) {
      return { seq: call.seq, ok: false, error: errorDetailOf(error), durationMs: performance.now() - started };
    }
  }

  async #callOut(tenantId: string, { principal, step, input, key }: ExternalCall): Promise<unknown> {
    if (step.type === 'sendEmail') {
      const sent = await this.#o.mailer.send({ to: String(input['to']), subject: String(input['subject']), text: String(input['body']), messageId: `<${key}@protean>` });
      return sent;
    }
    if (step.type === 'http') {
      // The runtime's outbound client, as scripts': the connection goes to the address it checked
      // (no second lookup to rebind), every redirect is checked again, the response is bounded.
      const client = createOutboundHttp({
        allowedHosts: 'any',
        timeoutMs: Number(input['timeoutMs'] ?? 10_000),
        maxResponseBytes: HTTP_STEP_MAX_RESPONSE_BYTES,
        ...(this.#o.allowPrivateHosts ? { allowAddress: () => true } : {}),
      });
      const method = String(input['method']);
      const target = new URL(String(input['url']));
      const response = await client.fetch(target.href, {
        method,
        headers: { 'idempotency-key': key, ...((input['headers'] as Record<string, string> | undefined) ?? {}) },
        ...(input['body'] !== undefined && method !== 'GET' ? { body: input['body'] } : {}),
      });
      // What the run keeps of the answer: the first 64 KB, parsed when it is JSON and whole.
      const text = response.body.slice(0, 65_536);
      const body: unknown = response.json !== undefined && text.length === response.body.length ? response.json : text;
      if (response.status >= 400) throw new Error(`${method} ${target.host}${target.pathname} answered ${response.status}`);
      return { status: response.status, body };
    }
    if (step.type === 'script') {
      if (!this.#o.scripts) throw new Error('Script steps need the sandboxed runtime, which this server has not enabled');
      void tenantId;
      return this.#o.scripts.run({ principal, script: String(input['script']), input: { ...((input['input'] as Record<string, unknown> | undefined) ?? {}), idempotencyKey: key }, idempotencyKey: key });
    }
    throw new Error(`The step type '${step.type}' does not reach outside`);
  }

  async #stepFailed(
    tx: Queryable,
    job: ClaimedJob,
    run: RunRow,
    definition: WorkflowDefinition,
    step: WorkflowStep,
    seq: number,
    input: unknown,
    error: ErrorDetail,
    duration: number,
    retryable: boolean,
    settings: WorkflowSettings,
  ): Promise<undefined> {
    const external = stepCatalog[step.type].external;
    const attempt = await writeStep(tx, run.tenantId, run.id, { seq, stepId: step.id, type: step.type, status: 'failed', input, error, durationMs: duration, newAttempt: !external });
    const policy = step.retry ?? (external ? DEFAULT_EXTERNAL_RETRY : { maxAttempts: 1, backoffMs: 0 });
    void definition;
    if (retryable && attempt < policy.maxAttempts) {
      await this.#enqueue(tx, {
        tenantId: run.tenantId,
        queue: RUN_QUEUE,
        payload: { runId: run.id },
        runAt: new Date(Date.now() + policy.backoffMs * 2 ** (attempt - 1)),
        idempotencyKey: `retry:${run.id}:${seq}:${attempt}`,
        retry: RUN_JOB_RETRY,
      });
      run.error = errorText(error);
      run.errorDetail = error;
      await saveRun(tx, run);
      await job.completeIn(tx);
      return undefined;
    }
    return this.#failRun(tx, job, run, step.id, error, settings);
  }

  async #failRun(tx: Queryable, job: ClaimedJob, run: RunRow, stepId: string, error: ErrorDetail, settings: WorkflowSettings, record?: { seq: number; step: WorkflowStep; input: unknown }): Promise<undefined> {
    if (record) await writeStep(tx, run.tenantId, run.id, { seq: record.seq, stepId: record.step.id, type: record.step.type, status: 'failed', input: record.input, error, newAttempt: false });
    run.status = 'failed';
    run.error = errorText(error);
    run.errorDetail = error;
    run.failedStep = stepId;
    await saveRun(tx, run);
    if (!run.test) await this.#countFailure(tx, run, settings);
    await job.completeIn(tx);
    return undefined;
  }

  /** A workflow whose runs keep failing is paused, and every admin is told in the app (and by email when mail is set up). */
  async #countFailure(tx: Queryable, run: RunRow, settings: WorkflowSettings): Promise<void> {
    const [wf] = await tx.query<{ streak: number; label: string; status: string }>(
      'update workflow set failure_streak = failure_streak + 1 where tenant_id = $1 and id = $2 returning failure_streak as streak, label, status',
      [run.tenantId, run.workflowId],
    );
    if (!wf || wf.status !== 'active' || wf.streak < settings.pauseAfterFailures) return;
    // Stored in English and as its parts, which the API answers in the reader's language.
    const detail: PauseDetail = { streak: wf.streak, last: run.errorDetail };
    const reason = pauseText(detail);
    await tx.query("update workflow set status = 'paused', paused_reason = $3, paused_detail = $4, updated_at = now() where tenant_id = $1 and id = $2", [run.tenantId, run.workflowId, reason, JSON.stringify(detail)]);
    await tx.query("update job_schedule set active = false where tenant_id = $1 and name = $2", [run.tenantId, `workflow:${run.workflowId}`]);
    const admins = await tx.query<{ id: string; email: string; locale: string }>("select id, email, locale from app_user where tenant_id = $1 and role = 'admin' and active", [run.tenantId]);
    for (const admin of admins) {
      // Written once and kept, so in the language each admin reads.
      const notice = pauseNotice(wf.label, detail, localeOf(admin.locale));
      await tx.query('insert into user_notification (tenant_id, id, user_id, message, link, source) values ($1, $2, $3, $4, $5, $6)', [
        run.tenantId,
        randomUUID(),
        admin.id,
        notice.message,
        JSON.stringify({ workflowId: run.workflowId }),
        'workflow-pause',
      ]);
      if (this.#o.mailer.configured) {
        await this.#enqueue(tx, {
          tenantId: run.tenantId,
          queue: MAIL_QUEUE,
          payload: { to: admin.email, subject: notice.subject, text: notice.reason, messageId: `<pause-${run.id}-${admin.id}@protean>` },
          idempotencyKey: `pause:${run.id}:${admin.id}`,
        });
      }
    }
  }
}

function stepOf(definition: WorkflowDefinition, id: string): WorkflowStep {
  const step = definition.steps.find((s) => s.id === id);
  if (!step) throw new Error(`The workflow version has no step '${id}'`);
  return step;
}

/** What conditions and templates see: the run's state plus the tenant's terms. */
interface Actor {
  principal: Principal;
  /** The user who activated the workflow. */
  activatedBy: string;
}

/** An automation owns nothing: owner fields a step leaves empty go to a user. */
function ownedBy(model: TenantModel, object: ObjectDef, values: unknown, owner: string): unknown {
  if (!values || typeof values !== 'object' || Array.isArray(values)) return values;
  const out = { ...(values as Record<string, unknown>) };
  for (const field of model.liveFields(object)) if (field.type === 'owner' && out[field.apiName] === undefined) out[field.apiName] = owner;
  return out;
}

function runView(state: RunState, model: TenantModel, run?: RunRow): Record<string, unknown> {
  return { ...state, term: termWords(model), ...(run ? { run: { id: run.id, workflowId: run.workflowId, version: run.version } } : {}) };
}

function termWords(model: TenantModel): Record<string, string> {
  return model.memo('workflow-terms', () => {
    const out: Record<string, string> = {};
    for (const term of model.snapshot.terms ?? []) out[term.key] = term.forms.en.singular;
    return out;
  });
}

