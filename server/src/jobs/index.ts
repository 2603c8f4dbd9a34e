export { JobQueue, JOBS_CHANNEL, LeaseLost, RetryAt, type ClaimedJob, type JobHandler, type JobQueueOptions } from './job-queue.ts';
export { fireDueSchedules, isTimeZone, nextOccurrence, removeSchedule, saveSchedule, tenantTimeZone, type ScheduleInput, type ScheduleRow } from './job-schedules.ts';
export { backoffDelay, cancelJob, checkRetry, DEFAULT_RETRY, enqueueJob, findJob, type JobInput, type JobRow, type JobState, type RetryPolicy } from './job-store.ts';
