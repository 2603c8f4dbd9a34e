import type { FieldDef, ObjectDef } from '@protean/metadata';
import { validationError, type FieldProblem } from '../errors/problems.ts';
import { decodeCursor } from './data-service.ts';
import { sqlKind } from './sql/field-sql.ts';
import type { Condition, FilterOp, ListQuery, SortKey } from './sql/compile-list-query.ts';
import type { TenantModel } from './tenant-model.ts';

const OPS: readonly FilterOp[] = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in', 'nin', 'contains', 'startsWith', 'isNull'];
const ORDERED: ReadonlySet<string> = new Set(['lt', 'lte', 'gt', 'gte']);
const TEXT_ONLY: ReadonlySet<string> = new Set(['contains', 'startsWith']);
const MAX_DEPTH = 8;
const MAX_CONDITIONS = 50;
const MAX_SORT_KEYS = 5;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ListRequest {
  filter?: string | undefined;
  sort?: string | undefined;
  fields?: string | undefined;
  expand?: string | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
  count?: boolean | undefined;
}

/**
 * Turns the query string of a list request into a resolved query: every name is looked up
 * in the tenant's metadata (aliases included) and every value checked against its field's
 * type. Anything unknown is refused with the field and the reason, never guessed at.
 */
export function parseListRequest(model: TenantModel, object: ObjectDef, request: ListRequest): ListQuery & { select: FieldDef[] | undefined; withTotal: boolean } {
  const problems: FieldProblem[] = [];
  let where: Condition | undefined;
  if (request.filter !== undefined && request.filter !== '') {
    let raw: unknown;
    try {
      raw = JSON.parse(request.filter);
    } catch {
      throw validationError('The filter is not valid JSON', [{ field: 'filter', code: 'json', message: 'must be a JSON filter such as {"field":"status","op":"eq","value":"active"}' }], 400);
    }
    const counter = { n: 0 };
    where = parseCondition(model, object, raw, 'filter', problems, 0, counter);
  }
  const sort = parseSort(model, object, request.sort, problems);
  const select = request.fields ? parseNames(model, object, request.fields, 'fields', problems) : undefined;
  const expand = parseExpandInto(model, object, request.expand, problems);
  if (problems.length) throw validationError(problems.length === 1 ? `${problems[0]!.field}: ${problems[0]!.message}` : `${problems.length} problems in the query`, problems, 400);
  return {
    object,
    where,
    sort,
    expand,
    select,
    limit: request.limit ?? 50,
    after: request.cursor ? decodeCursor(request.cursor, sort.length) : undefined,
    withTotal: request.count === true,
  };
}

export function parseExpand(model: TenantModel, object: ObjectDef, expand: string | undefined): FieldDef[] {
  const problems: FieldProblem[] = [];
  const fields = parseExpandInto(model, object, expand, problems);
  if (problems.length) throw validationError('The expand parameter is invalid', problems, 400);
  return fields;
}

function parseExpandInto(model: TenantModel, object: ObjectDef, expand: string | undefined, problems: FieldProblem[]): FieldDef[] {
  if (!expand) return [];
  const fields = parseNames(model, object, expand, 'expand', problems);
  for (const field of fields) if (field.type !== 'lookup') problems.push({ field: `expand.${field.apiName}`, code: 'type', message: 'only lookup fields can be expanded' });
  return fields.filter((f) => f.type === 'lookup');
}

function parseNames(model: TenantModel, object: ObjectDef, list: string, param: string, problems: FieldProblem[]): FieldDef[] {
  const fields: FieldDef[] = [];
  for (const name of list.split(',').map((s) => s.trim()).filter(Boolean)) {
    const field = model.field(object, name);
    if (field) fields.push(field);
    else problems.push({ field: `${param}.${name.slice(0, 100)}`, code: 'unknown', message: `'${name.slice(0, 100)}' is not a field of ${object.apiName}` });
  }
  return fields;
}

function parseSort(model: TenantModel, object: ObjectDef, sort: string | undefined, problems: FieldProblem[]): SortKey[] {
  if (!sort) return [{ field: 'created_at', direction: 'desc' }];
  const keys: SortKey[] = [];
  const names = sort.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length > MAX_SORT_KEYS) problems.push({ field: 'sort', code: 'maxItems', message: `sort by at most ${MAX_SORT_KEYS} fields` });
  for (const entry of names.slice(0, MAX_SORT_KEYS)) {
    const direction = entry.startsWith('-') ? 'desc' : 'asc';
    const name = entry.replace(/^[-+]/, '');
    if (name === 'created_at' || name === 'updated_at') {
      keys.push({ field: name, direction });
      continue;
    }
    const field = model.field(object, name);
    if (!field) problems.push({ field: `sort.${name.slice(0, 100)}`, code: 'unknown', message: `'${name.slice(0, 100)}' is not a field of ${object.apiName}` });
    else if (sqlKind(field) === 'jsonb') problems.push({ field: `sort.${name}`, code: 'type', message: `a ${field.type} field cannot be sorted on` });
    else keys.push({ field, direction });
  }
  return keys;
}

function parseCondition(model: TenantModel, object: ObjectDef, raw: unknown, path: string, problems: FieldProblem[], depth: number, counter: { n: number }): Condition | undefined {
  if (++counter.n > MAX_CONDITIONS) {
    if (counter.n === MAX_CONDITIONS + 1) problems.push({ field: path, code: 'maxItems', message: `a filter holds at most ${MAX_CONDITIONS} conditions` });
    return undefined;
  }
  if (depth > MAX_DEPTH) {
    problems.push({ field: path, code: 'depth', message: `filters nest at most ${MAX_DEPTH} levels` });
    return undefined;
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    problems.push({ field: path, code: 'type', message: 'must be an object with and, or, not, or field/op/value' });
    return undefined;
  }
  const node = raw as Record<string, unknown>;
  const keys = Object.keys(node);
  for (const group of ['and', 'or'] as const) {
    if (group in node) {
      const items = node[group];
      if (keys.length !== 1 || !Array.isArray(items)) {
        problems.push({ field: `${path}.${group}`, code: 'type', message: `'${group}' takes an array of filters and nothing beside it` });
        return undefined;
      }
      const parsed = items.map((item, i) => parseCondition(model, object, item, `${path}.${group}[${i}]`, problems, depth + 1, counter));
      return { kind: group, items: parsed.filter((c): c is Condition => c !== undefined) };
    }
  }
  if ('not' in node) {
    if (keys.length !== 1) {
      problems.push({ field: `${path}.not`, code: 'type', message: "'not' takes one filter and nothing beside it" });
      return undefined;
    }
    const item = parseCondition(model, object, node['not'], `${path}.not`, problems, depth + 1, counter);
    return item && { kind: 'not', item };
  }
  const extra = keys.filter((k) => k !== 'field' && k !== 'op' && k !== 'value');
  if (extra.length) problems.push({ field: `${path}.${extra[0]}`, code: 'unknown', message: `unknown key '${extra[0]!.slice(0, 50)}'; use field, op and value` });
  const fieldName = node['field'];
  const op = node['op'];
  if (typeof fieldName !== 'string') {
    problems.push({ field: `${path}.field`, code: 'required', message: 'names the field to filter on' });
    return undefined;
  }
  const target = resolvePath(model, object, fieldName);
  if (!target) {
    problems.push({ field: fieldName.slice(0, 100), code: 'unknown', message: `'${fieldName.slice(0, 100)}' is not a field of ${object.apiName}` });
    return undefined;
  }
  if (typeof op !== 'string' || !OPS.includes(op as FilterOp)) {
    problems.push({ field: fieldName, code: 'operator', message: `unknown operator '${String(op).slice(0, 30)}'; use one of ${OPS.join(', ')}` });
    return undefined;
  }
  const value = checkValue(target.field, op as FilterOp, node['value'], fieldName, problems);
  if (value === INVALID) return undefined;
  return { kind: 'compare', field: target.field, via: target.via, op: op as FilterOp, value };
}

function resolvePath(model: TenantModel, object: ObjectDef, name: string): { field: FieldDef; via?: { lookupField: FieldDef; object: ObjectDef } } | undefined {
  const dot = name.indexOf('.');
  if (dot < 0) {
    const field = model.field(object, name);
    return field && { field };
  }
  const lookupField = model.field(object, name.slice(0, dot));
  if (lookupField?.type !== 'lookup' || !lookupField.lookup) return undefined;
  const target = model.objectById(lookupField.lookup.objectId);
  const field = target && model.field(target, name.slice(dot + 1));
  return field && target ? { field, via: { lookupField, object: target } } : undefined;
}

const INVALID = Symbol('invalid');

function checkValue(field: FieldDef, op: FilterOp, value: unknown, name: string, problems: FieldProblem[]): unknown {
  const fail = (message: string) => {
    problems.push({ field: name, code: 'value', message });
    return INVALID;
  };
  if (op === 'isNull') return typeof value === 'boolean' ? value : fail("'isNull' takes true or false");
  const kind = sqlKind(field);
  if (ORDERED.has(op) && (kind === 'boolean' || kind === 'jsonb' || field.type === 'picklist' || field.type === 'lookup' || field.type === 'owner')) {
    return fail(`operator '${op}' does not apply to a ${field.type} field`);
  }
  if (TEXT_ONLY.has(op) && kind !== 'text' && kind !== 'jsonb') return fail(`operator '${op}' applies to text fields only`);
  if (TEXT_ONLY.has(op) && (field.type === 'picklist' || field.type === 'lookup' || field.type === 'owner' || field.type === 'date' || field.type === 'datetime')) {
    return fail(`operator '${op}' applies to text fields only`);
  }
  if (op === 'in' || op === 'nin') {
    if (!Array.isArray(value) || value.length === 0 || value.length > 500) return fail(`'${op}' takes a list of 1 to 500 values`);
    const converted = value.map((v) => scalar(field, v));
    return converted.some((v) => v === INVALID) ? fail(`every value must be a valid ${field.type}`) : converted;
  }
  if (kind === 'jsonb' && field.type === 'multiPicklist') {
    const values = Array.isArray(value) ? value : [value];
    const converted = values.map((v) => scalar(field, v));
    return converted.some((v) => v === INVALID) ? fail(`'${String(value).slice(0, 50)}' is not a value of ${field.apiName}`) : converted;
  }
  if (kind === 'jsonb') return fail(`a ${field.type} field can only be tested with isNull`);
  const converted = scalar(field, value);
  return converted === INVALID ? fail(`'${String(value).slice(0, 50)}' is not a valid ${field.type}${field.type === 'picklist' ? ` value of ${field.apiName}` : ''}`) : converted;
}

/** A filter value in its stored form (picklist value names become value ids). */
function scalar(field: FieldDef, value: unknown): unknown {
  switch (field.type) {
    case 'number':
    case 'currency':
    case 'percent':
      return typeof value === 'number' && Number.isFinite(value) ? value : INVALID;
    case 'boolean':
      return typeof value === 'boolean' ? value : INVALID;
    case 'date':
      return typeof value === 'string' && DATE.test(value) && !Number.isNaN(Date.parse(value)) ? value : INVALID;
    case 'datetime':
      return typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? new Date(value).toISOString() : INVALID;
    case 'picklist':
    case 'multiPicklist':
      return field.values?.find((v) => v.apiName === value || v.id === value)?.id ?? INVALID;
    case 'lookup':
    case 'owner':
      return typeof value === 'string' && UUID.test(value) ? value.toLowerCase() : INVALID;
    default:
      return typeof value === 'string' && value.length <= 1000 ? value : INVALID;
  }
}
