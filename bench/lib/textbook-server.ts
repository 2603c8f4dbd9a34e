// The textbook service: the same CRM workload written by hand the usual way — Fastify + pg over
// one table per entity with typed columns (bench/lib/textbook-schema.sql), no auth, no tenancy,
// no revisions, no outbox, no validation beyond the table's constraints. The second floor of
// the benchmark. Run as its own process: node bench/lib/textbook-server.ts <spec.json>
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
import pg from 'pg';

export interface TextbookSpec {
  databaseUrl: string;
  port: number;
  poolSize: number;
}

/** A customer as the API takes it: the columns of `customer`, the lookup as organization_id. */
export interface TextbookCustomer {
  name: string;
  email?: string | null;
  phone?: string | null;
  status: string;
  score?: number | null;
  signup_date?: string | null;
  balance?: number | null;
  city?: string | null;
  newsletter?: boolean | null;
  last_contact_at?: string | null;
  organization_id?: string | null;
}

const COLUMNS = 'id, name, email, phone, status, score, signup_date, balance, city, newsletter, last_contact_at, organization_id';
const RECORD_TYPE = 'id uuid, name text, email text, phone text, status text, score integer, signup_date date, balance numeric, city text, newsletter boolean, last_contact_at timestamptz, organization_id uuid';
const GET_SQL = 'select * from customer where id = $1';
const INSERT_SQL = `insert into customer (${COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) returning *`;
const BATCH_SQL = `insert into customer (${COLUMNS}) select ${COLUMNS} from jsonb_to_recordset($1::jsonb) as r(${RECORD_TYPE}) returning id`;
const LIST_SQL = `select c.*, case when o.id is null then null else json_build_object('id', o.id, 'name', o.name) end as organization
  from customer c left join organization o on o.id = c.organization_id
  where c.status = $1 and c.score > $2
  order by c.signup_date, c.id
  limit 50`;

/** UUIDv7: time-ordered ids insert at the primary key's right edge, as any careful service does today. */
function uuidv7(): string {
  const bytes = randomBytes(16);
  const ms = Date.now();
  bytes.writeUIntBE(ms, 0, 6);
  bytes[6] = 0x70 | (bytes[6]! & 0x0f);
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const values = (id: string, c: TextbookCustomer) => [
  id, c.name, c.email ?? null, c.phone ?? null, c.status, c.score ?? null, c.signup_date ?? null, c.balance ?? null,
  c.city ?? null, c.newsletter ?? null, c.last_contact_at ?? null, c.organization_id ?? null,
];

const spec = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as TextbookSpec;
const pool = new pg.Pool({ connectionString: spec.databaseUrl, max: spec.poolSize, options: '-c TimeZone=UTC' });
const app = Fastify({ logger: false, bodyLimit: 16 * 1024 * 1024 });

app.get('/healthz', async () => ({ ok: true }));

app.get('/customers/:id', async (request, reply) => {
  const { rows } = await pool.query(GET_SQL, [(request.params as { id: string }).id]);
  if (!rows[0]) return reply.status(404).send({ error: 'not found' });
  return rows[0];
});

app.post('/customers', async (request, reply) => {
  const { rows } = await pool.query(INSERT_SQL, values(uuidv7(), request.body as TextbookCustomer));
  return reply.status(201).send(rows[0]);
});

app.post('/customers/batch', async (request, reply) => {
  const records = (request.body as { records: TextbookCustomer[] }).records.map((c) => ({ ...c, id: uuidv7() }));
  const { rows } = await pool.query(BATCH_SQL, [JSON.stringify(records)]);
  return reply.status(201).send({ created: rows.length, ids: rows.map((r) => r.id) });
});

app.get('/customers', async (request) => {
  const query = request.query as { status: string; min_score: string };
  const { rows } = await pool.query(LIST_SQL, [query.status, Number(query.min_score)]);
  return { data: rows };
});

await app.listen({ host: '127.0.0.1', port: spec.port });
process.stdout.write(`textbook service listening on 127.0.0.1:${spec.port}\n`);
const stop = async () => {
  await app.close();
  await pool.end();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
