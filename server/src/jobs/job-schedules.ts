import { Cron } from 'croner';
import type { Queryable } from '../db/database.ts';
import { validationError } from '../errors/problems.ts';
import { enqueueJob } from './job-store.ts';

export interface ScheduleInput {
  tenantId: string;
  /** Unique per tenant; saving the same name again replaces the schedule. */
  name: string;
  queue: string;
  /** Five fields (minute hour day month weekday) or six with seconds first. */
  cron: string;
  /** An IANA zone ("Asia/Shanghai"); the tenant's zone when absent. */
  timeZone?: string;
  payload?: Record<string, unknown>;
}

export interface ScheduleRow {
  tenantId: string;
  name: string;
  queue: string;
  cron: string;
  timeZone: string;
  payload: Record<string, unknown>;
  active: boolean;
  nextRunAt: string;
  lastRunAt: string | null;
}

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The first occurrence of `cron` in `timeZone` strictly after `after`; throws a 422 for a bad pattern or zone. */
export function nextOccurrence(cron: string, timeZone: string, after: Date): Date {
  if (!isTimeZone(timeZone)) throw validationError('The time zone is not known', [{ code: 'invalid', field: 'timeZone', message: `'${timeZone}' is not an IANA time zone` }]);
  let pattern: Cron;
  try {
    pattern = new Cron(cron, { timezone: timeZone, paused: true });
  } catch (error) {
    throw validationError('The schedule is not a valid cron pattern', [{ code: 'invalid', field: 'cron', message: error instanceof Error ? error.message : String(error) }]);
  }
  const next = pattern.nextRun(after);
  if (!next) throw validationError('The schedule never fires', [{ code: 'invalid', field: 'cron', message: 'no future occurrence' }]);
  return next;
}

/** Creates or replaces a schedule in the caller's transaction; answers when it first fires. */
export async function saveSchedule(q: Queryable, input: ScheduleInput): Promise<ScheduleRow> {
  const timeZone = input.timeZone ?? (await tenantTimeZone(q, input.tenantId));
  const next = nextOccurrence(input.cron, timeZone, new Date());
  const [row] = await q.query<ScheduleRow>(
    `insert into job_schedule (tenant_id, name, queue, cron, time_zone, payload, next_run_at)
     values ($1, $2, $3, $4, $5, $6, $7)
     on conflict (tenant_id, name) do update set queue = excluded.queue, cron = excluded.cron, time_zone = excluded.time_zone,
       payload = excluded.payload, next_run_at = excluded.next_run_at, active = true, updated_at = now()
     returning ${SCHEDULE_COLUMNS}`,
    [input.tenantId, input.name, input.queue, input.cron, timeZone, JSON.stringify(input.payload ?? {}), next.toISOString()],
  );
  return row!;
}

export async function removeSchedule(q: Queryable, tenantId: string, name: string): Promise<boolean> {
  return (await q.query('delete from job_schedule where tenant_id = $1 and name = $2 returning name', [tenantId, name])).length > 0;
}

export async function tenantTimeZone(q: Queryable, tenantId: string): Promise<string> {
  const [row] = await q.query<{ timeZone: string }>('select time_zone as "timeZone" from tenant where id = $1', [tenantId]);
  return row?.timeZone ?? 'UTC';
}

const SCHEDULE_COLUMNS = `tenant_id as "tenantId", name, queue, cron, time_zone as "timeZone", payload, active, next_run_at as "nextRunAt", last_run_at as "lastRunAt"`;

/**
 * Turns due schedules into jobs, on the system connection (all tenants), in one transaction:
 * the job (keyed by schedule and occurrence, so a second process or a retry makes no second
 * job) and the schedule's next occurrence commit together. Occurrences missed while no server
 * ran are folded into one run, not replayed one by one.
 */
export async function fireDueSchedules(q: Queryable, limit = 100): Promise<number> {
  const due = await q.query<ScheduleRow>(
    `select ${SCHEDULE_COLUMNS} from job_schedule where active and next_run_at <= now() order by next_run_at limit $1 for update skip locked`,
    [limit],
  );
  const now = new Date();
  for (const schedule of due) {
    await enqueueJob(q, {
      tenantId: schedule.tenantId,
      queue: schedule.queue,
      payload: { ...schedule.payload, schedule: schedule.name, occurrence: schedule.nextRunAt },
      idempotencyKey: `schedule:${schedule.name}:${schedule.nextRunAt}`,
    });
    let next: Date | undefined;
    try {
      next = nextOccurrence(schedule.cron, schedule.timeZone, now);
    } catch {
      next = undefined;
    }
    await q.query(
      'update job_schedule set last_run_at = next_run_at, next_run_at = coalesce($3::timestamptz, next_run_at), active = $3::timestamptz is not null, updated_at = now() where tenant_id = $1 and name = $2',
      [schedule.tenantId, schedule.name, next?.toISOString() ?? null],
    );
  }
  return due.length;
}
