import { http } from './http.ts';
import type { SearchGroup } from './types.ts';

/** The server caps `limit` (records per object) at 20. */
export const SEARCH_LIMIT_MAX = 20;

export const searchApi = {
  search: (q: string, limit?: number, signal?: AbortSignal) =>
    http.get<SearchGroup[]>('/search', { query: { q, limit: limit === undefined ? undefined : Math.min(limit, SEARCH_LIMIT_MAX) }, signal }),
};
