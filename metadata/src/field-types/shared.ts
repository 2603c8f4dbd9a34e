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

export const parsed = (value: string | number | boolean): ParsedFilterValue => ({ ok: true, value });
export const notA = (expected: string): ParsedFilterValue => ({ ok: false, expected });

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A record or user id as stored: lower-case, as Postgres writes a uuid. The API takes either case
 * (some systems write GUIDs in capitals); stored as sent, a capitalised id matched no filter by
 * that id, no related list, and no user when checked.
 */
export const storedId = (_field: unknown, value: NonNullable<unknown>): unknown => (typeof value === 'string' ? value.toLowerCase() : value);

/** A record or user id in a filter, lower-cased as ids are stored. */
export function parseId(raw: unknown): ParsedFilterValue {
  return typeof raw === 'string' && uuidPattern.test(raw) ? parsed(raw.toLowerCase()) : notA('a record id');
}
