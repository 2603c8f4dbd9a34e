import { fromStoredValue, systemFieldIds, type FieldDef, type ObjectDef } from '@protean/metadata';
import type { TenantModel } from './tenant-model.ts';
import { applyReadFormulas } from '../logic/read-formulas.ts';

/** A record row as stored: values keyed by field id, picklists by value id. */
export interface RecordRow {
  id: string;
  object_id: string;
  version: number;
  data: Record<string, unknown>;
  created_at: string;
  created_by: string | null;
  updated_at: string;
  updated_by: string | null;
  deleted_at?: string | null;
  deleted_by?: string | null;
}

export type ApiRecord = Record<string, unknown>;

export { toStoredValue } from '@protean/metadata';

export function toApiRecord(model: TenantModel, object: ObjectDef, row: RecordRow, select?: readonly FieldDef[]): ApiRecord {
  const out: ApiRecord = {
    id: row.id,
    version: row.version,
    created_at: row.created_at,
    created_by: row.created_by,
    updated_at: row.updated_at,
    updated_by: row.updated_by,
  };
  if (row.deleted_at) {
    out['deleted_at'] = row.deleted_at;
    out['deleted_by'] = row.deleted_by ?? null;
  }
  for (const field of select ?? model.liveFields(object)) {
    // A selected system field (`fields=id,created_at`) is a record column, already set above.
    if (systemFieldIds.has(field.id)) continue;
    out[field.apiName] = fromStoredValue(field, row.data[field.id]) ?? null;
  }
  applyReadFormulas(model, object, row.data, out, select);
  return out;
}

/** The display name of a record: its name field, or its id when that is empty. */
export function recordName(object: ObjectDef, data: Record<string, unknown>, id: string): string {
  const value = data[object.nameFieldId];
  return typeof value === 'string' && value ? value : id;
}
