// The list view's filter rows and their translation to the REST filter language.
import { fieldType } from '@protean/metadata/field-types';
import type { FieldDef, FieldType, Filter, FilterOp } from '../api/types.ts';
import { filterOperatorsByWidget } from '../field-widgets/filter-operators.ts';

export interface FilterRow {
  field: string;
  op: FilterOp;
  value: unknown;
}

export interface FilterState {
  match: 'and' | 'or';
  rows: FilterRow[];
}

/**
 * The operators the filter builder offers for a type or a field: its widget's that the server
 * takes (a formula computed on read takes none; a stored one those of its result type).
 */
export function opsFor(typeOrField: FieldType | FieldDef): FilterOp[] {
  const def = fieldType(typeOrField);
  return filterOperatorsByWidget[def.widget].filter((op) => (def.filterOperators as readonly string[]).includes(op));
}

export function defaultValueFor(field: FieldDef, op: FilterOp): unknown {
  if (op === 'isNull') return true;
  if (op === 'in' || op === 'nin') return [];
  if (field.type === 'boolean') return true;
  return '';
}

function rowToFilter(row: FilterRow): Filter | null {
  if (row.op !== 'isNull' && (row.value === '' || row.value === null || row.value === undefined)) return null;
  if ((row.op === 'in' || row.op === 'nin') && Array.isArray(row.value) && !row.value.length) return null;
  return { field: row.field, op: row.op, value: row.value };
}

export function toFilter(state: FilterState): Filter | null {
  const parts = state.rows.map(rowToFilter).filter((f): f is Filter => f !== null);
  if (!parts.length) return null;
  if (parts.length === 1) return parts[0]!;
  return state.match === 'and' ? { and: parts } : { or: parts };
}

/** Reads a REST filter back into rows when it has the flat shape the builder writes. */
export function fromFilter(filter: Filter | null): FilterState {
  if (!filter) return { match: 'and', rows: [] };
  if ('field' in filter) return { match: 'and', rows: [{ field: filter.field, op: filter.op, value: filter.value }] };
  if ('and' in filter || 'or' in filter) {
    const list = 'and' in filter ? filter.and : filter.or;
    const rows = list.filter((f): f is Extract<Filter, { field: string }> => 'field' in f).map((f) => ({ field: f.field, op: f.op, value: f.value }));
    return { match: 'and' in filter ? 'and' : 'or', rows };
  }
  return { match: 'and', rows: [] };
}

export function parseFilterParam(raw: string | null): Filter | null {
  if (!raw) return null;
  try {
    return JSON.parse(raw) as Filter;
  } catch {
    return null;
  }
}
