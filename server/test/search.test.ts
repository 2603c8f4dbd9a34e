import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foldCase } from '@protean/metadata';
import { createTestTenant, json, startHarness, type Harness, type TestTenant } from './harness.ts';
import { searchText, storedSearchText } from '../src/data/sql/search-text.ts';
import { migrate } from '../src/db/migrations.ts';
import { openDatabase } from '../src/db/open-database.ts';

let h: Harness;
let t: TestTenant;
let other: TestTenant;

type Groups = { object: string; records: { id: string; display_name: string; match: { field: string; rank: string } }[] }[];
const search = async (tenant: TestTenant, q: string, limit?: number) =>
  json<Groups>(await tenant.api('GET', `/search?q=${encodeURIComponent(q)}${limit ? `&limit=${limit}` : ''}`));
const names = (groups: Groups, object = 'customer') => groups.find((g) => g.object === object)?.records.map((r) => r.display_name) ?? [];

beforeAll(async () => {
  h = await startHarness();
  t = await createTestTenant(h, 'search');
  other = await createTestTenant(h, 'search-other');
  const people = [
    ['Mei', 'Chen', 'mei@harbour.test', '+86 21 5555 0101'],
    ['Li', 'Chenault', 'li@harbour.test', '+86 21 5555 0102'],
    ['Wen', 'Tachen', 'wen@harbour.test', '+86 21 5555 0103'],
    ['Margaret', 'Smith', 'maggie@acme-clinic.test', '+1 555 0199'],
    ['Jonathan', 'Price', 'jp@example.test', '+44 20 7946 0958'],
  ];
  const created = await t.api('POST', '/records/customer/batch', { operations: people.map(([first_name, last_name, email, phone]) => ({ op: 'create', data: { first_name, last_name, email, phone } })) });
  expect(created.statusCode, created.body).toBe(200);
  // A record named exactly "Chen" (the name given, not derived).
  expect((await t.api('POST', '/records/customer', { name: 'Chen', last_name: 'Chen' })).statusCode).toBe(201);
  expect((await t.api('POST', '/records/organization', { name: 'Chengdu Harbour Clinic' })).statusCode).toBe(201);
  expect((await other.api('POST', '/records/customer', { first_name: 'Mei', last_name: 'Chen', email: 'mei@other.test' })).statusCode).toBe(201);
});
afterAll(async () => h?.close());

describe('search', () => {
  it('finds a word anywhere in a name and ranks the exact match first, then prefixes, whole words, word starts, then the rest', async () => {
    const found = await search(t, 'Chen');
    expect(names(found)).toEqual(['Chen', 'Mei Chen', 'Li Chenault', 'Wen Tachen']);
    expect(found.find((g) => g.object === 'customer')!.records.map((r) => r.match.rank)).toEqual(['exact', 'word', 'wordPrefix', 'contains']);
    expect(names(found, 'organization')).toEqual(['Chengdu Harbour Clinic']);
    // The group with the best match comes first.
    expect(found[0]!.object).toBe('customer');
  });

  it('finds records by part of an email or a phone number, case-insensitively', async () => {
    expect(names(await search(t, 'ACME-clinic'))).toEqual(['Margaret Smith']);
    expect((await search(t, 'acme-clinic'))[0]!.records[0]!.match).toEqual({ field: 'email', rank: 'contains' });
    expect(names(await search(t, '7946'))).toEqual(['Jonathan Price']);
  });

  it('tolerates a typo when nothing matches as typed', async () => {
    const found = await search(t, 'Margret');
    expect(names(found)).toEqual(['Margaret Smith']);
    expect(found[0]!.records[0]!.match.rank).toBe('similar');
    expect(names(await search(t, 'Jonathon'))).toEqual(['Jonathan Price']);
  });

  it('short texts match the start of names; the limit holds per object', async () => {
    expect(names(await search(t, 'Ch'))).toEqual(['Chen']);
    expect(names(await search(t, 'chen', 2))).toEqual(['Chen', 'Mei Chen']);
  });

  it('finds a match that more records than one read of candidates hold only in texts search does not look at', async () => {
    const crowded = await createTestTenant(h, 'search-crowded');
    // Seventy records hold the text in their WeChat ID (not a searched field), written before the one whose name holds it.
    const decoys = await crowded.api('POST', '/records/customer/batch', {
      operations: Array.from({ length: 70 }, (_, i) => ({ op: 'create', data: { last_name: `Decoy ${i}`, wechat_id: `zorblax-${i}` } })),
    });
    expect(decoys.statusCode, decoys.body).toBe(200);
    expect((await crowded.api('POST', '/records/customer', { first_name: 'Ann', last_name: 'Zorblax' })).statusCode).toBe(201);
    const found = await search(crowded, 'zorblax');
    expect(names(found)).toEqual(['Ann Zorblax']);
    expect(found[0]!.records[0]!.match).toEqual({ field: 'name', rank: 'word' });
  });

  it('never finds deleted records or another workspace’s', async () => {
    const mine = await search(t, 'Wen Tachen');
    const id = mine[0]!.records[0]!.id;
    expect((await t.api('DELETE', `/records/customer/${id}`)).statusCode).toBe(204);
    expect(names(await search(t, 'Tachen'))).toEqual([]);
    expect(names(await search(other, 'chen'))).toEqual(['Mei Chen']);
    expect(JSON.stringify(await search(other, 'harbour'))).not.toContain('harbour.test');
  });

  it('the indexed text holds the texts a search can match (as a JSON array), lower-cased, and no dates, date-times, picklist values or ids (each write pays for every trigram)', async () => {
    const data = {
      f_name: 'Mei Chen', f_email: 'Mei@Harbour.test', f_phone: '+86 21 5555 0101', f_digits: '5550101', f_city: 'Chengdu',
      f_date: '2026-12-04', f_datetime: '2026-12-04T18:34:23.123Z', f_offset: '2026-12-04T18:34:23+08:00', f_status: 'v_0d31188ea3',
      f_lookup: '0193a0c4-5e6f-7a8b-9c0d-1e2f3a4b5c6d', f_long: 'x'.repeat(201), f_number: 42, f_flag: true, f_tags: ['v_0d31188ea4'],
      f_near_date: '2026-12-04 at the clinic',
    };
    const [row] = await h.db.system((q) => q.query<{ text: string }>('select record_search_text($1::jsonb) as text', [JSON.stringify(data)]));
    expect((JSON.parse(row!.text) as string[]).sort()).toEqual(['mei chen', 'mei@harbour.test', '+86 21 5555 0101', '5550101', 'chengdu', '2026-12-04 at the clinic'].sort());
    // Long texts are left out however many short ones come with them.
    const [many] = await h.db.system((q) => q.query<{ text: string }>('select record_search_text($1::jsonb) as text', [JSON.stringify({ ...data, f_a: 'a'.repeat(200), f_b: 'b'.repeat(150) })]));
    expect(JSON.parse(many!.text)).toHaveLength(8);
  });

  it('the server computes the same search text as record_search_text; a create or an edit stores the text of the fields search matches', async () => {
    const samples: Record<string, unknown>[] = [
      {},
      { f_name: 'Mei Chen', f_email: 'Mei@Harbour.test', f_phone: '+86 21 5555 0101', f_number: 42, f_flag: false, f_none: null },
      // JSONB's key order (shorter keys first, then bytewise), whatever order the values came in.
      { f_long_key_name: 'Zed', b: 'Bee', aa: 'Double A', a: 'Ay', Ä: 'Umlaut key', f_0d31188ea3: 'Third', f_0d31188ea1: 'First' },
      // Escapes as jsonb::text writes them, non-ASCII letters (lower-cased by Postgres), characters outside the BMP.
      { f_a: 'Quote " and \\ back\\slash', f_b: 'Tab\tnew\nline\u0001\u001f', f_c: 'ÅNGSTRÖM İstanbul ΣΊΣΥΦΟΣ', f_d: '😀 emoji 😀', f_e: '/slash/' },
      // The unsearchable shapes, and near misses that stay.
      { f_u: '0193A0C4-5E6F-7A8B-9C0D-1E2F3A4B5C6D', f_v: 'v_0d31188ea3', f_w: 'v_0D31188EA3', f_x: '2026-12-04T18:34:23.1Z', f_y: '2026-12-04 18:34:23-0530', f_z: '2026-12-04\n', f_q: 'v_0d31188ea3 ' },
      // East Asian letters: each with the one after it, after the texts (Han, kana, Hangul, a Han character outside the BMP, mixed with Latin).
      { f_a: '陈美玲', f_b: 'Mei 陈', f_c: 'ジョン・スミス', f_d: '김민준', f_e: 'x𠀀𠀁y々', f_f: 'no letters of theirs' },
      // Length in characters: 200 stay, 201 do not, also when they are astral (two UTF-16 units each).
      { f_1: 'x'.repeat(200), f_2: 'y'.repeat(201), f_3: '😀'.repeat(150), f_4: '😀'.repeat(201), f_5: 'short' },
    ];
    for (const data of samples) {
      // The insert statement stores the server's text as it is, lowered by foldCase.
      const [row] = await h.db.system((q) => q.query<{ sql: string }>('select record_search_text($1::jsonb) as sql', [JSON.stringify(data)]));
      expect(foldCase(searchText(data)), JSON.stringify(data)).toBe(row!.sql);
    }
    // What a create and an edit store is the function's text of the stored values.
    const created = json<{ id: string }>(await t.api('POST', '/records/customer', { first_name: 'Søren', last_name: 'Ørsted', email: 'Soren@Example.TEST' }));
    // Capitals whose lowering differs between JavaScript and Postgres, through a batch's statement too.
    const batch = await t.api('POST', '/records/customer/batch', { operations: [{ op: 'create', data: { first_name: 'İSTANBUL', last_name: 'ΣΊΣΥΦΟΣ ÅNGSTRÖM', email: 'Unal@Example.TEST' } }, { op: 'create', data: { first_name: 'ΟΔΟΣ', last_name: 'Straße ẞ' } }] });
    expect(batch.statusCode, batch.body).toBe(200);
    expect((await t.api('PATCH', `/records/customer/${created.id}`, { last_name: 'Kierkegaard', phone: '+45 3333 0000' })).statusCode).toBe(200);
    expect(names(await search(t, 'kierkegaard'))).toEqual(['Søren Kierkegaard']);
    expect(names(await search(t, 'Ørsted'))).toEqual([]);
    // The owner the insert statement writes follows the same rule as for any other write (migration 67).
    expect(await h.db.system((q) => q.query('select id from record where owner_id is distinct from record_owner(data, created_by)'))).toEqual([]);
    // A record holds the text of its searched fields as they are now (the server wrote it with its
    // create, edit or restore), or, written by a statement of its own, the function's text.
    const model = await h.server.metadata.model(t.id);
    const rows = await h.db.system((q) =>
      q.query<{ id: string; object_id: string; data: Record<string, unknown>; search_text: string; every: string }>(
        'select id, object_id, data, search_text, record_search_text(data) as every from record where tenant_id = $1',
        [t.id],
      ),
    );
    expect(rows.length).toBeGreaterThan(5);
    const searchedOnly = rows.filter((row) => row.search_text === storedSearchText(model.objectById(row.object_id)!, row.data));
    expect(rows.filter((row) => !searchedOnly.includes(row) && row.search_text !== row.every)).toEqual([]);
    expect(searchedOnly.length).toBeGreaterThan(0);
    expect(rows.find((r) => r.id === created.id)?.search_text).toContain('kierkegaard');
  });

  it('a field search starts matching is found in the records written before (a new name field, a text made a phone)', async () => {
    const s = await createTestTenant(h, 'search-fields');
    expect((await s.api('POST', '/metadata/objects', { apiName: 'errand', labels: { en: { singular: 'Errand', plural: 'Errands' } } })).statusCode).toBe(201);
    for (const [apiName, type] of [['place', 'text'], ['line', 'text'], ['contact', 'email']] as const) {
      const added = await s.api('POST', '/metadata/objects/errand/fields', { apiName, type, labels: { en: apiName } });
      expect(added.statusCode, added.body).toBe(201);
    }
    const errand = (name: string) => ({ name, place: 'Zanzibar Harbour', line: '+44 20 7946 0958', contact: 'ops@quayside.test' });
    expect((await s.api('POST', '/records/errand', errand('Collect parcels'))).statusCode).toBe(201);
    const batch = await s.api('POST', '/records/errand/batch', { operations: [{ op: 'create', data: errand('Sign for crates') }, { op: 'create', data: errand('Return keys') }] });
    expect(batch.statusCode, batch.body).toBe(200);
    const errands = async (q: string) => names(await search(s, q), 'errand').sort();
    const all = ['Collect parcels', 'Return keys', 'Sign for crates'];
    // The name and the email are searched; a place and a text that holds a phone number are not, and are not indexed.
    expect(await errands('quayside')).toEqual(all);
    expect(await errands('parcels')).toEqual(['Collect parcels']);
    expect(await errands('zanzibar')).toEqual([]);
    const texts = await h.db.system((q) => q.query<{ search_text: string }>("select search_text from record where tenant_id = $1 and object_id <> 'organization'", [s.id]));
    expect(texts.map((r) => r.search_text).filter((text) => text.includes('zanzibar') || text.includes('7946'))).toEqual([]);
    // An edit writes the text of the searched fields too: a new place stays out of it, a new email replaces the old one.
    const [first] = json<{ data: { id: string }[] }>(await s.api('GET', '/records/errand?sort=name&limit=1')).data;
    expect((await s.api('PATCH', `/records/errand/${first!.id}`, { place: 'Zanzibar Quay' })).statusCode).toBe(200);
    expect((await s.api('PATCH', `/records/errand/${first!.id}`, { contact: 'desk@wharf.test' })).statusCode).toBe(200);
    expect(await errands('wharf')).toEqual(['Collect parcels']);
    expect(await errands('quayside')).toEqual(['Return keys', 'Sign for crates']);
    expect(await errands('zanzibar')).toEqual([]);

    const named = await s.api('PATCH', '/metadata/objects/errand', { nameFieldId: 'place' });
    expect(named.statusCode, named.body).toBe(200);
    expect(await errands('zanzibar')).toEqual(['Zanzibar Harbour', 'Zanzibar Harbour', 'Zanzibar Quay']);
    const phone = await s.api('PATCH', '/metadata/objects/errand/fields/line', { type: 'phone' });
    expect(phone.statusCode, phone.body).toBe(200);
    expect(await errands('7946 0958')).toEqual(['Zanzibar Harbour', 'Zanzibar Harbour', 'Zanzibar Quay']);
  });

  it('finds names in any script: one or two Chinese characters anywhere in a name, accented capitals in any case', async () => {
    const people = [
      ['美玲', '陈'],
      ['建国', '王'],
      ['美', '李'],
      ['Mei', '陈'],
      ['Émile', 'Zola'],
      ['Ödön', 'Horváth'],
    ];
    const created = await t.api('POST', '/records/customer/batch', { operations: people.map(([first_name, last_name]) => ({ op: 'create', data: { first_name, last_name } })) });
    expect(created.statusCode, created.body).toBe(200);
    // Names in East Asian script are written family name first, without a space.
    const stored = await Promise.all(json<{ results: { id: string }[] }>(created).results.map(async (r) => json<{ name: string }>(await t.api('GET', `/records/customer/${r.id}`)).name));
    expect(stored).toEqual(['陈美玲', '王建国', '李美', 'Mei 陈', 'Émile Zola', 'Ödön Horváth']);
    // Given names, family names and parts of either, wherever they stand in the name.
    expect(names(await search(t, '美玲'))).toEqual(['陈美玲']);
    expect(names(await search(t, '玲'))).toEqual(['陈美玲']);
    expect(names(await search(t, '建国'))).toEqual(['王建国']);
    expect(names(await search(t, '王建'))).toEqual(['王建国']);
    expect(names(await search(t, '陈'))).toEqual(['陈美玲', 'Mei 陈']);
    expect(names(await search(t, '美')).sort()).toEqual(['李美', '陈美玲']);
    expect(names(await search(t, '美玲', 1))).toEqual(['陈美玲']);
    expect(names(await search(t, '陈美玲'))).toEqual(['陈美玲']);
    expect(names(await search(t, '张'))).toEqual([]);
    for (const q of ['émile', 'ÉMILE', 'Émile', 'mile']) expect(names(await search(t, q)), q).toEqual(['Émile Zola']);
    for (const q of ['HORVÁTH', 'ödön', 'ÖDÖN H']) expect(names(await search(t, q)), q).toEqual(['Ödön Horváth']);
    // Turkish capitals: the search lowers 'İ' as the database does ('i'), so the name starts with what was typed.
    expect((await t.api('POST', '/records/organization', { name: 'İSTANBUL Trading' })).statusCode).toBe(201);
    for (const q of ['ist', 'İst', 'istanbul']) {
      const found = (await search(t, q)).find((g) => g.object === 'organization')?.records ?? [];
      expect(found.map((r) => [r.display_name, r.match.rank]), q).toEqual([['İSTANBUL Trading', 'prefix']]);
    }
    // An edit is searched the same way as a create; its old name is no longer found.
    const chen = (await search(t, '美玲'))[0]!.records[0]!.id;
    expect((await t.api('PATCH', `/records/customer/${chen}`, { name: '欧阳娜娜' })).statusCode).toBe(200);
    expect(names(await search(t, '娜'))).toEqual(['欧阳娜娜']);
    expect(names(await search(t, '阳娜'))).toEqual(['欧阳娜娜']);
    expect(names(await search(t, '美玲'))).toEqual([]);
    const zola = (await search(t, 'Zola'))[0]!.records[0]!.id;
    expect((await t.api('PATCH', `/records/customer/${zola}`, { last_name: 'ÇELİK' })).statusCode).toBe(200);
    expect(names(await search(t, 'çeli'))).toEqual(['Émile ÇELİK']);
  });

  it('a text with LIKE wildcards is matched literally', async () => {
    expect(await search(t, '%%%')).toEqual([]);
    expect(await search(t, '___')).toEqual([]);
  });
});

// An embedded database always has a UTF-8 character type; a Postgres server's can be created without one.
describe.skipIf(!process.env['DATABASE_URL'])('a database whose character type knows only ASCII letters', () => {
  it('is refused at start, before any migration, with how to create one that works', async () => {
    const url = new URL(process.env['DATABASE_URL']!);
    const name = `protean_ascii_${process.pid}_${Date.now()}`;
    const admin = new pg.Client({ connectionString: url.toString() });
    await admin.connect();
    try {
      await admin.query(`create database ${name} template template0 encoding 'UTF8' lc_collate 'C' lc_ctype 'C'`);
      url.pathname = `/${name}`;
      const db = await openDatabase({ databaseUrl: url.toString() });
      try {
        await expect(migrate(db)).rejects.toThrow(/LC_CTYPE is C, which knows only ASCII letters[\s\S]*--lc-ctype=C\.UTF-8/);
        const [tables] = await db.system((q) => q.query<{ n: number }>("select count(*)::int as n from pg_tables where schemaname = 'public'"));
        expect(tables!.n).toBe(0);
      } finally {
        await db.close();
      }
    } finally {
      await admin.query(`drop database if exists ${name}`);
      await admin.end();
    }
  });
});
