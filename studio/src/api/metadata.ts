import { enc, http, ifMatch } from './http.ts';
import type { ChangeRequest, ChangeResult, DiffEntry, LayoutDef, ObjectDef, RevisionDetail, RevisionSummary, Snapshot } from './types.ts';

/** One diff entry in words (GET /metadata/revisions/:n/changes). */
export interface DescribedChange {
  kind: string;
  action: string;
  id: string;
  apiName: string;
  objectId?: string;
  subject: string;
  summary: string;
  details: { path: string; property: string; from?: string; to?: string; text: string }[];
}

export type MetadataKind = 'object' | 'field' | 'picklistValue' | 'layout' | 'changeRequest';
export type JsonSchema = Record<string, unknown>;

const schemaCache = new Map<string, Promise<JsonSchema>>();

export const metadataApi = {
  snapshot: () => http.get<Snapshot>('/metadata/snapshot'),
  object: (object: string) => http.get<ObjectDef>(`/metadata/objects/${enc(object)}`),
  recordSchema: (object: string, mode: 'create' | 'update') =>
    http.get<JsonSchema>(`/metadata/objects/${enc(object)}/record-schema`, { query: { mode } }),
  /** Kind schemas are public and immutable per server build, so they are fetched once. */
  kindSchema: (kind: MetadataKind) => {
    let cached = schemaCache.get(kind);
    if (!cached) {
      cached = http.get<JsonSchema>(`/metadata/schemas/${enc(kind)}`);
      cached.catch(() => schemaCache.delete(kind));
      schemaCache.set(kind, cached);
    }
    return cached;
  },
  // `basedOn`: the model revision the editor's data was read at. The server applies the change only
  // while the model is still there, else refuses it (412), so no one overwrites a change made meanwhile.
  change: (request: ChangeRequest, basedOn?: number) => http.post<ChangeResult>('/metadata/changes', request, ifMatch(basedOn)),
  createObject: (object: Partial<ObjectDef>, basedOn?: number) => http.post<ChangeResult>('/metadata/objects', object, ifMatch(basedOn)),
  updateObject: (object: string, patch: Partial<ObjectDef>, basedOn?: number) => http.patch<ChangeResult>(`/metadata/objects/${enc(object)}`, patch, ifMatch(basedOn)),
  /** `records`: keep them stored for a restore (the default) or delete them for good in the same change. */
  deleteObject: (object: string, records?: 'keep' | 'delete', basedOn?: number) =>
    http.delete<ChangeResult>(`/metadata/objects/${enc(object)}`, { query: { records }, ...ifMatch(basedOn) }),
  createField: (object: string, field: unknown, basedOn?: number) => http.post<ChangeResult>(`/metadata/objects/${enc(object)}/fields`, field, ifMatch(basedOn)),
  updateField: (object: string, field: string, patch: unknown, basedOn?: number) =>
    http.patch<ChangeResult>(`/metadata/objects/${enc(object)}/fields/${enc(field)}`, patch, ifMatch(basedOn)),
  deleteField: (object: string, field: string, basedOn?: number) => http.delete<ChangeResult>(`/metadata/objects/${enc(object)}/fields/${enc(field)}`, ifMatch(basedOn)),
  putLayout: (layout: LayoutDef, basedOn?: number) => http.put<ChangeResult>(`/metadata/layouts/${enc(layout.id)}`, layout, ifMatch(basedOn)),
  deleteLayout: (id: string, basedOn?: number) => http.delete<ChangeResult>(`/metadata/layouts/${enc(id)}`, ifMatch(basedOn)),
  revisions: () => http.get<RevisionSummary[]>('/metadata/revisions'),
  revision: (n: number) => http.get<RevisionDetail>(`/metadata/revisions/${n}`),
  /** What one revision changed, in sentences with the tenant's terms, in the request's language. */
  changes: (n: number) => http.get<{ revision: number; changes: DescribedChange[] }>(`/metadata/revisions/${n}/changes`).then((r) => r.changes),
  compare: (from: number, to: number) => http.get<DiffEntry[]>('/metadata/revisions/compare', { query: { from, to } }),
  restore: (n: number, basedOn?: number) => http.post<ChangeResult>(`/metadata/revisions/${n}/restore`, {}, ifMatch(basedOn)),
};
