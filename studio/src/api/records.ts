import { enc, http, request } from './http.ts';
import type { Filter, ListResult, RecordData, RecycleBinPage, RelatedGroup } from './types.ts';

export interface ListQuery {
  filter?: Filter | null;
  sort?: string;
  fields?: string[];
  expand?: string[];
  limit?: number;
  cursor?: string | null;
  count?: boolean;
}

export interface BatchOperation {
  op: 'create' | 'update' | 'upsert' | 'delete';
  id?: string;
  version?: number;
  matchField?: string;
  data?: Record<string, unknown>;
}

/** The server refuses a batch of more than this many operations. */
export const BATCH_LIMIT = 1000;

/** A by-filter change: a dry run says how many match (and shows a few); a real one what it did. */
export interface ByFilterResult {
  dryRun?: boolean;
  matched: number;
  limit?: number;
  sample?: { id: string; display_name?: string }[];
  updated?: number;
  deleted?: number;
}

export interface BatchResult {
  id: string;
  version: number;
  action: 'created' | 'updated' | 'deleted';
}

function listParams(q: ListQuery) {
  return {
    filter: q.filter ? JSON.stringify(q.filter) : undefined,
    sort: q.sort,
    fields: q.fields?.join(','),
    expand: q.expand?.length ? q.expand.join(',') : undefined,
    limit: q.limit,
    cursor: q.cursor ?? undefined,
    count: q.count ? 'true' : undefined,
  };
}

export const recordsApi = {
  list: (object: string, q: ListQuery = {}, signal?: AbortSignal) =>
    http.get<ListResult>(`/records/${enc(object)}`, { query: listParams(q), signal }),
  get: async (object: string, id: string, expand?: string[]) => {
    const r = await request<RecordData>('GET', `/records/${enc(object)}/${enc(id)}`, {
      query: { expand: expand?.length ? expand.join(',') : undefined },
    });
    return r.data;
  },
  create: (object: string, data: Record<string, unknown>) => http.post<RecordData>(`/records/${enc(object)}`, data),
  update: (object: string, id: string, data: Record<string, unknown>, version?: number) =>
    http.patch<RecordData>(`/records/${enc(object)}/${enc(id)}`, data, {
      headers: version === undefined ? {} : { 'if-match': `"${version}"` },
    }),
  remove: (object: string, id: string) => http.delete<unknown>(`/records/${enc(object)}/${enc(id)}`),
  restore: (object: string, id: string) => http.post<RecordData>(`/records/${enc(object)}/${enc(id)}/restore`, {}),
  batch: (object: string, operations: BatchOperation[]) => http.post<{ results: BatchResult[] }>(`/records/${enc(object)}/batch`, { operations }),
  related: (object: string, id: string) => http.get<RelatedGroup[]>(`/related/${enc(object)}/${enc(id)}`),
  /** Every record `filter` matches, at most 1,000, all or nothing; `dryRun` counts and samples without writing. */
  updateByFilter: (object: string, body: { filter: Filter; data: Record<string, unknown>; dryRun?: boolean; expectedCount?: number }) =>
    http.post<ByFilterResult>(`/records/${enc(object)}/update-by-filter`, body),
  deleteByFilter: (object: string, body: { filter: Filter; dryRun?: boolean; expectedCount?: number }) =>
    http.post<ByFilterResult>(`/records/${enc(object)}/delete-by-filter`, body),
  /** Removes records from the recycle bin for good (admins); `all` empties it, or one object's part. */
  purge: (target: { ids: string[] } | { all: true }, object?: string) => http.post<{ purged: number }>('/recycle-bin/purge', { ...target, ...(object ? { object } : {}) }),
  recycleBin: (object?: string, limit?: number, cursor?: string | null) =>
    http.get<RecycleBinPage>('/recycle-bin', { query: { object, limit, cursor } }),
};
