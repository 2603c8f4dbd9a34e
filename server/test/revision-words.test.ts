import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, json, startHarness, type Harness, type TestTenant } from './harness.ts';

let h: Harness;
let t: TestTenant;

beforeAll(async () => {
  h = await startHarness();
  t = await createTestTenant(h, 'revwords');
});
afterAll(async () => h?.close());

type Revision = { revision: number; message: string | null };
type Described = { message: string | null; changes: { kind: string; action: string; subject: string; summary: string; details: { property: string; from?: string; to?: string; text: string }[] }[] };

const latest = async () => json<Revision[]>(await t.api('GET', '/metadata/revisions'))[0]!;

describe('revisions in words', () => {
  it('a change that changes nothing makes no revision', async () => {
    const before = await latest();
    const same = await t.api('PATCH', '/metadata/objects/customer/fields/email', { labels: { en: 'Email', 'zh-CN': '电子邮件' } });
    expect(same.statusCode, same.body).toBe(200);
    expect(json<{ revision: number }>(same).revision).toBe(before.revision);
    expect((await latest()).revision).toBe(before.revision);
    // The same request with a real change does make one.
    const changed = await t.api('PATCH', '/metadata/objects/customer/fields/email', { labels: { en: 'E-mail', 'zh-CN': '电子邮件' } });
    expect(json<{ revision: number }>(changed).revision).toBe(before.revision + 1);
  });

  it('says what a revision changed, naming objects and fields by their labels through the terms, in English and Chinese', async () => {
    await t.api('POST', '/metadata/term-sets/healthcare/apply', {});
    const change = await t.api('PATCH', '/metadata/objects/customer/fields/phone', { labels: { en: 'Telephone', 'zh-CN': '电话' }, required: true }, { 'accept-language': 'en' });
    // Records without a phone would break a required field; the standard tenant has none.
    expect(change.statusCode, change.body).toBe(200);
    const revision = json<{ revision: number }>(change).revision;

    const en = json<Described>(await t.api('GET', `/metadata/revisions/${revision}/changes`, undefined, { 'accept-language': 'en' }));
    expect(en.changes).toHaveLength(1);
    const [entry] = en.changes;
    expect(entry!.summary).toBe('Changed Field Telephone of Patient');
    expect(entry!.details.map((d) => d.text)).toEqual(expect.arrayContaining(['Label (English) changed from “Phone” to “Telephone”', 'Required set to yes']));

    const zh = json<Described>(await t.api('GET', `/metadata/revisions/${revision}/changes`, undefined, { 'accept-language': 'zh-CN' }));
    expect(zh.changes[0]!.summary).toBe('修改了患者的字段“电话”');
    expect(zh.changes[0]!.details.map((d) => d.text)).toEqual(expect.arrayContaining(['标签（英文）由“Phone”改为“Telephone”', '必填设为是']));
  });

  it('the platform’s own revision messages are translated; a user’s message is shown as written', async () => {
    const zh = json<Revision[]>(await t.api('GET', '/metadata/revisions', undefined, { 'accept-language': 'zh-CN' }));
    expect(zh.map((r) => r.message)).toContain('应用了医疗术语集');
    // A new workspace's first revision is the platform's too.
    expect(zh.at(-1)!.message).toBe('标准对象');
    const en = json<Revision[]>(await t.api('GET', '/metadata/revisions', undefined, { 'accept-language': 'en' }));
    expect(en.map((r) => r.message)).toContain('Applied the Healthcare term set');
    await t.api('POST', '/metadata/changes', { message: 'Notes for the front desk', operations: [{ op: 'updateField', object: 'customer', field: 'notes', patch: { labels: { en: 'Front desk notes' } } }] });
    const mine = json<Revision[]>(await t.api('GET', '/metadata/revisions', undefined, { 'accept-language': 'zh-CN' }))[0]!;
    expect(mine.message).toBe('Notes for the front desk');
  });

  it('a term renamed, reset or deleted on the Terminology page says so in the reader’s language', async () => {
    const t = await createTestTenant(h, 'termwords');
    const messages = async (locale: string) => json<Revision[]>(await t.api('GET', '/metadata/revisions', undefined, { 'accept-language': locale })).slice(0, 3).map((r) => r.message);
    const forms = { en: { singular: 'Clinic', plural: 'Clinics' }, 'zh-CN': { singular: '诊所' } };
    expect((await t.api('PUT', '/metadata/terms/organization', { forms: { ...forms, en: { singular: 'Practice', plural: 'Practices' } } })).statusCode).toBe(200);
    expect((await t.api('PUT', '/metadata/terms/chair', { forms: { en: { singular: 'Chair', plural: 'Chairs' }, 'zh-CN': { singular: '牙椅' } } })).statusCode).toBe(200);
    expect((await t.api('DELETE', '/metadata/terms/chair')).statusCode).toBe(200);
    expect((await t.api('DELETE', '/metadata/terms/organization')).statusCode).toBe(200);
    expect(await messages('zh-CN')).toEqual(['重置了术语 organization', '删除了术语 chair', '重命名了术语 chair']);
    expect(await messages('en')).toEqual(['Reset term organization', 'Deleted term chair', 'Renamed term chair']);
  });

  it("names the platform's layout in the reader's words when an admin renames it", async () => {
    const snapshot = json<{ layouts: { id: string; objectId: string; name: string; sections: unknown[] }[] }>(await t.api('GET', '/metadata/snapshot'));
    const layout = snapshot.layouts.find((l) => l.objectId === 'organization')!;
    const renamed = await t.api('PUT', `/metadata/layouts/${layout.id}`, { ...layout, name: 'Front desk' });
    expect(renamed.statusCode, renamed.body).toBe(200);
    const revision = json<{ revision: number }>(renamed).revision;
    const zh = json<Described>(await t.api('GET', `/metadata/revisions/${revision}/changes`, undefined, { 'accept-language': 'zh-CN' }));
    expect(zh.changes[0]!.details.map((d) => d.text)).toContain('名称由“诊所布局”改为“Front desk”');
    const en = json<Described>(await t.api('GET', `/metadata/revisions/${revision}/changes`, undefined, { 'accept-language': 'en' }));
    expect(en.changes[0]!.details.map((d) => d.text)).toContain('Name changed from “Clinic layout” to “Front desk”');
  });

  it('a revision of terms says which words changed', async () => {
    const revisions = json<Revision[]>(await t.api('GET', '/metadata/revisions', undefined, { 'accept-language': 'en' }));
    const applied = revisions.find((r) => r.message === 'Applied the Healthcare term set')!;
    const described = json<Described>(await t.api('GET', `/metadata/revisions/${applied.revision}/changes`, undefined, { 'accept-language': 'en' }));
    const customer = described.changes.find((c) => c.kind === 'term' && c.subject === 'Term customer')!;
    expect(customer.details.map((d) => d.text)).toContain('Words (English, singular) changed from “customer” to “patient”');
  });
});
