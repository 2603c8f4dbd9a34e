import type { Queryable } from '../db/database.ts';
import type { ScriptDefinition, ScriptKind } from './script-definition.ts';
import { UUID } from '../http/ids.ts';

/** A script at its live version: what triggers, actions and schedules run. */
export interface ScriptRecord {
  id: string;
  apiName: string;
  kind: ScriptKind;
  objectId: string | null;
  active: boolean;
  version: number;
  definition: ScriptDefinition;
  code: string;
  sourceMap: string;
  hash: string;
  /** The profile of the automation principal the script acts as (ADR 0014); null for none (it reaches nothing). */
  profile: string | null;
  /** Who wrote the live version: a scheduled script runs for them. */
  authorId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ScriptVersionSummary {
  version: number;
  hash: string;
  authorId: string | null;
  message: string | null;
  createdAt: string;
}

const SCRIPT_COLUMNS = `s.id, s.api_name as "apiName", s.kind, s.object_id as "objectId", s.active, s.version, v.definition, v.code,
  v.source_map as "sourceMap", v.hash, a.profile, v.author_id as "authorId", s.created_at as "createdAt", s.updated_at as "updatedAt"`;
// A script's automation principal has the script's id (one per script, made on its first save).
const FROM = `from script s join script_version v on v.tenant_id = s.tenant_id and v.script_id = s.id and v.version = s.version
  left join acl_automation a on a.tenant_id = s.tenant_id and a.id = s.id`;

export async function listScripts(q: Queryable, tenantId: string): Promise<ScriptRecord[]> {
  return q.query<ScriptRecord>(`select ${SCRIPT_COLUMNS} ${FROM} where s.tenant_id = $1 and s.deleted_at is null order by s.api_name`, [tenantId]);
}

/** Each live script's latest source, without its compiled code: what a model change's dependency check reads. */
export async function scriptSources(q: Queryable, tenantId: string): Promise<{ id: string; apiName: string; objectId: string | null; version: number; label: string; source: string }[]> {
  return q.query(
    `select s.id, s.api_name as "apiName", s.object_id as "objectId", s.version, v.definition->>'label' as label, v.definition->>'source' as source
       from script s join script_version v on v.tenant_id = s.tenant_id and v.script_id = s.id and v.version = s.version
      where s.tenant_id = $1 and s.deleted_at is null order by s.api_name`,
    [tenantId],
  );
}

/** By id or API name. */
export async function findScript(q: Queryable, tenantId: string, ref: string): Promise<ScriptRecord | undefined> {
  const byId = UUID.test(ref);
  const [row] = await q.query<ScriptRecord>(`select ${SCRIPT_COLUMNS} ${FROM} where s.tenant_id = $1 and ${byId ? 's.id = $2::uuid' : 's.api_name = $2'} and s.deleted_at is null`, [tenantId, ref]);
  return row;
}

export async function scriptVersion(q: Queryable, tenantId: string, scriptId: string, version: number): Promise<(ScriptVersionSummary & { definition: ScriptDefinition; code: string; sourceMap: string }) | undefined> {
  const [row] = await q.query<ScriptVersionSummary & { definition: ScriptDefinition; code: string; sourceMap: string }>(
    `select version, hash, author_id as "authorId", message, created_at as "createdAt", definition, code, source_map as "sourceMap"
       from script_version where tenant_id = $1 and script_id = $2 and version = $3`,
    [tenantId, scriptId, version],
  );
  return row;
}

export async function scriptVersions(q: Queryable, tenantId: string, scriptId: string): Promise<ScriptVersionSummary[]> {
  return q.query<ScriptVersionSummary>(
    `select version, hash, author_id as "authorId", message, created_at as "createdAt" from script_version where tenant_id = $1 and script_id = $2 order by version desc limit 200`,
    [tenantId, scriptId],
  );
}

/** Active scripts of the kinds given, across the tenant: what the trigger and schedule paths load. */
export async function activeScripts(q: Queryable, tenantId: string): Promise<ScriptRecord[]> {
  return q.query<ScriptRecord>(`select ${SCRIPT_COLUMNS} ${FROM} where s.tenant_id = $1 and s.deleted_at is null and s.active order by s.api_name`, [tenantId]);
}

export interface NewVersion {
  tenantId: string;
  scriptId: string;
  apiName: string;
  kind: ScriptKind;
  objectId: string | null;
  active: boolean;
  definition: ScriptDefinition;
  code: string;
  sourceMap: string;
  hash: string;
  authorId: string | null;
  message: string | null;
}

/**
 * Writes the next version and points the script at it, in the caller's transaction. The
 * script's row is locked first, so two saves of one script get consecutive versions, and a save
 * based on an older version (`expectedVersion`) is refused rather than overwriting the newer one.
 */
export async function writeVersion(q: Queryable, input: NewVersion, expectedVersion: number | undefined): Promise<{ version: number } | { stale: number }> {
  const [current] = await q.query<{ version: number }>('select version from script where tenant_id = $1 and id = $2 for update', [input.tenantId, input.scriptId]);
  if (current && expectedVersion !== undefined && current.version !== expectedVersion) return { stale: current.version };
  const version = (current?.version ?? 0) + 1;
  await q.query(
    `insert into script_version (tenant_id, script_id, version, definition, code, source_map, hash, author_id, message) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [input.tenantId, input.scriptId, version, JSON.stringify(input.definition), input.code, input.sourceMap, input.hash, input.authorId, input.message],
  );
  if (current) {
    await q.query('update script set api_name = $3, kind = $4, object_id = $5, active = $6, version = $7, updated_at = now() where tenant_id = $1 and id = $2', [
      input.tenantId,
      input.scriptId,
      input.apiName,
      input.kind,
      input.objectId,
      input.active,
      version,
    ]);
  } else {
    await q.query('insert into script (tenant_id, id, api_name, kind, object_id, active, version) values ($1, $2, $3, $4, $5, $6, $7)', [
      input.tenantId,
      input.scriptId,
      input.apiName,
      input.kind,
      input.objectId,
      input.active,
      version,
    ]);
  }
  return { version };
}

/** Makes or changes the script's automation principal: named by its label, acting with `profile`. */
export async function saveScriptAutomation(q: Queryable, tenantId: string, scriptId: string, label: string, profile: string | undefined): Promise<void> {
  if (profile === undefined) {
    await q.query('update acl_automation set name = $3 where tenant_id = $1 and id = $2', [tenantId, scriptId, label]);
    return;
  }
  await q.query(
    `insert into acl_automation (tenant_id, id, kind, name, profile) values ($1, $2, 'script', $3, $4)
     on conflict (tenant_id, id) do update set name = excluded.name, profile = excluded.profile`,
    [tenantId, scriptId, label, profile],
  );
}

export async function deleteScript(q: Queryable, tenantId: string, scriptId: string): Promise<boolean> {
  return (await q.query('update script set deleted_at = now(), active = false where tenant_id = $1 and id = $2 and deleted_at is null returning id', [tenantId, scriptId])).length > 0;
}

export interface SettingRow {
  name: string;
  value: unknown;
  secret: boolean;
  updatedAt: string;
}

export async function listSettings(q: Queryable, tenantId: string): Promise<SettingRow[]> {
  return q.query<SettingRow>('select name, value, secret, updated_at as "updatedAt" from script_setting where tenant_id = $1 order by name', [tenantId]);
}

export async function readSetting(q: Queryable, tenantId: string, name: string): Promise<{ value: unknown; secret: boolean } | undefined> {
  const [row] = await q.query<{ value: unknown; secret: boolean }>('select value, secret from script_setting where tenant_id = $1 and name = $2', [tenantId, name]);
  return row;
}

export async function writeSetting(q: Queryable, tenantId: string, name: string, value: unknown, secret: boolean): Promise<void> {
  await q.query(
    `insert into script_setting (tenant_id, name, value, secret) values ($1, $2, $3, $4)
     on conflict (tenant_id, name) do update set value = excluded.value, secret = excluded.secret, updated_at = now()`,
    [tenantId, name, JSON.stringify(value), secret],
  );
}

export async function deleteSetting(q: Queryable, tenantId: string, name: string): Promise<boolean> {
  return (await q.query('delete from script_setting where tenant_id = $1 and name = $2 returning name', [tenantId, name])).length > 0;
}
