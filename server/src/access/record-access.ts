import type { Condition, FieldDef, ObjectDef } from '@protean/metadata';
import { standingList, type Queryable } from '../db/database.ts';
import { ProblemError, notFound, validationError, type FieldProblem } from '../errors/problems.ts';
import type { RecordAccessSql } from '../data/sql/compile-list-query.ts';
import { Params } from '../data/sql/params.ts';
import type { RequestContext } from '../data/request-context.ts';
import type { TenantModel } from '../data/tenant-model.ts';
import { recordName, toApiRecord, type ApiRecord, type RecordRow } from '../data/record-codec.ts';
import { computesOnRead, prepareReadFormulas } from '../logic/read-formulas.ts';
import type { AccessShape } from './access-shape.ts';
import type { ObjectAction } from './permissions.ts';
import { UUID } from '../http/ids.ts';

/** The record-access predicate of a principal, as SQL over a record alias: an owner match or a share row, both under an index. */
export function recordAccessSql(shape: AccessShape): RecordAccessSql {
  return {
    predicate(objectId, alias, params, tenantParam) {
      if (!shape.can(objectId, 'read')) return 'false';
      const scope = shape.recordScope(objectId);
      if (scope.all) return undefined;
      // Another's record costs one primary-key probe of its share rows by (tenant, record), the
      // grantee a filter (`is true` keeps it out of the index condition, where the B-tree would
      // descend once per grantee). `offset 0` keeps the probe a per-row subplan: without it the
      // planner may turn it into a hashed scan of every share row the grantees hold, costed for the
      // whole index scan rather than a page. Inline, a probe costs ~3 µs, about a third of a call
      // of record_shared (migration 27, a PL/pgSQL function). The lists are the principal's own,
      // the same on every request: the statement is prepared (standingList). Once stored in
      // acl_reach (PostgreSQL, ADR 0019) they are named by key and read once per statement.
      // The owner is matched through a hashed subplan built once per statement: `= any(list)` on a
      // generic plan compares each row with every owner in turn (a list is a parameter, never a
      // constant the planner would hash), which a list without a narrowing index pays on every row.
      let owners: string;
      let grantees: string;
      if (shape.reachId) {
        const key = params.add(shape.reachId);
        const stored = (column: 'owners' | 'grantees') => `(select acl_r.${column} from acl_reach acl_r where acl_r.tenant_id = ${tenantParam} and acl_r.id = ${key})::uuid[]`;
        owners = stored('owners');
        grantees = stored('grantees');
      } else {
        owners = params.add(standingList(scope.owners), '::uuid[]');
        grantees = params.add(standingList(scope.grantees), '::uuid[]');
      }
      // Only a record marked as ever shared (migration 64) is probed: of the others' records a
      // page reads, most never had a share, and each probe costs more than the row's own test.
      return `(${alias}.owner_id in (select unnest(${owners})) or (${alias}.has_shares and exists (select 1 from record_share acl_s where acl_s.tenant_id = ${tenantParam} and acl_s.record_id = ${alias}.id and (acl_s.grantee = any(${grantees})) is true offset 0)))`;
    },
  };
}

/** Rows of the objects in `objects` the principal may read, as one SQL condition over `alias`. */
export function objectsVisibleSql(shape: AccessShape, objects: readonly ObjectDef[], alias: string, params: Params, tenantParam: string): string {
  const access = recordAccessSql(shape);
  const open = objects.filter((o) => shape.can(o.id, 'read') && shape.recordScope(o.id).all).map((o) => o.id);
  const narrowed = objects.filter((o) => shape.can(o.id, 'read') && !shape.recordScope(o.id).all);
  const branches = [`${alias}.object_id = any(${params.add(open, '::text[]')})`];
  for (const o of narrowed) branches.push(`(${alias}.object_id = ${params.add(o.id)} and ${access.predicate(o.id, alias, params, tenantParam)})`);
  return `(${branches.join(' or ')})`;
}

/** An object the principal may not read does not exist for it. */
export function requireObjectRight(ctx: RequestContext, shape: AccessShape, object: ObjectDef, action: ObjectAction): void {
  if (!shape.can(object.id, 'read')) throw notFound(`No object named '${object.apiName}'`);
  if (action === 'read' || shape.can(object.id, action)) return;
  const words = ctx.model.words(ctx.principal.locale);
  const verb = { create: 'create', edit: 'edit', delete: 'delete', viewAll: 'view all', modifyAll: 'modify all' }[action];
  throw new ProblemError('forbidden', 403, `You may not ${verb} ${words.object(object, 'plural')}`, [{ field: '', code: 'objectPermission', message: `needs the '${action}' permission on ${object.apiName}` }]);
}

/**
 * Refuses a filter, sort, column or expansion on a field the principal cannot read, naming the
 * field: answering such a query would let its values be inferred.
 */
export function refuseHiddenFields(shape: AccessShape, object: ObjectDef, parts: { where?: Condition | undefined; sort?: readonly { field: FieldDef }[]; select?: readonly FieldDef[] | undefined; expand?: readonly FieldDef[] }): void {
  const problems: FieldProblem[] = [];
  const hidden = (o: ObjectDef, f: FieldDef, param: string, name = f.apiName) => {
    if (shape.fieldLevel(o.id, f.id) === 'none') problems.push({ field: name, code: 'fieldPermission', message: 'is not a field you may read', param });
  };
  const walk = (c: Condition) => {
    if (c.kind === 'and' || c.kind === 'or') c.conditions.forEach(walk);
    else if (c.kind === 'not') walk(c.condition);
    else if (c.via) {
      hidden(object, c.via.lookupField, 'filter');
      if (!shape.can(c.via.object.id, 'read')) problems.push({ field: `${c.via.lookupField.apiName}.${c.field.apiName}`, code: 'objectPermission', message: 'is on an object you may not read', param: 'filter' });
      else hidden(c.via.object, c.field, 'filter', `${c.via.lookupField.apiName}.${c.field.apiName}`);
    } else hidden(object, c.field, 'filter');
  };
  if (parts.where) walk(parts.where);
  for (const key of parts.sort ?? []) hidden(object, key.field, 'sort');
  for (const field of parts.select ?? []) hidden(object, field, 'fields');
  for (const field of parts.expand ?? []) hidden(object, field, 'expand');
  if (problems.length) throw validationError(problems.length === 1 ? `'${problems[0]!.field}' ${problems[0]!.message}` : `${problems.length} fields you may not read are in the query`, problems, 400);
}

/** A record without the fields the principal cannot read (system columns stay). */
export function redact(shape: AccessShape, model: TenantModel, object: ObjectDef, record: ApiRecord): ApiRecord {
  if (shape.readsEveryField(model, object)) return record;
  for (const field of model.liveFields(object)) if (!shape.canReadField(object, field)) delete record[field.apiName];
  return record;
}

/** A record's display name as the principal may see it: its name, or its id when the name field is hidden from it. */
export function displayNameAs(shape: AccessShape, model: TenantModel, object: ObjectDef, data: Record<string, unknown>, id: string): string {
  const name = model.fieldById(object, object.nameFieldId);
  return name && !shape.canReadField(object, name) ? id : recordName(object, data, id);
}

/**
 * An outbox event's payload as the principal it is delivered to may see it: values and changes
 * keyed by field id lose the fields it cannot read (webhooks and subscriptions deliver through this).
 */
export function redactEventPayload(shape: AccessShape, model: TenantModel, object: ObjectDef, payload: Record<string, unknown>): Record<string, unknown> {
  const keep = (values: unknown) => {
    if (!values || typeof values !== 'object') return values;
    return Object.fromEntries(Object.entries(values).filter(([fieldId]) => {
      const field = model.fieldById(object, fieldId);
      return !field || shape.canReadField(object, field);
    }));
  };
  const out = { ...payload };
  if ('data' in out) out['data'] = keep(out['data']);
  if ('changes' in out) out['changes'] = keep(out['changes']);
  return out;
}

/**
 * A stored record as a principal that reads it on its own (an automation's run) sees it: undefined
 * when the object or the record is out of its reach, else only the fields it may read.
 */
export async function recordAsReadBy(q: Queryable, shape: AccessShape, model: TenantModel, object: ObjectDef, row: RecordRow): Promise<ApiRecord | undefined> {
  if (!(await readsRecord(q, shape, object, row))) return undefined;
  if (computesOnRead(model, object)) await prepareReadFormulas((sql, params) => q.query(sql, params), model, object, [row]);
  return toApiRecord(model, object, row, shape.readsEveryField(model, object) ? undefined : shape.readableFields(model, object));
}

/** Whether the principal may read one record, as a get would decide it: the object right, then (for a narrowed object) the record's level. */
export async function readsRecord(q: Queryable, shape: AccessShape, object: ObjectDef, row: LevelRow): Promise<boolean> {
  if (!shape.can(object.id, 'read')) return false;
  return shape.recordScope(object.id).all || (await recordWriteAccess(q, shape, object, row)) !== 'none';
}

/** `readsRecord` by id, the record live or deleted since; the row is read only when the object is narrowed. */
export async function readsStoredRecord(q: Queryable, shape: AccessShape, object: ObjectDef, recordId: string): Promise<boolean> {
  if (!shape.can(object.id, 'read')) return false;
  if (shape.recordScope(object.id).all) return true;
  const [row] = await q.query<LevelRow>('select id, data, created_by from record where tenant_id = $1 and object_id = $2 and id = $3', [shape.tenantId, object.id, recordId]);
  return row !== undefined && (await recordWriteAccess(q, shape, object, row)) !== 'none';
}

export type RecordLevel = 'none' | 'read' | 'edit' | 'full';
type LevelRow = { id: string; data: Record<string, unknown>; created_by: string | null };

/** The level the permission sets, ownership and defaults give, before any share; undefined when shares decide. */
function levelBeforeShares(shape: AccessShape, object: ObjectDef, row: LevelRow): RecordLevel | undefined {
  const rights = shape.objectRights(object.id);
  if (!rights.read) return 'none';
  if (rights.modifyAll) return 'full';
  const owner = ownerOf(row);
  if (owner && shape.ownerSet.has(owner)) return 'full';
  if (shape.recordDefault(object.id) === 'edit') return 'full';
  return undefined;
}

function levelFromShares(shape: AccessShape, object: ObjectDef, shares: readonly ('read' | 'edit')[]): RecordLevel {
  if (shares.includes('edit')) return 'edit';
  if (shares.length || shape.recordDefault(object.id) === 'read' || shape.objectRights(object.id).viewAll) return 'read';
  return 'none';
}

/** Whether the principal may write (`edit`) or delete one record it can lock: owner, team, share with edit, or the object's defaults. */
export async function recordWriteAccess(q: Queryable, shape: AccessShape, object: ObjectDef, row: LevelRow): Promise<RecordLevel> {
  const level = levelBeforeShares(shape, object, row);
  if (level) return level;
  const shares = await q.query<{ access: 'read' | 'edit' }>('select access from record_share where tenant_id = $1 and record_id = $2 and grantee = any($3::uuid[])', [shape.tenantId, row.id, shape.grantees]);
  return levelFromShares(shape, object, shares.map((s) => s.access));
}

/** `recordWriteAccess` for a page of records: the shares of all that need them in one statement. */
export async function recordWriteAccessMany(q: Queryable, shape: AccessShape, object: ObjectDef, rows: readonly LevelRow[]): Promise<Map<string, RecordLevel>> {
  const out = new Map<string, RecordLevel>();
  const undecided: string[] = [];
  for (const row of rows) {
    const level = levelBeforeShares(shape, object, row);
    if (level) out.set(row.id, level);
    else undecided.push(row.id);
  }
  if (!undecided.length) return out;
  const shares = await q.query<{ record_id: string; access: 'read' | 'edit' }>('select record_id, access from record_share where tenant_id = $1 and record_id = any($2::uuid[]) and grantee = any($3::uuid[])', [
    shape.tenantId,
    undecided,
    shape.grantees,
  ]);
  for (const id of undecided) out.set(id, levelFromShares(shape, object, shares.filter((s) => s.record_id === id).map((s) => s.access)));
  return out;
}

/** What a principal may do with one record: a save's `edit` and a delete's `delete`, as the save pipeline decides them. */
export interface RecordRights {
  edit: boolean;
  delete: boolean;
}

/**
 * The rights of `shape` on some live records of `object` (ids as validated UUIDs); records it
 * cannot read, or that do not exist, are absent. What `/access/me/records` answers and what
 * record actions and hand-started workflows are checked against.
 */
export async function recordRightsOf(q: Queryable, shape: AccessShape, object: ObjectDef, ids: readonly string[]): Promise<Map<string, RecordRights>> {
  const rows = await q.query<LevelRow>('select id, data, created_by from record where tenant_id = $1 and object_id = $2 and id = any($3::uuid[]) and deleted_at is null', [shape.tenantId, object.id, ids]);
  const out = new Map<string, RecordRights>();
  for (const [id, level] of await recordWriteAccessMany(q, shape, object, rows)) {
    if (level === 'none') continue;
    out.set(id, { edit: shape.can(object.id, 'edit') && (level === 'edit' || level === 'full'), delete: shape.can(object.id, 'delete') && level === 'full' });
  }
  return out;
}


/** The id of the field that names a record's owner, on every object that has one. */
export const OWNER_FIELD_ID = 'owner';

/** The same rule as the stored owner_id column (migration 25): the `owner` field, else the creator. */
export function ownerOf(row: { data: Record<string, unknown>; created_by: string | null }): string | null {
  const owner = row.data[OWNER_FIELD_ID];
  return typeof owner === 'string' && UUID.test(owner) ? owner.toLowerCase() : row.created_by;
}

/**
 * Refuses a write the principal's permission sets do not allow, before anything is read or
 * written: the object action (create, edit, delete), then every field named in the input that
 * it may not edit, each named (with its batch index).
 */
export function checkWriteInput(ctx: RequestContext, shape: AccessShape, object: ObjectDef, action: 'create' | 'edit' | 'delete', items: { input: unknown; index: number | undefined }[]): void {
  requireObjectRight(ctx, shape, object, action);
  const problems: FieldProblem[] = [];
  // A batch names the same fields in every record: each name is resolved once (a thousand records
  // of a dozen fields made the lookups ~2 % of the server's time in a bulk insert).
  const levels = new Map<string, ReturnType<AccessShape['fieldLevel']> | null>();
  for (const { input, index } of items) {
    if (!input || typeof input !== 'object' || Array.isArray(input)) continue;
    for (const name of Object.keys(input)) {
      let level = levels.get(name);
      if (level === undefined) {
        const field = ctx.model.field(object, name);
        levels.set(name, (level = field ? shape.fieldLevel(object.id, field.id) : null));
      }
      if (level === null || level === 'edit') continue;
      problems.push({ field: name, code: 'fieldPermission', message: level === 'read' ? 'is read-only for you' : 'is not a field you may edit', ...(index === undefined ? {} : { index }) });
    }
  }
  if (problems.length) throw new ProblemError('forbidden', 403, problems.length === 1 ? `'${problems[0]!.field}' ${problems[0]!.message}` : `${problems.length} fields you may not edit are in the input`, problems);
}

/**
 * Lookup values pointing at records out of the principal's reach are refused exactly as missing
 * ones are (same code and words), so linking can neither reveal that a record exists nor attach
 * to one the principal may not see. One query per save, for narrowed target objects only.
 */
export async function refuseUnreachableLookups(
  q: Queryable,
  ctx: RequestContext,
  shape: AccessShape,
  object: ObjectDef,
  records: readonly { data: Record<string, unknown>; index?: number | undefined }[],
  fields: readonly FieldDef[],
): Promise<void> {
  const lookups = fields.filter((f) => f.type === 'lookup' && f.lookup && !shape.recordScope(f.lookup.objectId).all);
  const wanted = new Map<string, Set<string>>();
  for (const record of records) for (const field of lookups) {
    const value = record.data[field.id];
    if (typeof value !== 'string' || !UUID.test(value)) continue;
    const ids = wanted.get(field.lookup!.objectId) ?? new Set<string>();
    ids.add(value);
    wanted.set(field.lookup!.objectId, ids);
  }
  if (wanted.size === 0) return;
  const params = new Params();
  params.values.push(shape.tenantId);
  const branches = [...wanted].map(([objectId, ids]) => `(r.object_id = ${params.add(objectId)} and r.id = any(${params.add([...ids], '::uuid[]')}) and ${recordAccessSql(shape).predicate(objectId, 'r', params, '$1::uuid') ?? 'true'})`);
  const visible = new Set((await q.query<{ id: string }>(`select r.id from record r where r.tenant_id = $1 and r.deleted_at is null and (${branches.join(' or ')})`, params.values)).map((r) => r.id));
  const words = ctx.model.words(ctx.principal.locale);
  const problems: FieldProblem[] = [];
  for (const record of records) for (const field of lookups) {
    const value = record.data[field.id];
    if (typeof value !== 'string' || visible.has(value)) continue;
    const target = ctx.model.objectById(field.lookup!.objectId);
    problems.push({ field: field.apiName, code: 'lookup', message: words.say('lookup.missing', { object: target ? words.noun(target) : 'record', id: value }), ...(record.index !== undefined ? { index: record.index } : {}) });
  }
  if (problems.length) throw validationError(words.say('lookup.detail'), problems);
}
