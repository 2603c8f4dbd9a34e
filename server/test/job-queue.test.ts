import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fireDueSchedules, nextOccurrence, saveSchedule } from '../src/jobs/job-schedules.ts';
import { JobQueue, RetryAt, type ClaimedJob } from '../src/jobs/job-queue.ts';
import { cancelJob, enqueueJob, findJob } from '../src/jobs/job-store.ts';
import { createTestTenant, startHarness, type Harness, type TestTenant, waitFor } from './harness.ts';

let h: Harness;
let t: TestTenant;
const queues: JobQueue[] = [];
beforeAll(async () => {
  h = await startHarness();
  t = await createTestTenant(h, 'jobs');
});
afterAll(async () => {
  for (const q of queues) await q.stop();
  await h?.close();
});

function queue(options: ConstructorParameters<typeof JobQueue>[1] = {}): JobQueue {
  const q = new JobQueue(h.db, { pollMs: 50, ...options });
  queues.push(q);
  return q;
}

const unique = (name: string) => `test.${name}.${Math.random().toString(36).slice(2, 8)}`;
const state = async (id: string) => (await h.db.transaction(t.id, (tx) => findJob(tx, t.id, id)))?.state;

describe('the job queue', () => {
  it('runs a job when it is due, not before, and one with an idempotency key only once', async () => {
    const name = unique('delayed');
    const ran: { at: number; payload: unknown }[] = [];
    const q = queue();
    q.work(name, async (job) => {
      ran.push({ at: Date.now(), payload: job.payload });
    });
    await q.start();
    const sentAt = Date.now();
    const first = await q.send({ tenantId: t.id, queue: name, payload: { n: 1 }, runAt: new Date(sentAt + 600), idempotencyKey: 'once' });
    const second = await q.send({ tenantId: t.id, queue: name, payload: { n: 2 }, idempotencyKey: 'once' });
    expect(first.created).toBe(true);
    expect(second).toEqual({ id: first.id, created: false });
    await waitFor('the delayed job', async () => (await state(first.id)) === 'done');
    expect(ran).toHaveLength(1);
    expect(ran[0]!.payload).toEqual({ n: 1 });
    expect(ran[0]!.at - sentAt).toBeGreaterThanOrEqual(550);
  });

  it('retries a failing job with growing delays and marks it failed after its last attempt, with the error', async () => {
    const name = unique('retry');
    const attempts: number[] = [];
    const q = queue();
    q.work(name, async () => {
      attempts.push(Date.now());
      throw new Error('the mail server said no');
    });
    await q.start();
    const { id } = await q.send({ tenantId: t.id, queue: name, retry: { maxAttempts: 3, backoffMs: 200, backoffMaxMs: 1_000 } });
    await waitFor('the job to fail', async () => (await state(id)) === 'failed');
    expect(attempts).toHaveLength(3);
    expect(attempts[1]! - attempts[0]!).toBeGreaterThanOrEqual(180);
    expect(attempts[2]! - attempts[1]!).toBeGreaterThanOrEqual(380);
    const job = await h.db.transaction(t.id, (tx) => findJob(tx, t.id, id));
    expect(job).toMatchObject({ attempts: 3, lastError: 'the mail server said no' });
  });

  it('commits a handler’s own write and the job’s completion together, or neither', async () => {
    const name = unique('atomic');
    let calls = 0;
    const q = queue();
    q.work(name, async (job: ClaimedJob) => {
      calls += 1;
      await h.db.transaction(job.tenantId, async (tx) => {
        await enqueueJob(tx, { tenantId: job.tenantId, queue: `${name}.effect`, idempotencyKey: `effect-of-${job.id}` });
        await job.completeIn(tx);
        if (calls === 1) throw new Error('crash before commit');
      });
    });
    await q.start();
    const { id } = await q.send({ tenantId: t.id, queue: name, retry: { maxAttempts: 3, backoffMs: 10, backoffMaxMs: 10 } });
    await waitFor('the job', async () => (await state(id)) === 'done');
    expect(calls).toBe(2);
    const effects = await h.db.transaction(t.id, (tx) => tx.query("select id from job where tenant_id = $1 and queue = $2", [t.id, `${name}.effect`]));
    expect(effects).toHaveLength(1);
  });

  it('gives a job back to the queue when its worker stops holding it (lease expired) and another worker finishes it', async () => {
    const name = unique('lease');
    // The first worker claims and never finishes (as a process killed mid-job would).
    const stuck = queue({ leaseMs: 300 });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    stuck.work(name, () => held);
    const { id } = await h.db.transaction(t.id, (tx) => enqueueJob(tx, { tenantId: t.id, queue: name }));
    const claimed = stuck.drainOnce();
    await waitFor('the claim', async () => (await state(id)) === 'running');
    // Stop renewing: the stuck worker's lease runs out; the second worker takes the job.
    const rescuer = queue({ leaseMs: 300 });
    const rescued: string[] = [];
    rescuer.work(name, async (job) => void rescued.push(job.id));
    await rescuer.start();
    await waitFor('the rescue', async () => (await state(id)) === 'done');
    expect(rescued).toEqual([id]);
    // The stuck worker's late completion is refused: the job is not its any more.
    release();
    await claimed;
    const job = await h.db.transaction(t.id, (tx) => findJob(tx, t.id, id));
    expect(job).toMatchObject({ state: 'done', attempts: 2 });
  });

  it('lets a handler ask to run again later without spending an attempt, and cancels a waiting job', async () => {
    const name = unique('later');
    let calls = 0;
    const q = queue();
    q.work(name, async () => {
      calls += 1;
      if (calls === 1) throw new RetryAt(new Date(Date.now() + 200));
    });
    await q.start();
    const { id } = await q.send({ tenantId: t.id, queue: name, retry: { maxAttempts: 1 } });
    await waitFor('the second call', async () => (await state(id)) === 'done');
    expect(calls).toBe(2);
    const waiting = await q.send({ tenantId: t.id, queue: name, runAt: new Date(Date.now() + 86_400_000 * 3) });
    expect(await h.db.transaction(t.id, (tx) => cancelJob(tx, t.id, waiting.id))).toBe(true);
    expect(await state(waiting.id)).toBe('cancelled');
  });

  it('rejects a bad queue name, retry policy, cron pattern or time zone with the field and reason', async () => {
    await expect(h.db.transaction(t.id, (tx) => enqueueJob(tx, { tenantId: t.id, queue: 'Bad Name' }))).rejects.toMatchObject({ status: 422, errors: [{ field: 'queue' }] });
    await expect(h.db.transaction(t.id, (tx) => enqueueJob(tx, { tenantId: t.id, queue: 'ok', retry: { maxAttempts: 0 } }))).rejects.toMatchObject({ status: 422, errors: [{ field: 'retry.maxAttempts' }] });
    expect(() => nextOccurrence('61 * * * *', 'UTC', new Date())).toThrow(expect.objectContaining({ status: 422 }));
    expect(() => nextOccurrence('0 9 * * *', 'Mars/Olympus', new Date())).toThrow(expect.objectContaining({ errors: [expect.objectContaining({ field: 'timeZone' })] }));
  });

  it('fires a cron schedule at the wall-clock time of the tenant’s time zone, once per occurrence', async () => {
    // 09:00 in Shanghai is 01:00 UTC.
    const next = nextOccurrence('0 9 * * *', 'Asia/Shanghai', new Date('2026-03-01T02:00:00Z'));
    expect(next.toISOString()).toBe('2026-03-02T01:00:00.000Z');
    const name = unique('cron');
    await h.db.system((tx) => tx.query("update tenant set time_zone = 'Asia/Shanghai' where id = $1", [t.id]));
    const schedule = await h.db.transaction(t.id, (tx) => saveSchedule(tx, { tenantId: t.id, name, queue: name, cron: '0 9 * * *' }));
    expect(schedule.timeZone).toBe('Asia/Shanghai');
    expect(new Date(schedule.nextRunAt).getUTCHours()).toBe(1);
    // Make it due now, then fire twice (as two processes would): one job.
    await h.db.system((tx) => tx.query("update job_schedule set next_run_at = now() - interval '1 second' where tenant_id = $1 and name = $2", [t.id, name]));
    await h.db.system((tx) => fireDueSchedules(tx));
    await h.db.system((tx) => fireDueSchedules(tx));
    // On a shared database another server's scheduler may hold the row (skip locked) and commit its job a moment later.
    const jobsOf = () => h.db.transaction(t.id, (tx) => tx.query<{ payload: { schedule: string } }>('select payload from job where tenant_id = $1 and queue = $2', [t.id, name]));
    await waitFor('the occurrence’s job', async () => (await jobsOf()).length > 0);
    const jobs = await jobsOf();
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.payload.schedule).toBe(name);
    const [after] = await h.db.transaction(t.id, (tx) => tx.query<{ next: string }>('select next_run_at as next from job_schedule where tenant_id = $1 and name = $2', [t.id, name]));
    expect(new Date(after!.next).getTime()).toBeGreaterThan(Date.now());
  });

  it('keeps another tenant’s jobs out of sight', async () => {
    const other = await createTestTenant(h, 'jobs-other');
    const { id } = await h.db.transaction(other.id, (tx) => enqueueJob(tx, { tenantId: other.id, queue: 'private.work' }));
    expect(await h.db.transaction(t.id, (tx) => tx.query('select id from job where id = $1', [id]))).toHaveLength(0);
  });
});
