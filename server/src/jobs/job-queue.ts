import { randomUUID } from 'node:crypto';
import { standingList, type Database, type Queryable } from '../db/database.ts';
import { fireDueSchedules } from './job-schedules.ts';
import { backoffDelay, enqueueJob, jobColumns, type JobInput, type JobRow } from './job-store.ts';

/** NOTIFY channel that wakes job workers on every process; a hint only, workers also poll. */
export const JOBS_CHANNEL = 'protean_jobs';

/** A claimed job, with the means to finish it inside the handler's own transaction. */
export interface ClaimedJob extends JobRow {
  /**
   * Marks the job done in `tx`, so its effects and its completion commit together or not at
   * all. Throws `LeaseLost` when the lease ran out and another worker took the job: the
   * caller's transaction must then roll back.
   */
  completeIn(tx: Queryable): Promise<void>;
  /**
   * The holder and attempt that fence this job's completion, for a handler that ends the job in a
   * statement of its own (its last writes and the completion in one round trip): the statement
   * updates the job `where state = 'running' and locked_by = workerId and attempts = attempts`,
   * throws `LeaseLost` when that updated nothing, and calls `markCompleted` when it did.
   */
  readonly lease: { workerId: string; attempts: number };
  markCompleted(): void;
}

export type JobHandler = (job: ClaimedJob) => Promise<void>;

/** A handler throws this to try again at a given time without counting it as a failure. */
export class RetryAt extends Error {
  readonly at: Date;
  constructor(at: Date, reason = 'retry later') {
    super(reason);
    this.at = at;
  }
}

export class LeaseLost extends Error {
  constructor(id: string) {
    super(`Job ${id} is no longer held by this worker`);
  }
}

export interface JobQueueOptions {
  /** Jobs run at once by this process, over all queues. */
  concurrency?: number;
  /** A claimed job belongs to this process until then; renewed while it runs. Longer than any step. */
  leaseMs?: number;
  /** Safety net for lost notices. */
  pollMs?: number;
  /** Finished jobs are deleted after this long (their idempotency keys with them). */
  retentionMs?: number;
  onError?: (error: unknown, job?: JobRow) => void;
}

/**
 * Lets timers and I/O run. PGlite answers in microtasks (its WASM runs on this thread), so a
 * queue that goes from job to job without this never lets a request or a timer in.
 */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

// The queues running in this process, per database: on PGlite their leases are the only live ones.
const liveWorkers = new WeakMap<Database, Set<string>>();

const DEFAULTS = { concurrency: 16, leaseMs: 30_000, pollMs: 1_000, retentionMs: 7 * 86_400_000 };

/**
 * The Postgres-backed job queue (ADR 0015): jobs are rows, claimed in batches with
 * `FOR UPDATE SKIP LOCKED` under a lease, so any number of processes share the work and a
 * crashed process's jobs come back when its lease runs out. Nothing is held in memory for a job
 * that is not due: a job that waits three days is a row with a later `run_at`. On PGlite (one
 * process owns the data folder) the leases of a previous run are released at start.
 */
export class JobQueue {
  readonly workerId = randomUUID();
  readonly #db: Database;
  readonly #options: typeof DEFAULTS;
  readonly #onError: (error: unknown, job?: JobRow) => void;
  readonly #handlers = new Map<string, JobHandler>();
  // The queues this process works, the same list on every poll and claim: their statements are
  // prepared once per connection rather than planned on every call (~15 µs of Postgres time per
  // create under a create load, ADR 0018).
  #queues: readonly string[] = standingList([]);
  readonly #inFlight = new Map<string, Promise<void>>();
  readonly #completed = new WeakSet<ClaimedJob>();
  #running: Promise<void> | undefined;
  #stopped = false;
  #woken = false;
  #wakeSleeper: (() => void) | undefined;
  #lastMaintenance = 0;
  #notice: Promise<void> | undefined;

  constructor(db: Database, options: JobQueueOptions = {}) {
    this.#db = db;
    this.#options = {
      concurrency: options.concurrency ?? DEFAULTS.concurrency,
      leaseMs: options.leaseMs ?? DEFAULTS.leaseMs,
      pollMs: options.pollMs ?? DEFAULTS.pollMs,
      retentionMs: options.retentionMs ?? DEFAULTS.retentionMs,
    };
    this.#onError = options.onError ?? ((error, job) => console.error(`job ${job ? `${job.queue} ${job.id}` : 'queue'} failed`, error));
  }

  /** Registers the handler of a queue; jobs of queues without one stay queued. */
  work(queue: string, handler: JobHandler): void {
    this.#handlers.set(queue, handler);
    this.#queues = standingList([...this.#handlers.keys()]);
    this.wake();
  }

  /** Enqueues outside any transaction of the caller's and wakes the workers. */
  async send(input: JobInput): Promise<{ id: string; created: boolean }> {
    const result = await this.#db.transaction(input.tenantId, (tx) => enqueueJob(tx, input));
    this.notify();
    return result;
  }

  /** Tells workers on every process that jobs were committed; call after the commit. Coalesced. */
  notify(): void {
    this.wake();
    if (this.#notice) return;
    this.#notice = new Promise<void>((resolve) => setTimeout(resolve, 2)).then(async () => {
      this.#notice = undefined;
      await this.#db.notify(JOBS_CHANNEL, '').catch(() => undefined);
    });
  }

  async start(): Promise<void> {
    if (this.#running) return;
    this.#stopped = false;
    let live = liveWorkers.get(this.#db);
    if (!live) liveWorkers.set(this.#db, (live = new Set()));
    live.add(this.workerId);
    if (this.#db.kind === 'pglite') {
      // One process owns the embedded database: a lease not held by a queue of this process is from a run that ended.
      await this.#db.system((tx) =>
        tx.query("update job set state = 'queued', locked_by = null, locked_until = null where state = 'running' and not (locked_by = any($1::text[]))", [[...live]]),
      );
    }
    await this.#db.listen(JOBS_CHANNEL, () => this.wake());
    this.#db.onReconnect(() => this.wake());
    this.#running = this.#loop();
  }

  wake(): void {
    this.#woken = true;
    this.#wakeSleeper?.();
  }

  /** Stops claiming, waits for the jobs in flight, then returns. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wakeSleeper?.();
    await this.#running;
    this.#running = undefined;
    await Promise.allSettled([...this.#inFlight.values()]);
    liveWorkers.get(this.#db)?.delete(this.workerId);
  }

  /** Claims and runs what is due now, waiting for it (tests, scripts): the number of jobs run. */
  async drainOnce(): Promise<number> {
    await this.#maintain(true);
    const jobs = await this.#claim(this.#options.concurrency);
    await Promise.all(jobs.map((job) => this.#run(job)));
    return jobs.length;
  }

  async #loop(): Promise<void> {
    while (!this.#stopped) {
      this.#woken = false;
      await turn();
      let delay = this.#options.pollMs;
      try {
        // Claim before the maintenance round: a job just woken for starts at once, not after it.
        const free = this.#options.concurrency - this.#inFlight.size;
        let full = false;
        if (free > 0 && this.#handlers.size > 0) {
          const jobs = await this.#claim(free);
          for (const job of jobs) this.#track(job);
          full = jobs.length === free;
        }
        await this.#maintain(false);
        // A full batch means more may be due; otherwise sleep until the next due job.
        if (full) delay = 0;
        else if (free > 0 && this.#handlers.size > 0) delay = Math.min(delay, await this.#untilNextDue());
      } catch (error) {
        this.#onError(error);
      }
      if (this.#stopped || this.#woken) continue;
      if (this.#inFlight.size >= this.#options.concurrency) delay = this.#options.pollMs;
      if (delay > 0) await this.#sleep(delay);
    }
  }

  #track(job: ClaimedJob): void {
    const run = this.#run(job).finally(() => {
      this.#inFlight.delete(job.id);
      // A slot is free: claim more without waiting for the poll.
      this.wake();
    });
    this.#inFlight.set(job.id, run);
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wakeSleeper = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wakeSleeper = done;
    });
  }

  async #untilNextDue(): Promise<number> {
    const queues = this.#queues;
    const [row] = await this.#db.system((tx) =>
      tx.query<{ ms: number | null }>(
        `select (extract(epoch from (least(
           (select min(run_at) from job where state = 'queued' and queue = any($1::text[])),
           (select min(next_run_at) from job_schedule where active)) - now())) * 1000)::float8 as ms`,
        [queues],
      ),
    );
    // Null when nothing is queued or scheduled: then the poll interval. (It was clamped with
    // greatest(0, …) in SQL, which ignores a null and answered 0, so an idle worker polled every
    // millisecond: ~700 claims a second, a sixth of a core in the server and as much in Postgres.)
    return row?.ms == null ? this.#options.pollMs : Math.max(1, Math.ceil(row.ms));
  }

  /**
   * Renews this process's leases, takes back expired ones, fires due cron schedules and deletes
   * old finished jobs; at most every half lease unless forced.
   */
  async #maintain(force: boolean): Promise<void> {
    const now = Date.now();
    const every = Math.min(this.#options.leaseMs / 3, 1_000);
    if (!force && now - this.#lastMaintenance < every) return;
    this.#lastMaintenance = now;
    const fired = await this.#db.system(async (tx) => {
      if (this.#inFlight.size) {
        await tx.query(`update job set locked_until = now() + $2 * interval '1 millisecond' where state = 'running' and locked_by = $1`, [this.workerId, this.#options.leaseMs]);
      }
      // An expired lease belongs to a process that died (or stalled past it): the job is tried again.
      await tx.query(
        `update job set state = case when attempts >= max_attempts then 'failed' else 'queued' end,
           finished_at = case when attempts >= max_attempts then now() end,
           last_error = coalesce(last_error, 'the worker stopped (lease expired)'), locked_by = null, locked_until = null
         where state = 'running' and locked_until < now()`,
      );
      const fired = await fireDueSchedules(tx);
      await tx.query(
        `delete from job where (tenant_id, id) in (select tenant_id, id from job where state in ('done', 'failed', 'cancelled')
           and finished_at < now() - $1 * interval '1 millisecond' limit 1000)`,
        [this.#options.retentionMs],
      );
      return fired;
    });
    if (fired) this.notify();
  }

  async #claim(limit: number): Promise<ClaimedJob[]> {
    const queues = this.#queues;
    if (!queues.length || limit <= 0) return [];
    const rows = await this.#db.system((tx) =>
      tx.query<JobRow>(
        `with due as (
           select tenant_id, id from job where state = 'queued' and run_at <= now() and queue = any($1::text[])
            order by run_at limit $2 for update skip locked)
         update job j set state = 'running', attempts = j.attempts + 1, locked_by = $3, locked_until = now() + $4 * interval '1 millisecond'
           from due where j.tenant_id = due.tenant_id and j.id = due.id
         returning ${jobColumns('j')}`,
        [queues, limit, this.workerId, this.#options.leaseMs],
      ),
    );
    return rows.map((row) => this.#claimed(row));
  }

  #claimed(row: JobRow): ClaimedJob {
    const workerId = this.workerId;
    const completed = this.#completed;
    const job: ClaimedJob = {
      ...row,
      lease: { workerId, attempts: row.attempts },
      markCompleted() {
        completed.add(job);
      },
      async completeIn(tx: Queryable) {
        const done = await tx.query(
          "update job set state = 'done', finished_at = now(), locked_by = null, locked_until = null, last_error = null where tenant_id = $1 and id = $2 and state = 'running' and locked_by = $3 and attempts = $4 returning id",
          [row.tenantId, row.id, workerId, row.attempts],
        );
        if (!done.length) throw new LeaseLost(row.id);
        completed.add(job);
      },
    };
    return job;
  }

  async #run(job: ClaimedJob): Promise<void> {
    const handler = this.#handlers.get(job.queue);
    await turn();
    try {
      if (!handler) throw new Error(`No handler for queue '${job.queue}'`);
      await handler(job);
      if (!this.#completed.has(job)) {
        await this.#db.system((tx) => job.completeIn(tx));
      }
    } catch (error) {
      if (error instanceof LeaseLost) return;
      try {
        await this.#fail(job, error);
      } catch (failError) {
        // The lease will run out and the job will be tried again.
        this.#onError(failError, job);
      }
      if (!(error instanceof RetryAt)) this.#onError(error, job);
    }
  }

  async #fail(job: ClaimedJob, error: unknown): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    const params = [job.tenantId, job.id, this.workerId, job.attempts];
    const held = 'tenant_id = $1 and id = $2 and state = $5 and locked_by = $3 and attempts = $4';
    if (error instanceof RetryAt) {
      // Not a failure: the attempt is given back.
      await this.#db.system((tx) =>
        tx.query(`update job set state = 'queued', attempts = attempts - 1, run_at = $6, locked_by = null, locked_until = null where ${held}`, [...params, 'running', error.at.toISOString()]),
      );
    } else if (job.attempts >= job.maxAttempts) {
      await this.#db.system((tx) =>
        tx.query(`update job set state = 'failed', finished_at = now(), last_error = $6, locked_by = null, locked_until = null where ${held}`, [...params, 'running', message]),
      );
    } else {
      const delay = backoffDelay(job, job.attempts);
      await this.#db.system((tx) =>
        tx.query(
          `update job set state = 'queued', run_at = now() + $6 * interval '1 millisecond', last_error = $7, locked_by = null, locked_until = null where ${held}`,
          [...params, 'running', delay, message],
        ),
      );
    }
    this.wake();
  }
}
