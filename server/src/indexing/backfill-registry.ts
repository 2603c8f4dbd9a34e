import type { IndexSlot, Snapshot } from '@protean/metadata';
import type { Queryable } from '../db/database.ts';

export type BackfillStatus = 'running' | 'done' | 'cancelled';

interface SlotEntry {
  o: string;
  s: string;
  f: string;
}

const entriesOf = (snapshot: Snapshot, which: 'indexSlots' | 'pendingIndexSlots'): SlotEntry[] =>
  snapshot.objects.flatMap((object) => Object.entries(object[which] ?? {}).map(([slot, fieldId]) => ({ o: object.id, s: slot, f: fieldId })));

/**
 * Brings the backfill rows in line with a revision, in that revision's transaction: a slot that
 * became pending gets a running backfill (restarted when the slot now waits for another field),
 * and a running one whose slot no longer waits for its field ends, as done when the field now
 * holds the slot, else as cancelled.
 */
export async function syncBackfills(tx: Queryable, tenantId: string, current: Snapshot, next: Snapshot): Promise<void> {
  const pending = entriesOf(next, 'pendingIndexSlots');
  const waiting = new Set(entriesOf(current, 'pendingIndexSlots').map((e) => `${e.o}/${e.s}/${e.f}`));
  const listed = (param: string) => `exists (select 1 from jsonb_to_recordset(${param}::jsonb) e(o text, s text, f text) where e.o = b.object_id and e.s = b.slot and e.f = b.field_id)`;
  // A finished copy counts what it copied: rows deleted meanwhile leave the count it started with.
  await tx.query(
    `update index_backfill b
        set status = case when ${listed('$2')} then 'done' else 'cancelled' end,
            total = case when ${listed('$2')} then done else total end,
            updated_at = now()
      where tenant_id = $1 and status = 'running' and not ${listed('$3')}`,
    [tenantId, JSON.stringify(entriesOf(next, 'indexSlots')), JSON.stringify(pending)],
  );
  for (const { o, s, f } of pending) {
    if (waiting.has(`${o}/${s}/${f}`)) continue;
    await tx.query(
      `insert into index_backfill (tenant_id, object_id, slot, field_id, total, status)
       values ($1, $2, $3, $4, (select count(*) from record where tenant_id = $1 and object_id = $2), 'running')
       on conflict (tenant_id, object_id, slot) do update
         set field_id = excluded.field_id, total = excluded.total, done = 0, last_id = null, status = 'running', started_at = now(), updated_at = now()
         where index_backfill.field_id <> excluded.field_id or index_backfill.status <> 'running'`,
      [tenantId, o, s, f],
    );
  }
}

export interface BackfillRow {
  objectId: string;
  slot: IndexSlot;
  fieldId: string;
  total: number;
  done: number;
  status: BackfillStatus;
  startedAt: string;
  updatedAt: string;
}

/** A tenant's backfills, newest first. */
export async function listBackfills(q: Queryable, tenantId: string): Promise<BackfillRow[]> {
  const rows = await q.query<{ object_id: string; slot: IndexSlot; field_id: string; total: string; done: string; status: BackfillStatus; started_at: Date | string; updated_at: Date | string }>(
    'select object_id, slot, field_id, total, done, status, started_at, updated_at from index_backfill where tenant_id = $1 order by started_at desc, object_id, slot',
    [tenantId],
  );
  return rows.map((r) => ({
    objectId: r.object_id,
    slot: r.slot,
    fieldId: r.field_id,
    total: Number(r.total),
    done: Number(r.done),
    status: r.status,
    startedAt: new Date(r.started_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  }));
}
