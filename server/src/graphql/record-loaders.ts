import { systemFields, type Condition, type FieldDef, type ObjectDef } from '@protean/metadata';
import type { DataService } from '../data/data-service.ts';
import { parseListRequest } from '../data/list-request.ts';
import type { ApiRecord } from '../data/record-codec.ts';
import { UUID } from '../data/record-problems.ts';
import type { RequestContext } from '../data/request-context.ts';

const ID_FIELD = systemFields.find((f) => f.id === 'id')!;
/** One batched read of related records returns at most this many rows; parents left short are read one by one. */
const RELATED_BATCH_ROWS = 1_000;

export interface RelatedArgs {
  filter?: unknown;
  sort?: string | undefined;
  first: number;
  after?: string | undefined;
  count: boolean;
}

export interface RelatedPage {
  records: ApiRecord[];
  hasNextPage: boolean;
  endCursor: string | null;
  total?: number;
}

/**
 * Collects the keys asked for while one level of a GraphQL result resolves, then reads them in one
 * statement: the lookups of fifty records are one read, not fifty. Everything goes through the
 * data service's read path with the request context, so record access applies as it does in REST.
 */
export class RecordLoaders {
  readonly #ctx: RequestContext;
  readonly #data: DataService;
  readonly #records = new Map<string, Batch<string, ApiRecord | null>>();
  readonly #related = new Map<string, Batch<string, RelatedPage>>();

  constructor(ctx: RequestContext, data: DataService) {
    this.#ctx = ctx;
    this.#data = data;
  }

  /** The live record `id` of `object`, or null when it is gone or not visible to the principal. */
  record(object: ObjectDef, id: string): Promise<ApiRecord | null> {
    if (!UUID.test(id)) return Promise.resolve(null);
    let batch = this.#records.get(object.id);
    if (!batch) {
      batch = new Batch(async (ids) => {
        const found = await this.#data.list(this.#ctx, {
          object,
          where: { kind: 'compare', field: ID_FIELD, op: 'in', value: ids },
          sort: [{ field: ID_FIELD, direction: 'asc' }],
          expand: [],
          limit: ids.length,
          after: undefined,
        });
        const byId = new Map(found.data.map((r) => [r['id'] as string, r]));
        return ids.map((id) => byId.get(id) ?? null);
      });
      this.#records.set(object.id, batch);
    }
    return batch.load(id);
  }

  /**
   * Records of `source` whose lookup `field` points at `parentId`, one page. Without a cursor the
   * pages of every parent on the level are read together, and their counts (totalCount) in one
   * grouped statement; with one (paging on) the parent's own list is read, exactly as the REST
   * list with that filter would.
   */
  related(source: ObjectDef, field: FieldDef, parentId: string, args: RelatedArgs): Promise<RelatedPage> {
    const own = { field: field.apiName, op: 'eq', value: parentId };
    const userFilter = args.filter ?? undefined;
    if (args.after !== undefined) {
      const filter = userFilter === undefined ? own : { and: [userFilter, own] };
      return this.#page(source, filter, args, args.after);
    }
    const key = `${source.id}\n${field.id}\n${JSON.stringify(userFilter ?? null)}\n${args.sort ?? ''}\n${args.first}\n${args.count}`;
    let batch = this.#related.get(key);
    if (!batch) {
      batch = new Batch(async (parentIds) => {
        const planned = parseListRequest(this.#ctx.model, source, { ...(userFilter === undefined ? {} : { filter: JSON.stringify(userFilter) }), ...(args.sort ? { sort: args.sort } : {}) });
        const inParents: Condition = { kind: 'compare', field, op: 'in', value: parentIds };
        const limit = Math.min(parentIds.length * (args.first + 1), RELATED_BATCH_ROWS);
        const [found, totals] = await Promise.all([
          this.#data.list(this.#ctx, {
            object: source,
            where: planned.where ? { kind: 'and', conditions: [planned.where, inParents] } : inParents,
            sort: planned.sort,
            expand: [],
            limit,
            after: undefined,
          }),
          // totalCount of every parent on the level: one grouped count beside the rows, not one per parent.
          args.count ? this.#data.countBy(this.#ctx, source, planned.where, field, parentIds) : undefined,
        ]);
        const groups = new Map<string, ApiRecord[]>(parentIds.map((id) => [id, []]));
        for (const record of found.data) groups.get(record[field.apiName] as string)?.push(record);
        const complete = found.data.length < limit;
        return Promise.all(
          parentIds.map(async (id): Promise<RelatedPage> => {
            const group = groups.get(id)!;
            const total = totals ? { total: totals.get(id) ?? 0 } : {};
            // The batch stopped at its row limit: a parent with fewer than a page may have more.
            if (!complete && group.length <= args.first) return { ...(await this.#page(source, userFilter === undefined ? { ...own, value: id } : { and: [userFilter, { ...own, value: id }] }, { ...args, count: false }, undefined)), ...total };
            return { records: group.slice(0, args.first), hasNextPage: group.length > args.first, endCursor: null, ...total };
          }),
        );
      });
      this.#related.set(key, batch);
    }
    return batch.load(parentId);
  }

  async #page(source: ObjectDef, filter: unknown, args: RelatedArgs, after: string | undefined): Promise<RelatedPage> {
    const query = parseListRequest(this.#ctx.model, source, { filter: JSON.stringify(filter), ...(args.sort ? { sort: args.sort } : {}), limit: args.first, cursor: after, count: args.count });
    // Without a cursor token the read path still needs the scope to sign the next one.
    const result = await this.#data.list(this.#ctx, query);
    return { records: result.data, hasNextPage: result.nextCursor !== null, endCursor: result.nextCursor, ...(result.total === undefined ? {} : { total: result.total }) };
  }
}

/** Keys asked for in the same turn of the event loop are loaded together; a key asked twice is read once. */
class Batch<K, V> {
  readonly #load: (keys: K[]) => Promise<V[]>;
  #pending = new Map<K, { resolve: (v: V) => void; reject: (e: unknown) => void }[]>();
  readonly #done = new Map<K, Promise<V>>();

  constructor(load: (keys: K[]) => Promise<V[]>) {
    this.#load = load;
  }

  load(key: K): Promise<V> {
    const known = this.#done.get(key);
    if (known) return known;
    const promise = new Promise<V>((resolve, reject) => {
      const waiting = this.#pending.get(key);
      if (waiting) waiting.push({ resolve, reject });
      else {
        if (this.#pending.size === 0) Promise.resolve().then(() => process.nextTick(() => void this.#dispatch()));
        this.#pending.set(key, [{ resolve, reject }]);
      }
    });
    this.#done.set(key, promise);
    return promise;
  }

  async #dispatch(): Promise<void> {
    const pending = this.#pending;
    this.#pending = new Map();
    const keys = [...pending.keys()];
    try {
      const values = await this.#load(keys);
      keys.forEach((key, i) => pending.get(key)!.forEach((w) => w.resolve(values[i]!)));
    } catch (error) {
      for (const waiting of pending.values()) for (const w of waiting) w.reject(error);
    }
  }
}
