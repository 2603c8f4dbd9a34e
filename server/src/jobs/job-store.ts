import { randomUUID } from 'node:crypto';
import type { Queryable } from '../db/database.ts';
import { validationError, type FieldProblem } from '../errors/problems.ts';

/** How often a failing job is tried and how long it waits between tries (doubling from `backoffMs`). */
export interface RetryPolicy {
  maxAttempts: number;
  backoffMs: number;
  backoffMaxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, backoffMs: 1_000, backoffMaxMs: 3_600_000 };

export interface JobInput {
  tenantId: string;
  queue: string;
  payload?: Record<string, unknown>;
  /** Not before this moment; a job due in days is a row, not a timer. */
  runAt?: Date | string;
  /** A second job with the same key in the same queue is not created; the first one's id is answered. */
  idempotencyKey?: string;
  retry?: Partial<RetryPolicy>;
}

export type JobState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export interface JobRow {
  tenantId: string;
  id: string;
  queue: string;
  payload: Record<string, unknown>;
  state: JobState;
  runAt: string;
  attempts: number;
  maxAttempts: number;
  backoffMs: number;
  backoffMaxMs: number;
  idempotencyKey: string | null;
  lastError: string | null;
  createdAt: string;
  finishedAt: string | null;
}

/** The columns of a job row as `JobRow` names, optionally qualified by a table alias. */
export function jobColumns(alias = ''): string {
  const a = alias ? `${alias}.` : '';
  return `${a}tenant_id as "tenantId", ${a}id, ${a}queue, ${a}payload, ${a}state, ${a}run_at as "runAt", ${a}attempts, ${a}max_attempts as "maxAttempts",
  ${a}backoff_ms as "backoffMs", ${a}backoff_max_ms as "backoffMaxMs", ${a}idempotency_key as "idempotencyKey", ${a}last_error as "lastError",
  ${a}created_at as "createdAt", ${a}finished_at as "finishedAt"`;
}

const QUEUE_NAME = /^[a-z][a-z0-9_.:-]{0,62}$/;

export function checkRetry(retry: Partial<RetryPolicy> | undefined): RetryPolicy {
  const policy = { ...DEFAULT_RETRY, ...retry };
  const problems: FieldProblem[] = [];
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1 || policy.maxAttempts > 100) problems.push({ code: 'invalid', field: 'retry.maxAttempts', message: 'must be a whole number from 1 to 100' });
  if (!Number.isInteger(policy.backoffMs) || policy.backoffMs < 0 || policy.backoffMs > 86_400_000) problems.push({ code: 'invalid', field: 'retry.backoffMs', message: 'must be a whole number of milliseconds from 0 to 86400000' });
  if (!Number.isInteger(policy.backoffMaxMs) || policy.backoffMaxMs < policy.backoffMs || policy.backoffMaxMs > 604_800_000) problems.push({ code: 'invalid', field: 'retry.backoffMaxMs', message: 'must be at least backoffMs and at most 604800000' });
  if (problems.length) throw validationError('The retry policy is not valid', problems);
  return policy;
}

/**
 * Puts a job in the queue inside the caller's transaction (a tenant transaction or the system
 * connection), so the job exists exactly when the work that asked for it commits. Tell the
 * workers afterwards with `notifyJobs`.
 */
export async function enqueueJob(q: Queryable, input: JobInput): Promise<{ id: string; created: boolean }> {
  if (!QUEUE_NAME.test(input.queue)) throw validationError('The queue name is not valid', [{ code: 'invalid', field: 'queue', message: 'lowercase letters, digits and . _ : - (at most 63)' }]);
  const retry = checkRetry(input.retry);
  const runAt = input.runAt === undefined ? null : new Date(input.runAt);
  if (runAt && Number.isNaN(runAt.getTime())) throw validationError('The run time is not valid', [{ code: 'invalid', field: 'runAt', message: 'must be a date and time' }]);
  const id = randomUUID();
  const rows = await q.query<{ id: string }>(
    `insert into job (tenant_id, id, queue, payload, run_at, max_attempts, backoff_ms, backoff_max_ms, idempotency_key)
     values ($1, $2, $3, $4, coalesce($5::timestamptz, now()), $6, $7, $8, $9)
     on conflict (tenant_id, queue, idempotency_key) where idempotency_key is not null do nothing
     returning id`,
    [input.tenantId, id, input.queue, JSON.stringify(input.payload ?? {}), runAt?.toISOString() ?? null, retry.maxAttempts, retry.backoffMs, retry.backoffMaxMs, input.idempotencyKey ?? null],
  );
  if (rows[0]) return { id: rows[0].id, created: true };
  const [existing] = await q.query<{ id: string }>('select id from job where tenant_id = $1 and queue = $2 and idempotency_key = $3', [input.tenantId, input.queue, input.idempotencyKey]);
  if (!existing) throw new Error('An idempotent job conflicted but cannot be found');
  return { id: existing.id, created: false };
}

/** Cancels a job that has not finished; a running one finishes its attempt but is not retried. */
export async function cancelJob(q: Queryable, tenantId: string, id: string): Promise<boolean> {
  const rows = await q.query(
    "update job set state = 'cancelled', finished_at = now(), locked_by = null, locked_until = null where tenant_id = $1 and id = $2 and state in ('queued', 'running') returning id",
    [tenantId, id],
  );
  return rows.length > 0;
}

export async function findJob(q: Queryable, tenantId: string, id: string): Promise<JobRow | undefined> {
  const [row] = await q.query<JobRow>(`select ${jobColumns()} from job where tenant_id = $1 and id = $2`, [tenantId, id]);
  return row;
}

/** The delay before attempt `attempts + 1`: `backoffMs` doubling per failed attempt, capped. */
export function backoffDelay(policy: Pick<RetryPolicy, 'backoffMs' | 'backoffMaxMs'>, attempts: number): number {
  return Math.min(policy.backoffMs * 2 ** Math.max(0, attempts - 1), policy.backoffMaxMs);
}
