import { FIELD_TYPES, fieldType } from '../field-types/registry.ts';
import { parseId } from '../field-types/shared.ts';
import { findField, findObject, liveFields } from '../model/find.ts';
import type { FieldDef, FieldType } from '../schemas/field-def.ts';
import type { ObjectDef } from '../schemas/object-def.ts';
import type { Snapshot } from '../schemas/snapshot.ts';
import { unstorableTextReason } from '../schemas/storable-text.ts';
import {
  filterOperators,
  queryLimits,
  type Condition,
  type FilterOperator,
  type QueryError,
  type QueryPlan,
  type QueryPlanResult,
  type QueryValue,
  type SortKey,
  type Via,
} from './query-plan.ts';
import { systemFields } from './system-fields.ts';

/** The list query parameters as they arrive (filter as JSON text or already parsed). */
export interface QueryParams {
  filter?: unknown;
  sort?: string;
  fields?: string;
  expand?: string;
}

const equalityOps: readonly FilterOperator[] = ['eq', 'ne', 'in', 'nin', 'isNull'];

/** Which operators each field type accepts (declared by each type's definition). */
export const operatorsByType = Object.fromEntries(FIELD_TYPES.map((t) => [t.type, t.filterOperators])) as Record<FieldType, readonly FilterOperator[]>;

type Resolved = { field: FieldDef; via?: Via };

/*
 * A problem's `field` names the reference as written and the summary puts it first ("'stage': has
 * no value 'won'"), so a message says what is wrong with it without naming it again.
 */
const unknownField = (object: ObjectDef, name: string, whole: boolean) =>
  whole ? `is not a field of '${object.apiName}'` : `is not a field reference: '${object.apiName}' has no field '${name}'`;

class QueryPlanner {
  readonly errors: QueryError[] = [];
  readonly #snapshot: Snapshot;
  readonly #object: ObjectDef;
  #conditions = 0;

  constructor(snapshot: Snapshot, object: ObjectDef) {
    this.#snapshot = snapshot;
    this.#object = object;
  }

  fail(param: QueryError['param'], field: string, code: string, message: string, path?: string): undefined {
    this.errors.push(path === undefined ? { param, field, code, message } : { param, field, code, message, path });
    return undefined;
  }

  direct(object: ObjectDef, name: string): FieldDef | undefined {
    return findField(object, name) ?? systemFields.find((f) => f.id === name);
  }

  resolve(ref: string, param: QueryError['param'], path?: string, allowHop = true): Resolved | undefined {
    const parts = ref.split('.');
    if (parts.length > 2 || parts.some((p) => p === '')) {
      return this.fail(param, ref, 'unknown_field', 'is not a field reference (use a field or lookup.field)', path);
    }
    const [first = '', second] = parts;
    const field = this.direct(this.#object, first);
    if (!field) return this.fail(param, ref, 'unknown_field', unknownField(this.#object, first, second === undefined), path);
    if (second === undefined) return { field };
    if (!allowHop) return this.fail(param, ref, 'unsupported', 'is a related field, which only a filter takes', path);
    const target = field.lookup ? this.#snapshot.objects.find((o) => o.id === field.lookup?.objectId) : undefined;
    if (!target) return this.fail(param, ref, 'not_a_lookup', `cannot be followed: '${first}' is not a lookup field`, path);
    const related = this.direct(target, second);
    if (!related) return this.fail(param, ref, 'unknown_field', unknownField(target, second, false), path);
    return { field: related, via: { lookupField: field, object: target } };
  }

  filter(node: unknown, path: string, depth: number): Condition | undefined {
    if (depth > queryLimits.maxDepth) return this.fail('filter', '', 'limit_exceeded', `filters nest at most ${queryLimits.maxDepth} levels`, path);
    if (++this.#conditions > queryLimits.maxConditions) {
      return this.fail('filter', '', 'limit_exceeded', `a filter has at most ${queryLimits.maxConditions} conditions`, path);
    }
    if (typeof node !== 'object' || node === null || Array.isArray(node)) {
      return this.fail('filter', '', 'malformed', 'each filter node must be an object', path);
    }
    const record = node as Record<string, unknown>;
    const keys = Object.keys(record);
    for (const group of ['and', 'or'] as const) {
      if (!(group in record)) continue;
      if (keys.length !== 1) return this.fail('filter', '', 'malformed', `'${group}' must be the only key of its node`, path);
      const list = record[group];
      if (!Array.isArray(list) || list.length === 0) return this.fail('filter', '', 'malformed', `'${group}' takes a non-empty array`, path);
      const conditions = list.map((child, i) => this.filter(child, `${path}/${group}/${i}`, depth + 1));
      return conditions.every((c) => c !== undefined) ? { kind: group, conditions: conditions as Condition[] } : undefined;
    }
    if ('not' in record) {
      if (keys.length !== 1) return this.fail('filter', '', 'malformed', "'not' must be the only key of its node", path);
      const condition = this.filter(record.not, `${path}/not`, depth + 1);
      return condition && { kind: 'not', condition };
    }
    return this.compare(record, keys, path);
  }

  compare(node: Record<string, unknown>, keys: string[], path: string): Condition | undefined {
    const extra = keys.filter((k) => k !== 'field' && k !== 'op' && k !== 'value');
    if (extra.length) return this.fail('filter', '', 'malformed', `unknown filter key '${extra[0]}' (use and, or, not or field/op/value)`, path);
    if (typeof node.field !== 'string') return this.fail('filter', '', 'malformed', "a condition needs 'field' (a string)", path);
    const ref = node.field;
    const op = node.op;
    if (typeof op !== 'string' || !(filterOperators as readonly string[]).includes(op)) {
      return this.fail('filter', ref, 'unknown_operator', `unknown operator ${JSON.stringify(op ?? null)} (use ${filterOperators.join(', ')})`, `${path}/op`);
    }
    const resolved = this.resolve(ref, 'filter', `${path}/field`);
    if (!resolved) return undefined;
    const operator = op as FilterOperator;
    const { field } = resolved;
    const allowed = field.id === 'id' ? equalityOps : fieldType(field).filterOperators;
    if (!allowed.includes(operator)) {
      const why = allowed.length ? `use ${allowed.join(', ')}` : field.type === 'formula' ? 'a formula computed on read cannot be filtered; store it to filter by it' : 'it cannot be filtered';
      return this.fail('filter', ref, 'operator_not_allowed', `does not take '${operator}' (${why})`, `${path}/op`);
    }
    if (!('value' in node)) return this.fail('filter', ref, 'bad_value', `'${operator}' needs a value`, `${path}/value`);
    const value = this.value(field, operator, node.value, ref, `${path}/value`);
    if (value === undefined) return undefined;
    return resolved.via ? { kind: 'compare', field, via: resolved.via, op: operator, value } : { kind: 'compare', field, op: operator, value };
  }

  value(field: FieldDef, op: FilterOperator, raw: unknown, ref: string, path: string): QueryValue | undefined {
    if (op === 'isNull') {
      return typeof raw === 'boolean' ? raw : this.fail('filter', ref, 'bad_value', "'isNull' takes true or false", path);
    }
    const listOp = op === 'in' || op === 'nin';
    if (listOp) {
      if (!Array.isArray(raw) || raw.length === 0) return this.fail('filter', ref, 'bad_value', `'${op}' takes a non-empty array`, path);
      if (raw.length > queryLimits.maxListValues) {
        return this.fail('filter', ref, 'limit_exceeded', `'${op}' takes at most ${queryLimits.maxListValues} values`, path);
      }
      const items = raw.map((item, i) => this.scalar(field, op, item, ref, `${path}/${i}`));
      if (items.some((i) => i === undefined)) return undefined;
      return items.every((i) => typeof i === 'number') ? (items as number[]) : (items as unknown[]).map(String);
    }
    return this.scalar(field, op, raw, ref, path);
  }

  scalar(field: FieldDef, op: FilterOperator, raw: unknown, ref: string, path: string): string | number | boolean | undefined {
    const bad = (expected: string) => this.fail('filter', ref, 'bad_value', `takes ${expected}, not ${JSON.stringify(raw) ?? 'undefined'}`, path);
    if (typeof raw === 'string' && raw.length > queryLimits.maxStringLength) {
      return this.fail('filter', ref, 'limit_exceeded', `filter values are at most ${queryLimits.maxStringLength} characters`, path);
    }
    const unstorable = typeof raw === 'string' ? unstorableTextReason(raw) : undefined;
    if (unstorable) return this.fail('filter', ref, 'invalid_text', `a filter value ${unstorable}`, path);
    // The record id is a system column typed as text for display; it filters as an id.
    const result = field.id === 'id' ? parseId(raw) : fieldType(field).parseFilterValue(field, op, raw);
    if (result.ok) return result.value;
    if ('notAValue' in result) return this.fail('filter', ref, 'bad_value', `has no value '${result.notAValue}'`, path);
    return bad(result.expected);
  }

  sort(text: string): SortKey[] {
    const keys: SortKey[] = [];
    const parts = text.split(',');
    if (parts.length > queryLimits.maxSortKeys) {
      this.fail('sort', '', 'limit_exceeded', `sort takes at most ${queryLimits.maxSortKeys} keys`);
      return keys;
    }
    const seen = new Set<string>();
    for (const part of parts) {
      const name = part.startsWith('-') ? part.slice(1) : part;
      if (!/^[a-z][a-z0-9_]*$/.test(name)) {
        this.fail('sort', part, 'unknown_field', "is not a sort key (use a field api name, '-' for descending)");
        continue;
      }
      const resolved = this.resolve(name, 'sort', undefined, false);
      if (!resolved) continue;
      const { field } = resolved;
      if (!fieldType(field).sortable) {
        this.fail('sort', name, 'not_sortable', field.type === 'formula' ? 'is a formula computed on read and cannot be sorted; store it to sort by it' : `is a ${field.type} field and cannot be sorted`);
        continue;
      }
      if (seen.has(field.id)) {
        this.fail('sort', name, 'duplicate', 'appears twice in sort');
        continue;
      }
      seen.add(field.id);
      keys.push({ field, direction: part.startsWith('-') ? 'desc' : 'asc' });
    }
    return keys;
  }

  list(text: string, param: 'fields' | 'expand'): FieldDef[] {
    const out: FieldDef[] = [];
    for (const name of text.split(',')) {
      const resolved = this.resolve(name, param, undefined, false);
      if (!resolved) continue;
      if (param === 'expand' && !resolved.field.lookup) {
        this.fail('expand', name, 'not_a_lookup', 'is not a lookup field and cannot be expanded');
        continue;
      }
      if (!out.includes(resolved.field)) out.push(resolved.field);
    }
    if (param === 'expand' && out.length > queryLimits.maxExpand) {
      this.fail('expand', '', 'limit_exceeded', `expand takes at most ${queryLimits.maxExpand} lookups`);
    }
    return out;
  }
}

/**
 * Resolves and validates a list query against the model: filter, sort, field selection and
 * expansion. The plan references FieldDefs and carries values in storage form; the server
 * compiles it to SQL. Anything doubtful is refused with the field and the reason.
 */
export function planQuery(snapshot: Snapshot, objectRef: string, params: QueryParams = {}): QueryPlanResult {
  const object = findObject(snapshot, objectRef);
  if (!object) return { ok: false, errors: [{ param: 'object', field: '', code: 'unknown_object', message: `unknown object '${objectRef}'` }] };
  const planner = new QueryPlanner(snapshot, object);

  let where: Condition | undefined;
  if (params.filter !== undefined && params.filter !== '') {
    let parsed: unknown = params.filter;
    let malformed = false;
    if (typeof parsed === 'string') {
      try {
        parsed = JSON.parse(parsed);
      } catch {
        malformed = true;
        planner.fail('filter', '', 'malformed', 'filter is not valid JSON');
      }
    }
    if (!malformed) where = planner.filter(parsed, '', 1);
  }
  const sort = params.sort ? planner.sort(params.sort) : [];
  const select = params.fields ? planner.list(params.fields, 'fields') : liveFields(object);
  const expand = params.expand ? planner.list(params.expand, 'expand') : [];

  if (planner.errors.length) return { ok: false, errors: planner.errors };
  const plan: QueryPlan = { objectId: object.id, sort, select, expand };
  if (where) plan.where = where;
  return { ok: true, plan };
}
