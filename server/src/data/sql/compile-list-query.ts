import { foldCase, type Condition, type FieldDef, type FilterOperator, type ObjectDef, type QueryValue, type SortKey } from '@protean/metadata';
import { fieldSql, foldedSql, literal, type FieldSql } from './field-sql.ts';
import { Params } from './params.ts';

export interface ListQuery {
  object: ObjectDef;
  where: Condition | undefined;
  sort: SortKey[];
  expand: FieldDef[];
  limit: number;
  /** Sort-key values and id of the last row of the previous page. */
  after: { values: unknown[]; id: string } | undefined;
  /** The planned request this query came from: within one model, equal shapes and limits compile alike. */
  shape?: string | undefined;
  /** Record access of the principal asking (ADR 0012): narrows the rows, looked-up rows and expansions. */
  access?: RecordAccessSql | undefined;
}

/** SQL that keeps only the rows of `objectId` (aliased `alias`) a principal may read; undefined when it reads all. */
export interface RecordAccessSql {
  predicate(objectId: string, alias: string, params: Params, tenantParam: string): string | undefined;
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

function compare(object: ObjectDef, field: FieldDef, alias: string, op: FilterOperator, value: unknown, params: Params): string {
  const f = fieldSql(object, field, alias);
  if (op === 'isNull') {
    const absent = f.sql.startsWith(`${alias}.ix_`) || f.kind === 'timestamp' || f.kind === 'uuid' ? `${f.sql} is null` : `${alias}.data->${literal(field.id)} is null`;
    // An empty text or selection is no value, as a unique field's claim and a required field's check count it.
    const empty = f.kind === 'text' || f.kind === 'ci_text' ? `${f.sql} = ''` : field.type === 'multiPicklist' ? `${f.sql} = '[]'::jsonb` : undefined;
    const missing = empty ? `(${absent} or ${empty})` : absent;
    return value ? missing : `not (${missing})`;
  }
  if (f.kind === 'jsonb') {
    // multi-picklist: contains/in hold any of the values, nin none of them.
    const values = Array.isArray(value) ? value : [value];
    const holds = `coalesce(${f.sql} ?| ${params.add(values.map(String), '::text[]')}, false)`;
    return op === 'nin' || op === 'ne' ? `not ${holds}` : holds;
  }
  const { left, param } = sides(f, params);
  if (op === 'startsWith' && f.lowered) {
    // A prefix as a range on the slot: text comparisons in the C collation are LEAKPROOF, so
    // the index serves them under row-level security, where LIKE would only filter.
    const prefix = foldCase(String(value));
    return `${left} >= ${params.add(prefix)} and ${left} < ${params.add(prefix + '\u{10FFFF}')} and ${left} like ${params.add(likeEscape(prefix))} || '%'`;
  }
  switch (op) {
    case 'eq':
      return `${left} = ${param(value)}`;
    case 'ne':
      return `${left} is distinct from ${param(value)}`;
    case 'lt':
      return `${left} < ${param(value)}`;
    case 'lte':
      return `${left} <= ${param(value)}`;
    case 'gt':
      return `${left} > ${param(value)}`;
    case 'gte':
      return `${left} >= ${param(value)}`;
    case 'in':
      return `${left} = any(${param(value, true)})`;
    case 'nin':
      return `not coalesce(${left} = any(${param(value, true)}), false)`;
    case 'contains':
      return `${left} like '%' || ${params.add(likeEscape(foldCase(String(value))))} || '%'`;
    case 'startsWith':
      return `${left} like ${params.add(likeEscape(foldCase(String(value))))} || '%'`;
  }
}

/**
 * Case-insensitive text compares lower(value) with the parameter lowered alike (foldCase); a text
 * slot is stored lowered already.
 */
function sides(f: FieldSql, params: Params): { left: string; param: (value: unknown, array?: boolean) => string } {
  const ci = f.kind === 'ci_text';
  return {
    left: foldedSql(f),
    param: (value, array = false) => {
      const lowered = ci ? (Array.isArray(value) ? value.map((v) => foldCase(String(v))) : foldCase(String(value))) : value;
      return params.add(lowered, array ? `${f.cast}[]` : f.cast);
    },
  };
}

/**
 * For a compare an empty value meets (as `compare` writes them: `ne` is `is distinct from`, `nin`
 * and `isNull` count null in), the compare that holds exactly where it does not on a value.
 */
function emptyMeets(op: FilterOperator, value: QueryValue): { op: FilterOperator; value: QueryValue } | undefined {
  if (op === 'ne') return { op: 'eq', value };
  if (op === 'nin') return { op: 'in', value };
  if (op === 'isNull' && value === true) return { op: 'isNull', value: false };
  return undefined;
}

function conditionSql(object: ObjectDef, condition: Condition, params: Params, tenantParam: string, access?: RecordAccessSql): string {
  switch (condition.kind) {
    case 'and':
    case 'or':
      if (condition.conditions.length === 0) return condition.kind === 'and' ? 'true' : 'false';
      return `(${condition.conditions.map((c) => conditionSql(object, c, params, tenantParam, access)).join(` ${condition.kind} `)})`;
    case 'not':
      return `not coalesce(${conditionSql(object, condition.condition, params, tenantParam, access)}, false)`;
    case 'compare': {
      if (!condition.via) return compare(object, condition.field, 'r', condition.op, condition.value, params);
      // One hop through a lookup. Without a related record (none set, deleted, or one the principal
      // cannot read, whose values must not be inferred) the related field is empty, as in the
      // expansion: a condition an empty value meets (isNull true, ne, nin) holds, any other fails.
      const link = fieldSql(object, condition.via.lookupField, 'r').sql;
      const visible = access?.predicate(condition.via.object.id, 'l', params, tenantParam);
      const related = `select 1 from record l where l.tenant_id = ${tenantParam} and l.object_id = ${params.add(condition.via.object.id)} and l.id = ${link}::uuid and l.deleted_at is null${visible ? ` and ${visible}` : ''}`;
      const { op, value } = condition;
      const complement = emptyMeets(op, value);
      // Written as "no related record fails it" through the complement, which an index on the related field serves as it serves the compare.
      if (!complement) return `exists (${related} and ${compare(condition.via.object, condition.field, 'l', op, value, params)})`;
      return `not exists (${related} and ${compare(condition.via.object, condition.field, 'l', complement.op, complement.value, params)})`;
    }
  }
}

/**
 * Keyset pagination over (sort keys…, id), with id following the first key's direction so a
 * composite index (slot, id) serves the order in one scan. Postgres orders NULLs last
 * ascending and first descending; the "after" predicate mirrors that, so pages never skip or
 * repeat a row.
 */
function afterSql(keys: { sql: string; cast: string; direction: 'asc' | 'desc' }[], values: unknown[], params: Params): string {
  if (keys.length === 1 && values[0] !== null && values[0] !== undefined) {
    const [key] = keys as [(typeof keys)[0]];
    return `${key.sql} ${key.direction === 'desc' ? '<' : '>'} ${params.add(values[0], key.cast)}`;
  }
  if (keys.length === 2 && keys[0]!.direction === keys[1]!.direction && values.every((v) => v !== null && v !== undefined)) {
    // One sort key and the id in its direction: a row comparison lets the index start right at
    // the cursor. A row comparison orders both columns one way, so `name,-id` takes the branches.
    const [key, id] = keys as [(typeof keys)[0], (typeof keys)[0]];
    const row = `(${key.sql}, ${id.sql})`;
    const at = `(${params.add(values[0], key.cast)}, ${params.add(values[1], id.cast)})`;
    return key.direction === 'desc' ? `${row} < ${at}` : `(${row} > ${at} or ${key.sql} is null)`;
  }
  const branches: string[] = [];
  const equalities: string[] = [];
  keys.forEach((key, i) => {
    const value = values[i];
    const isNull = value === null || value === undefined;
    const p = isNull ? '' : params.add(value, key.cast);
    let beyond: string;
    if (key.direction === 'asc') beyond = isNull ? 'false' : `(${key.sql} > ${p} or ${key.sql} is null)`;
    else beyond = isNull ? `${key.sql} is not null` : `${key.sql} < ${p}`;
    branches.push([...equalities, beyond].join(' and '));
    equalities.push(isNull ? `${key.sql} is null` : `${key.sql} = ${p}`);
  });
  return `(${branches.map((b) => `(${b})`).join(' or ')})`;
}

export function compileListQuery(tenantId: string, query: ListQuery, deleted = false): CompiledList {
  const params = new Params();
  const tenant = params.add(tenantId, '::uuid');
  const objectParam = params.add(query.object.id);
  const base = [`r.tenant_id = ${tenant}`, `r.object_id = ${objectParam}`, deleted ? 'r.deleted_at is not null' : 'r.deleted_at is null'];
  const visible = query.access?.predicate(query.object.id, 'r', params, tenant);
  if (visible) base.push(visible);
  if (query.where) base.push(conditionSql(query.object, query.where, params, tenant, query.access));
  const countParams = [...params.values];
  const countSql = `select count(*)::int as total from record r where ${base.join(' and ')}`;

  const idDirection = query.sort[0]?.direction ?? 'asc';
  const sortKeys = query.sort.map((key) => {
    // Record ids are UUIDv7, stamped when the record is created: creation order is id order,
    // which the primary key serves without an index of its own.
    if (key.field.id === 'created_at') return { sql: 'r.id', cast: '::uuid', direction: key.direction };
    const f = fieldSql(query.object, key.field, 'r');
    // A picklist sorts in the order its values are listed (inactive ones where they stand), not by
    // value id; the list is a parameter, so the statement's text is the same at every revision. A
    // stored id no longer listed reads as empty and sorts with the empty values.
    if (key.field.type === 'picklist') {
      const order = params.add((key.field.values ?? []).map((v) => v.id), '::text[]');
      return { sql: `array_position(${order}, ${f.sql})`, cast: '::int', direction: key.direction };
    }
    // Text sorts case-insensitively whether or not it has a slot; the cursor carries the lowered
    // value, so the next page compares like with like.
    return { sql: foldedSql(f), cast: f.cast, direction: key.direction };
  });
  // The id ends every order (it is unique); when the sort already ends with it, once is enough.
  const endsWithId = sortKeys.at(-1)?.sql === 'r.id';
  const keys = [...sortKeys, ...(endsWithId ? [] : [{ sql: 'r.id', cast: '::uuid', direction: idDirection }])];
  const where = [...base];
  if (query.after) where.push(afterSql(keys, endsWithId ? query.after.values : [...query.after.values, query.after.id], params));

  const select = ['r.id', 'r.object_id', 'r.version', 'r.data', 'r.created_at', 'r.created_by', 'r.updated_at', 'r.updated_by'];
  // The looked-up ids are computed inside the page query: a join on `e.id = p.l0` (uuid = uuid,
  // LEAKPROOF) can use the primary key under row-level security; one on a JSON expression cannot.
  query.expand.forEach((field, i) => select.push(`(r.data->>${literal(field.id)})::uuid as l${i}`));
  const sortAliases = query.sort.map((_, i) => {
    // Timestamps travel in the cursor as Postgres text: microseconds survive the round trip.
    select.push(`${keys[i]!.sql}${keys[i]!.cast === '::timestamptz' ? '::text' : ''} as s${i}`);
    // The typed key orders the statement around the page (an expansion's); a page alone orders by the expression.
    if (query.expand.length) select.push(`${keys[i]!.sql} as o${i}`);
    return `s${i}`;
  });
  const order = keys.map((key) => `${key.sql} ${key.direction}`).join(', ');
  // The limit is in the text, not a parameter: with `limit $n` a prepared list's generic plan is
  // costed for a tenth of the matches instead of a page, so Postgres kept planning it anew on
  // every execution (0.3-0.6 ms, as much as running it at 1M records); with the page size known it
  // settles on one plan per connection. The text (and the compiled-list cache key) has the limit.
  if (!Number.isSafeInteger(query.limit) || query.limit < 0) throw new Error(`A list limit is a whole number: ${query.limit}`);
  const page = `select ${select.join(', ')} from record r where ${where.join(' and ')} order by ${order} limit ${query.limit + 1}`;
  if (query.expand.length === 0) return { sql: page, params: params.values, countSql, countParams, sortAliases };

  // Looked-up records are joined after the limit, so only the page's rows pay for the join.
  // The page's columns without the join keys (l…) and the order keys (o…), which only this
  // statement reads: each would otherwise be decoded in the server for every row.
  const outerSelect = ['p.id', 'p.object_id', 'p.version', 'p.data', 'p.created_at', 'p.created_by', 'p.updated_at', 'p.updated_by', ...sortAliases.map((alias) => `p.${alias}`)];
  const joins = query.expand.map((field, i) => {
    outerSelect.push(`e${i}.id as e${i}_id`, `e${i}.object_id as e${i}_object`, `e${i}.data as e${i}_data`);
    // A looked-up record the principal cannot read joins nothing: the expansion shows no values.
    const visible = query.access?.predicate(field.lookup?.objectId ?? '', `e${i}`, params, tenant);
    return `left join record e${i} on e${i}.tenant_id = ${tenant} and e${i}.object_id = ${params.add(field.lookup?.objectId ?? '')} and e${i}.id = p.l${i} and e${i}.deleted_at is null${visible ? ` and ${visible}` : ''}`;
  });
  const outerOrder = keys.map((key, i) => `${i < sortAliases.length ? `p.o${i}` : 'p.id'} ${key.direction}`).join(', ');
  const sql = `select ${outerSelect.join(', ')} from (${page}) p ${joins.join(' ')} order by ${outerOrder}`;
  return { sql, params: params.values, countSql, countParams, sortAliases };
}

/** The WHERE of a list (tenant, object, live records, filter) with its parameters, for statements that narrow by the same condition. */
export function listWhere(tenantId: string, object: ObjectDef, where: Condition | undefined): { sql: string; params: unknown[] } {
  const compiled = compileListQuery(tenantId, { object, where, sort: [], expand: [], limit: 1, after: undefined });
  const at = compiled.countSql.indexOf(' where ');
  return { sql: compiled.countSql.slice(at + ' where '.length), params: compiled.countParams };
}
