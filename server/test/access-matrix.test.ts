import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTestTenant, json, startHarness, type Harness, type TestTenant } from './harness.ts';

/*
 * The access-control matrix (ADR 0012): every entry point × every rule kind, with the outcome a
 * user would notice. An entry point added later joins by one `entry` function and one line per
 * rule kind in MATRIX; a rule kind joins by one fixture and its lines. Every pair is either a
 * line of MATRIX or a line of NOT_APPLICABLE saying why it cannot arise, and a test holds the two
 * to every pair, so a new entry point or rule kind cannot be left out.
 *
 * The acting user, Alice, has the "Limited" profile: activities denied, a deal's amount hidden
 * and its close date read-only; deals are private. Bob works in a role below hers; the group
 * "Deal desk" holds her; a sharing rule shares deals named "Rule …" with her role.
 */

type Outcome =
  | 'listed' | 'absent' // list, search, saved views, OpenAPI
  | 'visible' | 'notFound' // get, and every write to what cannot be seen
  | 'saved' | 'deleted' | 'restored' | 'forbidden' | 'refused'
  | 'fieldAbsent' | 'fieldPresent';

type RuleKind = 'object denied' | 'field hidden' | 'field read-only' | 'private record' | 'shared by hierarchy' | 'shared by group' | 'shared by rule' | 'manual share' | 'other tenant';
type Entry = 'list' | 'list filter' | 'list sort' | 'get' | 'create' | 'update' | 'delete' | 'batch' | 'restore' | 'search' | 'saved view' | 'openapi' | 'graphql query' | 'graphql mutation';

const MATRIX: [Entry, RuleKind, Outcome][] = [
  ['list', 'object denied', 'notFound'],
  ['get', 'object denied', 'notFound'],
  ['create', 'object denied', 'notFound'],
  ['update', 'object denied', 'notFound'],
  ['delete', 'object denied', 'notFound'],
  ['batch', 'object denied', 'notFound'],
  ['restore', 'object denied', 'notFound'],
  ['search', 'object denied', 'absent'],
  ['saved view', 'object denied', 'refused'],
  ['openapi', 'object denied', 'absent'],
  ['graphql query', 'object denied', 'absent'],
  ['graphql mutation', 'object denied', 'absent'],

  ['list', 'field hidden', 'fieldAbsent'],
  ['list filter', 'field hidden', 'refused'],
  ['list sort', 'field hidden', 'refused'],
  ['get', 'field hidden', 'fieldAbsent'],
  ['create', 'field hidden', 'forbidden'],
  ['update', 'field hidden', 'forbidden'],
  ['batch', 'field hidden', 'forbidden'],
  ['restore', 'field hidden', 'fieldAbsent'],
  ['search', 'field hidden', 'fieldAbsent'],
  ['saved view', 'field hidden', 'refused'],
  ['openapi', 'field hidden', 'fieldAbsent'],
  ['graphql query', 'field hidden', 'fieldAbsent'],
  ['graphql mutation', 'field hidden', 'fieldAbsent'],

  ['list', 'field read-only', 'fieldPresent'],
  ['get', 'field read-only', 'fieldPresent'],
  ['create', 'field read-only', 'forbidden'],
  ['update', 'field read-only', 'forbidden'],
  ['batch', 'field read-only', 'forbidden'],
  ['saved view', 'field read-only', 'saved'],
  ['openapi', 'field read-only', 'fieldPresent'],
  ['graphql query', 'field read-only', 'fieldPresent'],
  ['graphql mutation', 'field read-only', 'fieldAbsent'],

  ['list', 'private record', 'absent'],
  ['get', 'private record', 'notFound'],
  ['update', 'private record', 'notFound'],
  ['delete', 'private record', 'notFound'],
  ['batch', 'private record', 'notFound'],
  ['restore', 'private record', 'notFound'],
  ['search', 'private record', 'absent'],
  ['graphql query', 'private record', 'absent'],
  ['graphql mutation', 'private record', 'notFound'],

  ['search', 'field read-only', 'fieldPresent'],
  ['restore', 'field read-only', 'fieldPresent'],

  ['list', 'shared by hierarchy', 'listed'],
  ['get', 'shared by hierarchy', 'visible'],
  ['update', 'shared by hierarchy', 'saved'],
  ['delete', 'shared by hierarchy', 'deleted'],
  ['batch', 'shared by hierarchy', 'saved'],
  ['restore', 'shared by hierarchy', 'restored'],
  ['search', 'shared by hierarchy', 'listed'],
  ['graphql query', 'shared by hierarchy', 'listed'],
  ['graphql mutation', 'shared by hierarchy', 'saved'],

  ['list', 'shared by group', 'listed'],
  ['get', 'shared by group', 'visible'],
  ['update', 'shared by group', 'forbidden'],
  ['delete', 'shared by group', 'forbidden'],
  ['batch', 'shared by group', 'forbidden'],
  ['restore', 'shared by group', 'notFound'],
  ['search', 'shared by group', 'listed'],
  ['graphql query', 'shared by group', 'listed'],
  ['graphql mutation', 'shared by group', 'forbidden'],

  ['list', 'shared by rule', 'listed'],
  ['get', 'shared by rule', 'visible'],
  ['update', 'shared by rule', 'saved'],
  ['delete', 'shared by rule', 'forbidden'],
  ['batch', 'shared by rule', 'saved'],
  ['restore', 'shared by rule', 'notFound'],
  ['search', 'shared by rule', 'listed'],
  ['graphql query', 'shared by rule', 'listed'],
  ['graphql mutation', 'shared by rule', 'saved'],

  ['list', 'manual share', 'listed'],
  ['get', 'manual share', 'visible'],
  ['update', 'manual share', 'forbidden'],
  ['delete', 'manual share', 'forbidden'],
  ['batch', 'manual share', 'forbidden'],
  ['restore', 'manual share', 'notFound'],
  ['search', 'manual share', 'listed'],
  ['graphql query', 'manual share', 'listed'],
  ['graphql mutation', 'manual share', 'forbidden'],

  ['list', 'other tenant', 'absent'],
  ['get', 'other tenant', 'notFound'],
  ['update', 'other tenant', 'notFound'],
  ['delete', 'other tenant', 'notFound'],
  ['batch', 'other tenant', 'notFound'],
  ['restore', 'other tenant', 'notFound'],
  ['search', 'other tenant', 'absent'],
  ['graphql query', 'other tenant', 'absent'],
  ['graphql mutation', 'other tenant', 'notFound'],
];

const RECORD_KINDS: readonly RuleKind[] = ['private record', 'shared by hierarchy', 'shared by group', 'shared by rule', 'manual share', 'other tenant'];
const FIELD_KINDS: readonly RuleKind[] = ['field hidden', 'field read-only'];

/** The pairs that cannot arise, each with the reason; with MATRIX they cover every pair once. */
const NOT_APPLICABLE: [Entry, RuleKind, string][] = [
  ...RECORD_KINDS.map((k): [Entry, RuleKind, string] => ['create', k, 'a create reaches no existing record']),
  ...RECORD_KINDS.map((k): [Entry, RuleKind, string] => ['saved view', k, 'a view stores columns, filter and sort, not records; its records come through list']),
  ...RECORD_KINDS.map((k): [Entry, RuleKind, string] => ['openapi', k, 'the document describes objects and fields, not records']),
  ...(['list filter', 'list sort'] as const).flatMap((e) =>
    (['object denied', 'field read-only', ...RECORD_KINDS] as RuleKind[]).map((k): [Entry, RuleKind, string] => [e, k, 'filter and sort rules concern hidden fields; the rows they reach are the list’s']),
  ),
  ...FIELD_KINDS.map((k): [Entry, RuleKind, string] => ['delete', k, 'a delete names no field']),
];

let h: Harness;
let a: TestTenant;
let b: TestTenant;
let alice: { id: string; key: string };
let bob: { id: string; key: string };
let groupId: string;
let customerId: string;
let counter = 0;

const as = (key: string) => (method: string, path: string, body?: unknown) => call(h, key, method, path, body);
const ok = (r: LightMyRequestResponse, status = 200) => {
  expect(r.statusCode, r.body).toBe(status);
  return json(r);
};

async function newUser(name: string, profile: string, roleId: string | null): Promise<{ id: string; key: string }> {
  const user = ok(await a.api('POST', '/users', { email: `${name}-${a.slug}@example.com`, name, role: profile, password: 'correct horse battery' }), 201) as { id: string };
  if (roleId) ok(await a.api('PUT', `/access/users/${user.id}`, { roleId }));
  const { key } = await h.server.auth.createApiKey(a.id, user.id, name);
  return { id: user.id, key };
}

/** A deal made by the admin for a record-level rule kind, shared as the kind says; its id. */
async function fixture(kind: RuleKind): Promise<{ id: string; object: string; name: string }> {
  const name = `${kind === 'shared by rule' ? 'Rule' : 'Deal'} ${kind} ${++counter}`;
  const tenant = kind === 'other tenant' ? b : a;
  const owner = kind === 'shared by hierarchy' ? bob.id : undefined;
  const created = ok(await tenant.api('POST', '/records/deal', { name, amount: 100, ...(owner ? { owner } : {}) }), 201) as { id: string };
  if (kind === 'shared by group') ok(await a.api('POST', `/records/deal/${created.id}/shares`, { granteeKind: 'group', granteeId: groupId, access: 'read' }), 201);
  if (kind === 'manual share') ok(await a.api('POST', `/records/deal/${created.id}/shares`, { granteeKind: 'user', granteeId: alice.id, access: 'read' }), 201);
  return { id: created.id, object: 'deal', name };
}

/** What Alice observes through one entry point for one rule kind. */
const entries: Record<Entry, (kind: RuleKind) => Promise<Outcome>> = {
  async list(kind) {
    if (kind === 'object denied') return statusOutcome(await as(alice.key)('GET', '/records/activity'));
    if (kind === 'field hidden' || kind === 'field read-only') {
      const mine = ok(await as(alice.key)('POST', '/records/deal', { name: `Own ${++counter}` }), 201) as { id: string };
      const list = ok(await as(alice.key)('GET', '/records/deal?limit=200')) as { data: Record<string, unknown>[] };
      const record = list.data.find((r) => r['id'] === mine.id)!;
      return fieldOutcome(record, kind);
    }
    const { id, name } = await fixture(kind);
    const byFilter = ok(await as(alice.key)('GET', `/records/deal?filter=${encodeURIComponent(JSON.stringify({ field: 'name', op: 'eq', value: name }))}`)) as { data: { id: string }[] };
    const all = ok(await as(alice.key)('GET', '/records/deal?limit=200&count=true')) as { data: { id: string }[]; total: number };
    const listed = all.data.some((r) => r.id === id);
    expect(byFilter.data.some((r) => r.id === id)).toBe(listed);
    expect(all.total).toBe(all.data.length);
    return listed ? 'listed' : 'absent';
  },
  async 'list filter'() {
    const r = await as(alice.key)('GET', `/records/deal?filter=${encodeURIComponent(JSON.stringify({ field: 'amount', op: 'gt', value: 50 }))}`);
    return r.statusCode === 400 && r.body.includes('amount') ? 'refused' : 'listed';
  },
  async 'list sort'() {
    const r = await as(alice.key)('GET', '/records/deal?sort=-amount');
    return r.statusCode === 400 && r.body.includes('amount') ? 'refused' : 'listed';
  },
  async get(kind) {
    if (kind === 'object denied') {
      const activity = ok(await a.api('POST', '/records/activity', { subject: 'Call', type: 'call', customer: customerId }), 201) as { id: string };
      return statusOutcome(await as(alice.key)('GET', `/records/activity/${activity.id}`), undefined, true);
    }
    if (kind === 'field hidden' || kind === 'field read-only') {
      const mine = ok(await as(alice.key)('POST', '/records/deal', { name: `Own ${++counter}` }), 201) as { id: string };
      return fieldOutcome(ok(await as(alice.key)('GET', `/records/deal/${mine.id}`)), kind);
    }
    const { id } = await fixture(kind);
    return statusOutcome(await as(alice.key)('GET', `/records/deal/${id}`), undefined, true);
  },
  async create(kind) {
    if (kind === 'object denied') return statusOutcome(await as(alice.key)('POST', '/records/activity', { subject: 'Call', type: 'call', customer: customerId }));
    const field = kind === 'field hidden' ? 'amount' : 'close_date';
    const before = await dealCount();
    const r = await as(alice.key)('POST', '/records/deal', { name: 'Try', [field]: kind === 'field hidden' ? 5 : '2027-01-01' });
    expect(await dealCount()).toBe(before);
    return statusOutcome(r, field);
  },
  async update(kind) {
    if (kind === 'object denied') {
      const activity = ok(await a.api('POST', '/records/activity', { subject: 'Call', type: 'call', customer: customerId }), 201) as { id: string };
      return statusOutcome(await as(alice.key)('PATCH', `/records/activity/${activity.id}`, { subject: 'Changed' }));
    }
    if (kind === 'field hidden' || kind === 'field read-only') {
      const mine = ok(await as(alice.key)('POST', '/records/deal', { name: `Own ${++counter}` }), 201) as { id: string };
      const field = kind === 'field hidden' ? 'amount' : 'close_date';
      return statusOutcome(await as(alice.key)('PATCH', `/records/deal/${mine.id}`, { [field]: kind === 'field hidden' ? 5 : '2027-01-01' }), field);
    }
    const { id } = await fixture(kind);
    const r = await as(alice.key)('PATCH', `/records/deal/${id}`, { name: 'Changed by Alice' });
    const tenant = kind === 'other tenant' ? b : a;
    const after = json(await tenant.api('GET', `/records/deal/${id}`));
    if (r.statusCode !== 200) expect(after['name']).not.toBe('Changed by Alice');
    return statusOutcome(r);
  },
  async delete(kind) {
    if (kind === 'object denied') {
      const activity = ok(await a.api('POST', '/records/activity', { subject: 'Call', type: 'call', customer: customerId }), 201) as { id: string };
      return statusOutcome(await as(alice.key)('DELETE', `/records/activity/${activity.id}`));
    }
    const { id } = await fixture(kind);
    const r = await as(alice.key)('DELETE', `/records/deal/${id}`);
    const tenant = kind === 'other tenant' ? b : a;
    if (r.statusCode !== 204) expect((await tenant.api('GET', `/records/deal/${id}`)).statusCode).toBe(200);
    return r.statusCode === 204 ? 'deleted' : statusOutcome(r);
  },
  async batch(kind) {
    if (kind === 'object denied') return statusOutcome(await as(alice.key)('POST', '/records/activity/batch', { operations: [{ op: 'create', data: { subject: 'x', type: 'call', customer: customerId } }] }));
    if (kind === 'field hidden' || kind === 'field read-only') {
      const field = kind === 'field hidden' ? 'amount' : 'close_date';
      const before = await dealCount();
      const r = await as(alice.key)('POST', '/records/deal/batch', { operations: [{ op: 'create', data: { name: 'fine' } }, { op: 'create', data: { name: 'x', [field]: kind === 'field hidden' ? 1 : '2027-01-01' } }] });
      expect(await dealCount()).toBe(before);
      if (r.statusCode === 403) expect(json<{ errors: { index: number; field: string }[] }>(r).errors).toContainEqual(expect.objectContaining({ index: 1, field }));
      return statusOutcome(r, field);
    }
    const { id } = await fixture(kind);
    const before = await dealCount();
    const r = await as(alice.key)('POST', '/records/deal/batch', { operations: [{ op: 'create', data: { name: 'Batch sibling' } }, { op: 'update', id, data: { name: 'Batch change' } }] });
    if (r.statusCode !== 200) {
      expect(await dealCount()).toBe(before);
      const problems = json<{ errors: { index: number; message: string; code: string }[] }>(r).errors;
      if (problems.some((p) => p.index === 1 && /no deal/i.test(p.message))) return 'notFound';
      if (problems.some((p) => p.index === 1 && p.code === 'recordAccess')) return 'forbidden';
    }
    return statusOutcome(r);
  },
  async restore(kind) {
    if (kind === 'object denied') {
      const activity = ok(await a.api('POST', '/records/activity', { subject: 'Call', type: 'call', customer: customerId }), 201) as { id: string };
      expect((await a.api('DELETE', `/records/activity/${activity.id}`)).statusCode).toBe(204);
      return statusOutcome(await as(alice.key)('POST', `/records/activity/${activity.id}/restore`));
    }
    if (kind === 'field hidden' || kind === 'field read-only') {
      const mine = ok(await as(alice.key)('POST', '/records/deal', { name: `Own ${++counter}` }), 201) as { id: string };
      expect((await as(alice.key)('DELETE', `/records/deal/${mine.id}`)).statusCode).toBe(204);
      const bin = ok(await as(alice.key)('GET', '/recycle-bin?object=deal')) as { data: Record<string, unknown>[] };
      if (kind === 'field hidden') expect(bin.data.find((r) => r['id'] === mine.id)).not.toHaveProperty('amount');
      return fieldOutcome(ok(await as(alice.key)('POST', `/records/deal/${mine.id}/restore`)), kind);
    }
    const { id } = await fixture(kind);
    const tenant = kind === 'other tenant' ? b : a;
    expect((await tenant.api('DELETE', `/records/deal/${id}`)).statusCode).toBe(204);
    const r = await as(alice.key)('POST', `/records/deal/${id}/restore`);
    if (r.statusCode === 200) return 'restored';
    expect((await tenant.api('GET', `/records/deal/${id}`)).statusCode).toBe(404);
    return statusOutcome(r);
  },
  async search(kind) {
    if (kind === 'object denied') {
      const subject = `Zebra ${++counter}`;
      ok(await a.api('POST', '/records/activity', { subject, type: 'call', customer: customerId }), 201);
      const found = ok(await as(alice.key)('GET', `/search?q=${encodeURIComponent(subject)}`)) as unknown as { object: string }[];
      return found.some((g) => g.object === 'activity') ? 'listed' : 'absent';
    }
    if (kind === 'field hidden' || kind === 'field read-only') {
      const name = `Searchable ${++counter}`;
      ok(await as(alice.key)('POST', '/records/deal', { name }), 201);
      const found = ok(await as(alice.key)('GET', `/search?q=${encodeURIComponent(name)}`)) as unknown as { object: string; records: Record<string, unknown>[] }[];
      return fieldOutcome(found.find((g) => g.object === 'deal')!.records[0]!, kind);
    }
    const { id, name } = await fixture(kind);
    const found = ok(await as(alice.key)('GET', `/search?q=${encodeURIComponent(name)}`)) as unknown as { object: string; records: { id: string }[] }[];
    return found.some((g) => g.records.some((r) => r.id === id)) ? 'listed' : 'absent';
  },
  async 'saved view'(kind) {
    const object = kind === 'object denied' ? 'activity' : 'deal';
    const columns = kind === 'object denied' ? ['subject'] : ['name', kind === 'field hidden' ? 'amount' : 'close_date'];
    const r = await as(alice.key)('POST', '/views', { object, name: `View ${++counter}`, definition: { kind: 'list', columns } });
    if (r.statusCode === 201) return 'saved';
    expect(r.statusCode).toBe(422);
    return 'refused';
  },
  async openapi(kind) {
    const doc = ok(await as(alice.key)('GET', '/openapi.json')) as { paths: Record<string, unknown>; components: { schemas: Record<string, { properties?: Record<string, unknown> }> } };
    if (kind === 'object denied') return doc.paths['/records/activity'] ? 'listed' : 'absent';
    const field = kind === 'field hidden' ? 'amount' : 'close_date';
    return doc.components.schemas['Deal']?.properties?.[field] ? 'fieldPresent' : 'fieldAbsent';
  },
  // The schema is built per access shape (ADR 0016): what Alice cannot read is not in it, so a
  // query naming it fails validation as an unknown field, while the admin's schema has it.
  async 'graphql query'(kind) {
    if (RECORD_KINDS.includes(kind)) {
      const { id, name } = await fixture(kind);
      const r = await as(alice.key)('POST', '/graphql', { query: `{ deal(id: "${id}") { id name } dealList(filter: { field: "name", op: "eq", value: "${name}" }) { nodes { id } } }` });
      expect(r.statusCode, r.body).toBe(200);
      const data = json<{ data: { deal: { id: string } | null; dealList: { nodes: { id: string }[] } } }>(r).data;
      // The one record and the list agree.
      expect(data.dealList.nodes.some((n) => n.id === id)).toBe(data.deal !== null);
      return data.deal ? 'listed' : 'absent';
    }
    const query = kind === 'object denied' ? '{ activityList(first: 1) { nodes { id subject } } }' : `{ dealList(first: 1) { nodes { id ${kind === 'field hidden' ? 'amount' : 'close_date'} } } }`;
    const admin = await a.api('POST', '/graphql', { query });
    expect(admin.statusCode, admin.body).toBe(200);
    return graphqlOutcome(await as(alice.key)('POST', '/graphql', { query }), kind, 'Query');
  },
  /** Input types hold only the fields Alice may edit; mutations only the objects she may write. */
  async 'graphql mutation'(kind) {
    if (RECORD_KINDS.includes(kind)) {
      const { id } = await fixture(kind);
      const r = await as(alice.key)('POST', '/graphql', { query: `mutation { updateDeal(id: "${id}", input: { name: "Changed through GraphQL" }) { id name } }` });
      const tenant = kind === 'other tenant' ? b : a;
      const after = json(await tenant.api('GET', `/records/deal/${id}`));
      const body = json<{ data: { updateDeal: { name: string } | null } | null; errors?: { extensions?: { status?: number } }[] }>(r);
      if (body.data?.updateDeal) {
        expect(after['name']).toBe('Changed through GraphQL');
        return 'saved';
      }
      expect(after['name']).not.toBe('Changed through GraphQL');
      const status = body.errors?.[0]?.extensions?.status;
      if (status === 404) return 'notFound';
      if (status === 403) return 'forbidden';
      throw new Error(`unexpected answer: ${r.body}`);
    }
    const field = kind === 'field hidden' ? 'amount: 5' : 'close_date: "2027-01-01"';
    const query = kind === 'object denied' ? 'mutation { createActivity(input: { subject: "Call" }) { id } }' : `mutation { createDeal(input: { name: "Typed", ${field} }) { id } }`;
    const before = await dealCount();
    const outcome = graphqlOutcome(await as(alice.key)('POST', '/graphql', { query }), kind, 'Mutation');
    expect(await dealCount()).toBe(before);
    return outcome;
  },
};

function graphqlOutcome(r: LightMyRequestResponse, kind: RuleKind, root: 'Query' | 'Mutation'): Outcome {
  if (r.statusCode === 200) return kind === 'object denied' ? 'listed' : 'fieldPresent';
  expect(r.statusCode, r.body).toBe(400);
  const messages = json<{ errors: { message: string }[] }>(r).errors.map((e) => e.message);
  if (kind === 'object denied') {
    expect(messages).toContainEqual(expect.stringMatching(new RegExp(`Cannot query field "(activityList|createActivity)" on type "${root}"`)));
    return 'absent';
  }
  const field = kind === 'field hidden' ? 'amount' : 'close_date';
  expect(messages).toContainEqual(expect.stringMatching(root === 'Query' ? `Cannot query field "${field}" on type "Deal"` : `Field "${field}" is not defined by type "Deal_Input"`));
  return 'fieldAbsent';
}

function statusOutcome(r: LightMyRequestResponse, field?: string, read = false): Outcome {
  if (r.statusCode === 404) return 'notFound';
  if (r.statusCode === 403) {
    if (field) expect(r.body).toContain(field);
    return 'forbidden';
  }
  if (r.statusCode === 400) return 'refused';
  if (r.statusCode === 200 || r.statusCode === 201) return read ? 'visible' : 'saved';
  if (r.statusCode === 204) return 'deleted';
  throw new Error(`unexpected ${r.statusCode}: ${r.body}`);
}

function fieldOutcome(record: Record<string, unknown>, kind: RuleKind): Outcome {
  const field = kind === 'field hidden' ? 'amount' : 'close_date';
  return field in record ? 'fieldPresent' : 'fieldAbsent';
}

async function dealCount(): Promise<number> {
  return json<{ total: number }>(await a.api('GET', '/records/deal?count=true&limit=1')).total;
}

beforeAll(async () => {
  h = await startHarness();
  a = await createTestTenant(h, 'acl-a');
  b = await createTestTenant(h, 'acl-b');
  customerId = (ok(await a.api('POST', '/records/customer', { last_name: 'Anchor' }), 201) as { id: string }).id;
  const limited = ok(
    await a.api('POST', '/access/permission-sets', {
      key: 'limited',
      name: 'Limited',
      grants: {
        objects: { '*': { create: true, read: true, edit: true, delete: true }, activity: {} },
        fields: { deal: { amount: 'none', close_date: 'read' } },
        setup: {},
      },
    }),
    201,
  ) as { id: string };
  ok(await a.api('POST', '/access/profiles', { key: 'limited', name: 'Limited', permissionSetIds: [limited.id] }), 201);
  const manager = ok(await a.api('POST', '/access/roles', { name: 'Sales manager' }), 201) as { id: string };
  const rep = ok(await a.api('POST', '/access/roles', { name: 'Sales rep', parentId: manager.id }), 201) as { id: string };
  alice = await newUser('Alice', 'limited', manager.id);
  bob = await newUser('Bob', 'standard', rep.id);
  const group = ok(await a.api('POST', '/access/groups', { name: 'Deal desk' }), 201) as { id: string };
  groupId = group.id;
  ok(await a.api('PUT', `/access/groups/${group.id}/members`, { members: [{ kind: 'user', id: alice.id }] }));
  ok(await a.api('PUT', '/access/sharing', { objects: { deal: 'private' } }));
  ok(await a.api('POST', '/access/sharing-rules', { object: 'deal', name: 'Rule deals to managers', condition: 'name.startsWith("Rule")', granteeKind: 'role', granteeId: manager.id, access: 'edit' }), 201);
  // The other tenant's deals are private too, and Alice's id means nothing there.
  ok(await b.api('PUT', '/access/sharing', { objects: { deal: 'private' } }));
});
afterAll(async () => {
  await h?.close();
});

describe('access matrix: entry point × rule kind', () => {
  it('names every pair of entry point and rule kind once: an outcome, or why it cannot arise', () => {
    const entryPoints = Object.keys(entries) as Entry[];
    const kinds: RuleKind[] = ['object denied', ...FIELD_KINDS, ...RECORD_KINDS];
    const named = [...MATRIX.map(([e, k]) => `${e} × ${k}`), ...NOT_APPLICABLE.map(([e, k]) => `${e} × ${k}`)];
    const every = entryPoints.flatMap((e) => kinds.map((k) => `${e} × ${k}`));
    expect(named.filter((pair, i) => named.indexOf(pair) !== i)).toEqual([]);
    expect(every.filter((pair) => !named.includes(pair))).toEqual([]);
    expect(named.filter((pair) => !every.includes(pair))).toEqual([]);
  });

  it.each(MATRIX)('%s × %s → %s', async (entry, kind, expected) => {
    expect(await entries[entry](kind)).toBe(expected);
  });
});

describe('attempts across tenants and across sharing answer not-found and write nothing', () => {
  it('by lookup: a deal pointing at a customer Alice cannot see is refused as a missing record', async () => {
    ok(await a.api('PUT', '/access/sharing', { objects: { deal: 'private', customer: 'private' } }));
    const hidden = ok(await a.api('POST', '/records/customer', { last_name: 'Hidden' }), 201) as { id: string };
    const foreign = ok(await b.api('POST', '/records/customer', { last_name: 'Foreign' }), 201) as { id: string };
    const before = await dealCount();
    // A customer out of Alice's reach and another tenant's are refused alike, in the same words as a missing one.
    const missing = '00000000-0000-7000-8000-000000000000';
    const answers = [];
    for (const target of [hidden.id, foreign.id, missing]) {
      const r = await as(alice.key)('POST', '/records/deal', { name: 'Linked', customer: target });
      expect(r.statusCode).toBe(422);
      answers.push(json<{ errors: { field: string; code: string; message: string }[] }>(r).errors.map((e) => ({ field: e.field, code: e.code, message: e.message.replace(target, '<id>') })));
    }
    expect(answers[0]).toEqual(answers[2]);
    expect(answers[1]).toEqual(answers[2]);
    const mine = ok(await as(alice.key)('POST', '/records/deal', { name: `Relink ${++counter}` }), 201) as { id: string };
    expect((await as(alice.key)('PATCH', `/records/deal/${mine.id}`, { customer: hidden.id })).statusCode).toBe(422);
    const batch = await as(alice.key)('POST', '/records/deal/batch', { operations: [{ op: 'create', data: { name: 'ok' } }, { op: 'create', data: { name: 'linked', customer: hidden.id } }] });
    expect(batch.statusCode).toBe(422);
    expect(await dealCount()).toBe(before + 1);
    // Expanding a lookup to a record Alice cannot read shows the id and no values.
    const linked = ok(await a.api('POST', '/records/deal', { name: `Expansion ${++counter}`, customer: hidden.id, owner: alice.id }), 201) as { id: string };
    const got = ok(await as(alice.key)('GET', `/records/deal/${linked.id}?expand=customer`));
    expect(got['customer']).toBe(hidden.id);
    const listed = ok(await as(alice.key)('GET', `/records/deal?expand=customer&filter=${encodeURIComponent(JSON.stringify({ field: 'name', op: 'eq', value: `Expansion ${counter}` }))}`)) as { data: Record<string, unknown>[] };
    expect(listed.data[0]!['customer']).toBe(hidden.id);
    // Filtering through the lookup cannot probe the hidden customer's values.
    const probe = ok(await as(alice.key)('GET', `/records/deal?filter=${encodeURIComponent(JSON.stringify({ field: 'customer.last_name', op: 'eq', value: 'Hidden' }))}`)) as { data: unknown[] };
    expect(probe.data).toEqual([]);
    ok(await a.api('PUT', '/access/sharing', { objects: { customer: 'edit' } }));
  });

  it('by cursor: a cursor from the admin list pages Alice only through her own records', async () => {
    for (let i = 0; i < 3; i++) ok(await a.api('POST', '/records/deal', { name: `Private page ${i}` }), 201);
    const page = ok(await a.api('GET', '/records/deal?limit=1')) as { nextCursor: string };
    const r = ok(await as(alice.key)('GET', `/records/deal?limit=200&cursor=${encodeURIComponent(page.nextCursor)}`)) as { data: Record<string, unknown>[] };
    expect(r.data.every((d) => !String(d['name']).startsWith('Private page'))).toBe(true);
    const foreign = ok(await b.api('GET', '/records/deal?limit=1')) as { nextCursor: string | null };
    if (foreign.nextCursor) expect((await as(alice.key)('GET', `/records/deal?cursor=${encodeURIComponent(foreign.nextCursor)}`)).statusCode).toBe(400);
  });

  it('a changed sharing rule applies to existing records, and switching it off takes them away again', async () => {
    const { id, name } = await fixture('private record');
    expect((await as(alice.key)('GET', `/records/deal/${id}`)).statusCode).toBe(404);
    const rules = ok(await a.api('GET', '/access/sharing-rules')) as unknown as { id: string }[];
    const changed = ok(await a.api('PATCH', `/access/sharing-rules/${rules[0]!.id}`, { condition: `name == "${name}" || name.startsWith("Rule")` })) as { applied: { matched: number } };
    expect(changed.applied.matched).toBeGreaterThan(0);
    expect((await as(alice.key)('GET', `/records/deal/${id}`)).statusCode).toBe(200);
    expect(await listedFor(alice.key, name)).toBe(true);
    ok(await a.api('PATCH', `/access/sharing-rules/${rules[0]!.id}`, { condition: 'name.startsWith("Rule")' }));
    expect((await as(alice.key)('GET', `/records/deal/${id}`)).statusCode).toBe(404);
    // The record stays marked as once shared (migration 64); the list still finds no share for her.
    expect(await listedFor(alice.key, name)).toBe(false);
  });

  it('search finds Alice’s own deal although more deals she may not see hold the text than one read of candidates', async () => {
    const decoys = await a.api('POST', '/records/deal/batch', { operations: Array.from({ length: 70 }, (_, i) => ({ op: 'create', data: { name: `Quuxbar deal ${i}`, amount: 1 } })) });
    expect(decoys.statusCode, decoys.body).toBe(200);
    const mine = ok(await as(alice.key)('POST', '/records/deal', { name: 'Alice quuxbar' }), 201) as { id: string };
    const found = ok(await as(alice.key)('GET', '/search?q=quuxbar')) as unknown as { object: string; records: { id: string }[] }[];
    expect(found.flatMap((g) => g.records.map((r) => r.id))).toEqual([mine.id]);
  });

  it('a revoked manual share takes the record out of lists, searches and gets', async () => {
    const { id, name } = await fixture('private record');
    expect(await listedFor(alice.key, name)).toBe(false);
    ok(await a.api('POST', `/records/deal/${id}/shares`, { granteeKind: 'user', granteeId: alice.id, access: 'read' }), 201);
    expect(await listedFor(alice.key, name)).toBe(true);
    expect(await foundFor(alice.key, name, id)).toBe(true);
    expect((await as(alice.key)('DELETE', `/records/deal/${id}/shares/${alice.id}`)).statusCode).toBe(403);
    expect((await a.api('DELETE', `/records/deal/${id}/shares/${alice.id}`)).statusCode).toBe(204);
    expect(await listedFor(alice.key, name)).toBe(false);
    expect(await foundFor(alice.key, name, id)).toBe(false);
    expect((await as(alice.key)('GET', `/records/deal/${id}`)).statusCode).toBe(404);
  });
});

/** Whether a list of deals filtered by name, as the key's user, holds the record of that name. */
async function listedFor(key: string, name: string): Promise<boolean> {
  const page = ok(await as(key)('GET', `/records/deal?filter=${encodeURIComponent(JSON.stringify({ field: 'name', op: 'eq', value: name }))}`)) as { data: { name: string }[] };
  return page.data.some((d) => d.name === name);
}

/** Whether a search for the name, as the key's user, finds the record. */
async function foundFor(key: string, name: string, id: string): Promise<boolean> {
  const found = ok(await as(key)('GET', `/search?q=${encodeURIComponent(name)}`)) as unknown as { records: { id: string }[] }[];
  return found.some((g) => g.records.some((r) => r.id === id));
}
