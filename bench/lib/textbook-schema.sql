-- The textbook service's schema (bench/lib/textbook-server.ts): what a good engineer would write
-- for the bench workload by hand, one table per entity with real typed columns, no tenancy,
-- no revisions, no outbox. Indexes serve exactly the workload: the primary keys (get by id and
-- the expansion join), the list's filter-and-sort, and the foreign key (deleting an
-- organization must not scan its customers).
create table organization (
  id uuid primary key,
  name text not null
);

create table customer (
  id uuid primary key,
  name text not null,
  email text,
  phone text,
  status text not null check (status in ('lead', 'prospect', 'active', 'dormant', 'churned')),
  score integer check (score between 0 and 100000),
  signup_date date,
  balance numeric(14, 2),
  city text,
  newsletter boolean,
  last_contact_at timestamptz,
  organization_id uuid references organization (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- The list: status = ? and score > ? order by signup_date, id limit 50 — equality first, then
-- the sort key (rows come out in order), then score, checked in the index before the heap.
create index customer_status_signup on customer (status, signup_date, id, score);
create index customer_organization on customer (organization_id);
