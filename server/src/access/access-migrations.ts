import { tenantIsolation } from '../db/migrations.ts';

const ACCESS_TABLES = ['acl_permission_set', 'acl_profile', 'acl_role', 'acl_group', 'acl_group_member', 'acl_assignment', 'acl_automation', 'acl_object_access', 'acl_sharing_rule', 'record_share', 'acl_audit', 'acl_state'];

/**
 * ADR 0012. Who may do what is data of the tenant: permission sets, profiles (named bundles of
 * them, one per user), the role hierarchy, groups, org-wide defaults, sharing rules and the
 * share rows that rules and people create. Record access is answered in SQL: the record's
 * owner is a stored column (the `owner` field, else the creator) and shares are rows keyed by
 * (record, grantee), so a list narrows by `owner_id = any(...) or exists(share)`. (Migration 70
 * dropped `record_by_owner`: the narrowed predicate never used it as an index condition.)
 */
export const accessControlSql = () => `
alter table record add column owner_id uuid generated always as (
  case when data->>'owner' ~ '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' then (data->>'owner')::uuid else created_by end) stored;
create index record_by_owner on record (tenant_id, object_id, owner_id, id) where deleted_at is null;

-- The profile key lives in app_user.role ('admin', 'standard' or a tenant's own profile).
alter table app_user drop constraint if exists app_user_role_check;
alter table app_user add column access_role_id uuid;
alter table api_key add column permission_set_ids uuid[];

create table acl_permission_set (
  tenant_id uuid not null, id uuid not null, key text not null, name text not null, description text not null default '',
  system boolean not null default false, grants jsonb not null, updated_at timestamptz not null default now(),
  primary key (tenant_id, id), unique (tenant_id, key)
);
create table acl_profile (
  tenant_id uuid not null, id uuid not null, key text not null, name text not null, system boolean not null default false,
  permission_set_ids uuid[] not null default '{}', primary key (tenant_id, id), unique (tenant_id, key)
);
create table acl_role (
  tenant_id uuid not null, id uuid not null, name text not null, parent_id uuid,
  -- ids from the top of the hierarchy down to this role, itself included
  path uuid[] not null, primary key (tenant_id, id)
);
create table acl_group (tenant_id uuid not null, id uuid not null, name text not null, primary key (tenant_id, id));
create table acl_group_member (
  tenant_id uuid not null, group_id uuid not null, member_kind text not null check (member_kind in ('user', 'role', 'role_and_below')), member_id uuid not null,
  primary key (tenant_id, group_id, member_kind, member_id)
);
-- Permission sets given to a principal beyond its profile: a user, an API key or an automation.
create table acl_assignment (
  tenant_id uuid not null, principal_id uuid not null, permission_set_id uuid not null,
  primary key (tenant_id, principal_id, permission_set_id)
);
create table acl_automation (
  tenant_id uuid not null, id uuid not null, kind text not null check (kind in ('script', 'workflow', 'plugin')), name text not null,
  profile text not null default 'standard', access_role_id uuid, primary key (tenant_id, id)
);
create table acl_object_access (
  tenant_id uuid not null, object_id text not null, default_access text not null check (default_access in ('private', 'read', 'edit')),
  primary key (tenant_id, object_id)
);
create table acl_sharing_rule (
  tenant_id uuid not null, id uuid not null, object_id text not null, name text not null, condition text not null,
  grantee_kind text not null check (grantee_kind in ('role', 'group', 'user')), grantee_id uuid not null,
  access text not null check (access in ('read', 'edit')), active boolean not null default true,
  created_at timestamptz not null default now(), updated_at timestamptz not null default now(), primary key (tenant_id, id)
);
create table record_share (
  tenant_id uuid not null, record_id uuid not null, grantee uuid not null, object_id text not null,
  access text not null check (access in ('read', 'edit')),
  -- 'manual' or 'rule:<rule id>'
  source text not null, created_by uuid, created_at timestamptz not null default now(),
  primary key (tenant_id, record_id, grantee, source)
);
create index record_share_by_source on record_share (tenant_id, source);
create table acl_audit (
  tenant_id uuid not null, id uuid not null, at timestamptz not null default clock_timestamp(), actor_id uuid, actor_name text not null,
  action text not null, subject text not null, detail jsonb not null default '{}', primary key (tenant_id, id)
);
create index acl_audit_recent on acl_audit (tenant_id, at desc);
create table acl_state (tenant_id uuid primary key, version bigint not null default 0);

${ACCESS_TABLES.map((t) => tenantIsolation(t)).join('\n')}
grant select, insert, update, delete on ${ACCESS_TABLES.join(', ')} to protean_app;

-- A get by id for a principal whose access to the object is narrowed: one round trip, as tenant_record.
create function tenant_record_visible(p_tenant uuid, p_object text, p_id uuid, p_owners uuid[], p_grantees uuid[])
  returns table (id uuid, object_id text, version integer, data jsonb, created_at timestamptz, created_by uuid,
                 updated_at timestamptz, updated_by uuid, deleted_at timestamptz, deleted_by uuid)
  language plpgsql as $$
#variable_conflict use_column
begin
  perform set_config('app.tenant_id', p_tenant::text, true);
  return query select r.id, r.object_id, r.version, r.data, r.created_at, r.created_by, r.updated_at, r.updated_by, r.deleted_at, r.deleted_by
    from record r where r.tenant_id = p_tenant and r.object_id = p_object and r.id = p_id and r.deleted_at is null
     and (r.owner_id = any(p_owners) or exists (select 1 from record_share s where s.tenant_id = p_tenant and s.record_id = r.id and s.grantee = any(p_grantees)));
end $$;
grant execute on function tenant_record_visible(uuid, text, uuid, uuid[], uuid[]) to protean_app;
analyze record;`;


/**
 * ADR 0019. A principal's owners and grantees stored once per content (the id is a hash of both
 * lists), so a list statement names them instead of carrying them: for a manager 8.6 KB of
 * literal that Postgres parsed into 220 UUIDs on every request. Rows are written when an access
 * shape is built (PostgreSQL only) and never change; `used_at` is refreshed at most daily while
 * shapes use them, and rows unused for 30 days go when a new one is written.
 */
export const accessReachSql = () => `
create table acl_reach (
  tenant_id uuid not null, id text not null, owners uuid[] not null, grantees uuid[] not null,
  used_at timestamptz not null default now(), primary key (tenant_id, id)
);
${tenantIsolation('acl_reach')}
grant select, insert, update, delete on acl_reach to protean_app;`;

/**
 * ADR 0012 addendum. `record.has_shares` is true once a share row names the record, so a list
 * narrowed by record access probes `record_share` only for the few records that ever had one
 * (about one in ten under the bench's five rules) instead of every record of others it reads.
 * A statement trigger on `record_share` sets it for every writer (rules, their recalculation,
 * manual shares). It is never cleared: a record whose shares are gone costs a probe that finds
 * nothing, never a wrong answer. A false is never stale, because a share row and its record's
 * mark commit together.
 */
export const recordShareMarkSql = () => `
alter table record add column has_shares boolean not null default false;
update record r set has_shares = true where exists (select 1 from record_share s where s.tenant_id = r.tenant_id and s.record_id = r.id);
create function record_share_mark() returns trigger language plpgsql as $$
begin
  update record r set has_shares = true
    from (select distinct tenant_id, object_id, record_id from added) a
   where r.tenant_id = a.tenant_id and r.object_id = a.object_id and r.id = a.record_id and not r.has_shares;
  return null;
end $$;
create trigger record_share_mark after insert on record_share referencing new table as added for each statement execute function record_share_mark();`;
