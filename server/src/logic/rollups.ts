import { literal } from '../data/sql/field-sql.ts';
import { slotOf, writeSlotOf, type ObjectDef } from '@protean/metadata';
import type { Queryable } from '../db/database.ts';
import type { SaveEvent } from '../data/save-hooks.ts';
import type { RollupTarget } from './object-logic.ts';

/*
 * Roll-ups are kept exact under concurrent child writes by the parent's row lock: a child's
 * change reaches its parent as one UPDATE whose new value is computed by Postgres from the row's
 * current value (count and sum: add the change; min and max: keep the better one). A second
 * transaction's UPDATE waits for the first to commit and then applies to the committed value.
 * Only when the child holding a min or max leaves does the parent get recomputed from its
 * children, after taking the same lock, so the scan sees every committed child.
 */

interface Contribution {
  parentId: string;
  /** The child's summed value (count: 1) while it counts, as JSON text for exact numeric arithmetic. */
  value: string | null;
}

function contribution(target: RollupTarget, data: Readonly<Record<string, unknown>> | undefined, timeZone: string): Contribution | null {
  if (!data) return null;
  const parentId = data[target.lookupFieldId];
  if (typeof parentId !== 'string') return null;
  // The filter reads only the child's own stored fields (checked when the roll-up was saved). A
  // child it cannot be evaluated for (a division by zero in it) does not count, rather than fail the write.
  if (target.filter) {
    try {
      if (!target.filter.test({ record: data, timeZone })) return null;
    } catch {
      return null;
    }
  }
  if (target.function === 'count') return { parentId, value: '1' };
  const v = data[target.summedFieldId!];
  if (v === undefined || v === null) return target.function === 'sum' ? null : { parentId, value: null };
  return { parentId, value: typeof v === 'number' ? String(v) : JSON.stringify(v) };
}

function slotAssignment(parent: ObjectDef, target: RollupTarget, valueSql: string): string {
  const slot = writeSlotOf(parent, target.field.id);
  if (!slot) return '';
  if (slot.startsWith('n')) return `, ix_${slot} = (${valueSql} #>> '{}')::float8`;
  if (slot.startsWith('d')) return `, ix_${slot} = (case when length(${valueSql} #>> '{}') = 10 then (${valueSql} #>> '{}') || 'T00:00:00Z' else ${valueSql} #>> '{}' end)::timestamptz`;
  return '';
}

export async function updateRollups(event: SaveEvent, targets: RollupTarget[]): Promise<void> {
  const tenantId = event.ctx.principal.tenantId;
  const tx = event.scope.tx;
  // Every roll-up a parent gets from this save is one UPDATE of that parent (one row version, one round trip).
  const byParent = new Map<string, { parent: ObjectDef; parentId: string; items: { target: RollupTarget; d: Delta }[] }>();
  const rescans: { target: RollupTarget; parentId: string }[] = [];
  for (const target of targets) {
    for (const [parentId, d] of deltasOf(event, target)) {
      // The extreme may have left with a child: only a scan of the children can say what the new one is.
      if ((target.function === 'min' || target.function === 'max') && d.removed) {
        rescans.push({ target, parentId });
        continue;
      }
      const key = `${target.parent.id}:${parentId}`;
      let entry = byParent.get(key);
      if (!entry) byParent.set(key, (entry = { parent: target.parent, parentId, items: [] }));
      entry.items.push({ target, d });
    }
  }
  // Parents in id order, so two transactions touching the same parents never wait on each other in a circle.
  for (const key of [...byParent.keys()].sort()) {
    const { parent, parentId, items } = byParent.get(key)!;
    const params: unknown[] = [tenantId, parent.id, parentId];
    const p = (value: unknown) => `$${params.push(value)}`;
    let data = 'data';
    let slots = '';
    for (const { target, d } of items) {
      const f = p(target.field.id);
      let value: string;
      if (target.function === 'count' || target.function === 'sum') {
        if (d.add.length === 0 && d.sub.length === 0) continue;
        value = `to_jsonb(coalesce((data->>${f})::numeric, 0) + (select coalesce(sum(x::numeric), 0) from unnest(${p(d.add)}::text[]) x) - (select coalesce(sum(x::numeric), 0) from unnest(${p(d.sub)}::text[]) x))`;
      } else {
        if (d.add.length === 0) continue;
        let best = d.add[0]!;
        for (const c of d.add) if (target.function === 'min' ? compareRollup(c, best) < 0 : compareRollup(c, best) > 0) best = c;
        const pick = target.function === 'min' ? 'least' : 'greatest';
        value = numericRollup(target)
          ? `to_jsonb(${pick}(coalesce((data->>${f})::numeric, ${p(best)}::numeric), ${p(best)}::numeric))`
          : `to_jsonb(${pick}(coalesce(data->>${f}, ${p(JSON.parse(best))}::text), ${p(JSON.parse(best))}::text))`;
      }
      data = `jsonb_set(${data}, array[${f}::text], ${value})`;
      slots += slotAssignment(parent, target, value);
    }
    if (data === 'data') continue;
    await tx.query(`update record set data = ${data}${slots} where tenant_id = $1 and object_id = $2 and id = $3`, params);
  }
  for (const { target, parentId } of rescans.sort((a, b) => a.parentId.localeCompare(b.parentId))) await recomputeRollup(tx, tenantId, target, [parentId]);
}

interface Delta {
  /** Values that now count (count: '1' each), as JSON text. */
  add: string[];
  /** Values that no longer count. */
  sub: string[];
  /** A child that counted before this save stopped counting for this parent, or changed its value. */
  removed: boolean;
}

function deltasOf(event: SaveEvent, target: RollupTarget): Map<string, Delta> {
  const deltas = new Map<string, Delta>();
  const entry = (id: string) => {
    let e = deltas.get(id);
    if (!e) deltas.set(id, (e = { add: [], sub: [], removed: false }));
    return e;
  };
  for (const draft of event.records) {
    const before = event.action === 'create' || event.action === 'restore' ? null : contribution(target, draft.previous ?? (event.action === 'delete' ? draft.data : undefined), 'UTC');
    const after = event.action === 'delete' ? null : contribution(target, draft.data, 'UTC');
    if (before && after && before.parentId === after.parentId && before.value === after.value) continue;
    if (before) {
      const e = entry(before.parentId);
      if (before.value !== null) {
        e.sub.push(before.value);
        e.removed = true;
      }
    }
    if (after && after.value !== null) entry(after.parentId).add.push(after.value);
  }
  return deltas;
}

function compareRollup(a: string, b: string): number {
  const x = Number(a);
  const y = Number(b);
  if (Number.isFinite(x) && Number.isFinite(y)) return x - y;
  return a < b ? -1 : a > b ? 1 : 0;
}

async function writeValue(tx: Queryable, tenantId: string, target: RollupTarget, parentId: string, value: string | null): Promise<void> {
  const v = `$4::jsonb`;
  await tx.query(
    `update record set data = case when $4::jsonb is null then data - $5 else jsonb_set(data, array[$5], ${v}) end${slotAssignment(target.parent, target, v)}
      where tenant_id = $1 and object_id = $2 and id = $3`,
    [tenantId, target.parent.id, parentId, value === null ? null : value, target.field.id],
  );
}

/**
 * Recomputes a roll-up of some parents from their children (a new or changed definition, or a
 * min/max whose child left). Locks the parents first, so children committed meanwhile are seen.
 */
export async function recomputeRollup(tx: Queryable, tenantId: string, target: RollupTarget, parentIds: string[]): Promise<void> {
  if (parentIds.length === 0) return;
  const sorted = [...parentIds].sort();
  await tx.query('select id from record where tenant_id = $1 and object_id = $2 and id = any($3::uuid[]) order by id for no key update', [tenantId, target.parent.id, sorted]);
  const values = new Map<string, string | null>(sorted.map((id) => [id, target.function === 'count' || target.function === 'sum' ? '0' : null]));
  const children = childrenOf(target);
  if (!target.filter) {
    const summed = literal(target.summedFieldId ?? '');
    const agg =
      target.function === 'count' ? 'count(*)::text'
      : target.function === 'sum' ? `coalesce(sum((c.data->>${summed})::numeric), 0)::text`
      : numericRollup(target) ? `${target.function}((c.data->>${summed})::numeric)::text`
      : `${target.function}(c.data->>${summed})`;
    const rows = await tx.query<{ target_id: string; v: string | null }>(`select ${children.parent} as target_id, ${agg} as v ${children.from} group by 1`, [tenantId, target.child.id, sorted]);
    for (const r of rows) values.set(r.target_id, decodeExtreme(target, r.v));
  } else {
    const rows = await tx.query<{ target_id: string; data: Record<string, unknown> }>(`select ${children.parent} as target_id, c.data ${children.from}`, [tenantId, target.child.id, sorted]);
    const summed: { ids: string[]; values: string[] } = { ids: [], values: [] };
    for (const r of rows) {
      const c = contribution(target, r.data, 'UTC');
      if (!c || c.value === null) continue;
      if (target.function === 'count' || target.function === 'sum') {
        summed.ids.push(r.target_id);
        summed.values.push(c.value);
      } else {
        const best = values.get(r.target_id) ?? null;
        if (best === null || (target.function === 'min' ? compareRollup(c.value, best) < 0 : compareRollup(c.value, best) > 0)) values.set(r.target_id, c.value);
      }
    }
    // Summed as numeric, as the incremental updates are: adding doubles in JavaScript made 30.3 − 10.1 come out 20.199999999999996.
    if (summed.ids.length) {
      const sums = await tx.query<{ id: string; v: string }>('select id::text as id, sum(v::numeric)::text as v from unnest($1::uuid[], $2::text[]) as t(id, v) group by 1', [summed.ids, summed.values]);
      for (const r of sums) values.set(r.id, r.v);
    }
  }
  for (const id of sorted) await writeValue(tx, tenantId, target, id, values.get(id) ?? null);
}

/**
 * The live children of some parents ($1 tenant, $2 child object, $3 parent ids): through the
 * lookup's index slot when it has one, else through the link table (lookups are in one or the other).
 */
function childrenOf(target: RollupTarget): { parent: string; from: string } {
  const slot = slotOf(target.child, target.lookupFieldId);
  if (slot) {
    return { parent: `c.ix_${slot}::uuid`, from: `from record c where c.tenant_id = $1 and c.object_id = $2 and c.ix_${slot} = any($3::text[]) and c.deleted_at is null` };
  }
  return {
    parent: 'l.target_id',
    from: `from record_link l join record c on c.tenant_id = l.tenant_id and c.id = l.source_id
      where l.tenant_id = $1 and c.object_id = $2 and l.field_id = ${literal(target.lookupFieldId)} and l.target_id = any($3::uuid[]) and c.deleted_at is null`,
  };
}

/** min and max of dates and date-times compare their ISO text; of numbers, their numeric value. */
function numericRollup(target: RollupTarget): boolean {
  return (target.field.rollup?.resultType ?? 'number') === 'number';
}

/** An aggregate's text → the JSON text stored (dates as JSON strings). */
function decodeExtreme(target: RollupTarget, v: string | null): string | null {
  if (v === null) return null;
  if (target.function === 'count' || target.function === 'sum' || numericRollup(target)) return v;
  return JSON.stringify(v);
}
