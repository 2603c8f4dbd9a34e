import { createRecordValidator, fieldType, fromStoredValue, type FieldDef, type ObjectDef } from '@protean/metadata';
import type { Principal } from '../auth/principal.ts';
import type { Words } from '../metadata/words.ts';
import type { Database } from '../db/database.ts';
import type { AccessService } from '../access/access-service.ts';
import { checkWriteInput, OWNER_FIELD_ID, recordWriteAccess, redact, refuseUnreachableLookups, type RecordLevel } from '../access/record-access.ts';
import { conflict, isWriteConflict, limitExceeded, ProblemError, validationError, writeConflict, type FieldProblem } from '../errors/problems.ts';
import { softDelete, ROW_COLUMNS } from './cascades.ts';
import { toApiRecord, toStoredValue, type ApiRecord, type RecordRow } from './record-codec.ts';
import { CreateGroups } from './create-groups.ts';
import { newRecordId } from './record-id.ts';
import { at, invalid, noRecord, requireObject, stale, UUID } from './record-problems.ts';
import { assignAutonumbers, checkLookups, checkUsers, claimUniqueValues, findByUniqueValue, uniqueProblem, releaseUniqueValues, writeLinks, writeOutbox, type PendingRecord } from './record-writes.ts';
import type { ModelSource, RequestContext, WriteScope } from './request-context.ts';
import type { RecordDraft, SaveAction, SaveHooks } from './save-hooks.ts';
import { SLOT_COLUMNS, SLOT_TYPES, slotRow } from './sql/field-sql.ts';
import { CREATE_RECORDS_CALL_SQL, createRecordsCallParams, insertRecordsParams, insertRecordsStatement, linkedLookups } from './sql/insert-records.ts';
import { EAST_ASIAN_LETTERS, jsonbKeyOrder, storedSearchText } from './sql/search-text.ts';

export const BATCH_LIMIT = 1000;
// Slot values are parameters $6…$13 of every single-record update.
const SLOT_ASSIGNMENTS = SLOT_COLUMNS.map((c, i) => `${c} = $${i + 6}::${SLOT_TYPES[c]}`).join(', ');
/** The search text after the slots: the text of the fields search matches (migration 88). */
const SEARCH_TEXT_ASSIGNMENT = `search_text = $${SLOT_COLUMNS.length + 6}::text`;
/** The parameters after the record's values: its slots, then its search text. */
const derivedParams = (object: ObjectDef, data: Record<string, unknown>) => [...slotRow(object, data), storedSearchText(object, data)];

/** What a create written by `create_records` is: version 1, created and updated when its statement ran. */
type CreatedRow = Omit<RecordRow, 'data' | 'object_id' | 'created_by' | 'updated_by'>;

export type BatchOperation =
  | { op: 'create'; data: Record<string, unknown> }
  | { op: 'update'; id: string; version?: number; data: Record<string, unknown> }
  | { op: 'upsert'; matchField: string; data: Record<string, unknown> }
  | { op: 'delete'; id: string; version?: number };

export interface BatchResult {
  action: 'created' | 'updated' | 'deleted';
  id: string;
  version: number;
  /** The record as saved (absent for deletions). */
  record?: ApiRecord;
}

/**
 * The one save pipeline: every writer (REST, batch, restore; later imports, scripts, workflows,
 * plugins) goes through it, alone or inside a transaction its caller holds:
 *
 *   fence (the revision current for the whole transaction) → validate → beforeSave hooks →
 *   lookups, users, autonumbers, unique claims → write row + outbox event (same transaction) →
 *   afterWrite hooks → commit → afterCommit hooks.
 *
 * A request validated against an older revision is validated again against the one it commits
 * with (ADR 0005), so no value that breaks the current model is ever written.
 */
export class SavePipeline {
  readonly #db: Database;
  readonly #models: ModelSource;
  readonly #hooks: SaveHooks;
  readonly #onHookError: (error: unknown) => void;
  readonly #access: AccessService;
  readonly #creates = new CreateGroups<RecordDraft, CreatedRow>();

  constructor(db: Database, models: ModelSource, hooks: SaveHooks, access: AccessService, onHookError: (error: unknown) => void = (error) => console.error('after-commit hook failed', error)) {
    this.#db = db;
    this.#models = models;
    this.#hooks = hooks;
    this.#access = access;
    this.#onHookError = onHookError;
  }

  /**
   * Runs `work` in the caller's write scope, or opens a fenced transaction for it: the model is
   * the one of the revision current inside the fence. After-commit work runs once committed.
   */
  async inScope<T>(ctx: RequestContext, work: (scope: WriteScope, ctx: RequestContext) => Promise<T>): Promise<T> {
    if (ctx.scope?.readOnly) throw new Error('a write needs the save’s transaction; hooks that run ahead of a one-statement create only read');
    if (ctx.scope) return work(ctx.scope, ctx);
    const tenantId = ctx.principal.tenantId;
    let afterCommit: WriteScope['afterCommit'] = [];
    const result = await retryingWriteConflicts(() => {
      // Hooks of an attempt that Postgres rolled back are dropped with it.
      afterCommit = [];
      return this.#db.writeTransaction(tenantId, async (tx, revision) => {
        const model = revision === ctx.model.revision ? ctx.model : await this.#models.modelAt(tenantId, revision, tx);
        const scope: WriteScope = { tx, model, afterCommit };
        return work(scope, { ...ctx, model, scope });
      });
    });
    for (const run of afterCommit) {
      try {
        await run();
      } catch (error) {
        this.#onHookError(error);
      }
    }
    return result;
  }

  async create(ctx: RequestContext, object: ObjectDef, input: unknown): Promise<ApiRecord> {
    const shape = await this.#access.shapeOf(ctx.principal, ctx.scope?.tx);
    checkWriteInput(ctx, shape, object, 'create', [{ input, index: undefined }]);
    const [alone] = (ctx.scope ? undefined : await this.#createAlone(ctx, object, [{ input, index: undefined }]))?.records() ?? [];
    if (alone) return redact(shape, ctx.model, object, alone);
    return this.inScope(ctx, async (scope, ctx) => {
      const current = currentObject(scope, object);
      const [row] = await this.#insert(ctx, scope, current, [{ input, index: undefined }]);
      return redact(shape, scope.model, current, toApiRecord(scope.model, current, row!));
    });
  }

  async update(ctx: RequestContext, object: ObjectDef, id: string, input: unknown, expectedVersion: number | undefined): Promise<ApiRecord> {
    const shape = await this.#access.shapeOf(ctx.principal, ctx.scope?.tx);
    checkWriteInput(ctx, shape, object, 'edit', [{ input, index: undefined }]);
    if (!UUID.test(id)) throw noRecord(ctx, object, id);
    return this.inScope(ctx, async (scope, ctx) => redact(shape, scope.model, object, await this.#update(ctx, scope, currentObject(scope, object), { id, input, expectedVersion, index: undefined })));
  }

  async delete(ctx: RequestContext, object: ObjectDef, id: string, expectedVersion: number | undefined): Promise<void> {
    checkWriteInput(ctx, await this.#access.shapeOf(ctx.principal, ctx.scope?.tx), object, 'delete', []);
    if (!UUID.test(id)) throw noRecord(ctx, object, id);
    return this.inScope(ctx, async (scope, ctx) => {
      await this.#delete(ctx, scope, currentObject(scope, object), id, expectedVersion);
    });
  }

  async restore(ctx: RequestContext, object: ObjectDef, id: string): Promise<ApiRecord> {
    const shape = await this.#access.shapeOf(ctx.principal, ctx.scope?.tx);
    checkWriteInput(ctx, shape, object, 'delete', []);
    if (!UUID.test(id)) throw noRecord(ctx, object, id, 'record.deletedNotFound');
    return this.inScope(ctx, async (scope, ctx) => {
      const { tx, model } = scope;
      const current = currentObject(scope, object);
      const tenantId = ctx.principal.tenantId;
      const rows = await tx.query<RecordRow>(`select ${ROW_COLUMNS} from record where tenant_id = $1 and id = $2 and object_id = $3 and deleted_at is not null for update`, [tenantId, id, current.id]);
      const row = rows[0];
      // Restoring takes what deleting took: the owner, the team above, or modify-all.
      if (!row || (await recordWriteAccess(tx, shape, current, row)) !== 'full') throw noRecord(ctx, current, id, 'record.deletedNotFound');
      const fields = model.liveFields(current);
      // Lookups whose target is gone are cleared rather than left dangling; the others are locked.
      const data = { ...row.data };
      const lookups = fields.filter((f) => f.type === 'lookup');
      const targets = lookups.map((f) => data[f.id]).filter((v): v is string => typeof v === 'string');
      if (targets.length) {
        const live = new Set(
          (
            await tx.query<{ id: string }>(
              'select id from record where tenant_id = $1 and object_id = any($3::text[]) and id = any($2::uuid[]) and deleted_at is null order by id for key share',
              [tenantId, targets, lookups.map((f) => f.lookup?.objectId ?? '')],
            )
          ).map((r) => r.id),
        );
        for (const f of lookups) if (typeof data[f.id] === 'string' && !live.has(data[f.id] as string)) delete data[f.id];
      }
      const goneTargets = lookups.filter((f) => typeof row.data[f.id] === 'string' && data[f.id] === undefined).map((f) => f.id);
      const problems = restoreProblems(model, ctx.principal.locale, current, data, goneTargets);
      if (problems.length) throw invalid(model, model.words(ctx.principal.locale), current, problems);
      await claimUniqueValues(tx, tenantId, current, fields.filter((f) => f.unique), [{ id, data }], model.words(ctx.principal.locale));
      const restored = await tx.query<RecordRow>(
        `update record set deleted_at = null, deleted_by = null, data = $4, version = version + 1, updated_at = now(), updated_by = $5, ${SLOT_ASSIGNMENTS}, ${SEARCH_TEXT_ASSIGNMENT}
          where tenant_id = $1 and id = $2 and object_id = $3 returning ${ROW_COLUMNS}`,
        [tenantId, id, current.id, JSON.stringify(data), ctx.principal.userId, ...derivedParams(current, data)],
      );
      await writeLinks(tx, tenantId, linkedLookups(current, lookups), [{ id, data }], new Map([[id, row.data]]));
      await writeOutbox(tx, tenantId, current, 'restored', [{ recordId: id, payload: { version: restored[0]!.version } }], ctx.principal.userId);
      await this.#afterWrite(ctx, scope, current, 'restore', [{ id, data }], fields);
      return redact(shape, model, current, toApiRecord(model, current, restored[0]!));
    });
  }

  /**
   * All-or-nothing, in the order given: consecutive creates are written together, and anything
   * else first writes the creates before it, so a later operation sees the earlier ones (a second
   * upsert of a key updates the record the first one created). Every failing item is reported
   * with its index; then nothing is saved.
   */
  async batch(ctx: RequestContext, object: ObjectDef, operations: BatchOperation[], withRecords = true): Promise<BatchResult[]> {
    if (operations.length > BATCH_LIMIT) throw limitExceeded(`A batch holds at most ${BATCH_LIMIT} operations; this one has ${operations.length}`, 413);
    const shape = await this.#access.shapeOf(ctx.principal, ctx.scope?.tx);
    for (const action of ['create', 'edit', 'delete'] as const) {
      const items = operations.flatMap((o, index) => ((o.op === 'upsert' ? ['create', 'edit'] : [o.op === 'update' ? 'edit' : o.op]).includes(action) ? [{ input: 'data' in o ? o.data : {}, index }] : []));
      if (items.length) checkWriteInput(ctx, shape, object, action, items);
    }
    const created = ctx.scope || !operations.every((o) => o.op === 'create') ? undefined : await this.#createAlone(ctx, object, operations.map((o, index) => ({ input: o.data, index })));
    const results: BatchResult[] = !created
      ? await this.#batchRetryingRacedUpserts(ctx, object, operations, withRecords)
      : withRecords
        ? created.records().map((record) => saved('created', record))
        : created.ids.map((id) => ({ action: 'created' as const, id, version: 1 }));
    for (const result of results) if (result.record) redact(shape, ctx.model, object, result.record);
    return results;
  }

  /**
   * An upsert that found no record by its key, and then lost the key to another transaction that
   * created one meanwhile, is run again: the claim waited for that transaction to commit, so the
   * second run finds the record and updates it, as an upsert promises. Parallel sync workers
   * upserting the same key otherwise got "another record already has this value" for a key they
   * meant to match. Only a whole batch whose every problem is such a race runs again (nothing of
   * it was written), and only while the races go on being lost to fresh records.
   */
  async #batchRetryingRacedUpserts(ctx: RequestContext, object: ObjectDef, operations: BatchOperation[], withRecords: boolean): Promise<BatchResult[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#batchInScope(ctx, object, operations, withRecords);
      } catch (error) {
        const apiName = (name: string) => ctx.model.field(object, name)?.apiName ?? name;
        if (ctx.scope || attempt >= 3 || !lostUpsertRace(error, operations, apiName)) throw error;
      }
    }
  }

  async #batchInScope(ctx: RequestContext, object: ObjectDef, operations: BatchOperation[], withRecords: boolean): Promise<BatchResult[]> {
    return this.inScope(ctx, async (scope, ctx) => {
      const current = currentObject(scope, object);
      await lockInIdOrder(ctx, scope, current, operations);
      const results: BatchResult[] = new Array(operations.length);
      const problems: FieldProblem[] = [];
      // What the failed operations would have been answered alone: one kind for all is the batch's answer too.
      const kinds = new Map<number, ProblemError['type']>();
      let creates: { input: unknown; index: number }[] = [];
      const collect = async (work: () => Promise<void>, index: number | undefined) => {
        try {
          await work();
        } catch (error) {
          if (!(error instanceof ProblemError)) throw error;
          kinds.set(error.status, error.type);
          const at = index === undefined ? {} : { index };
          // A problem without field problems (a stale version, a record not found) keeps its kind as the code, and its details.
          if (error.errors?.length) for (const e of error.errors) problems.push({ ...e, ...at });
          else problems.push({ field: '', code: error.type, message: error.message, ...error.extra, ...at });
        }
      };
      const flush = async () => {
        if (creates.length === 0) return;
        const pending = creates;
        creates = [];
        await collect(async () => {
          const rows = await this.#insert(ctx, scope, current, pending);
          // Mapping a thousand records back to API form is skipped unless the caller wants them.
          pending.forEach((c, i) => {
            const row = rows[i]!;
            results[c.index] = withRecords ? saved('created', toApiRecord(scope.model, current, row)) : { action: 'created', id: row.id, version: row.version };
          });
        }, undefined);
      };
      for (const [index, operation] of operations.entries()) {
        if (operation.op === 'create') {
          creates.push({ input: operation.data, index });
          continue;
        }
        await flush();
        await collect(async () => {
          if (operation.op === 'update') {
            results[index] = saved('updated', await this.#update(ctx, scope, current, { id: operation.id, input: operation.data, expectedVersion: operation.version, index }));
          } else if (operation.op === 'delete') {
            if (!UUID.test(operation.id)) throw noRecord(ctx, current, operation.id);
            const version = await this.#delete(ctx, scope, current, operation.id, operation.version);
            results[index] = { action: 'deleted', id: operation.id, version };
          } else {
            const match = scope.model.field(current, operation.matchField);
            if (!match?.unique) throw validationError('Upsert needs a unique field', [{ field: 'matchField', code: 'unique', message: `'${operation.matchField}' is not a unique field of this object` }]);
            const value = toStoredValue(match, operation.data[match.apiName]);
            if (value === undefined || value === null || value === '') throw validationError('Upsert needs a value to match on', [{ field: match.apiName, code: 'required', message: 'is required to upsert' }]);
            const existing = await findByUniqueValue(scope.tx, ctx.principal.tenantId, current, match, value);
            if (existing) results[index] = saved('updated', await this.#upsertInto(ctx, scope, current, match, existing, operation.data, index));
            else creates.push({ input: operation.data, index });
          }
        }, index);
      }
      await flush();
      if (problems.length) {
        const detail = `${new Set(problems.map((p) => p.index)).size} of ${operations.length} operations failed; nothing was saved`;
        const [only] = kinds.size === 1 ? kinds : [];
        throw only && only[0] !== 422 ? new ProblemError(only[1], only[0], detail, problems) : validationError(detail, problems);
      }
      return results;
    });
  }

  /**
   * Creates that need no transaction of ours: no beforeSave or afterWrite hook applies, the
   * object has no autonumber or unique field, and no owner other than the creator is named. Then
   * the fence, the lookup check, the insert and the outbox event are one statement that commits
   * on its own (`create_records`, migration 18): one round trip instead of a transaction's five,
   * and no transaction held open while the server validates. A single create shares its
   * statement with the creates of the same tenant, object and user that arrive meanwhile
   * (`CreateGroups`); a batch's creates are one statement of their own, all or nothing. It
   * writes nothing when the revision moved on since `ctx.model`, a lookup target is missing, or
   * the input is invalid; undefined then sends the creates down the transactional path, which
   * validates against the current revision and says what is wrong.
   */
  async #createAlone(ctx: RequestContext, object: ObjectDef, items: { input: unknown; index: number | undefined }[]): Promise<{ ids: string[]; records: () => ApiRecord[] } | undefined> {
    const { model, principal } = ctx;
    const current = model.objectById(object.id);
    if (!current || this.#hookApplies(current, 'create', true)) return undefined;
    const fields = model.liveFields(current);
    if (fields.some((f) => f.unique || f.type === 'autonumber')) return undefined;
    const { drafts, problems } = this.#drafts(ctx, model, current, items);
    if (problems.length) return undefined;
    const shape = await this.#access.shapeOf(principal, ctx.scope?.tx);
    // Another owner than the creator, and a link to a record of a narrowed object, are checked on the transactional path.
    const owners = fields.filter((f) => f.type === 'owner');
    const narrowedLookups = fields.filter((f) => f.type === 'lookup' && f.lookup && !shape.recordScope(f.lookup.objectId).all);
    const simple = () =>
      drafts.every(
        (draft) =>
          !owners.some((f) => draft.data[f.id] !== undefined && draft.data[f.id] !== principal.userId) && !narrowedLookups.some((f) => typeof draft.data[f.id] === 'string'),
      );
    if (!simple()) return undefined;
    // Hooks that only read run here; each read is a statement in a transaction of its own.
    const reads: WriteScope = { tx: { query: (sql, params = []) => this.#db.read(principal.tenantId, sql, params), exec: () => Promise.reject(new Error('no statements outside a transaction')) }, model, afterCommit: [], readOnly: true };
    for (const hook of this.#hooks.beforeSave) {
      if (!(hook.appliesTo?.(current, 'create') ?? true)) continue;
      const problems = await hook.run({ ctx, scope: reads, object: current, action: 'create', records: drafts, changed: fields });
      if (problems?.length) return undefined;
    }
    // A hook (a trigger's `set`) may have changed an owner or a lookup.
    if (!simple()) return undefined;
    const statement = async (group: readonly RecordDraft[]): Promise<CreatedRow[]> => {
      const params = createRecordsCallParams(model.revision, insertRecordsParams(principal.tenantId, current, principal.userId, group));
      const [answer] = await this.#db.scoped<{ written: number; at: string }>(CREATE_RECORDS_CALL_SQL, params);
      // The statement writes all of its records or none (migration 69); no answer: the revision moved on.
      if (!answer || answer.written !== group.length) return [];
      return group.map((draft) => ({ id: draft.id, version: 1, created_at: answer.at, updated_at: answer.at }));
    };
    let rows: (CreatedRow | undefined)[];
    if (drafts.length === 1) rows = [await this.#creates.submit(`${principal.tenantId} ${current.id} ${principal.userId} ${model.revision}`, drafts[0]!, statement)];
    else {
      const byId = new Map((await statement(drafts)).map((row) => [row.id, row]));
      rows = drafts.map((draft) => byId.get(draft.id));
    }
    if (rows.some((row) => row === undefined)) return undefined;
    for (const hook of this.#hooks.afterCommit) {
      try {
        await hook.run({ ctx, object: current, action: 'create', records: drafts, changed: fields });
      } catch (error) {
        this.#onHookError(error);
      }
    }
    return {
      ids: drafts.map((draft) => draft.id),
      // Mapping a thousand records back to API form is left to callers that want them.
      records: () => drafts.map((draft, i) => toApiRecord(model, current, { ...rows[i]!, object_id: current.id, created_by: principal.userId, updated_by: principal.userId, data: draft.data })),
    };
  }

  /** Whether a hook needs the save's transaction (with `alone`, hooks that may run outside one do not count). */
  #hookApplies(object: ObjectDef, action: SaveAction, alone = false): boolean {
    const needsTransaction = (hook: { outsideTransaction?: (o: ObjectDef, a: SaveAction) => boolean }) => !alone || !(hook.outsideTransaction?.(object, action) ?? false);
    return this.#hooks.beforeSave.some((hook) => (hook.appliesTo?.(object, action) ?? true) && needsTransaction(hook)) || this.#hooks.afterWrite.some((hook) => hook.appliesTo?.(object, action) ?? true);
  }

  /** Validates create input and turns it into drafts: defaults applied, values in stored form. */
  #drafts(ctx: RequestContext, model: WriteScope['model'], object: ObjectDef, items: { input: unknown; index: number | undefined }[]): { drafts: RecordDraft[]; problems: FieldProblem[] } {
    const { principal } = ctx;
    const words = model.words(principal.locale);
    const validate = createValidatorOf(model, words, object);
    // Values in JSONB's key order: the insert statement's parameter then needs no sorting in Postgres.
    const fields = model.memo(`fields-in-key-order:${object.id}`, () => [...model.liveFields(object)].sort((a, b) => jsonbKeyOrder(a.id, b.id)));
    const problems: FieldProblem[] = [];
    const drafts: RecordDraft[] = items.map(({ input, index }) => {
      requireObject(input, index);
      const errors = validate(input);
      for (const e of errors) problems.push(at(index)(e));
      const data: Record<string, unknown> = {};
      for (const field of fields) {
        const name = Object.hasOwn(input, field.apiName) ? field.apiName : field.apiNameAliases.find((alias) => Object.hasOwn(input, alias));
        const value = name === undefined ? undefined : input[name];
        const stored = toStoredValue(field, value === undefined ? defaultValue(field, principal) : value);
        if (stored !== undefined && stored !== null) data[field.id] = stored;
      }
      deriveName(object, data, undefined);
      // An absent or empty required value sent is refused by the schema; one filled empty (a default, a derived name) here, once.
      for (const field of fields) if (field.required && isEmptyValue(data[field.id]) && !errors.some((e) => e.field === field.apiName)) problems.push(at(index)({ field: field.apiName, code: 'required', message: 'is required' }));
      return index === undefined ? { id: newRecordId(), data } : { id: newRecordId(), data, index };
    });
    return { drafts, problems };
  }

  async #insert(ctx: RequestContext, scope: WriteScope, object: ObjectDef, items: { input: unknown; index: number | undefined }[]): Promise<RecordRow[]> {
    const { tx, model } = scope;
    const { principal } = ctx;
    const words = model.words(principal.locale);
    const fields = model.liveFields(object);
    const { drafts, problems } = this.#drafts(ctx, model, object, items);
    problems.push(...(await this.#beforeSave(ctx, scope, object, 'create', drafts, fields)));
    if (problems.length) throw invalid(model, words, object, problems);
    await refuseUnreachableLookups(tx, ctx, await this.#access.shapeOf(principal, tx), object, drafts, fields);
    await checkUsers(tx, model, object, drafts, principal.userId, principal.locale);
    await assignAutonumbers(tx, principal.tenantId, object, fields.filter((f) => f.type === 'autonumber'), drafts);
    await claimUniqueValues(tx, principal.tenantId, object, fields.filter((f) => f.unique), drafts, words);
    // The insert checks and locks the lookup targets itself; when it writes nothing, one is missing.
    const params = insertRecordsParams(principal.tenantId, object, principal.userId, drafts);
    const [result] = await tx.query<{ written: number; at: string }>(insertRecordsStatement(params, 'counted'), params.values);
    if (!result || result.written < drafts.length) {
      await checkLookups(tx, model, object, drafts, principal.locale);
      throw new Error('The insert wrote fewer records than it was given, yet every lookup target exists');
    }
    await this.#afterWrite(ctx, scope, object, 'create', drafts, fields);
    // A new record is at version 1, created and updated at the transaction's time (insertRecordsStatement's counted form).
    return drafts.map((p) => ({ id: p.id, version: 1, created_at: result.at, updated_at: result.at, object_id: object.id, created_by: principal.userId, updated_by: principal.userId, data: p.data }));
  }

  async #update(
    ctx: RequestContext,
    scope: WriteScope,
    object: ObjectDef,
    item: { id: string; input: unknown; expectedVersion: number | undefined; index: number | undefined },
  ): Promise<ApiRecord> {
    const { tx, model } = scope;
    const { principal } = ctx;
    if (!UUID.test(item.id)) throw noRecord(ctx, object, item.id);
    const words = model.words(principal.locale);
    const validate = model.memo(`validate:update:${object.id}:${words.locale}`, () => createRecordValidator(words.resolved(object), 'update', { locale: words.locale }));
    requireObject(item.input, item.index);
    const errors = validate(item.input);
    // Only inactive values may still be right: the ones the record already holds (a whole record sent back as read).
    if (errors.some((e) => e.code !== 'inactive_value')) throw invalid(model, words, object, errors.map(at(item.index)));
    const row = await lockRow(ctx, scope, object, item.id);
    const changing = errors.filter((e) => !holdsAlready(model.field(object, e.field), (item.input as Record<string, unknown>)[e.field], row.data));
    if (changing.length) throw invalid(model, words, object, changing.map(at(item.index)));
    const level = await this.#requireRecordAccess(ctx, scope, object, row, 'edit');
    if (item.expectedVersion !== undefined && row.version !== item.expectedVersion) throw stale(row.version);
    const body = item.input;
    const data = { ...row.data };
    const changed: FieldDef[] = [];
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    for (const [name, value] of Object.entries(body)) {
      const field = model.field(object, name);
      if (!field) continue;
      const stored = toStoredValue(field, value);
      if (sameStored(stored, data[field.id])) continue;
      changes[field.id] = { from: data[field.id] ?? null, to: stored ?? null };
      if (stored === undefined || stored === null) delete data[field.id];
      else data[field.id] = stored;
      changed.push(field);
    }
    if (changed.length && deriveName(object, data, body)) {
      const nameField = model.fieldById(object, object.nameFieldId);
      if (nameField && !changed.includes(nameField)) changed.push(nameField);
    }
    // Whoever owns a record decides who else may delete or share it: giving it away, or taking it,
    // needs what deleting needs, not an edit share.
    if (level !== 'full' && changed.some((f) => f.id === OWNER_FIELD_ID)) {
      throw new ProblemError('forbidden', 403, 'Only the owner, a manager above the owner, or someone who may modify all of them may change who owns this record', [
        at(item.index)({ field: model.fieldById(object, OWNER_FIELD_ID)?.apiName ?? 'owner', code: 'recordAccess', message: 'needs the owner, a manager above the owner, or modify-all' }),
      ]);
    }
    const draft: RecordDraft = { id: item.id, data, previous: row.data, ...(item.index === undefined ? {} : { index: item.index }) };
    const problems = changed.filter((f) => f.required && holdsNoValue(data[f.id])).map((f) => at(item.index)({ field: f.apiName, code: 'required', message: 'is required' }));
    if (changed.length) problems.push(...(await this.#beforeSave(ctx, scope, object, 'update', [draft], changed)));
    if (problems.length) throw invalid(model, words, object, problems);
    if (changed.length === 0) return toApiRecord(model, object, row);
    const touched: PendingRecord = { id: item.id, data: Object.fromEntries(changed.map((f) => [f.id, data[f.id]])), ...(item.index === undefined ? {} : { index: item.index }) };
    await refuseUnreachableLookups(tx, ctx, await this.#access.shapeOf(principal, tx), object, [touched], changed);
    await checkLookups(tx, model, object, [touched], principal.locale);
    await checkUsers(tx, model, object, [touched], principal.userId, principal.locale);
    const uniqueChanged = changed.filter((f) => f.unique);
    await releaseUniqueValues(tx, principal.tenantId, object, uniqueChanged, [item.id]);
    await claimUniqueValues(tx, principal.tenantId, object, uniqueChanged, [draft], words);
    const updated = await tx.query<RecordRow>(
      `update record set data = $4, version = version + 1, updated_at = now(), updated_by = $5, ${SLOT_ASSIGNMENTS}, ${SEARCH_TEXT_ASSIGNMENT}
        where tenant_id = $1 and id = $2 and object_id = $3 returning ${ROW_COLUMNS}`,
      [principal.tenantId, item.id, object.id, JSON.stringify(data), principal.userId, ...derivedParams(object, data)],
    );
    await writeLinks(tx, principal.tenantId, linkedLookups(object, changed), [draft], new Map([[item.id, row.data]]));
    await writeOutbox(tx, principal.tenantId, object, 'updated', [{ recordId: item.id, payload: { version: updated[0]!.version, changes } }], principal.userId);
    await this.#afterWrite(ctx, scope, object, 'update', [draft], changed);
    return toApiRecord(model, object, updated[0]!);
  }

  /**
   * The update of an upsert that matched a record. One the principal cannot see answers as a create
   * of that value would (the value is taken), not as "no record <id>": its id would be news.
   */
  async #upsertInto(ctx: RequestContext, scope: WriteScope, object: ObjectDef, match: FieldDef, id: string, input: Record<string, unknown>, index: number): Promise<ApiRecord> {
    try {
      return await this.#update(ctx, scope, object, { id, input, expectedVersion: undefined, index });
    } catch (error) {
      if (!(error instanceof ProblemError) || error.status !== 404) throw error;
      throw conflict('A value must be unique', [uniqueProblem(match, { id, data: { [match.id]: toStoredValue(match, input[match.apiName]) }, index }, scope.model.words(ctx.principal.locale))]);
    }
  }

  /** Returns the version the record has once deleted. */
  async #delete(ctx: RequestContext, scope: WriteScope, object: ObjectDef, id: string, expectedVersion: number | undefined): Promise<number> {
    const row = await lockRow(ctx, scope, object, id);
    await this.#requireRecordAccess(ctx, scope, object, row, 'full');
    if (expectedVersion !== undefined && row.version !== expectedVersion) throw stale(row.version);
    await softDelete(ctx, scope, object, [row]);
    await this.#afterWrite(ctx, scope, object, 'delete', [{ id, data: row.data }], []);
    return row.version + 1;
  }

  /**
   * A record the principal cannot see is not found (before its version is compared, so nothing
   * about it leaks); one it can see but not change is refused. Deleting needs full access.
   */
  async #requireRecordAccess(ctx: RequestContext, scope: WriteScope, object: ObjectDef, row: RecordRow, needed: 'edit' | 'full'): Promise<RecordLevel> {
    const shape = await this.#access.shapeOf(ctx.principal, ctx.scope?.tx);
    const access = await recordWriteAccess(scope.tx, shape, object, row);
    if (access === 'none') throw noRecord(ctx, object, row.id);
    if (access === 'full' || (needed === 'edit' && access === 'edit')) return access;
    const words = scope.model.words(ctx.principal.locale);
    throw new ProblemError('forbidden', 403, `You may read this ${words.object(object)} but not ${needed === 'full' ? 'delete' : 'change'} it`, [{ field: '', code: 'recordAccess', message: needed === 'full' ? 'needs the owner, a manager above the owner, or modify-all' : 'is shared with you read-only' }]);
  }

  async #beforeSave(ctx: RequestContext, scope: WriteScope, object: ObjectDef, action: SaveAction, records: RecordDraft[], changed: readonly FieldDef[]): Promise<FieldProblem[]> {
    const problems: FieldProblem[] = [];
    for (const hook of this.#hooks.beforeSave) problems.push(...((await hook.run({ ctx, scope, object, action, records, changed })) ?? []));
    return problems;
  }

  async #afterWrite(ctx: RequestContext, scope: WriteScope, object: ObjectDef, action: SaveAction, records: RecordDraft[], changed: readonly FieldDef[]): Promise<void> {
    for (const hook of this.#hooks.afterWrite) await hook.run({ ctx, scope, object, action, records, changed });
    this.#afterCommit(ctx, scope, object, action, records, changed);
  }

  #afterCommit(ctx: RequestContext, scope: WriteScope, object: ObjectDef, action: SaveAction, records: RecordDraft[], changed: readonly FieldDef[]): void {
    for (const hook of this.#hooks.afterCommit) scope.afterCommit.push(() => hook.run({ ctx, object, action, records, changed }));
  }
}

/** Whether every problem of a failed batch is an upsert's key taken by another record (by a transaction that committed meanwhile, when the upsert had found none). */
function lostUpsertRace(error: unknown, operations: readonly BatchOperation[], apiName: (name: string) => string): boolean {
  if (!(error instanceof ProblemError) || !error.errors?.length) return false;
  return error.errors.every((problem) => {
    const operation = problem.index === undefined ? undefined : operations[problem.index];
    return problem.code === 'unique' && operation?.op === 'upsert' && problem.field === apiName(operation.matchField);
  });
}

const saved = (action: 'created' | 'updated', record: ApiRecord): BatchResult => ({ action, id: String(record['id']), version: Number(record['version']), record });

/** The object as the scope's revision defines it: a metadata change may have landed since the request resolved it. */
function currentObject(scope: WriteScope, object: ObjectDef): ObjectDef {
  const current = scope.model.objectById(object.id);
  if (!current) throw conflict('The object was deleted by a metadata change made while this request ran', [{ field: '', code: 'revision', message: `object '${object.apiName}' no longer exists at revision ${scope.model.revision}` }]);
  return current;
}

/** The object's create validator in the words of `words`, compiled once per model. */
function createValidatorOf(model: WriteScope['model'], words: Words, object: ObjectDef) {
  return model.memo(`validate:create:${object.id}:${words.locale}`, () => createRecordValidator(words.resolved(object), 'create', { locale: words.locale }));
}

/**
 * What a record in the recycle bin would break of the model as it is now, were it restored: the
 * model may have changed since it was deleted (a field made required, a shorter limit), and
 * restoring is a write like any other. Its values are checked as a create of them would be; a
 * required lookup whose record is gone says so, for that record is to be restored first.
 */
function restoreProblems(model: WriteScope['model'], locale: string, object: ObjectDef, data: Record<string, unknown>, goneTargets: readonly string[]): FieldProblem[] {
  const validate = createValidatorOf(model, model.words(locale), object);
  const input: Record<string, unknown> = {};
  const fields = model.liveFields(object).filter((f) => fieldType(f).writable);
  for (const field of fields) {
    const value = fromStoredValue(field, data[field.id]);
    if (value !== undefined && value !== null) input[field.apiName] = value;
  }
  // A value made inactive after the record was saved is kept, as a live record keeps it.
  return validate(input).filter((problem) => problem.code !== 'inactive_value').map((problem) => {
    const field = fields.find((f) => f.apiName === problem.field);
    return field && goneTargets.includes(field.id) && problem.code === 'required' ? { ...problem, code: 'target_deleted', message: 'points at a record that is deleted: restore that one first' } : problem;
  });
}

/**
 * Locks the records a batch updates or deletes, in id order, before it changes any. Locked one by
 * one in the order the client sent, two batches naming the same records in opposite orders each
 * held one and waited for the other: a deadlock, which Postgres ends by aborting one of them a
 * second later. Locked alike by every batch, they wait in a line instead.
 */
async function lockInIdOrder(ctx: RequestContext, scope: WriteScope, object: ObjectDef, operations: readonly BatchOperation[]): Promise<void> {
  const ids = [...new Set(operations.flatMap((o) => ((o.op === 'update' || o.op === 'delete') && UUID.test(o.id) ? [o.id.toLowerCase()] : [])))];
  if (ids.length < 2) return;
  await scope.tx.query(`select id from record where tenant_id = $1 and object_id = $2 and id = any($3::uuid[]) and deleted_at is null order by id for update`, [ctx.principal.tenantId, object.id, ids]);
}

async function lockRow(ctx: RequestContext, scope: WriteScope, object: ObjectDef, id: string): Promise<RecordRow> {
  const rows = await scope.tx.query<RecordRow>(`select ${ROW_COLUMNS} from record where tenant_id = $1 and id = $2 and object_id = $3 and deleted_at is null for update`, [
    ctx.principal.tenantId,
    id,
    object.id,
  ]);
  if (!rows[0]) throw noRecord(ctx, object, id);
  return rows[0];
}

/**
 * A person's record name is their first and last name when no name was given. This stands in
 * for the formula field the declarative-logic issue brings. Returns whether it changed `data`.
 */
function deriveName(object: ObjectDef, data: Record<string, unknown>, body: Record<string, unknown> | undefined): boolean {
  const first = object.fields.find((f) => f.apiName === 'first_name' && !f.deletedAt);
  const last = object.fields.find((f) => f.apiName === 'last_name' && !f.deletedAt);
  const name = object.fields.find((f) => f.id === object.nameFieldId);
  if (!first || !last || !name || name.id === first.id || name.id === last.id) return false;
  if (body && (name.apiName in body || !(first.apiName in body || last.apiName in body))) return false;
  if (!body && typeof data[name.id] === 'string' && data[name.id] !== '') return false;
  const derived = personName(data[first.id], data[last.id]);
  if (!derived || data[name.id] === derived) return false;
  data[name.id] = derived;
  return true;
}

/**
 * A required field holds no value when it is absent, an empty text or an empty selection: a field
 * is made required only when no record holds any of these (the metadata change's data check), and
 * an empty name or list of tags is as missing to a reader as an absent one.
 */
const isEmptyValue = (value: unknown) => value === '' || (Array.isArray(value) && value.length === 0);
const holdsNoValue = (value: unknown) => value === undefined || isEmptyValue(value);

/** Whether two values in stored form are the same (absent and null alike). */
const sameStored = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** Whether a written value is the one the record holds: a value made inactive since may stay where it is. */
function holdsAlready(field: FieldDef | undefined, value: unknown, data: Readonly<Record<string, unknown>>): boolean {
  return field !== undefined && sameStored(toStoredValue(field, value), data[field.id]);
}

/** Chinese, Japanese and Korean script (with the middle dots of transliterated names): written family name first, without a space. */
const EAST_ASIAN_NAME = new RegExp(`^[${EAST_ASIAN_LETTERS}\\u00b7]+$`, 'u');

/** A person's name from its parts: "Mei Chen", but "陈美玲" (family name first) when both parts are in East Asian script. */
export function personName(first: unknown, last: unknown): string {
  const given = typeof first === 'string' ? first.trim() : '';
  const family = typeof last === 'string' ? last.trim() : '';
  if (given && family && EAST_ASIAN_NAME.test(given) && EAST_ASIAN_NAME.test(family)) return family + given;
  return [given, family].filter(Boolean).join(' ');
}

function defaultValue(field: FieldDef, principal: Principal): unknown {
  if (field.defaultValue !== undefined) return field.defaultValue;
  // The creator owns what they create unless they say otherwise.
  if (field.type === 'owner') return principal.userId;
  // A count or sum over no children is 0, as it is once they all left (and as a recompute stores it).
  if (field.type === 'rollup' && (field.rollup?.function === 'count' || field.rollup?.function === 'sum')) return 0;
  return undefined;
}

/** How many times a write transaction that met another head-on is run before the conflict is answered. */
const WRITE_ATTEMPTS = 4;

/**
 * Runs a write transaction again when Postgres aborted it for meeting another one head-on (two
 * batches locking the same records in opposite orders): nothing of it was written, and its next
 * attempt usually finds the other committed. After the last attempt the conflict is a 409 to retry.
 */
async function retryingWriteConflicts<T>(attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isWriteConflict(error)) throw error;
      if (n >= WRITE_ATTEMPTS) throw writeConflict();
      // Apart at random, so the transactions that met do not meet again.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * n));
    }
  }
}
