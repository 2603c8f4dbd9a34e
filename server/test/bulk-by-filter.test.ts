import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, json, startHarness, type Harness, type TestTenant } from './harness.ts';

let h: Harness;
let t: TestTenant;
let other: TestTenant;

type Result = { dryRun: boolean; matched: number; limit: number; sample?: { id: string; display_name: string }[]; updated?: number; deleted?: number; results?: { id: string; version: number }[] };
type Problem = { status: number; detail: string; errors: { field: string; code: string; message: string; records?: string[] }[] };

const byLastName = (name: string) => ({ field: 'last_name', op: 'eq', value: name });
const list = async (tenant: TestTenant, filter: unknown) =>
  json<{ data: { id: string; status: string; notes: string | null; version: number }[] }>(await tenant.api('GET', `/records/customer?filter=${encodeURIComponent(JSON.stringify(filter))}&limit=200`)).data;

beforeAll(async () => {
  h = await startHarness();
  t = await createTestTenant(h, 'bulk');
  other = await createTestTenant(h, 'bulk-other');
  const ops = (last_name: string, n: number) => Array.from({ length: n }, (_, i) => ({ op: 'create', data: { first_name: `P${i}`, last_name } }));
  expect((await t.api('POST', '/records/customer/batch', { operations: [...ops('Harbour', 5), ...ops('Quay', 2)] })).statusCode).toBe(200);
  expect((await other.api('POST', '/records/customer/batch', { operations: ops('Harbour', 3) })).statusCode).toBe(200);
});
afterAll(async () => h?.close());

describe('update and delete by filter', () => {
  it('a dry run counts the matches and shows a sample, and changes nothing', async () => {
    const dry = await t.api('POST', '/records/customer/update-by-filter', { filter: byLastName('Harbour'), data: { status: 'active' }, dryRun: true });
    expect(dry.statusCode, dry.body).toBe(200);
    const result = json<Result>(dry);
    expect(result).toMatchObject({ dryRun: true, matched: 5, limit: 1000 });
    expect(result.sample!.map((s) => s.display_name).sort()).toEqual(['P0 Harbour', 'P1 Harbour', 'P2 Harbour', 'P3 Harbour', 'P4 Harbour']);
    expect((await list(t, byLastName('Harbour'))).every((r) => r.status === 'lead')).toBe(true);
  });

  it('updates every match through the save pipeline, only in the caller’s workspace, after the count it was shown', async () => {
    const done = await t.api('POST', '/records/customer/update-by-filter', { filter: JSON.stringify(byLastName('Harbour')), data: { status: 'active', notes: 'moved' }, expectedCount: 5 });
    expect(done.statusCode, done.body).toBe(200);
    expect(json<Result>(done)).toMatchObject({ dryRun: false, matched: 5, updated: 5 });
    const rows = await list(t, byLastName('Harbour'));
    expect(rows.map((r) => [r.status, r.notes, r.version])).toEqual(Array(5).fill(['active', 'moved', 2]));
    expect((await list(t, byLastName('Quay'))).every((r) => r.status === 'lead')).toBe(true);
    expect((await list(other, byLastName('Harbour'))).every((r) => r.status === 'lead' && r.notes === null)).toBe(true);
  });

  it('refuses when the matches changed since the dry run, and writes nothing', async () => {
    const refused = await t.api('POST', '/records/customer/update-by-filter', { filter: byLastName('Quay'), data: { notes: 'x' }, expectedCount: 3 });
    expect(refused.statusCode).toBe(409);
    expect((await list(t, byLastName('Quay'))).every((r) => r.notes === null)).toBe(true);
  });

  it('an invalid value fails the whole request, naming the field once with the records it failed on', async () => {
    const bad = await t.api('POST', '/records/customer/update-by-filter', { filter: byLastName('Quay'), data: { email: 'not an email' } });
    expect(bad.statusCode, bad.body).toBe(422);
    const problem = json<Problem>(bad);
    expect(problem.errors).toHaveLength(1);
    expect(problem.errors[0]).toMatchObject({ field: 'email' });
    expect(problem.errors[0]!.records).toHaveLength(2);
    expect((await list(t, byLastName('Quay'))).every((r) => r.version === 1)).toBe(true);
  });

  it('a bad filter, a missing filter or nothing to set is a 4xx naming the part', async () => {
    const unknown = await t.api('POST', '/records/customer/update-by-filter', { filter: { field: 'warp', op: 'eq', value: 1 }, data: { notes: 'x' } });
    expect(unknown.statusCode).toBe(400);
    expect(json<Problem>(unknown).errors[0]!.field).toBe('warp');
    const empty = await t.api('POST', '/records/customer/delete-by-filter', { filter: {} });
    expect(empty.statusCode).toBe(400);
    expect(json<Problem>(empty).errors[0]!.field).toBe('filter');
    const none = await t.api('POST', '/records/customer/update-by-filter', { filter: byLastName('Quay'), data: {} });
    expect(none.statusCode).toBe(400);
    expect(json<Problem>(none).errors[0]!.field).toBe('data');
    const missing = await t.api('POST', '/records/customer/delete-by-filter', { dryRun: true });
    expect(missing.statusCode).toBe(400);
  });

  it('deletes every match into the recycle bin', async () => {
    const dry = json<Result>(await t.api('POST', '/records/customer/delete-by-filter', { filter: byLastName('Quay'), dryRun: true }));
    expect(dry.matched).toBe(2);
    const done = await t.api('POST', '/records/customer/delete-by-filter', { filter: byLastName('Quay'), expectedCount: dry.matched });
    expect(json<Result>(done)).toMatchObject({ matched: 2, deleted: 2 });
    expect(await list(t, byLastName('Quay'))).toEqual([]);
    const bin = json<{ data: { id: string }[] }>(await t.api('GET', '/recycle-bin?object=customer'));
    expect(bin.data.map((r) => r.id)).toEqual(expect.arrayContaining(json<Result>(done).results!.map((r) => r.id)));
  });

  it('a filter matching more than the limit is refused with the count; the dry run still counts it', async () => {
    const ops = Array.from({ length: 1000 }, (_, i) => ({ op: 'create', data: { first_name: `M${i}`, last_name: 'Many' } }));
    expect((await t.api('POST', '/records/customer/batch', { operations: ops })).statusCode).toBe(200);
    expect((await t.api('POST', '/records/customer', { first_name: 'M1000', last_name: 'Many' })).statusCode).toBe(201);
    expect(json<Result>(await t.api('POST', '/records/customer/delete-by-filter', { filter: byLastName('Many'), dryRun: true })).matched).toBe(1001);
    const refused = await t.api('POST', '/records/customer/delete-by-filter', { filter: byLastName('Many') });
    expect(refused.statusCode).toBe(422);
    expect(json<Problem>(refused).errors[0]).toMatchObject({ field: 'filter', code: 'too_many' });
    expect((await list(t, byLastName('Many'))).length).toBe(200);
  });
});
