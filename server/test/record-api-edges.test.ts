import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slotOf, writeSlotOf } from '@protean/metadata';
import { call, createTestTenant, json, startHarness, type Harness, type TestTenant } from './harness.ts';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { migrations } from '../src/db/migrations.ts';

/*
 * What an integrator meets at the edges of the records API: every page of a list in the order of
 * the whole list, ids in any letter case, and values the API must take whole or refuse.
 */

let h: Harness;
let t: TestTenant;

beforeAll(async () => {
  h = await startHarness();
  t = await createTestTenant(h, 'edges');
});
afterAll(async () => h?.close());

type Page = { data: Record<string, unknown>[]; nextCursor: string | null };
const filter = (value: unknown) => encodeURIComponent(JSON.stringify(value));

/** Every record of a list, page by page of `limit`. */
async function walk(tenant: TestTenant, path: string, limit: number): Promise<Record<string, unknown>[]> {
  const seen: Record<string, unknown>[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 50; page++) {
    const response = await tenant.api('GET', `${path}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(response.statusCode, response.body).toBe(200);
    const body = json<Page>(response);
    seen.push(...body.data);
    cursor = body.nextCursor;
    if (!cursor) return seen;
  }
  throw new Error(`${path} did not end after 50 pages`);
}

describe('list pages', () => {
  it('a sort that ends with the id in the other direction pages through the list in its order, each record once', async () => {
    const names = ['Ada', 'ada', 'Ada', 'Bo', 'bo', 'Cy', 'Cy', 'Cy'];
    const created = await t.api('POST', '/records/organization/batch', { operations: names.map((name) => ({ op: 'create', data: { name, phone: '555 0100' } })) });
    expect(created.statusCode, created.body).toBe(200);
    const only = filter({ field: 'phone', op: 'eq', value: '555 0100' });
    for (const sort of ['name,-id', '-name,id', 'name,-created_at']) {
      const whole = (await walk(t, `/records/organization?filter=${only}&sort=${sort}`, 200)).map((r) => r['id']);
      expect(whole, sort).toHaveLength(names.length);
      expect(await walk(t, `/records/organization?filter=${only}&sort=${sort}`, 2).then((rows) => rows.map((r) => r['id'])), sort).toEqual(whole);
    }
  });

  it('a text starting with U+FEFF (a byte-order mark left by a CSV export) sorts and pages like any other, and paging ends', async () => {
    const names = ['\ufeffBom first', 'Apple', 'Bom', 'Cherry', '\ufeffZed'];
    const created = await t.api('POST', '/records/customer/batch', { operations: names.map((last_name) => ({ op: 'create', data: { first_name: 'Marked', last_name, wechat_id: last_name } })) });
    expect(created.statusCode, created.body).toBe(200);
    const only = filter({ field: 'first_name', op: 'eq', value: 'Marked' });
    // last_name has no index slot, name has one: both kinds of sort key.
    for (const sort of ['last_name', '-last_name', 'name', '-name', 'wechat_id,-id']) {
      const whole = (await walk(t, `/records/customer?filter=${only}&sort=${sort}`, 200)).map((r) => r['last_name']);
      expect(whole, sort).toHaveLength(names.length);
      expect((await walk(t, `/records/customer?filter=${only}&sort=${sort}`, 2)).map((r) => r['last_name']), sort).toEqual(whole);
    }
  });
});

describe('ids in capitals', () => {
  it('a lookup or owner written with a capitalised id is stored as the id, found by filters and related lists, and its user is known', async () => {
    const org = json<{ id: string }>(await t.api('POST', '/records/organization', { name: 'Capital Letters Ltd' })).id;
    const me = json<{ owner: string }>(await t.api('POST', '/records/organization', { name: 'Mine' })).owner;
    // A deal is created in one statement, a customer (autonumbered) in a transaction: both paths.
    const deal = await t.api('POST', '/records/deal', { name: 'Capital deal', organization: org.toUpperCase(), owner: me.toUpperCase() });
    expect(deal.statusCode, deal.body).toBe(201);
    expect(json(deal)).toMatchObject({ organization: org, owner: me });
    const customer = await t.api('POST', '/records/customer', { last_name: 'Capital', organization: org.toUpperCase(), owner: me.toUpperCase() });
    expect(customer.statusCode, customer.body).toBe(201);
    expect(json(customer)).toMatchObject({ organization: org, owner: me });
    const other = json<{ id: string }>(await t.api('POST', '/records/deal', { name: 'Moved deal' })).id;
    const moved = await t.api('PATCH', `/records/deal/${other}`, { organization: org.toUpperCase() });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(json(moved)['organization']).toBe(org);

    const deals = json<Page>(await t.api('GET', `/records/deal?filter=${filter({ field: 'organization', op: 'eq', value: org })}`)).data.map((r) => r['name']);
    expect(deals.sort()).toEqual(['Capital deal', 'Moved deal']);
    const related = json<{ object: string; total: number }[]>(await t.api('GET', `/related/organization/${org}`));
    expect(related.find((r) => r.object === 'deal')?.total).toBe(2);
    expect(related.find((r) => r.object === 'customer')?.total).toBe(1);
  });

  it('ids written in capitals before are lowered by migration 74, in the values and their slots, every lookup of a record', async () => {
    const org = json<{ id: string }>(await t.api('POST', '/records/organization', { name: 'Old Capitals Ltd' })).id;
    const created = json<{ id: string; owner: string }>(await t.api('POST', '/records/deal', { name: 'Old capital deal', organization: org }));
    // As the one-statement create stored them: values and slots as sent.
    await h.db.system(async (q) => {
      const [row] = await q.query<{ data: Record<string, string> }>('select data from record where tenant_id = $1 and id = $2', [t.id, created.id]);
      const capitalised = Object.fromEntries(Object.entries(row!.data).map(([k, v]) => [k, v === org || v === created.owner ? v.toUpperCase() : v]));
      await q.query(
        `update record set data = $3, ${['t1', 't2', 't3', 't4'].map((s) => `ix_${s} = case when ix_${s} in ($4, $5) then upper(ix_${s}) else ix_${s} end`).join(', ')} where tenant_id = $1 and id = $2`,
        [t.id, created.id, capitalised, org, created.owner],
      );
    });
    const byOrg = () => t.api('GET', `/records/deal?filter=${filter({ field: 'organization', op: 'eq', value: org })}`);
    expect(json<Page>(await byOrg()).data.map((r) => r['id'])).not.toContain(created.id);

    await h.db.system((q) => q.exec(migrations.find((m) => m.id === 74)!.sql));
    expect(json<Page>(await byOrg()).data.map((r) => r['id'])).toContain(created.id);
    const byOwner = json<Page>(await t.api('GET', `/records/deal?filter=${filter({ field: 'owner', op: 'eq', value: created.owner })}&limit=200`)).data.map((r) => r['id']);
    expect(byOwner).toContain(created.id);
    expect(json(await t.api('GET', `/records/deal/${created.id}`))).toMatchObject({ organization: org, owner: created.owner, name: 'Old capital deal' });
  });
});

describe('a renamed field', () => {
  it('sent under its new and its old name in one body is refused on create, update and in a batch, and nothing is written', async () => {
    const s = await createTestTenant(h, 'renamed');
    const renamed = await s.api('PATCH', '/metadata/objects/deal/fields/amount', { apiName: 'deal_value' });
    expect(renamed.statusCode, renamed.body).toBe(200);
    const deal = json<{ id: string; deal_value: number }>(await s.api('POST', '/records/deal', { name: 'Renamed', amount: 10 }));
    expect(deal.deal_value).toBe(10);
    const refused = (r: { statusCode: number; body: string }) => {
      expect(r.statusCode, r.body).toBe(422);
      expect(JSON.parse(r.body).errors).toContainEqual(expect.objectContaining({ field: 'amount', code: 'duplicate_field' }));
    };
    refused(await s.api('POST', '/records/deal', { name: 'Twice', deal_value: 1, amount: 2 }));
    refused(await s.api('PATCH', `/records/deal/${deal.id}`, { deal_value: 3, amount: 4 }));
    refused(await s.api('PATCH', `/records/deal/${deal.id}`, { amount: 4, deal_value: 3 }));
    refused(await s.api('POST', '/records/deal/batch', { operations: [{ op: 'update', id: deal.id, data: { deal_value: 5, amount: 6 } }] }));
    const after = json<{ data: { name: string; deal_value: number }[] }>(await s.api('GET', '/records/deal?sort=name'));
    expect(after.data.map((d) => [d.name, d.deal_value])).toEqual([['Renamed', 10]]);
  });
});

describe('an empty text in a required field', () => {
  it('is refused as missing on create, update and in a batch, as a field is made required only when no record holds one', async () => {
    const before = json<{ total: number }>(await t.api('GET', '/records/customer?count=true&limit=1')).total;
    const missing = (r: { statusCode: number; body: string }, index?: number) => {
      expect(r.statusCode, r.body).toBe(422);
      expect(JSON.parse(r.body).errors).toContainEqual(expect.objectContaining({ field: 'last_name', code: 'required', ...(index === undefined ? {} : { index }) }));
    };
    missing(await t.api('POST', '/records/customer', { first_name: 'Empty', last_name: '' }));
    missing(await t.api('POST', '/records/customer/batch', { operations: [{ op: 'create', data: { last_name: 'Fine' } }, { op: 'create', data: { last_name: '' } }] }), 1);
    expect(json<{ total: number }>(await t.api('GET', '/records/customer?count=true&limit=1')).total).toBe(before);

    const customer = json<{ id: string }>(await t.api('POST', '/records/customer', { first_name: 'Kept', last_name: 'Name' }));
    missing(await t.api('PATCH', `/records/customer/${customer.id}`, { last_name: '' }));
    missing(await t.api('POST', '/records/customer/batch', { operations: [{ op: 'update', id: customer.id, data: { last_name: '' } }] }), 0);
    expect(json(await t.api('GET', `/records/customer/${customer.id}`))['last_name']).toBe('Name');
    // An optional field may still be emptied.
    const emptied = await t.api('PATCH', `/records/customer/${customer.id}`, { first_name: '' });
    expect(emptied.statusCode, emptied.body).toBe(200);
  });

  it('is reported once, as the one problem it is', async () => {
    const r = await t.api('POST', '/records/customer', { first_name: 'Empty', last_name: '' });
    expect(r.statusCode, r.body).toBe(422);
    const problem = JSON.parse(r.body) as { detail: string; errors: unknown[] };
    expect(problem.errors).toEqual([expect.objectContaining({ field: 'last_name', code: 'required' })]);
    expect(problem.detail).toBe('Last name is required');
  });

  it('is refused by the published schemas too, so forms and generated clients refuse what the server refuses', async () => {
    type Schema = { properties: Record<string, { minLength?: number }> };
    const document = json<{ components: { schemas: Record<string, Schema> } }>(await t.api('GET', '/openapi.json'));
    expect(document.components.schemas['CustomerCreate']!.properties['last_name']!.minLength).toBe(1);
    expect(document.components.schemas['CustomerUpdate']!.properties['last_name']!.minLength).toBe(1);
    expect(document.components.schemas['CustomerCreate']!.properties['first_name']!.minLength).toBeUndefined();
    const form = json<Schema>(await t.api('GET', '/metadata/objects/customer/record-schema?mode=update'));
    expect(form.properties['last_name']!.minLength).toBe(1);
  });
});

describe('upserts of one key at the same time', () => {
  it('all succeed and leave one record: those that lost the race for the key update the record the winner created', async () => {
    const s = await createTestTenant(h, 'upsert-race');
    const field = await s.api('POST', '/metadata/objects/organization/fields', { apiName: 'external_id', type: 'text', labels: { en: 'External id' }, unique: true, maxLength: 40 });
    expect(field.statusCode, field.body).toBe(201);
    for (const key of ['SYNC-1', 'SYNC-2', 'SYNC-3']) {
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, i) => s.api('POST', '/records/organization/batch', { operations: [{ op: 'upsert', matchField: 'external_id', data: { name: `Worker ${i}`, external_id: key } }] })),
      );
      for (const answer of answers) expect(answer.statusCode, answer.body).toBe(200);
      const found = json<{ total: number }>(await s.api('GET', `/records/organization?count=true&limit=1&filter=${filter({ field: 'external_id', op: 'eq', value: key })}`));
      expect(found.total, key).toBe(1);
    }
  });
});

describe('numbers', () => {
  it('a whole number is stored as written or refused: more digits than a double holds is a 400 naming the field, the digits JavaScript writes pass', async () => {
    const s = await createTestTenant(h, 'digits');
    const field = await s.api('POST', '/metadata/objects/organization/fields', { apiName: 'ratio', type: 'number', labels: { en: 'Ratio' } });
    expect(field.statusCode, field.body).toBe(201);
    const send = (path: string, text: string) => s.api('POST', path, text, { 'content-type': 'application/json' });
    // 0.1 + 0.2 as JavaScript writes it: seventeen digits, and exactly that double.
    const written = await send('/records/organization', '{"name":"Seventeen digits","ratio":0.30000000000000004,"phone":"1234567890123456789"}');
    expect(written.statusCode, written.body).toBe(201);
    expect(json(written)['ratio']).toBe(0.1 + 0.2);
    // A whole number beyond 2^53 written as its double is: exactly that value.
    const round = await send('/records/organization', '{"name":"Round","ratio":1e21}');
    expect(round.statusCode, round.body).toBe(201);
    const big = await send('/records/organization', '{"name":"Eighteen digits","ratio":123456789012345678}');
    expect(big.statusCode, big.body).toBe(400);
    expect(JSON.parse(big.body).errors).toContainEqual(expect.objectContaining({ field: 'ratio', code: 'not_exact' }));
    const batch = await send('/records/organization/batch', '{"operations":[{"op":"create","data":{"name":"Fine","ratio":1.5}},{"op":"create","data":{"name":"Long","ratio":-98765432109876543210}}]}');
    expect(batch.statusCode, batch.body).toBe(400);
    expect(JSON.parse(batch.body).errors).toContainEqual(expect.objectContaining({ field: 'operations.1.data.ratio', code: 'not_exact' }));
    // A decimal with more digits than its double names, and one beyond the smallest double, are refused too.
    for (const [ratio, name] of [['0.30000000000000000001', 'Twenty digits'], ['1e-400', 'Underflow']] as const) {
      const refused = await send('/records/organization', `{"name":"${name}","ratio":${ratio}}`);
      expect(refused.statusCode, refused.body).toBe(400);
      expect(JSON.parse(refused.body).errors).toContainEqual(expect.objectContaining({ field: 'ratio', code: 'not_exact' }));
    }
    const names = json<{ data: { name: string }[] }>(await s.api('GET', '/records/organization?sort=name')).data.map((o) => o.name);
    expect(names).toEqual(['Round', 'Seventeen digits']);
  });
});

describe('empty values in filters', () => {
  it("isNull finds an empty text as it finds an absent one, with or without an index slot, and not isNull finds neither", async () => {
    const s = await createTestTenant(h, 'empty-text');
    const rows = [{ first_name: '', wechat_id: '', last_name: 'Empty' }, { last_name: 'Absent' }, { first_name: 'Ann', wechat_id: 'ann_1', last_name: 'Full' }];
    for (const data of rows) expect((await s.api('POST', '/records/customer', data)).statusCode).toBe(201);
    const lastNames = async (where: unknown) => {
      const r = await s.api('GET', `/records/customer?sort=last_name&filter=${filter(where)}`);
      expect(r.statusCode, r.body).toBe(200);
      return json<Page>(r).data.map((c) => c['last_name']);
    };
    // The name (filled from first and last name) has an index slot; first_name and wechat_id have none.
    for (const field of ['first_name', 'wechat_id']) {
      expect(await lastNames({ field, op: 'isNull', value: true }), field).toEqual(['Absent', 'Empty']);
      expect(await lastNames({ field, op: 'isNull', value: false }), field).toEqual(['Full']);
      expect(await lastNames({ not: { field, op: 'isNull', value: true } }), field).toEqual(['Full']);
    }

    // An organization's name has an index slot; made optional, it may be empty.
    const optional = await s.api('PATCH', '/metadata/objects/organization/fields/name', { required: false });
    expect(optional.statusCode, optional.body).toBe(200);
    const model = await h.server.metadata.model(s.id);
    const organization = model.object('organization')!;
    expect(slotOf(organization, organization.nameFieldId)).toBeDefined();
    for (const data of [{ name: '', phone: '1' }, { phone: '2' }, { name: 'Full', phone: '3' }]) expect((await s.api('POST', '/records/organization', data)).statusCode).toBe(201);
    const phones = async (where: unknown) => json<Page>(await s.api('GET', `/records/organization?sort=phone&filter=${filter(where)}`)).data.map((o) => o['phone']);
    expect(await phones({ field: 'name', op: 'isNull', value: true })).toEqual(['1', '2']);
    expect(await phones({ field: 'name', op: 'isNull', value: false })).toEqual(['3']);
  });
});

describe('an empty text in an optional field', () => {
  it('is stored as no value: it reads as null, sorts with the records without one and is found by isNull', async () => {
    const s = await createTestTenant(h, 'empty-write');
    const created = await s.api('POST', '/records/customer', { last_name: 'Blank', first_name: '', wechat_id: '', notes: '' });
    expect(created.statusCode, created.body).toBe(201);
    const record = json<{ id: string }>(created);
    expect(json(created)).toMatchObject({ first_name: null, wechat_id: null, notes: null });
    const full = json<{ id: string }>(await s.api('POST', '/records/customer', { last_name: 'Full', first_name: 'Ann', wechat_id: 'ann_1' }));
    const emptied = await s.api('PATCH', `/records/customer/${full.id}`, { first_name: '' });
    expect(emptied.statusCode, emptied.body).toBe(200);
    expect(json(emptied)['first_name']).toBeNull();
    const [stored] = await h.db.system((q) => q.query<{ data: Record<string, unknown> }>('select data from record where tenant_id = $1 and id = any($2::uuid[]) order by id', [s.id, [record.id]]));
    expect(Object.values(stored!.data)).not.toContain('');
    const sorted = json<Page>(await s.api('GET', '/records/customer?sort=wechat_id')).data.map((c) => c['last_name']);
    expect(sorted).toEqual(['Full', 'Blank']);
    const named = json<Page>(await s.api('GET', `/records/customer?sort=last_name&filter=${filter({ field: 'first_name', op: 'isNull', value: true })}`)).data.map((c) => c['last_name']);
    expect(named).toEqual(['Blank', 'Full']);
  });

  it('stored empty before (as writes stored it) reads, sorts and filters as no value once migration 78 has run', async () => {
    const s = await createTestTenant(h, 'empty-stored');
    // An organization's name has an index slot; made optional, it may hold no value.
    const optional = await s.api('PATCH', '/metadata/objects/organization/fields/name', { required: false });
    expect(optional.statusCode, optional.body).toBe(200);
    // A text without an index slot too.
    const motto = await s.api('POST', '/metadata/objects/organization/fields', { apiName: 'motto', type: 'text', labels: { en: 'Motto' } });
    expect(motto.statusCode, motto.body).toBe(201);
    const ids: Record<string, string> = {};
    for (const [phone, data] of [['1', {}], ['2', { name: 'Full', motto: 'Onward' }], ['3', { name: 'Emptied', motto: 'Gone' }]] as const) {
      const r = await s.api('POST', '/records/organization', { ...data, phone });
      expect(r.statusCode, r.body).toBe(201);
      ids[phone] = json<{ id: string }>(r).id;
    }
    // As writes stored an empty name and motto: the values '' and the name's slot ''.
    const model = await h.server.metadata.model(s.id);
    const organization = model.object('organization')!;
    const slot = slotOf(organization, organization.nameFieldId)!;
    const mottoId = model.field(organization, 'motto')!.id;
    await h.db.system((q) =>
      q.query(`update record set data = data || jsonb_build_object($3::text, '', $4::text, ''), ix_${slot} = '' where tenant_id = $1 and id = $2`, [s.id, ids['3'], organization.nameFieldId, mottoId]),
    );
    const phones = async (query: string) => {
      const r = await s.api('GET', `/records/organization?${query}`);
      expect(r.statusCode, r.body).toBe(200);
      return json<Page>(r).data.map((o) => o['phone']);
    };
    expect(await phones('sort=name')).toEqual(['3', '2', '1']);
    expect(await phones('sort=motto')).toEqual(['3', '2', '1']);
    expect(json(await s.api('GET', `/records/organization/${ids['3']}`))).toMatchObject({ name: '', motto: '' });

    await h.db.system((q) => q.exec(migrations.find((m) => m.id === 78)!.sql));
    expect(json(await s.api('GET', `/records/organization/${ids['3']}`))).toMatchObject({ name: null, motto: null, phone: '3' });
    expect(await phones('sort=name')).toEqual(['2', '1', '3']);
    expect(await phones('sort=-name')).toEqual(['3', '1', '2']);
    expect(await phones('sort=motto')).toEqual(['2', '1', '3']);
    expect(await phones(`sort=phone&filter=${filter({ field: 'name', op: 'isNull', value: true })}`)).toEqual(['1', '3']);
    expect(await phones(`sort=phone&filter=${filter({ field: 'motto', op: 'isNull', value: false })}`)).toEqual(['2']);
    const [row] = await h.db.system((q) => q.query<{ data: Record<string, unknown>; slot: string | null }>(`select data, ix_${slot} as slot from record where tenant_id = $1 and id = $2`, [s.id, ids['3']]));
    expect(row!.slot).toBeNull();
    expect(Object.keys(row!.data)).not.toContain(organization.nameFieldId);
    expect(Object.keys(row!.data)).not.toContain(mottoId);
  });
});

describe("'' in an optional field of a format", () => {
  /** A JSON Schema validator as a generated client or a form has one, with plain checks of the formats. */
  const standardValidator = () => {
    const ajv = new Ajv2020({ strict: false });
    ajv.addFormat('email', /^[^@\s]+@[^@\s]+$/);
    ajv.addFormat('uri', /^[a-z][a-z0-9+.-]*:\S+$/i);
    ajv.addFormat('date', /^\d{4}-\d{2}-\d{2}$/);
    ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
    ajv.addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
    return ajv;
  };

  it('clears the value as null does, on create, update and in a batch: it reads as null, is stored as none and claims no unique value', async () => {
    const s = await createTestTenant(h, 'empty-formats');
    // Beside the customer's email, phones, birth date, status and organization: a unique email (it takes an index slot), a web address and a date-time.
    for (const field of [
      { apiName: 'work_email', type: 'email', labels: { en: 'Work email' }, unique: true },
      { apiName: 'homepage', type: 'url', labels: { en: 'Homepage' } },
      { apiName: 'met_at', type: 'datetime', labels: { en: 'Met at' } },
    ]) {
      const r = await s.api('POST', '/metadata/objects/customer/fields', field);
      expect(r.statusCode, r.body).toBe(201);
    }
    const org = json<{ id: string }>(await s.api('POST', '/records/organization', { name: 'Formats Ltd' })).id;
    const full = { email: 'ada@example.com', phone: '+44 20 7946 0000', mobile: '555 0100', work_email: 'ada@work.example', homepage: 'https://ada.example', birth_date: '1815-12-10', met_at: '2024-05-01T09:30:00.000Z', status: 'active', organization: org, owner: s.adminId };
    const cleared = Object.fromEntries(Object.keys(full).map((name) => [name, '']));
    const none = Object.fromEntries(Object.keys(full).map((name) => [name, null]));

    const created = await s.api('POST', '/records/customer', { last_name: 'Blank', ...cleared });
    expect(created.statusCode, created.body).toBe(201);
    expect(json(created)).toMatchObject(none);
    const filled = await s.api('POST', '/records/customer', { last_name: 'Full', ...full });
    expect(filled.statusCode, filled.body).toBe(201);
    const emptied = await s.api('PATCH', `/records/customer/${json<{ id: string }>(filled).id}`, cleared);
    expect(emptied.statusCode, emptied.body).toBe(200);
    expect(json(emptied)).toMatchObject(none);
    // The unique email it held is free again.
    const next = await s.api('POST', '/records/customer', { last_name: 'Next', work_email: 'ADA@work.example' });
    expect(next.statusCode, next.body).toBe(201);
    const batch = await s.api('POST', '/records/customer/batch', {
      operations: [
        { op: 'create', data: { last_name: 'Batch one', ...cleared } },
        { op: 'create', data: { last_name: 'Batch two', ...cleared } },
        { op: 'update', id: json<{ id: string }>(next).id, data: { work_email: '' } },
      ],
    });
    expect(batch.statusCode, batch.body).toBe(200);

    const list = async (where: unknown) => json<Page>(await s.api('GET', `/records/customer?sort=last_name&filter=${filter(where)}`)).data;
    const everyone = ['Batch one', 'Batch two', 'Blank', 'Full', 'Next'];
    expect((await list({ field: 'work_email', op: 'isNull', value: true })).map((c) => c['last_name'])).toEqual(everyone);
    expect((await list({ field: 'birth_date', op: 'isNull', value: true })).map((c) => c['last_name'])).toEqual(everyone);
    for (const record of await list({ field: 'last_name', op: 'in', value: ['Batch one', 'Batch two', 'Blank', 'Full'] })) expect(record).toMatchObject(none);
    const model = await h.server.metadata.model(s.id);
    const customer = model.object('customer')!;
    const fieldIds = Object.keys(full).map((name) => model.field(customer, name)!.id);
    // The status, organization, owner and dates have index slots: none holds a value.
    const slots = fieldIds.flatMap((id) => writeSlotOf(customer, id) ?? []).map((slot) => `ix_${slot}`);
    expect(slots.length).toBeGreaterThanOrEqual(4);
    // Every record but the one that only had its email cleared (it keeps its default status and its owner).
    const rows = await h.db.system((q) => q.query<{ data: Record<string, unknown>; slots: unknown[] }>(`select data, array[${slots.join(', ')}]::text[] as slots from record where tenant_id = $1 and object_id = $2 and id <> $3`, [s.id, customer.id, json<{ id: string }>(next).id]));
    expect(rows).toHaveLength(everyone.length - 1);
    for (const row of rows) {
      expect(Object.keys(row.data).filter((id) => fieldIds.includes(id))).toEqual([]);
      expect(row.slots.every((value) => value === null)).toBe(true);
    }
  });

  it('is refused as missing in a required field, and the published schemas say so: they take what the server takes', async () => {
    const s = await createTestTenant(h, 'empty-required');
    for (const field of [
      { apiName: 'billing_email', type: 'email', labels: { en: 'Billing email' }, required: true },
      { apiName: 'signed_on', type: 'date', labels: { en: 'Signed on' }, required: true },
    ]) {
      const r = await s.api('POST', '/metadata/objects/deal/fields', field);
      expect(r.statusCode, r.body).toBe(201);
    }
    const missing = (r: { statusCode: number; body: string }, fields: string[]) => {
      expect(r.statusCode, r.body).toBe(422);
      const errors = JSON.parse(r.body).errors as { field: string; code: string }[];
      for (const field of fields) expect(errors).toContainEqual(expect.objectContaining({ field, code: 'required' }));
    };
    const valid = { name: 'Signed', billing_email: 'billing@example.com', signed_on: '2024-01-31' };
    missing(await s.api('POST', '/records/deal', { ...valid, billing_email: '', signed_on: '', stage: '' }), ['billing_email', 'signed_on', 'stage']);
    const deal = json<{ id: string }>(await s.api('POST', '/records/deal', valid));
    missing(await s.api('PATCH', `/records/deal/${deal.id}`, { billing_email: '' }), ['billing_email']);
    missing(await s.api('POST', '/records/deal/batch', { operations: [{ op: 'update', id: deal.id, data: { signed_on: '' } }] }), ['signed_on']);
    expect(json(await s.api('GET', `/records/deal/${deal.id}`))).toMatchObject({ billing_email: 'billing@example.com', signed_on: '2024-01-31' });
    // A value of the wrong format is still one, and refused as such.
    const malformed = await s.api('POST', '/records/customer', { last_name: 'Bad', email: 'not an address', birth_date: 'soon' });
    expect(malformed.statusCode, malformed.body).toBe(422);
    expect(JSON.parse(malformed.body).errors).toEqual([
      { field: 'email', code: 'format', message: 'must be an email address' },
      { field: 'birth_date', code: 'format', message: 'must be a date (YYYY-MM-DD)' },
    ]);

    const ajv = standardValidator();
    const document = json<{ components: { schemas: Record<string, object> } }>(await s.api('GET', '/openapi.json'));
    const forms = { create: json<object>(await s.api('GET', '/metadata/objects/customer/record-schema?mode=create')), update: json<object>(await s.api('GET', '/metadata/objects/customer/record-schema?mode=update')) };
    const org = json<{ id: string }>(await s.api('POST', '/records/organization', { name: 'Schemas Ltd' })).id;
    const cleared = { email: '', phone: '', mobile: '', birth_date: '', status: '', organization: '', owner: '' };
    for (const [name, schema] of [['CustomerCreate', document.components.schemas['CustomerCreate']], ['CustomerUpdate', document.components.schemas['CustomerUpdate']], ['form create', forms.create], ['form update', forms.update]] as const) {
      const validate = ajv.compile(schema!);
      expect(validate({ last_name: 'Cleared', ...cleared }), name).toBe(true);
      expect(validate({ last_name: 'Filled', email: 'a@example.com', phone: '+1 555', birth_date: '2000-02-29', status: 'lead', organization: org }), name).toBe(true);
      for (const wrongValue of [{ email: 'not an address' }, { phone: 'call me' }, { birth_date: 'soon' }, { status: 'nope' }, { organization: 'nobody' }]) expect(validate({ last_name: 'Wrong', ...wrongValue }), `${name} ${JSON.stringify(wrongValue)}`).toBe(false);
    }
    const dealCreate = ajv.compile(document.components.schemas['DealCreate']!);
    expect(dealCreate(valid)).toBe(true);
    expect(dealCreate({ ...valid, billing_email: '' })).toBe(false);
    expect(dealCreate({ ...valid, signed_on: '' })).toBe(false);
    expect(dealCreate({ ...valid, stage: '' })).toBe(false);
  });
});

describe('a body of many unknown keys', () => {
  it('is answered with the first twenty problems of each record, not one per key', async () => {
    const data: Record<string, unknown> = { name: 'Wide' };
    for (let i = 0; i < 300; i++) data[`unknown_${i}`] = i;
    const one = await t.api('POST', '/records/organization', data);
    expect(one.statusCode).toBe(422);
    const problems = JSON.parse(one.body).errors as { field: string; code: string }[];
    expect(problems).toHaveLength(20);
    expect(problems.every((p) => p.code === 'unknown_field' && p.field.startsWith('unknown_'))).toBe(true);
    const batch = await t.api('POST', '/records/organization/batch', { operations: Array.from({ length: 50 }, () => ({ op: 'create', data })) });
    expect(batch.statusCode).toBe(422);
    expect(JSON.parse(batch.body).errors).toHaveLength(50 * 20);
  });
});

describe('a batch that fails', () => {
  it('answers as its operations would have been answered alone, each item with a code a program can act on', async () => {
    const s = await createTestTenant(h, 'batch-kinds');
    const field = await s.api('POST', '/metadata/objects/organization/fields', { apiName: 'tax_id', type: 'text', labels: { en: 'Tax id' }, unique: true, maxLength: 20 });
    expect(field.statusCode, field.body).toBe(201);
    const org = json<{ id: string }>(await s.api('POST', '/records/organization', { name: 'Versioned', tax_id: 'T-1' }));
    expect((await s.api('PATCH', `/records/organization/${org.id}`, { name: 'Versioned again' })).statusCode).toBe(200);
    const answer = async (operations: unknown[]) => {
      const r = await s.api('POST', '/records/organization/batch', { operations });
      return { status: r.statusCode, errors: (JSON.parse(r.body) as { errors: Record<string, unknown>[] }).errors };
    };
    // A stale version: 412, as PATCH with If-Match answers, with the version the record is at.
    const stale = await answer([{ op: 'update', id: org.id, version: 1, data: { name: 'Blind' } }]);
    expect(stale.status).toBe(412);
    expect(stale.errors).toEqual([expect.objectContaining({ index: 0, code: 'precondition-failed', currentVersion: 2 })]);
    const missing = await answer([{ op: 'delete', id: '00000000-0000-4000-8000-000000000000' }]);
    expect(missing.status).toBe(404);
    expect(missing.errors).toEqual([expect.objectContaining({ index: 0, code: 'not-found' })]);
    const taken = await answer([{ op: 'create', data: { name: 'Copy', tax_id: 't-1' } }]);
    expect(taken.status).toBe(409);
    expect(taken.errors).toEqual([expect.objectContaining({ index: 0, field: 'tax_id', code: 'unique' })]);
    // Problems of different kinds: a 422 that lists each with its own code.
    const mixed = await answer([{ op: 'update', id: org.id, version: 1, data: { name: 'Blind' } }, { op: 'create', data: { website: 'https://no-name.example' } }]);
    expect(mixed.status).toBe(422);
    expect(mixed.errors).toEqual([expect.objectContaining({ index: 0, code: 'precondition-failed' }), expect.objectContaining({ index: 1, field: 'name', code: 'required' })]);
    expect(json(await s.api('GET', `/records/organization/${org.id}`))['name']).toBe('Versioned again');
  });
});

describe('an empty selection of a multi-select picklist', () => {
  it('is no value: isNull finds it, and a required one refuses it on create, update and in a batch', async () => {
    const s = await createTestTenant(h, 'empty-tags');
    const tags = await s.api('POST', '/metadata/objects/organization/fields', { apiName: 'tags', type: 'multiPicklist', labels: { en: 'Tags' }, values: [{ apiName: 'vip', labels: { en: 'VIP' } }, { apiName: 'partner', labels: { en: 'Partner' } }] });
    expect(tags.statusCode, tags.body).toBe(201);
    // What the list's multi-select sends when every value is taken off.
    for (const data of [{ name: 'Cleared', tags: [] }, { name: 'Never set' }, { name: 'Tagged', tags: ['vip'] }]) expect((await s.api('POST', '/records/organization', data)).statusCode).toBe(201);
    const names = async (where: unknown) => json<Page>(await s.api('GET', `/records/organization?sort=name&filter=${filter(where)}`)).data.map((o) => o['name']);
    expect(await names({ field: 'tags', op: 'isNull', value: true })).toEqual(['Cleared', 'Never set']);
    expect(await names({ field: 'tags', op: 'isNull', value: false })).toEqual(['Tagged']);

    // A field holding an empty selection somewhere cannot be made required, as one with no value cannot.
    const refused = await s.api('PATCH', '/metadata/objects/organization/fields/tags', { required: true });
    expect(refused.statusCode, refused.body).toBe(422);
    expect(JSON.parse(refused.body).errors[0]).toMatchObject({ code: 'data.required', count: 2 });
    const fill = await s.api('POST', '/records/organization/update-by-filter', { filter: { field: 'tags', op: 'isNull', value: true }, data: { tags: ['partner'] } });
    expect(fill.statusCode, fill.body).toBe(200);
    const required = await s.api('PATCH', '/metadata/objects/organization/fields/tags', { required: true });
    expect(required.statusCode, required.body).toBe(200);

    const missing = (r: { statusCode: number; body: string }) => {
      expect(r.statusCode, r.body).toBe(422);
      expect(JSON.parse(r.body).errors).toContainEqual(expect.objectContaining({ field: 'tags', code: 'required' }));
    };
    missing(await s.api('POST', '/records/organization', { name: 'No tags', tags: [] }));
    const tagged = json<Page>(await s.api('GET', `/records/organization?filter=${filter({ field: 'name', op: 'eq', value: 'Tagged' })}`)).data[0]!;
    missing(await s.api('PATCH', `/records/organization/${String(tagged['id'])}`, { tags: [] }));
    missing(await s.api('POST', '/records/organization/batch', { operations: [{ op: 'update', id: tagged['id'], data: { tags: [] } }] }));
    expect(json(await s.api('GET', `/records/organization/${String(tagged['id'])}`))['tags']).toEqual(['vip']);
  });
});

describe('an empty selection stored', () => {
  it('is stored as no value and reads as null, as a field never set does, on create, update and in a batch; one stored before leaves the values in migration 80', async () => {
    const s = await createTestTenant(h, 'stored-tags');
    const tags = await s.api('POST', '/metadata/objects/organization/fields', { apiName: 'tags', type: 'multiPicklist', labels: { en: 'Tags' }, values: [{ apiName: 'vip', labels: { en: 'VIP' } }, { apiName: 'partner', labels: { en: 'Partner' } }] });
    expect(tags.statusCode, tags.body).toBe(201);
    const created = await s.api('POST', '/records/organization', { name: 'Cleared', tags: [] });
    expect(created.statusCode, created.body).toBe(201);
    expect(json(created)['tags']).toBeNull();
    const never = json<{ id: string; tags: unknown }>(await s.api('POST', '/records/organization', { name: 'Never set' }));
    expect(never.tags).toBeNull();
    const tagged = json<{ id: string }>(await s.api('POST', '/records/organization', { name: 'Untagged', tags: ['vip'] }));
    const untagged = await s.api('PATCH', `/records/organization/${tagged.id}`, { tags: [] });
    expect(untagged.statusCode, untagged.body).toBe(200);
    expect(json(untagged)['tags']).toBeNull();
    const other = json<{ id: string }>(await s.api('POST', '/records/organization', { name: 'Batch updated', tags: ['partner'] }));
    const batch = await s.api('POST', '/records/organization/batch', { operations: [{ op: 'create', data: { name: 'Batch created', tags: [] } }, { op: 'update', id: other.id, data: { tags: [] } }] });
    expect(batch.statusCode, batch.body).toBe(200);
    const listed = json<Page>(await s.api('GET', '/records/organization?sort=name')).data;
    expect(listed.map((o) => [o['name'], o['tags']])).toEqual([['Batch created', null], ['Batch updated', null], ['Cleared', null], ['Never set', null], ['Untagged', null]]);

    const model = await h.server.metadata.model(s.id);
    const organization = model.object('organization')!;
    const tagsId = model.field(organization, 'tags')!.id;
    const stored = async () => (await h.db.system((q) => q.query<{ data: Record<string, unknown> }>('select data from record where tenant_id = $1 and object_id = $2', [s.id, organization.id]))).filter((row) => Object.hasOwn(row.data, tagsId)).length;
    expect(await stored()).toBe(0);
    // As writes stored an emptied selection before.
    await h.db.system((q) => q.query(`update record set data = data || jsonb_build_object($3::text, '[]'::jsonb) where tenant_id = $1 and id = any($2::uuid[])`, [s.id, [never.id, tagged.id], tagsId]));
    expect(await stored()).toBe(2);
    expect(json(await s.api('GET', `/records/organization/${never.id}`))['tags']).toBeNull();
    await h.db.system((q) => q.exec(migrations.find((m) => m.id === 80)!.sql));
    expect(await stored()).toBe(0);
    expect(json(await s.api('GET', `/records/organization/${tagged.id}`))['tags']).toBeNull();
  });
});

describe('a metadata change refused for the records it would break', () => {
  it('says how many, in agreement with the count', async () => {
    const s = await createTestTenant(h, 'one-record');
    expect((await s.api('POST', '/records/organization', { name: 'Lonely' })).statusCode).toBe(201);
    const one = await s.api('PATCH', '/metadata/objects/organization/fields/website', { required: true });
    expect(one.statusCode, one.body).toBe(422);
    expect(JSON.parse(one.body).errors[0].message).toMatch(/^1 record has no value for Website;/);
    expect((await s.api('POST', '/records/organization', { name: 'Company' })).statusCode).toBe(201);
    const two = await s.api('PATCH', '/metadata/objects/organization/fields/website', { required: true });
    expect(JSON.parse(two.body).errors[0].message).toMatch(/^2 records have no value for Website;/);
    const inChinese = await s.api('PATCH', '/metadata/objects/organization/fields/website', { required: true }, { 'accept-language': 'zh-CN' });
    expect(JSON.parse(inChinese.body).errors[0].message).toBe("2 条记录的'Website'没有值；请提供回填值或先修正它们");
  });
});

describe('date-times in the forms clients send', () => {
  it('are stored in UTC and found by a filter given the very text that was saved; one Date cannot read is refused naming the field, not stored as sent', async () => {
    const customer = json<{ id: string }>(await t.api('POST', '/records/customer', { last_name: 'Zoned' }));
    for (const [sent, stored] of [
      ['2026-03-29 01:30:00Z', '2026-03-29T01:30:00.000Z'],
      ['2026-03-29T01:30:00+0100', '2026-03-29T00:30:00.000Z'],
      ['2026-03-29T01:30:00.1234567890Z', '2026-03-29T01:30:00.123Z'],
    ] as const) {
      const created = await t.api('POST', '/records/activity', { subject: 'Zoned call', type: 'call', customer: customer.id, occurred_at: sent });
      expect(created.statusCode, created.body).toBe(201);
      const record = json<{ id: string; occurred_at: string }>(created);
      expect(record.occurred_at, sent).toBe(stored);
      const found = await t.api('GET', `/records/activity?fields=occurred_at&filter=${filter({ field: 'occurred_at', op: 'eq', value: sent })}`);
      expect(found.statusCode, `${sent}: ${found.body}`).toBe(200);
      expect(json<Page>(found).data.map((r) => r['id']), sent).toContain(record.id);
    }
    const hoursOnly = await t.api('POST', '/records/activity', { subject: 'Zoned call', type: 'call', customer: customer.id, occurred_at: '2026-03-29T01:30:00+01' });
    expect(hoursOnly.statusCode, hoursOnly.body).toBe(422);
    expect(json<{ errors: { field: string; code: string }[] }>(hoursOnly).errors).toEqual([expect.objectContaining({ field: 'occurred_at', code: 'format' })]);
  });

  it('stored before with an offset of hours alone, as sent, read in UTC once migration 85 has run, and their text is no longer in the search text', async () => {
    const s = await createTestTenant(h, 'hours-offset');
    const due = await s.api('POST', '/metadata/objects/activity/fields', { apiName: 'follow_up_at', type: 'datetime', labels: { en: 'Follow up at' } });
    expect(due.statusCode, due.body).toBe(201);
    const customer = json<{ id: string }>(await s.api('POST', '/records/customer', { last_name: 'Offset' }));
    const activity = json<{ id: string }>(await s.api('POST', '/records/activity', { subject: 'Offset call', type: 'call', customer: customer.id, occurred_at: '2026-03-29T01:30:00Z' }));
    const model = await h.server.metadata.model(s.id);
    const object = model.object('activity')!;
    const [occurredAt, followUpAt] = ['occurred_at', 'follow_up_at'].map((name) => model.field(object, name)!.id);
    // As writes stored such values before: two fields of one record.
    await h.db.system((q) =>
      q.query(`update record set data = data || jsonb_build_object($3::text, '2026-03-29T09:30:00+08'::text, $4::text, '2026-04-01T08:00-05'::text), search_text = lower(record_search_text(data || jsonb_build_object($3::text, '2026-03-29T09:30:00+08'::text, $4::text, '2026-04-01T08:00-05'::text))) where tenant_id = $1 and id = $2`, [s.id, activity.id, occurredAt, followUpAt]),
    );
    // Read back, such a value breaks the answer's own documented date-time format (the test server checks answers: a 500).
    expect((await s.api('GET', `/records/activity/${activity.id}`)).statusCode).toBe(500);
    const searchText = async () => (await h.db.system((q) => q.query<{ search_text: string }>('select search_text from record where tenant_id = $1 and id = $2', [s.id, activity.id])))[0]!.search_text;
    expect(await searchText()).toContain('2026-04-01t08:00-05');

    await h.db.system((q) => q.exec(migrations.find((m) => m.id === 85)!.sql));
    expect(json(await s.api('GET', `/records/activity/${activity.id}`))).toMatchObject({ occurred_at: '2026-03-29T01:30:00.000Z', follow_up_at: '2026-04-01T13:00:00.000Z' });
    expect(await searchText()).not.toContain('2026');
    expect(await searchText()).toContain('offset call');
    const found = await s.api('GET', `/records/activity?fields=occurred_at&filter=${filter({ field: 'occurred_at', op: 'eq', value: '2026-03-29T09:30:00+08:00' })}`);
    expect(json<Page>(found).data.map((r) => r['id'])).toEqual([activity.id]);
  });
});

describe('a write sent again with the same Idempotency-Key', () => {
  const named = async (object: string, name: string) =>
    json<Page>(await t.api('GET', `/records/${object}?fields=name&filter=${filter({ field: 'name', op: 'eq', value: name })}`)).data.map((r) => r['id']);

  it('answers the first answer again instead of writing twice: a create, a batch and retries sent side by side', async () => {
    const first = await t.api('POST', '/records/organization', { name: 'Retried Ltd' }, { 'idempotency-key': 'create-retried-1' });
    expect(first.statusCode, first.body).toBe(201);
    const again = await t.api('POST', '/records/organization', { name: 'Retried Ltd' }, { 'idempotency-key': 'create-retried-1' });
    expect(again.statusCode, again.body).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.headers['location']).toBe(first.headers['location']);
    expect(json(again)).toEqual(json(first));
    expect(await named('organization', 'Retried Ltd')).toEqual([json<{ id: string }>(first).id]);

    const operations = [{ op: 'create', data: { name: 'Batched once A' } }, { op: 'create', data: { name: 'Batched once B' } }];
    const batch = await t.api('POST', '/records/organization/batch', { operations }, { 'idempotency-key': 'batch-once' });
    expect(batch.statusCode, batch.body).toBe(200);
    const batchAgain = await t.api('POST', '/records/organization/batch', { operations }, { 'idempotency-key': 'batch-once' });
    expect(json(batchAgain)).toEqual(json(batch));
    expect(await named('organization', 'Batched once A')).toHaveLength(1);

    // A client that retries before the first answer came: both wait for one write.
    const together = await Promise.all([1, 2, 3].map(() => t.api('POST', '/records/organization', { name: 'Sent thrice' }, { 'idempotency-key': 'side-by-side' })));
    expect(together.map((r) => r.statusCode)).toEqual([201, 201, 201]);
    expect(new Set(together.map((r) => json<{ id: string }>(r).id)).size).toBe(1);
    expect(await named('organization', 'Sent thrice')).toHaveLength(1);
  });

  it('keeps nothing for a refused write, refuses a key sent with another request, and keeps each API key’s keys apart', async () => {
    const refused = await t.api('POST', '/records/organization', { name: 'Fixed later', employees: -1 }, { 'idempotency-key': 'fix-and-retry' });
    expect(refused.statusCode, refused.body).toBe(422);
    const fixed = await t.api('POST', '/records/organization', { name: 'Fixed later', employees: 1 }, { 'idempotency-key': 'fix-and-retry' });
    expect(fixed.statusCode, fixed.body).toBe(201);
    expect(fixed.headers['idempotent-replayed']).toBeUndefined();

    const other = await t.api('POST', '/records/organization', { name: 'Another request' }, { 'idempotency-key': 'fix-and-retry' });
    expect(other.statusCode, other.body).toBe(422);
    expect(json<{ errors: { field: string; code: string }[] }>(other).errors).toEqual([expect.objectContaining({ field: 'Idempotency-Key', code: 'reused' })]);
    expect(await named('organization', 'Another request')).toEqual([]);

    const { key } = await h.server.auth.createApiKey(t.id, t.adminId, 'second integration');
    const second = await call(h, key, 'POST', '/records/organization', { name: 'Fixed later', employees: 1 }, { 'idempotency-key': 'fix-and-retry' });
    expect(second.statusCode, second.body).toBe(201);
    expect(json<{ id: string }>(second).id).not.toBe(json<{ id: string }>(fixed).id);

    for (const bad of ['', 'x'.repeat(256), 'clé']) {
      const refusedKey = await t.api('POST', '/records/organization', { name: 'Bad key' }, { 'idempotency-key': bad });
      expect(refusedKey.statusCode, bad).toBe(400);
      expect(json<{ errors: { field: string }[] }>(refusedKey).errors[0]!.field).toBe('Idempotency-Key');
    }
    expect(await named('organization', 'Bad key')).toEqual([]);
  });
});

describe('a read-only field sent in a body', () => {
  it('is named once, by its label, in the problem and in either language', async () => {
    const numbered = await t.api('POST', '/records/customer', { last_name: 'Numbered', customer_number: 'CUS-9999' });
    expect(numbered.statusCode, numbered.body).toBe(422);
    expect(json<{ detail: string; errors: unknown[] }>(numbered)).toMatchObject({ detail: 'Customer number is read-only', errors: [{ field: 'customer_number', code: 'read_only', message: 'is read-only' }] });
    const withId = await t.api('POST', '/records/customer', { last_name: 'Numbered', id: '01a248a5-a35a-7000-bfcd-818af1c13e70' });
    expect(json<{ detail: string }>(withId).detail).toBe("'id' is read-only");
    const zh = await t.api('POST', '/records/customer', { last_name: 'Numbered', customer_number: 'CUS-9999' }, { 'accept-language': 'zh-CN' });
    expect(json<{ errors: { message: string }[] }>(zh).errors[0]!.message).toBe('为只读');
  });
});

describe('If-Match: *', () => {
  it('lets an update or a delete of a record that exists through, whatever its version, as HTTP defines it; a missing record is still a 404', async () => {
    const made = json<{ id: string }>(await t.api('POST', '/records/organization', { name: 'Any version' }));
    await t.api('PATCH', `/records/organization/${made.id}`, { name: 'Any version, changed' });
    const updated = await t.api('PATCH', `/records/organization/${made.id}`, { employees: 3 }, { 'if-match': '*' });
    expect(updated.statusCode, updated.body).toBe(200);
    expect(updated.headers['etag']).toBe('"3"');
    expect((await t.api('DELETE', `/records/organization/${made.id}`, undefined, { 'if-match': '*' })).statusCode).toBe(204);
    expect((await t.api('PATCH', `/records/organization/${made.id}`, { employees: 4 }, { 'if-match': '*' })).statusCode).toBe(404);
  });

  it('takes an If-Match list as any of its versions, as HTTP defines it, and answers a malformed one with a 400 naming the header', async () => {
    const made = json<{ id: string }>(await t.api('POST', '/records/organization', { name: 'Listed versions' }));
    const path = `/records/organization/${made.id}`;
    for (const header of ['version one', '"1", two', ',']) {
      for (const [method, body] of [['PATCH', { employees: 9 }], ['DELETE', undefined]] as const) {
        const refused = await t.api(method, path, body, { 'if-match': header });
        expect(refused.statusCode, `${method} ${header}: ${refused.body}`).toBe(400);
        expect(json<{ errors: unknown[] }>(refused).errors).toEqual([{ field: 'If-Match', code: 'format', message: 'must be a version returned in ETag' }]);
      }
    }
    expect(json<{ version: number }>(await t.api('GET', path)).version).toBe(1);
    const listed = await t.api('PATCH', path, { employees: 9 }, { 'if-match': '"1", "2"' });
    expect(listed.statusCode, listed.body).toBe(200);
    expect(listed.headers['etag']).toBe('"2"');
    const stale = await t.api('PATCH', path, { employees: 10 }, { 'if-match': '"1", "3"' });
    expect(stale.statusCode, stale.body).toBe(412);
    expect((await t.api('DELETE', path, undefined, { 'if-match': '"3", "2"' })).statusCode).toBe(204);
  });
});

/** The token with its last character changed in the bits base64url's decoders drop: the same bytes, another text. */
const withLastCharacterRewritten = (token: string) => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  return token.slice(0, -1) + alphabet[alphabet.indexOf(token.at(-1)!) ^ 1];
};

describe('a signed token changed anywhere', () => {
  it('is refused, even where only the bits a base64url decoder drops were changed: a list cursor', async () => {
    const s = await createTestTenant(h, 'cursor-bits');
    for (const name of ['One', 'Two', 'Three']) expect((await s.api('POST', '/records/organization', { name })).statusCode).toBe(201);
    const { nextCursor } = json<Page>(await s.api('GET', '/records/organization?limit=1'));
    expect(nextCursor).toBeTruthy();
    expect((await s.api('GET', `/records/organization?limit=1&cursor=${encodeURIComponent(nextCursor!)}`)).statusCode).toBe(200);
    const rewritten = await s.api('GET', `/records/organization?limit=1&cursor=${encodeURIComponent(withLastCharacterRewritten(nextCursor!))}`);
    expect(rewritten.statusCode, rewritten.body).toBe(400);
  });
});
