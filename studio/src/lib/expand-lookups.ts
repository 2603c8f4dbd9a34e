// Lookup names for a page of records, fetched with one `id in [...]` query per target object.
// The server's `expand=` is slow on large objects today (see the report), and this keeps the
// list fast whatever the server does with joins.
import { recordsApi, type FieldDef, type RecordData, type Snapshot } from '../api/index.ts';
import { findObject, nameField } from './model.ts';

export async function expandLookups(snapshot: Snapshot, fields: FieldDef[], records: RecordData[], signal?: AbortSignal): Promise<RecordData[]> {
  const lookups = fields.filter((f) => f.type === 'lookup' && f.lookup);
  if (!lookups.length || !records.length) return records;
  const byTarget = new Map<string, Set<string>>();
  for (const f of lookups) {
    const set = byTarget.get(f.lookup!.objectId) ?? new Set<string>();
    for (const r of records) {
      const v = r[f.apiName];
      if (typeof v === 'string') set.add(v);
    }
    byTarget.set(f.lookup!.objectId, set);
  }
  const found = new Map<string, Record<string, unknown>>();
  await Promise.all(
    [...byTarget].map(async ([objectId, ids]) => {
      const target = findObject(snapshot, objectId);
      if (!target || !ids.size) return;
      const nf = nameField(target);
      const res = await recordsApi
        .list(target.apiName, { filter: { field: 'id', op: 'in', value: [...ids] }, limit: Math.min(200, ids.size), fields: nf ? [nf.apiName] : undefined }, signal)
        .catch(() => null);
      for (const r of res?.data ?? []) found.set(r.id, nf ? { id: r.id, [nf.apiName]: r[nf.apiName] } : { id: r.id });
    }),
  );
  return records.map((r) => {
    let copy: RecordData | null = null;
    for (const f of lookups) {
      const v = r[f.apiName];
      if (typeof v === 'string' && found.has(v)) {
        copy ??= { ...r };
        copy[f.apiName] = found.get(v);
      }
    }
    return copy ?? r;
  });
}
