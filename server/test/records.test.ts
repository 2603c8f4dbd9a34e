import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foldCase, slotOf } from '@protean/metadata';
import { createTestTenant, json, startHarness, type Harness, type TestTenant } from './harness.ts';
import { migrations } from '../src/db/migrations.ts';

let h: Harness;
let t: TestTenant;

beforeAll(async () => {
  h = await startHarness();
  t = await createTestTenant(h, 'rec');
});
afterAll(async () => h?.close());

async function newOrganization(name: string): Promise<string> {
  const response = await t.api('POST', '/records/organization', { name });
  expect(response.statusCode, response.body).toBe(201);
  return json(response)['id'] as string;
}

describe('records through the REST API', () => {
  it('creates, reads with an ETag, updates with If-Match and answers 412 to a stale version', async () => {
    const orgId = await newOrganization('Acme Clinic');
    const created = await t.api('POST', '/records/customer', { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com', organization: orgId });
    expect(created.statusCode, created.body).toBe(201);
    const customer = json(created);
    expect(customer['customer_number']).toMatch(/^CUS-\d{4}$/);
    expect(customer['owner']).toBe(t.adminId);

    const read = await t.api('GET', `/records/customer/${String(customer['id'])}?expand=organization`);
    expect(read.statusCode).toBe(200);
    expect(read.headers['etag']).toBe('"1"');
    expect((json(read)['organization'] as Record<string, unknown>)['name']).toBe('Acme Clinic');

    const updated = await t.api('PATCH', `/records/customer/${String(customer['id'])}`, { last_name: 'King' }, { 'if-match': '"1"' });
    expect(updated.statusCode, updated.body).toBe(200);
    expect(json(updated)['version']).toBe(2);
    expect(json(updated)['first_name']).toBe('Ada');

    const stale = await t.api('PATCH', `/records/customer/${String(customer['id'])}`, { last_name: 'Byron' }, { 'if-match': '"1"' });
    expect(stale.statusCode).toBe(412);
    expect(stale.headers['content-type']).toContain('application/problem+json');
    const after = await t.api('GET', `/records/customer/${String(customer['id'])}`);
    expect(json(after)['last_name']).toBe('King');
  });

  it('soft-deletes into the recycle bin and restores', async () => {
    const id = await newOrganization('Temporary Org');
    expect((await t.api('DELETE', `/records/organization/${id}`)).statusCode).toBe(204);
    expect((await t.api('GET', `/records/organization/${id}`)).statusCode).toBe(404);
    const bin = json<{ data: Record<string, unknown>[] }>(await t.api('GET', '/recycle-bin?object=organization')).data;
    expect(bin.map((r) => r['id'])).toContain(id);
    const restored = await t.api('POST', `/records/organization/${id}/restore`);
    expect(restored.statusCode, restored.body).toBe(200);
    expect((await t.api('GET', `/records/organization/${id}`)).statusCode).toBe(200);
  });

  it('refuses to delete an organization that customers still point at when the lookup restricts, and cascades when it cascades', async () => {
    const orgId = await newOrganization('Referenced Org');
    const c = await t.api('POST', '/records/customer', { first_name: 'Rex', last_name: 'Ref', organization: orgId });
    expect(c.statusCode, c.body).toBe(201);
    const refused = await t.api('DELETE', `/records/organization/${orgId}`);
    const lookup = (await t.api('GET', '/metadata/objects/customer')).json().fields.find((f: { apiName: string }) => f.apiName === 'organization');
    if (lookup.lookup.onDelete === 'restrict') {
      expect(refused.statusCode).toBe(409);
      expect((await t.api('GET', `/records/organization/${orgId}`)).statusCode).toBe(200);
    } else {
      expect(refused.statusCode).toBe(204);
    }
  });

  it('lists with filters on picklists, numbers and the looked-up record, sorts, pages with a cursor and counts', async () => {
    const orgA = await newOrganization('Filter Alpha');
    const orgB = await newOrganization('Filter Beta');
    const ops = Array.from({ length: 30 }, (_, i) => ({
      op: 'create',
      data: { name: `Deal ${String(i).padStart(2, '0')}`, stage: i % 2 ? 'proposal' : 'prospecting', amount: i * 100, close_date: `2027-01-${String((i % 28) + 1).padStart(2, '0')}`, organization: i % 3 ? orgA : orgB },
    }));
    const batch = await t.api('POST', '/records/deal/batch', { operations: ops });
    expect(batch.statusCode, batch.body).toBe(200);

    const filter = JSON.stringify({ and: [{ field: 'stage', op: 'eq', value: 'proposal' }, { field: 'amount', op: 'gte', value: 500 }, { field: 'organization.name', op: 'eq', value: 'Filter Alpha' }] });
    const seen: string[] = [];
    let cursor: string | null = null;
    let total = 0;
    for (let page = 0; page < 10; page++) {
      const query: string = `/records/deal?filter=${encodeURIComponent(filter)}&sort=-close_date,name&limit=4&count=true&expand=organization${cursor ? `&cursor=${cursor}` : ''}`;
      const response = await t.api('GET', query);
      expect(response.statusCode, response.body).toBe(200);
      const body = json<{ data: Record<string, unknown>[]; nextCursor: string | null; total: number }>(response);
      total = body.total;
      for (const r of body.data) {
        expect(r['stage']).toBe('proposal');
        expect(Number(r['amount'])).toBeGreaterThanOrEqual(500);
        expect((r['organization'] as Record<string, unknown>)['name']).toBe('Filter Alpha');
        seen.push(String(r['close_date']) + '|' + String(r['name']));
      }
      cursor = body.nextCursor;
      if (!cursor) break;
    }
    const expected = ops
      .map((o) => o.data)
      .filter((d) => d.stage === 'proposal' && d.amount >= 500 && d.organization === orgA)
      .map((d) => `${d.close_date}|${d.name}`)
      .sort((a, b) => (a.split('|')[0]! < b.split('|')[0]! ? 1 : a.split('|')[0]! > b.split('|')[0]! ? -1 : a < b ? -1 : 1));
    expect(seen).toEqual(expected);
    expect(total).toBe(expected.length);
  });

  it('upserts by a unique field inside an all-or-nothing batch', async () => {
    await t.api('POST', '/metadata/objects/customer/fields', { apiName: 'external_ref', type: 'text', labels: { en: 'External ref' }, unique: true, maxLength: 40 });
    const first = await t.api('POST', '/records/customer/batch', { operations: [{ op: 'upsert', matchField: 'external_ref', data: { first_name: 'U', last_name: 'One', external_ref: 'X-1' } }] });
    expect(first.statusCode, first.body).toBe(200);
    const second = await t.api('POST', '/records/customer/batch', { operations: [{ op: 'upsert', matchField: 'external_ref', data: { first_name: 'U', last_name: 'Uno', external_ref: 'X-1' } }] });
    expect(second.statusCode, second.body).toBe(200);
    const firstResult = json<{ results: { id: string; action: string }[] }>(first).results[0]!;
    const secondResult = json<{ results: { id: string; action: string }[] }>(second).results[0]!;
    expect(firstResult.action).toBe('created');
    expect(secondResult).toMatchObject({ id: firstResult.id, action: 'updated' });
    expect(json(await t.api('GET', `/records/customer/${firstResult.id}`))['last_name']).toBe('Uno');
    const full = await t.api('POST', '/records/customer/batch?return=representation', { operations: [{ op: 'create', data: { first_name: 'R', last_name: 'Epr', external_ref: 'X-2' } }] });
    expect(json<{ data: Record<string, unknown>[] }>(full).data[0]).toMatchObject({ name: 'R Epr', external_ref: 'X-2', version: 1 });
  });

  it('lists the records that look a record up as related lists', async () => {
    const orgId = await newOrganization('Related Org');
    await t.api('POST', '/records/customer', { first_name: 'Rel', last_name: 'One', organization: orgId });
    const related = json<{ object: string; field: string; total: number }[]>(await t.api('GET', `/related/organization/${orgId}`));
    expect(related.find((g) => g.object === 'customer' && g.field === 'organization')?.total).toBe(1);
  });

  it('publishes an OpenAPI 3.1 document generated from the tenant metadata', async () => {
    const doc = json(await t.api('GET', '/openapi.json'));
    expect(doc['openapi']).toBe('3.1.0');
    expect(Object.keys(doc['paths'] as object)).toContain('/records/customer/{id}');
  });
});

describe('a filter on a related field when there is no related record', () => {
  it('reads the field as empty: isNull true, ne and nin match records without one, REST and GraphQL alike', async () => {
    const acme = await t.api('POST', '/records/organization', { name: 'Hop Acme', website: 'https://acme.example' });
    const bare = await t.api('POST', '/records/organization', { name: 'Hop Bare' });
    const gone = await t.api('POST', '/records/organization', { name: 'Hop Gone' });
    const [acmeId, bareId, goneId] = [acme, bare, gone].map((r) => json(r)['id'] as string);
    const customers = { withAcme: acmeId, withBare: bareId, withGone: goneId, without: undefined };
    for (const [last_name, organization] of Object.entries(customers)) {
      const created = await t.api('POST', '/records/customer', { first_name: 'Hop', last_name, ...(organization ? { organization } : {}) });
      expect(created.statusCode, created.body).toBe(201);
    }
    expect((await t.api('DELETE', `/records/organization/${goneId}`)).statusCode).toBe(204);

    const names = async (condition: unknown): Promise<string[]> => {
      const filter = JSON.stringify({ and: [{ field: 'first_name', op: 'eq', value: 'Hop' }, condition] });
      const rest = await t.api('GET', `/records/customer?filter=${encodeURIComponent(filter)}&sort=last_name&count=true`);
      expect(rest.statusCode, rest.body).toBe(200);
      const body = json<{ data: { last_name: string }[]; total: number }>(rest);
      const graphql = await t.api('POST', '/graphql', { query: 'query($f: JSON) { customerList(filter: $f, sort: "last_name") { nodes { last_name } totalCount } }', variables: { f: JSON.parse(filter) } });
      const list = json<{ data: { customerList: { nodes: { last_name: string }[]; totalCount: number } } }>(graphql).data.customerList;
      expect(list.nodes.map((n) => n.last_name)).toEqual(body.data.map((r) => r.last_name));
      expect([body.total, list.totalCount]).toEqual([body.data.length, body.data.length]);
      return body.data.map((r) => r.last_name);
    };
    expect(await names({ field: 'organization.name', op: 'isNull', value: true })).toEqual(['withGone', 'without']);
    expect(await names({ field: 'organization.name', op: 'isNull', value: false })).toEqual(['withAcme', 'withBare']);
    expect(await names({ field: 'organization.website', op: 'isNull', value: true })).toEqual(['withBare', 'withGone', 'without']);
    expect(await names({ field: 'organization.website', op: 'isNull', value: false })).toEqual(['withAcme']);
    expect(await names({ field: 'organization.name', op: 'ne', value: 'hop acme' })).toEqual(['withBare', 'withGone', 'without']);
    expect(await names({ not: { field: 'organization.name', op: 'eq', value: 'Hop Acme' } })).toEqual(['withBare', 'withGone', 'without']);
    expect(await names({ field: 'organization.name', op: 'nin', value: ['Hop Acme', 'Hop Bare'] })).toEqual(['withGone', 'without']);
    expect(await names({ field: 'organization.name', op: 'eq', value: 'Hop Bare' })).toEqual(['withBare']);
    expect(await names({ field: 'organization.name', op: 'startsWith', value: 'hop' })).toEqual(['withAcme', 'withBare']);
  });
});

describe('a number with a scale', () => {
  it('keeps the decimals its scale allows: a sum a client added in binary floating point (0.1 + 0.2) is stored, read and found as 0.3', async () => {
    const t = await createTestTenant(h, 'scale');
    const field = await t.api('POST', '/metadata/objects/organization/fields', { apiName: 'fee', type: 'currency', labels: { en: 'Fee' }, precision: 12, scale: 2 });
    expect(field.statusCode, field.body).toBe(201);
    const created = await t.api('POST', '/records/organization', { name: 'Smile Dental', fee: 0.1 + 0.2 });
    expect(created.statusCode, created.body).toBe(201);
    expect(json(created)['fee']).toBe(0.3);
    const id = String(json(created)['id']);
    const updated = await t.api('PATCH', `/records/organization/${id}`, { fee: 19.99 * 3 });
    expect(updated.statusCode, updated.body).toBe(200);
    expect(json(updated)['fee']).toBe(59.97);
    expect(json(await t.api('GET', `/records/organization/${id}`))['fee']).toBe(59.97);
    const found = json<{ data: { id: string }[] }>(await t.api('GET', `/records/organization?filter=${encodeURIComponent(JSON.stringify({ field: 'fee', op: 'eq', value: 59.97 }))}`));
    expect(found.data.map((r) => r.id)).toEqual([id]);
    // A value beyond the scale is still refused, not rounded.
    expect((await t.api('PATCH', `/records/organization/${id}`, { fee: 1.005 })).statusCode).toBe(422);
  });
});

describe('cursor pagination', () => {
  it('walks every record exactly once in both directions, with empty values and ties in the sort field', async () => {
    const org = await newOrganization('Paging Org');
    const operations = Array.from({ length: 23 }, (_, i) => ({
      op: 'create',
      // Every third deal has no close date; the rest share a handful of dates, so ties abound.
      data: { name: `Paged ${i}`, organization: org, ...(i % 3 === 0 ? {} : { close_date: `2027-03-0${(i % 4) + 1}` }) },
    }));
    const batch = await t.api('POST', '/records/deal/batch', { operations });
    expect(batch.statusCode, batch.body).toBe(200);
    const filter = encodeURIComponent(JSON.stringify({ field: 'organization', op: 'eq', value: org }));
    for (const sort of ['close_date', '-close_date', 'amount', '-created_at', 'id', '']) {
      const ids: string[] = [];
      let cursor: string | null = null;
      for (let page = 0; page < 20; page++) {
        const response = await t.api('GET', `/records/deal?filter=${filter}&sort=${sort}&limit=5${cursor ? `&cursor=${cursor}` : ''}`);
        expect(response.statusCode, response.body).toBe(200);
        const body = json<{ data: { id: string }[]; nextCursor: string | null }>(response);
        ids.push(...body.data.map((r) => r.id));
        cursor = body.nextCursor;
        if (!cursor) break;
      }
      expect(new Set(ids).size, sort).toBe(23);
      expect(ids, sort).toHaveLength(23);
    }
  });

  it('sorts a text field without an index slot case-insensitively, page by page as in one list, with empty values where they were', async () => {
    const s = await createTestTenant(h, 'sort');
    const optional = await s.api('PATCH', '/metadata/objects/customer/fields/last_name', { required: false });
    expect(optional.statusCode, optional.body).toBe(200);
    const model = await h.server.metadata.model(s.id);
    const customer = model.object('customer')!;
    expect(slotOf(customer, model.field(customer, 'last_name')!.id)).toBeUndefined();
    const names = ['Zed', 'adam', 'Bob', 'bob', 'İstanbul', 'istanbul', null];
    for (const last_name of names) {
      const r = await s.api('POST', '/records/customer', { first_name: 'Sorted', ...(last_name === null ? {} : { last_name }) });
      expect(r.statusCode, r.body).toBe(201);
    }
    const filter = encodeURIComponent(JSON.stringify({ field: 'first_name', op: 'eq', value: 'Sorted' }));
    const list = async (sort: string, limit: number) => {
      const seen: (string | null)[] = [];
      let cursor: string | null = null;
      for (let page = 0; page < 10; page++) {
        const response = await s.api('GET', `/records/customer?filter=${filter}&sort=${sort}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
        expect(response.statusCode, response.body).toBe(200);
        const body = json<{ data: { last_name?: string | null }[]; nextCursor: string | null }>(response);
        seen.push(...body.data.map((r) => r.last_name ?? null));
        cursor = body.nextCursor;
        if (!cursor) break;
      }
      return seen;
    };
    // Equal when lowered ('İ' lowers to 'i'), so the record id, that is creation order, decides.
    const ascending = ['adam', 'Bob', 'bob', 'İstanbul', 'istanbul', 'Zed', null];
    expect(await list('last_name', 100)).toEqual(ascending);
    expect(await list('last_name', 2)).toEqual(ascending);
    expect(await list('-last_name', 100)).toEqual([...ascending].reverse());
    expect(await list('-last_name', 2)).toEqual([...ascending].reverse());
  });

  it('sorts deals by stage in the order of the picklist, page by page as in one list, and refuses a cursor made before the values were reordered', async () => {
    const s = await createTestTenant(h, 'pick');
    const optional = await s.api('PATCH', '/metadata/objects/deal/fields/stage', { required: false });
    expect(optional.statusCode, optional.body).toBe(200);
    const stages = ['closed_won', 'prospecting', 'negotiation', null, 'qualification', 'proposal', 'prospecting', 'closed_lost'];
    for (const [i, stage] of stages.entries()) {
      const r = await s.api('POST', '/records/deal', { name: `Staged ${i}`, stage: stage ?? 'prospecting' });
      expect(r.statusCode, r.body).toBe(201);
      if (stage === null) expect((await s.api('PATCH', `/records/deal/${String(json(r)['id'])}`, { stage: null })).statusCode).toBe(200);
    }
    const filter = encodeURIComponent(JSON.stringify({ field: 'name', op: 'startsWith', value: 'Staged' }));
    const page = async (sort: string, limit: number, cursor: string | null) => {
      const response = await s.api('GET', `/records/deal?filter=${filter}&sort=${sort}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(response.statusCode, response.body).toBe(200);
      return json<{ data: { id: string; name: string; stage?: string | null }[]; nextCursor: string | null }>(response);
    };
    const list = async (sort: string, limit: number) => {
      const seen: string[] = [];
      let cursor: string | null = null;
      for (let n = 0; n < 10; n++) {
        const body = await page(sort, limit, cursor);
        seen.push(...body.data.map((r) => `${r.stage ?? '-'} ${r.name}`));
        cursor = body.nextCursor;
        if (!cursor) break;
      }
      return seen;
    };
    // Pipeline order, ties by creation, the empty stage last.
    const ascending = ['prospecting Staged 1', 'prospecting Staged 6', 'qualification Staged 4', 'proposal Staged 5', 'negotiation Staged 2', 'closed_won Staged 0', 'closed_lost Staged 7', '- Staged 3'];
    for (const limit of [100, 2]) {
      expect(await list('stage', limit)).toEqual(ascending);
      expect(await list('-stage', limit)).toEqual([...ascending].reverse());
    }

    const before = await page('stage', 2, null);
    const field = json<{ fields: { apiName: string; values: { apiName: string }[] }[] }>(await s.api('GET', '/metadata/objects/deal')).fields.find((f) => f.apiName === 'stage')!;
    const byName = new Map(field.values.map((v) => [v.apiName, v]));
    const reordered = ['closed_lost', 'proposal', 'negotiation', 'prospecting', 'qualification', 'closed_won'].map((name) => byName.get(name)!);
    const change = await s.api('PATCH', '/metadata/objects/deal/fields/stage', { values: reordered });
    expect(change.statusCode, change.body).toBe(200);
    const now = ['closed_lost Staged 7', 'proposal Staged 5', 'negotiation Staged 2', 'prospecting Staged 1', 'prospecting Staged 6', 'qualification Staged 4', 'closed_won Staged 0', '- Staged 3'];
    expect(await list('stage', 100)).toEqual(now);
    expect(await list('stage', 2)).toEqual(now);
    expect(await list('-stage', 3)).toEqual([...now].reverse());
    const stale = await s.api('GET', `/records/deal?filter=${filter}&sort=stage&limit=2&cursor=${before.nextCursor}`);
    expect(stale.statusCode, stale.body).toBe(400);
    // A value made inactive keeps its place; the records holding it still read (and satisfy the API's own read schema), new writes may not use it.
    const retired = reordered.map((v) => (v.apiName === 'negotiation' ? { ...v, active: false } : v));
    const retire = await s.api('PATCH', '/metadata/objects/deal/fields/stage', { values: retired });
    expect(retire.statusCode, retire.body).toBe(200);
    expect(await list('stage', 2)).toEqual(now);
    const held = (await page('stage', 100, null)).data.find((d) => d.name === 'Staged 2')!;
    expect(held.stage).toBe('negotiation');
    const refused = await s.api('POST', '/records/deal', { name: 'Too late', stage: 'negotiation' });
    expect(refused.statusCode, refused.body).toBe(422);
    expect(refused.body).toContain('inactive_value');
    // A record sent back as it was read keeps its inactive value; moving another record onto it is refused.
    const kept = await s.api('PATCH', `/records/deal/${held.id}`, { name: 'Staged 2 renamed', stage: 'negotiation' });
    expect(kept.statusCode, kept.body).toBe(200);
    expect(json(kept)['stage']).toBe('negotiation');
    const other = (await page('stage', 100, null)).data.find((d) => d.name === 'Staged 4')!;
    const moved = await s.api('PATCH', `/records/deal/${other.id}`, { stage: 'negotiation' });
    expect(moved.statusCode, moved.body).toBe(422);
    expect(moved.body).toContain('inactive_value');
  });

  it('a list asked for system fields by name answers their values, not null', async () => {
    const id = await newOrganization('Fields Org');
    const r = await t.api('GET', `/records/organization?fields=id,created_at,created_by,name&filter=${encodeURIComponent(JSON.stringify({ field: 'id', op: 'eq', value: id }))}`);
    expect(r.statusCode, r.body).toBe(200);
    const [row] = json<{ data: Record<string, unknown>[] }>(r).data;
    expect(row).toMatchObject({ id, created_by: t.adminId, name: 'Fields Org' });
    expect(typeof row!['created_at']).toBe('string');
  });
});

describe('a text starting with U+FEFF', () => {
  it('reads back as stored: a record named with it, the next page after it, and a text column (a saved view) alike', async () => {
    const s = await createTestTenant(h, 'bom');
    // A byte-order mark left at the start of a name by a CSV export; ids sort after, so each page ends on one.
    const names = ['\ufeffAcme', 'Beta', '\ufeff\ufeffCove', '\ufeffDelta'];
    const created = await s.api('POST', '/records/organization/batch', { operations: names.map((name) => ({ op: 'create', data: { name } })) });
    expect(created.statusCode, created.body).toBe(200);
    const [first] = json<{ results: { id: string }[] }>(created).results;
    expect(json(await s.api('GET', `/records/organization/${first!.id}`))['name']).toBe('\ufeffAcme');

    const paged: unknown[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const r = await s.api('GET', `/records/organization?sort=name&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.statusCode, r.body).toBe(200);
      const body = json<{ data: { name: string }[]; nextCursor: string | null }>(r);
      paged.push(...body.data.map((o) => o.name));
      cursor = body.nextCursor;
      if (!cursor) break;
    }
    expect(paged).toEqual([...names].sort());

    const view = await s.api('POST', '/views', { object: 'organization', name: '\ufeffImported', definition: { kind: 'list', columns: ['name'] } });
    expect(view.statusCode, view.body).toBe(201);
    expect(json(view)['name']).toBe('\ufeffImported');
    expect(json<{ name: string }[]>(await s.api('GET', '/views?object=organization')).map((v) => v.name)).toEqual(['\ufeffImported']);
  });
});

describe('text in Turkish and Greek capitals', () => {
  let w: TestTenant;
  beforeAll(async () => {
    w = await createTestTenant(h, 'fold');
  });

  const filtered = async (object: string, field: string, op: string, value: unknown, shown = 'name'): Promise<string[]> => {
    const r = await w.api('GET', `/records/${object}?sort=${shown}&filter=${encodeURIComponent(JSON.stringify({ field, op, value }))}`);
    expect(r.statusCode, r.body).toBe(200);
    return json<{ data: Record<string, string>[] }>(r).data.map((d) => d[shown]!);
  };
  const create = async (object: string, data: Record<string, unknown>) => {
    const r = await w.api('POST', `/records/${object}`, data);
    expect(r.statusCode, r.body).toBe(201);
    return json<{ id: string }>(r).id;
  };

  it('foldCase lowers as the database lowers: dotted and dotless I, final sigma, ß and ẞ, Kelvin and Ångström signs, emoji, Cherokee, Georgian', async () => {
    const samples = [
      'İSTANBUL', 'İzmir', 'ıiIİ', 'I\u0307', 'ΣΊΣΥΦΟΣ', 'ΟΔΟΣ ΣΟΦΟΣ.', 'Σ', 'σίσυφος', 'Straße', 'STRASSE', 'ẞ', 'Å', '\u212b', '\u212a', 'ǅ',
      'Émile 😀 Ωmega', 'ᎠᎡᎢᏴ', 'ꭰꭱ', 'ႠႡ', 'ᲐᲑᲒ', 'ԱԲԳ', 'ЁЖЯ', '𐐀𐐁', 'ＡＢＣ', 'Ⅻ', '陈美玲', 'ΐΰ',
    ];
    // Whole blocks as well: Latin, Greek, Cyrillic and Armenian; Latin and Greek extended; Georgian; Cherokee; letterlike symbols.
    const block = (from: number, to: number) => String.fromCodePoint(...Array.from({ length: to - from + 1 }, (_, i) => from + i));
    samples.push(block(0x20, 0x58f), block(0x1e00, 0x1fff), block(0x10a0, 0x10ff), block(0x1c90, 0x1cbf), block(0x13a0, 0x13ff), block(0xab70, 0xabbf), block(0x2100, 0x214f));
    const rows = await h.db.system((q) => q.query<{ lower: string }>('select lower(s) from unnest($1::text[]) with ordinality as x(s, n) order by n', [samples]));
    samples.forEach((sample, i) => expect(foldCase(sample), sample.slice(0, 40)).toBe(rows[i]!.lower));
  });

  it('filters on a name with an index slot find Turkish and Greek capitals written in either case', async () => {
    for (const name of ['İSTANBUL Trading', 'Acme İzmir Branch', 'ΣΊΣΥΦΟΣ', 'Σίσυφος', 'Izmit Ltd']) await create('organization', { name });
    expect(await filtered('organization', 'name', 'contains', 'istanbul')).toEqual(['İSTANBUL Trading']);
    expect(await filtered('organization', 'name', 'contains', 'İSTANBUL')).toEqual(['İSTANBUL Trading']);
    expect(await filtered('organization', 'name', 'contains', 'izmir')).toEqual(['Acme İzmir Branch']);
    expect(await filtered('organization', 'name', 'contains', 'İZMİR')).toEqual(['Acme İzmir Branch']);
    expect(await filtered('organization', 'name', 'startsWith', 'istanbul')).toEqual(['İSTANBUL Trading']);
    expect(await filtered('organization', 'name', 'startsWith', 'İz')).toEqual(['Izmit Ltd']);
    expect(await filtered('organization', 'name', 'eq', 'İstanbul TRADING')).toEqual(['İSTANBUL Trading']);
    // To lower() a final ς is a letter of its own: the capitals are found by the capitals, as unique keys and search tell them apart.
    expect(await filtered('organization', 'name', 'eq', 'ΣΊΣΥΦΟΣ')).toEqual(['ΣΊΣΥΦΟΣ']);
    expect(await filtered('organization', 'name', 'eq', 'σίσυφοσ')).toEqual(['ΣΊΣΥΦΟΣ']);
    expect(await filtered('organization', 'name', 'eq', 'σίσυφος')).toEqual(['Σίσυφος']);
    expect(await filtered('organization', 'name', 'in', ['ΣΊΣΥΦΟΣ', 'İSTANBUL TRADING'])).toEqual(['İSTANBUL Trading', 'ΣΊΣΥΦΟΣ']);
  });

  it('filters on a field without a slot find Turkish and Greek capitals written in either case', async () => {
    for (const last_name of ['İSTANBUL', 'ΣΊΣΥΦΟΣ', 'Σίσυφος']) await create('customer', { first_name: 'Fold', last_name });
    const lastNames = (op: string, value: unknown) => filtered('customer', 'last_name', op, value, 'last_name');
    expect(await lastNames('eq', 'İSTANBUL')).toEqual(['İSTANBUL']);
    expect(await lastNames('eq', 'istanbul')).toEqual(['İSTANBUL']);
    expect(await lastNames('contains', 'İST')).toEqual(['İSTANBUL']);
    expect(await lastNames('startsWith', 'İs')).toEqual(['İSTANBUL']);
    expect(await lastNames('in', ['İstanbul'])).toEqual(['İSTANBUL']);
    expect(await lastNames('eq', 'ΣΊΣΥΦΟΣ')).toEqual(['ΣΊΣΥΦΟΣ']);
    expect(await lastNames('eq', 'σίσυφος')).toEqual(['Σίσυφος']);
    expect(await lastNames('contains', 'ΥΦΟΣ')).toEqual(['ΣΊΣΥΦΟΣ']);
    expect(await lastNames('ne', 'ΣΊΣΥΦΟΣ')).not.toContain('ΣΊΣΥΦΟΣ');
  });

  it('a unique text field refuses the values a filter finds taken, and only those', async () => {
    const field = await w.api('POST', '/metadata/objects/organization/fields', { apiName: 'tax_code', type: 'text', labels: { en: 'Tax code' }, unique: true, maxLength: 40 });
    expect(field.statusCode, field.body).toBe(201);
    const codes = (value: string) => filtered('organization', 'tax_code', 'eq', value, 'tax_code');
    const izmir = await create('organization', { name: 'Tax İzmir', tax_code: 'İZMİR-7' });
    expect(await codes('İZMİR-7')).toEqual(['İZMİR-7']);
    expect(await codes('izmir-7')).toEqual(['İZMİR-7']);
    expect((await w.api('POST', '/records/organization', { name: 'Tax izmir', tax_code: 'izmir-7' })).statusCode).toBe(409);
    const upsert = await w.api('POST', '/records/organization/batch', { operations: [{ op: 'upsert', matchField: 'tax_code', data: { name: 'Tax İzmir again', tax_code: 'İzmir-7' } }] });
    expect(json<{ results: { id: string; action: string }[] }>(upsert).results[0]).toMatchObject({ id: izmir, action: 'updated' });

    await create('organization', { name: 'Tax Σοφός', tax_code: 'ΣΟΦΟΣ' });
    expect(await codes('ΣΟΦΟΣ')).toEqual(['ΣΟΦΟΣ']);
    expect(await codes('σοφοσ')).toEqual(['ΣΟΦΟΣ']);
    expect((await w.api('POST', '/records/organization', { name: 'Tax σοφοσ', tax_code: 'σοφοσ' })).statusCode).toBe(409);
    // The final ς is another letter to lower(): the filter finds no 'ΣΟΦΟΣ' for it, and the value is free.
    expect(await codes('σοφος')).toEqual([]);
    await create('organization', { name: 'Tax σοφος', tax_code: 'σοφος' });
    expect(await codes('σοφος')).toEqual(['σοφος']);
  });

  it('a name stored lowered by toLowerCase() before migration 72 is found once it has run', async () => {
    const id = await create('organization', { name: 'Eski İSTANBUL Ofisi ΣΟΦΟΣ' });
    const model = await h.server.metadata.model(w.id);
    const organization = model.object('organization')!;
    const column = `ix_${slotOf(organization, model.field(organization, 'name')!.id)!}`;
    const slotted = async () => (await h.db.system((q) => q.query<{ v: string }>(`select ${column} as v from record where tenant_id = $1 and id = $2`, [w.id, id])))[0]!.v;
    expect(await slotted()).toBe('eski istanbul ofisi σοφοσ');
    await h.db.system((q) => q.query(`update record set ${column} = $3 where tenant_id = $1 and id = $2`, [w.id, id, 'Eski İSTANBUL Ofisi ΣΟΦΟΣ'.toLowerCase()]));
    expect(await filtered('organization', 'name', 'contains', 'eski istanbul')).toEqual([]);

    await h.db.system((q) => q.exec(migrations.find((m) => m.id === 72)!.sql));
    expect(await slotted()).toBe('eski istanbul ofisi σοφοσ');
    expect(await filtered('organization', 'name', 'contains', 'eski istanbul')).toEqual(['Eski İSTANBUL Ofisi ΣΟΦΟΣ']);
    expect(await filtered('organization', 'name', 'eq', 'ESKİ İSTANBUL OFİSİ ΣΟΦΟΣ')).toEqual(['Eski İSTANBUL Ofisi ΣΟΦΟΣ']);
  });

  it('a text written with a combining accent is the same value as the precomposed one: stored, filtered, unique and searched alike', async () => {
    const decomposed = 'E\u0301mile Nfd';
    const composed = 'Émile Nfd';
    expect(decomposed).not.toBe(composed);
    const id = await create('customer', { first_name: 'Nfd', last_name: decomposed });
    const stored = json<{ last_name: string }>(await w.api('GET', `/records/customer/${id}`));
    expect(stored.last_name).toBe(composed);
    for (const value of [decomposed, composed]) expect(await filtered('customer', 'last_name', 'eq', value, 'last_name'), value).toEqual([composed]);
    expect(await filtered('customer', 'last_name', 'contains', 'e\u0301mile', 'last_name')).toEqual([composed]);
    // A unique field takes one or the other, not both.
    const field = await w.api('POST', '/metadata/objects/organization/fields', { apiName: 'nfd_code', type: 'text', labels: { en: 'NFD code' }, unique: true, maxLength: 40 });
    expect(field.statusCode, field.body).toBe(201);
    await create('organization', { name: 'Composed code', nfd_code: 'CAFÉ-1' });
    const twin = await w.api('POST', '/records/organization', { name: 'Decomposed code', nfd_code: 'CAFE\u0301-1' });
    expect(twin.statusCode, twin.body).toBe(409);
    // Search, typed either way.
    for (const q of ['E\u0301mile Nfd', 'émile nfd']) {
      const found = json<{ object: string; records: { id: string }[] }[]>(await w.api('GET', `/search?q=${encodeURIComponent(q)}`));
      expect(found.find((g) => g.object === 'customer')?.records.map((r) => r.id), q).toEqual([id]);
    }
  });
});
