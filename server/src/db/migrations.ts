import type { Database } from './database.ts';
import { accessControlSql, accessReachSql, recordShareMarkSql } from '../access/access-migrations.ts';
import { ARRAYS_INSERT, CREATE_RECORDS_PARAMS, createRecordsArguments, RECORDSET_INSERT, type InsertStatements } from '../data/sql/insert-records.ts';
import { EVENTS_PER_ROW } from '../events/outbox-reader.ts';
import { EAST_ASIAN_SQL_CLASS } from '../data/sql/search-text.ts';

/** The tenant id under which a change that may touch any tenant is noted (record_change, migration 93). */
export const ALL_TENANTS = '00000000-0000-0000-0000-000000000000';

/**
 * Row-level security for a tenant table: the rows of the tenant the current transaction is
 * set to, and nothing when it is set to none. The comparison is typed (uuid = uuid, a
 * LEAKPROOF operator over a stable expression), so the planner estimates it as it estimates
 * `tenant_id = $1`, and no value of the setting widens it (ADR 0005).
 */
export function tenantIsolation(table: string, column = 'tenant_id'): string {
  const visible = `${column} = nullif(current_setting('app.tenant_id', true), '')::uuid`;
  return `
alter table ${table} enable row level security;
alter table ${table} no force row level security;
drop policy if exists tenant_isolation on ${table};
create policy tenant_isolation on ${table} using (${visible}) with check (${visible});`;
}

/**
 * `create_records` scopes itself to the tenant, holds the revision fence shared, and writes
 * nothing (returns no rows) unless the tenant is still at the revision the caller validated
 * with; then it runs the insert statement with its parameters named. Row-level security binds
 * it as it binds the caller (it is not SECURITY DEFINER).
 */
export function createRecordsFunctionSql(
  insertSql: string,
  withoutLinksSql?: string,
  returns = 'table (id uuid, version integer, created_at timestamptz, updated_at timestamptz)',
  arrays?: Pick<InsertStatements, 'counted' | 'countedWithoutLinks'>,
): string {
  // The insert statement's $1 is the records, $2 the tenant, then the function's own order.
  const params = CREATE_RECORDS_PARAMS[arrays ? 'arrays' : 'recordset'];
  const names = [params[0]!.name, 'p_tenant', ...params.slice(1).map((p) => p.name)];
  const named = (sql: string) => sql.replace(/\$(\d+)/g, (_, n: string) => names[Number(n) - 1]!);
  // Without links when the object keeps none in record_link (migration 67): each branch's plan is made once.
  // RETURN QUERY does not leave the function, so the branches are if/else.
  const branch = (sql: string, withoutLinks?: string) =>
    withoutLinks
      ? `if coalesce(cardinality(p_linked), 0) = 0 then
    return query ${named(withoutLinks)};
  else
    return query ${named(sql)};
  end if;`
      : `return query ${named(sql)};`;
  // A few records come as a recordset, their arrays null (insertRecordsParams).
  const run = arrays
    ? `if p_i is null then
  ${branch(insertSql, withoutLinksSql)}
  else
  ${branch(arrays.counted, arrays.countedWithoutLinks)}
  end if;`
    : branch(insertSql, withoutLinksSql);
  return `
create or replace function create_records(p_tenant uuid, p_revision integer, ${params.map((p) => `${p.name} ${p.type}`).join(', ')})
  returns ${returns}
  -- A plan made once fits every call: planning the insert afresh (PL/pgSQL's custom plans) cost
  -- a single create more than running it, and a batch's thousand records run no faster with a
  -- plan of their own (write-cost.ts, ADR 0018 sixth pass).
  language plpgsql set plan_cache_mode = force_generic_plan as $fn$
#variable_conflict use_column
begin
  perform set_config('app.tenant_id', p_tenant::text, true);
  perform pg_advisory_xact_lock_shared(4612, hashtext(p_tenant::text));
  -- A statement of its own, so its snapshot is taken after the lock was granted.
  if (select current_revision from tenant where id = p_tenant) is distinct from p_revision then
    return;
  end if;
  ${run}
end $fn$;
grant execute on function create_records(${createRecordsArguments(arrays ? 'arrays' : 'recordset')}) to protean_app;`;
}

/**
 * The trigger function filling a record's search text (when `remakeText` holds) and its owner
 * (when none is given, or an edit leaves it as it was) from its values (migrations 67 and 88).
 */
function recordFillDerivedSql(verb: 'create' | 'create or replace', remakeText: string): string {
  return `${verb} function record_fill_derived() returns trigger language plpgsql as $$
begin
  if ${remakeText} then
    new.search_text := record_search_text(new.data);
  end if;
  if new.owner_id is null or (tg_op = 'UPDATE' and new.owner_id is not distinct from old.owner_id) then
    new.owner_id := record_owner(new.data, new.created_by);
  end if;
  return new;
end $$;`;
}

/** `create_records` as migrations 69 to 88 made it, answering a count: with the recordset statements alone, which it still runs for a few records. */
const CREATE_RECORDS_RECORDSET_FUNCTION_SQL = createRecordsFunctionSql(RECORDSET_INSERT.counted, RECORDSET_INSERT.countedWithoutLinks, 'table (written integer, at timestamptz)');

/** `create_records` as the latest migration makes it: a change of the insert statement needs a migration that runs this. */
// A named row type, not `returns table`: a table function's result is built from its argument
// list on every call, and with the arrays that list is nineteen long (~50 k instructions a create).
export const CREATE_RECORDS_FUNCTION_SQL = createRecordsFunctionSql(RECORDSET_INSERT.counted, RECORDSET_INSERT.countedWithoutLinks, 'setof create_records_answer', ARRAYS_INSERT);

/** A record's texts search can match, as a jsonb array `texts`: its string values but ids, dates and date-times (migrations 57 and 71). */
const SEARCHABLE_TEXTS_SQL = `  texts jsonb := jsonb_path_query_array(data, 'strict $.* ? (@.type() == "string" && !(@ like_regex "^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|v_[0-9a-f]{10}|[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(?:[.][0-9]+)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?)$"))');`;

/** Leaves out of `texts` those longer than 200 characters; only a record holding long texts runs the query. */
const SHORT_TEXTS_ONLY_SQL = `  if length(texts::text) > 204 then
    texts := (select coalesce(jsonb_agg(v), '[]') from jsonb_array_elements(texts) v where length(v #>> '{}') <= 200);
  end if;`;

/** search_record_candidates up to its declarations of the tenant and the lowered query (migrations 56 and 71). */
const CANDIDATES_FUNCTION_HEAD = `create or replace function search_record_candidates(p_objects text[], p_query text, p_fuzzy boolean, p_limit integer)
  returns table (id uuid, object_id text, version integer, data jsonb, created_at timestamptz, created_by uuid,
                 updated_at timestamptz, updated_by uuid, deleted_at timestamptz, deleted_by uuid)
  language plpgsql stable security definer set search_path = public, pg_temp set enable_seqscan = off set enable_indexscan = off as $$
#variable_conflict use_column
declare
  v_tenant uuid := nullif(current_setting('app.tenant_id', true), '')::uuid;
  v_text text := lower(p_query);`;

/** The row search_record_candidates answers for each live record `r` of the caller's tenant and objects. */
const CANDIDATE_ROWS_SQL = `select r.id, r.object_id, r.version, r.data, r.created_at, r.created_by, r.updated_at, r.updated_by, r.deleted_at, r.deleted_by
      from record r where r.tenant_id = v_tenant and r.object_id = any(p_objects) and r.deleted_at is null`;

const TEXT_SLOTS = ['t1', 't2', 't3', 't4'] as const;

/** Every object `o` of every tenant `t`'s current model (migrations that fix stored values by field). */
const CURRENT_OBJECTS_SQL = `tenant t join metadata_revision m on m.tenant_id = t.id and m.revision = t.current_revision
    cross join jsonb_array_elements(m.snapshot->'objects') o`;

/** Every field of the given types (an SQL list) of every tenant's current model, with its object's slots (given and pending). */
const fieldsOfTypesSql = (types: string) => `select t.id as tenant_id, o->>'id' as object_id, f->>'id' as field_id,
         coalesce(o->'indexSlots', '{}') || coalesce(o->'pendingIndexSlots', '{}') as slots
    from ${CURRENT_OBJECTS_SQL}
    cross join jsonb_array_elements(o->'fields') f
   where f->>'type' in (${types})`;

/** Every lookup and owner field of every tenant's current model, with its object's slots (given and pending). */
const ID_FIELDS_SQL = fieldsOfTypesSql(`'lookup', 'owner'`);

/** Every text-like field (the types with text limits) of every tenant's current model, with its object's slots. */
const TEXT_FIELDS_SQL = fieldsOfTypesSql(`'text', 'longText', 'email', 'phone', 'url'`);

/** Every multi-select picklist field of every tenant's current model (they take no slot). */
const MULTI_PICKLIST_FIELDS_SQL = fieldsOfTypesSql(`'multiPicklist'`);

const TENANT_TABLES = ['app_user', 'user_session', 'api_key', 'metadata_revision', 'record', 'record_unique', 'record_link', 'autonumber_counter', 'outbox', 'saved_view'];

/**
 * Forward-only schema migrations. Every tenant table leads its primary key with
 * tenant_id (Citus distribution column) and carries a row-level security policy keyed to
 * the per-transaction `app.tenant_id` setting.
 */
export const migrations: readonly { id: number; name: string; sql: string }[] = [
  {
    id: 1,
    name: 'core tables',
    sql: `
create table tenant (
  id uuid primary key,
  slug text not null unique,
  name text not null,
  current_revision integer not null default 0,
  created_at timestamptz not null default now()
);

create table app_user (
  tenant_id uuid not null references tenant (id),
  id uuid not null,
  email text not null,
  name text not null,
  role text not null check (role in ('admin', 'standard')),
  password_hash text not null,
  locale text not null default 'en',
  active boolean not null default true,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, email)
);

create table user_session (
  tenant_id uuid not null,
  token_hash text not null,
  user_id uuid not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  primary key (tenant_id, token_hash)
);

create table api_key (
  tenant_id uuid not null,
  id uuid not null,
  user_id uuid not null,
  name text not null,
  token_hash text not null,
  hint text not null,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz,
  primary key (tenant_id, id),
  unique (tenant_id, token_hash)
);

create table metadata_revision (
  tenant_id uuid not null,
  revision integer not null,
  snapshot jsonb not null,
  diff jsonb not null,
  author_id uuid,
  author_name text not null,
  message text,
  created_at timestamptz not null default now(),
  primary key (tenant_id, revision)
);

create table record (
  tenant_id uuid not null,
  id uuid not null,
  object_id text not null,
  version integer not null default 1,
  data jsonb not null,
  created_at timestamptz not null default now(),
  created_by uuid,
  updated_at timestamptz not null default now(),
  updated_by uuid,
  deleted_at timestamptz,
  deleted_by uuid,
  primary key (tenant_id, id)
);
create index record_by_object on record (tenant_id, object_id, created_at desc, id) where deleted_at is null;
create index record_recycle_bin on record (tenant_id, deleted_at desc, id) where deleted_at is not null;

create table record_unique (
  tenant_id uuid not null,
  object_id text not null,
  field_id text not null,
  value_key text not null,
  record_id uuid not null,
  primary key (tenant_id, object_id, field_id, value_key)
);
create index record_unique_by_record on record_unique (tenant_id, record_id);

create table record_link (
  tenant_id uuid not null,
  target_id uuid not null,
  field_id text not null,
  source_id uuid not null,
  primary key (tenant_id, target_id, field_id, source_id)
);
create index record_link_by_source on record_link (tenant_id, source_id);

create table autonumber_counter (
  tenant_id uuid not null,
  object_id text not null,
  field_id text not null,
  next_value bigint not null,
  primary key (tenant_id, object_id, field_id)
);

create table outbox (
  tenant_id uuid not null,
  id bigint generated always as identity,
  object_id text not null,
  record_id uuid not null,
  event text not null,
  payload jsonb not null,
  actor_id uuid,
  occurred_at timestamptz not null default now(),
  primary key (tenant_id, id)
);
`,
  },
  {
    id: 2,
    name: 'row-level security',
    sql: TENANT_TABLES.filter((t) => t !== 'saved_view').map((t) => tenantIsolation(t)).join('\n'),
  },
  {
    id: 3,
    name: 'platform settings',
    sql: `create table platform_setting (key text primary key, value jsonb not null, updated_at timestamptz not null default now());`,
  },
  {
    id: 4,
    name: 'application role',
    // The server works as this role, which is neither superuser nor BYPASSRLS, so the policies bind it too.
    sql: `
do $$ begin
  if not exists (select 1 from pg_roles where rolname = '${'protean_app'}') then
    create role protean_app nologin nosuperuser nobypassrls;
  end if;
end $$;
grant usage on schema public to protean_app;
grant select, insert, update, delete on all tables in schema public to protean_app;
grant usage, select on all sequences in schema public to protean_app;
alter default privileges in schema public grant select, insert, update, delete on tables to protean_app;
alter default privileges in schema public grant usage, select on sequences to protean_app;
grant protean_app to current_user;`,
  },
  {
    id: 5,
    name: 'typed index slots',
    // ADR 0002: a fixed set of typed slot columns and platform-wide composite indexes, each
    // partial on its leading slot, so a record enters only the indexes its object uses.
    sql: `
alter table record
  add column ix_t1 text collate "C", add column ix_t2 text collate "C", add column ix_t3 text collate "C", add column ix_t4 text collate "C",
  add column ix_n1 numeric, add column ix_n2 numeric,
  add column ix_d1 timestamptz, add column ix_d2 timestamptz;
create index record_ix1 on record (tenant_id, object_id, ix_t1, ix_d1, id, ix_n1) where ix_t1 is not null and deleted_at is null;
create index record_ix2 on record (tenant_id, object_id, ix_t2, ix_d2, id) where ix_t2 is not null and deleted_at is null;
create index record_ix3 on record (tenant_id, object_id, ix_t3, id) where ix_t3 is not null and deleted_at is null;
create index record_ix4 on record (tenant_id, object_id, ix_t4, ix_n2, id) where ix_t4 is not null and deleted_at is null;`,
  },
  {
    id: 6,
    name: 'record links without a source index',
    // Links are removed by (target, field, source), known from the record's previous values,
    // so the second index only cost every insert.
    sql: `drop index record_link_by_source;`,
  },
  {
    id: 7,
    name: 'float8 number slots',
    // Under row-level security only LEAKPROOF comparisons can be index conditions; float8's
    // are, numeric's are not. The list compiler rechecks the exact value from data.
    sql: `alter table record alter column ix_n1 type float8, alter column ix_n2 type float8;`,
  },
  {
    id: 8,
    name: 'saved list views',
    sql: `
create table saved_view (
  tenant_id uuid not null,
  id uuid not null,
  object_id text not null,
  owner_id uuid not null,
  name text not null,
  shared boolean not null default false,
  definition jsonb not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id)
);
create index saved_view_by_object on saved_view (tenant_id, object_id);
${tenantIsolation('saved_view')}
grant select, insert, update, delete on saved_view to protean_app;`,
  },
  {
    id: 9,
    name: 'records keyed by object',
    // (tenant, object, id) serves get-by-id and, ids being UUIDv7, the default newest-first
    // list order: one index fewer for every insert.
    sql: `
alter table record drop constraint record_pkey, add primary key (tenant_id, object_id, id);
drop index record_by_object;`,
  },
  {
    id: 10,
    name: 'record statistics across columns',
    // In the shared table a tenant and its objects are far from independent columns, nor is a
    // picklist slot from a number slot; without these the planner multiplies selectivities,
    // expects a handful of rows, and trades the ordered index scan for a scan-and-sort.
    sql: `
create statistics record_tenant_object (ndistinct, dependencies) on tenant_id, object_id from record;
create statistics record_slot_t1 (dependencies, mcv) on object_id, ix_t1, ix_n1 from record;
analyze record;`,
  },
  {
    id: 11,
    name: 'tenant per transaction, owner outside row-level security',
    // ADR 0005: typed policies with no wildcard; the owner (the system connection) is not bound
    // by them, the application role is; it reads neither platform settings nor secrets, and
    // sees only its own tenant's row.
    sql: `
${TENANT_TABLES.map((t) => tenantIsolation(t)).join('\n')}
${tenantIsolation('tenant', 'id')}
create table platform_secret (key text primary key, value text not null, created_at timestamptz not null default now());
revoke all on platform_setting, platform_secret, schema_migration from protean_app;
revoke insert, delete on tenant from protean_app;
analyze record;`,
  },
  {
    id: 12,
    name: 'outbox in commit order, consumer checkpoints',
    // ADR 0006: each event carries the id of the transaction that wrote it; a consumer reads, in
    // (txid, id) order, only events of transactions older than every one still running, so no
    // event can commit behind its checkpoint. Metadata events belong to no object or record.
    sql: `
alter table outbox
  alter column object_id drop not null,
  alter column record_id drop not null,
  add column txid xid8 not null default pg_current_xact_id();
create index outbox_commit_order on outbox (txid, id);
create table outbox_checkpoint (
  consumer text primary key,
  txid xid8 not null default '0',
  id bigint not null default 0,
  updated_at timestamptz not null default now()
);
revoke all on outbox_checkpoint from protean_app;`,
  },
  {
    id: 13,
    name: 'login throttle, platform secrets as hashes',
    // Sign-in runs before there is a principal, so only the system connection reads and writes
    // the throttle; the application role gets no access and the table needs no policy (ADR 0007).
    // The operator token is kept as its SHA-256 only, and the demo login is no longer stored:
    // both are printed once when generated.
    sql: `
create table login_throttle (
  tenant_id uuid not null,
  subject text not null,
  failures integer not null,
  last_failure_at timestamptz not null,
  locked_until timestamptz,
  primary key (tenant_id, subject)
);
revoke all on login_throttle from protean_app;
insert into platform_secret (key, value)
  select 'operator_token_sha256', encode(sha256(convert_to(value #>> '{}', 'UTF8')), 'hex') from platform_setting where key = 'operator_token'
  on conflict (key) do nothing;
delete from platform_setting where key in ('operator_token', 'demo_credentials');`,
  },
  {
    id: 15,
    name: 'one unique key function, case-insensitive user emails',
    // Uniqueness is decided in one place, in SQL, for claims, upsert matches and the checks of a
    // field made unique alike: text case- and space-insensitive, numbers by value.
    sql: `
create function unique_value_key(value jsonb) returns text language sql immutable parallel safe as $$
  select case jsonb_typeof(value)
    when 'string' then nullif(lower(btrim(value #>> '{}')), '')
    when 'number' then trim_scale((value #>> '{}')::numeric)::text
    when 'null' then null
    else value::text end
$$;
grant execute on function unique_value_key(jsonb) to protean_app;
alter table app_user drop constraint app_user_tenant_id_email_key;
create unique index app_user_email on app_user (tenant_id, lower(email));`,
  },
  {
    id: 16,
    name: 'index slot backfills',
    // ADR 0002 addendum: one row per (object, slot) whose values an existing field is copying in;
    // its progress is written in the transaction of each batch, and a server picks up unfinished
    // ones at start.
    sql: `
create table index_backfill (
  tenant_id uuid not null references tenant (id),
  object_id text not null,
  slot text not null,
  field_id text not null,
  total bigint not null,
  done bigint not null default 0,
  last_id uuid,
  status text not null check (status in ('running', 'done', 'cancelled')),
  started_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, object_id, slot)
);
create index index_backfill_running on index_backfill (tenant_id) where status = 'running';
${tenantIsolation('index_backfill')}`,
  },
  {
    id: 17,
    name: 'tenant scope in functions: one planned begin for writes, one round trip for a get',
    // PL/pgSQL keeps the plans of its statements per connection, so opening a write costs one
    // call instead of three statements planned each time. tenant_record is a get by id that sets
    // the tenant for its own statement's transaction: one round trip, row-level security intact.
    sql: `
create function begin_tenant_write(p_tenant uuid) returns integer language plpgsql as $$
declare
  revision integer;
begin
  perform set_config('app.tenant_id', p_tenant::text, true);
  perform pg_advisory_xact_lock_shared(4612, hashtext(p_tenant::text));
  -- A statement of its own, so its snapshot is taken after the lock was granted.
  select current_revision into revision from tenant where id = p_tenant;
  return revision;
end $$;
create function tenant_record(p_tenant uuid, p_object text, p_id uuid)
  returns table (id uuid, object_id text, version integer, data jsonb, created_at timestamptz, created_by uuid,
                 updated_at timestamptz, updated_by uuid, deleted_at timestamptz, deleted_by uuid)
  language plpgsql as $$
#variable_conflict use_column
begin
  perform set_config('app.tenant_id', p_tenant::text, true);
  return query select r.id, r.object_id, r.version, r.data, r.created_at, r.created_by, r.updated_at, r.updated_by, r.deleted_at, r.deleted_by
    from record r where r.tenant_id = p_tenant and r.object_id = p_object and r.id = p_id and r.deleted_at is null;
end $$;
grant execute on function begin_tenant_write(uuid), tenant_record(uuid, text, uuid) to protean_app;`,
  },
  {
    id: 18,
    name: 'a create in one statement: fence, lookup check, insert and outbox',
    // A create that needs no transaction of ours (no hook, claim or counter) commits on its own
    // in one round trip instead of three. The body is the insert statement of the transactional
    // path; a test holds the two equal, so changing that statement needs a migration here.
    sql: createRecordsFunctionSql(RECORDSET_INSERT.sql),
  },
  {
    id: 20,
    name: 'search by words anywhere in a record (pg_trgm)',
    // ADR 0010: one trigram index over the short text values of every record (names, emails,
    // phones, whatever an object holds), so a search for part of a word is index-served for any
    // object without knowing its fields. Trigram operators are not LEAKPROOF, so under row-level
    // security they could only filter; the candidates are found by a function that runs as the
    // owner but reads only the tenant the calling transaction is set to, as the policy would.
    sql: `
create extension if not exists pg_trgm;
create function record_search_text(data jsonb) returns text language sql immutable parallel safe as $$
  select coalesce(string_agg(lower(e.value #>> '{}'), ' '), '') from jsonb_each(data) e
   where jsonb_typeof(e.value) = 'string' and length(e.value #>> '{}') <= 200
     and (e.value #>> '{}') !~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
$$;
create index record_search on record using gin (record_search_text(data) gin_trgm_ops) where deleted_at is null;
create function search_record_candidates(p_objects text[], p_query text, p_fuzzy boolean, p_limit integer)
  returns table (id uuid, object_id text, version integer, data jsonb, created_at timestamptz, created_by uuid,
                 updated_at timestamptz, updated_by uuid, deleted_at timestamptz, deleted_by uuid)
  language plpgsql stable security definer set search_path = public, pg_temp as $$
#variable_conflict use_column
declare
  v_tenant uuid := nullif(current_setting('app.tenant_id', true), '')::uuid;
  v_text text := lower(p_query);
begin
  if v_tenant is null or length(v_text) < 3 then return; end if;
  if p_fuzzy then
    perform set_config('pg_trgm.word_similarity_threshold', '0.5', true);
    return query select r.id, r.object_id, r.version, r.data, r.created_at, r.created_by, r.updated_at, r.updated_by, r.deleted_at, r.deleted_by
      from record r where r.tenant_id = v_tenant and r.object_id = any(p_objects) and r.deleted_at is null
       and record_search_text(r.data) %> v_text limit least(p_limit, 500);
  else
    return query select r.id, r.object_id, r.version, r.data, r.created_at, r.created_by, r.updated_at, r.updated_by, r.deleted_at, r.deleted_by
      from record r where r.tenant_id = v_tenant and r.object_id = any(p_objects) and r.deleted_at is null
       and record_search_text(r.data) like '%' || replace(replace(replace(v_text, '#', '##'), '%', '#%'), '_', '#_') || '%' escape '#'
     limit least(p_limit, 500);
  end if;
end $$;
revoke all on function search_record_candidates(text[], text, boolean, integer) from public;
grant execute on function search_record_candidates(text[], text, boolean, integer), record_search_text(jsonb) to protean_app;`,
  },
  {
    id: 21,
    name: 'search text stored with the record',
    // Trigram matches are rechecked against the text itself; computed from the JSON for every
    // candidate, that recheck cost more than the index lookup. Stored, it is read instead, and it
    // is computed once per write as the index entry already was.
    sql: `
alter table record add column search_text text generated always as (record_search_text(data)) stored;
drop index record_search;
create index record_search on record using gin (search_text gin_trgm_ops) where deleted_at is null;
create or replace function search_record_candidates(p_objects text[], p_query text, p_fuzzy boolean, p_limit integer)
  returns table (id uuid, object_id text, version integer, data jsonb, created_at timestamptz, created_by uuid,
                 updated_at timestamptz, updated_by uuid, deleted_at timestamptz, deleted_by uuid)
  language plpgsql stable security definer set search_path = public, pg_temp as $$
#variable_conflict use_column
declare
  v_tenant uuid := nullif(current_setting('app.tenant_id', true), '')::uuid;
  v_text text := lower(p_query);
begin
  if v_tenant is null or length(v_text) < 3 then return; end if;
  if p_fuzzy then
    perform set_config('pg_trgm.word_similarity_threshold', '0.5', true);
    return query select r.id, r.object_id, r.version, r.data, r.created_at, r.created_by, r.updated_at, r.updated_by, r.deleted_at, r.deleted_by
      from record r where r.tenant_id = v_tenant and r.object_id = any(p_objects) and r.deleted_at is null
       and r.search_text %> v_text limit least(p_limit, 500);
  else
    return query select r.id, r.object_id, r.version, r.data, r.created_at, r.created_by, r.updated_at, r.updated_by, r.deleted_at, r.deleted_by
      from record r where r.tenant_id = v_tenant and r.object_id = any(p_objects) and r.deleted_at is null
       and r.search_text like '%' || replace(replace(replace(v_text, '#', '##'), '%', '#%'), '_', '#_') || '%' escape '#'
     limit least(p_limit, 500);
  end if;
end $$;`,
  },
  {
    id: 22,
    name: 'search text computed with a plan made once per connection',
    // Every record write computes its search text (migration 21's stored column). As an SQL
    // function with an aggregate it is never inlined and was planned on every call, which cost
    // more than running it; PL/pgSQL keeps the plan of its query for the connection. Same result.
    sql: `
create or replace function record_search_text(data jsonb) returns text language plpgsql immutable parallel safe as $fn$
begin
  return (select coalesce(string_agg(lower(e.value #>> '{}'), ' '), '') from jsonb_each(data) e
           where jsonb_typeof(e.value) = 'string' and length(e.value #>> '{}') <= 200
             and (e.value #>> '{}') !~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$');
end $fn$;`,
  },
  {
    id: 55,
    name: 'search text without dates, picklist values and ids',
    // Search matches names, emails and phones (ADR 0010), never a date, a date-time, a picklist
    // value's id or a lookup's UUID, yet their trigrams were half of every record's index entries
    // (84 → 45 per bench record): each write paid for them in the GIN index and its WAL. The text
    // is lower-cased once. Rows written before keep their wider text (a superset: candidates that
    // matched only there are dropped by the ranking) until their next write.
    sql: `
create or replace function record_search_text(data jsonb) returns text language plpgsql immutable parallel safe as $fn$
begin
  return lower((select coalesce(string_agg(e.value #>> '{}', ' '), '') from jsonb_each(data) e
    where jsonb_typeof(e.value) = 'string' and length(e.value #>> '{}') <= 200
      -- The length test first spares most values the regular expression.
      and not ((length(e.value #>> '{}') in (10, 12, 36) or length(e.value #>> '{}') between 19 and 29)
               and (e.value #>> '{}') ~ '^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|v_[0-9a-f]{10}|[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(?:[.][0-9]+)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?)$')));
end $fn$;`,
  },
  {
    id: 56,
    name: 'search candidates always from the trigram index',
    // LIKE '%word%' is estimated by the length of the word, not by the data (a 4-letter word at
    // 2% of the rows), so at 1M records the planner read the candidates with a sequential scan
    // that stops after 60 matches: cheap when the word is common and the tenant's rows come
    // first, a scan of the whole shared table when the word matches nothing or the tenant's rows
    // lie behind another's. Only bitmap scans are left to it, so the trigram index decides the
    // rows read; and a text with no trigram at all ('---') finds no candidates (the index could
    // only hand over every row of the table), names starting with it still come from their slot.
    sql: `
${CANDIDATES_FUNCTION_HEAD}
begin
  if v_tenant is null or length(v_text) < 3 or cardinality(show_trgm(v_text)) = 0 then return; end if;
  if p_fuzzy then
    perform set_config('pg_trgm.word_similarity_threshold', '0.5', true);
    return query ${CANDIDATE_ROWS_SQL}
       and r.search_text %> v_text limit least(p_limit, 500);
  else
    return query ${CANDIDATE_ROWS_SQL}
       and r.search_text like '%' || replace(replace(replace(v_text, '#', '##'), '%', '#%'), '_', '#_') || '%' escape '#'
     limit least(p_limit, 500);
  end if;
end $$;`,
  },
  {
    id: 57,
    name: 'search text without a statement per write',
    // Migration 55's text came from a query over jsonb_each, which PL/pgSQL runs through its SPI
    // executor on every write (~27 µs a record, a quarter of a bulk-inserted record's insert time).
    // One jsonpath expression picks the same values without a query; only a record whose texts
    // are longer than 200 characters in all runs the query that drops the long ones. The text is
    // the JSON array of the values, lower-cased: trigrams and word similarity ignore its quotes
    // and commas, and a search matches inside one value as before.
    sql: `
create or replace function record_search_text(data jsonb) returns text language plpgsql immutable parallel safe as $fn$
declare
${SEARCHABLE_TEXTS_SQL}
begin
${SHORT_TEXTS_ONLY_SQL}
  return lower(texts::text);
end $fn$;`,
  },
  {
    id: 58,
    name: 'names starting with a text, planned once per connection',
    // A search read the names starting with its text by one range subquery per object, inside the
    // statement around the candidates: the plan cache kept custom plans for those ranges, so every
    // search planned the statement again (0.58 of 2.43 ms of Postgres CPU a search at 1M records).
    // One statement per text slot here, planned once (generic plans, as create_records), run as the
    // caller (row-level security applies; the C-collation range is LEAKPROOF, so the slot's
    // index serves it).
    sql: `
create function search_name_prefixes(p_objects text[], p_slots text[], p_text text, p_limit integer)
  returns table (id uuid, object_id text, version integer, data jsonb, created_at timestamptz, created_by uuid,
                 updated_at timestamptz, updated_by uuid, deleted_at timestamptz, deleted_by uuid)
  language plpgsql stable set plan_cache_mode = force_generic_plan as $$
#variable_conflict use_column
declare
  v_tenant uuid := nullif(current_setting('app.tenant_id', true), '')::uuid;
  v_to text := p_text || chr(1114111);
begin
  if v_tenant is null then return; end if;
  for i in 1 .. coalesce(cardinality(p_objects), 0) loop
    if p_slots[i] = 't1' then
      return query select r.id, r.object_id, r.version, r.data, r.created_at, r.created_by, r.updated_at, r.updated_by, r.deleted_at, r.deleted_by
        from record r where r.tenant_id = v_tenant and r.object_id = p_objects[i] and r.deleted_at is null
         and r.ix_t1 >= p_text and r.ix_t1 < v_to order by r.ix_t1 limit p_limit;
    elsif p_slots[i] = 't2' then
      return query select r.id, r.object_id, r.version, r.data, r.created_at, r.created_by, r.updated_at, r.updated_by, r.deleted_at, r.deleted_by
        from record r where r.tenant_id = v_tenant and r.object_id = p_objects[i] and r.deleted_at is null
         and r.ix_t2 >= p_text and r.ix_t2 < v_to order by r.ix_t2 limit p_limit;
    elsif p_slots[i] = 't3' then
      return query select r.id, r.object_id, r.version, r.data, r.created_at, r.created_by, r.updated_at, r.updated_by, r.deleted_at, r.deleted_by
        from record r where r.tenant_id = v_tenant and r.object_id = p_objects[i] and r.deleted_at is null
         and r.ix_t3 >= p_text and r.ix_t3 < v_to order by r.ix_t3 limit p_limit;
    elsif p_slots[i] = 't4' then
      return query select r.id, r.object_id, r.version, r.data, r.created_at, r.created_by, r.updated_at, r.updated_by, r.deleted_at, r.deleted_by
        from record r where r.tenant_id = v_tenant and r.object_id = p_objects[i] and r.deleted_at is null
         and r.ix_t4 >= p_text and r.ix_t4 < v_to order by r.ix_t4 limit p_limit;
    end if;
  end loop;
end $$;
grant execute on function search_name_prefixes(text[], text[], text, integer) to protean_app;`,
  },
  {
    id: 45,
    name: 'job queue: delayed, retried, idempotent jobs and cron schedules',
    // ADR 0015: the queue is two tables of our own, claimed with FOR UPDATE SKIP LOCKED. A job
    // waiting for days is a row with a future run_at, never a timer. A tenant's time zone
    // decides when its cron schedules fire.
    sql: `
alter table tenant add column if not exists time_zone text not null default 'UTC';
create table job (
  tenant_id uuid not null references tenant (id),
  id uuid not null,
  queue text not null,
  payload jsonb not null default '{}',
  state text not null default 'queued' check (state in ('queued', 'running', 'done', 'failed', 'cancelled')),
  run_at timestamptz not null default now(),
  attempts integer not null default 0,
  max_attempts integer not null default 5 check (max_attempts between 1 and 100),
  backoff_ms integer not null default 1000 check (backoff_ms >= 0),
  backoff_max_ms integer not null default 3600000 check (backoff_max_ms >= 0),
  idempotency_key text,
  locked_by text,
  locked_until timestamptz,
  last_error text,
  created_at timestamptz not null default now(),
  finished_at timestamptz,
  primary key (tenant_id, id)
);
create unique index job_idempotency on job (tenant_id, queue, idempotency_key) where idempotency_key is not null;
create index job_due on job (run_at) where state = 'queued';
create index job_leased on job (locked_until) where state = 'running';
create index job_finished on job (finished_at) where state in ('done', 'failed', 'cancelled');
${tenantIsolation('job')}
create table job_schedule (
  tenant_id uuid not null references tenant (id),
  name text not null,
  queue text not null,
  cron text not null,
  time_zone text not null,
  payload jsonb not null default '{}',
  active boolean not null default true,
  next_run_at timestamptz not null,
  last_run_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, name)
);
create index job_schedule_due on job_schedule (next_run_at) where active;
${tenantIsolation('job_schedule')}
grant select, insert, update, delete on job, job_schedule to protean_app;`,
  },
  {
    id: 25,
    name: 'access control: permission sets, profiles, roles, groups, sharing',
    // ADR 0012: existing users keep their profile ('admin' or 'standard') and every object stays
    // public read/write until an admin narrows it, so no one loses or gains access by upgrading.
    sql: accessControlSql(),
  },
  {
    id: 26,
    name: 'access control: gets check reach in the data service',
    // A get stays tenant_record's one round trip; the owner is matched in memory and a share probed
    // only for another's record (ADR 0012), so the narrowed get function has no caller.
    sql: 'drop function if exists tenant_record_visible(uuid, text, uuid, uuid[], uuid[]);',
  },
  {
    id: 27,
    name: 'access control: a record shared with any of the grantees, as one probe',
    // Called per row a list reaches (ADR 0012): a function the planner cannot inline or turn into a
    // hashed scan of every share row, whose statement probes the primary key by (tenant, record)
    // and keeps the grantee a filter (as an index condition the B-tree would descend per grantee).
    sql: `
create function record_shared(p_tenant uuid, p_record uuid, p_grantees uuid[]) returns boolean
  language plpgsql stable as $$
begin
  return exists (select 1 from record_share s where s.tenant_id = p_tenant and s.record_id = p_record and (s.grantee = any(p_grantees)) is true);
end $$;
grant execute on function record_shared(uuid, uuid, uuid[]) to protean_app;`,
  },
  {
    id: 23,
    name: 'home page, recycle bin retention, invitations',
    // Recently viewed records per user (the home page); how long deleted records wait in the
    // recycle bin and the workspace's default currency; a user's own time zone; invitation links,
    // kept as the SHA-256 of their token like API keys, with the role chosen when inviting.
    sql: `
alter table tenant
  add column if not exists currency text not null default 'USD' check (currency ~ '^[A-Z]{3}$'),
  add column if not exists recycle_retention_days integer not null default 30 check (recycle_retention_days between 1 and 3650);
alter table app_user add column if not exists time_zone text;
create table recent_record (
  tenant_id uuid not null,
  user_id uuid not null,
  object_id text not null,
  record_id uuid not null,
  visited_at timestamptz not null default now(),
  primary key (tenant_id, user_id, record_id)
);
create index recent_record_by_time on recent_record (tenant_id, user_id, visited_at desc);
${tenantIsolation('recent_record')}
create table user_invite (
  tenant_id uuid not null references tenant (id),
  id uuid not null,
  token_hash text not null unique,
  role text not null,
  email text,
  created_by uuid,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  accepted_at timestamptz,
  accepted_user_id uuid,
  revoked_at timestamptz,
  primary key (tenant_id, id)
);
${tenantIsolation('user_invite')}
grant select, insert, update, delete on recent_record, user_invite to protean_app;`,
  },
  {
    id: 35,
    name: 'scripts: definitions with versions, invocation log, settings',
    // ADR 0014: a script is a row with its live version; every save is an immutable version
    // holding the source, the compiled module and its content hash. The invocation log is kept
    // per script (newest first by its UUIDv7 id). Settings hold values scripts read through
    // ctx.config; secret ones are never answered by the API, only to the script.
    sql: `
create table script (
  tenant_id uuid not null references tenant (id),
  id uuid not null,
  api_name text not null,
  kind text not null check (kind in ('beforeSave', 'afterSave', 'action', 'scheduled')),
  object_id text,
  active boolean not null default true,
  version integer not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  deleted_at timestamptz,
  primary key (tenant_id, id)
);
create unique index script_api_name on script (tenant_id, api_name) where deleted_at is null;
create index script_by_object on script (tenant_id, object_id, kind) where deleted_at is null;
create table script_version (
  tenant_id uuid not null,
  script_id uuid not null,
  version integer not null,
  definition jsonb not null,
  code text not null,
  source_map text not null,
  hash text not null,
  author_id uuid,
  message text,
  created_at timestamptz not null default now(),
  primary key (tenant_id, script_id, version)
);
create table script_invocation (
  tenant_id uuid not null,
  script_id uuid not null,
  id uuid not null,
  version integer not null,
  started_at timestamptz not null,
  cause text not null,
  record_id uuid,
  user_id uuid,
  duration_ms double precision not null,
  cpu_ms double precision not null,
  memory_bytes bigint not null,
  outcome text not null check (outcome in ('ok', 'error', 'limit')),
  limit_name text,
  usage jsonb not null,
  logs jsonb not null,
  input jsonb,
  output jsonb,
  error jsonb,
  primary key (tenant_id, script_id, id)
);
create table script_setting (
  tenant_id uuid not null references tenant (id),
  name text not null,
  value jsonb not null,
  secret boolean not null default false,
  updated_at timestamptz not null default now(),
  primary key (tenant_id, name)
);
${['script', 'script_version', 'script_invocation', 'script_setting'].map((t) => tenantIsolation(t)).join('\n')}
grant select, insert, update, delete on script, script_version, script_invocation, script_setting to protean_app;`,
  },
  {
    id: 30,
    name: 'background recompute of stored formulas and roll-ups',
    // ADR 0013: one row per stored formula or roll-up whose definition changed; each batch writes
    // its progress in its own transaction, and a server picks up unfinished ones at start.
    sql: `
create table logic_recompute (
  tenant_id uuid not null references tenant (id),
  object_id text not null,
  field_id text not null,
  definition text not null,
  total bigint not null default 0,
  done bigint not null default 0,
  last_id uuid,
  status text not null check (status in ('running', 'done', 'cancelled')),
  started_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, object_id, field_id)
);
create index logic_recompute_running on logic_recompute (tenant_id) where status = 'running';
${tenantIsolation('logic_recompute')}
grant select, insert, update, delete on logic_recompute to protean_app;`,
  },
  {
    id: 40,
    name: 'webhooks: registrations, deliveries and their attempts',
    // ADR 0016: a delivery row is written in the outbox consumer's transaction, so an event has
    // exactly one delivery (one idempotency id) per webhook whatever crashes; attempts are leased,
    // so a crash mid-send re-sends the same delivery, never a new one.
    sql: `
create table webhook (
  tenant_id uuid not null references tenant (id),
  id uuid not null,
  name text not null,
  url text not null,
  events jsonb not null,
  filter jsonb,
  secret text not null,
  active boolean not null default true,
  created_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id)
);
${tenantIsolation('webhook')}
create table webhook_delivery (
  tenant_id uuid not null references tenant (id),
  id uuid not null,
  webhook_id uuid not null,
  event_id bigint not null,
  event text not null,
  record_id uuid,
  body text not null,
  state text not null default 'pending' check (state in ('pending', 'delivered', 'failed')),
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  last_status integer,
  last_error text,
  last_duration_ms integer,
  created_at timestamptz not null default now(),
  delivered_at timestamptz,
  primary key (tenant_id, id),
  unique (tenant_id, webhook_id, event_id),
  foreign key (tenant_id, webhook_id) references webhook (tenant_id, id) on delete cascade
);
create index webhook_delivery_due on webhook_delivery (next_attempt_at) where state = 'pending';
create index webhook_delivery_log on webhook_delivery (tenant_id, webhook_id, created_at desc);
${tenantIsolation('webhook_delivery')}
create table webhook_attempt (
  tenant_id uuid not null,
  delivery_id uuid not null,
  attempt integer not null,
  started_at timestamptz not null,
  status integer,
  error text,
  duration_ms integer not null,
  manual boolean not null default false,
  primary key (tenant_id, delivery_id, attempt),
  foreign key (tenant_id, delivery_id) references webhook_delivery (tenant_id, id) on delete cascade
);
${tenantIsolation('webhook_attempt')}
grant select, insert, update, delete on webhook, webhook_delivery, webhook_attempt to protean_app;`,
  },
  {
    id: 46,
    name: 'workflows: definitions with versions, runs, step executions, approvals, notifications, limits',
    // ADR 0015: a run records the version it started on; each step execution is a row keyed by
    // (run, seq) with an idempotency key, written in the transaction of the step's effects.
    sql: `
create table workflow (
  tenant_id uuid not null references tenant (id),
  id uuid not null,
  api_name text not null,
  label text not null,
  description text not null default '',
  status text not null default 'inactive' check (status in ('active', 'inactive', 'paused')),
  version integer not null default 1,
  active_version integer,
  trigger_type text not null,
  trigger_object text,
  run_as uuid not null,
  paused_reason text,
  failure_streak integer not null default 0,
  webhook_secret text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, api_name)
);
create index workflow_active_triggers on workflow (tenant_id, trigger_type, trigger_object) where status = 'active';
create table workflow_version (
  tenant_id uuid not null,
  workflow_id uuid not null,
  version integer not null,
  definition jsonb not null,
  label text not null,
  author_id uuid,
  message text not null default '',
  created_at timestamptz not null default now(),
  primary key (tenant_id, workflow_id, version)
);
create table workflow_run (
  tenant_id uuid not null,
  id uuid not null,
  workflow_id uuid not null,
  version integer not null,
  status text not null check (status in ('queued', 'running', 'waiting', 'completed', 'failed', 'cancelled')),
  trigger_key text,
  record_object text,
  record_id uuid,
  scope jsonb not null default '{}',
  cursor text,
  seq integer not null default 0,
  wait jsonb,
  error text,
  failed_step text,
  test boolean not null default false,
  started_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  finished_at timestamptz,
  primary key (tenant_id, id)
);
create unique index workflow_run_trigger on workflow_run (tenant_id, workflow_id, trigger_key) where trigger_key is not null;
create index workflow_run_history on workflow_run (tenant_id, workflow_id, started_at desc);
create index workflow_run_open on workflow_run (tenant_id, status) where status in ('queued', 'running');
create index workflow_run_waiting on workflow_run (tenant_id, record_id) where status = 'waiting';
create table workflow_step (
  tenant_id uuid not null,
  run_id uuid not null,
  seq integer not null,
  step_id text not null,
  type text not null,
  status text not null check (status in ('running', 'waiting', 'completed', 'failed')),
  attempt integer not null default 1,
  input jsonb,
  output jsonb,
  error text,
  idempotency_key text not null,
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  duration_ms double precision,
  primary key (tenant_id, run_id, seq)
);
create table workflow_approval (
  tenant_id uuid not null,
  id uuid not null,
  run_id uuid not null,
  seq integer not null,
  assignees uuid[] not null,
  message text not null,
  status text not null default 'pending' check (status in ('pending', 'approved', 'rejected', 'cancelled')),
  decided_by uuid,
  decided_at timestamptz,
  comment text,
  escalated boolean not null default false,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id)
);
create index workflow_approval_pending on workflow_approval (tenant_id) where status = 'pending';
create table user_notification (
  tenant_id uuid not null,
  id uuid not null,
  user_id uuid not null,
  message text not null,
  link jsonb,
  source text not null,
  read_at timestamptz,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id)
);
create index user_notification_inbox on user_notification (tenant_id, user_id, created_at desc);
create table workflow_settings (
  tenant_id uuid primary key references tenant (id),
  max_concurrent_runs integer not null default 200 check (max_concurrent_runs between 1 and 100000),
  max_steps_per_run integer not null default 500 check (max_steps_per_run between 1 and 100000),
  max_loop_items integer not null default 1000 check (max_loop_items between 1 and 100000),
  pause_after_failures integer not null default 5 check (pause_after_failures between 1 and 1000)
);
${['workflow', 'workflow_version', 'workflow_run', 'workflow_step', 'workflow_approval', 'user_notification', 'workflow_settings'].map((t) => tenantIsolation(t)).join('\n')}
grant select, insert, update, delete on workflow, workflow_version, workflow_run, workflow_step, workflow_approval, user_notification, workflow_settings to protean_app;`,
  },
  {
    id: 47,
    name: 'communication capture receipts',
    // A communication captured twice (a sender's retry, a mail server's redelivery) is logged once:
    // its external id is kept with the activity it became.
    sql: `
create table capture_receipt (
  tenant_id uuid not null references tenant (id),
  external_id text not null,
  activity_id uuid not null,
  customer_id uuid not null,
  created_at timestamptz not null default now(),
  primary key (tenant_id, external_id)
);
${tenantIsolation('capture_receipt')}
grant select, insert, update, delete on capture_receipt to protean_app;`,
  },
  {
    id: 48,
    name: 'workflows act as their own automation principal; runs record who acted',
    // ADR 0015: activation makes (once) the workflow's automation principal in acl_automation; each
    // run keeps the principal it acted as, as it was when the run started.
    sql: `
alter table workflow add column automation_id uuid;
alter table workflow_run add column acted_as jsonb;`,
  },
  {
    id: 28,
    name: 'request-rate limits: token buckets shared by every server process',
    // ADR 0012: a process leases tokens in batches (rate-limit.ts); the refill is computed here
    // on the database's clock, so processes on hosts whose clocks differ draw from one bucket.
    sql: `
create table rate_bucket (
  tenant_id uuid not null references tenant (id),
  key text not null,
  tokens double precision not null,
  at timestamptz not null,
  primary key (tenant_id, key)
);
${tenantIsolation('rate_bucket')}
grant select, insert, update on rate_bucket to protean_app;
create function rate_lease(p_tenant uuid, p_key text, p_limit double precision, p_want integer)
  returns table (granted integer, tokens double precision) language plpgsql as $$
declare
  v_tokens double precision;
  v_at timestamptz;
  v_now timestamptz;
  v_granted integer;
begin
  select b.tokens, b.at into v_tokens, v_at from rate_bucket b where b.tenant_id = p_tenant and b.key = p_key for update;
  if not found then
    insert into rate_bucket as b (tenant_id, key, tokens, at) values (p_tenant, p_key, p_limit, clock_timestamp()) on conflict (tenant_id, key) do nothing;
    select b.tokens, b.at into v_tokens, v_at from rate_bucket b where b.tenant_id = p_tenant and b.key = p_key for update;
  end if;
  -- Read after the row lock, so a process that waited never moves the refill clock back.
  v_now := greatest(clock_timestamp(), v_at);
  v_tokens := least(p_limit, v_tokens + extract(epoch from v_now - v_at) * p_limit / 60);
  v_granted := greatest(0, least(p_want, floor(v_tokens)))::integer;
  update rate_bucket b set tokens = v_tokens - v_granted, at = v_now where b.tenant_id = p_tenant and b.key = p_key;
  return query select v_granted, v_tokens - v_granted;
end $$;
grant execute on function rate_lease(uuid, text, double precision, integer) to protean_app;`,
  },
  {
    id: 49,
    name: 'create_records finds lookup targets by primary key (deleted ones counted out after the scan)',
    // The insert statement changed (insert-records.ts): migration 18 made the function from the
    // statement of its day, so a database made before this change gets the new body here.
    sql: createRecordsFunctionSql(RECORDSET_INSERT.sql),
  },
  {
    id: 59,
    name: 'created events without a copy of the record',
    // ADR 0018: a created event's payload was {"data": <every value>}, 400 of its ~620 bytes (with
    // its indexes) and ~310 bytes of a create's WAL; consumers read the record instead (webhooks
    // undo the changes of later updates to send the values it was created with). Events written
    // before keep their copy, and webhooks still send it.
    sql: createRecordsFunctionSql(RECORDSET_INSERT.sql),
  },
  {
    id: 60,
    name: 'outbox keyed by commit order',
    // ADR 0018: nothing reads the outbox by (tenant_id, id); consumers read by (txid, id), which
    // identifies an event as well. One index per event instead of two (41 B an event, and its
    // entry in every write's WAL).
    sql: `
alter table outbox drop constraint outbox_pkey;
drop index outbox_commit_order;
alter table outbox add constraint outbox_pkey primary key (txid, id);`,
  },
  {
    id: 63,
    name: 'access control: owners and grantees stored once, named by lists',
    // ADR 0019: a list narrowed by record access names the principal's lists by key instead of
    // carrying them as parameters on every request.
    sql: accessReachSql(),
  },
  {
    id: 64,
    name: 'access control: records marked once a share names them',
    // ADR 0012 addendum: a list narrowed by record access probes the shares only of marked records.
    sql: recordShareMarkSql(),
  },
  {
    id: 66,
    name: 'search text written by the insert statement, computed by the server',
    // ADR 0018 addendum: as a generated column the search text ran record_search_text's regular
    // expression over every string value of every inserted record (~11 µs a bulk-inserted record,
    // a sixth of its backend CPU). The insert statement now writes it (server/src/data/sql/
    // search-text.ts computes the same text, lower() still runs here); any other insert, and any
    // update that changes the values without writing the text, gets it from the function as
    // before. Updates that leave the values alone (deletes, restores, slot backfills) no longer
    // recompute it. DROP EXPRESSION keeps the stored texts and the index: no rewrite.
    sql: `
alter table record alter column search_text drop expression;
create function record_fill_search_text() returns trigger language plpgsql as $$
begin
  new.search_text := record_search_text(new.data);
  return new;
end $$;
create trigger record_search_text_on_insert before insert on record
  for each row when (new.search_text is null) execute function record_fill_search_text();
create trigger record_search_text_on_update before update of data on record
  for each row when (new.data is distinct from old.data and new.search_text is not distinct from old.search_text) execute function record_fill_search_text();
${createRecordsFunctionSql(RECORDSET_INSERT.sql)}`,
  },
  {
    id: 67,
    name: 'owner written by the insert statement; creates without record_link rows skip that insert',
    // ADR 0018 addendum. owner_id was the record's last generated column: every insert statement
    // read its expression from the catalog and compiled it (~11 µs of a create's backend CPU),
    // and ran its regular expression on every record with an owner. The insert statement writes
    // it now (the server computes `ownerOf`'s rule); one trigger fills the search text and the
    // owner for any other insert and for updates that change the values (or the creator) without
    // writing them, by the same rules as before. create_records leaves out the record_link insert
    // when the object keeps no lookup there: opening that table and planning its nodes cost a
    // create ~15 µs for nothing.
    sql: `
alter table record alter column owner_id drop expression;
create function record_owner(data jsonb, created_by uuid) returns uuid language sql immutable parallel safe
  return case when data->>'owner' ~ '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' then (data->>'owner')::uuid else created_by end;
drop trigger record_search_text_on_insert on record;
drop trigger record_search_text_on_update on record;
drop function record_fill_search_text();
${recordFillDerivedSql('create', "new.search_text is null or (tg_op = 'UPDATE' and new.data is distinct from old.data and new.search_text is not distinct from old.search_text)")}
create trigger record_fill_derived_on_insert before insert on record
  for each row when (new.search_text is null or new.owner_id is null) execute function record_fill_derived();
create trigger record_fill_derived_on_update before update of data, created_by on record
  for each row when (new.data is distinct from old.data or new.created_by is distinct from old.created_by) execute function record_fill_derived();
${createRecordsFunctionSql(RECORDSET_INSERT.sql, RECORDSET_INSERT.withoutLinks)}`,
  },
  {
    id: 68,
    name: 'the created events of one insert statement in one outbox row',
    // ADR 0018 addendum. A bulk insert wrote an outbox row and its key entry per record, and each
    // of the four consumers read every row back to judge it. The records one statement creates
    // now share a row naming them in order; the identity advances by EVENTS_PER_ROW a row, so the
    // row's events take its id and the ids after it, stable and in commit order as before. Rows
    // written before keep one event each. outbox_event shows every event as a row of its own.
    sql: `
alter table outbox add column record_ids uuid[];
alter table outbox alter column id set increment by ${EVENTS_PER_ROW};
create view outbox_event with (security_invoker = true) as
  select o.tenant_id, o.id + e.n - 1 as id, o.object_id, e.record_id, o.event, o.payload, o.actor_id, o.occurred_at, o.txid
    from outbox o cross join lateral unnest(coalesce(o.record_ids, array[o.record_id])) with ordinality as e(record_id, n);
grant select on outbox_event to protean_app;
revoke insert, update, delete on outbox_event from protean_app;
${createRecordsFunctionSql(RECORDSET_INSERT.sql, RECORDSET_INSERT.withoutLinks)}`,
  },
  {
    id: 69,
    name: 'create_records answers how many records it wrote and when',
    // ADR 0018 addendum. It answered a row per record (id, version 1, created and updated at the
    // transaction's time), a thousand for a bulk insert: kept in a tuplestore, sent and parsed
    // (two time stamps each) to tell the server what it knew, since the statement writes all of
    // its records or none. A different result type needs the function dropped first.
    sql: `
drop function create_records(uuid, integer, jsonb, text, uuid, text[], uuid[], text[]);
${CREATE_RECORDS_RECORDSET_FUNCTION_SQL}`,
  },
  {
    id: 70,
    name: 'no record_by_owner index',
    // ADR 0018 addendum. Nothing reads through it: a list narrowed by record access matches the
    // owner by a hashed subplan (ADR 0019), which cannot be an index condition. bench/acl.ts at
    // 1M records measured the narrowed list's Postgres CPU the same with and without it, while it
    // cost every bulk-inserted record ~8 µs of execution and every record ~140 B. The owner_id
    // column stays: the narrowed predicate reads it.
    sql: 'drop index if exists record_by_owner;',
  },
  {
    id: 71,
    name: 'search finds one or two East Asian characters anywhere in a name',
    // ADR 0010 addendum. A trigram needs three characters, so "美玲" found "美玲" only at the start
    // of a name, never in "陈美玲"; most Chinese given and family names are one or two characters.
    // The search text now ends with each East Asian character and the one after it as words of
    // their own (search-text.ts gives the same text), and a search of one or two such characters
    // looks for a word starting with it: its trigram with the word's padding is in the index.
    // Records already holding such letters get the new text; nothing else changes for them.
    sql: `
create or replace function record_search_text(data jsonb) returns text language plpgsql immutable parallel safe as $fn$
declare
${SEARCHABLE_TEXTS_SQL}
  starts text;
begin
${SHORT_TEXTS_ONLY_SQL}
  if texts::text ~ '${EAST_ASIAN_SQL_CLASS}' then
    select string_agg(' ' || substr(m.run[1], i, 2), '' order by v.n, m.k, i) into starts
      from jsonb_array_elements_text(texts) with ordinality v(t, n)
      cross join lateral regexp_matches(v.t, '${EAST_ASIAN_SQL_CLASS}+', 'g') with ordinality m(run, k)
      cross join lateral generate_series(1, char_length(m.run[1])) i;
    texts := texts || to_jsonb(starts);
  end if;
  return lower(texts::text);
end $fn$;

${CANDIDATES_FUNCTION_HEAD}
  v_pattern text;
begin
  if v_tenant is null then return; end if;
  if char_length(v_text) < 3 then
    -- One or two East Asian characters: a word of the text's East Asian starts begins with them.
    if p_fuzzy or v_text !~ '^${EAST_ASIAN_SQL_CLASS}{1,2}$' then return; end if;
    v_pattern := '% ' || v_text || '%';
  elsif cardinality(show_trgm(v_text)) = 0 then
    return;
  elsif p_fuzzy then
    perform set_config('pg_trgm.word_similarity_threshold', '0.5', true);
    return query ${CANDIDATE_ROWS_SQL}
       and r.search_text %> v_text limit least(p_limit, 500);
    return;
  else
    v_pattern := '%' || replace(replace(replace(v_text, '#', '##'), '%', '#%'), '_', '#_') || '%';
  end if;
  return query ${CANDIDATE_ROWS_SQL}
     and r.search_text like v_pattern escape '#'
   limit least(p_limit, 500);
end $$;

update record set search_text = record_search_text(data) where search_text ~ '${EAST_ASIAN_SQL_CLASS}';`,
  },
  {
    id: 72,
    name: 'text slots lowered as lower() lowers',
    // Text slots were filled with toLowerCase(), which turns 'İ' into 'i' and a combining dot and a
    // word-final 'Σ' into 'ς', where lower() (filters, search) gives 'i' and 'σ'; writes now use
    // foldCase. Only values holding one of the two differ. A slot of a field stored as it is
    // (picklist, lookup, owner) holds the value itself and is left alone.
    sql: TEXT_SLOTS.map(
      (slot) => `
update record r set ix_${slot} = lower(r.data->>s.field_id)
  from (select t.id as tenant_id, o->>'id' as object_id, f.field_id
          from ${CURRENT_OBJECTS_SQL}
          cross join lateral (select coalesce(o->'indexSlots'->>'${slot}', o->'pendingIndexSlots'->>'${slot}') as field_id) f
         where f.field_id is not null) s
 where r.tenant_id = s.tenant_id and r.object_id = s.object_id and jsonb_typeof(r.data->s.field_id) = 'string'
   and r.data->>s.field_id ~ '[\u0130\u03a3]' and r.ix_${slot} is distinct from r.data->>s.field_id
   and r.ix_${slot} is distinct from lower(r.data->>s.field_id);`,
    ).join(''),
  },
  {
    id: 73,
    name: 'scripts act as their own automation principal',
    // ADR 0014 addendum. A script ran as whoever invoked it (the saver, the presser), so the model
    // right reached every saver's access through a script and its invocation log. Each script now
    // acts as an automation principal of its own id; a script saved before takes the profile its
    // live version's author holds now, as a new script takes its author's. One without an author
    // gets no principal and reaches nothing until someone saves it with a profile. Each invocation
    // records the profile it ran as: its log is read only by whoever may give that profile.
    sql: `
alter table script_invocation add column if not exists profile text;
insert into acl_automation (tenant_id, id, kind, name, profile)
select s.tenant_id, s.id, 'script', coalesce(v.definition->>'label', s.api_name), u.role
  from script s join script_version v on v.tenant_id = s.tenant_id and v.script_id = s.id and v.version = s.version
  join app_user u on u.tenant_id = s.tenant_id and u.id = v.author_id
 where s.deleted_at is null
on conflict (tenant_id, id) do nothing;`,
  },
  {
    id: 74,
    name: 'record and user ids in lookups stored lower-case',
    // A lookup or owner written with a capitalised id was stored as sent by the one-statement
    // create: no filter by that id and no related list found the record. Writes now store ids as
    // Postgres writes a uuid; the values and slots already written that way are lowered here.
    sql: `
update record r set data = (select jsonb_object_agg(e.key, case when e.key = any(i.field_ids) and jsonb_typeof(e.value) = 'string' then to_jsonb(lower(e.value #>> '{}')) else e.value end) from jsonb_each(r.data) e)
  from (select tenant_id, object_id, array_agg(field_id) as field_ids from (${ID_FIELDS_SQL}) f group by tenant_id, object_id) i
 where r.tenant_id = i.tenant_id and r.object_id = i.object_id
   and exists (select 1 from unnest(i.field_ids) f(id) where jsonb_typeof(r.data->f.id) = 'string' and r.data->>f.id ~ '[A-F]');
${TEXT_SLOTS.map(
  (slot) => `
update record r set ix_${slot} = lower(r.ix_${slot})
  from (${ID_FIELDS_SQL}) i
 where r.tenant_id = i.tenant_id and r.object_id = i.object_id and i.field_id = i.slots->>'${slot}' and r.ix_${slot} ~ '[A-F]';`,
).join('')}`,
  },
  {
    id: 75,
    name: 'sessions remember when they were last used',
    // ADR 0007 addendum: a session unused for the idle time ends. The time is written at most once
    // every few minutes per session, so a request costs no write; the index serves a user's sessions.
    // Sessions were never cleared once they lapsed: they go first, so the index (and migration 77's
    // rewrite of the table) covers the sessions of the last 12 hours, not every sign-in ever.
    sql: `
delete from user_session where expires_at <= now();
alter table user_session add column if not exists last_seen_at timestamptz not null default now();
create index if not exists user_session_user on user_session (tenant_id, user_id);`,
  },
  {
    id: 76,
    name: 'approvals remember who asked for them',
    // ADR 0015 addendum "Who decides an approval": the requester may not decide their own request
    // unless its step allows it and names them alone. Requests made before take the requester from
    // their run's trigger (the user who changed the record or started the run) and do not allow it,
    // as no step could say so then.
    sql: `
alter table workflow_approval add column if not exists requested_by uuid;
alter table workflow_approval add column if not exists self_approval boolean not null default false;
update workflow_approval a set requested_by = lower(coalesce(r.scope->'trigger'->>'actorId', r.scope->'trigger'->>'userId'))::uuid
  from workflow_run r
 where r.tenant_id = a.tenant_id and r.id = a.run_id and a.requested_by is null
   and coalesce(r.scope->'trigger'->>'actorId', r.scope->'trigger'->>'userId') ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';`,
  },
  {
    id: 77,
    name: 'sessions a user can see and end',
    // ADR 0007 addendum: a user lists their sessions and ends one by its id (the token's hash stays
    // on the server); each shows where and with what it was signed in. Sessions from before know neither.
    sql: `
alter table user_session add column if not exists id uuid not null default gen_random_uuid();
alter table user_session add column if not exists address text;
alter table user_session add column if not exists user_agent text;
create unique index if not exists user_session_id on user_session (tenant_id, id);`,
  },
  {
    id: 78,
    name: 'empty texts stored as no value',
    // ADR 0009 addendum: an empty text is no value to a required field, a unique claim and isNull,
    // yet it was stored as '', so it sorted before every name and read as '' where a record without
    // the value reads null. Writes now store none; the texts stored empty before leave the values
    // (every such field of a record at once) and their slots, in one pass over the records that
    // writes each such record once (a slot holds '' only where its field's value is '').
    sql: `
update record r set data = r.data - array(select f.id from unnest(i.field_ids) f(id) where r.data->f.id = '""'::jsonb),
${TEXT_SLOTS.map((slot) => `       ix_${slot} = case when r.ix_${slot} = '' and i.slots->>'${slot}' = any(i.field_ids) then null else r.ix_${slot} end`).join(',\n')}
  from (select tenant_id, object_id, slots, array_agg(field_id) as field_ids from (${TEXT_FIELDS_SQL}) f group by tenant_id, object_id, slots) i
 where r.tenant_id = i.tenant_id and r.object_id = i.object_id
   and exists (select 1 from unnest(i.field_ids) f(id) where r.data->f.id = '""'::jsonb);`,
  },
  {
    id: 79,
    name: 'slot indexes without deduplication, outbox record lists stored as they are, inserts in input order',
    // ADR 0018, tenth pass. Every slot index ends its key with the record id, so no two entries are
    // equal and the deduplication pass a full leaf page gets before it splits found nothing. A bulk
    // insert's outbox row lists its thousand record ids (16 kB), which Postgres tried to compress
    // (random ids do not compress) before it stored them out of line. The insert statement no
    // longer sorts its rows by their place in the input: they come out of the input in that order.
    // Together 4 % of Postgres' instructions a bulk-inserted record (write-instructions.ts).
    sql: `
alter index record_ix1 set (deduplicate_items = off);
alter index record_ix2 set (deduplicate_items = off);
alter index record_ix3 set (deduplicate_items = off);
alter index record_ix4 set (deduplicate_items = off);
alter table outbox alter column record_ids set storage external;
${CREATE_RECORDS_RECORDSET_FUNCTION_SQL}`,
  },
  {
    id: 80,
    name: 'empty selections stored as no value',
    // ADR 0009 addendum: an empty multi-select is no value to a required field and isNull, as an
    // empty text is (migration 78), yet it was stored as [], so the records held two forms of none.
    // Writes now store none; the selections stored empty before leave the values, every such field
    // of a record at once.
    sql: `
update record r set data = r.data - array(select f.id from unnest(i.field_ids) f(id) where r.data->f.id = '[]'::jsonb)
  from (select tenant_id, object_id, array_agg(field_id) as field_ids from (${MULTI_PICKLIST_FIELDS_SQL}) f group by tenant_id, object_id) i
 where r.tenant_id = i.tenant_id and r.object_id = i.object_id
   and exists (select 1 from unnest(i.field_ids) f(id) where r.data->f.id = '[]'::jsonb);`,
  },
  {
    id: 81,
    name: 'approvals decided by every approver, and each approver\'s decision',
    // ADR 0015 addendum: an approval keeps how it is decided (the first response, or every approver)
    // and whom its approver definitions resolved to when its step started; each approver's decision
    // is a row. Requests made before are decided by the first response, as they were.
    sql: `
alter table workflow_approval add column if not exists decision_mode text not null default 'first' check (decision_mode in ('first', 'unanimous'));
alter table workflow_approval add column if not exists approvers jsonb;
create table if not exists workflow_approval_vote (
  tenant_id uuid not null, approval_id uuid not null, user_id uuid not null,
  decision text not null check (decision in ('approved', 'rejected')), comment text, decided_at timestamptz not null default now(),
  primary key (tenant_id, approval_id, user_id)
);
${tenantIsolation('workflow_approval_vote')}
grant select, insert, update, delete on workflow_approval_vote to protean_app;
insert into workflow_approval_vote (tenant_id, approval_id, user_id, decision, comment, decided_at)
select tenant_id, id, decided_by, status, comment, decided_at from workflow_approval
 where status in ('approved', 'rejected') and decided_by is not null on conflict do nothing;`,
  },
  {
    id: 82,
    name: 'a workspace chooses its sessions\' idle time; an account knows whether its language was chosen',
    // ADR 0007 addendum: none chosen (null) takes the server's PROTEAN_SESSION_IDLE_MINUTES. An
    // account's language was 'en' until one was set, so English could not be told from none: the
    // accounts that hold another language had one set; those holding 'en' count as never chosen.
    sql: `
alter table tenant add column if not exists session_idle_minutes integer check (session_idle_minutes between 1 and 720);
alter table app_user add column if not exists locale_chosen boolean not null default false;
update app_user set locale_chosen = true where locale <> 'en' and not locale_chosen;`,
  },
  {
    id: 83,
    name: 'a write sent with an Idempotency-Key keeps its answer for a retry',
    // One row per key of an API key or user, claimed in the write's own transaction; kept a day.
    sql: `
create table if not exists idempotent_request (
  tenant_id uuid not null,
  holder text not null,
  key text not null,
  fingerprint text not null,
  status integer,
  body jsonb,
  created_at timestamptz not null default now(),
  primary key (tenant_id, holder, key)
);
create index if not exists idempotent_request_by_age on idempotent_request (tenant_id, created_at);
${tenantIsolation('idempotent_request')}
grant select, insert, update, delete on idempotent_request to protean_app;`,
  },
  {
    id: 84,
    name: 'the insert statement stores the search text as the server lowered it',
    // ADR 0018, twelfth pass. The server lowers the search text with foldCase, which lowers as
    // lower() does (ADR 0023); lower() in the statement lowered it a second time before pg_trgm
    // lowered it again for its trigrams: 1.5 % of a bulk-inserted record's instructions.
    sql: CREATE_RECORDS_RECORDSET_FUNCTION_SQL,
  },
  {
    id: 85,
    name: 'date-times stored with an offset of hours alone, in UTC',
    // ADR 0009 addendum. Date-times are stored in UTC (toISOString(), so text order is time order),
    // but one with an offset of hours alone ('…+08'), which Date cannot read, was stored as sent
    // until such values were refused. Those read back in another form, sort out of time order as
    // text, and their text was searchable. Postgres reads the offset; each such value is rewritten
    // as the instant in UTC, field by field (a record may hold several), with its search text.
    sql: `
do $$
declare datetime_field record;
begin
  for datetime_field in ${fieldsOfTypesSql(`'datetime'`)} loop
    update record r set data = u.data, search_text = lower(record_search_text(u.data))
      from (select id, jsonb_set(data, array[datetime_field.field_id], to_jsonb(to_char((data->>datetime_field.field_id)::timestamptz at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))) as data
              from record
             where tenant_id = datetime_field.tenant_id and object_id = datetime_field.object_id
               and data->>datetime_field.field_id ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?[+-][0-9]{2}$') u
     where r.tenant_id = datetime_field.tenant_id and r.id = u.id;
  end loop;
end $$;`,
  },
  {
    id: 86,
    name: 'a workspace has a language of its own',
    // What the workspace is set up in: its starter workflows are written in it, and an account
    // that never chose a language reads the workspace's. Existing workspaces were all English.
    sql: `alter table tenant add column if not exists locale text not null default 'en' check (locale in ('en', 'zh-CN'));`,
  },
  {
    id: 87,
    name: 'workflow run, step and pause errors keep what they were made of',
    // ADR 0015 addendum. A run's error is stored as one English sentence; its parts (the problem's
    // detail and each field's message, or the pause's count and the last run's error) are kept
    // beside it, so the API answers them in the reader's language. Older rows have none and are
    // answered from their text.
    sql: `
alter table workflow_run add column if not exists error_detail jsonb;
alter table workflow_step add column if not exists error_detail jsonb;
alter table workflow add column if not exists paused_detail jsonb;`,
  },
  {
    id: 88,
    name: 'the search text of the searched fields, made by the server',
    // ADR 0018 addendum (searched texts only). The server now writes the text of the fields search
    // matches with every create, edit and restore. A text is made here only when it is null: by a
    // statement of its own that changes values search may match (a default given to existing
    // records, a purge), and for an object whose records search must read again (a new name field,
    // a type search matches, a restored field). It is then the text of every string value, a
    // superset the search narrows. Before, an edit's text was remade here from all its values
    // whenever the values changed, which overwrote the server's text when it had not changed.
    sql: `
${recordFillDerivedSql('create or replace', 'new.search_text is null')}
drop trigger record_fill_derived_on_update on record;
create trigger record_fill_derived_on_update before update of data, created_by, search_text on record
  for each row when (new.data is distinct from old.data or new.created_by is distinct from old.created_by or new.search_text is null) execute function record_fill_derived();`,
  },
  {
    id: 89,
    name: 'create_records takes the derived columns as arrays beside the values',
    // ADR 0018 addendum (the insert's input). The records' ids, search texts, owners and slot
    // values go as one array parameter each, beside a JSON array of the values: Postgres 15 parsed
    // them as JSON text a character at a time, ~12 % of a bulk-inserted record's instructions.
    sql: `
drop function create_records(${createRecordsArguments('recordset')});
create type create_records_answer as (written integer, at timestamptz);
${CREATE_RECORDS_FUNCTION_SQL}`,
  },
  {
    id: 90,
    name: 'a webhook delivery is sent only as the user it was made for',
    // A delivery's body holds what its webhook's user could read when it was made. Another holder
    // of the keys right who points the webhook elsewhere becomes its user from then on; the
    // deliveries made for the one before must not follow the new URL (retries or redelivery).
    sql: `
alter table webhook_delivery add column sender_id uuid;
update webhook_delivery d set sender_id = w.created_by from webhook w where w.tenant_id = d.tenant_id and w.id = d.webhook_id;`,
  },
  {
    id: 91,
    name: 'an invitation link counts the taken emails tried with it',
    // A link for anyone answers "already used" for an email of a member: with unlimited tries it
    // would list the workspace's people. A link is revoked at its third taken email.
    sql: `alter table user_invite add column taken_email_tries integer not null default 0;`,
  },
  {
    id: 92,
    name: 'record shares by grantee',
    // What is shared with a user or group (a user manager may reset only those who reach no more than they do).
    sql: `create index record_share_by_grantee on record_share (tenant_id, grantee);`,
  },
  {
    id: 93,
    name: 'record changes by transaction, against which a kept list page is checked',
    // ADR 0025. Every statement that writes records or shares notes its transaction, once, under
    // its tenant: a page read under snapshot S is still what a read would give now when no noted
    // transaction of the tenant is invisible to S. A writer bound by row-level security writes
    // only its own tenant's rows, so the setting names the tenant; any other writer (the system
    // connection: migrations, backfills, cross-tenant jobs) may touch every tenant and notes the
    // all-tenants id. Rows only ever are inserted: no row is locked by two writers, and none is
    // held across statements.
    sql: `
create table record_change (
  tenant_id uuid not null,
  xid xid8 not null,
  primary key (tenant_id, xid)
);
alter table record_change enable row level security;
alter table record_change no force row level security;
create policy tenant_isolation on record_change
  using (tenant_id in (nullif(current_setting('app.tenant_id', true), '')::uuid, '${ALL_TENANTS}'::uuid))
  with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
revoke update, delete, truncate on record_change from protean_app;
grant select, insert on record_change to protean_app;
create function record_changed() returns trigger language plpgsql set search_path = public, pg_temp as $$
declare
  tenant uuid := case when row_security_active(tg_relid) then nullif(current_setting('app.tenant_id', true), '')::uuid else '${ALL_TENANTS}'::uuid end;
begin
  -- Bound by row-level security with no tenant set, the statement could change no row.
  if tenant is not null then
    insert into record_change (tenant_id, xid) values (tenant, pg_current_xact_id()) on conflict do nothing;
  end if;
  return null;
end $$;
create trigger record_changed after insert or update or delete or truncate on record for each statement execute function record_changed();
create trigger record_changed after insert or update or delete or truncate on record_share for each statement execute function record_changed();`,
  },
];


/** The role every request runs as once migrations are done (see migration 4). */
export const APP_ROLE = 'protean_app';

export const LATEST_MIGRATION = Math.max(...migrations.map((m) => m.id));

/** Applies pending migrations on the system connection, then opens the application's own. */
export async function migrate(db: Database): Promise<void> {
  await assertUnicodeCharacterClasses(db);
  await applyMigrations(db);
  await db.connectApplication(APP_ROLE);
}

/**
 * Search lower-cases texts and splits them into words in the database (lower(), pg_trgm), both by
 * the database's LC_CTYPE. Under an ASCII-only one (C, POSIX) "Émile" stays "Émile" and every
 * Chinese character reads as a space, so a search finds no part of a Chinese name and no accented
 * capital: refused at start rather than found out by a user. LC_CTYPE is fixed when a database is
 * created; collation (sort order) may stay C. Checked before any migration writes: pg_trgm's
 * letters and lower() come from the same LC_CTYPE, so lower() tells for both.
 */
async function assertUnicodeCharacterClasses(db: Database): Promise<void> {
  const [row] = await db.system((q) =>
    q.query<{ ctype: string; folds: boolean }>("select datctype as ctype, lower('ÉΣ') = 'éσ' as folds from pg_database where datname = current_database()"),
  );
  if (row?.folds) return;
  throw new Error(
    `The database's LC_CTYPE is ${row?.ctype ?? 'unknown'}, which knows only ASCII letters: search would not find "美玲" in "陈美玲" nor "émile" in "Émile". ` +
      'Create the database with a UTF-8 character type, e.g. createdb --template=template0 --encoding=UTF8 --lc-collate=C --lc-ctype=C.UTF-8 <name>.',
  );
}

async function applyMigrations(db: Database): Promise<void> {
  await db.system(async (tx) => {
    // One migrator at a time across processes.
    await tx.query('select pg_advisory_xact_lock(4610)');
    await tx.query('create table if not exists schema_migration (id integer primary key, name text not null, applied_at timestamptz not null default now())');
    const applied = new Set((await tx.query<{ id: number }>('select id from schema_migration')).map((r) => r.id));
    for (const migration of migrations) {
      if (applied.has(migration.id)) continue;
      await tx.exec(migration.sql);
      await tx.query('insert into schema_migration (id, name) values ($1, $2)', [migration.id, migration.name]);
    }
  });
}

/** Every known migration is applied; ids need not arrive in order, so a gap counts as pending. */
export async function migrationsApplied(db: Database): Promise<boolean> {
  const rows = await db.system((q) => q.query<{ id: number }>('select id from schema_migration'));
  const applied = new Set(rows.map((r) => r.id));
  return migrations.every((m) => applied.has(m.id));
}
