import type { Queryable } from '../db/database.ts';
import type { OutboxPosition } from './outbox-reader.ts';

// Advisory lock class of consumer checkpoints; the object id is the hash of the consumer's name.
const CHECKPOINT_LOCK = 4613;

/**
 * A new consumer starts at the beginning of the outbox, or `now`: after the last event every
 * transaction older than the running ones committed (what a webhook registered today wants).
 * Events of transactions still running lie after that position, so none is skipped.
 */
export async function ensureCheckpoint(q: Queryable, consumer: string, startAt: 'beginning' | 'now' = 'beginning'): Promise<void> {
  if (startAt === 'beginning') {
    await q.query('insert into outbox_checkpoint (consumer) values ($1) on conflict do nothing', [consumer]);
    return;
  }
  await q.query(
    `insert into outbox_checkpoint (consumer, txid, id)
     select $1, coalesce(t.txid, '0'::xid8), coalesce(t.id, 0)
       from (select 1) one left join lateral (
         select txid, id + coalesce(cardinality(record_ids), 1) - 1 as id from outbox
          where txid < pg_snapshot_xmin(pg_current_snapshot()) order by txid desc, outbox.id desc limit 1
       ) t on true
     on conflict do nothing`,
    [consumer],
  );
}

/**
 * The right to advance the consumer's position until the transaction ends; false when another
 * process of the same consumer holds it. An advisory lock rather than `for update`: locking a row
 * would give this transaction an id at once, and a transaction id held while the handler works
 * holds back every consumer's horizon (ADR 0006). The position must then be read in a statement
 * of its own, after this one: a snapshot taken before the lock could predate the commit of the
 * process that held it, and deliver its batch again.
 */
export async function lockCheckpoint(q: Queryable, consumer: string): Promise<boolean> {
  const [lock] = await q.query<{ locked: boolean }>(`select pg_try_advisory_xact_lock(${CHECKPOINT_LOCK}, hashtext($1)) as locked`, [consumer]);
  return lock?.locked === true;
}

/** The consumer's position, with the right to advance it (see `lockCheckpoint`); undefined when another process holds it. */
export async function claimCheckpoint(q: Queryable, consumer: string): Promise<OutboxPosition | undefined> {
  if (!(await lockCheckpoint(q, consumer))) return undefined;
  const [row] = await q.query<{ txid: string; id: number }>('select txid::text as txid, id from outbox_checkpoint where consumer = $1', [consumer]);
  if (!row) throw new Error(`No checkpoint for outbox consumer '${consumer}'`);
  return row;
}

export async function advanceCheckpoint(q: Queryable, consumer: string, to: OutboxPosition): Promise<void> {
  await q.query('update outbox_checkpoint set txid = $2::xid8, id = $3, updated_at = now() where consumer = $1', [consumer, to.txid, to.id]);
}
