import type { FieldDef, ObjectDef } from '@protean/metadata';
import type { Queryable } from '../db/database.ts';
import { conflict, validationError, type FieldProblem } from '../errors/problems.ts';
import type { TenantModel } from './tenant-model.ts';
import type { Words } from '../metadata/words.ts';
import { UUID } from './record-problems.ts';

export interface PendingRecord {
  id: string;
  data: Record<string, unknown>;
  /** Index in a batch, to point errors at the item. */
  index?: number;
}

/**
 * The key a unique value claims: `unique_value_key` in SQL (migration 15) is the one
 * definition, used here, by upsert matching and by the check of a field made unique.
 */
export const UNIQUE_KEY_SQL = (valueParam: string) => `unique_value_key(${valueParam})`;

/**
 * Claims the unique values of many records in one statement; a clash with a stored record or
 * within the batch is a 409 naming the field (and the item). The claims are keyed by record,
 * so only that record's claim is ever released.
 */
export async function claimUniqueValues(tx: Queryable, tenantId: string, object: ObjectDef, fields: FieldDef[], records: PendingRecord[], words?: Words): Promise<void> {
  const wanted = { fields: [] as string[], records: [] as string[], values: [] as string[] };
  for (const field of fields) for (const record of records) {
    const value = record.data[field.id];
    if (value === undefined || value === null) continue;
    wanted.fields.push(field.id);
    wanted.records.push(record.id);
    wanted.values.push(JSON.stringify(value));
  }
  if (wanted.fields.length === 0) return;
  const refused = await tx.query<{ f: string; r: string }>(
    `with wanted as (select f, r, ${UNIQUE_KEY_SQL('v')} as k, n from unnest($3::text[], $4::uuid[], $5::jsonb[]) with ordinality as x(f, r, v, n)),
     claimed as (
       insert into record_unique (tenant_id, object_id, field_id, value_key, record_id)
       select $1, $2, f, k, r from wanted where k is not null order by n
       on conflict do nothing returning field_id, record_id)
     select f, r from wanted w where k is not null and not exists (select 1 from claimed c where c.field_id = w.f and c.record_id = w.r) order by n`,
    [tenantId, object.id, wanted.fields, wanted.records, wanted.values],
  );
  if (refused.length === 0) return;
  const byId = new Map(records.map((r) => [r.id, r]));
  const problems = refused.map(({ f, r }) => uniqueProblem(fields.find((field) => field.id === f)!, byId.get(r)!, words));
  throw conflict(`${problems.length === 1 ? 'A value' : 'Values'} must be unique`, problems);
}

export function uniqueProblem(field: FieldDef, record: PendingRecord, words: Words | undefined): FieldProblem {
  const message = words ? words.say('unique.taken', { field: words.field(field) }) : `another record already has this ${field.apiName}`;
  return { field: field.apiName, code: 'unique', message, ...(record.index !== undefined ? { index: record.index } : {}) };
}

/** Releases the claims `recordIds` hold on `fields`: never another record's claim on the same value. */
export async function releaseUniqueValues(tx: Queryable, tenantId: string, object: ObjectDef, fields: FieldDef[], recordIds: string[]): Promise<void> {
  if (fields.length === 0 || recordIds.length === 0) return;
  await tx.query('delete from record_unique where tenant_id = $1 and record_id = any($2::uuid[]) and object_id = $3 and field_id = any($4::text[])', [
    tenantId,
    recordIds,
    object.id,
    fields.map((f) => f.id),
  ]);
}

/** The record that holds `value` of a unique field, if any: what an upsert matches on. */
export async function findByUniqueValue(tx: Queryable, tenantId: string, object: ObjectDef, field: FieldDef, value: unknown): Promise<string | undefined> {
  const rows = await tx.query<{ record_id: string }>(
    `select record_id from record_unique where tenant_id = $1 and object_id = $2 and field_id = $3 and value_key = ${UNIQUE_KEY_SQL('$4::jsonb')}`,
    [tenantId, object.id, field.id, JSON.stringify(value)],
  );
  return rows[0]?.record_id;
}

/** Owner fields name users of this tenant only; another tenant's user id looks exactly like a missing one. */
export async function checkUsers(tx: Queryable, model: TenantModel, object: ObjectDef, records: PendingRecord[], knownUserId: string, locale?: string): Promise<void> {
  const fields = model.liveFields(object).filter((f) => f.type === 'owner');
  const wanted = new Set<string>();
  for (const record of records) for (const field of fields) {
    const value = record.data[field.id];
    if (typeof value === 'string' && value !== knownUserId) wanted.add(value);
  }
  if (wanted.size === 0) return;
  const ids = [...wanted].filter((id) => UUID.test(id));
  const found = new Set(
    ids.length ? (await tx.query<{ id: string }>('select id from app_user where tenant_id = $1 and id = any($2::uuid[])', [model.tenantId, ids])).map((r) => r.id) : [],
  );
  const words = model.words(locale);
  const problems: FieldProblem[] = [];
  for (const record of records) for (const field of fields) {
    const value = record.data[field.id];
    if (typeof value !== 'string' || value === knownUserId || found.has(value)) continue;
    problems.push({ field: field.apiName, code: 'user', message: words.say('owner.unknown', { id: value }), ...(record.index !== undefined ? { index: record.index } : {}) });
  }
  if (problems.length) throw validationError(problems.length === 1 ? `${words.field(fields.find((f) => f.apiName === problems[0]!.field)!)} ${problems[0]!.message}` : `${problems.length} values are invalid`, problems);
}

/**
 * Every lookup value must name a live record of the target object in this tenant; other
 * tenants' ids look exactly like missing ones. The targets are locked FOR KEY SHARE: a delete
 * takes FOR UPDATE on its record first, which waits for that lock, so none is deleted before this
 * transaction commits, and a delete that came first makes the lookup fail here. Edits of the
 * target (no key update) do not wait for it.
 */
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
    'select id, object_id from record where tenant_id = $1 and object_id = any($3::text[]) and id = any($2::uuid[]) and deleted_at is null order by id for key share',
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
