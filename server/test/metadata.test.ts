import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { createTestTenant, json, startHarness, type Harness, type TestTenant } from './harness.ts';

let h: Harness;
let t: TestTenant;

beforeAll(async () => {
  h = await startHarness();
  t = await createTestTenant(h, 'meta');
});
afterAll(async () => h?.close());

/** The field region_code of an object as GET /metadata/objects/:object answers it. */
const regionCode = (r: { body: string }) => (JSON.parse(r.body) as { fields: Record<string, unknown>[] }).fields.find((f) => f['apiName'] === 'region_code')!;

type Problem = { status: number; errors?: { field: string; code: string; message: string; path?: string; dependents?: unknown[]; count?: number }[] };

describe('metadata changes', () => {
  it('every tenant starts with the standard objects, labelled in English and Chinese', async () => {
    const snapshot = json<{ revision: number; objects: { apiName: string; labels: Record<string, { singular: string }> }[] }>(await t.api('GET', '/metadata/snapshot'));
    expect(snapshot.objects.map((o) => o.apiName)).toEqual(expect.arrayContaining(['customer', 'organization', 'deal', 'activity', 'task']));
    expect(snapshot.objects.find((o) => o.apiName === 'customer')!.labels['zh-CN']!.singular).toBe('客户');
  });

  it('refuses a change made against a model revision that is no longer current (If-Match), so one admin’s edit never silently undoes another’s', async () => {
    const tenant = await createTestTenant(h, 'meta-match');
    const read = await tenant.api('GET', '/metadata/objects/customer');
    const etag = String(read.headers['etag']);
    expect(etag).toMatch(/^"\d+"$/);
    const first = await tenant.api('PATCH', '/metadata/objects/customer/fields/phone', { labels: { en: 'Phone (main)' } }, { 'if-match': etag });
    expect(first.statusCode, first.body).toBe(200);
    // The second admin read the same revision: their change would lay over the first unseen.
    const second = await tenant.api('PATCH', '/metadata/objects/customer/fields/phone', { labels: { en: 'Telephone' } }, { 'if-match': etag });
    expect(second.statusCode, second.body).toBe(412);
    expect(json<{ errors: { field: string; code: string }[] }>(second).errors[0]).toMatchObject({ field: 'If-Match', code: 'stale' });
    const changes = await tenant.api('POST', '/metadata/changes', { operations: [{ op: 'updateField', object: 'customer', field: 'phone', patch: { labels: { en: 'Telephone' } } }] }, { 'if-match': etag });
    expect(changes.statusCode).toBe(412);
    expect((await tenant.api('PATCH', '/metadata/objects/customer/fields/phone', { labels: { en: 'Telephone' } }, { 'if-match': 'garbage' })).statusCode).toBe(400);
    const fields = json<{ fields: { apiName: string; labels: { en: string } }[] }>(await tenant.api('GET', '/metadata/objects/customer')).fields;
    expect(fields.find((f) => f.apiName === 'phone')!.labels.en).toBe('Phone (main)');
    // Read again, the change goes through; without If-Match, as before, it always does.
    const fresh = String((await tenant.api('GET', '/metadata/snapshot')).headers['etag']);
    expect((await tenant.api('PATCH', '/metadata/objects/customer/fields/phone', { labels: { en: 'Telephone' } }, { 'if-match': fresh })).statusCode).toBe(200);
    expect((await tenant.api('PATCH', '/metadata/objects/customer/fields/phone', { labels: { en: 'Phone' } })).statusCode).toBe(200);
    // The glossary is read at a revision too, and a rename names it.
    const terms = await tenant.api('GET', '/metadata/terms');
    const termsTag = String(terms.headers['etag']);
    expect(termsTag).toBe(String((await tenant.api('GET', '/metadata/snapshot')).headers['etag']));
    const rename = (singular: string) => ({ key: 'organization', forms: { en: { singular, plural: `${singular}s` } } });
    expect((await tenant.api('POST', '/metadata/changes', { operations: [{ op: 'upsertTerm', term: rename('practice') }] }, { 'if-match': termsTag })).statusCode).toBe(200);
    expect((await tenant.api('POST', '/metadata/changes', { operations: [{ op: 'upsertTerm', term: rename('clinic') }] }, { 'if-match': termsTag })).statusCode).toBe(412);
    // Resetting a term, applying a term set and restoring a revision name what they were read at as well.
    const stale = { 'if-match': termsTag };
    const revisions = json<{ revision: number }[]>(await tenant.api('GET', '/metadata/revisions')).length;
    expect((await tenant.api('DELETE', '/metadata/terms/organization', undefined, stale)).statusCode).toBe(412);
    expect((await tenant.api('DELETE', '/metadata/terms/organization', undefined, { 'if-match': 'garbage' })).statusCode).toBe(400);
    expect((await tenant.api('POST', '/metadata/term-sets/healthcare/apply', {}, stale)).statusCode).toBe(412);
    expect((await tenant.api('POST', '/metadata/revisions/1/restore', {}, stale)).statusCode).toBe(412);
    expect(json<{ revision: number }[]>(await tenant.api('GET', '/metadata/revisions')).length).toBe(revisions);
    const current = String((await tenant.api('GET', '/metadata/terms')).headers['etag']);
    expect((await tenant.api('DELETE', '/metadata/terms/organization', undefined, { 'if-match': current })).statusCode).toBe(200);
  });

  it('adds an object and its fields in one all-or-nothing change, which becomes a revision with author and diff', async () => {
    const before = json<{ revision: number }[]>(await t.api('GET', '/metadata/revisions'))[0]!.revision;
    const change = await t.api('POST', '/metadata/changes', {
      message: 'Add pets',
      operations: [
        { op: 'createObject', object: { apiName: 'pet', labels: { en: { singular: 'Pet', plural: 'Pets' }, 'zh-CN': { singular: '宠物', plural: '宠物' } }, fields: [{ apiName: 'name', type: 'text', labels: { en: 'Name' }, required: true }] } },
        { op: 'createField', object: 'pet', field: { apiName: 'weight', type: 'number', labels: { en: 'Weight' }, precision: 6, scale: 2 } },
        { op: 'createField', object: 'pet', field: { apiName: 'owner_customer', type: 'lookup', labels: { en: 'Owner' }, lookup: { objectId: 'customer', onDelete: 'setNull', relationshipName: 'pets' } } },
      ],
    });
    expect(change.statusCode, change.body).toBe(200);
    const revisions = json<{ revision: number; authorName: string; message: string }[]>(await t.api('GET', '/metadata/revisions'));
    expect(revisions[0]).toMatchObject({ revision: before + 1, authorName: 'Test Admin', message: 'Add pets' });
    const created = await t.api('POST', '/records/pet', { name: 'Rex', weight: 12.5 });
    expect(created.statusCode, created.body).toBe(201);
  });

  it('a change request with several bad operations reports every error with its path and applies none', async () => {
    const before = json<{ revision: number }[]>(await t.api('GET', '/metadata/revisions'))[0]!.revision;
    const r = await t.api('POST', '/metadata/changes', {
      operations: [
        { op: 'createField', object: 'customer', field: { apiName: 'good_one', type: 'text', labels: { en: 'Good' } } },
        { op: 'createField', object: 'nope', field: { apiName: 'x', type: 'text', labels: { en: 'X' } } },
        { op: 'createField', object: 'customer', field: { apiName: 'Bad Name', type: 'text', labels: { en: 'Bad' } } },
        { op: 'createField', object: 'customer', field: { apiName: 'pick', type: 'picklist', labels: { en: 'Pick' } } },
      ],
    });
    expect(r.statusCode).toBe(422);
    const errors = (r.json() as Problem).errors!;
    expect(errors.length).toBeGreaterThanOrEqual(3);
    expect(errors.map((e) => e.path ?? e.field).join(' ')).toMatch(/operations\/1/);
    expect(errors.map((e) => e.path ?? e.field).join(' ')).toMatch(/operations\/2/);
    expect(errors.map((e) => e.path ?? e.field).join(' ')).toMatch(/operations\/3/);
    expect(json<{ revision: number }[]>(await t.api('GET', '/metadata/revisions'))[0]!.revision).toBe(before);
  });

  it('renaming an API name keeps the old one working as an alias; relabelling never touches record data', async () => {
    await t.api('POST', '/metadata/objects/organization/fields', { apiName: 'region', type: 'text', labels: { en: 'Region' } });
    const rec = json(await t.api('POST', '/records/organization', { name: 'Alias Org', region: 'North' }));
    const rename = await t.api('PATCH', '/metadata/objects/organization/fields/region', { apiName: 'territory', labels: { en: 'Territory', 'zh-CN': '区域' } });
    expect(rename.statusCode, rename.body).toBe(200);
    const read = json(await t.api('GET', `/records/organization/${String(rec['id'])}`));
    expect(read['territory']).toBe('North');
    const viaAlias = await t.api('GET', `/records/organization?filter=${encodeURIComponent(JSON.stringify({ field: 'region', op: 'eq', value: 'North' }))}`);
    expect(viaAlias.statusCode).toBe(200);
    expect(json<{ data: unknown[] }>(viaAlias).data).toHaveLength(1);
  });

  it('deleting a field that a layout or lookup depends on is refused with the dependents listed', async () => {
    const r = await t.api('DELETE', '/metadata/objects/customer');
    expect(r.statusCode).toBe(422);
    const layoutField = await t.api('DELETE', '/metadata/objects/customer/fields/email');
    expect([200, 422]).toContain(layoutField.statusCode);
    if (layoutField.statusCode === 422) expect(JSON.stringify((layoutField.json() as Problem).errors)).toMatch(/layout/i);
  });

  it('making a field required while records lack it is refused with a count, or applied with a backfill', async () => {
    await t.api('POST', '/metadata/objects/organization/fields', { apiName: 'segment', type: 'text', labels: { en: 'Segment' } });
    await t.api('POST', '/records/organization', { name: 'No Segment 1' });
    const binned = json(await t.api('POST', '/records/organization', { name: 'No Segment, in the bin' }));
    expect((await t.api('DELETE', `/records/organization/${String(binned['id'])}`)).statusCode).toBe(204);
    const refused = await t.api('PATCH', '/metadata/objects/organization/fields/segment', { required: true });
    expect(refused.statusCode).toBe(422);
    expect((refused.json() as Problem).errors?.[0]?.count).toBeGreaterThan(0);
    const applied = await t.api('PATCH', '/metadata/objects/organization/fields/segment', { required: true, backfill: 'unknown' });
    expect(applied.statusCode, applied.body).toBe(200);
    const list = json<{ data: { segment: string }[] }>(await t.api('GET', '/records/organization?limit=200'));
    expect(list.data.every((r) => r.segment !== null)).toBe(true);
    // A record in the recycle bin gets the backfill too: restored, it meets the field as it is now.
    const restored = await t.api('POST', `/records/organization/${String(binned['id'])}/restore`);
    expect(restored.statusCode, restored.body).toBe(200);
    expect(json(restored)['segment']).toBe('unknown');
  });

  it('a required field may not default to an empty text or selection, nor be backfilled with one: refused naming the field, in English and Chinese', async () => {
    const s = await createTestTenant(h, 'empty-default');
    const emptyDefault = (r: { statusCode: number; body: string }, message: string) => {
      expect(r.statusCode, r.body).toBe(422);
      expect((JSON.parse(r.body) as Problem).errors).toContainEqual(expect.objectContaining({ code: 'invalid', message }));
    };
    const refusal = "default value cannot be empty: 'region_code' is required";
    emptyDefault(await s.api('POST', '/metadata/objects/organization/fields', { apiName: 'region_code', type: 'text', labels: { en: 'Region code' }, required: true, defaultValue: '' }), refusal);
    const optional = await s.api('POST', '/metadata/objects/organization/fields', { apiName: 'region_code', type: 'text', labels: { en: 'Region code' }, defaultValue: '' });
    expect(optional.statusCode, optional.body).toBe(201);
    emptyDefault(await s.api('PATCH', '/metadata/objects/organization/fields/region_code', { required: true }), refusal);
    const chinese = await s.api('PATCH', '/metadata/objects/organization/fields/region_code', { required: true }, { 'accept-language': 'zh-CN' });
    expect((JSON.parse(chinese.body) as Problem).errors?.[0]?.message).toBe("默认值不能为空：'region_code'为必填项");
    emptyDefault(
      await s.api('POST', '/metadata/objects/organization/fields', { apiName: 'labels_tags', type: 'multiPicklist', labels: { en: 'Tags' }, required: true, defaultValue: [], values: [{ apiName: 'vip', labels: { en: 'VIP' } }] }),
      "default value cannot be empty: 'labels_tags' is required",
    );
    // A backfill fills the records that have no value: an empty one would leave them without it.
    expect((await s.api('POST', '/records/organization', { name: 'No code' })).statusCode).toBe(201);
    emptyDefault(await s.api('PATCH', '/metadata/objects/organization/fields/region_code', { required: true, defaultValue: null, backfill: '' }), "backfill cannot be empty: 'region_code' is required");
    expect(regionCode(await s.api('GET', '/metadata/objects/organization'))).toMatchObject({ defaultValue: '' });
  });

  it('a model stored with a required field defaulting to an empty text (accepted before) still takes changes, and a create still asks for that field', async () => {
    const s = await createTestTenant(h, 'stored-default');
    const made = await s.api('POST', '/metadata/objects/organization/fields', { apiName: 'region_code', type: 'text', labels: { en: 'Region code' }, required: true });
    expect(made.statusCode, made.body).toBe(201);
    // As a change accepted before stored it: the current revision's field with the default ''.
    await h.db.system(async (q) => {
      const [row] = await q.query<{ revision: number; snapshot: { objects: { apiName: string; fields: { apiName: string; defaultValue?: unknown }[] }[] } }>(
        'select m.revision, m.snapshot from metadata_revision m join tenant t on t.id = m.tenant_id and t.current_revision = m.revision where m.tenant_id = $1',
        [s.id],
      );
      const field = row!.snapshot.objects.find((o) => o.apiName === 'organization')!.fields.find((f) => f.apiName === 'region_code')!;
      field.defaultValue = '';
      await q.query('update metadata_revision set snapshot = $3 where tenant_id = $1 and revision = $2', [s.id, row!.revision, JSON.stringify(row!.snapshot)]);
    });
    const relabelled = await s.api('PATCH', '/metadata/objects/organization/fields/region_code', { labels: { en: 'Region' } });
    expect(relabelled.statusCode, relabelled.body).toBe(200);
    const field = regionCode(await s.api('GET', '/metadata/objects/organization'));
    expect(field).toMatchObject({ required: true, labels: { en: 'Region' } });
    expect(field['defaultValue']).toBeUndefined();
    const missing = await s.api('POST', '/records/organization', { name: 'No region' });
    expect(missing.statusCode, missing.body).toBe(422);
    expect(JSON.parse(missing.body).errors).toEqual([expect.objectContaining({ field: 'region_code', code: 'required' })]);
    expect((await s.api('POST', '/records/organization', { name: 'With region', region_code: 'EU' })).statusCode).toBe(201);
  });

  it('a deleted field keeps its data and comes back when restored', async () => {
    await t.api('POST', '/metadata/objects/organization/fields', { apiName: 'motto', type: 'text', labels: { en: 'Motto' } });
    const rec = json(await t.api('POST', '/records/organization', { name: 'Motto Org', segment: 's', motto: 'Carpe diem' }));
    expect((await t.api('DELETE', '/metadata/objects/organization/fields/motto')).statusCode).toBe(200);
    expect(json(await t.api('GET', `/records/organization/${String(rec['id'])}`))['motto']).toBeUndefined();
    const restore = await t.api('POST', '/metadata/changes', { operations: [{ op: 'restoreField', object: 'organization', field: 'motto' }] });
    expect(restore.statusCode, restore.body).toBe(200);
    expect(json(await t.api('GET', `/records/organization/${String(rec['id'])}`))['motto']).toBe('Carpe diem');
  });

  it('any two revisions can be compared, and restoring one creates a new revision', async () => {
    const revisions = json<{ revision: number }[]>(await t.api('GET', '/metadata/revisions'));
    const latest = revisions[0]!.revision;
    const diff = await t.api('GET', `/metadata/revisions/compare?from=1&to=${latest}`);
    expect(diff.statusCode).toBe(200);
    expect((diff.json() as unknown[]).length).toBeGreaterThan(0);
    const restored = await t.api('POST', '/metadata/revisions/1/restore');
    expect(restored.statusCode, restored.body).toBe(200);
    expect(json<{ revision: number }>(restored).revision).toBe(latest + 1);
    const objects = json<{ apiName: string }[]>(await t.api('GET', '/metadata/objects'));
    expect(objects.map((o) => o.apiName)).not.toContain('pet');
  });

  it('what a change creates gets a short id, never given again after a restore or a purge, and records keep their values under it', async () => {
    const tenant = await createTestTenant(h, 'meta-ids');
    const created = await tenant.api('POST', '/metadata/objects', { apiName: 'project', labels: { en: { singular: 'Project', plural: 'Projects' } } });
    expect(created.statusCode, created.body).toBe(201);
    const before = json<{ revision: number }[]>(await tenant.api('GET', '/metadata/revisions'))[0]!.revision;
    const addBudget = async () => expect((await tenant.api('POST', '/metadata/objects/project/fields', { apiName: 'budget', labels: { en: 'Budget' }, type: 'number' })).statusCode).toBe(201);
    type Fields = { id: string; fields: { id: string; apiName: string }[] };
    const budgetId = async () => json<Fields>(await tenant.api('GET', '/metadata/objects/project')).fields.find((f) => f.apiName === 'budget')!.id;
    const storedData = async (objectId: string) =>
      (await h.db.system((q) => q.query<{ data: Record<string, unknown> }>('select data from record where tenant_id = $1 and object_id = $2', [tenant.id, objectId])))[0]!.data;
    await addBudget();
    const first = await budgetId();
    const roof = await tenant.api('POST', '/records/project', { name: 'Roof', budget: 1200 });
    expect(roof.statusCode).toBe(201);
    const objectId = json<Fields>(await tenant.api('GET', '/metadata/objects/project')).id;
    expect(await storedData(objectId)).toMatchObject({ [first]: 1200 });
    // Back to the revision before the field (which keeps it, deleted, with its values), the field
    // purged (its values and its definition gone), then a field of the same name made again.
    expect((await tenant.api('POST', `/metadata/revisions/${before}/restore`)).statusCode).toBe(200);
    const purged = await tenant.api('POST', '/metadata/changes', { operations: [{ op: 'purgeField', object: 'project', field: first }] });
    expect(purged.statusCode, purged.body).toBe(200);
    await addBudget();
    const second = await budgetId();
    for (const id of [objectId, first, second]) expect(id).toMatch(/^[a-z]+[0-9a-z]+_[0-9a-z]+$/);
    expect([objectId, first, second].every((id) => id.length <= 6)).toBe(true);
    expect(second).not.toBe(first);
    expect(await storedData(objectId)).not.toHaveProperty(first);
    const patched = await tenant.api('PATCH', `/records/project/${json<{ id: string }>(roof).id}`, { budget: 900 });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(await storedData(objectId)).toMatchObject({ [second]: 900 });
  });

  it('a change made through one server process is served by another on its next request', async () => {
    const second = await buildApp({ db: h.db });
    await second.app.ready();
    try {
      const read = async () =>
        second.app.inject({ method: 'GET', url: '/api/v1/metadata/objects/organization', headers: { authorization: `Bearer ${t.key}` } }).then((r) => r.json() as { labels: { en: { singular: string } } });
      expect((await read()).labels.en.singular).not.toBe('Company');
      const change = await t.api('PATCH', '/metadata/objects/organization', { labels: { en: { singular: 'Company', plural: 'Companies' } } });
      expect(change.statusCode, change.body).toBe(200);
      // NOTIFY is delivered asynchronously; give it a moment to arrive.
      let label = '';
      for (let i = 0; i < 50 && label !== 'Company'; i++) {
        label = (await read()).labels.en.singular;
        if (label !== 'Company') await new Promise((r) => setTimeout(r, 20));
      }
      expect(label).toBe('Company');
    } finally {
      await second.app.close();
    }
  });

  it('publishes the JSON Schema of each metadata kind', async () => {
    const r = await t.api('GET', '/metadata/schemas/field');
    expect(r.statusCode).toBe(200);
    expect(JSON.stringify(r.json())).toContain('apiName');
  });
});
