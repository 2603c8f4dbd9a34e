import type { JsonSchema, RecordSchemaMode } from '../compile/compile-record-schema.ts';
import type { FilterOperator } from '../query/query-plan.ts';
import type { ParsedFilterValue } from './field-type.ts';

/** Operator sets several types share. */
export const stringOperators: readonly FilterOperator[] = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in', 'nin', 'contains', 'startsWith', 'isNull'];
export const orderedOperators: readonly FilterOperator[] = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in', 'nin', 'isNull'];
export const equalityOperators: readonly FilterOperator[] = ['eq', 'ne', 'in', 'nin', 'isNull'];

export function withNull(types: string | string[], nullable: boolean): string | string[] {
  const list = Array.isArray(types) ? types : [types];
  return nullable ? [...list, 'null'] : list.length === 1 ? (list[0] as string) : list;
}

/**
 * A value's schema where an optional field in a write takes '' as no value (stored as none, as
 * null is): the checks '' cannot pass (a format, a pattern, a least length) hold for the other
 * strings only. A client clearing a field need not know which of null or '' its type takes. The
 * schema says so with `if`/`else`, which costs a valid value one comparison with ''; a required
 * field's '' stays refused, as required (compileRecordSchema, the record validator).
 */
export function emptyIsNone(base: JsonSchema, checks: JsonSchema, nullable: boolean, mode: RecordSchemaMode): JsonSchema {
  if (!nullable || mode === 'read' || Object.keys(checks).length === 0) return { ...base, ...checks };
  return { ...base, if: { const: '' }, else: checks };
}

/** A string value's codec where '' is no value. */
export const noneIfEmpty = (_field: unknown, value: NonNullable<unknown>): unknown => (value === '' ? null : value);

export const parsed = (value: string | number | boolean): ParsedFilterValue => ({ ok: true, value });
export const notA = (expected: string): ParsedFilterValue => ({ ok: false, expected });

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A record or user id as stored: lower-case, as Postgres writes a uuid. The API takes either case
 * (some systems write GUIDs in capitals); stored as sent, a capitalised id matched no filter by
 * that id, no related list, and no user when checked. '' is no id: no value.
 */
export const storedId = (_field: unknown, value: NonNullable<unknown>): unknown => (typeof value !== 'string' ? value : value === '' ? null : value.toLowerCase());

/** A record or user id in a filter, lower-cased as ids are stored. */
export function parseId(raw: unknown): ParsedFilterValue {
  return typeof raw === 'string' && uuidPattern.test(raw) ? parsed(raw.toLowerCase()) : notA('a record id');
}
