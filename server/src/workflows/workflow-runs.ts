import { randomUUID } from 'node:crypto';
import type { WorkflowDefinition } from '@protean/metadata/workflows';
import type { Queryable } from '../db/database.ts';
import { enqueueJob } from '../jobs/job-store.ts';
import type { ApiRecord } from '../data/record-codec.ts';
import { definitionAt, type WorkflowRow } from './workflow-store.ts';

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
  failedStep: string | null;
  test: boolean;
  /** The principal the run acted as: its workflow's automation principal and that principal's profile when the run started. */
  actedAs: { id: string; name: string; kind: 'automation'; profile: string } | null;
  startedAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

export const RUN_COLUMNS = `tenant_id as "tenantId", id, workflow_id as "workflowId", version, status, record_object as "recordObject", record_id as "recordId",
  scope, cursor, seq, wait, error, failed_step as "failedStep", test, acted_as as "actedAs", started_at as "startedAt", updated_at as "updatedAt", finished_at as "finishedAt"`;

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
  const id = randomUUID();
  const rows = await tx.query<{ id: string }>(
    `insert into workflow_run (tenant_id, id, workflow_id, version, status, trigger_key, record_object, record_id, scope, cursor, test)
     values ($1, $2, $3, $4, 'queued', $5, $6, $7, $8, $9, $10)
     on conflict (tenant_id, workflow_id, trigger_key) where trigger_key is not null do nothing returning id`,
    [run.tenantId, id, run.workflow.id, version, run.triggerKey ?? null, run.recordObject ?? null, run.recordId ?? null, JSON.stringify(state), definition.start, run.test ?? false],
  );
  if (!rows[0]) {
    const [existing] = await tx.query<{ id: string }>('select id from workflow_run where tenant_id = $1 and workflow_id = $2 and trigger_key = $3', [run.tenantId, run.workflow.id, run.triggerKey]);
    return { id: existing!.id, created: false };
  }
  await enqueueJob(tx, { tenantId: run.tenantId, queue: RUN_QUEUE, payload: { runId: id }, idempotencyKey: `start:${id}`, retry: RUN_JOB_RETRY, ...(run.runAt ? { runAt: run.runAt } : {}) });
  return { id, created: true };
}

export async function lockRun(tx: Queryable, tenantId: string, runId: string): Promise<RunRow | undefined> {
  const [row] = await tx.query<RunRow>(`select ${RUN_COLUMNS} from workflow_run where tenant_id = $1 and id = $2 for update`, [tenantId, runId]);
  return row;
}

export async function saveRun(tx: Queryable, run: RunRow): Promise<void> {
  await tx.query(
    `update workflow_run set status = $3, scope = $4, cursor = $5, seq = $6, wait = $7, error = $8, failed_step = $9,
       finished_at = case when $3 in ('completed', 'failed', 'cancelled') then coalesce(finished_at, now()) else null end, updated_at = now()
     where tenant_id = $1 and id = $2`,
    [run.tenantId, run.id, run.status, JSON.stringify(run.scope), run.cursor, run.seq, run.wait ? JSON.stringify(run.wait) : null, run.error, run.failedStep],
  );
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
  idempotencyKey: string;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
}

export const STEP_COLUMNS = `seq, step_id as "stepId", type, status, attempt, input, output, error, idempotency_key as "idempotencyKey",
  started_at as "startedAt", finished_at as "finishedAt", duration_ms as "durationMs"`;

/**
 * Writes a step execution at (run, seq). A row already there is the same step tried again (after
 * a failure or a crash): it keeps its idempotency key and counts the attempt.
 */
export async function writeStep(
  tx: Queryable,
  tenantId: string,
  runId: string,
  step: { seq: number; stepId: string; type: string; status: StepRow['status']; input: unknown; output?: unknown; error?: string | null; durationMs?: number | null; newAttempt: boolean },
): Promise<number> {
  const finished = step.status === 'completed' || step.status === 'failed';
  const [row] = await tx.query<{ attempt: number }>(
    `insert into workflow_step (tenant_id, run_id, seq, step_id, type, status, input, output, error, idempotency_key, finished_at, duration_ms)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, case when $11 then now() end, $12)
     on conflict (tenant_id, run_id, seq) do update set status = excluded.status, input = excluded.input, output = excluded.output, error = excluded.error,
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
      step.error ?? null,
      `${runId}:${step.seq}`,
      finished,
      step.durationMs ?? null,
      step.newAttempt,
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

/** Steps that completed in one go, written in one statement (a segment's worth of inline steps). */
export async function writeCompletedSteps(tx: Queryable, tenantId: string, runId: string, steps: CompletedStep[]): Promise<void> {
  if (!steps.length) return;
  await tx.query(
    `insert into workflow_step (tenant_id, run_id, seq, step_id, type, status, input, output, idempotency_key, finished_at, duration_ms)
     select $1, $2::uuid, s.seq, s.step_id, s.type, 'completed', s.input, s.output, $2::text || ':' || s.seq, now(), s.duration_ms
       from jsonb_to_recordset($3::jsonb) as s(seq int, step_id text, type text, input jsonb, output jsonb, duration_ms float8)
     on conflict (tenant_id, run_id, seq) do update set status = 'completed', input = excluded.input, output = excluded.output, error = null,
       attempt = workflow_step.attempt + 1, started_at = now(), finished_at = now(), duration_ms = excluded.duration_ms`,
    [tenantId, runId, JSON.stringify(steps.map((s) => ({ seq: s.seq, step_id: s.stepId, type: s.type, input: s.input ?? null, output: s.output ?? null, duration_ms: s.durationMs })))],
  );
}

export async function stepAt(tx: Queryable, tenantId: string, runId: string, seq: number): Promise<StepRow | undefined> {
  const [row] = await tx.query<StepRow>(`select ${STEP_COLUMNS} from workflow_step where tenant_id = $1 and run_id = $2 and seq = $3`, [tenantId, runId, seq]);
  return row;
}
