import type { ObjectDef } from '@protean/metadata';
import { createOutboundHttp, type OutboundPolicy, type ScriptHost } from '@protean/runtime';
import type { Database, Queryable } from '../db/database.ts';
import type { DataService } from '../data/data-service.ts';
import { parseListRequest } from '../data/list-request.ts';
import type { RequestContext } from '../data/request-context.ts';
import { readSetting } from './script-store.ts';
import type { ScriptUser } from './script-service.ts';
import { checkedRecordValues } from '../http/normalize-input.ts';

const MAX_QUERY_LIMIT = 200;

/**
 * The host side of ctx for one invocation: every record call goes through the data service with
 * the invocation's request context (the script's automation principal, its model, and, inside a
 * save, the caller's transaction), so a script reads and writes exactly what its profile allows,
 * validated like any other write, and never another tenant's data.
 */
export function scriptHost(options: {
  db: Database;
  data: DataService;
  ctx: RequestContext;
  timeZone: string;
  allowedHosts: readonly string[];
  /** Whom the run is for (ctx.user); records it creates are theirs unless it names an owner. */
  user: ScriptUser;
  outbound?: Partial<OutboundPolicy> | undefined;
  /** Told when the script writes while its save reads ahead of a one-statement create (the save then runs it again inside a transaction). */
  onWriteOutside?: (() => void) | undefined;
}): ScriptHost {
  const { db, data, ctx } = options;
  // Ahead of a one-statement create there is no transaction to write in: the write is refused and the save takes the transactional path.
  const writable = () => {
    if (!ctx.scope?.readOnly) return;
    options.onWriteOutside?.();
    throw Object.assign(new Error('this trigger writes records, so it runs inside the save’s transaction'), { name: 'RetryInTransaction', status: 409 });
  };
  const tenantId = ctx.principal.tenantId;
  const objectOf = (name: string) => data.object(ctx.model, name);
  // Inside a save the caller's transaction is the only way to the database (on PGlite, the only connection).
  const inTenant = <T>(work: (q: Queryable) => Promise<T>): Promise<T> => (ctx.scope ? work(ctx.scope.tx) : db.withTenant(tenantId, work));
  return {
    records: {
      async query(object, query) {
        const target = objectOf(object);
        const limit = Math.max(1, Math.min(MAX_QUERY_LIMIT, Math.floor(query.limit ?? 50)));
        const request = parseListRequest(ctx.model, target, { filter: query.filter, sort: query.sort, limit });
        // No cursor: a script pages with filters, and signing a cursor would need a connection of its own.
        const { cursor: _cursor, ...uncursored } = request;
        const { data: rows } = await data.list(ctx, { ...uncursored, withTotal: false });
        return rows;
      },
      get: (object, id) => data.get(ctx, objectOf(object), id),
      create: async (object, values) => {
        writable();
        const target = objectOf(object);
        const checked = checkedRecordValues(values);
        // An automation owns nothing: owner fields the script leaves empty go to the user it runs for.
        return data.create(ctx, target, ctx.principal.via === 'automation' ? ownedBy(ctx.model, target, checked, options.user.id) : checked);
      },
      update: async (object, id, values) => (writable(), data.update(ctx, objectOf(object), id, checkedRecordValues(values), undefined)),
      delete: async (object, id) => (writable(), data.delete(ctx, objectOf(object), id, undefined)),
    },
    config: (name) => inTenant((q) => readSetting(q, tenantId, name)),
    http: options.allowedHosts.length ? createOutboundHttp({ ...options.outbound, allowedHosts: options.allowedHosts }) : undefined,
    user: options.user,
    timeZone: options.timeZone,
  };
}

function ownedBy(model: RequestContext['model'], object: ObjectDef, values: unknown, owner: string): unknown {
  if (!values || typeof values !== 'object' || Array.isArray(values)) return values;
  const out = { ...(values as Record<string, unknown>) };
  for (const field of model.liveFields(object)) if (field.type === 'owner' && out[field.apiName] === undefined) out[field.apiName] = owner;
  return out;
}
