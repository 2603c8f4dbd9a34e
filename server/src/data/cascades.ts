import { slotOf, writeSlotOf, type FieldDef, type ObjectDef } from '@protean/metadata';
import type { Queryable } from '../db/database.ts';
import { conflict, limitExceeded } from '../errors/problems.ts';
import type { RecordRow } from './record-codec.ts';
import { releaseUniqueValues, writeOutbox } from './record-writes.ts';
import type { RequestContext, WriteScope } from './request-context.ts';

export const ROW_COLUMNS = 'id, object_id, version, data, created_at, created_by, updated_at, updated_by, deleted_at, deleted_by';
export const R_COLUMNS = ROW_COLUMNS.split(', ').map((c) => `r.${c}`).join(', ');
// Cascading deletes stop here rather than walk an unbounded graph in one transaction.
export const CASCADE_LIMIT = 10_000;
const MAX_DEPTH = 5;

/**
 * `from … where …` selecting the live records of `source` whose lookup `field` points at one of
 * `targetIds` ($1 tenant, $2 target ids). A lookup with an index slot is found through the
 * slot's index; any other through the record_link reverse index.
 */
export function referencing(tenantId: string, source: ObjectDef, field: FieldDef, targetIds: string[]): { sql: string; params: unknown[] } {
  const slot = slotOf(source, field.id);
  if (slot) {
    return {
      sql: `from record r where r.tenant_id = $1 and r.object_id = $3 and r.ix_${slot} = any($2::text[]) and r.deleted_at is null`,
      params: [tenantId, targetIds, source.id],
    };
  }
  return {
    sql: `from record_link l join record r on r.tenant_id = l.tenant_id and r.id = l.source_id
          where l.tenant_id = $1 and l.target_id = any($2::uuid[]) and l.field_id = $4 and r.object_id = $3 and r.deleted_at is null`,
    params: [tenantId, targetIds, source.id, field.id],
  };
}

/**
 * Soft delete with each incoming lookup's on-delete rule: restrict refuses, setNull clears,
 * cascade deletes too (bounded in count and depth). Returns how many records were deleted.
 */
export async function softDelete(ctx: RequestContext, scope: WriteScope, object: ObjectDef, rows: RecordRow[], depth = 0): Promise<number> {
  if (rows.length === 0) return 0;
  const { tx, model } = scope;
  const tenantId = ctx.principal.tenantId;
  const userId = ctx.principal.userId;
  const ids = rows.map((r) => r.id);
  let deleted = rows.length;
  for (const { object: source, field } of model.referencesTo(object)) {
    const from = referencing(tenantId, source, field, ids);
    const referencingRows = await tx.query<RecordRow>(`select ${R_COLUMNS} ${from.sql} and not (r.id = any($2::uuid[])) limit ${CASCADE_LIMIT + 1} for update of r`, from.params);
    if (referencingRows.length === 0) continue;
    const rule = field.lookup?.onDelete ?? 'restrict';
    if (rule === 'restrict') {
      const words = model.words(ctx.principal.locale);
      const said = { count: referencingRows.length, source: words.noun(source), object: words.noun(object), field: words.field(field) };
      throw conflict(words.say('restrict.detail', said), [
        { field: `${source.apiName}.${field.apiName}`, code: 'restrict', message: words.say('restrict.item', said), count: referencingRows.length },
      ]);
    }
    if (rule === 'setNull') await clearLookup(tx, tenantId, userId, source, field, ids, referencingRows);
    else {
      if (depth > MAX_DEPTH || deleted + referencingRows.length > CASCADE_LIMIT) throw limitExceeded(`Deleting this record would cascade to more than ${CASCADE_LIMIT} records`, 409);
      deleted += await softDelete(ctx, scope, source, referencingRows, depth + 1);
    }
  }
  await releaseUniqueValues(tx, tenantId, object, model.liveFields(object).filter((f) => f.unique), ids);
  await tx.query('update record set deleted_at = now(), deleted_by = $3, version = version + 1 where tenant_id = $1 and object_id = $4 and id = any($2::uuid[])', [tenantId, ids, userId, object.id]);
  await writeOutbox(tx, tenantId, object, 'deleted', rows.map((r) => ({ recordId: r.id, payload: { version: r.version + 1, cascade: depth > 0 } })), userId);
  return deleted;
}

async function clearLookup(tx: Queryable, tenantId: string, userId: string, source: ObjectDef, field: FieldDef, targetIds: string[], rows: RecordRow[]): Promise<void> {
  // A pending slot is cleared too: it must agree with the data when its backfill finishes.
  const slot = writeSlotOf(source, field.id);
  await tx.query(
    `update record set data = data - $3, version = version + 1, updated_at = now(), updated_by = $4${slot ? `, ix_${slot} = null` : ''}
      where tenant_id = $1 and object_id = $5 and id = any($2::uuid[])`,
    [tenantId, rows.map((r) => r.id), field.id, userId, source.id],
  );
  await tx.query('delete from record_link where tenant_id = $1 and target_id = any($2::uuid[]) and field_id = $3', [tenantId, targetIds, field.id]);
  await writeOutbox(tx, tenantId, source, 'updated', rows.map((r) => ({ recordId: r.id, payload: { version: r.version + 1, changes: { [field.id]: { from: r.data[field.id], to: null } }, cause: 'setNull' } })), userId);
}
