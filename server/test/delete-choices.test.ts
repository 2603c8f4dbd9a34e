import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, json, startHarness, type Harness, type TestTenant } from './harness.ts';

let h: Harness;
let t: TestTenant;

beforeAll(async () => {
  h = await startHarness();
  t = await createTestTenant(h, 'delchoice');
});
afterAll(async () => h?.close());

type Problem = { errors: { field: string; code: string; count?: number; dependents?: { kind: string }[] }[] };

async function objectWithRecords(apiName: string, names: string[]): Promise<void> {
  const created = await t.api('POST', '/metadata/objects', { apiName, labels: { en: { singular: apiName, plural: `${apiName}s` } } });
  expect(created.statusCode, created.body).toBe(201);
  for (const name of names) expect((await t.api('POST', `/records/${apiName}`, { name })).statusCode).toBe(201);
}

const storedRecords = async (objectId: string) =>
  (await h.db.system((q) => q.query<{ n: number }>('select count(*)::int as n from record where tenant_id = $1 and object_id = $2', [t.id, objectId])))[0]!.n;

describe('deleting an object says what becomes of its records', () => {
  it('refuse: the deletion is refused with the count while it has records', async () => {
    await objectWithRecords('project', ['Roof', 'Porch']);
    const refused = await t.api('DELETE', '/metadata/objects/project?records=refuse');
    expect(refused.statusCode, refused.body).toBe(409);
    expect(json<Problem>(refused).errors[0]).toMatchObject({ code: 'has_records', count: 2 });
    expect((await t.api('GET', '/metadata/objects/project')).statusCode).toBe(200);
  });

  it('delete: its records are deleted for good with it, in the same change', async () => {
    const objectId = json<{ id: string }>(await t.api('GET', '/metadata/objects/project')).id;
    expect(await storedRecords(objectId)).toBe(2);
    const done = await t.api('DELETE', '/metadata/objects/project?records=delete');
    expect(done.statusCode, done.body).toBe(200);
    expect((await t.api('GET', '/metadata/objects/project')).statusCode).toBe(404);
    expect(await storedRecords(objectId)).toBe(0);
    // Restoring the revision before brings the object back, empty.
    const revision = json<{ revision: number }>(done).revision;
    expect((await t.api('POST', `/metadata/revisions/${revision - 1}/restore`)).statusCode).toBe(200);
    expect(json<{ data: unknown[] }>(await t.api('GET', '/records/project')).data).toEqual([]);
  });

  it('keep (the default): its records wait for a restore of the object', async () => {
    await objectWithRecords('ticket', ['Leak']);
    const done = await t.api('DELETE', '/metadata/objects/ticket');
    expect(done.statusCode, done.body).toBe(200);
    const revision = json<{ revision: number }>(done).revision;
    expect((await t.api('POST', `/metadata/revisions/${revision - 1}/restore`)).statusCode).toBe(200);
    expect(json<{ data: { name: string }[] }>(await t.api('GET', '/records/ticket')).data.map((r) => r.name)).toEqual(['Leak']);
  });

  it('an unknown choice is a 400', async () => {
    expect((await t.api('DELETE', '/metadata/objects/ticket?records=burn')).statusCode).toBe(400);
  });
});

describe('deleting a field that is on a layout', () => {
  it('is refused naming the layout, or takes the field off the layout when asked', async () => {
    const field = await t.api('POST', '/metadata/objects/customer/fields', { apiName: 'pet_name', type: 'text', labels: { en: 'Pet name' } });
    expect(field.statusCode, field.body).toBe(201);
    const snapshot = json<{ objects: { id: string; fields: { id: string; apiName: string }[] }[]; layouts: { id: string; objectId: string; name: string; sections: { id: string; labels: unknown; columns: number; fields: { fieldId: string }[] }[] }[] }>(await t.api('GET', '/metadata/snapshot'));
    const fieldId = snapshot.objects.find((o) => o.id === 'customer')!.fields.find((f) => f.apiName === 'pet_name')!.id;
    const layout = snapshot.layouts.find((l) => l.objectId === 'customer')!;
    const sections = layout.sections.map((s, i) => (i === 0 ? { ...s, fields: [...s.fields, { fieldId: 'pet_name' }] } : s));
    expect((await t.api('PUT', `/metadata/layouts/${layout.id}`, { objectId: 'customer', name: layout.name, sections })).statusCode).toBe(200);
    const onLayout = json<{ layouts: { id: string; sections: unknown[] }[] }>(await t.api('GET', '/metadata/snapshot')).layouts.find((l) => l.id === layout.id)!;
    expect(JSON.stringify(onLayout.sections)).toContain(`"${fieldId}"`);

    const refused = await t.api('DELETE', '/metadata/objects/customer/fields/pet_name');
    expect(refused.statusCode).toBe(422);
    expect(json<Problem>(refused).errors[0]!.dependents!.map((d) => d.kind)).toEqual(['layout']);

    const removed = await t.api('DELETE', '/metadata/objects/customer/fields/pet_name?removeFromLayouts=true');
    expect(removed.statusCode, removed.body).toBe(200);
    const after = json<{ layouts: { id: string; sections: { fields: { fieldId: string }[] }[] }[]; objects: { id: string; fields: { apiName: string; deletedAt?: string }[] }[] }>(await t.api('GET', '/metadata/snapshot'));
    expect(JSON.stringify(after.layouts.find((l) => l.id === layout.id)!.sections)).not.toContain(`"${fieldId}"`);
    expect(after.objects.find((o) => o.id === 'customer')!.fields.find((f) => f.apiName === 'pet_name')!.deletedAt).toBeDefined();
  });
});

describe('restoring a lookup field whose records point at records gone meanwhile', () => {
  it('clears those values with an event, keeps the others, and the field filters and expands', async () => {
    const field = await t.api('POST', '/metadata/objects/customer/fields', { apiName: 'partner', labels: { en: 'Partner' }, type: 'lookup', lookup: { objectId: 'organization', onDelete: 'setNull', relationshipName: 'partner_customers' } });
    expect(field.statusCode, field.body).toBe(201);
    const [gone, kept, binned] = await Promise.all(['Gone Org', 'Kept Org', 'Binned Org'].map(async (name) => json<{ id: string }>(await t.api('POST', '/records/organization', { name }))));
    const customers = await Promise.all([gone, kept, binned].map(async (org, n) => json<{ id: string }>(await t.api('POST', '/records/customer', { last_name: `Partnered ${n}`, partner: org!.id }))));
    const deleted = await t.api('DELETE', '/metadata/objects/customer/fields/partner');
    expect(deleted.statusCode, deleted.body).toBe(200);
    // While the field is deleted, one target is purged and another sits in the recycle bin: no cascade ran for the field.
    for (const org of [gone, binned]) expect((await t.api('DELETE', `/records/organization/${org!.id}`)).statusCode).toBe(204);
    expect((await t.api('POST', '/recycle-bin/purge', { ids: [gone!.id] })).statusCode).toBe(200);
    const restored = await t.api('POST', `/metadata/revisions/${json<{ revision: number }>(deleted).revision - 1}/restore`);
    expect(restored.statusCode, restored.body).toBe(200);
    const partnerOf = async (id: string) => json<{ partner: unknown }>(await t.api('GET', `/records/customer/${id}`)).partner;
    expect(await Promise.all(customers.map((c) => partnerOf(c.id)))).toEqual([null, kept!.id, null]);
    const expanded = await t.api('GET', `/records/customer?expand=partner&filter=${encodeURIComponent(JSON.stringify({ field: 'partner', op: 'isNull', value: false }))}`);
    expect(expanded.statusCode, expanded.body).toBe(200);
    expect(json<{ data: { id: string; partner: { id: string } }[] }>(expanded).data.map((r) => [r.id, r.partner.id])).toEqual([[customers[1]!.id, kept!.id]]);
    const events = await h.db.system((q) =>
      q.query<{ record_id: string; payload: { cause?: string } }>(`select record_id, payload from outbox where tenant_id = $1 and object_id = 'customer' and event = 'updated' and payload->>'cause' = 'restore'`, [t.id]),
    );
    expect(events.map((e) => e.record_id).sort()).toEqual([customers[0]!.id, customers[2]!.id].sort());
  });
});
