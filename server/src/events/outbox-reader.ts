import type { Queryable } from '../db/database.ts';

/** Where a consumer stands: the last event it has been given, in (txid, id) order. */
export interface OutboxPosition {
  /** The writing transaction's id (xid8), as text: it can exceed 2^53. */
  txid: string;
  id: number;
}

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
 * `$3` on; a row of created records names them in `o.record_ids`, any other row its record in
 * `o.record_id`; the handler gets every event of a wanted row), evaluated in the statement that
 * reads the batch, so it sees exactly the rows
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
  /** Whether events visible now are left after the batch. */
  more: boolean;
}

/**
 * Most events one outbox row carries. The row's id is the first event's, and the ids after it up
 * to this many are the row's own: the identity advances by this much a row (migration 68), so an
 * event's id and its position stay stable and in commit order wherever a row ends.
 */
export const EVENTS_PER_ROW = 1024;

const EVENTS_OF_ROW = 'coalesce(cardinality(x.record_ids), 1)';
// The row's first event after the checkpoint: its first, but in the row the checkpoint stands in.
const FIRST_AFTER = 'case when x.txid = c.txid and x.id <= c.id then c.id + 1 else x.id end';

/**
 * The outbox rows holding the next events after the checkpoint `c` (in scope where this is
 * used), in (txid, id) order, as far as `$2` events go: each with the first event it gives
 * (`first_id`), how many it has from there (`remaining`) and how many this batch takes (`taken`). A row of created records (`record_ids`) holds one event per
 * record, in order; every other row is one event. A row the checkpoint stands in gives the rest.
 * One row more than can be taken is read, so `available` (the events of every row read) says
 * whether events are left after the batch: a bulk insert's row of a thousand events filled a batch
 * to its limit, and its consumer read again at once and found nothing, a batch in vain per row.
 */
const ROWS_AFTER_CHECKPOINT = `
  select x.*, least(x.remaining, $2 - x.before) as taken
    from (
      select x.*, (sum(x.remaining) over (order by x.txid, x.id rows between unbounded preceding and current row) - x.remaining)::bigint as before,
             (sum(x.remaining) over ())::bigint as available
        from (
          select x.*, ${FIRST_AFTER} as first_id, x.id + ${EVENTS_OF_ROW} - (${FIRST_AFTER}) as remaining
            from outbox x
           where (x.txid, x.id) > (c.txid, c.id - ${EVENTS_PER_ROW - 1}) and (x.txid, x.id + ${EVENTS_OF_ROW} - 1) > (c.txid, c.id)
             and x.txid < pg_snapshot_xmin(pg_current_snapshot())
           order by x.txid, x.id
           limit $2 + 1
        ) x
    ) x
   where x.before < $2`;

/**
 * The consumer's checkpoint and the events after it, in one statement: a batch is a transaction
 * of round trips on the system connection, and under a stream of writes every consumer runs one
 * every few milliseconds (ADR 0018). Call it after `lockCheckpoint`, as a statement of its own, so
 * its snapshot is taken after the lock was granted. A filter is judged once per outbox row: only
 * the wanted rows are expanded into events, and the batch's last event comes back whatever it is,
 * to say where the batch ends.
 */
export async function readAfterCheckpoint(q: Queryable, consumer: string, limit: number, filter?: OutboxFilter): Promise<OutboxBatch> {
  const batch = `
    select o.first_id + g.n - 1 as id, o.tenant_id, o.object_id, coalesce(o.record_ids[o.first_id - o.id + g.n], o.record_id) as record_id,
           o.event, o.payload, o.actor_id, o.occurred_at, o.txid::text as txid_text, o.wanted, o.is_last and g.n = o.taken as last, o.scanned, o.available
      from (
        select o.*, (${filter?.sql ?? 'true'}) as wanted,
               row_number() over (order by o.txid desc, o.id desc) = 1 as is_last, (sum(o.taken) over ())::bigint as scanned
          from (${ROWS_AFTER_CHECKPOINT}) o
      ) o
      cross join lateral generate_series(case when o.wanted then 1 else o.taken end, o.taken) as g(n)
     where o.wanted or o.is_last
     order by o.txid, o.id, g.n`;
  const rows = await q.query<{ at_txid: string; at_id: number; wanted: boolean | null; last: boolean | null; scanned: number | string | null; available: number | string | null } & { [K in keyof OutboxRow]: OutboxRow[K] | null }>(
    `select c.txid::text as at_txid, c.id as at_id, e.id, e.tenant_id, e.object_id, e.record_id, e.event, e.payload, e.actor_id, e.occurred_at, e.txid_text, e.wanted, e.last, e.scanned, e.available
       from outbox_checkpoint c
       left join lateral (${batch}) e on true
      where c.consumer = $1`,
    [consumer, limit, ...(filter?.params ?? [])],
  );
  const first = rows[0];
  if (!first) throw new Error(`No checkpoint for outbox consumer '${consumer}'`);
  const at = { txid: first.at_txid, id: Number(first.at_id) };
  if (first.id === null) return { at, events: [], last: undefined, scanned: 0, more: false };
  const events = rows.filter((r) => r.wanted).map((r) => toEvent(r as OutboxRow));
  const end = rows[rows.length - 1]!;
  return { at, events, last: { txid: end.txid_text!, id: Number(end.id) }, scanned: Number(end.scanned), more: Number(end.available) > Number(end.scanned) };
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
