// Global search: one GET /search, which matches the start of every object's name field, emails,
// phones and numbers. Groups keep the server's order; objects the snapshot no longer knows are dropped.
import { searchApi, type ObjectDef, type RecordData, type Snapshot } from '../api/index.ts';
import { findObject } from './model.ts';

export interface SearchHit {
  object: ObjectDef;
  records: (RecordData & { display_name?: string })[];
}

export async function searchAll(snapshot: Snapshot, q: string, perObject = 5, signal?: AbortSignal): Promise<SearchHit[]> {
  const term = q.trim();
  if (!term) return [];
  const groups = await searchApi.search(term, perObject, signal);
  return groups.flatMap((g): SearchHit[] => {
    const object = findObject(snapshot, g.object);
    return object && g.records.length ? [{ object, records: g.records }] : [];
  });
}
