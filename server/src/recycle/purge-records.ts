import type { Queryable } from '../db/database.ts';

/**
 * Removes records from the recycle bin for good, with what points at them (links as a lookup
 * target, unique claims) and a `purged` event each, in the caller's transaction. Only records
 * already in the bin are touched: a live record is never purged.
 */
export async function purgeDeleted(tx: Queryable, tenantId: string, actorId: string | null, where: { ids: string[] } | { olderThanDays: number }, objectId?: string): Promise<number> {
  const condition = 'ids' in where ? 'id = any($3::uuid[])' : `deleted_at < now() - make_interval(days => $3::int)`;
  const rows = await tx.query<{ n: number }>(
    `with gone as (
       delete from record where tenant_id = $1 and deleted_at is not null and ${condition} and ($4::text is null or object_id = $4)
       returning id, object_id),
     links as (delete from record_link l using gone g where l.tenant_id = $1 and l.target_id = g.id),
     claims as (delete from record_unique u using gone g where u.tenant_id = $1 and u.record_id = g.id),
     events as (
       insert into outbox (tenant_id, object_id, record_id, event, payload, actor_id)
       select $1, g.object_id, g.id, 'purged', '{}'::jsonb, $2 from gone g)
     select count(*)::int as n from gone`,
    [tenantId, actorId, 'ids' in where ? where.ids : where.olderThanDays, objectId ?? null],
  );
  return rows[0]?.n ?? 0;
}
