import type { DiffEntry } from '@protean/metadata';
import type { Queryable } from '../db/database.ts';

/**
 * Outbox events about the model rather than one record, written in the transaction of the
 * change they describe. Record events (created, updated, deleted, restored) are written by the
 * save pipeline; these are the others a user or an integration can observe.
 */
export type ModelEvent =
  /** A new metadata revision: its number and a summary of its diff (what changed, not the values). */
  | { event: 'metadata.revision'; objectId?: undefined; payload: { revision: number; message: string | null; changes: DiffSummary[] } }
  /** A deleted field's stored values dropped for good from `records` records of its object. */
  | { event: 'field.purged'; objectId: string; payload: { fieldId: string; apiName: string; records: number } }
  /** A deleted object's `records` records deleted for good with it (deleteObject with records "delete"). */
  | { event: 'object.records_deleted'; objectId: string; payload: { apiName: string; records: number } };

export interface DiffSummary {
  kind: DiffEntry['kind'];
  action: DiffEntry['action'];
  id: string;
  apiName: string;
  objectId?: string;
  /** The properties that changed (JSON pointers), without their values. */
  paths?: string[];
}

export function summariseDiff(diff: readonly DiffEntry[]): DiffSummary[] {
  return diff.map((entry) => ({
    kind: entry.kind,
    action: entry.action,
    id: entry.id,
    apiName: entry.apiName,
    ...(entry.objectId ? { objectId: entry.objectId } : {}),
    ...(entry.changes?.length ? { paths: entry.changes.map((c) => c.path) } : {}),
  }));
}

export async function writeModelEvent(tx: Queryable, tenantId: string, event: ModelEvent, actorId: string | null): Promise<void> {
  await tx.query('insert into outbox (tenant_id, object_id, record_id, event, payload, actor_id) values ($1, $2, null, $3, $4, $5)', [
    tenantId,
    event.objectId ?? null,
    event.event,
    JSON.stringify(event.payload),
    actorId,
  ]);
}
