import { fromStoredValue, type Condition, type FieldDef, type ObjectDef } from '@protean/metadata';
import { fieldSql } from './sql/field-sql.ts';
import type { Database, Queryable } from '../db/database.ts';
import { applyReadFormulas, computesOnRead, prepareReadFormulas } from '../logic/read-formulas.ts';
import type { AccessService } from '../access/access-service.ts';
import type { AccessShape } from '../access/access-shape.ts';
import { displayNameAs, objectsVisibleSql, ownerOf, recordAccessSql, refuseHiddenFields, requireObjectRight } from '../access/record-access.ts';
import { Params } from './sql/params.ts';
import { searchRecords, type SearchGroup } from './record-search.ts';
import { isSearchedField } from './sql/search-text.ts';
import { R_COLUMNS, referencing, ROW_COLUMNS } from './cascades.ts';
import { recycleBinScope, type CursorRequest, type ListCursors } from './list-cursor.ts';
import { recordName, toApiRecord, type ApiRecord, type RecordRow } from './record-codec.ts';
import { noRecord, UUID } from './record-problems.ts';
import type { RequestContext } from './request-context.ts';
import { compileListQuery, type ListQuery } from './sql/compile-list-query.ts';
import type { TenantModel } from './tenant-model.ts';
import { renderPage, type KeptPages, type PageAnswer } from './kept-pages.ts';

export type ListRequest = ListQuery & { select?: FieldDef[] | undefined; withTotal?: boolean; cursor?: CursorRequest };

export interface ListResult {
  data: ApiRecord[];
  nextCursor: string | null;
  total?: number;
}

/** Whether a list page may be kept: not inside a write, and nothing on it computed on read (formulas use the clock). */
const keepable = (ctx: RequestContext, query: ListRequest) =>
  !ctx.scope && !computesOnRead(ctx.model, query.object) && !query.expand.some((field) => readsOnRead(ctx.model, field) !== undefined);

/**
 * Every read of record data: get, list, related lists, recycle bin, search. Record access
 * (ADR 0012) narrows these queries here, in one place: objects the principal may not read do
 * not exist for it, records it may not see are not found, fields it may not read are absent and
 * may not be filtered, sorted or expanded on.
 */
export class ReadPath {
  readonly #db: Database;
  readonly #cursors: ListCursors;
  readonly #access: AccessService;
  readonly #pages: KeptPages;

  constructor(db: Database, cursors: ListCursors, access: AccessService, pages: KeptPages) {
    this.#db = db;
    this.#cursors = cursors;
    this.#access = access;
    this.#pages = pages;
  }

  async get(ctx: RequestContext, object: ObjectDef, id: string, expand: FieldDef[] = []): Promise<ApiRecord> {
    const shape = this.#access.cachedShape(ctx.principal) ?? (await this.#access.shapeOf(ctx.principal, ctx.scope?.tx));
    requireObjectRight(ctx, shape, object, 'read');
    if (expand.length) refuseHiddenFields(shape, object, { expand });
    if (!UUID.test(id)) throw noRecord(ctx, object, id);
    const tenantId = ctx.principal.tenantId;
    // One round trip: the function sets the tenant for its own statement (migration 17). Inside a
    // save (a trigger reading), the caller's transaction is the way in: on PGlite the only one.
    const [row] = ctx.scope
      ? await ctx.scope.tx.query<RecordRow>('select * from tenant_record($1, $2, $3)', [tenantId, object.id, id])
      : await this.#db.scoped<RecordRow>('select * from tenant_record($1, $2, $3)', [tenantId, object.id, id]);
    if (!row) throw noRecord(ctx, object, id);
    let reaches = this.#reaches(shape, object, row, ctx.scope?.tx);
    if (typeof reaches !== 'boolean') reaches = await reaches;
    if (!reaches) throw noRecord(ctx, object, id);
    if (computesOnRead(ctx.model, object)) await prepareReadFormulas(this.#reader(ctx), ctx.model, object, [row]);
    const record = toApiRecord(ctx.model, object, row, readableOrAll(shape, ctx.model, object));
    if (expand.length) await this.#expand(shape, tenantId, ctx.model, [{ row, record }], expand);
    return record;
  }

  /** One read statement for the principal's tenant: in the caller's transaction when inside a save. */
  #reader(ctx: RequestContext): <Row>(sql: string, params: unknown[]) => Promise<Row[]> {
    return <Row>(sql: string, params: unknown[]) => (ctx.scope ? ctx.scope.tx.query<Row>(sql, params) : this.#db.read<Row>(ctx.principal.tenantId, sql, params));
  }

  /**
   * Whether the principal may read this record, live or deleted since: an event about a record
   * that was deleted after it (an update, then a delete) still belongs to whoever could read it.
   */
  async canRead(ctx: RequestContext, object: ObjectDef, id: string): Promise<boolean> {
    const shape = await this.#access.shapeOf(ctx.principal);
    if (!shape.can(object.id, 'read') || !UUID.test(id)) return false;
    const tenantId = ctx.principal.tenantId;
    const [row] = await this.#db.withTenant(tenantId, (q) => q.query<RecordRow>(`select ${ROW_COLUMNS} from record where tenant_id = $1 and object_id = $2 and id = $3`, [tenantId, object.id, id]));
    return row !== undefined && (await this.#reaches(shape, object, row));
  }

  /**
   * Whether a fetched record is within the principal's reach: the same rule as the list predicate
   * (record-access.ts), with the owner matched in memory against the principal's owner list and a
   * share looked up by (tenant, record) only for others' records, so a get of one's own or one's
   * team's record costs what an admin's does.
   */
  #reaches(shape: AccessShape, object: ObjectDef, row: RecordRow, tx?: Queryable): boolean | Promise<boolean> {
    const scope = shape.recordScope(object.id);
    if (scope.all) return true;
    const owner = ownerOf(row);
    if (owner && shape.ownerSet.has(owner)) return true;
    return this.#shared(shape, scope.grantees, row, tx);
  }

  /** Whether a share row gives one of the grantees the record. */
  async #shared(shape: AccessShape, grantees: unknown, row: RecordRow, tx?: Queryable): Promise<boolean> {
    const sql = 'select 1 from record_share where tenant_id = $1 and record_id = any(array[$2::uuid]) and (grantee = any($3::uuid[])) is true limit 1';
    const params = [shape.tenantId, row.id, grantees];
    const shares = tx ? await tx.query(sql, params) : await this.#db.withTenant(shape.tenantId, (q) => q.query(sql, params));
    return shares.length > 0;
  }

  async list(ctx: RequestContext, query: ListRequest): Promise<ListResult> {
    // Inside a write (a workflow step) the shape is read in that transaction: on PGlite another one would wait for it for ever.
    return this.#list(ctx, query, await this.#access.shapeOf(ctx.principal, ctx.scope?.tx));
  }

  /**
   * A list page as JSON, for an answer: kept and served again while no record or share of the
   * tenant changes (kept-pages.ts), unless the page depends on more than the database (formulas
   * computed on read use the clock) or is read inside a write. `request` names the page: the
   * request's query, exactly as sent.
   */
  async listPage(ctx: RequestContext, query: ListRequest, request: string): Promise<PageAnswer> {
    return keepable(ctx, query) ? this.#keptPage(ctx, query, request) : renderPage(await this.list(ctx, query));
  }

  /** `listPage` for a reader that wants the page's records rather than its JSON (GraphQL). */
  async listKept(ctx: RequestContext, query: ListRequest, request: string): Promise<ListResult> {
    return keepable(ctx, query) ? (JSON.parse((await this.#keptPage(ctx, query, request)).body) as ListResult) : this.list(ctx, query);
  }

  async #keptPage(ctx: RequestContext, query: ListRequest, request: string): Promise<PageAnswer> {
    const shape = await this.#access.shapeOf(ctx.principal, ctx.scope?.tx);
    return this.#pages.answer(shape, ctx.model.revision, `${ctx.principal.locale ?? ''}\n${query.object.id}\n${request}`, () => this.#list(ctx, query, shape));
  }

  async #list(ctx: RequestContext, query: ListRequest, shape: AccessShape): Promise<ListResult> {
    const { model } = ctx;
    requireObjectRight(ctx, shape, query.object, 'read');
    refuseHiddenFields(shape, query.object, query);
    const after = query.cursor ? await this.#cursors.decode(query.cursor) : query.after;
    const compile = () => compileListQuery(ctx.principal.tenantId, { ...query, after, access: recordAccessSql(shape) });
    // A compiled list carries the principal's access in its SQL and parameters: keyed by it, it never serves another.
    const sql = after === undefined && query.shape !== undefined ? model.compiledLists.getOrCreate(`${shape.listKey(query.object.id)}\n${query.shape}\n${query.limit}`, compile) : compile();
    // A page without its total is one statement, read in one round trip.
    const { rows, total } = ctx.scope
      ? { rows: await ctx.scope.tx.query<RecordRow & Record<string, unknown>>(sql.sql, sql.params), total: query.withTotal ? ((await ctx.scope.tx.query<{ total: number }>(sql.countSql, sql.countParams))[0]?.total ?? 0) : undefined }
      : query.withTotal
      ? await this.#db.withTenant(ctx.principal.tenantId, async (q) => ({
          rows: await q.query<RecordRow & Record<string, unknown>>(sql.sql, sql.params),
          total: (await q.query<{ total: number }>(sql.countSql, sql.countParams))[0]?.total ?? 0,
        }))
      : { rows: await this.#db.read<RecordRow & Record<string, unknown>>(ctx.principal.tenantId, sql.sql, sql.params), total: undefined };
    const page = rows.slice(0, query.limit);
    const expansions = query.expand.map((field, i) => ({ name: field.apiName, id: `e${i}_id`, object: `e${i}_object`, data: `e${i}_data` }));
    const select = query.select ?? readableOrAll(shape, model, query.object);
    // Formulas computed on read: the page's related records in one query, not one per row; the
    // looked-up records' alike, per expansion.
    if (computesOnRead(model, query.object)) await prepareReadFormulas(this.#reader(ctx), model, query.object, page);
    for (const [i, field] of query.expand.entries()) {
      const target = readsOnRead(model, field);
      if (!target) continue;
      const looked = page.flatMap((row) => (row[expansions[i]!.data] ? [{ data: row[expansions[i]!.data] as Record<string, unknown> }] : []));
      if (looked.length) await prepareReadFormulas(this.#reader(ctx), model, target, looked);
    }
    const data = page.map((row) => {
      const record = toApiRecord(model, query.object, row, select);
      for (const column of expansions) {
        const id = row[column.id];
        if (typeof id !== 'string') continue;
        const target = model.objectById(String(row[column.object]));
        if (target) record[column.name] = expanded(model, target, id, row[column.data] as Record<string, unknown>, shape.readableFields(model, target));
      }
      return record;
    });
    const last = page[page.length - 1];
    const position = rows.length > query.limit && last ? { values: sql.sortAliases.map((alias) => last[alias] ?? null), id: last.id } : undefined;
    const nextCursor = position && query.cursor ? await this.#cursors.encode(query.cursor.scope, position) : null;
    return total === undefined ? { data, nextCursor } : { data, nextCursor, total };
  }

  /**
   * How many records of `object` match `where` for each of `keys`, grouped by the lookup `by`: one
   * statement counts the related lists of every parent on a GraphQL level. Keys with no match are 0.
   */
  async countBy(ctx: RequestContext, object: ObjectDef, where: Condition | undefined, by: FieldDef, keys: readonly string[]): Promise<Map<string, number>> {
    const shape = await this.#access.shapeOf(ctx.principal);
    requireObjectRight(ctx, shape, object, 'read');
    const inKeys: Condition = { kind: 'compare', field: by, op: 'in', value: [...keys] };
    const condition: Condition = where ? { kind: 'and', conditions: [where, inKeys] } : inKeys;
    refuseHiddenFields(shape, object, { where: condition });
    const compiled = compileListQuery(ctx.principal.tenantId, { object, where: condition, sort: [], expand: [], limit: 1, after: undefined, access: recordAccessSql(shape) });
    const from = compiled.countSql.slice(compiled.countSql.indexOf(' from record r where '));
    const sql = `select (${fieldSql(object, by, 'r').sql})::text as key, count(*)::int as total${from} group by 1`;
    const rows = ctx.scope ? await ctx.scope.tx.query<{ key: string; total: number }>(sql, compiled.countParams) : await this.#db.read<{ key: string; total: number }>(ctx.principal.tenantId, sql, compiled.countParams);
    const counts = new Map(keys.map((key) => [key, 0]));
    for (const row of rows) if (counts.has(row.key)) counts.set(row.key, row.total);
    return counts;
  }

  async related(ctx: RequestContext, object: ObjectDef, id: string, limit = 20): Promise<{ object: string; field: string; label: string; records: ApiRecord[]; total: number }[]> {
    if (!UUID.test(id)) throw noRecord(ctx, object, id);
    await this.get(ctx, object, id);
    const { model } = ctx;
    const tenantId = ctx.principal.tenantId;
    const shape = await this.#access.shapeOf(ctx.principal);
    const references = model.referencesTo(object).filter(({ object: source, field }) => shape.can(source.id, 'read') && shape.canReadField(source, field));
    return this.#db.withTenant(tenantId, async (q) => {
      const groups = [];
      for (const { object: source, field } of references) {
        const from = referencing(tenantId, source, field, [id]);
        const params = new Params();
        params.values.push(...from.params);
        const visible = recordAccessSql(shape).predicate(source.id, 'r', params, '$1::uuid');
        const rows = await q.query<RecordRow & { total: number }>(`select ${R_COLUMNS}, count(*) over ()::int as total ${from.sql}${visible ? ` and ${visible}` : ''} order by r.id desc limit ${limit}`, params.values);
        if (computesOnRead(model, source)) await prepareReadFormulas(<Row,>(sql: string, values: unknown[]) => q.query<Row>(sql, values), model, source, rows);
        groups.push({
          object: source.apiName,
          field: field.apiName,
          label: model.words(ctx.principal.locale).object(source, 'plural'),
          records: rows.map((r) => toApiRecord(model, source, r, readableOrAll(shape, model, source))),
          total: rows[0]?.total ?? 0,
        });
      }
      return groups;
    });
  }

  /** Deleted records, newest deletion first, paged by a cursor over (deleted_at, id). */
  async recycleBin(ctx: RequestContext, object: ObjectDef | undefined, limit = 100, cursor?: string): Promise<{ data: ApiRecord[]; nextCursor: string | null }> {
    const { model } = ctx;
    const tenantId = ctx.principal.tenantId;
    const shape = await this.#access.shapeOf(ctx.principal);
    if (object) requireObjectRight(ctx, shape, object, 'read');
    const scope = recycleBinScope(tenantId, object);
    const after = await this.#cursors.decode({ token: cursor, scope });
    const params = new Params();
    params.values.push(tenantId, object?.id ?? null, limit + 1, after?.values[0] ?? null, after?.id ?? null);
    // Deleted records of objects the principal reads, narrowed by record access as live ones are.
    const visible = objectsVisibleSql(shape, object ? [object] : model.snapshot.objects, 'record', params, '$1::uuid');
    const rows = await this.#db.withTenant(tenantId, (q) =>
      q.query<RecordRow & { deleted_key: string }>(
        `select ${ROW_COLUMNS}, deleted_at::text as deleted_key from record
          where tenant_id = $1 and deleted_at is not null and ($2::text is null or object_id = $2)
            and ($4::timestamptz is null or (deleted_at, id) < ($4::timestamptz, $5::uuid)) and ${visible}
          order by deleted_at desc, id desc limit $3`,
        params.values,
      ),
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    await prepareEachObject(this.#reader(ctx), model, object ? [object] : model.snapshot.objects, page);
    const data = page.flatMap((row) => {
      const source = model.objectById(row.object_id);
      return source ? [{ ...toApiRecord(model, source, row, readableOrAll(shape, model, source)), object: source.apiName, display_name: displayNameAs(shape, model, source, row.data, row.id) }] : [];
    });
    return { data, nextCursor: rows.length > limit && last ? await this.#cursors.encode(scope, { values: [last.deleted_key], id: last.id }) : null };
  }

  /** Records whose name, email or phone holds `q`, ranked, a few per object: what a global search box needs (record-search.ts). */
  async search(ctx: RequestContext, q: string, perObject = 5): Promise<SearchGroup[]> {
    const { model } = ctx;
    const shape = await this.#access.shapeOf(ctx.principal);
    const objects = model.snapshot.objects.filter((object) => shape.can(object.id, 'read')).map((object) => {
      const readable = readableOrAll(shape, model, object);
      // Only fields the principal reads are searched, so a match never reveals a hidden value.
      const fields = (readable ?? model.liveFields(object)).filter((f) => isSearchedField(object, f));
      return { object, fields, toRecord: (row: RecordRow) => toApiRecord(model, object, row, readable) };
    });
    return searchRecords(this.#db, ctx, q, perObject, {
      objects: objects.filter((o) => o.fields.length > 0),
      prepare: async (object, rows) => {
        if (computesOnRead(model, object)) await prepareReadFormulas(this.#reader(ctx), model, object, rows);
      },
      visibleSql: (searched, params, tenantParam) => {
        const narrowed = searched.filter((o) => !shape.recordScope(o.id).all);
        return narrowed.length ? objectsVisibleSql(shape, searched, 'r', params, tenantParam) : undefined;
      },
    });
  }


  async #expand(shape: AccessShape, tenantId: string, model: TenantModel, items: { row: RecordRow; record: ApiRecord }[], expand: FieldDef[]): Promise<void> {
    const ids = [...new Set(items.flatMap(({ row }) => expand.map((f) => row.data[f.id]).filter((v): v is string => typeof v === 'string')))];
    if (ids.length === 0) return;
    const params = new Params();
    params.values.push(tenantId, ids);
    const targetObjects = expand.flatMap((f) => model.objectById(f.lookup?.objectId ?? '') ?? []);
    // A looked-up record the principal cannot read is not fetched: the expansion shows no values.
    const visible = objectsVisibleSql(shape, targetObjects, 'record', params, '$1::uuid');
    const targets = await this.#db.withTenant(tenantId, (q) =>
      q.query<RecordRow>(`select ${ROW_COLUMNS} from record where tenant_id = $1 and id = any($2::uuid[]) and deleted_at is null and ${visible}`, params.values),
    );
    const byId = new Map(targets.map((t) => [t.id, t]));
    await prepareEachObject(<Row,>(sql: string, values: unknown[]) => this.#db.read<Row>(tenantId, sql, values), model, targetObjects, targets);
    for (const { row, record } of items) for (const field of expand) {
      const target = byId.get(row.data[field.id] as string);
      const targetObject = target && model.objectById(target.object_id);
      if (target && targetObject && targetObject.id === field.lookup?.objectId) record[field.apiName] = expanded(model, targetObject, target.id, target.data, shape.readableFields(model, targetObject));
    }
  }
}

/** A looked-up record in an expansion: its id, display name and the fields the reader reads, formulas computed on read among them. */
function expanded(model: TenantModel, object: ObjectDef, id: string, data: Record<string, unknown>, fields: readonly FieldDef[]): ApiRecord {
  const nameReadable = fields.some((f) => f.id === object.nameFieldId);
  const out: ApiRecord = { id, display_name: nameReadable ? recordName(object, data, id) : id };
  for (const field of fields) out[field.apiName] = fromStoredValue(field, data[field.id]) ?? null;
  applyReadFormulas(model, object, data, out, fields);
  return out;
}

/** The object a lookup expands to, when its records compute formulas on read. */
function readsOnRead(model: TenantModel, field: FieldDef): ObjectDef | undefined {
  const target = model.objectById(field.lookup?.objectId ?? '');
  return target && computesOnRead(model, target) ? target : undefined;
}

/** Formulas computed on read readied for rows of several objects: per object that has them, its rows at once. */
async function prepareEachObject(read: Parameters<typeof prepareReadFormulas>[0], model: TenantModel, objects: readonly ObjectDef[], rows: readonly RecordRow[]): Promise<void> {
  for (const object of objects) {
    if (!computesOnRead(model, object)) continue;
    const rowsOf = rows.filter((row) => row.object_id === object.id);
    if (rowsOf.length) await prepareReadFormulas(read, model, object, rowsOf);
  }
}

/** The fields to put in a record: undefined (every live field) when the principal reads them all. */
function readableOrAll(shape: AccessShape, model: TenantModel, object: ObjectDef): readonly FieldDef[] | undefined {
  return shape.readsEveryField(model, object) ? undefined : shape.readableFields(model, object);
}
