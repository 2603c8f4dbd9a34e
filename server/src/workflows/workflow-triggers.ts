import { tenantZones } from '../logic/tenant-zones.ts';
import { conditionCompiler, durationMs, evaluateCondition, type ConditionCompiler, type WorkflowCondition, type WorkflowDefinition, type WorkflowTrigger } from '@protean/metadata/workflows';
import type { AccessService } from '../access/access-service.ts';
import type { AccessShape } from '../access/access-shape.ts';
import { recordAsReadBy } from '../access/record-access.ts';
import type { Database, Queryable } from '../db/database.ts';
import { toApiRecord, type ApiRecord, type RecordRow } from '../data/record-codec.ts';
import type { TenantModel } from '../data/tenant-model.ts';
import { OutboxConsumer } from '../events/outbox-consumer.ts';
import type { OutboxEvent } from '../events/outbox-reader.ts';
import type { ClaimedJob, JobQueue } from '../jobs/job-queue.ts';
import { removeSchedule, saveSchedule } from '../jobs/job-schedules.ts';
import { enqueueJob } from '../jobs/job-store.ts';
import type { MetadataService } from '../metadata/metadata-service.ts';
import { createRun, createRuns, RUN_JOB_RETRY, RUN_QUEUE, type NewRun, type RunWait } from './workflow-runs.ts';
import { runAccess } from './run-access.ts';
import { definitionAt, WORKFLOW_COLUMNS, workflowColumns, type WorkflowRow } from './workflow-store.ts';
import { TriggerBreaker } from '../events/trigger-breaker.ts';

/** Timers of relative-time and no-activity triggers; each fires once per (workflow, record, moment). */
export const TIMER_QUEUE = 'workflow.timer';
/** A schedule trigger's occurrences (job_schedule rows named `workflow:<id>`). */
export const SCHEDULE_QUEUE = 'workflow.schedule';
export const TRIGGER_CONSUMER = 'workflows';
/** The standard object interactions are logged in (calls, emails, visits, messages). */
const ACTIVITY_OBJECT = 'activity';

interface ActiveWorkflow extends WorkflowRow {
  definition: WorkflowDefinition;
}

type RecordEvent = OutboxEvent & { objectId: string; recordId: string; event: 'created' | 'updated' | 'deleted' };

const isRecordEvent = (e: OutboxEvent): e is RecordEvent => e.objectId !== null && e.recordId !== null && (e.event === 'created' || e.event === 'updated' || e.event === 'deleted');

/**
 * Turns committed record changes into runs (ADR 0015): the outbox consumer `workflows` hands a
 * batch of events in its own transaction, and the runs (with their first jobs), the timers of
 * relative-time and no-activity triggers and the wake-ups of runs waiting on a record are
 * written in that transaction, so they exist exactly when the checkpoint moves past the events.
 * A redelivered event starts nothing twice: a run's trigger key is the event id.
 */
export class WorkflowTriggers {
  readonly #db: Database;
  readonly #metadata: MetadataService;
  readonly #queue: JobQueue;
  readonly #access: AccessService;
  readonly consumer: OutboxConsumer;
  readonly #breaker = new TriggerBreaker();

  constructor(db: Database, metadata: MetadataService, queue: JobQueue, access: AccessService, options: { pollMs?: number } = {}) {
    this.#db = db;
    this.#metadata = metadata;
    this.#queue = queue;
    this.#access = access;
    this.consumer = new OutboxConsumer(db, {
      name: TRIGGER_CONSUMER,
      startAt: 'now',
      pollMs: options.pollMs ?? 1_000,
      // What `looksAt` and the waiting runs can use: an event of an object an active workflow is
      // triggered by, an activity where a no-activity workflow is active, a record a run waits on
      // (a row of created records names new records only, which no run can be waiting on).
      filter: () => ({
        sql: `(o.tenant_id, o.object_id) in (select tenant_id, trigger_object from workflow where status = 'active' and trigger_type in ('record', 'relativeTime', 'noActivity'))
          or (o.object_id = '${ACTIVITY_OBJECT}' and o.tenant_id in (select tenant_id from workflow where status = 'active' and trigger_type = 'noActivity'))
          or (o.tenant_id, o.record_id) in (select tenant_id, record_id from workflow_run where status = 'waiting')`,
      }),
      handle: async (events, tx) => {
        await this.handle(events, tx);
      },
      // The runs and timers are visible once the batch committed: wake the workers then, not before.
      afterCommit: () => this.#queue.notify(),
    });
  }

  register(): void {
    this.#queue.work(TIMER_QUEUE, (job) => this.#timer(job));
    this.#queue.work(SCHEDULE_QUEUE, (job) => this.#scheduled(job));
  }

  async start(): Promise<void> {
    await this.consumer.start();
  }

  async stop(): Promise<void> {
    await this.consumer.stop();
  }

  /** The work of one batch; answers how many runs or timers it wrote. */
  async handle(events: readonly OutboxEvent[], tx: Queryable): Promise<number> {
    const records = events.filter(isRecordEvent);
    if (!records.length) return 0;
    const tenants = [...new Set(records.map((e) => e.tenantId))];
    // The batch's active workflows, the runs waiting on its records and each tenant's revision: one round trip.
    // Each tenant's time zone as the batch's transaction reads it: a change made through another
    // process applies to the very next condition here, not when this process's cache runs out.
    const { workflows, waiting, revisions, zones } = await batchContext(tx, tenants, [...new Set(records.map((e) => e.recordId))]);
    for (const [tenantId, zone] of Object.entries(zones)) tenantZones.changed(tenantId, zone);
    if (!workflows.length && !waiting.length) return 0;
    let written = 0;
    const models = new Map<string, TenantModel>();
    const modelOf = async (tenantId: string) => {
      let model = models.get(tenantId);
      if (!model) {
        model = await this.#metadata.modelAt(tenantId, revisions[tenantId] ?? 0, tx);
        models.set(tenantId, model);
      }
      return model;
    };
    // Only the records some workflow looks at are read (a run's own updates and tasks are events too).
    const wanted = records.filter((e) => workflows.some((wf) => wf.tenantId === e.tenantId && looksAt(wf, e)));
    const rows = wanted.length ? await loadRecords(tx, wanted) : new Map<string, RecordRow>();
    // Runs the batch starts, written together in one statement after the loop.
    const starts: NewRun[] = [];
    // A run sees the record as its principal reads it (ADR 0012): a record out of its reach starts
    // nothing, and fields it may not read are neither in its conditions nor in its templates.
    const shapes = new Map<string, Promise<AccessShape | undefined>>();
    const shapeOf = (wf: ActiveWorkflow) => {
      let shape = shapes.get(wf.id);
      if (!shape) shapes.set(wf.id, (shape = runAccess(tx, this.#access, wf.tenantId, wf.id)));
      return shape;
    };
    for (const event of records) {
      const tenantWorkflows = workflows.filter((w) => w.tenantId === event.tenantId);
      for (const run of waiting.filter((r) => r.tenantId === event.tenantId && r.recordId === event.recordId)) {
        if (run.wait.mode === 'condition' || (run.wait.mode === 'event' && run.wait.event === `record.${event.event}`)) {
          await enqueueJob(tx, {
            tenantId: event.tenantId,
            queue: RUN_QUEUE,
            payload: { runId: run.id, wake: { seq: run.wait.seq, outcome: run.wait.mode === 'condition' ? 'check' : 'done', data: { event: event.event, eventId: event.id } } },
            idempotencyKey: `signal:${run.id}:${run.wait.seq}:${event.id}`,
            retry: RUN_JOB_RETRY,
          });
          written += 1;
        }
      }
      if (!tenantWorkflows.length) continue;
      const model = await modelOf(event.tenantId);
      const object = model.objectById(event.objectId);
      if (!object) continue;
      const row = rows.get(event.recordId);
      for (const wf of tenantWorkflows) {
        const trigger = wf.definition.trigger;
        const reads = trigger.type === 'record' || trigger.type === 'relativeTime' ? looksAt(wf, event) : false;
        const shape = reads && row ? await shapeOf(wf) : undefined;
        const record = shape && row ? await recordAsReadBy(tx, shape, model, object, row) : undefined;
        if (reads && !record) continue;
        const previous = record && event.event === 'updated' ? previousValues(model, object.id, record, event.payload) : undefined;
        // A workflow does not start on its own writes (its runs act as its automation principal):
        // one that updates the record it started on would otherwise start again, without end.
        if (trigger.type === 'record' && wf.triggerObject === object.id && trigger.events.includes(event.event) && !(wf.automationId && event.actorId === wf.automationId)) {
          const scope = { record: record!, ...(previous ? { previous } : {}), trigger: { event: event.event } };
          if (trigger.condition && !triggerHolds(trigger.condition, scope, conditionCompiler(model.snapshot, object.apiName), zones[event.tenantId] ?? 'UTC')) continue;
          if (!this.#breaker.allow({ id: wf.id, label: wf.apiName }, event.recordId)) continue;
          starts.push({
            tenantId: event.tenantId,
            workflow: wf,
            triggerKey: `event:${event.id}`,
            recordObject: object.apiName,
            recordId: event.recordId,
            record: scope.record as ApiRecord,
            ...(previous ? { previous } : {}),
            trigger: { type: 'record', event: event.event, eventId: event.id, actorId: event.actorId, occurredAt: event.occurredAt },
          });
        } else if (trigger.type === 'relativeTime' && record && wf.triggerObject === object.id && event.event !== 'deleted') {
          written += await armRelativeTimer(tx, wf, trigger, object.apiName, record, previous);
        } else if (trigger.type === 'noActivity' && row && event.event !== 'deleted') {
          // Activity is a change to the record itself or an interaction logged against it (an
          // activity record pointing at it). Tasks and other linked records are not: a follow-up
          // task the workflow creates must not count as the activity whose absence it reports.
          const targets = wf.triggerObject === object.id ? [event.recordId] : object.id === ACTIVITY_OBJECT ? linkedTargets(model, object.id, wf.triggerObject!, row!) : [];
          for (const target of targets) written += await armIdleTimer(tx, wf, trigger, target, new Date(event.occurredAt));
        }
      }
    }
    for (const run of await createRuns(tx, starts)) if (run.created) written += 1;
    return written;
  }

  async #timer(job: ClaimedJob): Promise<void> {
    const p = job.payload as { workflowId: string; recordId: string; kind: 'relative' | 'idle'; moment: string; object: string; field?: string };
    const started = await this.#db.writeTransaction(job.tenantId, async (tx, revision) => {
      const [wf] = await tx.query<WorkflowRow>(`select ${WORKFLOW_COLUMNS} from workflow where tenant_id = $1 and id = $2 and status = 'active'`, [job.tenantId, p.workflowId]);
      // The key is freed, so later activity can arm the next timer for the same record.
      await tx.query('update job set idempotency_key = null where tenant_id = $1 and id = $2', [job.tenantId, job.id]);
      if (!wf) return job.completeIn(tx);
      const definition = await definitionAt(tx, job.tenantId, wf.id, wf.activeVersion ?? wf.version);
      const model = await this.#metadata.modelAt(job.tenantId, revision, tx);
      const object = model.object(p.object);
      if (!object) return job.completeIn(tx);
      const [row] = await tx.query<RecordRow>(
        'select id, object_id, version, data, created_at, created_by, updated_at, updated_by from record where tenant_id = $1 and object_id = $2 and id = $3 and deleted_at is null',
        [job.tenantId, object.id, p.recordId],
      );
      const shape = row && (await runAccess(tx, this.#access, job.tenantId, wf.id));
      const record = shape && row ? await recordAsReadBy(tx, shape, model, object, row) : undefined;
      if (!record) return job.completeIn(tx);
      const trigger = definition.trigger;
      // The date moved since the timer was set: the timer armed for the new date will fire instead.
      if (p.kind === 'relative' && (trigger.type !== 'relativeTime' || String(record[trigger.field] ?? '') !== p.moment)) return job.completeIn(tx);
      const condition = 'condition' in trigger ? (trigger.condition as WorkflowCondition | undefined) : undefined;
      if (condition && !triggerHolds(condition, { record }, conditionCompiler(model.snapshot, object.apiName), await tenantZones.read(tx, job.tenantId))) return job.completeIn(tx);
      await createRun(tx, {
        tenantId: job.tenantId,
        workflow: wf,
        triggerKey: `${p.kind}:${p.recordId}:${p.moment}`,
        recordObject: object.apiName,
        recordId: p.recordId,
        record,
        trigger: { type: trigger.type, moment: p.moment },
      });
      await job.completeIn(tx);
    });
    void started;
    this.#queue.notify();
  }

  async #scheduled(job: ClaimedJob): Promise<void> {
    const p = job.payload as { workflowId: string; occurrence: string };
    await this.#db.transaction(job.tenantId, async (tx) => {
      const [wf] = await tx.query<WorkflowRow>(`select ${WORKFLOW_COLUMNS} from workflow where tenant_id = $1 and id = $2 and status = 'active'`, [job.tenantId, p.workflowId]);
      if (wf) await createRun(tx, { tenantId: job.tenantId, workflow: wf, triggerKey: `schedule:${p.occurrence}`, trigger: { type: 'schedule', occurrence: p.occurrence } });
      await job.completeIn(tx);
    });
    this.#queue.notify();
  }
}

/** Keeps a schedule trigger's cron row in step with the workflow: present while active, gone otherwise. */
export async function syncSchedule(tx: Queryable, wf: WorkflowRow, definition: WorkflowDefinition): Promise<void> {
  const name = `workflow:${wf.id}`;
  if (wf.status === 'active' && definition.trigger.type === 'schedule') {
    await saveSchedule(tx, { tenantId: wf.tenantId, name, queue: SCHEDULE_QUEUE, cron: definition.trigger.cron, ...(definition.trigger.timeZone ? { timeZone: definition.trigger.timeZone } : {}), payload: { workflowId: wf.id } });
  } else {
    await removeSchedule(tx, wf.tenantId, name);
  }
}

async function batchContext(
  tx: Queryable,
  tenants: string[],
  recordIds: string[],
): Promise<{ workflows: ActiveWorkflow[]; waiting: { tenantId: string; id: string; recordId: string; wait: RunWait }[]; revisions: Record<string, number>; zones: Record<string, string> }> {
  const [row] = await tx.query<{ workflows: ActiveWorkflow[] | null; waiting: { tenantId: string; id: string; recordId: string; wait: RunWait }[] | null; revisions: Record<string, number> | null; zones: Record<string, string> | null }>(
    `select
       (select json_agg(x) from (select ${workflowColumns('w')}, v.definition from workflow w
          join workflow_version v on v.tenant_id = w.tenant_id and v.workflow_id = w.id and v.version = w.active_version
         where w.tenant_id = any($1::uuid[]) and w.status = 'active' and w.trigger_type in ('record', 'relativeTime', 'noActivity')) x) as workflows,
       (select json_agg(x) from (select tenant_id as "tenantId", id, record_id as "recordId", wait from workflow_run
         where tenant_id = any($1::uuid[]) and status = 'waiting' and record_id = any($2::uuid[])) x) as waiting,
       (select json_object_agg(id, current_revision) from tenant where id = any($1::uuid[])) as revisions,
       (select json_object_agg(id, coalesce(time_zone, 'UTC')) from tenant where id = any($1::uuid[])) as zones`,
    [tenants, recordIds],
  );
  return { workflows: row?.workflows ?? [], waiting: row?.waiting ?? [], revisions: row?.revisions ?? {}, zones: row?.zones ?? {} };
}

/** Whether a workflow's trigger reads the record of an event (to start a run or arm a timer). */
function looksAt(wf: ActiveWorkflow, e: RecordEvent): boolean {
  const trigger = wf.definition.trigger;
  if (trigger.type === 'record') return wf.triggerObject === e.objectId && trigger.events.includes(e.event);
  if (e.event === 'deleted') return false;
  if (trigger.type === 'noActivity') return wf.triggerObject === e.objectId || e.objectId === ACTIVITY_OBJECT;
  return wf.triggerObject === e.objectId;
}

async function loadRecords(tx: Queryable, events: RecordEvent[]): Promise<Map<string, RecordRow>> {
  const rows = await tx.query<RecordRow & { tenant_id: string }>(
    `select tenant_id, id, object_id, version, data, created_at, created_by, updated_at, updated_by from record
      where (tenant_id, object_id, id) in (select * from unnest($1::uuid[], $2::text[], $3::uuid[]))`,
    // The whole primary key (tenant, object, record): by tenant and id alone it read the tenant's key range.
    [events.map((e) => e.tenantId), events.map((e) => e.objectId), events.map((e) => e.recordId)],
  );
  return new Map(rows.map((r) => [r.id, r]));
}

/** The record as it was before an update: its current values with this event's changes undone. */
function previousValues(model: TenantModel, objectId: string, record: ApiRecord, payload: unknown): ApiRecord | undefined {
  const changes = (payload as { changes?: Record<string, { from: unknown }> } | null)?.changes;
  if (!changes) return undefined;
  const object = model.objectById(objectId)!;
  const before = { ...record };
  for (const [fieldId, change] of Object.entries(changes)) {
    const field = model.fieldById(object, fieldId);
    // A field the record was read without (hidden from the run's principal) stays out of it.
    if (!field || !(field.apiName in record)) continue;
    const stored = toApiRecord(model, object, { id: '', object_id: objectId, version: 0, data: { [fieldId]: change.from }, created_at: '', created_by: null, updated_at: '', updated_by: null }, [field]);
    before[field.apiName] = stored[field.apiName] ?? null;
  }
  return before;
}

function linkedTargets(model: TenantModel, objectId: string, targetObjectId: string, row: RecordRow): string[] {
  const object = model.objectById(objectId);
  if (!object) return [];
  return model
    .liveFields(object)
    .filter((f) => f.type === 'lookup' && f.lookup?.objectId === targetObjectId)
    .map((f) => row.data[f.id])
    .filter((v): v is string => typeof v === 'string');
}

async function armRelativeTimer(tx: Queryable, wf: ActiveWorkflow, trigger: Extract<WorkflowTrigger, { type: 'relativeTime' }>, objectName: string, record: ApiRecord, previous: ApiRecord | undefined): Promise<number> {
  const value = record[trigger.field];
  if (typeof value !== 'string' || !value) return 0;
  if (previous && previous[trigger.field] === value) return 0;
  const base = new Date(value.length === 10 ? `${value}T00:00:00Z` : value).getTime();
  if (Number.isNaN(base)) return 0;
  const at = base + (trigger.direction === 'before' ? -1 : 1) * durationMs(trigger.offset);
  if (at < Date.now() - 60_000) return 0;
  const job = await enqueueJob(tx, {
    tenantId: wf.tenantId,
    queue: TIMER_QUEUE,
    payload: { workflowId: wf.id, recordId: record['id'], kind: 'relative', moment: value, object: objectName, field: trigger.field },
    runAt: new Date(at),
    idempotencyKey: `relative:${wf.id}:${String(record['id'])}:${value}`,
  });
  return job.created ? 1 : 0;
}

/**
 * One queued timer per (workflow, record), moved forward by each activity: a record that keeps
 * being touched never fires, one left alone fires once, N days after its last activity.
 */
async function armIdleTimer(tx: Queryable, wf: ActiveWorkflow, trigger: Extract<WorkflowTrigger, { type: 'noActivity' }>, recordId: string, at: Date): Promise<number> {
  const runAt = new Date(at.getTime() + trigger.days * 86_400_000);
  const key = `idle:${wf.id}:${recordId}`;
  const moved = await tx.query(
    "update job set run_at = $4, payload = jsonb_set(payload, '{moment}', to_jsonb($5::text)) where tenant_id = $1 and queue = $2 and idempotency_key = $3 and state = 'queued' and run_at < $4 returning id",
    [wf.tenantId, TIMER_QUEUE, key, runAt.toISOString(), at.toISOString()],
  );
  if (moved.length) return 1;
  const object = wf.triggerObject!;
  const job = await enqueueJob(tx, { tenantId: wf.tenantId, queue: TIMER_QUEUE, payload: { workflowId: wf.id, recordId, kind: 'idle', moment: at.toISOString(), object }, runAt, idempotencyKey: key });
  return job.created ? 1 : 0;
}

/**
 * A trigger condition that cannot be evaluated (a division by zero, a field deleted since the
 * workflow was saved) starts no run: the event stream must keep moving for every other workflow.
 */
function triggerHolds(condition: WorkflowCondition, scope: Record<string, unknown>, compile: ConditionCompiler, timeZone: string): boolean {
  try {
    return evaluateCondition(condition, scope, compile, timeZone);
  } catch {
    return false;
  }
}
