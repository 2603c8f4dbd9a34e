import type { Condition, FieldDef, ObjectDef } from '@protean/metadata';
import type { Database } from '../db/database.ts';
import { compileListQuery, type RecordAccessSql } from '../data/sql/compile-list-query.ts';
import { fieldSql } from '../data/sql/field-sql.ts';

export interface PipelineStage {
  /** The picklist value's API name. */
  value: string;
  count: number;
  /** Sum of the amount field over the stage's records; null when no amount field was asked for. */
  amount: number | null;
}

export interface PipelineSummary {
  object: string;
  groupBy: string;
  amountField: string | null;
  stages: PipelineStage[];
  total: { count: number; amount: number | null };
}

/**
 * Counts and sums per picklist value, in the picklist's order (every value, zero when empty).
 * When the picklist and the amount hold typed index slots (ADR 0002), the first composite index
 * (tenant, object, t1, d1, id, n1) answers it without reading records; records with no value
 * are left out, as a pipeline has no "no stage" column.
 */
export async function pipelineSummary(
  db: Database,
  tenantId: string,
  object: ObjectDef,
  groupBy: FieldDef,
  amount: FieldDef | undefined,
  where?: Condition,
  access?: RecordAccessSql,
): Promise<PipelineSummary> {
  const group = fieldSql(object, groupBy, 'r').sql;
  const sum = amount ? `sum(${fieldSql(object, amount, 'r').sql})::float8` : 'null::float8';
  // The list compiler's count gives the rows a list with this filter would show (tenant, object,
  // live, the reader's record access, the filter); the summary groups those same rows.
  const counted = compileListQuery(tenantId, { object, where, sort: [], expand: [], limit: 1, after: undefined, access });
  const head = 'select count(*)::int as total from record r where ';
  if (!counted.countSql.startsWith(head)) throw new Error('the list count changed shape');
  const sql = `select ${group} as key, count(*)::int as n, ${sum} as amount from record r where ${group} is not null and ${counted.countSql.slice(head.length)} group by 1`;
  const rows = await db.withTenant(tenantId, (q) => q.query<{ key: string; n: number; amount: number | null }>(sql, counted.countParams));
  const byKey = new Map(rows.map((r) => [r.key, r]));
  const scale = amount?.scale ?? 2;
  const round = (n: number | null) => (n === null ? null : Number(n.toFixed(scale)));
  const stages = (groupBy.values ?? []).map((v) => {
    const row = byKey.get(v.id);
    return { value: v.apiName, count: row?.n ?? 0, amount: amount ? round(row?.amount ?? 0) : null };
  });
  const total = {
    count: stages.reduce((n, s) => n + s.count, 0),
    amount: amount ? round(stages.reduce((n, s) => n + (s.amount ?? 0), 0)) : null,
  };
  return { object: object.apiName, groupBy: groupBy.apiName, amountField: amount?.apiName ?? null, stages, total };
}
