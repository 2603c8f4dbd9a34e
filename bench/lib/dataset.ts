// Bulk loading for the benchmark. Loading is setup, not a measured figure: rows go straight
// into the shared tables with generate_series, values keyed by the real field ids that the
// metadata API assigned, lookups mirrored into record_link as the data service does.
import { jsonbKeyOrder } from '../../server/src/data/sql/search-text.ts';
import { STATUS_VALUES, type BenchObject } from './bench-object.ts';

export interface Sql {
  query(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
}

/** `count` organizations of the tenant, named 'Organization <n>'. */
export async function loadOrganizations(sql: Sql, tenantId: string, userId: string, orgObjectId: string, nameFieldId: string, count: number): Promise<void> {
  await sql.query(
    `insert into record (tenant_id, id, object_id, data, created_by, updated_by)
     select $1::uuid, gen_random_uuid(), $2, jsonb_build_object($3::text, 'Organization ' || i), $4::uuid, $4::uuid
       from generate_series(1, $5::int) i`,
    [tenantId, orgObjectId, nameFieldId, userId, count],
  );
}

/**
 * The slot-column expressions (ADR 0002) for an object whose snapshot assigns index slots, in
 * the value forms of server/src/data/sql/field-sql.ts slotValue(): text slots lower-cased for
 * case-insensitive text, numbers as numeric, dates at 00:00 UTC, datetimes as timestamptz.
 */
export function slotExpressions(o: BenchObject, data: string): { columns: string[]; exprs: string[] } {
  const slots = (o.def['indexSlots'] ?? {}) as Record<string, string>;
  const columns: string[] = [];
  const exprs: string[] = [];
  for (const [slot, fieldId] of Object.entries(slots)) {
    const field = o.def.fields.find((f) => f.id === fieldId);
    if (!field || !/^[tnd][1-9]$/.test(slot)) continue;
    const value = `(${data}->>'${fieldId}')`;
    columns.push(`ix_${slot}`);
    if (slot.startsWith('n')) exprs.push(`${value}::float8`);
    else if (slot.startsWith('d')) exprs.push(field.type === 'date' ? `(${value} || 'T00:00:00Z')::timestamptz` : `${value}::timestamptz`);
    else exprs.push(['text', 'longText', 'email', 'phone', 'url', 'autonumber'].includes(field.type) ? `lower(${value})` : value);
  }
  return { columns, exprs };
}

/**
 * The search text the server writes for a record of the bench object (search-text.ts): the JSON
 * array of its name, email and phone in JSONB's key order, lower-cased.
 */
function searchTextSql(o: BenchObject, data: string): string {
  const searched = [o.fieldIds.name, o.fieldIds.email, o.fieldIds.phone].sort(jsonbKeyOrder);
  return `lower(jsonb_build_array(${searched.map((id) => `${data}->>'${id}'`).join(', ')})::text)`;
}

const FIRST_NAMES = ['Mei', 'Wei', 'Li', 'Jun', 'Hana', 'Yuki', 'Aiko', 'Omar', 'Fatima', 'Amir', 'Priya', 'Ravi', 'Anil', 'Sofia', 'Lucas', 'Mateo', 'Camila', 'Diego', 'Elena', 'Ivan', 'Olga', 'Anna', 'Lena', 'Jonas', 'Emma', 'Noah', 'Liam', 'Olivia', 'Ava', 'Mia', 'Ethan', 'James', 'Margaret', 'Grace', 'Chloe', 'Zoe', 'Leo', 'Max', 'Felix', 'Nora', 'Ingrid', 'Sven', 'Lars', 'Astrid', 'Kofi', 'Ama', 'Tunde', 'Zara', 'Yusuf', 'Leila', 'Tomás', 'Inés', 'Pablo', 'Marta', 'Giulia', 'Marco', 'Luca', 'Chiara', 'Pierre', 'Claire', 'Louis', 'Julie', 'Hugo', 'Manon', 'Jan', 'Eva', 'Piotr', 'Kasia', 'Dmitri', 'Sasha', 'Nikos', 'Eleni', 'Cem', 'Aylin', 'Arjun', 'Kavya', 'Sanjay', 'Deepa', 'Minh', 'Linh', 'Tuan', 'Thu', 'Kenji', 'Sora', 'Haruto', 'Rin', 'Jin', 'Seo-yeon', 'Min-jun', 'Ji-woo', 'Rahul', 'Neha', 'Tariq', 'Nadia', 'Kwame', 'Abena', 'Jamal', 'Keisha', 'Carlos', 'Lucia', 'Andrés'];
const LAST_NAMES = ['Chen', 'Wang', 'Li', 'Zhang', 'Liu', 'Yang', 'Huang', 'Zhao', 'Wu', 'Zhou', 'Tanaka', 'Suzuki', 'Sato', 'Kim', 'Park', 'Lee', 'Nguyen', 'Tran', 'Pham', 'Singh', 'Patel', 'Sharma', 'Gupta', 'Khan', 'Ahmed', 'Hassan', 'Garcia', 'Martinez', 'Rodriguez', 'Lopez', 'Gonzalez', 'Perez', 'Sanchez', 'Ramirez', 'Torres', 'Flores', 'Rossi', 'Russo', 'Ferrari', 'Esposito', 'Bianchi', 'Romano', 'Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker', 'Martin', 'Bernard', 'Dubois', 'Thomas', 'Robert', 'Richard', 'Petit', 'Durand', 'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Miller', 'Davis', 'Wilson', 'Anderson', 'Taylor', 'Moore', 'Jackson', 'White', 'Harris', 'Clark', 'Lewis', 'Walker', 'Young', 'Allen', 'King', 'Wright', 'Scott', 'Green', 'Baker', 'Adams', 'Nelson', 'Hill', 'Campbell', 'Mitchell', 'Roberts', 'Carter', 'Phillips', 'Evans', 'Turner', 'Kowalski', 'Nowak', 'Johansson', 'Andersson', 'Nielsen', 'Hansen'];
const sqlArray = (items: string[]) => `array[${items.map((n) => `'${n.replaceAll("'", "''")}'`).join(', ')}]`;
/** "First Last" from the lists above: each last name on ~1% of the records, each full name on ~0.01%. */
const PEOPLE_NAME_SQL = `(${sqlArray(FIRST_NAMES)})[1 + g.i % ${FIRST_NAMES.length}] || ' ' || (${sqlArray(LAST_NAMES)})[1 + (g.i / ${FIRST_NAMES.length}) % ${LAST_NAMES.length}]`;

/**
 * Customers numbered from..to (inclusive): every one of the 10 fields set, the lookup pointing
 * at a random live organization of the tenant, index slot columns when the object has slots,
 * and the record_link row unless the lookup has a slot (the data service links only those
 * without), in one statement. Named 'Customer <n>', or with `people` like people ("Mei Chen").
 */
export async function loadCustomers(sql: Sql, o: BenchObject, tenantId: string, userId: string, from: number, to: number, withSlots: boolean, names: 'numbered' | 'people' = 'numbered'): Promise<void> {
  const f = o.fieldIds;
  const slots = withSlots ? slotExpressions(o, 's.d') : { columns: [], exprs: [] };
  const linked = !(withSlots && Object.values((o.def['indexSlots'] ?? {}) as Record<string, string>).includes(f.organization));
  await sql.query(
    `with orgs as (
       select array_agg(id order by id) as a from record where tenant_id = $1::uuid and object_id = $3 and deleted_at is null
     ), src as (
       select g.id, g.created,
              jsonb_build_object(
                $7::text, ${names === 'people' ? PEOPLE_NAME_SQL : `'Customer ' || g.i`},
                $8::text, 'customer' || g.i || '@example.com',
                $9::text, '+1-555-' || lpad((g.i % 10000000)::text, 7, '0'),
                $10::text, ($11::text[])[1 + floor(g.r1 * array_length($11::text[], 1))::int],
                $12::text, floor(g.r2 * 1000)::int,
                $13::text, to_char(date '2010-01-01' + floor(g.r3 * 5475)::int, 'YYYY-MM-DD'),
                $14::text, round((g.r4 * 100000)::numeric, 2),
                $15::text, 'City ' || floor(g.r5 * 300)::int,
                $16::text, (g.i % 3 = 0),
                $17::text, to_char(g.created at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                $18::text, (select a from orgs)[1 + floor(g.r6 * array_length((select a from orgs), 1))::int]
              ) as d
         from (select i, gen_random_uuid() as id, random() as r1, random() as r2, random() as r3, random() as r4, random() as r5, random() as r6,
                      timestamptz '2019-01-01 00:00Z' + random() * interval '2190 days' as created
                 from generate_series($5::int, $6::int) i) g
     ), ins as (
       insert into record (tenant_id, id, object_id, data, created_at, created_by, updated_at, updated_by, search_text${slots.columns.map((c) => `, ${c}`).join('')})
       select $1::uuid, s.id, $2, s.d, s.created, $4::uuid, s.created, $4::uuid, ${searchTextSql(o, 's.d')}${slots.exprs.map((e) => `, ${e}`).join('')}
         from src s
       returning id, data
     )
     insert into record_link (tenant_id, target_id, field_id, source_id)
     select $1::uuid, (data->>$18::text)::uuid, $18::text, id from ins where $19::boolean`,
    [
      tenantId, o.objectId, o.orgObjectId, userId, from, to,
      f.name, f.email, f.phone, f.status, o.statusValueIds, f.score, f.signup_date, f.balance, f.city, f.newsletter, f.last_contact_at, f.organization, linked,
    ],
  );
}

/** The textbook service's organizations (bench/lib/textbook-schema.sql), as many as the tenant's. */
export async function loadTextbookOrganizations(sql: Sql, count: number): Promise<void> {
  await sql.query(`insert into organization (id, name) select gen_random_uuid(), 'Organization ' || i from generate_series(1, $1::int) i`, [count]);
}

/** Textbook customers numbered from..to: the values and distributions of loadCustomers, in typed columns. */
export async function loadTextbookCustomers(sql: Sql, from: number, to: number): Promise<void> {
  await sql.query(
    `with orgs as (select array_agg(id order by id) as a from organization)
     insert into customer (id, name, email, phone, status, score, signup_date, balance, city, newsletter, last_contact_at, organization_id, created_at, updated_at)
     select g.id, 'Customer ' || g.i, 'customer' || g.i || '@example.com', '+1-555-' || lpad((g.i % 10000000)::text, 7, '0'),
            ($3::text[])[1 + floor(g.r1 * array_length($3::text[], 1))::int], floor(g.r2 * 1000)::int,
            date '2010-01-01' + floor(g.r3 * 5475)::int, round((g.r4 * 100000)::numeric, 2), 'City ' || floor(g.r5 * 300)::int,
            (g.i % 3 = 0), g.created, (select a from orgs)[1 + floor(g.r6 * array_length((select a from orgs), 1))::int], g.created, g.created
       from (select i, gen_random_uuid() as id, random() as r1, random() as r2, random() as r3, random() as r4, random() as r5, random() as r6,
                    timestamptz '2019-01-01 00:00Z' + random() * interval '2190 days' as created
               from generate_series($1::int, $2::int) i) g`,
    [from, to, [...STATUS_VALUES]],
  );
}

/** Rows of another tenant and object in the same table, so the tenant's rows are a slice of a shared table. */
export async function loadOtherTenant(sql: Sql, tenantId: string, objectId: string, from: number, to: number): Promise<void> {
  await sql.query(
    `insert into record (tenant_id, id, object_id, data)
     select $1::uuid, gen_random_uuid(), $2,
            jsonb_build_object('name', 'Thing ' || i, 'status', 'v' || (i % 7), 'amount', (i * 37) % 100000, 'close_date',
                               to_char(date '2015-01-01' + (i % 4000), 'YYYY-MM-DD'))
       from generate_series($3::int, $4::int) i`,
    [tenantId, objectId, from, to],
  );
}

/** Loads `total` rows in chunks with a bounded number of statements, printing progress. */
export async function inChunks(label: string, total: number, chunk: number, load: (from: number, to: number) => Promise<void>): Promise<number> {
  const started = Date.now();
  for (let from = 1, n = 0; from <= total && n < 1000; from += chunk, n++) {
    const to = Math.min(total, from + chunk - 1);
    await load(from, to);
    process.stderr.write(`\r  ${label}: ${to.toLocaleString('en')} / ${total.toLocaleString('en')} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  }
  process.stderr.write('\n');
  return Date.now() - started;
}
