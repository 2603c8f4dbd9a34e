-- Protean indexing benchmark: schema (ADR 0001 record table) + dataset.
-- Tenant A: 1,000,000 Customer rows + 10,000 Organization rows.
-- Other tenants: 1,000,000 rows (200 tenants x 5,000 rows, similar JSON shape).
-- record_slots = the same rows plus typed index slot columns (candidate B).
\set ON_ERROR_STOP on
DROP TABLE IF EXISTS record, record_slots CASCADE;

CREATE TABLE record (
  tenant_id  uuid        NOT NULL,
  id         uuid        NOT NULL,
  object_id  text        NOT NULL,
  version    int         NOT NULL DEFAULT 1,
  data       jsonb       NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid,
  deleted_at timestamptz,
  deleted_by uuid,
  PRIMARY KEY (tenant_id, id)
);

SELECT setseed(0.42);

-- Tenant A organizations (lookup targets), ids deterministic
INSERT INTO record (tenant_id, id, object_id, data)
SELECT 'aaaaaaaa-0000-4000-8000-000000000001',
       ('00000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid,
       'o_organiz00',
       jsonb_build_object('f_oname', 'Organization ' || i, 'f_oindustry', 'pv_ind' || (i % 12))
FROM generate_series(1, 10000) i;

-- Tenant A customers. age is derived from birth_date (realistic correlation), so a sort
-- by birth_date DESC runs against the filter age > 30 (the adverse shape).
INSERT INTO record (tenant_id, id, object_id, data, created_at, deleted_at)
SELECT 'aaaaaaaa-0000-4000-8000-000000000001', gen_random_uuid(), 'o_customer00',
       jsonb_build_object(
         'f_name',    'Customer ' || i,
         'f_email',   substr(md5(i::text), 1, 8) || '.' || i || '@example.com',
         'f_phone',   '+1-555-' || lpad((i % 10000000)::text, 7, '0'),
         'f_status',  'pv_st' || (floor(random() * 5))::int,
         'f_age',     floor((date '2025-01-01' - bd) / 365.25)::int,
         'f_birth',   to_char(bd, 'YYYY-MM-DD'),
         'f_balance', round((random() * 10000)::numeric, 2),
         'f_city',    'City ' || (floor(random() * 200))::int,
         'f_created', to_char(cr AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
         'f_org',     '00000000-0000-4000-8000-' || lpad(to_hex(1 + floor(random() * 10000)::int), 12, '0')
       ),
       cr,
       CASE WHEN random() < 0.02 THEN cr + interval '1 day' END   -- 2% soft-deleted
FROM (SELECT i,
             date '1935-01-01' + floor(random() * 26000)::int AS bd,   -- ages ~18..89
             timestamptz '2020-01-01 00:00Z' + random() * interval '1800 days' AS cr
      FROM generate_series(1, 1000000) i) s;

-- Other tenants / objects: 1,000,000 rows in 200 tenants
INSERT INTO record (tenant_id, id, object_id, data)
SELECT ('bbbbbbbb-0000-4000-8000-' || lpad(to_hex(i % 200), 12, '0'))::uuid, gen_random_uuid(),
       'o_obj' || (i % 3),
       jsonb_build_object('f_name', 'Thing ' || i, 'f_status', 'pv_st' || (i % 7),
                          'f_amount', round((random() * 1000)::numeric, 2),
                          'f_day', to_char(date '2000-01-01' + (i % 9000), 'YYYY-MM-DD'),
                          'f_note', md5(i::text))
FROM generate_series(1, 1000000) i;

-- Candidate B table: same rows + typed slots. Slot assignment (metadata would hold it):
-- Customer: t1=status t2=lower(email) t3=org t4=city n1=age n2=balance d1=birth d2=created
CREATE TABLE record_slots (LIKE record INCLUDING DEFAULTS,
  t1 text COLLATE "C", t2 text COLLATE "C", t3 text COLLATE "C", t4 text COLLATE "C",
  n1 numeric, n2 numeric, n3 numeric, n4 numeric,
  d1 timestamptz, d2 timestamptz, d3 timestamptz, d4 timestamptz,
  PRIMARY KEY (tenant_id, id));

INSERT INTO record_slots
SELECT r.*,
  CASE WHEN object_id = 'o_customer00' THEN data->>'f_status' WHEN object_id LIKE 'o_obj%' THEN data->>'f_status' END,
  CASE WHEN object_id = 'o_customer00' THEN lower(data->>'f_email') END,
  CASE WHEN object_id = 'o_customer00' THEN data->>'f_org' END,
  CASE WHEN object_id = 'o_customer00' THEN lower(data->>'f_city') END,
  CASE WHEN object_id = 'o_customer00' THEN (data->>'f_age')::numeric WHEN object_id LIKE 'o_obj%' THEN (data->>'f_amount')::numeric END,
  CASE WHEN object_id = 'o_customer00' THEN (data->>'f_balance')::numeric END,
  NULL, NULL,
  CASE WHEN object_id = 'o_customer00' THEN (data->>'f_birth')::timestamptz WHEN object_id LIKE 'o_obj%' THEN (data->>'f_day')::timestamptz END,
  CASE WHEN object_id = 'o_customer00' THEN (data->>'f_created')::timestamptz END,
  NULL, NULL
FROM record r;

VACUUM (ANALYZE) record;
VACUUM (ANALYZE) record_slots;
SELECT pg_size_pretty(pg_total_relation_size('record')) AS record_size,
       pg_size_pretty(pg_total_relation_size('record_slots')) AS record_slots_size;
