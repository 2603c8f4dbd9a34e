import { fromStoredValue, toStoredValue, createRecordValidator, type FieldDef, type ObjectDef } from '@protean/metadata';
import type { AccessShape } from '../access/access-shape.ts';
import { readsRecord, readsStoredRecord, recordAsReadBy } from '../access/record-access.ts';
import type { Principal } from '../auth/principal.ts';
import type { Database, Queryable } from '../db/database.ts';
import type { DataService } from '../data/data-service.ts';
import type { RequestContext } from '../data/request-context.ts';
import type { NamedHook, SaveEvent, SaveHooks } from '../data/save-hooks.ts';
import type { TenantModel } from '../data/tenant-model.ts';
import type { FieldProblem } from '../errors/problems.ts';
import { OutboxConsumer } from '../events/outbox-consumer.ts';
import type { OutboxEvent } from '../events/outbox-reader.ts';
import { enqueueJob, type ClaimedJob, type JobQueue } from '../jobs/index.ts';
import type { RecordRow } from '../data/record-codec.ts';
import type { MetadataService } from '../metadata/metadata-service.ts';
import { findScript, type ScriptRecord } from './script-store.ts';
import { SCHEDULED_QUEUE, scriptUserOf, type ScriptService } from './script-service.ts';
import { inputProblems } from '../http/normalize-input.ts';
import { TriggerBreaker } from '../events/trigger-breaker.ts';

export const AFTER_SAVE_QUEUE = 'script.after-save';
export const AFTER_SAVE_CONSUMER = 'script-after-save';
/** A trigger's write may fire triggers again; past this depth the save is refused. */
export const MAX_TRIGGER_DEPTH = 3;

// The depth of the trigger a request context was made for: a trigger's own writes carry it.
const triggerDepth = new WeakMap<RequestContext, number>();

/** Values by API name, as scripts and the REST API see them: only the fields `shape` may read. */
function apiValues(model: TenantModel, object: ObjectDef, data: Readonly<Record<string, unknown>>, shape: AccessShape): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of model.liveFields(object)) if (shape.canReadField(object, field)) out[field.apiName] = fromStoredValue(field, data[field.id]) ?? null;
  return out;
}

/**
 * Before-save triggers: inside the write transaction, after validation. Each active trigger of
 * the object gets the record's values; what it returns in `set` is validated like user input and
 * applied, `errors` refuse the save beside their fields, and a failure (an error it threw or a
 * limit it hit) refuses the save with its message. Triggers run as their script's automation
 * principal in the caller's transaction, bounded for a transaction (ADR 0014): a record out of that
 * principal's reach does not invoke them, and they see and set only fields it may read and edit.
 */
export function beforeSaveHook(service: ScriptService): NamedHook<(event: SaveEvent) => Promise<FieldProblem[] | void>> {
  return {
    name: 'script-triggers',
    appliesTo: (object, action) => (action === 'create' || action === 'update') && service.hasBeforeSave(object.id),
    // A trigger that only reads runs ahead of a one-statement create (reads at read committed see
    // what the transaction would); one that writes is refused there and the save runs it again
    // inside the transaction, as it does for this object's later creates.
    outsideTransaction: (object, action) => action === 'create' && service.triggersOnlyRead(object.id),
    run: async (event) => {
      if (event.action !== 'create' && event.action !== 'update') return;
      const { ctx, scope, object } = event;
      const tenantId = ctx.principal.tenantId;
      const scripts = (await service.activeScripts(tenantId, scope.tx)).filter(
        (s) => s.kind === 'beforeSave' && s.objectId === object.id && (s.definition.events ?? []).includes(event.action),
      );
      if (scripts.length === 0) return;
      const depth = triggerDepth.get(ctx) ?? 0;
      if (depth >= MAX_TRIGGER_DEPTH) return [{ field: '', code: 'triggerDepth', message: `triggers nested more than ${MAX_TRIGGER_DEPTH} levels deep` }];
      const model = scope.model;
      const words = model.words(ctx.principal.locale);
      const validate = model.memo(`validate:update:${object.id}:${words.locale}`, () => createRecordValidator(words.resolved(object), 'update', { locale: words.locale }));
      const problems: FieldProblem[] = [];
      // Ahead of a one-statement create: log entries wait until the save goes ahead there.
      const aheadOfCreate: NonNullable<Parameters<ScriptService['run']>[3]['outside']>[] = [];
      const acting = new Map<string, { ctx: RequestContext; shape: AccessShape }>();
      const actingAs = async (script: ScriptRecord) => {
        let found = acting.get(script.id);
        if (!found) {
          const principal = service.principalOf(script, ctx.principal);
          const scriptCtx: RequestContext = { ...ctx, principal, model, scope };
          triggerDepth.set(scriptCtx, depth + 1);
          acting.set(script.id, (found = { ctx: scriptCtx, shape: await service.shapeOf(principal, scope.tx) }));
        }
        return found;
      };
      // The record as stored (a create: as it will be, the saver its creator) must be in the principal's reach.
      const reaches = (shape: AccessShape, record: (typeof event.records)[number]): Promise<boolean> =>
        record.previous ? readsStoredRecord(scope.tx, shape, object, record.id) : readsRecord(scope.tx, shape, object, { id: record.id, data: record.data, created_by: ctx.principal.userId });
      for (const record of event.records) {
        const at = record.index === undefined ? {} : { index: record.index };
        for (const script of scripts) {
          const { ctx: scriptCtx, shape } = await actingAs(script);
          if (!(await reaches(shape, record))) continue;
          const input = {
            object: object.apiName,
            action: event.action,
            record: { id: record.id, ...apiValues(model, object, record.data, shape) },
            ...(record.previous ? { previous: { id: record.id, ...apiValues(model, object, record.previous, shape) } } : {}),
          };
          const outside = scope.readOnly ? { wrote: false } : undefined;
          const { report } = await service.run(script, scriptCtx, input, { cause: 'beforeSave', recordId: record.id, user: scriptUserOf(ctx.principal), limits: service.transactionLimits(), outside });
          if (outside) {
            if (outside.wrote) {
              service.triggerWrites(object.id);
              return [{ field: '', code: 'retryInTransaction', message: `${script.definition.label} writes records` }];
            }
            aheadOfCreate.push(outside);
          }
          if (!report.ok) {
            const error = report.error;
            const fieldErrors = error?.errors?.length ? error.errors : [{ field: '', message: error?.message ?? 'failed' }];
            for (const e of fieldErrors) problems.push({ field: e.field, code: error?.limit ? 'scriptLimit' : 'script', message: `${script.definition.label}: ${e.message}`, script: script.apiName, ...at });
            continue;
          }
          const output = report.output;
          if (output === undefined || output === null) continue;
          if (typeof output !== 'object' || Array.isArray(output)) {
            problems.push({ field: '', code: 'script', message: `${script.definition.label}: a before-save trigger returns { set?, errors? }`, script: script.apiName, ...at });
            continue;
          }
          const { set, errors } = output as { set?: unknown; errors?: unknown };
          if (Array.isArray(errors)) {
            for (const e of errors.slice(0, 100) as { field?: unknown; message?: unknown }[]) {
              problems.push({ field: String(e?.field ?? ''), code: 'script', message: String(e?.message ?? 'is refused'), script: script.apiName, ...at });
            }
          }
          if (set && typeof set === 'object' && !Array.isArray(set)) {
            const changes = set as Record<string, unknown>;
            // A trigger changes only what its principal may edit, as its own writes would.
            const unwritable = Object.keys(changes).filter((name) => {
              const field = model.field(object, name);
              return field && shape.fieldLevel(object.id, field.id) !== 'edit';
            });
            if (unwritable.length) {
              for (const name of unwritable) problems.push({ field: name, code: 'fieldPermission', message: `${script.definition.label}: is not a field its profile may edit`, script: script.apiName, ...at });
              continue;
            }
            // What a trigger sets passes the checks a request's body passes: no NUL or lone surrogate, text composed.
            const unstorable = inputProblems(changes, 'body');
            if (unstorable.length) {
              for (const e of unstorable) problems.push({ ...e, message: `${script.definition.label}: ${e.message}`, script: script.apiName, ...at });
              continue;
            }
            const invalid = validate(changes);
            if (invalid.length) {
              for (const e of invalid) problems.push({ ...e, code: e.code, message: `${script.definition.label}: ${e.message}`, script: script.apiName, ...at });
              continue;
            }
            for (const [name, value] of Object.entries(changes)) {
              const field = model.field(object, name);
              if (!field) continue;
              const stored = toStoredValue(field, value);
              if (stored === undefined || stored === null) delete record.data[field.id];
              else record.data[field.id] = stored;
              // The pipeline checks lookups, owners and unique values of the fields a save changes.
              const changed = event.changed as FieldDef[];
              if (!changed.includes(field)) changed.push(field);
            }
          }
        }
      }
      // Problems send a create that read ahead down the transactional path, which runs the triggers again and logs them.
      if (problems.length === 0) for (const run of aheadOfCreate) run.log?.();
      return problems;
    },
  };
}

/**
 * A user of the tenant as their session would have them, when no request carries one: whom an
 * after-save or scheduled script runs for (the saver, or the author), and whom a webhook delivers as.
 */
export async function userPrincipal(q: Queryable, tenantId: string, userId: string): Promise<Principal | undefined> {
  const [row] = await q.query<{ slug: string; tenant_name: string; id: string; name: string; role: Principal['role']; locale: string; active: boolean }>(
    `select t.slug, t.name as tenant_name, u.id, u.name, u.role, u.locale, u.active from app_user u join tenant t on t.id = u.tenant_id where u.tenant_id = $1 and u.id = $2`,
    [tenantId, userId],
  );
  if (!row?.active) return undefined;
  return { tenantId, tenantSlug: row.slug, tenantName: row.tenant_name, userId: row.id, userName: row.name, role: row.role, locale: row.locale, via: 'session' };
}

/**
 * After-save triggers and scheduled scripts run from the shared job queue: the outbox consumer
 * turns each committed event that an after-save trigger listens to into a job (in the same
 * transaction that advances its checkpoint, keyed by event, so nothing is lost or doubled), and
 * the job runs the script after the save committed, as its automation principal, for the user who saved.
 */
export class ScriptJobs {
  readonly consumer: OutboxConsumer;
  readonly #db: Database;
  readonly #service: ScriptService;
  readonly #metadata: MetadataService;
  readonly #data: DataService;
  readonly #jobs: JobQueue;
  readonly #breaker = new TriggerBreaker();

  constructor(db: Database, service: ScriptService, metadata: MetadataService, data: DataService, jobs: JobQueue) {
    this.#db = db;
    this.#service = service;
    this.#metadata = metadata;
    this.#data = data;
    this.#jobs = jobs;
    this.consumer = new OutboxConsumer(db, {
      name: AFTER_SAVE_CONSUMER,
      startAt: 'now',
      // Only objects with an active after-save script have anything to run.
      filter: () => ({ sql: "(o.tenant_id, o.object_id) in (select tenant_id, object_id from script where kind = 'afterSave' and active and deleted_at is null)" }),
      handle: (events, tx) => this.#enqueue(events, tx),
    });
  }

  async start(): Promise<void> {
    this.#jobs.work(AFTER_SAVE_QUEUE, (job) => this.#afterSave(job));
    this.#jobs.work(SCHEDULED_QUEUE, (job) => this.#scheduled(job));
    await this.consumer.start();
  }

  async stop(): Promise<void> {
    await this.consumer.stop();
  }

  async #enqueue(events: readonly OutboxEvent[], tx: Queryable): Promise<void> {
    let queued = 0;
    const byTenant = new Map<string, { id: string; api_name: string; object_id: string; events: string[] }[]>();
    for (const event of events) {
      if (!event.objectId || !event.recordId) continue;
      let scripts = byTenant.get(event.tenantId);
      if (!scripts) {
        scripts = await tx.query<{ id: string; api_name: string; object_id: string; events: string[] }>(
          `select s.id, s.api_name, s.object_id, coalesce(array(select jsonb_array_elements_text(v.definition->'events')), '{}') as events
             from script s join script_version v on v.tenant_id = s.tenant_id and v.script_id = s.id and v.version = s.version
            where s.tenant_id = $1 and s.kind = 'afterSave' and s.active and s.deleted_at is null`,
          [event.tenantId],
        );
        byTenant.set(event.tenantId, scripts);
      }
      for (const script of scripts) {
        if (script.object_id !== event.objectId || !script.events.includes(event.event)) continue;
        // A script does not fire on its own writes (it acts as itself, so its id is their actor):
        // one that updates the record it fired on would otherwise fire again, without end.
        if (event.actorId === script.id) continue;
        if (!this.#breaker.allow({ id: script.id, label: script.api_name }, event.recordId)) continue;
        const payload = event.payload && typeof event.payload === 'object' ? (event.payload as Record<string, unknown>) : {};
        await enqueueJob(tx, {
          tenantId: event.tenantId,
          queue: AFTER_SAVE_QUEUE,
          payload: { scriptId: script.id, event: event.event, objectId: event.objectId, recordId: event.recordId, actorId: event.actorId, changes: payload['changes'] ?? null },
          idempotencyKey: `${script.id}:${event.position.txid}:${event.id}`,
          retry: { maxAttempts: 3 },
        });
        queued += 1;
      }
    }
    if (queued) this.#jobs.notify();
  }

  async #afterSave(job: ClaimedJob): Promise<void> {
    const p = job.payload as { scriptId: string; event: string; objectId: string; recordId: string; actorId: string | null; changes: unknown };
    const loaded = await this.#load(job.tenantId, p.scriptId, p.actorId);
    if (!loaded) return;
    const { script, ctx, user } = loaded;
    const object = ctx.model.objectById(p.objectId);
    if (!object) return;
    const shape = await this.#service.shapeOf(ctx.principal);
    let record: Record<string, unknown> | undefined;
    // The record as the script's principal reads it: a live record within its reach, else 404.
    if (p.event !== 'deleted') record = await this.#data.get(ctx, object, p.recordId).catch((error: unknown) => {
      if ((error as { status?: number }).status === 404) return undefined;
      throw error;
    });
    // Without it (a deletion, a record deleted since, or one out of reach) the stored row decides: a
    // record out of the script's reach does not invoke it (deleted or not: its id and changes would
    // tell); one deleted since runs the script without it.
    if (!record) {
      const reached = await this.#db.withTenant(job.tenantId, async (q) => {
        const [row] = await q.query<RecordRow>('select id, object_id, version, data, created_at, created_by, updated_at, updated_by from record where tenant_id = $1 and object_id = $2 and id = $3', [job.tenantId, object.id, p.recordId]);
        return !!row && !!(await recordAsReadBy(q, shape, ctx.model, object, row));
      });
      if (!reached) return;
    }
    const input = { object: object.apiName, event: p.event, recordId: p.recordId, ...(record ? { record } : {}), ...(p.changes ? { changes: namedChanges(ctx.model, object, p.changes, shape) } : {}) };
    // A script's failure is in its invocation log; the job is done either way (scripts need not be idempotent).
    await this.#service.run(script, ctx, input, { cause: 'afterSave', recordId: p.recordId, user });
  }

  async #scheduled(job: ClaimedJob): Promise<void> {
    const p = job.payload as { scriptId: string; occurrence?: string };
    const loaded = await this.#load(job.tenantId, p.scriptId, undefined);
    if (!loaded) return;
    await this.#service.run(loaded.script, loaded.ctx, { scheduledAt: p.occurrence ?? new Date().toISOString() }, { cause: 'scheduled', user: loaded.user });
  }

  /**
   * The live version and a context acting as the script's automation principal, for the user it
   * runs for: the saver, else the author of the live version (whose locale it takes).
   */
  async #load(tenantId: string, scriptId: string, actorId: string | null | undefined) {
    const found = await this.#db.withTenant(tenantId, async (q) => {
      const script = await findScript(q, tenantId, scriptId);
      if (!script?.active) return undefined;
      const forUser = (actorId && (await userPrincipal(q, tenantId, actorId))) || (script.authorId ? await userPrincipal(q, tenantId, script.authorId) : undefined);
      return forUser ? { script, forUser } : undefined;
    });
    if (!found) return undefined;
    const ctx: RequestContext = { principal: this.#service.principalOf(found.script, found.forUser), model: await this.#metadata.model(tenantId) };
    return { script: found.script, ctx, user: scriptUserOf(found.forUser) };
  }
}

/** Outbox changes are keyed by field id; scripts see API names. */
function namedChanges(model: TenantModel, object: ObjectDef, changes: unknown, shape: AccessShape): Record<string, { from: unknown; to: unknown }> {
  const out: Record<string, { from: unknown; to: unknown }> = {};
  if (!changes || typeof changes !== 'object') return out;
  for (const [id, change] of Object.entries(changes as Record<string, { from: unknown; to: unknown }>)) {
    const field = model.fieldById(object, id);
    if (field && !field.deletedAt && shape.canReadField(object, field)) out[field.apiName] = { from: fromStoredValue(field, change.from) ?? null, to: fromStoredValue(field, change.to) ?? null };
  }
  return out;
}

export function registerScriptHooks(hooks: SaveHooks, service: ScriptService): void {
  hooks.beforeSave.push(beforeSaveHook(service));
}
