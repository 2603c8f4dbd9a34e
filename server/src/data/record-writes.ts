import type { FieldDef, ObjectDef } from '@protean/metadata';
import type { Queryable } from '../db/database.ts';
import { conflict, validationError, type FieldProblem } from '../errors/problems.ts';
import type { TenantModel } from './tenant-model.ts';
import type { Words } from '../metadata/words.ts';

/** Uniqueness is case-insensitive for text and canonical for numbers. */
export function uniqueKey(field: FieldDef, value: unknown): string | null {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'string') return field.type === 'datetime' ? value : value.trim().toLowerCase();
  if (typeof value === 'number') return String(value);
  return JSON.stringify(value);
}

export interface PendingRecord {
  id: string;
  data: Record<string, unknown>;
  /** Index in a batch, to point errors at the item. */
  index?: number;
}

/** Claims unique values for many records at once; a clash (with the table or within the batch) is a 409 naming the field. */
export async function claimUniqueValues(tx: Queryable, tenantId: string, object: ObjectDef, fields: FieldDef[], records: PendingRecord[], words?: Words): Promise<void> {
  const problems: FieldProblem[] = [];
  for (const field of fields) {
    const seen = new Map<string, PendingRecord>();
    const keys: string[] = [];
    const ids: string[] = [];
    for (const record of records) {
      const key = uniqueKey(field, record.data[field.id]);
      if (key === null) continue;
      if (seen.has(key)) {
        problems.push(uniqueProblem(field, record, words));
        continue;
      }
      seen.set(key, record);
      keys.push(key);
      ids.push(record.id);
    }
    if (keys.length === 0) continue;
    const claimed = await tx.query<{ value_key: string }>(
      `insert into record_unique (tenant_id, object_id, field_id, value_key, record_id)
       select $1, $2, $3, k, i from unnest($4::text[], $5::uuid[]) as t(k, i)
       on conflict do nothing returning value_key`,
      [tenantId, object.id, field.id, keys, ids],
    );
    if (claimed.length !== keys.length) {
      const won = new Set(claimed.map((c) => c.value_key));
      for (const key of keys) if (!won.has(key)) problems.push(uniqueProblem(field, seen.get(key)!, words));
    }
  }
  if (problems.length) throw conflict(`${problems.length === 1 ? 'A value' : 'Values'} must be unique`, problems);
}

function uniqueProblem(field: FieldDef, record: PendingRecord, words: Words | undefined): FieldProblem {
  const message = words ? words.say('unique.taken', { field: words.field(field) }) : `another record already has this ${field.apiName}`;
  return { field: field.apiName, code: 'unique', message, ...(record.index !== undefined ? { index: record.index } : {}) };
}

export async function releaseUniqueValues(tx: Queryable, tenantId: string, object: ObjectDef, field: FieldDef, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  await tx.query('delete from record_unique where tenant_id = $1 and object_id = $2 and field_id = $3 and value_key = any($4::text[])', [tenantId, object.id, field.id, keys]);
}

/** Every lookup value must name a live record of the target object in this tenant; other tenants' ids look exactly like missing ones. */
export async function checkLookups(tx: Queryable, model: TenantModel, object: ObjectDef, records: PendingRecord[], locale?: string): Promise<void> {
  const words = model.words(locale);
  const lookups = model.liveFields(object).filter((f) => f.type === 'lookup');
  if (lookups.length === 0) return;
  const wanted = new Set<string>();
  for (const record of records) for (const field of lookups) {
    const value = record.data[field.id];
    if (typeof value === 'string') wanted.add(value);
  }
  if (wanted.size === 0) return;
  const found = await tx.query<{ id: string; object_id: string }>(
    'select id, object_id from record where tenant_id = $1 and object_id = any($3::text[]) and id = any($2::uuid[]) and deleted_at is null',
    [model.tenantId, [...wanted], lookups.map((f) => f.lookup?.objectId ?? '')],
  );
  const objectOf = new Map(found.map((row) => [row.id, row.object_id]));
  const problems: FieldProblem[] = [];
  for (const record of records) for (const field of lookups) {
    const value = record.data[field.id];
    if (typeof value !== 'string') continue;
    if (objectOf.get(value) !== field.lookup?.objectId) {
      const target = model.objectById(field.lookup?.objectId ?? '');
      problems.push({
        field: field.apiName,
        code: 'lookup',
        message: words.say('lookup.missing', { object: target ? words.noun(target) : 'record', id: value }),
        ...(record.index !== undefined ? { index: record.index } : {}),
      });
    }
  }
  if (problems.length) throw validationError(words.say('lookup.detail'), problems);
}

/**
 * Keeps the reverse index of lookups (record_link) in step with the records' values. With
 * `previous` (the values before an update), the links of the old values are removed first.
 */
export async function writeLinks(tx: Queryable, tenantId: string, lookups: FieldDef[], records: PendingRecord[], previous?: ReadonlyMap<string, Record<string, unknown>>): Promise<void> {
  if (lookups.length === 0) return;
  if (previous) {
    const stale = { targets: [] as string[], fields: [] as string[], sources: [] as string[] };
    for (const record of records) for (const field of lookups) {
      const old = previous.get(record.id)?.[field.id];
      if (typeof old !== 'string') continue;
      stale.targets.push(old);
      stale.fields.push(field.id);
      stale.sources.push(record.id);
    }
    if (stale.targets.length) {
      await tx.query(
        `delete from record_link l using unnest($2::uuid[], $3::text[], $4::uuid[]) as x(t, f, s)
          where l.tenant_id = $1 and l.target_id = x.t and l.field_id = x.f and l.source_id = x.s`,
        [tenantId, stale.targets, stale.fields, stale.sources],
      );
    }
  }
  const targets: string[] = [];
  const fields: string[] = [];
  const sources: string[] = [];
  for (const record of records) for (const field of lookups) {
    const value = record.data[field.id];
    if (typeof value !== 'string') continue;
    targets.push(value);
    fields.push(field.id);
    sources.push(record.id);
  }
  if (targets.length === 0) return;
  await tx.query(
    `insert into record_link (tenant_id, target_id, field_id, source_id)
     select $1, t, f, s from unnest($2::uuid[], $3::text[], $4::uuid[]) as x(t, f, s) on conflict do nothing`,
    [tenantId, targets, fields, sources],
  );
}

/** Reserves `count` consecutive numbers per autonumber field and formats them with the field's pattern. */
export async function assignAutonumbers(tx: Queryable, tenantId: string, object: ObjectDef, fields: FieldDef[], records: PendingRecord[]): Promise<void> {
  for (const field of fields) {
    const start = field.autonumber?.start ?? 1;
    const rows = await tx.query<{ next_value: number }>(
      `insert into autonumber_counter as c (tenant_id, object_id, field_id, next_value) values ($1, $2, $3, $4::bigint + $5)
       on conflict (tenant_id, object_id, field_id) do update set next_value = c.next_value + $5 returning next_value`,
      [tenantId, object.id, field.id, start, records.length],
    );
    let next = (rows[0]?.next_value ?? start + records.length) - records.length;
    for (const record of records) record.data[field.id] = formatAutonumber(field.autonumber?.pattern ?? '{0}', next++);
  }
}

export function formatAutonumber(pattern: string, value: number): string {
  return pattern.replace(/\{(0+)\}/, (_, zeros: string) => String(value).padStart(zeros.length, '0'));
}

export async function writeOutbox(
  tx: Queryable,
  tenantId: string,
  object: ObjectDef,
  event: 'created' | 'updated' | 'deleted' | 'restored',
  entries: { recordId: string; payload: unknown }[],
  actorId: string | null,
): Promise<void> {
  if (entries.length === 0) return;
  await tx.query(
    `insert into outbox (tenant_id, object_id, record_id, event, payload, actor_id)
     select $1, $2, r, $3, p, $4 from unnest($5::uuid[], $6::jsonb[]) as x(r, p)`,
    [tenantId, object.id, event, actorId, entries.map((e) => e.recordId), entries.map((e) => JSON.stringify(e.payload))],
  );
}
