import { fieldType, fromStoredValue, type FieldDef, type ObjectDef } from '@protean/metadata';
import type { Database } from '../db/database.ts';
import { R_COLUMNS, referencing, ROW_COLUMNS } from './cascades.ts';
import { recycleBinScope, type CursorRequest, type ListCursors } from './list-cursor.ts';
import { recordName, toApiRecord, type ApiRecord, type RecordRow } from './record-codec.ts';
import { noRecord, UUID } from './record-problems.ts';
import { searchRecords, type SearchGroup } from './record-search.ts';
import type { RequestContext } from './request-context.ts';
import { compileListQuery, type ListQuery } from './sql/compile-list-query.ts';
import type { TenantModel } from './tenant-model.ts';

export interface ListResult {
  data: ApiRecord[];
  nextCursor: string | null;
  total?: number;
}

/**
 * Every read of record data: get, list, related lists, recycle bin, search. Record access (the
 * access-control issue) narrows these queries here, in one place.
 */
export class ReadPath {
  readonly #db: Database;
  readonly #cursors: ListCursors;

  constructor(db: Database, cursors: ListCursors) {
    this.#db = db;
    this.#cursors = cursors;
  }

  async get(ctx: RequestContext, object: ObjectDef, id: string, expand: FieldDef[] = []): Promise<ApiRecord> {
    if (!UUID.test(id)) throw noRecord(ctx, object, id);
    const tenantId = ctx.principal.tenantId;
    // One round trip: the function sets the tenant for its own statement (migration 17).
    const [row] = await this.#db.scoped<RecordRow>('select * from tenant_record($1, $2, $3)', [tenantId, object.id, id]);
    if (!row) throw noRecord(ctx, object, id);
    const record = toApiRecord(ctx.model, object, row);
    if (expand.length) await this.#expand(tenantId, ctx.model, [{ row, record }], expand);
    return record;
  }

  async list(ctx: RequestContext, query: ListQuery & { select?: FieldDef[] | undefined; withTotal?: boolean; cursor?: CursorRequest }): Promise<ListResult> {
    const { model } = ctx;
    const after = query.cursor ? await this.#cursors.decode(query.cursor) : query.after;
    const compile = () => compileListQuery(ctx.principal.tenantId, { ...query, after });
    const sql = after === undefined && query.shape !== undefined ? model.compiledLists.getOrCreate(`${query.shape}\n${query.limit}`, compile) : compile();
    // A page without its total is one statement, read in one round trip.
    const { rows, total } = query.withTotal
      ? await this.#db.withTenant(ctx.principal.tenantId, async (q) => ({
          rows: await q.query<RecordRow & Record<string, unknown>>(sql.sql, sql.params),
          total: (await q.query<{ total: number }>(sql.countSql, sql.countParams))[0]?.total ?? 0,
        }))
      : { rows: await this.#db.read<RecordRow & Record<string, unknown>>(ctx.principal.tenantId, sql.sql, sql.params), total: undefined };
    const page = rows.slice(0, query.limit);
    const expansions = query.expand.map((field, i) => ({ name: field.apiName, id: `e${i}_id`, object: `e${i}_object`, data: `e${i}_data` }));
    const data = page.map((row) => {
      const record = toApiRecord(model, query.object, row, query.select);
      for (const column of expansions) {
        const id = row[column.id];
        if (typeof id !== 'string') continue;
        const target = model.objectById(String(row[column.object]));
        if (target) record[column.name] = expanded(model, target, id, row[column.data] as Record<string, unknown>);
      }
      return record;
    });
    const last = page[page.length - 1];
    const position = rows.length > query.limit && last ? { values: sql.sortAliases.map((alias) => last[alias] ?? null), id: last.id } : undefined;
    const nextCursor = position && query.cursor ? await this.#cursors.encode(query.cursor.scope, position) : null;
    return total === undefined ? { data, nextCursor } : { data, nextCursor, total };
  }

  async related(ctx: RequestContext, object: ObjectDef, id: string, limit = 20): Promise<{ object: string; field: string; label: string; records: ApiRecord[]; total: number }[]> {
    if (!UUID.test(id)) throw noRecord(ctx, object, id);
    await this.get(ctx, object, id);
    const { model } = ctx;
    const tenantId = ctx.principal.tenantId;
    const references = model.referencesTo(object);
    return this.#db.withTenant(tenantId, async (q) => {
      const groups = [];
      for (const { object: source, field } of references) {
        const from = referencing(tenantId, source, field, [id]);
        const rows = await q.query<RecordRow & { total: number }>(`select ${R_COLUMNS}, count(*) over ()::int as total ${from.sql} order by r.id desc limit ${limit}`, from.params);
        groups.push({
          object: source.apiName,
          field: field.apiName,
          label: model.words(ctx.principal.locale).object(source, 'plural'),
          records: rows.map((r) => toApiRecord(model, source, r)),
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
    const scope = recycleBinScope(tenantId, object);
    const after = await this.#cursors.decode({ token: cursor, scope });
    const rows = await this.#db.withTenant(tenantId, (q) =>
      q.query<RecordRow & { deleted_key: string }>(
        `select ${ROW_COLUMNS}, deleted_at::text as deleted_key from record
          where tenant_id = $1 and deleted_at is not null and ($2::text is null or object_id = $2)
            and ($4::timestamptz is null or (deleted_at, id) < ($4::timestamptz, $5::uuid))
          order by deleted_at desc, id desc limit $3`,
        [tenantId, object?.id ?? null, limit + 1, after?.values[0] ?? null, after?.id ?? null],
      ),
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const data = page.flatMap((row) => {
      const source = model.objectById(row.object_id);
      return source ? [{ ...toApiRecord(model, source, row), object: source.apiName, display_name: recordName(source, row.data, row.id) }] : [];
    });
    return { data, nextCursor: rows.length > limit && last ? await this.#cursors.encode(scope, { values: [last.deleted_key], id: last.id }) : null };
  }

  /** Records whose name, email or phone holds `q`, ranked, a few per object: what a global search box needs (record-search.ts). */
  async search(ctx: RequestContext, q: string, perObject = 5): Promise<SearchGroup[]> {
    const { model } = ctx;
    const objects = model.snapshot.objects.map((object) => ({
      object,
      fields: model.liveFields(object).filter((f) => f.id === object.nameFieldId || fieldType(f.type).searchable),
      toRecord: (row: RecordRow) => toApiRecord(model, object, row),
    }));
    return searchRecords(this.#db, ctx, q, perObject, {
      objects: objects.filter((o) => o.fields.length > 0),
      visibleSql: () => undefined,
      prefix: async (object, field, text, limit) =>
        (await this.list(ctx, { object, where: { kind: 'compare', field, op: 'startsWith', value: text }, sort: [], expand: [], limit, after: undefined })).data,
    });
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
}

function expanded(model: TenantModel, object: ObjectDef, id: string, data: Record<string, unknown>): ApiRecord {
  const out: ApiRecord = { id, display_name: recordName(object, data, id) };
  for (const field of model.liveFields(object)) out[field.apiName] = fromStoredValue(field, data[field.id]) ?? null;
  return out;
}
