import type { FieldDef } from '../schemas/field-def.ts';
import type { ObjectDef } from '../schemas/object-def.ts';

export const filterOperators = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in', 'nin', 'contains', 'startsWith', 'isNull'] as const;
export type FilterOperator = (typeof filterOperators)[number];

/** A value in storage form: picklist values are value ids, datetimes ISO UTC, dates YYYY-MM-DD. */
export type QueryValue = string | number | boolean | string[] | number[];

/** A field reached through one lookup hop, e.g. `organization.name`. */
export interface Via {
  lookupField: FieldDef;
  object: ObjectDef;
}

export type Condition =
  | { kind: 'and'; conditions: Condition[] }
  | { kind: 'or'; conditions: Condition[] }
  | { kind: 'not'; condition: Condition }
  | { kind: 'compare'; field: FieldDef; via?: Via; op: FilterOperator; value: QueryValue };

export interface SortKey {
  field: FieldDef;
  direction: 'asc' | 'desc';
}

export interface QueryPlan {
  objectId: string;
  where?: Condition;
  sort: SortKey[];
  /** Fields to return; every live field when `fields` was not given. */
  select: FieldDef[];
  expand: FieldDef[];
}

export type QueryError = {
  param: 'object' | 'filter' | 'sort' | 'fields' | 'expand';
  /** The field reference as written ('' when the problem is not about a field). */
  field: string;
  code: string;
  message: string;
  /** JSON pointer inside the filter, for filter errors. */
  path?: string;
};

export type QueryPlanResult = { ok: true; plan: QueryPlan } | { ok: false; errors: QueryError[] };

export const queryLimits = {
  maxSortKeys: 5,
  maxDepth: 6,
  maxConditions: 100,
  maxListValues: 500,
  maxStringLength: 1000,
  maxExpand: 5,
} as const;
