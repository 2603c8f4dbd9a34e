-- The textbook's customers again, in a table with what Protean gives every record beyond its
-- values (ADR 0026): the workspace leading the primary key and every index (as row-level security
-- needs), an owner, who created and last changed it, a version, soft delete, a search text with
-- its trigram index, and indexes that serve the related list in creation order and the list sorted
-- or filtered by name. The rows are copied in the textbook's order into a table whose indexes
-- exist before the rows come, as in a table that grows by use. Storage only: no service reads it.
create extension if not exists pg_trgm;
drop table if exists customer_featured;
create table customer_featured (
  tenant_id uuid not null,
  id uuid not null,
  name text not null, email text, phone text, status text not null, score integer, signup_date date,
  balance numeric(14, 2), city text, newsletter boolean, last_contact_at timestamptz, organization_id uuid,
  owner_id uuid not null,
  version integer not null default 1,
  created_at timestamptz not null, created_by uuid, updated_at timestamptz not null, updated_by uuid,
  deleted_at timestamptz, deleted_by uuid,
  search_text text,
  primary key (tenant_id, id)
);
create index customer_featured_status_signup on customer_featured (tenant_id, status, signup_date, id, score) where deleted_at is null;
create index customer_featured_organization on customer_featured (tenant_id, organization_id, created_at, id) where deleted_at is null;
create index customer_featured_name on customer_featured (tenant_id, lower(name), id) where deleted_at is null;
create index customer_featured_search on customer_featured using gin (search_text gin_trgm_ops) where deleted_at is null;
insert into customer_featured (tenant_id, id, name, email, phone, status, score, signup_date, balance, city, newsletter, last_contact_at,
                               organization_id, owner_id, created_at, created_by, updated_at, updated_by, search_text)
select '00000000-0000-4000-8000-000000000001', id, name, email, phone, status, score, signup_date, balance, city, newsletter, last_contact_at,
       organization_id, '00000000-0000-4000-8000-000000000002', created_at, '00000000-0000-4000-8000-000000000002', updated_at,
       '00000000-0000-4000-8000-000000000002', lower(concat_ws(' ', name, email, phone))
  from customer;;
