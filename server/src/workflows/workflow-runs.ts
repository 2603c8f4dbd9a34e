import { randomUUID } from 'node:crypto';
import type { WorkflowDefinition } from '@protean/metadata/workflows';
import type { Queryable } from '../db/database.ts';
import type { ApiRecord } from '../data/record-codec.ts';
import { errorText, type ErrorDetail } from './run-errors.ts';
import { definitionAt, type WorkflowRow, type WorkflowSettings } from './workflow-store.ts';

export type RunStatus = 'queued' | 'running' | 'waiting' | 'completed' | 'failed' | 'cancelled';

export interface LoopFrame {
  stepId: string;
  items: unknown[];
  index: number;
}

/** What a run carries from step to step (stored as `workflow_run.scope`). */
export interface RunState {
  record?: ApiRecord | null;
  previous?: ApiRecord;
  input?: Record<string, unknown>;
  trigger?: Record<string, unknown>;
  vars: Record<string, unknown>;
  steps: Record<string, unknown>;
  loops: LoopFrame[];
}

export interface RunWait {
  seq: number;
  stepId: string;
  mode: 'duration' | 'until' | 'condition' | 'event' | 'approval';
  at?: string;
  timeoutAt?: string;
  event?: string;
  approvalId?: string;
}

export interface RunRow {
  tenantId: string;
  id: string;
  workflowId: string;
  version: number;
  status: RunStatus;
  recordObject: string | null;
  recordId: string | null;
  scope: RunState;
  cursor: string | null;
  seq: number;
  wait: RunWait | null;
  error: string | null;
  /** What `error` was made of (null for runs that failed before it was kept). */
  errorDetail: ErrorDetail | null;
  failedStep: string | null;
  test: boolean;
  /** The principal the run acted as: its workflow's automation principal and that principal's profile when the run started. */
  actedAs: { id: string; name: string; kind: 'automation'; profile: string } | null;
  startedAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

export const RUN_COLUMNS = `tenant_id as "tenantId", id, workflow_id as "workflowId", version, status, record_object as "recordObject", record_id as "recordId",
  scope, cursor, seq, wait, error, error_detail as "errorDetail", failed_step as "failedStep", test, acted_as as "actedAs", started_at as "startedAt", updated_at as "updatedAt", finished_at as "finishedAt"`;

export const RUN_QUEUE = 'workflow.run';
/** Retries of the run job itself (a crash, a lost connection); a step's own failures follow its policy. */
export const RUN_JOB_RETRY = { maxAttempts: 25, backoffMs: 500, backoffMaxMs: 60_000 };

export interface NewRun {
  tenantId: string;
  workflow: Pick<WorkflowRow, 'id' | 'activeVersion' | 'version'>;
  /** Runs started by the same event share a key, so a redelivered event starts nothing new. */
  triggerKey?: string;
  recordObject?: string | null;
  recordId?: string | null;
  record?: ApiRecord | null;
  previous?: ApiRecord;
  input?: Record<string, unknown>;
  trigger?: Record<string, unknown>;
  /** A test run starts on the latest version, active or not. */
  test?: boolean;
  runAt?: Date;
}

/**
 * Creates a run and its first job in the caller's transaction (the trigger's): either both
 * exist once it commits, or neither. Answers whether the run is new.
 */
export async function createRun(tx: Queryable, run: NewRun): Promise<{ id: string; created: boolean }> {
  return (await createRuns(tx, [run]))[0]!;
}

/**
 * Creates runs and their first jobs in the caller's transaction, in one statement however many
 * (the trigger consumer writes a batch's runs at once). A run whose trigger key exists already is
 * not created again; its id is answered with `created: false`.
 */
export async function createRuns(tx: Queryable, runs: readonly NewRun[]): Promise<{ id: string; created: boolean }[]> {
  if (!runs.length) return [];
  const rows: Record<string, unknown>[] = [];
  for (const run of runs) {
    const version = run.test ? run.workflow.version : (run.workflow.activeVersion ?? run.workflow.version);
    const definition: WorkflowDefinition = await definitionAt(tx, run.tenantId, run.workflow.id, version);
    const vars: Record<string, unknown> = {};
    for (const v of definition.variables ?? []) vars[v.name] = v.default ?? null;
    const state: RunState = {
      record: run.record ?? null,
      ...(run.previous ? { previous: run.previous } : {}),
      input: run.input ?? {},
      trigger: run.trigger ?? {},
      vars,
      steps: {},
      loops: [],
    };
    rows.push({
      tenant_id: run.tenantId,
      id: randomUUID(),
      job_id: randomUUID(),
      workflow_id: run.workflow.id,
      version,
      trigger_key: run.triggerKey ?? null,
      record_object: run.recordObject ?? null,
      record_id: run.recordId ?? null,
      scope: state,
      cursor: definition.start,
      test: run.test ?? false,
      run_at: run.runAt?.toISOString() ?? null,
    });
  }
  // The run and its job are written together; a trigger key seen before writes neither (and the
  // same key twice in one call writes the first). The job's idempotency key is 'start:<run>'.
  const created = await tx.query<{ id: string }>(
    `with input as (
       select * from jsonb_to_recordset($1::jsonb) as x(tenant_id uuid, id uuid, job_id uuid, workflow_id uuid, version int, trigger_key text, record_object text, record_id uuid, scope jsonb, cursor text, test boolean, run_at timestamptz)
     ), runs as (
       insert into workflow_run (tenant_id, id, workflow_id, version, status, trigger_key, record_object, record_id, scope, cursor, test)
       select tenant_id, id, workflow_id, version, 'queued', trigger_key, record_object, record_id, scope, cursor, test from input
       on conflict (tenant_id, workflow_id, trigger_key) where trigger_key is not null do nothing
       returning id
     ), jobs as (
       insert into job (tenant_id, id, queue, payload, run_at, max_attempts, backoff_ms, backoff_max_ms, idempotency_key)
       select i.tenant_id, i.job_id, '${RUN_QUEUE}', jsonb_build_object('runId', i.id), coalesce(i.run_at, now()), $2, $3, $4, 'start:' || i.id
         from input i join runs r on r.id = i.id
     )
     select id from runs`,
    [JSON.stringify(rows), RUN_JOB_RETRY.maxAttempts, RUN_JOB_RETRY.backoffMs, RUN_JOB_RETRY.backoffMaxMs],
  );
  const made = new Set(created.map((r) => r.id));
  const out: { id: string; created: boolean }[] = [];
  for (const row of rows) {
    const id = row['id'] as string;
    if (made.has(id)) {
      out.push({ id, created: true });
      continue;
    }
    const [existing] = await tx.query<{ id: string }>('select id from workflow_run where tenant_id = $1 and workflow_id = $2 and trigger_key = $3', [row['tenant_id'], row['workflow_id'], row['trigger_key']]);
    out.push({ id: existing!.id, created: false });
  }
  return out;
}

/** Who a workflow runs as, read with its run (`RunActorRow` of `lockRun`). */
export interface RunActorRow {
  automationId: string | null;
  name: string | null;
  profile: string | null;
  userId: string;
  role: string;
  locale: string;
  slug: string;
  tenantName: string;
}

/** The workflow's automation principal and the user who activated it, for `workflowId` (a column or a parameter). */
export const runActorSql = (workflowId: string) =>
  `select w.automation_id as "automationId", a.name, a.profile, u.id as "userId", u.role, u.locale, t.slug, t.name as "tenantName"
     from workflow w join app_user u on u.tenant_id = w.tenant_id and u.id = w.run_as join tenant t on t.id = w.tenant_id
     left join acl_automation a on a.tenant_id = w.tenant_id and a.id = w.automation_id
    where w.tenant_id = $1 and w.id = ${workflowId}`;

export type LockedRun = RunRow & { openRuns: number | null; settings: WorkflowSettings | null; actor: RunActorRow | null; timeZone: string };

/**
 * Locks a run for its next segment and reads, in the same statement, the workspace's workflow
 * limits (null when never set), who the workflow runs as and the workspace's time zone: a limit,
 * a profile or a zone changed through any process applies to the next segment of every run, with
 * no extra round trip. A run about to start also answers how many of the workspace's runs are
 * running (the concurrency limit).
 */
export async function lockRun(tx: Queryable, tenantId: string, runId: string): Promise<LockedRun | undefined> {
  const [row] = await tx.query<LockedRun>(
    `select ${RUN_COLUMNS},
       case when status = 'queued' then (select count(*)::int from workflow_run o where o.tenant_id = $1 and o.status = 'running') end as "openRuns",
       (select json_build_object('maxConcurrentRuns', s.max_concurrent_runs, 'maxStepsPerRun', s.max_steps_per_run, 'maxLoopItems', s.max_loop_items, 'pauseAfterFailures', s.pause_after_failures)
          from workflow_settings s where s.tenant_id = $1) as settings,
       (select to_json(actor) from (${runActorSql('workflow_run.workflow_id')}) actor) as actor,
       coalesce((select time_zone from tenant where id = $1), 'UTC') as "timeZone"
       from workflow_run where tenant_id = $1 and id = $2 for update`,
    [tenantId, runId],
  );
  return row;
}

export async function saveRun(tx: Queryable, run: RunRow): Promise<void> {
  await tx.query(
    `update workflow_run set ${RUN_UPDATE} where tenant_id = $1 and id = $2`,
    runParams(run),
  );
}

// The columns a segment changes; parameters $1 to $11 as `runParams` gives them.
const RUN_UPDATE = `status = $3, scope = $4, cursor = $5, seq = $6, wait = $7, error = $8, failed_step = $9, acted_as = $10, error_detail = $11,
  finished_at = case when $3 in ('completed', 'failed', 'cancelled') then coalesce(finished_at, now()) else null end, updated_at = now()`;

function runParams(run: RunRow): unknown[] {
  return [
    run.tenantId,
    run.id,
    run.status,
    JSON.stringify(run.scope),
    run.cursor,
    run.seq,
    run.wait ? JSON.stringify(run.wait) : null,
    run.error,
    run.failedStep,
    run.actedAs ? JSON.stringify(run.actedAs) : null,
    run.errorDetail ? JSON.stringify(run.errorDetail) : null,
  ];
}

export interface StepRow {
  seq: number;
  stepId: string;
  type: string;
  status: 'running' | 'waiting' | 'completed' | 'failed';
  attempt: number;
  input: unknown;
  output: unknown;
  error: string | null;
  errorDetail: ErrorDetail | null;
  idempotencyKey: string;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
}

export const STEP_COLUMNS = `seq, step_id as "stepId", type, status, attempt, input, output, error, error_detail as "errorDetail", idempotency_key as "idempotencyKey",
  started_at as "startedAt", finished_at as "finishedAt", duration_ms as "durationMs"`;

/**
 * Writes a step execution at (run, seq). A row already there is the same step tried again (after
 * a failure or a crash): it keeps its idempotency key and counts the attempt. A failure's error
 * is stored as its English sentence and as its parts.
 */
export async function writeStep(
  tx: Queryable,
  tenantId: string,
  runId: string,
  step: { seq: number; stepId: string; type: string; status: StepRow['status']; input: unknown; output?: unknown; error?: ErrorDetail | null; durationMs?: number | null; newAttempt: boolean },
): Promise<number> {
  const finished = step.status === 'completed' || step.status === 'failed';
  const [row] = await tx.query<{ attempt: number }>(
    `insert into workflow_step (tenant_id, run_id, seq, step_id, type, status, input, output, error, idempotency_key, finished_at, duration_ms, error_detail)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, case when $11 then now() end, $12, $14)
     on conflict (tenant_id, run_id, seq) do update set status = excluded.status, input = excluded.input, output = excluded.output, error = excluded.error, error_detail = excluded.error_detail,
       attempt = workflow_step.attempt + (case when $13 then 1 else 0 end),
       started_at = case when $13 then now() else workflow_step.started_at end,
       finished_at = excluded.finished_at, duration_ms = excluded.duration_ms
     returning attempt`,
    [
      tenantId,
      runId,
      step.seq,
      step.stepId,
      step.type,
      step.status,
      JSON.stringify(step.input ?? null),
      step.output === undefined ? null : JSON.stringify(step.output),
      step.error ? errorText(step.error) : null,
      `${runId}:${step.seq}`,
      finished,
      step.durationMs ?? null,
      step.newAttempt,
      step.error ? JSON.stringify(step.error) : null,
    ],
  );
  return row!.attempt;
}

export interface CompletedStep {
  seq: number;
  stepId: string;
  type: string;
  input: unknown;
  output: unknown;
  durationMs: number;
}

/** An in-app notification a step sends, written with the segment's other rows. */
export interface NewNotification {
  id: string;
  userId: string;
  message: string;
  link: unknown;
  source: string;
}

/**
 * What a segment writes at once: the inline steps that completed, their notifications and, at
 * its end, the run itself, the reset of the workflow's failure streak and the completion of the
 * job, all in one statement. Answers false when the job was given and is no longer held by
 * this worker (its lease ran out and another took it); the caller must then roll back.
 */
export interface SegmentWrites {
  steps: CompletedStep[];
  notifications: NewNotification[];
  run?: RunRow;
  resetStreak?: boolean;
  job?: { id: string; workerId: string; attempts: number };
}

export async function writeSegment(tx: Queryable, tenantId: string, runId: string, w: SegmentWrites): Promise<boolean> {
  const params: unknown[] = w.run ? runParams(w.run) : [tenantId, runId];
  const add = (value: unknown) => `$${params.push(value)}`;
  const parts: string[] = [];
  if (w.run) parts.push(`run as (update workflow_run set ${RUN_UPDATE} where tenant_id = $1 and id = $2)`);
  if (w.steps.length) {
    const steps = add(JSON.stringify(w.steps.map((s) => ({ seq: s.seq, step_id: s.stepId, type: s.type, input: s.input ?? null, output: s.output ?? null, duration_ms: s.durationMs }))));
    parts.push(`steps as (
      insert into workflow_step (tenant_id, run_id, seq, step_id, type, status, input, output, idempotency_key, finished_at, duration_ms)
      select $1, $2::uuid, s.seq, s.step_id, s.type, 'completed', s.input, s.output, $2::text || ':' || s.seq, now(), s.duration_ms
        from jsonb_to_recordset(${steps}::jsonb) as s(seq int, step_id text, type text, input jsonb, output jsonb, duration_ms float8)
      on conflict (tenant_id, run_id, seq) do update set status = 'completed', input = excluded.input, output = excluded.output, error = null, error_detail = null,
        attempt = workflow_step.attempt + 1, started_at = now(), finished_at = now(), duration_ms = excluded.duration_ms)`);
  }
  if (w.notifications.length) {
    const notes = add(JSON.stringify(w.notifications.map((n) => ({ id: n.id, user_id: n.userId, message: n.message, link: n.link ?? null, source: n.source }))));
    parts.push(`notes as (
      insert into user_notification (tenant_id, id, user_id, message, link, source)
      select $1, n.id, n.user_id, n.message, n.link, n.source from jsonb_to_recordset(${notes}::jsonb) as n(id uuid, user_id uuid, message text, link jsonb, source text))`);
  }
  if (w.resetStreak && w.run) parts.push(`streak as (update workflow set failure_streak = 0 where tenant_id = $1 and id = ${add(w.run.workflowId)} and failure_streak > 0)`);
  if (w.job) {
    parts.push(`done as (
      update job set state = 'done', finished_at = now(), locked_by = null, locked_until = null, last_error = null
       where tenant_id = $1 and id = ${add(w.job.id)} and state = 'running' and locked_by = ${add(w.job.workerId)} and attempts = ${add(w.job.attempts)} returning id)`);
  }
  if (!parts.length) return true;
  const [row] = await tx.query<{ done: number }>(`with ${parts.join(',\n')}\nselect $2::uuid as run_id, ${w.job ? '(select count(*) from done)::int' : '1'} as done`, params);
  return !w.job || (row?.done ?? 0) > 0;
}

export async function stepAt(tx: Queryable, tenantId: string, runId: string, seq: number): Promise<StepRow | undefined> {
  const [row] = await tx.query<StepRow>(`select ${STEP_COLUMNS} from workflow_step where tenant_id = $1 and run_id = $2 and seq = $3`, [tenantId, runId, seq]);
  return row;
}
