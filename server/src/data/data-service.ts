import { newRecordId } from './record-id.ts';
import { createRecordValidator, fromStoredValue, slotOf, type FieldDef, type ObjectDef } from '@protean/metadata';
import type { Principal } from '../auth/principal.ts';
import type { Database, Queryable } from '../db/database.ts';
import { conflict, limitExceeded, notFound, preconditionFailed, validationError, type FieldProblem } from '../errors/problems.ts';
import { recordName, toApiRecord, toStoredValue, type ApiRecord, type RecordRow } from './record-codec.ts';
import { assignAutonumbers, checkLookups, claimUniqueValues, releaseUniqueValues, uniqueKey, writeLinks, writeOutbox, type PendingRecord } from './record-writes.ts';
import { compileListQuery, type ListQuery } from './sql/compile-list-query.ts';
import { SLOT_COLUMNS, SLOT_TYPES, slotRow } from './sql/field-sql.ts';
import { INSERT_RECORDS_SQL, insertRecordsParams, linkedLookups } from './sql/insert-records.ts';
import type { TenantModel } from './tenant-model.ts';
import type { Words } from '../metadata/words.ts';

export const BATCH_LIMIT = 1000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ROW_COLUMNS = 'id, object_id, version, data, created_at, created_by, updated_at, updated_by, deleted_at, deleted_by';
const R_COLUMNS = ROW_COLUMNS.split(', ').map((c) => `r.${c}`).join(', ');
// Slot values are parameters $6…$13 of every single-record update.
const SLOT_ASSIGNMENTS = SLOT_COLUMNS.map((c, i) => `${c} = $${i + 6}::${SLOT_TYPES[c]}`).join(', ');
// Cascading deletes stop here rather than walk an unbounded graph in one transaction.
const CASCADE_LIMIT = 10_000;

export interface ListResult {
  data: ApiRecord[];
  nextCursor: string | null;
  total?: number;
}

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

const saved = (action: 'created' | 'updated', record: ApiRecord): BatchResult => ({ action, id: String(record['id']), version: Number(record['version']), record });

/**
 * The one door to record data. Every entry point (REST now; GraphQL, scripts, workflows,
 * imports later) reads and writes records here, so validation, lookups, uniqueness, the
 * outbox — and, with the access-control issue, permissions — live in one place.
 */
export class DataService {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  object(model: TenantModel, name: string): ObjectDef {
    const object = model.object(name);
    if (!object) throw notFound(`No object named '${name}'`);
    return object;
  }

  async get(principal: Principal, model: TenantModel, object: ObjectDef, id: string, expand: FieldDef[] = []): Promise<ApiRecord> {
    if (!UUID.test(id)) throw noRecord(model, principal, object, id);
    const rows = await this.#db.withTenant(principal.tenantId, (q) =>
      q.query<RecordRow>(`select ${ROW_COLUMNS} from record where tenant_id = $1 and id = $2 and object_id = $3 and deleted_at is null`, [principal.tenantId, id, object.id]),
    );
    const row = rows[0];
    if (!row) throw noRecord(model, principal, object, id);
    const record = toApiRecord(model, object, row);
    if (expand.length) await this.#expand(principal.tenantId, model, [{ row, record }], expand);
    return record;
  }

  async list(principal: Principal, model: TenantModel, query: ListQuery & { select?: FieldDef[] | undefined; withTotal?: boolean }): Promise<ListResult> {
    const sql = compileListQuery(principal.tenantId, query);
    const { rows, total } = await this.#db.withTenant(principal.tenantId, async (q) => {
      const rows = await q.query<RecordRow & Record<string, unknown>>(sql.sql, sql.params);
      const total = query.withTotal ? ((await q.query<{ total: number }>(sql.countSql, sql.countParams))[0]?.total ?? 0) : undefined;
      return { rows, total };
    });
    const page = rows.slice(0, query.limit);
    const data = page.map((row) => {
      const record = toApiRecord(model, query.object, row, query.select);
      query.expand.forEach((field, i) => {
        const id = row[`e${i}_id`];
        if (typeof id !== 'string') return;
        const target = model.objectById(String(row[`e${i}_object`]));
        const data = row[`e${i}_data`] as Record<string, unknown>;
        if (target) record[field.apiName] = expanded(model, target, id, data);
      });
      return record;
    });
    const last = page[page.length - 1];
    const nextCursor = rows.length > query.limit && last ? encodeCursor(sql.sortAliases.map((alias) => last[alias] ?? null), last.id) : null;
    return total === undefined ? { data, nextCursor } : { data, nextCursor, total };
  }

  async create(principal: Principal, model: TenantModel, object: ObjectDef, input: unknown): Promise<ApiRecord> {
    const [row] = await this.#db.transaction(principal.tenantId, async (tx) => this.#insert(tx, principal, model, object, [{ input, index: undefined }]));
    return toApiRecord(model, object, row!);
  }

  async update(principal: Principal, model: TenantModel, object: ObjectDef, id: string, input: unknown, expectedVersion: number | undefined): Promise<ApiRecord> {
    if (!UUID.test(id)) throw noRecord(model, principal, object, id);
    return this.#db.transaction(principal.tenantId, (tx) => this.#update(tx, principal, model, object, { id, input, expectedVersion, index: undefined }));
  }

  async delete(principal: Principal, model: TenantModel, object: ObjectDef, id: string, expectedVersion: number | undefined): Promise<void> {
    if (!UUID.test(id)) throw noRecord(model, principal, object, id);
    await this.#db.transaction(principal.tenantId, async (tx) => {
      const row = await lockRow(tx, principal.tenantId, object, id, () => noRecord(model, principal, object, id));
      if (expectedVersion !== undefined && row.version !== expectedVersion) throw stale(row.version);
      await this.#softDelete(tx, principal, model, object, [row], 0);
    });
  }

  async restore(principal: Principal, model: TenantModel, object: ObjectDef, id: string): Promise<ApiRecord> {
    if (!UUID.test(id)) throw noRecord(model, principal, object, id, 'record.deletedNotFound');
    return this.#db.transaction(principal.tenantId, async (tx) => {
      const rows = await tx.query<RecordRow>(`select ${ROW_COLUMNS} from record where tenant_id = $1 and id = $2 and object_id = $3 and deleted_at is not null for update`, [
        principal.tenantId,
        id,
        object.id,
      ]);
      const row = rows[0];
      if (!row) throw noRecord(model, principal, object, id, 'record.deletedNotFound');
      const fields = model.liveFields(object);
      // Lookups whose target is gone are cleared rather than left dangling.
      const data = { ...row.data };
      const lookups = fields.filter((f) => f.type === 'lookup');
      const targets = lookups.map((f) => data[f.id]).filter((v): v is string => typeof v === 'string');
      if (targets.length) {
        const live = new Set(
          (
            await tx.query<{ id: string }>('select id from record where tenant_id = $1 and object_id = any($3::text[]) and id = any($2::uuid[]) and deleted_at is null', [
              principal.tenantId,
              targets,
              lookups.map((f) => f.lookup?.objectId ?? ''),
            ])
          ).map((r) => r.id),
        );
        for (const f of lookups) if (typeof data[f.id] === 'string' && !live.has(data[f.id] as string)) delete data[f.id];
      }
      await claimUniqueValues(tx, principal.tenantId, object, fields.filter((f) => f.unique), [{ id, data }], model.words(principal.locale));
      const restored = await tx.query<RecordRow>(
        `update record set deleted_at = null, deleted_by = null, data = $4, version = version + 1, updated_at = now(), updated_by = $5, ${SLOT_ASSIGNMENTS}
          where tenant_id = $1 and id = $2 and object_id = $3 returning ${ROW_COLUMNS}`,
        [principal.tenantId, id, object.id, JSON.stringify(data), principal.userId, ...slotRow(object, data)],
      );
      await writeLinks(tx, principal.tenantId, linkedLookups(object, lookups), [{ id, data }], new Map([[id, row.data]]));
      await writeOutbox(tx, principal.tenantId, object, 'restored', [{ recordId: id, payload: { version: restored[0]!.version } }], principal.userId);
      return toApiRecord(model, object, restored[0]!);
    });
  }

  /** All-or-nothing: the first failing item rolls back the batch; every failing item is reported with its index. */
  async batch(principal: Principal, model: TenantModel, object: ObjectDef, operations: BatchOperation[], withRecords = true): Promise<BatchResult[]> {
    if (operations.length > BATCH_LIMIT) throw limitExceeded(`A batch holds at most ${BATCH_LIMIT} operations; this one has ${operations.length}`, 413);
    return this.#db.transaction(principal.tenantId, async (tx) => {
      const results: BatchResult[] = new Array(operations.length);
      const creates: { input: unknown; index: number }[] = [];
      const problems: FieldProblem[] = [];
      const collect = async (work: () => Promise<void>, index: number) => {
        try {
          await work();
        } catch (error) {
          if (error instanceof Error && 'errors' in error && Array.isArray(error.errors) && error.errors.length) {
            for (const e of error.errors as FieldProblem[]) problems.push({ ...e, index });
          } else if (error instanceof Error && 'status' in error) problems.push({ field: '', code: 'error', message: error.message, index });
          else throw error;
        }
      };
      for (const [index, operation] of operations.entries()) {
        if (operation.op === 'create') creates.push({ input: operation.data, index });
        else if (operation.op === 'update') {
          await collect(async () => {
            results[index] = saved('updated', await this.#update(tx, principal, model, object, { id: operation.id, input: operation.data, expectedVersion: operation.version, index }));
          }, index);
        } else if (operation.op === 'delete') {
          await collect(async () => {
            const missing = () => noRecord(model, principal, object, operation.id);
            if (!UUID.test(operation.id)) throw missing();
            const row = await lockRow(tx, principal.tenantId, object, operation.id, missing);
            if (operation.version !== undefined && row.version !== operation.version) throw stale(row.version);
            await this.#softDelete(tx, principal, model, object, [row], 0);
            results[index] = { action: 'deleted', id: row.id, version: row.version + 1 };
          }, index);
        } else {
          await collect(async () => {
            const match = model.field(object, operation.matchField);
            if (!match?.unique) throw validationError('Upsert needs a unique field', [{ field: 'matchField', code: 'unique', message: `'${operation.matchField}' is not a unique field of this object` }]);
            const key = uniqueKey(match, toStoredValue(match, operation.data[match.apiName]));
            if (key === null) throw validationError('Upsert needs a value to match on', [{ field: match.apiName, code: 'required', message: 'is required to upsert' }]);
            const existing = await tx.query<{ record_id: string }>('select record_id from record_unique where tenant_id = $1 and object_id = $2 and field_id = $3 and value_key = $4', [
              principal.tenantId,
              object.id,
              match.id,
              key,
            ]);
            if (existing[0]) results[index] = saved('updated', await this.#update(tx, principal, model, object, { id: existing[0].record_id, input: operation.data, expectedVersion: undefined, index }));
            else creates.push({ input: operation.data, index });
          }, index);
        }
      }
      if (problems.length) throw validationError(`${new Set(problems.map((p) => p.index)).size} of ${operations.length} operations failed; nothing was saved`, problems);
      if (creates.length) {
        const created = await this.#insert(tx, principal, model, object, creates);
        // Mapping a thousand records back to API form is skipped unless the caller wants them.
        creates.forEach((c, i) => {
          const row = created[i]!;
          results[c.index] = withRecords ? saved('created', toApiRecord(model, object, row)) : { action: 'created', id: row.id, version: row.version };
        });
      }
      return results;
    });
  }

  async related(principal: Principal, model: TenantModel, object: ObjectDef, id: string, limit = 20): Promise<{ object: string; field: string; label: string; records: ApiRecord[]; total: number }[]> {
    if (!UUID.test(id)) throw noRecord(model, principal, object, id);
    await this.get(principal, model, object, id);
    const references = model.referencesTo(object);
    return this.#db.withTenant(principal.tenantId, async (q) => {
      const groups = [];
      for (const { object: source, field } of references) {
        const from = referencing(principal.tenantId, source, field, [id]);
        const rows = await q.query<RecordRow & { total: number }>(
          `select ${R_COLUMNS}, count(*) over ()::int as total ${from.sql} order by r.id desc limit ${limit}`,
          from.params,
        );
        groups.push({ object: source.apiName, field: field.apiName, label: model.words(principal.locale).object(source, 'plural'), records: rows.map((r) => toApiRecord(model, source, r)), total: rows[0]?.total ?? 0 });
      }
      return groups;
    });
  }

  /** Deleted records, newest deletion first, paged by a cursor over (deleted_at, id). */
  async recycleBin(principal: Principal, model: TenantModel, objectName: string | undefined, limit = 100, cursor?: string): Promise<{ data: ApiRecord[]; nextCursor: string | null }> {
    const object = objectName ? this.object(model, objectName) : undefined;
    const after = cursor ? decodeCursor(cursor, 1) : undefined;
    const rows = await this.#db.withTenant(principal.tenantId, (q) =>
      q.query<RecordRow & { deleted_key: string }>(
        `select ${ROW_COLUMNS}, deleted_at::text as deleted_key from record
          where tenant_id = $1 and deleted_at is not null and ($2::text is null or object_id = $2)
            and ($4::timestamptz is null or (deleted_at, id) < ($4::timestamptz, $5::uuid))
          order by deleted_at desc, id desc limit $3`,
        [principal.tenantId, object?.id ?? null, limit + 1, after?.values[0] ?? null, after?.id ?? null],
      ),
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const data = page.flatMap((row) => {
      const source = model.objectById(row.object_id);
      return source ? [{ ...toApiRecord(model, source, row), object: source.apiName, display_name: recordName(source, row.data, row.id) }] : [];
    });
    return { data, nextCursor: rows.length > limit && last ? encodeCursor([last.deleted_key], last.id) : null };
  }

  /**
   * Records whose name, email or phone starts with `q`, a few per object: what a global
   * search box needs. Name fields with an index slot are found through their index.
   */
  async search(principal: Principal, model: TenantModel, q: string, perObject = 5): Promise<{ object: string; records: ApiRecord[] }[]> {
    const text = q.trim();
    if (!text) return [];
    const groups: { object: string; records: ApiRecord[] }[] = [];
    for (const object of model.snapshot.objects) {
      const fields = model.liveFields(object).filter((f) => f.id === object.nameFieldId || f.type === 'email' || f.type === 'phone' || f.type === 'autonumber');
      if (fields.length === 0) continue;
      const found = await this.list(principal, model, {
        object,
        where: { kind: 'or', conditions: fields.map((field) => ({ kind: 'compare', field, op: 'startsWith', value: text })) },
        sort: [],
        expand: [],
        limit: perObject,
        after: undefined,
      });
      if (found.data.length) groups.push({ object: object.apiName, records: found.data.map((r) => ({ ...r, display_name: recordDisplayName(object, r) })) });
    }
    return groups;
  }

  async #expand(tenantId: string, model: TenantModel, items: { row: RecordRow; record: ApiRecord }[], expand: FieldDef[]): Promise<void> {
    const ids = [...new Set(items.flatMap(({ row }) => expand.map((f) => row.data[f.id]).filter((v): v is string => typeof v === 'string')))];
    if (ids.length === 0) return;
    const targets = await this.#db.withTenant(tenantId, (q) =>
      q.query<RecordRow>(`select ${ROW_COLUMNS} from record where tenant_id = $1 and object_id = any($3::text[]) and id = any($2::uuid[]) and deleted_at is null`, [
        tenantId,
        ids,
        expand.map((f) => f.lookup?.objectId ?? ''),
      ]),
    );
    const byId = new Map(targets.map((t) => [t.id, t]));
    for (const { row, record } of items) for (const field of expand) {
      const target = byId.get(row.data[field.id] as string);
      const targetObject = target && model.objectById(target.object_id);
      if (target && targetObject) record[field.apiName] = expanded(model, targetObject, target.id, target.data);
    }
  }

  async #insert(tx: Queryable, principal: Principal, model: TenantModel, object: ObjectDef, items: { input: unknown; index: number | undefined }[]): Promise<RecordRow[]> {
    const words = model.words(principal.locale);
    const validate = model.memo(`validate:create:${object.id}:${words.locale}`, () => createRecordValidator(words.resolved(object), 'create', { locale: words.locale }));
    const fields = model.liveFields(object);
    const problems: FieldProblem[] = [];
    const pending: PendingRecord[] = items.map(({ input, index }) => {
      requireObject(input, index);
      const errors = validate(input);
      for (const e of errors) problems.push(index === undefined ? e : { ...e, index });
      const body = (input ?? {}) as Record<string, unknown>;
      const data: Record<string, unknown> = {};
      for (const field of fields) {
        const name = field.apiName in body ? field.apiName : field.apiNameAliases.find((alias) => alias in body);
        const value = name === undefined ? undefined : body[name];
        const stored = toStoredValue(field, value === undefined ? defaultValue(field, principal) : value);
        if (stored !== undefined && stored !== null) data[field.id] = stored;
      }
      const id = newRecordId();
      return index === undefined ? { id, data } : { id, data, index };
    });
    if (problems.length) throw validationError(problems.length === 1 ? summary(model, words, object, problems[0]!) : `${problems.length} values are invalid`, problems);
    for (const p of pending) deriveName(object, p.data, undefined);
    await checkLookups(tx, model, object, pending, principal.locale);
    await assignAutonumbers(tx, principal.tenantId, object, fields.filter((f) => f.type === 'autonumber'), pending);
    await claimUniqueValues(tx, principal.tenantId, object, fields.filter((f) => f.unique), pending, words);
    const rows = await tx.query<Omit<RecordRow, 'data' | 'object_id' | 'created_by' | 'updated_by'>>(INSERT_RECORDS_SQL, insertRecordsParams(principal.tenantId, object, principal.userId, pending));
    const byId = new Map(rows.map((r) => [r.id, r]));
    return pending.map((p) => ({ ...byId.get(p.id)!, object_id: object.id, created_by: principal.userId, updated_by: principal.userId, data: p.data }));
  }

  async #update(
    tx: Queryable,
    principal: Principal,
    model: TenantModel,
    object: ObjectDef,
    item: { id: string; input: unknown; expectedVersion: number | undefined; index: number | undefined },
  ): Promise<ApiRecord> {
    const at = (p: FieldProblem): FieldProblem => (item.index === undefined ? p : { ...p, index: item.index });
    if (!UUID.test(item.id)) throw noRecord(model, principal, object, item.id);
    const words = model.words(principal.locale);
    const validate = model.memo(`validate:update:${object.id}:${words.locale}`, () => createRecordValidator(words.resolved(object), 'update', { locale: words.locale }));
    requireObject(item.input, item.index);
    const errors = validate(item.input);
    if (errors.length) throw validationError(errors.length === 1 ? summary(model, words, object, errors[0]!) : `${errors.length} values are invalid`, errors.map(at));
    const row = await lockRow(tx, principal.tenantId, object, item.id, () => noRecord(model, principal, object, item.id));
    if (item.expectedVersion !== undefined && row.version !== item.expectedVersion) throw stale(row.version);
    const body = (item.input ?? {}) as Record<string, unknown>;
    const data = { ...row.data };
    const changed: FieldDef[] = [];
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    for (const [name, value] of Object.entries(body)) {
      const field = model.field(object, name);
      if (!field) continue;
      const stored = toStoredValue(field, value);
      if (JSON.stringify(stored ?? null) === JSON.stringify(data[field.id] ?? null)) continue;
      changes[field.id] = { from: data[field.id] ?? null, to: stored ?? null };
      if (stored === undefined || stored === null) delete data[field.id];
      else data[field.id] = stored;
      changed.push(field);
    }
    if (changed.length && deriveName(object, data, body)) {
      const nameField = model.fieldById(object, object.nameFieldId);
      if (nameField && !changed.includes(nameField)) changed.push(nameField);
    }
    const missing = changed.filter((f) => f.required && data[f.id] === undefined);
    if (missing.length) throw validationError('A required value was removed', missing.map((f) => at({ field: f.apiName, code: 'required', message: 'is required' })));
    if (changed.length === 0) return toApiRecord(model, object, row);
    const pending: PendingRecord = item.index === undefined ? { id: item.id, data } : { id: item.id, data, index: item.index };
    await checkLookups(tx, model, object, [{ id: item.id, data: Object.fromEntries(changed.filter((f) => f.type === 'lookup').map((f) => [f.id, data[f.id]])) , ...(item.index === undefined ? {} : { index: item.index }) }], principal.locale);
    for (const field of changed.filter((f) => f.unique)) {
      const old = uniqueKey(field, row.data[field.id]);
      if (old !== null) await releaseUniqueValues(tx, principal.tenantId, object, field, [old]);
    }
    await claimUniqueValues(tx, principal.tenantId, object, changed.filter((f) => f.unique), [pending], words);
    const updated = await tx.query<RecordRow>(
      `update record set data = $4, version = version + 1, updated_at = now(), updated_by = $5, ${SLOT_ASSIGNMENTS}
        where tenant_id = $1 and id = $2 and object_id = $3 returning ${ROW_COLUMNS}`,
      [principal.tenantId, item.id, object.id, JSON.stringify(data), principal.userId, ...slotRow(object, data)],
    );
    await writeLinks(tx, principal.tenantId, linkedLookups(object, changed), [pending], new Map([[item.id, row.data]]));
    await writeOutbox(tx, principal.tenantId, object, 'updated', [{ recordId: item.id, payload: { version: updated[0]!.version, changes } }], principal.userId);
    return toApiRecord(model, object, updated[0]!);
  }

  /** Soft delete with each incoming lookup's on-delete rule: restrict refuses, setNull clears, cascade deletes too. */
  async #softDelete(tx: Queryable, principal: Principal, model: TenantModel, object: ObjectDef, rows: RecordRow[], depth: number): Promise<number> {
    if (rows.length === 0) return 0;
    const ids = rows.map((r) => r.id);
    let deleted = rows.length;
    for (const { object: source, field } of model.referencesTo(object)) {
      const from = referencing(principal.tenantId, source, field, ids);
      const referencingRows = await tx.query<RecordRow>(`select ${R_COLUMNS} ${from.sql} and not (r.id = any($2::uuid[])) limit ${CASCADE_LIMIT + 1} for update of r`, from.params);
      if (referencingRows.length === 0) continue;
      const rule = field.lookup?.onDelete ?? 'restrict';
      if (rule === 'restrict') {
        const words = model.words(principal.locale);
        const said = { count: referencingRows.length, source: words.noun(source), object: words.noun(object), field: words.field(field) };
        throw conflict(words.say('restrict.detail', said), [
          { field: `${source.apiName}.${field.apiName}`, code: 'restrict', message: words.say('restrict.item', said), count: referencingRows.length },
        ]);
      }
      if (rule === 'setNull') {
        await tx.query(
          `update record set data = data - $3, version = version + 1, updated_at = now(), updated_by = $4${slotOf(source, field.id) ? `, ix_${slotOf(source, field.id)} = null` : ''}
            where tenant_id = $1 and object_id = $5 and id = any($2::uuid[])`,
          [principal.tenantId, referencingRows.map((r) => r.id), field.id, principal.userId, source.id],
        );
        await tx.query('delete from record_link where tenant_id = $1 and target_id = any($2::uuid[]) and field_id = $3', [principal.tenantId, ids, field.id]);
        await writeOutbox(tx, principal.tenantId, source, 'updated', referencingRows.map((r) => ({ recordId: r.id, payload: { changes: { [field.id]: { from: r.data[field.id], to: null } }, cause: 'setNull' } })), principal.userId);
      } else {
        if (depth > 5 || deleted + referencingRows.length > CASCADE_LIMIT) throw limitExceeded(`Deleting this record would cascade to more than ${CASCADE_LIMIT} records`, 409);
        deleted += await this.#softDelete(tx, principal, model, source, referencingRows, depth + 1);
      }
    }
    for (const field of model.liveFields(object).filter((f) => f.unique)) {
      const keys = rows.map((r) => uniqueKey(field, r.data[field.id])).filter((k): k is string => k !== null);
      await releaseUniqueValues(tx, principal.tenantId, object, field, keys);
    }
    await tx.query('update record set deleted_at = now(), deleted_by = $3, version = version + 1 where tenant_id = $1 and object_id = $4 and id = any($2::uuid[])', [
      principal.tenantId,
      ids,
      principal.userId,
      object.id,
    ]);
    await writeOutbox(tx, principal.tenantId, object, 'deleted', rows.map((r) => ({ recordId: r.id, payload: { version: r.version + 1, cascade: depth > 0 } })), principal.userId);
    return deleted;
  }
}

/**
 * `from … where …` selecting the live records of `source` whose lookup `field` points at one of
 * `targetIds` ($1 tenant, $2 target ids). A lookup with an index slot is found through the
 * slot's index; any other through the record_link reverse index.
 */
function referencing(tenantId: string, source: ObjectDef, field: FieldDef, targetIds: string[]): { sql: string; params: unknown[] } {
  const slot = slotOf(source, field.id);
  if (slot) {
    return {
      sql: `from record r where r.tenant_id = $1 and r.object_id = $3 and r.ix_${slot} = any($2::text[]) and r.deleted_at is null`,
      params: [tenantId, targetIds, source.id],
    };
  }
  return {
    sql: `from record_link l join record r on r.tenant_id = l.tenant_id and r.id = l.source_id
          where l.tenant_id = $1 and l.target_id = any($2::uuid[]) and l.field_id = $4 and r.object_id = $3 and r.deleted_at is null`,
    params: [tenantId, targetIds, source.id, field.id],
  };
}

async function lockRow(tx: Queryable, tenantId: string, object: ObjectDef, id: string, notThere: () => Error): Promise<RecordRow> {
  const rows = await tx.query<RecordRow>(`select ${ROW_COLUMNS} from record where tenant_id = $1 and id = $2 and object_id = $3 and deleted_at is null for update`, [tenantId, id, object.id]);
  if (!rows[0]) throw notThere();
  return rows[0];
}

/** "No Patient with id …": the object named through the tenant's glossary, in the user's locale. */
const noRecord = (model: TenantModel, principal: Principal, object: ObjectDef, id: string, key: 'record.notFound' | 'record.deletedNotFound' = 'record.notFound') => {
  const words = model.words(principal.locale);
  return notFound(words.say(key, { object: words.noun(object), id }));
};

/** One invalid value as a sentence that names the field by its label ("Patient is required"). */
function summary(model: TenantModel, words: Words, object: ObjectDef, problem: FieldProblem): string {
  const field = problem.field ? model.field(object, problem.field) : undefined;
  return `${field ? words.field(field) : problem.field ? `'${problem.field}'` : 'The record'} ${problem.message}`;
}

const stale = (current: number) => preconditionFailed(`The record was changed by someone else (now at version ${current}); reload it and apply your change again`, { currentVersion: current });

function recordDisplayName(object: ObjectDef, record: ApiRecord): string {
  const name = object.fields.find((f) => f.id === object.nameFieldId);
  const value = name ? record[name.apiName] : undefined;
  return typeof value === 'string' && value ? value : String(record['id']);
}

function requireObject(input: unknown, index: number | undefined): asserts input is Record<string, unknown> {
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) return;
  throw validationError('A record is a JSON object of field values', [{ field: '', code: 'type', message: 'must be a JSON object', ...(index === undefined ? {} : { index }) }]);
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
  const derived = [data[first.id], data[last.id]].filter((v) => typeof v === 'string' && v).join(' ');
  if (!derived || data[name.id] === derived) return false;
  data[name.id] = derived;
  return true;
}

function defaultValue(field: FieldDef, principal: Principal): unknown {
  if (field.defaultValue !== undefined) return field.defaultValue;
  // The creator owns what they create unless they say otherwise.
  if (field.type === 'owner') return principal.userId;
  return undefined;
}

function expanded(model: TenantModel, object: ObjectDef, id: string, data: Record<string, unknown>): ApiRecord {
  const out: ApiRecord = { id, display_name: recordName(object, data, id) };
  for (const field of model.liveFields(object)) out[field.apiName] = fromStoredValue(field, data[field.id]) ?? null;
  return out;
}

export function encodeCursor(values: unknown[], id: string): string {
  return Buffer.from(JSON.stringify({ v: values, id })).toString('base64url');
}

export function decodeCursor(cursor: string, sortLength: number): { values: unknown[]; id: string } {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { v?: unknown; id?: unknown };
    if (Array.isArray(parsed.v) && parsed.v.length === sortLength && typeof parsed.id === 'string' && UUID.test(parsed.id)) return { values: parsed.v, id: parsed.id };
  } catch {
    // fall through to the error below
  }
  throw validationError('The cursor is invalid', [{ field: 'cursor', code: 'cursor', message: 'is not a cursor returned by this list with the same sort' }]);
}
