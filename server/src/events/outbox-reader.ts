import type { Queryable } from '../db/database.ts';

/** Where a consumer stands: the last event it has been given, in (txid, id) order. */
export interface OutboxPosition {
  /** The writing transaction's id (xid8), as text: it can exceed 2^53. */
  txid: string;
  id: number;
}

export const OUTBOX_START: OutboxPosition = { txid: '0', id: 0 };

/** One event as consumers see it; `id` is stable: a redelivery carries the same id. */
export interface OutboxEvent {
  id: number;
  tenantId: string;
  /** The record's object; null for events about the model itself (`metadata.revision`). */
  objectId: string | null;
  recordId: string | null;
  event: string;
  payload: unknown;
  actorId: string | null;
  occurredAt: string;
  position: OutboxPosition;
}

interface OutboxRow {
  id: number;
  tenant_id: string;
  object_id: string | null;
  record_id: string | null;
  event: string;
  payload: unknown;
  actor_id: string | null;
  occurred_at: string;
  txid_text: string;
}

/**
 * Events after `after`, written by transactions that ended before the oldest one still running
 * began (ADR 0006). Every transaction below that horizon is over, so no event can still appear
 * below it: once read past, a position never has an event committed behind it. Reads across
 * tenants, so `q` is the system connection.
 */
export async function readOutbox(q: Queryable, after: OutboxPosition, limit: number): Promise<OutboxEvent[]> {
  const rows = await q.query<OutboxRow>(
    // The text form gets a name of its own: `order by txid` would otherwise sort by that text
    // ('10214' before '1616'), not by the transaction id.
    `select id, tenant_id, object_id, record_id, event, payload, actor_id, occurred_at, txid::text as txid_text
       from outbox
      where (txid, id) > ($1::xid8, $2::bigint) and txid < pg_snapshot_xmin(pg_current_snapshot())
      order by outbox.txid, outbox.id
      limit $3`,
    [after.txid, after.id, limit],
  );
  return rows.map(toEvent);
}

const toEvent = (r: OutboxRow): OutboxEvent => ({
  id: r.id,
  tenantId: r.tenant_id,
  objectId: r.object_id,
  recordId: r.record_id,
  event: r.event,
  payload: r.payload,
  actorId: r.actor_id,
  occurredAt: r.occurred_at,
  position: { txid: r.txid_text, id: r.id },
});

/**
 * Which events a consumer wants: an SQL condition over the outbox row `o` (its parameters are
 * `$3` on), evaluated in the statement that reads the batch, so it sees exactly the rows
 * committed before the events it judges (a webhook registered before an event is seen with it).
 * Events it refuses are passed over: the checkpoint moves past them, and the server neither
 * receives nor parses them.
 */
export interface OutboxFilter {
  sql: string;
  params?: readonly unknown[];
  /**
   * For a filter made from the process' memory (not from rows the statement sees): false when
   * that memory changed while the batch was read, which is then read again with a new filter.
   */
  current?: () => boolean;
}

/** A batch as read: the events wanted, where the batch ends, and how many events it passed over or took. */
export interface OutboxBatch {
  at: OutboxPosition;
  events: OutboxEvent[];
  /** The last event of the batch, wanted or not; undefined when the batch is empty. */
  last: OutboxPosition | undefined;
  scanned: number;
}

const EVENT_COLUMNS = 'o.id, o.tenant_id, o.object_id, o.record_id, o.event, o.payload, o.actor_id, o.occurred_at, o.txid::text as txid_text';

/**
 * The consumer's checkpoint and the events after it (as `readOutbox`), in one statement: a batch
 * is a transaction of round trips on the system connection, and under a stream of writes every
 * consumer runs one every few milliseconds (ADR 0018). Call it after `lockCheckpoint`, as a
 * statement of its own, so its snapshot is taken after the lock was granted. With a filter only
 * the wanted events come back, and the batch's last event whatever it is, to say where it ends.
 */
export async function readAfterCheckpoint(q: Queryable, consumer: string, limit: number, filter?: OutboxFilter): Promise<OutboxBatch> {
  const after = `from outbox o
          where (o.txid, o.id) > (c.txid, c.id) and o.txid < pg_snapshot_xmin(pg_current_snapshot())
          order by o.txid, o.id
          limit $2`;
  const batch = filter
    ? `select w.* from (
         select ${EVENT_COLUMNS}, o.txid, (${filter.sql}) as wanted,
                row_number() over (order by o.txid, o.id) = count(*) over () as last, count(*) over () as scanned
           from (select * ${after}) o
       ) w where w.wanted or w.last
       order by w.txid, w.id`
    : `select ${EVENT_COLUMNS}, true as wanted, false as last, 0 as scanned ${after}`;
  const rows = await q.query<{ at_txid: string; at_id: number; wanted: boolean | null; last: boolean | null; scanned: number | string | null } & { [K in keyof OutboxRow]: OutboxRow[K] | null }>(
    `select c.txid::text as at_txid, c.id as at_id, e.id, e.tenant_id, e.object_id, e.record_id, e.event, e.payload, e.actor_id, e.occurred_at, e.txid_text, e.wanted, e.last, e.scanned
       from outbox_checkpoint c
       left join lateral (${batch}) e on true
      where c.consumer = $1`,
    [consumer, limit, ...(filter?.params ?? [])],
  );
  const first = rows[0];
  if (!first) throw new Error(`No checkpoint for outbox consumer '${consumer}'`);
  const at = { txid: first.at_txid, id: Number(first.at_id) };
  if (first.id === null) return { at, events: [], last: undefined, scanned: 0 };
  const events = rows.filter((r) => r.wanted).map((r) => toEvent(r as OutboxRow));
  const end = rows[rows.length - 1]!;
  return { at, events, last: { txid: end.txid_text!, id: Number(end.id) }, scanned: filter ? Number(end.scanned) : rows.length };
}

/**
 * True when events after `after` are committed but held behind the horizon by an older
 * transaction still running: the reader should look again soon rather than wait for a notice.
 * Such events belong to transactions between the running ones, so each gap between two running
 * transaction ids (and between the last and the snapshot's xmax) is probed by the index alone.
 * Asking for any visible event at or above the horizon walked every entry of the transactions
 * still writing instead, each with a heap visit: under a bulk insert, a thousand or more entries
 * a call and ~16 µs of Postgres time per inserted record (ADR 0018). Every event above the
 * horizon lies after the checkpoint, which never passes the horizon it was read under.
 */
export async function outboxHeldBack(q: Queryable): Promise<boolean> {
  const rows = await q.query<{ held: boolean }>(
    `with gaps as (
       select lag(x) over (order by x) as lo, x as hi
         from (select pg_snapshot_xip(pg_current_snapshot()) as x union all select pg_snapshot_xmax(pg_current_snapshot())) xs
     )
     select exists (select 1 from gaps g where g.lo is not null and exists (select 1 from outbox o where o.txid > g.lo and o.txid < g.hi)) as held`,
  );
  return rows[0]?.held === true;
}
