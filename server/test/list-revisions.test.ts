import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, json, startHarness, type Harness, type TestTenant } from './harness.ts';

let h: Harness;
let t: TestTenant;

beforeAll(async () => {
  h = await startHarness();
  t = await createTestTenant(h, 'lrev');
});
afterAll(async () => h?.close());

type Page = { data: Record<string, unknown>[]; nextCursor: string | null };

async function list(path: string): Promise<Page> {
  const response = await t.api('GET', path);
  expect(response.statusCode, response.body).toBe(200);
  return json(response) as unknown as Page;
}

// A list asked again and again is planned and compiled once per metadata revision; what it
// answers must still follow every change of the fields it shows and expands.
describe('the same list across metadata revisions', () => {
  it('shows an added field, hides a deleted one, in the records and in their expanded lookups, and pages on', async () => {
    const orgIds: string[] = [];
    for (const name of ['Alder Labs', 'Birch Works', 'Cedar Health']) {
      const created = await t.api('POST', '/records/organization', { name });
      expect(created.statusCode, created.body).toBe(201);
      orgIds.push(json(created)['id'] as string);
    }
    for (const [i, orgId] of orgIds.entries()) {
      const created = await t.api('POST', '/records/customer', { first_name: `Client ${i}`, last_name: 'Stone', organization: orgId });
      expect(created.statusCode, created.body).toBe(201);
    }
    const organizations = `/records/organization?sort=name&limit=2`;
    const customers = `/records/customer?filter=${encodeURIComponent(JSON.stringify({ field: 'last_name', op: 'eq', value: 'Stone' }))}&sort=first_name&limit=2&expand=organization`;

    const first = await list(organizations);
    expect((await list(organizations)).data).toEqual(first.data);
    expect(first.data.map((r) => r['name'])).toEqual(['Alder Labs', 'Birch Works']);
    expect(first.data[0]).not.toHaveProperty('tier');
    const before = await list(customers);
    expect(before.data.map((r) => (r['organization'] as Record<string, unknown>)['name'])).toEqual(['Alder Labs', 'Birch Works']);
    expect(before.data[0]!['organization']).not.toHaveProperty('tier');

    const added = await t.api('POST', '/metadata/objects/organization/fields', { apiName: 'tier', type: 'text', labels: { en: 'Tier' } });
    expect(added.statusCode, added.body).toBe(201);
    const tiered = await t.api('PATCH', `/records/organization/${orgIds[0]!}`, { tier: 'gold' });
    expect(tiered.statusCode, tiered.body).toBe(200);

    const withTier = await list(organizations);
    expect(withTier.data.map((r) => r['tier'])).toEqual(['gold', null]);
    const expandedWithTier = await list(customers);
    expect(expandedWithTier.data.map((r) => (r['organization'] as Record<string, unknown>)['tier'])).toEqual(['gold', null]);
    const rest = await list(`${customers}&cursor=${encodeURIComponent(expandedWithTier.nextCursor!)}`);
    expect(rest.data.map((r) => (r['organization'] as Record<string, unknown>)['name'])).toEqual(['Cedar Health']);
    expect(rest.nextCursor).toBeNull();

    const deleted = await t.api('DELETE', '/metadata/objects/organization/fields/tier');
    expect(deleted.statusCode, deleted.body).toBe(200);
    const withoutTier = await list(organizations);
    expect(withoutTier.data.map((r) => r['name'])).toEqual(['Alder Labs', 'Birch Works']);
    expect(withoutTier.data[0]).not.toHaveProperty('tier');
    const expandedWithoutTier = await list(customers);
    expect(expandedWithoutTier.data[0]!['organization']).not.toHaveProperty('tier');
  });
});
