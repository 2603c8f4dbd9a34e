import { enc, http } from './http.ts';
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
  change: (request: ChangeRequest) => http.post<ChangeResult>('/metadata/changes', request),
  createObject: (object: Partial<ObjectDef>) => http.post<ChangeResult>('/metadata/objects', object),
  updateObject: (object: string, patch: Partial<ObjectDef>) => http.patch<ChangeResult>(`/metadata/objects/${enc(object)}`, patch),
  /** `records`: keep them stored for a restore (the default) or delete them for good in the same change. */
  deleteObject: (object: string, records?: 'keep' | 'delete') => http.delete<ChangeResult>(`/metadata/objects/${enc(object)}`, { query: { records } }),
  createField: (object: string, field: unknown) => http.post<ChangeResult>(`/metadata/objects/${enc(object)}/fields`, field),
  updateField: (object: string, field: string, patch: unknown) =>
    http.patch<ChangeResult>(`/metadata/objects/${enc(object)}/fields/${enc(field)}`, patch),
  deleteField: (object: string, field: string) => http.delete<ChangeResult>(`/metadata/objects/${enc(object)}/fields/${enc(field)}`),
  putLayout: (layout: LayoutDef) => http.put<ChangeResult>(`/metadata/layouts/${enc(layout.id)}`, layout),
  deleteLayout: (id: string) => http.delete<ChangeResult>(`/metadata/layouts/${enc(id)}`),
  revisions: () => http.get<RevisionSummary[]>('/metadata/revisions'),
  revision: (n: number) => http.get<RevisionDetail>(`/metadata/revisions/${n}`),
  /** What one revision changed, in sentences with the tenant's terms, in the request's language. */
  changes: (n: number) => http.get<{ revision: number; changes: DescribedChange[] }>(`/metadata/revisions/${n}/changes`).then((r) => r.changes),
  compare: (from: number, to: number) => http.get<DiffEntry[]>('/metadata/revisions/compare', { query: { from, to } }),
  restore: (n: number) => http.post<ChangeResult>(`/metadata/revisions/${n}/restore`, {}),
};
