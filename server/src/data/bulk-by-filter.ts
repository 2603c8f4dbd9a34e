import type { ObjectDef } from '@protean/metadata';
import { conflict, ProblemError, validationError, type FieldProblem } from '../errors/problems.ts';
import { BATCH_LIMIT, type BatchOperation, type DataService } from './data-service.ts';
import { parseListRequest } from './list-request.ts';
import type { ApiRecord } from './record-codec.ts';
import { recordDisplayName } from './record-problems.ts';
import type { RequestContext } from './request-context.ts';

export interface BulkByFilterRequest {
  /** The list filter grammar (a JSON condition, as in `GET /records/:object?filter=`). */
  filter: unknown;
  /** Field values to set on every matching record (updates only). */
  data?: Record<string, unknown>;
  /** Count and show a sample, write nothing. */
  dryRun?: boolean;
  /** The count a dry run gave: refused (409) when the filter now matches a different number. */
  expectedCount?: number;
}

export interface BulkByFilterResult {
  dryRun: boolean;
  /** Records the filter matches now. */
  matched: number;
  /** The most one request changes; a filter matching more is refused. */
  limit: number;
  /** Dry run: the first few matches, so a person can check the filter. */
  sample?: { id: string; display_name: string }[];
  updated?: number;
  deleted?: number;
  results?: { id: string; version: number }[];
}

const SAMPLE = 10;

/**
 * Update or delete every record a filter matches, through the save pipeline as one batch: all or
 * nothing, each record checked as a single save would be (validation, permissions, lookups,
 * triggers). Bounded by the batch limit; a dry run counts first. Each record is written at the
 * version it was read at, so one changed in between fails the whole request (412 in its item)
 * rather than being overwritten blind.
 */
export async function bulkByFilter(data: DataService, ctx: RequestContext, object: ObjectDef, action: 'update' | 'delete', request: BulkByFilterRequest): Promise<BulkByFilterResult> {
  const filter = typeof request.filter === 'string' ? request.filter : JSON.stringify(request.filter);
  if (request.filter === undefined || request.filter === null || filter === '{}' || filter === '') {
    throw validationError('A filter is required: it says which records to change', [{ field: 'filter', code: 'required', message: 'is required' }], 400);
  }
  if (action === 'update' && (!request.data || Object.keys(request.data).length === 0)) {
    throw validationError('Say which values to set', [{ field: 'data', code: 'required', message: 'must set at least one field' }], 400);
  }
  const query = parseListRequest(ctx.model, object, { filter, count: true });
  const found = await data.list(ctx, { ...query, limit: BATCH_LIMIT, cursor: undefined });
  const matched = found.total ?? found.data.length;
  if (request.expectedCount !== undefined && request.expectedCount !== matched) {
    throw conflict(`The filter now matches ${matched} records, not the ${request.expectedCount} counted before; check again`, [{ field: 'expectedCount', code: 'changed', message: `now ${matched}` }], { matched });
  }
  if (request.dryRun) {
    return { dryRun: true, matched, limit: BATCH_LIMIT, sample: found.data.slice(0, SAMPLE).map((r) => ({ id: String(r['id']), display_name: recordDisplayName(object, r) })) };
  }
  if (matched > BATCH_LIMIT) {
    throw validationError(`The filter matches ${matched} records; at most ${BATCH_LIMIT} are changed at once: narrow the filter`, [{ field: 'filter', code: 'too_many', message: `matches ${matched} records, more than ${BATCH_LIMIT}` }], 422, { matched, limit: BATCH_LIMIT });
  }
  if (matched === 0) return { dryRun: false, matched, limit: BATCH_LIMIT, ...(action === 'update' ? { updated: 0 } : { deleted: 0 }), results: [] };
  const operations: BatchOperation[] = found.data.map((record: ApiRecord) =>
    action === 'update'
      ? { op: 'update', id: String(record['id']), version: Number(record['version']), data: request.data! }
      : { op: 'delete', id: String(record['id']), version: Number(record['version']) },
  );
  try {
    const results = await data.batch(ctx, object, operations, false);
    const written = results.map(({ id, version }) => ({ id, version }));
    return { dryRun: false, matched, limit: BATCH_LIMIT, ...(action === 'update' ? { updated: written.length } : { deleted: written.length }), results: written };
  } catch (error) {
    throw byRecord(error, operations);
  }
}

/** The batch names failing items by index; here each failure names its record, and one problem shared by all is said once. */
function byRecord(error: unknown, operations: BatchOperation[]): unknown {
  if (!(error instanceof ProblemError) || !error.errors) return error;
  const seen = new Map<string, FieldProblem & { records: string[] }>();
  for (const problem of error.errors) {
    const { index, ...rest } = problem;
    const key = `${rest.field}\n${rest.code}\n${rest.message}`;
    const id = index === undefined ? undefined : (operations[index] as { id: string } | undefined)?.id;
    const entry = seen.get(key) ?? { ...rest, records: [] };
    if (id) entry.records.push(id);
    seen.set(key, entry);
  }
  return new ProblemError(error.type, error.status, error.message, [...seen.values()], error.extra);
}
