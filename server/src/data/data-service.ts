import type { Condition, FieldDef, ObjectDef } from '@protean/metadata';
import type { Database } from '../db/database.ts';
import { AccessService } from '../access/access-service.ts';
import { notFound, ProblemError } from '../errors/problems.ts';
import { ListCursors } from './list-cursor.ts';
import type { ApiRecord } from './record-codec.ts';
import { ReadPath, type ListRequest, type ListResult } from './read-path.ts';
import type { ModelSource, RequestContext } from './request-context.ts';
import { emptySaveHooks, type SaveHooks } from './save-hooks.ts';
import { SavePipeline, type BatchOperation, type BatchResult } from './save-pipeline.ts';
import type { TenantModel } from './tenant-model.ts';
import { KeptPages, type PageAnswer } from './kept-pages.ts';
import { objectLogic } from '../logic/logic-hooks.ts';
import { readsRelated } from '../logic/read-formulas.ts';

export { BATCH_LIMIT, type BatchOperation, type BatchResult } from './save-pipeline.ts';
export type { ListResult } from './read-path.ts';

/**
 * The one door to record data. Every entry point (REST now; GraphQL, scripts, workflows,
 * imports later) reads through the read path and writes through the save pipeline, so
 * validation, lookups, uniqueness, the outbox and permissions (ADR 0012) live in one place.
 */
export class DataService {
  readonly read: ReadPath;
  readonly save: SavePipeline;
  readonly hooks: SaveHooks;
  readonly access: AccessService;
  /** List pages kept for reading again (kept-pages.ts); their pruning starts with the server. */
  readonly pages: KeptPages;

  constructor(db: Database, models: ModelSource, hooks: SaveHooks = emptySaveHooks(), access: AccessService = new AccessService(db), options: { keepListPages?: boolean } = {}) {
    this.hooks = hooks;
    this.access = access;
    this.pages = new KeptPages(db, { enabled: options.keepListPages });
    this.read = new ReadPath(db, new ListCursors(db), access, this.pages);
    this.save = new SavePipeline(db, models, hooks, access);
  }

  object(model: TenantModel, name: string): ObjectDef {
    const object = model.object(name);
    if (!object) throw notFound(`No object named '${name}'`);
    return object;
  }

  get(ctx: RequestContext, object: ObjectDef, id: string, expand: FieldDef[] = []): Promise<ApiRecord> {
    return this.read.get(ctx, object, id, expand);
  }

  canRead(ctx: RequestContext, object: ObjectDef, id: string): Promise<boolean> {
    return this.read.canRead(ctx, object, id);
  }

  list(ctx: RequestContext, query: ListRequest): Promise<ListResult> {
    return this.read.list(ctx, query);
  }

  /** A list page as JSON, served again while nothing it was read from changed (REST's list). */
  listPage(ctx: RequestContext, query: ListRequest, request: string): Promise<PageAnswer> {
    return this.read.listPage(ctx, query, request);
  }

  listKept(ctx: RequestContext, query: ListRequest, request: string): Promise<ListResult> {
    return this.read.listKept(ctx, query, request);
  }

  /** Matching records per value of the lookup `by` among `keys`, in one statement (GraphQL's nested totalCount). */
  countBy(ctx: RequestContext, object: ObjectDef, where: Condition | undefined, by: FieldDef, keys: readonly string[]): Promise<Map<string, number>> {
    return this.read.countBy(ctx, object, where, by, keys);
  }

  related(ctx: RequestContext, object: ObjectDef, id: string, limit?: number) {
    return this.read.related(ctx, object, id, limit);
  }

  recycleBin(ctx: RequestContext, objectName: string | undefined, limit?: number, cursor?: string) {
    return this.read.recycleBin(ctx, objectName ? this.object(ctx.model, objectName) : undefined, limit, cursor);
  }

  search(ctx: RequestContext, q: string, perObject?: number) {
    return this.read.search(ctx, q, perObject);
  }

  async create(ctx: RequestContext, object: ObjectDef, input: unknown): Promise<ApiRecord> {
    return this.#withRelatedFormulas(ctx, object, await this.save.create(ctx, object, input));
  }

  async update(ctx: RequestContext, object: ObjectDef, id: string, input: unknown, expectedVersion: number | undefined): Promise<ApiRecord> {
    return this.#withRelatedFormulas(ctx, object, await this.save.update(ctx, object, id, input, expectedVersion));
  }

  /** A saved record's formulas over related records, read back through the read path (which loads the related records). */
  async #withRelatedFormulas(ctx: RequestContext, object: ObjectDef, record: ApiRecord): Promise<ApiRecord> {
    if (!readsRelated(ctx.model, object)) return record;
    let read: ApiRecord;
    try {
      read = await this.read.get(ctx, object, String(record['id']));
    } catch (error) {
      // Saved, but out of the writer's reach to read (a create right without read access): the
      // answer keeps those formulas empty rather than turn a done write into an error.
      if (error instanceof ProblemError && error.status === 404) return record;
      throw error;
    }
    for (const { field } of objectLogic(ctx.model, object).readFormulas) if (field.apiName in record) record[field.apiName] = read[field.apiName] ?? null;
    return record;
  }

  delete(ctx: RequestContext, object: ObjectDef, id: string, expectedVersion: number | undefined): Promise<void> {
    return this.save.delete(ctx, object, id, expectedVersion);
  }

  async restore(ctx: RequestContext, object: ObjectDef, id: string): Promise<ApiRecord> {
    return this.#withRelatedFormulas(ctx, object, await this.save.restore(ctx, object, id));
  }

  async batch(ctx: RequestContext, object: ObjectDef, operations: BatchOperation[], withRecords = true): Promise<BatchResult[]> {
    const results = await this.save.batch(ctx, object, operations, withRecords);
    // A record read back per saved record: only objects with formulas over related records pay it.
    if (withRecords && readsRelated(ctx.model, object)) for (const result of results) if (result.record) result.record = await this.#withRelatedFormulas(ctx, object, result.record);
    return results;
  }
}
