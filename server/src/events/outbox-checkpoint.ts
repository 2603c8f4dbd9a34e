import type { Queryable } from '../db/database.ts';
import type { OutboxPosition } from './outbox-reader.ts';

// Advisory lock class of consumer checkpoints; the object id is the hash of the consumer's name.
const CHECKPOINT_LOCK = 4613;

export async function ensureCheckpoint(q: Queryable, consumer: string): Promise<void> {
  await q.query('insert into outbox_checkpoint (consumer) values ($1) on conflict do nothing', [consumer]);
}

/**
 * The consumer's position, with the right to advance it until the transaction ends; undefined
 * when another process of the same consumer holds it. An advisory lock rather than `for update`:
 * locking a row would give this transaction an id at once, and a transaction id held while the
 * handler works holds back every consumer's horizon (ADR 0006).
 */
export async function claimCheckpoint(q: Queryable, consumer: string): Promise<OutboxPosition | undefined> {
  const rows = await q.query<{ locked: boolean; txid: string | null; id: number | null }>(
    `select l.locked, c.txid::text as txid, c.id
       from (select pg_try_advisory_xact_lock(${CHECKPOINT_LOCK}, hashtext($1)) as locked) l
       left join outbox_checkpoint c on l.locked and c.consumer = $1`,
    [consumer],
  );
  const row = rows[0];
  if (!row?.locked) return undefined;
  if (row.txid === null || row.id === null) throw new Error(`No checkpoint for outbox consumer '${consumer}'`);
  return { txid: row.txid, id: row.id };
}

export async function advanceCheckpoint(q: Queryable, consumer: string, to: OutboxPosition): Promise<void> {
  await q.query('update outbox_checkpoint set txid = $2::xid8, id = $3, updated_at = now() where consumer = $1', [consumer, to.txid, to.id]);
}
