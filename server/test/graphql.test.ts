import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, Queryable } from '../src/db/database.ts';
import { DataService } from '../src/data/data-service.ts';
import { ChangeHub } from '../src/graphql/change-hub.ts';
import { GraphQLService } from '../src/graphql/graphql-service.ts';
import { call, createTestTenant, json, startHarness, type Harness, type TestTenant } from './harness.ts';
import { startServerProcess, type ServerProcess } from './server-process.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

interface GraphQLBody {
  data?: Record<string, any>;
  errors?: { message: string; extensions?: Record<string, any>; path?: unknown[] }[];
}

const gql = async (t: TestTenant, query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}) => {
  const response = await t.api('POST', '/graphql', { query, ...(variables ? { variables } : {}) }, headers);
  return { status: response.statusCode, body: json<GraphQLBody>(response) };
};

/** A standard (non-admin) user's API of the same tenant. */
async function standardUser(t: TestTenant): Promise<TestTenant['api']> {
  const created = await t.api('POST', '/users', { email: `rep@${t.slug}.test`, name: 'Rep', role: 'standard', password: 'correct horse battery' });
  expect(created.statusCode, created.body).toBe(201);
  const { key } = await h.server.auth.createApiKey(t.id, json<{ id: string }>(created).id, 'rep');
  return (method, path, body, headers) => call(h, key, method, path, body, headers);
}

describe('GraphQL per tenant', () => {
  let t: TestTenant;
  beforeAll(async () => {
    t = await createTestTenant(h, 'gql');
  });

  it('describes each object as a type: picklists as enums with their values, lookups as objects, reverse relations as connections, words from labels and terms', async () => {
    const { status, body } = await gql(
      t,
      `{ deal: __type(name: "Deal") { description fields { name description type { name kind ofType { name } } args { name } } }
         stage: __type(name: "Deal_stage") { kind enumValues { name description } } }`,
    );
    expect(status, JSON.stringify(body)).toBe(200);
    const deal = body.data!['deal'];
    expect(deal.description).toMatch(/^Deal/);
    const field = (name: string) => deal.fields.find((f: { name: string }) => f.name === name);
    expect(field('customer').type.name).toBe('Customer');
    expect(field('stage').type.name).toBe('Deal_stage');
    expect(field('amount').type.name).toBe('Float');
    expect(field('activities').type.ofType.name).toBe('Activity_Connection');
    expect(field('activities').args.map((a: { name: string }) => a.name)).toEqual(['filter', 'sort', 'first', 'after']);
    expect(body.data!['stage'].kind).toBe('ENUM');
    expect(body.data!['stage'].enumValues.map((v: { name: string }) => v.name)).toContain('prospecting');
    expect(body.data!['stage'].enumValues.find((v: { name: string }) => v.name === 'prospecting').description).toBeTruthy();

    // Renaming the term relabels the descriptions on the next request; type and field names stay.
    const renamed = await t.api('PUT', '/metadata/terms/customer', { forms: { en: { singular: 'patient', plural: 'patients' } } });
    expect(renamed.statusCode, renamed.body).toBe(200);
    const after = await gql(t, '{ __type(name: "Customer") { name description fields { name description } } }');
    expect(after.body.data!['__type'].name).toBe('Customer');
    expect(after.body.data!['__type'].description).toMatch(/^Patient/);
    const deals = await gql(t, '{ __type(name: "Deal") { fields { name description } } }');
    expect(deals.body.data!['__type'].fields.find((f: { name: string }) => f.name === 'customer').description).toMatch(/Patient/);
  });

  it('sees a field added by an admin on the very next request, with its API name, and drops it once deleted', async () => {
    const added = await t.api('POST', '/metadata/objects/deal/fields', { apiName: 'region', labels: { en: 'Sales region' }, type: 'text' });
    expect(added.statusCode, added.body).toBe(201);
    const created = await gql(t, 'mutation { createDeal(input: { name: "North deal", region: "North" }) { id region } }');
    expect(created.body.errors).toBeUndefined();
    expect(created.body.data!['createDeal'].region).toBe('North');
    const removed = await t.api('DELETE', '/metadata/objects/deal/fields/region');
    expect(removed.statusCode, removed.body).toBe(200);
    const gone = await gql(t, '{ dealList { nodes { region } } }');
    expect(gone.status).toBe(400);
    expect(gone.body.errors![0]!.message).toMatch(/Cannot query field "region"/);
  });

  it('keeps an integration written before an object and a field were renamed working: its mutations, inputs and subscription take the old API names, deprecated', async () => {
    const made = await t.api('POST', '/metadata/changes', {
      operations: [{ op: 'createObject', object: { apiName: 'gadget', labels: { en: { singular: 'Gadget', plural: 'Gadgets' } }, fields: [{ apiName: 'color', type: 'text', labels: { en: 'Color' } }] } }],
    });
    expect(made.statusCode, made.body).toBe(200);
    const renamed = await t.api('POST', '/metadata/changes', {
      operations: [
        { op: 'updateObject', object: 'gadget', patch: { apiName: 'widget' } },
        { op: 'updateField', object: 'widget', field: 'color', patch: { apiName: 'colour' } },
      ],
    });
    expect(renamed.statusCode, renamed.body).toBe(200);

    const created = await gql(t, 'mutation { createGadget(input: { name: "Old client", color: "red" }) { id version colour } }');
    expect(created.body.errors, JSON.stringify(created.body.errors)).toBeUndefined();
    const record = created.body.data!['createGadget'];
    expect(record.colour).toBe('red');
    const updated = await gql(t, `mutation { updateGadget(id: "${record.id}", version: ${record.version}, input: { color: "green" }) { colour } }`);
    expect(updated.body.errors, JSON.stringify(updated.body.errors)).toBeUndefined();
    expect(updated.body.data!['updateGadget'].colour).toBe('green');
    const batch = await gql(t, 'mutation { batchGadget(operations: [{ op: create, data: { name: "Batched", color: "blue" } }]) { record { colour } } }');
    expect(batch.body.errors, JSON.stringify(batch.body.errors)).toBeUndefined();
    expect(batch.body.data!['batchGadget'][0].record.colour).toBe('blue');
    // Both names of one field in one input are refused, as in a REST body.
    const both = await gql(t, 'mutation { createWidget(input: { name: "Both", color: "a", colour: "b" }) { id } }');
    expect(both.body.errors![0]!.extensions!['errors'][0]).toMatchObject({ field: 'color', code: 'duplicate_field' });
    expect((await gql(t, `mutation { deleteGadget(id: "${record.id}") { deleted } }`)).body.data!['deleteGadget'].deleted).toBe(true);
    expect((await gql(t, `mutation { restoreGadget(id: "${record.id}") { colour } }`)).body.data!['restoreGadget'].colour).toBe('green');

    // The old names are there for old clients only: deprecated, each naming its replacement.
    const described = await gql(
      t,
      `{ __schema { mutationType { fields(includeDeprecated: true) { name deprecationReason } } subscriptionType { fields(includeDeprecated: true) { name deprecationReason } } }
         input: __type(name: "Widget_Input") { inputFields(includeDeprecated: true) { name deprecationReason } } }`,
    );
    const reason = (list: { name: string; deprecationReason: string | null }[], name: string) => list.find((f) => f.name === name)?.deprecationReason;
    const schema = described.body.data!['__schema'];
    expect(reason(schema.mutationType.fields, 'createGadget')).toBe('Renamed to createWidget');
    expect(reason(schema.mutationType.fields, 'createWidget')).toBeNull();
    expect(reason(schema.subscriptionType.fields, 'gadgetChanged')).toBe('Renamed to widgetChanged');
    expect(reason(described.body.data!['input'].inputFields, 'color')).toBe('Renamed to colour');
  });

  it('lists with the REST filter, sort and cursor: the same records, in the same order, page by page', async () => {
    const org = json<{ id: string }>(await t.api('POST', '/records/organization', { name: 'Paging Org' }));
    for (let i = 0; i < 7; i++) expect((await t.api('POST', '/records/deal', { name: `Paged ${i}`, amount: i * 100, organization: org.id })).statusCode).toBe(201);
    const filter = { and: [{ field: 'organization', op: 'eq', value: org.id }, { field: 'amount', op: 'gte', value: 200 }] };
    const rest = json<{ data: { id: string }[] }>(await t.api('GET', `/records/deal?filter=${encodeURIComponent(JSON.stringify(filter))}&sort=-amount&limit=50`));
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 5; page++) {
      const { body } = await gql(t, 'query($f: JSON, $after: String) { dealList(filter: $f, sort: "-amount", first: 2, after: $after) { totalCount nodes { id amount } pageInfo { hasNextPage endCursor } } }', { f: filter, after });
      expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
      const list = body.data!['dealList'];
      expect(list.totalCount).toBe(5);
      seen.push(...list.nodes.map((n: { id: string }) => n.id));
      if (!list.pageInfo.hasNextPage) break;
      after = list.pageInfo.endCursor;
    }
    expect(seen).toEqual(rest.data.map((r) => r.id));
    const bad = await gql(t, '{ dealList(filter: { field: "amount", op: "gte", value: "lots" }) { nodes { id } } }');
    expect(bad.body.errors![0]!.extensions!['code']).toBe('VALIDATION');
    expect(bad.body.errors![0]!.extensions!['errors'][0].field).toBe('amount');
    // A literal past a double's range parses to Infinity, which JSON would print as null.
    const overflow = await gql(t, '{ dealList(filter: { field: "amount", op: "gte", value: 1e400 }) { nodes { id } } }');
    expect(overflow.status).toBe(400);
    expect(overflow.body.errors![0]!.message).toMatch(/finite/);
  });

  it('creates, updates, deletes, restores and batches through the data service, with the same validation as REST', async () => {
    const invalid = await gql(t, 'mutation { createDeal(input: { amount: -5 }) { id } }');
    expect(invalid.body.data).toBeNull();
    const problem = invalid.body.errors![0]!.extensions!;
    expect(problem['status']).toBe(422);
    expect(problem['errors'].map((e: { field: string }) => e.field).sort()).toEqual(['amount', 'name']);

    const created = await gql(t, 'mutation { createDeal(input: { name: "Graph deal", stage: qualification, amount: 10 }) { id version stage } }');
    const deal = created.body.data!['createDeal'];
    expect(deal.stage).toBe('qualification');
    const stale = await gql(t, `mutation { updateDeal(id: "${deal.id}", version: 99, input: { amount: 20 }) { id } }`);
    expect(stale.body.errors![0]!.extensions!['status']).toBe(412);
    const updated = await gql(t, `mutation { updateDeal(id: "${deal.id}", version: ${deal.version}, input: { amount: 20 }) { version amount } }`);
    expect(updated.body.data!['updateDeal']).toEqual({ version: deal.version + 1, amount: 20 });
    expect((await gql(t, `mutation { deleteDeal(id: "${deal.id}") { id deleted } }`)).body.data!['deleteDeal']).toEqual({ id: deal.id, deleted: true });
    expect((await gql(t, `{ deal(id: "${deal.id}") { id } }`)).body.data!['deal']).toBeNull();
    expect((await gql(t, `mutation { restoreDeal(id: "${deal.id}") { id amount } }`)).body.data!['restoreDeal']).toEqual({ id: deal.id, amount: 20 });

    const batch = await gql(t, `mutation { batchDeal(operations: [{ op: create, data: { name: "B1" } }, { op: update, id: "${deal.id}", data: { amount: 30 } }]) { action record { name amount } } }`);
    expect(batch.body.errors).toBeUndefined();
    expect(batch.body.data!['batchDeal'].map((r: { action: string }) => r.action)).toEqual(['created', 'updated']);
    // All or nothing: a bad item fails the batch and writes nothing.
    const before = (await gql(t, '{ dealList(filter: { field: "name", op: "eq", value: "B2" }) { totalCount } }')).body.data!['dealList'].totalCount;
    const failed = await gql(t, 'mutation { batchDeal(operations: [{ op: create, data: { name: "B2" } }, { op: create, data: { amount: 1 } }]) { id } }');
    expect(failed.body.errors![0]!.extensions!['errors'][0]).toMatchObject({ field: 'name', index: 1 });
    expect((await gql(t, '{ dealList(filter: { field: "name", op: "eq", value: "B2" }) { totalCount } }')).body.data!['dealList'].totalCount).toBe(before);
  });

  it('takes text in a query\'s literals as REST takes it in a body: composed, and NUL or a lone surrogate refused by field, never an internal error', async () => {
    // "Zébra" with its accent as a combining mark, escaped in the query text itself.
    const decomposed = await gql(t, 'mutation { createDeal(input: { name: "Ze\\u0301bra" }) { id name } }');
    expect(decomposed.body.errors, JSON.stringify(decomposed.body.errors)).toBeUndefined();
    expect(decomposed.body.data!['createDeal'].name).toBe('Z\u00e9bra');
    const found = json<{ data: { id: string }[] }>(await t.api('GET', `/records/deal?filter=${encodeURIComponent(JSON.stringify({ field: 'name', op: 'eq', value: 'Z\u00e9bra' }))}`));
    expect(found.data.map((r) => r.id)).toEqual([decomposed.body.data!['createDeal'].id]);
    const refused = await gql(t, 'mutation { createDeal(input: { name: "nul\\u0000x" }) { id } }');
    expect(refused.body.errors![0]!.extensions, JSON.stringify(refused.body.errors)).toMatchObject({ code: 'VALIDATION', errors: [expect.objectContaining({ field: 'name', code: 'invalid_text', message: expect.stringMatching(/NUL/) })] });
    const inBatch = await gql(t, 'mutation { batchDeal(operations: [{ op: create, data: { name: "fine" } }, { op: create, data: { name: "nul\\u0000x" } }]) { id } }');
    expect(inBatch.body.errors![0]!.extensions!['errors'][0]).toMatchObject({ field: 'name', code: 'invalid_text', index: 1 });
    // A lone surrogate the GraphQL parser itself refuses, as a syntax error.
    const lone = await gql(t, 'mutation { createDeal(input: { name: "lone \\ud800 half" }) { id } }');
    expect(lone.status).toBe(400);
    expect(lone.body.errors![0]!.message).toMatch(/Unicode escape/);
    // A filter's text that Postgres cannot take is the client's, as in REST.
    const filtered = await gql(t, '{ dealList(filter: { field: "name", op: "eq", value: "a\\u0000b" }) { totalCount } }');
    expect(filtered.body.errors?.[0]?.extensions?.['code'], JSON.stringify(filtered.body)).toBe('VALIDATION');
  });

  it('refuses queries beyond the depth and cost limits with errors that name the limit', async () => {
    const deep = await gql(t, '{ dealList { nodes { customer { organization { customers { nodes { organization { deals { nodes { customer { organization { customers { nodes { organization { name } } } } } } } } } } } } } } }');
    expect(deep.status).toBe(400);
    expect(deep.body.errors![0]!.extensions!['code']).toBe('DEPTH_LIMIT');
    const costly = await gql(t, '{ customerList(first: 200) { nodes { deals(first: 100) { nodes { activities(first: 100) { nodes { id } } } } } } }');
    expect(costly.status).toBe(400);
    expect(costly.body.errors![0]!.extensions!).toMatchObject({ code: 'COST_LIMIT', limit: 20_000 });
    expect(costly.body.errors![0]!.message).toMatch(/limit is 20000/);
  });

  it('answers persisted queries by hash once the text was sent', async () => {
    const query = '{ dealList(first: 1) { nodes { id } } }';
    const { createHash } = await import('node:crypto');
    const sha256Hash = createHash('sha256').update(query).digest('hex');
    const unknown = await t.api('POST', '/graphql', { extensions: { persistedQuery: { version: 1, sha256Hash } } });
    expect(json<GraphQLBody>(unknown).errors![0]!.extensions!['code']).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect((await t.api('POST', '/graphql', { query, extensions: { persistedQuery: { version: 1, sha256Hash } } })).statusCode).toBe(200);
    const byHash = await t.api('GET', `/graphql?extensions=${encodeURIComponent(JSON.stringify({ persistedQuery: { version: 1, sha256Hash } }))}`);
    expect(byHash.statusCode, byHash.body).toBe(200);
    expect(json<GraphQLBody>(byHash).data!['dealList'].nodes).toHaveLength(1);
    // Another workspace learns nothing from the hash: it must send the text itself.
    const elsewhere = await createTestTenant(h, 'gql-persisted');
    const guessed = await elsewhere.api('POST', '/graphql', { extensions: { persistedQuery: { version: 1, sha256Hash } } });
    expect(json<GraphQLBody>(guessed).errors![0]!.extensions!['code']).toBe('PERSISTED_QUERY_NOT_FOUND');
    const mismatch = await t.api('POST', '/graphql', { query: '{ __typename }', extensions: { persistedQuery: { version: 1, sha256Hash } } });
    expect(json<GraphQLBody>(mismatch).errors![0]!.extensions!['code']).toBe('PERSISTED_QUERY_HASH_MISMATCH');
    const mutation = await t.api('GET', `/graphql?query=${encodeURIComponent('mutation { createDeal(input: { name: "x" }) { id } }')}`);
    expect(mutation.statusCode).toBe(405);
    // Variables in the query string are read as a body is: a prototype key is refused, named.
    const proto = await t.api('GET', `/graphql?query=${encodeURIComponent('query ($n: Int) { __typename }')}&variables=${encodeURIComponent('{"__proto__": {"n": 1}}')}`);
    expect(proto.statusCode).toBe(400);
    expect(json<GraphQLBody>(proto).errors![0]!.message).toBe("'variables': has a key named __proto__ or constructor.prototype");
  });

  it('lets admins introspect and refuses introspection to other users, who still run queries', async () => {
    const rep = await standardUser(t);
    const refused = await rep('POST', '/graphql', { query: '{ __schema { types { name } } }' });
    expect(refused.statusCode).toBe(403);
    expect(json<GraphQLBody>(refused).errors![0]!.message).toMatch(/Introspection is for admins/);
    const allowed = await rep('POST', '/graphql', { query: '{ dealList(first: 1) { nodes { id __typename } } }' });
    expect(allowed.statusCode, allowed.body).toBe(200);
  });

  it('gives objects whose names the schema already uses (page_info, query, date) types of their own', async () => {
    for (const apiName of ['page_info', 'query', 'date']) {
      const created = await t.api('POST', '/metadata/objects', { apiName, labels: { en: { singular: apiName, plural: `${apiName}s` } } });
      expect(created.statusCode, created.body).toBe(201);
    }
    const made = await gql(t, 'mutation { createO_page_info(input: { name: "p1" }) { id name } createO_query(input: { name: "q1" }) { name } }');
    expect(made.body.errors, JSON.stringify(made.body.errors)).toBeUndefined();
    const listed = await gql(t, '{ page_infoList { nodes { name } pageInfo { hasNextPage } } queryList { nodes { name } } dateList { nodes { id } } }');
    expect(listed.body.errors, JSON.stringify(listed.body.errors)).toBeUndefined();
    expect(listed.body.data!['page_infoList'].nodes).toEqual([{ name: 'p1' }]);
    expect((await gql(t, '{ __type(name: "O_date") { name } }')).body.data!['__type']).toEqual({ name: 'O_date' });
  });

  it('keeps tenants apart: another tenant neither sees the records nor the fields', async () => {
    const other = await createTestTenant(h, 'gql-other');
    expect((await other.api('POST', '/metadata/objects/deal/fields', { apiName: 'secret_code', labels: { en: 'Secret' }, type: 'text' })).statusCode).toBe(201);
    await gql(other, 'mutation { createDeal(input: { name: "Other tenant deal", secret_code: "x" }) { id } }');
    const mine = await gql(t, '{ dealList(filter: { field: "name", op: "eq", value: "Other tenant deal" }) { totalCount } }');
    expect(mine.body.data!['dealList'].totalCount).toBe(0);
    expect((await gql(t, '{ dealList { nodes { secret_code } } }')).status).toBe(400);
  });
});

/** The harness database with every statement counted, as the data path sends them. */
function countingDatabase(db: Database): { db: Database; count: () => number; reset: () => void } {
  let statements = 0;
  const counted = (q: Queryable): Queryable => ({
    query: (sql, params) => {
      statements += 1;
      if (process.env['GQL_DEBUG']) console.log(sql.slice(0, 160).replace(/\s+/g, ' '));
      return q.query(sql, params);
    },
    exec: (sql) => {
      statements += 1;
      return q.exec(sql);
    },
  });
  const wrapped = new Proxy(db, {
    get(target, name, receiver) {
      if (name === 'withTenant' || name === 'transaction' || name === 'system') return (...args: unknown[]) => (target[name] as Function).call(target, ...args.slice(0, -1), (q: Queryable, ...rest: unknown[]) => (args.at(-1) as Function)(counted(q), ...rest));
      if (name === 'writeTransaction') return (tenant: string, work: Function) => target.writeTransaction(tenant, (q, revision) => work(counted(q), revision));
      if (name === 'scoped') return (sql: string, params: unknown[]) => ((statements += 1), target.scoped(sql, params));
      const value = Reflect.get(target, name, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { db: wrapped, count: () => statements, reset: () => (statements = 0) };
}

describe('GraphQL batching', () => {
  it('reads a list of 50 records with two levels of nesting in the same few statements as a list of 5', async () => {
    const t = await createTestTenant(h, 'gql-n1');
    const orgs: string[] = [];
    for (let i = 0; i < 5; i++) orgs.push(json<{ id: string }>(await t.api('POST', '/records/organization', { name: `Org ${i}` })).id);
    const customers: string[] = [];
    for (let i = 0; i < 10; i++) customers.push(json<{ id: string }>(await t.api('POST', '/records/customer', { last_name: `C${i}`, organization: orgs[i % 5] })).id);
    const ops = Array.from({ length: 50 }, (_, i) => ({ op: 'create', data: { name: `N1 deal ${i}`, customer: customers[i % 10], organization: orgs[i % 5] } }));
    expect((await t.api('POST', '/records/deal/batch', { operations: ops })).statusCode).toBe(200);
    const activities = Array.from({ length: 30 }, (_, i) => ({ op: 'create', data: { subject: `Call ${i}`, type: 'call', customer: customers[i % 10] } }));
    expect((await t.api('POST', '/records/activity/batch', { operations: activities })).statusCode).toBe(200);

    const counting = countingDatabase(h.db);
    const changes = new ChangeHub(counting.db);
    const service = new GraphQLService(new DataService(counting.db, h.server.metadata), changes);
    const model = await h.server.metadata.model(t.id);
    const principal = { tenantId: t.id, tenantSlug: t.slug, tenantName: t.slug, userId: t.adminId, userName: 'Admin', role: 'admin' as const, locale: 'en', via: 'apiKey' as const };
    const query = (first: number) => `{
      dealList(first: ${first}, sort: "name") {
        nodes {
          name
          customer { last_name organization { name } activities(first: 5) { nodes { subject } } }
          organization { name customers(first: 3) { nodes { last_name } } }
        }
      }
    }`;
    const run = async (first: number) => {
      counting.reset();
      const result = await service.run(model, { principal, model }, { query: query(first) }, 'POST');
      expect(result.body.errors, JSON.stringify(result.body.errors)).toBeUndefined();
      return { statements: counting.count(), nodes: (result.body.data as any).dealList.nodes };
    };
    // The first request of a process loads what every later one reuses (access rules, the cursor key).
    await run(1);
    const five = await run(5);
    const fifty = await run(50);
    expect(fifty.nodes).toHaveLength(50);
    // Every node is resolved: two levels below the deals, lookups and reverse relations alike.
    for (const node of fifty.nodes) {
      expect(node.customer.organization.name).toMatch(/^Org /);
      expect(node.organization.customers.nodes.length).toBeGreaterThan(0);
    }
    expect(fifty.nodes.find((n: any) => n.customer.last_name === 'C0').customer.activities.nodes).toHaveLength(3);
    // The list, its customers, their organizations, their activities, the deals' organizations and their customers.
    // Lookups of one object asked for in the same turn share a statement, so a level may take fewer.
    expect(fifty.statements).toBeLessThanOrEqual(6);
    expect(five.statements).toBeLessThanOrEqual(6);
  });

  it('answers every selection of a lookup asked for twice, once with what the list joins and once with more', async () => {
    const t = await createTestTenant(h, 'gql-twice');
    const org = json<{ id: string; created_at: string; version: number }>(await t.api('POST', '/records/organization', { name: 'Twice Org' }));
    expect((await t.api('POST', '/records/customer', { last_name: 'Twice', organization: org.id })).statusCode).toBe(201);
    const { status, body } = await gql(t, `{ customerList(filter: { field: "last_name", op: "eq", value: "Twice" }) {
      nodes { last_name organization { name } }
      nodes { organization { created_at } }
      nodes { again: organization { name version } }
      ...more
    } }
    fragment more on Customer_Connection { nodes { organization { id } } }`);
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
    expect((body.data as any).customerList.nodes).toEqual([
      { last_name: 'Twice', organization: { name: 'Twice Org', created_at: org.created_at, id: org.id }, again: { name: 'Twice Org', version: org.version } },
    ]);
  });

  it('counts each parent’s related records (totalCount) in one statement for the whole level, not one per parent', async () => {
    const t = await createTestTenant(h, 'gql-count');
    // Organization i has i customers (0 to 11), a third of them named "VIP …".
    const orgs: string[] = [];
    for (let i = 0; i < 12; i++) orgs.push(json<{ id: string }>(await t.api('POST', '/records/organization', { name: `Count org ${String(i).padStart(2, '0')}` })).id);
    const ops = orgs.flatMap((org, i) => Array.from({ length: i }, (_, j) => ({ op: 'create', data: { last_name: j % 3 === 0 ? `VIP ${i}-${j}` : `C ${i}-${j}`, organization: org } })));
    expect((await t.api('POST', '/records/customer/batch', { operations: ops })).statusCode).toBe(200);

    const counting = countingDatabase(h.db);
    const service = new GraphQLService(new DataService(counting.db, h.server.metadata), new ChangeHub(counting.db));
    const model = await h.server.metadata.model(t.id);
    const principal = { tenantId: t.id, tenantSlug: t.slug, tenantName: t.slug, userId: t.adminId, userName: 'Admin', role: 'admin' as const, locale: 'en', via: 'apiKey' as const };
    const run = async (first: number) => {
      counting.reset();
      const result = await service.run(model, { principal, model }, {
        query: `{ organizationList(first: ${first}, sort: "name") { nodes { name
          customers(first: 2) { totalCount nodes { last_name } pageInfo { hasNextPage } }
          vips: customers(first: 1, filter: { field: "last_name", op: "startsWith", value: "VIP" }) { totalCount } } } }`,
      }, 'POST');
      expect(result.body.errors, JSON.stringify(result.body.errors)).toBeUndefined();
      return { statements: counting.count(), nodes: (result.body.data as any).organizationList.nodes as any[] };
    };
    await run(1);
    const two = await run(2);
    const twelve = await run(12);
    expect(twelve.nodes).toHaveLength(12);
    twelve.nodes.forEach((node, i) => {
      expect(node.name).toBe(`Count org ${String(i).padStart(2, '0')}`);
      expect(node.customers.totalCount).toBe(i);
      expect(node.customers.nodes).toHaveLength(Math.min(i, 2));
      expect(node.customers.pageInfo.hasNextPage).toBe(i > 2);
      expect(node.vips.totalCount).toBe(Math.ceil(i / 3));
    });
    // The list, then for each of the two connections its rows and its grouped count: as many for 12 parents as for 2.
    expect(twelve.statements).toBe(two.statements);
    expect(twelve.statements).toBeLessThanOrEqual(5);
  });
});

describe.skipIf(!process.env['DATABASE_URL'])('GraphQL schema across server processes', () => {
  let other: ServerProcess | undefined;
  afterAll(async () => other?.stop());

  it('a field an admin adds through one process is in the schema of the very next request to another process', async () => {
    const t = await createTestTenant(h, 'gql-procs-schema');
    other = await startServerProcess(process.env['DATABASE_URL']!);
    const onOther = async (query: string) => {
      const response = await fetch(`${other!.url}/api/v1/graphql`, { method: 'POST', headers: { authorization: `Bearer ${t.key}`, 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
      return { status: response.status, body: (await response.json()) as GraphQLBody };
    };
    // The other process has this tenant's model (and schema) cached before each change.
    expect((await onOther('{ dealList(first: 1) { nodes { id } } }')).status).toBe(200);
    for (let i = 0; i < 5; i++) {
      const added = await t.api('POST', '/metadata/objects/deal/fields', { apiName: `region_${i}`, labels: { en: `Region ${i}` }, type: 'text' });
      expect(added.statusCode, added.body).toBe(201);
      // No waiting: the next request after the change's answer.
      const next = await onOther(`mutation { createDeal(input: { name: "Deal ${i}", region_${i}: "North" }) { id region_${i} } }`);
      expect(next.body.errors, JSON.stringify(next.body.errors)).toBeUndefined();
      expect(next.body.data!['createDeal'][`region_${i}`]).toBe('North');
    }
  }, 120_000);
});
