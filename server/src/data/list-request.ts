import { planQuery, systemFields, type FieldDef, type ObjectDef, type SortKey } from '@protean/metadata';
import { validationError } from '../errors/problems.ts';
import { listScope, type CursorRequest } from './list-cursor.ts';
import type { ListQuery } from './sql/compile-list-query.ts';
import type { TenantModel } from './tenant-model.ts';

export interface ListRequest {
  filter?: string | undefined;
  sort?: string | undefined;
  fields?: string | undefined;
  expand?: string | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
  count?: boolean | undefined;
}

const DEFAULT_LIMIT = 50;
// Record ids are UUIDv7, so id order is creation order, served by the primary key.
const DEFAULT_SORT: SortKey[] = [{ field: systemFields.find((f) => f.id === 'id')!, direction: 'desc' }];

/**
 * Turns a list request's query string into a resolved query with the metadata query planner:
 * every name is looked up (aliases included) and every value checked against its field's
 * type. Anything unknown is refused with the field and the reason.
 */
export function parseListRequest(model: TenantModel, object: ObjectDef, request: ListRequest): ListQuery & { select: FieldDef[] | undefined; withTotal: boolean; cursor: CursorRequest } {
  const params = {
    ...(request.filter ? { filter: request.filter } : {}),
    ...(request.sort ? { sort: request.sort } : {}),
    ...(request.fields ? { fields: request.fields } : {}),
    ...(request.expand ? { expand: request.expand } : {}),
  };
  const shape = `${object.id}\n${JSON.stringify(params)}`;
  const planned = model.queryPlans.getOrCreate(shape, () => planQuery(model.snapshot, object.id, params));
  if (!planned.ok) {
    const problems = planned.errors.map((e) => ({ field: e.field || e.param, code: e.code, message: e.message, param: e.param, ...(e.path ? { path: e.path } : {}) }));
    throw validationError(problems.length === 1 ? `'${problems[0]!.field}': ${problems[0]!.message}` : `${problems.length} problems in the query`, problems, 400);
  }
  const { plan } = planned;
  const sort = plan.sort.length ? plan.sort : DEFAULT_SORT;
  return {
    object,
    where: plan.where,
    sort,
    expand: plan.expand,
    select: request.fields ? plan.select : undefined,
    limit: request.limit ?? DEFAULT_LIMIT,
    // The read path checks the cursor's signature and values against this list's scope.
    after: undefined,
    cursor: { token: request.cursor, scope: listScope(model.tenantId, object, request.filter, request.sort, sort) },
    withTotal: request.count === true,
    shape,
  };
}

export function parseExpand(model: TenantModel, object: ObjectDef, expand: string | undefined): FieldDef[] {
  if (!expand) return [];
  return parseListRequest(model, object, { expand }).expand;
}
