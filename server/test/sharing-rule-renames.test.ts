import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, json, startHarness, type Harness, type TestTenant } from './harness.ts';

let h: Harness;
let t: TestTenant;
beforeAll(async () => {
  h = await startHarness();
  t = await createTestTenant(h, 'rule-renames');
});
afterAll(async () => h?.close());

const change = async (operations: unknown[]) => {
  const response = await t.api('POST', '/metadata/changes', { operations });
  expect(response.statusCode, response.body).toBe(200);
};

describe('a sharing rule whose field or picklist value is renamed', () => {
  it('follows the rename: saves of the object go on, the rule reads the new names and still shares what it matched', async () => {
    await change([
      { op: 'createField', object: 'deal', field: { apiName: 'region', type: 'text', labels: { en: 'Region' } } },
      { op: 'createField', object: 'deal', field: { apiName: 'tier', type: 'picklist', labels: { en: 'Tier' }, values: [{ apiName: 'gold', labels: { en: 'Gold' } }, { apiName: 'silver', labels: { en: 'Silver' } }] } },
    ]);
    const role = json<{ id: string }>(await t.api('POST', '/access/roles', { name: 'North team' }));
    const user = json<{ id: string }>(await t.api('POST', '/users', { email: `north@${t.slug}.test`, name: 'North rep', role: 'standard', password: 'a long enough password' }));
    expect((await t.api('PUT', `/access/users/${user.id}`, { roleId: role.id })).statusCode).toBe(200);
    expect((await t.api('PUT', '/access/sharing', { objects: { deal: 'private' } })).statusCode).toBe(200);
    const rule = json<{ id: string }>(
      await t.api('POST', '/access/sharing-rules', { object: 'deal', name: 'Northern gold', condition: "region == 'North' && tier == 'gold'", granteeKind: 'role', granteeId: role.id, access: 'read', active: true }),
    );

    await change([{ op: 'updateField', object: 'deal', field: 'region', patch: { apiName: 'territory' } }]);
    await change([{ op: 'removeAlias', object: 'deal', field: 'territory', apiName: 'region' }]);
    const tier = json<{ fields: { apiName: string; values?: { apiName: string }[] }[] }>(await t.api('GET', '/metadata/objects/deal')).fields.find((f) => f.apiName === 'tier')!;
    await change([{ op: 'updateField', object: 'deal', field: 'tier', patch: { values: tier.values!.map((v) => (v.apiName === 'gold' ? { ...v, apiName: 'platinum' } : v)) } }]);

    const rules = json<{ id: string; condition: string }[]>(await t.api('GET', '/access/sharing-rules'));
    expect(rules.find((r) => r.id === rule.id)?.condition).toBe("territory == 'North' && tier == 'platinum'");
    const created = await t.api('POST', '/records/deal', { name: 'Northern deal', territory: 'North', tier: 'platinum' });
    expect(created.statusCode, created.body).toBe(201);
    const deal = json<{ id: string }>(created);
    const explained = json<{ can: { read: boolean }; record: { because: string[] } }>(await t.api('GET', `/access/explain?user=${user.id}&object=deal&record=${deal.id}`));
    expect(explained.can.read, explained.record.because.join(' ')).toBe(true);
  });

  it('refuses a change that deletes a field a rule reads, naming the rule, and keeps the rule as it was', async () => {
    await change([{ op: 'createField', object: 'deal', field: { apiName: 'channel_code', type: 'text', labels: { en: 'Channel code' } } }]);
    const role = json<{ id: string }>(await t.api('POST', '/access/roles', { name: 'Channel team' }));
    const rule = json<{ id: string }>(await t.api('POST', '/access/sharing-rules', { object: 'deal', name: 'Partner channel', condition: "channel_code == 'P'", granteeKind: 'role', granteeId: role.id, access: 'read', active: true }));
    const deleted = await t.api('POST', '/metadata/changes', { operations: [{ op: 'deleteField', object: 'deal', field: 'channel_code', removeFromLayouts: true }] });
    expect(deleted.statusCode, deleted.body).toBe(422);
    expect(json<{ errors: { code: string; message: string; dependents?: { kind: string; id: string }[] }[] }>(deleted).errors).toEqual([
      expect.objectContaining({ code: 'has_dependents', message: expect.stringContaining("'Partner channel'"), dependents: [expect.objectContaining({ kind: 'sharingRule', id: rule.id })] }),
    ]);
    expect((await t.api('POST', '/records/deal', { name: 'Still saved', channel_code: 'P' })).statusCode).toBe(201);
  });
});
