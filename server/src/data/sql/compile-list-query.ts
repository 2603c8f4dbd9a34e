import type { FieldDef, ObjectDef } from '@protean/metadata';
import { validationError } from '../../errors/problems.ts';
import { castFor, literal, sqlKind, valueSql } from './field-sql.ts';
import { Params } from './params.ts';

export type FilterOp = 'eq' | 'ne' | 'lt' | 'lte' | 'gt' | 'gte' | 'in' | 'nin' | 'contains' | 'startsWith' | 'isNull';

/** A resolved filter: every field is a FieldDef of the snapshot, every value already type-checked. */
export type Condition =
  | { kind: 'and' | 'or'; items: Condition[] }
  | { kind: 'not'; item: Condition }
  | { kind: 'compare'; field: FieldDef; via?: { lookupField: FieldDef; object: ObjectDef } | undefined; op: FilterOp; value: unknown };

export interface SortKey {
  field: FieldDef | 'created_at' | 'updated_at';
  direction: 'asc' | 'desc';
}

export interface ListQuery {
  object: ObjectDef;
  where: Condition | undefined;
  sort: SortKey[];
  expand: FieldDef[];
  limit: number;
  /** Sort-key values and id of the last row of the previous page. */
  after: { values: unknown[]; id: string } | undefined;
  deleted?: boolean;
}

export interface CompiledList {
  sql: string;
  params: unknown[];
  countSql: string;
  countParams: unknown[];
  /** Expression aliases in the select list carrying the sort values for the next cursor. */
  sortAliases: string[];
}

const likeEscape = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

function compare(field: FieldDef, alias: string, op: FilterOp, value: unknown, params: Params): string {
  const kind = sqlKind(field);
  const expr = valueSql(field, alias);
  const cast = castFor(kind);
  if (op === 'isNull') return value ? `${alias}.data->${literal(field.id)} is null` : `${alias}.data->${literal(field.id)} is not null`;
  if (kind === 'jsonb') {
    // multi-picklist: eq/contains/in mean "holds (any of) these values"; ne/nin the opposite.
    const values = Array.isArray(value) ? value : [value];
    const holds = `coalesce(${expr} ?| ${params.add(values.map(String), '::text[]')}, false)`;
    if (op === 'eq' || op === 'contains' || op === 'in') return holds;
    if (op === 'ne' || op === 'nin') return `not ${holds}`;
    throw validationError('Unsupported filter', [{ field: field.apiName, code: 'operator', message: `operator '${op}' is not supported for this field` }]);
  }
  switch (op) {
    case 'eq':
      return `${expr} = ${params.add(value, cast)}`;
    case 'ne':
      return `${expr} is distinct from ${params.add(value, cast)}`;
    case 'lt':
      return `${expr} < ${params.add(value, cast)}`;
    case 'lte':
      return `${expr} <= ${params.add(value, cast)}`;
    case 'gt':
      return `${expr} > ${params.add(value, cast)}`;
    case 'gte':
      return `${expr} >= ${params.add(value, cast)}`;
    case 'in':
      return `${expr} = any(${params.add(value, `${cast}[]`)})`;
    case 'nin':
      return `not coalesce(${expr} = any(${params.add(value, `${cast}[]`)}), false)`;
    case 'contains':
      return `${expr} ilike '%' || ${params.add(likeEscape(String(value)))} || '%'`;
    case 'startsWith':
      return `${expr} like ${params.add(likeEscape(String(value)))} || '%'`;
  }
}

function conditionSql(condition: Condition, params: Params, tenantParam: string): string {
  switch (condition.kind) {
    case 'and':
    case 'or':
      if (condition.items.length === 0) return condition.kind === 'and' ? 'true' : 'false';
      return `(${condition.items.map((c) => conditionSql(c, params, tenantParam)).join(` ${condition.kind} `)})`;
    case 'not':
      return `not coalesce(${conditionSql(condition.item, params, tenantParam)}, false)`;
    case 'compare': {
      if (!condition.via) return compare(condition.field, 'r', condition.op, condition.value, params);
      // One hop through a lookup: the related record must exist, be live and match.
      const link = valueSql(condition.via.lookupField, 'r');
      const inner = compare(condition.field, 'l', condition.op, condition.value, params);
      return `exists (select 1 from record l where l.tenant_id = ${tenantParam} and l.id = ${link}::uuid and l.deleted_at is null and ${inner})`;
    }
  }
}

function sortExpression(key: SortKey): string {
  return key.field === 'created_at' || key.field === 'updated_at' ? `r.${key.field}` : valueSql(key.field, 'r');
}

function sortCast(key: SortKey): string {
  return key.field === 'created_at' || key.field === 'updated_at' ? '::timestamptz' : castFor(sqlKind(key.field));
}

/**
 * Keyset pagination over (sort keys…, id). Postgres orders NULLs last ascending and first
 * descending; the "after" predicate mirrors that so pages never skip or repeat a row.
 */
function afterSql(sort: SortKey[], after: { values: unknown[]; id: string }, params: Params): string {
  const branches: string[] = [];
  const equalities: string[] = [];
  sort.forEach((key, i) => {
    const expr = sortExpression(key);
    const value = after.values[i];
    const isNull = value === null || value === undefined;
    const p = isNull ? '' : params.add(value, sortCast(key));
    let greater: string;
    if (key.direction === 'asc') greater = isNull ? 'false' : `(${expr} > ${p} or ${expr} is null)`;
    else greater = isNull ? `${expr} is not null` : `${expr} < ${p}`;
    branches.push([...equalities, greater].join(' and '));
    equalities.push(isNull ? `${expr} is null` : `${expr} = ${p}`);
  });
  branches.push([...equalities, `r.id > ${params.add(after.id, '::uuid')}`].join(' and '));
  return `(${branches.map((b) => `(${b})`).join(' or ')})`;
}

export function compileListQuery(tenantId: string, query: ListQuery): CompiledList {
  const params = new Params();
  const tenant = params.add(tenantId, '::uuid');
  const objectParam = params.add(query.object.id);
  const base = [`r.tenant_id = ${tenant}`, `r.object_id = ${objectParam}`, query.deleted ? 'r.deleted_at is not null' : 'r.deleted_at is null'];
  if (query.where) base.push(conditionSql(query.where, params, tenant));
  const countParams = [...params.values];
  const countSql = `select count(*)::int as total from record r where ${base.join(' and ')}`;

  const where = [...base];
  if (query.after) where.push(afterSql(query.sort, query.after, params));

  const select = ['r.id', 'r.object_id', 'r.version', 'r.data', 'r.created_at', 'r.created_by', 'r.updated_at', 'r.updated_by', 'r.deleted_at', 'r.deleted_by'];
  const sortAliases = query.sort.map((key, i) => {
    select.push(`${sortExpression(key)} as s${i}`);
    return `s${i}`;
  });
  const joins = query.expand.map((field, i) => {
    select.push(`e${i}.id as e${i}_id`, `e${i}.object_id as e${i}_object`, `e${i}.data as e${i}_data`);
    return `left join record e${i} on e${i}.tenant_id = r.tenant_id and e${i}.id = ${valueSql(field, 'r')}::uuid and e${i}.deleted_at is null`;
  });
  const order = [...query.sort.map((key) => `${sortExpression(key)} ${key.direction}`), 'r.id asc'];
  const sql = `select ${select.join(', ')} from record r ${joins.join(' ')} where ${where.join(' and ')} order by ${order.join(', ')} limit ${params.add(query.limit + 1)}`;
  return { sql, params: params.values, countSql, countParams, sortAliases };
}
