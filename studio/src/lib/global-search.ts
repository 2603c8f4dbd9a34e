// Global search: no search route exists yet, so each object is asked in parallel with an
// "or" of contains-filters over its name field, emails and phones.
import { recordsApi, type Filter, type ObjectDef, type RecordData, type Snapshot } from '../api/index.ts';
import { searchableFields } from './model.ts';

export interface SearchHit {
  object: ObjectDef;
  records: RecordData[];
}

export async function searchAll(snapshot: Snapshot, q: string, perObject = 5, signal?: AbortSignal): Promise<SearchHit[]> {
  const term = q.trim();
  if (!term) return [];
  const tasks = snapshot.objects.map(async (object): Promise<SearchHit | null> => {
    const fields = searchableFields(object);
    if (!fields.length) return null;
    const filter: Filter = { or: fields.map((f) => ({ field: f.apiName, op: 'contains' as const, value: term })) };
    try {
      const res = await recordsApi.list(object.apiName, { filter, limit: perObject, fields: fields.map((f) => f.apiName) }, signal);
      return res.data.length ? { object, records: res.data } : null;
    } catch {
      return null;
    }
  });
  return (await Promise.all(tasks)).filter((h): h is SearchHit => h !== null);
}
