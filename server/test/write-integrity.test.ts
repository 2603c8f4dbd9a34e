import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Principal } from '../src/auth/principal.ts';
import type { RequestContext } from '../src/data/request-context.ts';
import { CREATE_RECORDS_FUNCTION_SQL } from '../src/db/migrations.ts';
import { createTestTenant, json, startHarness, type Harness, type TestTenant } from './harness.ts';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

function principalOf(t: TestTenant): Principal {
  return { tenantId: t.id, tenantSlug: t.slug, tenantName: t.slug, userId: t.adminId, userName: 'Test Admin', role: 'admin', locale: 'en', via: 'apiKey' };
}

async function contextOf(t: TestTenant): Promise<RequestContext> {
  return { principal: principalOf(t), model: await h.server.metadata.model(t.id) };
}

/** Whether some backend waits on a lock that backend `pid` holds. */
async function blockedBy(pid: number): Promise<boolean> {
  const [row] = await h.db.system((q) => q.query<{ waiting: boolean }>('select exists (select 1 from pg_stat_activity where $1 = any(pg_blocking_pids(pid))) as waiting', [pid]));
  return row!.waiting;
}

async function waitUntil(what: string, condition: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function ok(response: { statusCode: number; body: string }, status = 200): Promise<void> {
  expect(response.statusCode, response.body).toBe(status);
}

const gadget = {
  op: 'createObject',
  object: {
    apiName: 'gadget',
    labels: { en: { singular: 'Gadget', plural: 'Gadgets' } },
    fields: [
      { apiName: 'name', type: 'text', labels: { en: 'Name' }, required: true },
      { apiName: 'code', type: 'text', labels: { en: 'Code' } },
      { apiName: 'serial', type: 'text', labels: { en: 'Serial' } },
      { apiName: 'weight', type: 'number', labels: { en: 'Weight' } },
    ],
  },
};

/** A tenant whose gadgets have a `maker` lookup to organizations, with one live organization and one deleted. */
async function partsWithMaker(slug: string): Promise<{ t: TestTenant; live: string; gone: string }> {
  const t = await createTestTenant(h, slug);
  const part = { ...gadget, object: { ...gadget.object, fields: [...gadget.object.fields, { apiName: 'maker', type: 'lookup', labels: { en: 'Maker' }, lookup: { objectId: 'organization', onDelete: 'setNull', relationshipName: 'parts' } }] } };
  await ok(await t.api('POST', '/metadata/changes', { operations: [part] }));
  const [live, gone] = json<{ results: { id: string }[] }>(
    await t.api('POST', '/records/organization/batch', { operations: ['Live', 'Gone'].map((name) => ({ op: 'create', data: { name } })) }),
  ).results.map((r) => r.id);
  await ok(await t.api('DELETE', `/records/organization/${gone}`), 204);
  return { t, live: live!, gone: gone! };
}

describe('the metadata revision fence', () => {
  it('a create that needs no transaction commits through create_records, whose insert is the transactional path\'s own statement', async () => {
    const [fn] = await h.db.system((q) => q.query<{ source: string }>("select prosrc as source from pg_proc where proname = 'create_records'"));
    // A change to the insert statement without a migration re-creating the function fails here.
    expect(CREATE_RECORDS_FUNCTION_SQL).toContain(fn!.source.trim());
    const t = await createTestTenant(h, 'alone');
    await ok(await t.api('POST', '/metadata/changes', { operations: [gadget] }));
    const created = json<{ id: string; version: number; name: string }>(await t.api('POST', '/records/gadget', { name: 'Alone', weight: 2 }));
    expect(created).toMatchObject({ name: 'Alone', version: 1 });
    const [event] = await h.db.transaction(t.id, (q) => q.query<{ event: string }>('select event from outbox_event where record_id = $1', [created.id]));
    expect(event?.event).toBe('created');
  });

  it('a write validated against an older revision is validated again against the revision it commits with', async () => {
    const t = await createTestTenant(h, 'fence');
    await ok(await t.api('POST', '/metadata/changes', { operations: [gadget] }));
    const stale = await contextOf(t);
    const object = h.server.data.object(stale.model, 'gadget');
    await ok(await t.api('PATCH', '/metadata/objects/gadget/fields/code', { required: true, backfill: 'none' }));
    await expect(h.server.data.create(stale, object, { name: 'Late' })).rejects.toMatchObject({ status: 422, errors: [{ field: 'code', code: 'required' }] });

    await ok(await t.api('POST', '/records/gadget', { name: 'First', code: 'a', serial: 'S-1' }), 201);
    const beforeUnique = await contextOf(t);
    await ok(await t.api('PATCH', '/metadata/objects/gadget/fields/serial', { unique: true }));
    await expect(h.server.data.create(beforeUnique, object, { name: 'Copy', code: 'b', serial: 's-1 ' })).rejects.toMatchObject({ status: 409, errors: [{ field: 'serial', code: 'unique' }] });
    expect(json<{ total: number }>(await t.api('GET', '/records/gadget?count=true&limit=1')).total).toBe(1);
  });

  it('writes streaming while fields are made required, unique, deleted and purged never break the model they commit with', async () => {
    const t = await createTestTenant(h, 'stream');
    await ok(await t.api('POST', '/metadata/changes', { operations: [gadget] }));
    let i = 0;
    let running = true;
    const statuses = new Map<number, number>();
    const writer = async () => {
      while (running && i < 400) {
        const n = i++;
        // Half the writes leave `code` out: once it is required they must be refused, never saved empty.
        const body = { name: `G${n}`, serial: `S-${n}`, weight: n, ...(n % 2 ? { code: `c${n}` } : {}) };
        const r = await t.api('POST', '/records/gadget', body);
        statuses.set(r.statusCode, (statuses.get(r.statusCode) ?? 0) + 1);
      }
    };
    const writers = Array.from({ length: 4 }, writer);
    const waitFor = async (count: number) => {
      const deadline = Date.now() + 20_000;
      while (i < count && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
    };
    await waitFor(40);
    await ok(await t.api('PATCH', '/metadata/objects/gadget/fields/code', { required: true, backfill: 'none' }));
    await waitFor(100);
    await ok(await t.api('PATCH', '/metadata/objects/gadget/fields/serial', { unique: true }));
    await waitFor(160);
    const layouts = json<{ layouts: { id: string; objectId: string; sections: { fields: { fieldId: string }[] }[] }[] }>(await t.api('GET', '/metadata/snapshot')).layouts;
    const weightId = (await h.server.metadata.model(t.id)).field((await h.server.metadata.model(t.id)).object('gadget')!, 'weight')!.id;
    for (const layout of layouts.filter((l) => l.sections.some((s) => s.fields.some((f) => f.fieldId === weightId)))) {
      const sections = layout.sections.map((s) => ({ ...s, fields: s.fields.filter((f) => f.fieldId !== weightId) }));
      await ok(await t.api('PUT', `/metadata/layouts/${layout.id}`, { ...layout, sections }));
    }
    await ok(await t.api('DELETE', '/metadata/objects/gadget/fields/weight'));
    await ok(await t.api('POST', '/metadata/changes', { operations: [{ op: 'purgeField', object: 'gadget', field: 'weight' }] }));
    // The new number field takes the slot the purge freed.
    await ok(await t.api('POST', '/metadata/objects/gadget/fields', { apiName: 'score', type: 'number', labels: { en: 'Score' } }), 201);
    await waitFor(220);
    running = false;
    await Promise.all(writers);
    expect([...statuses.keys()].every((s) => s === 201 || s === 422), JSON.stringify([...statuses])).toBe(true);
    expect(statuses.get(201)).toBeGreaterThan(50);

    const model = await h.server.metadata.model(t.id);
    const object = model.object('gadget')!;
    const field = (name: string) => object.fields.find((f) => f.apiName === name)!.id;
    const slot = Object.entries(object.indexSlots ?? {}).find(([, id]) => id === field('score'))?.[0];
    expect(slot, 'score took an index slot').toBeDefined();
    const [facts] = await h.db.system((q) =>
      q.query<{ missing_code: number; unclaimed_serial: number; stale_slot: number; with_weight: number }>(
        `select count(*) filter (where not data ? $3)::int as missing_code,
                count(*) filter (where data ? $4 and not exists (select 1 from record_unique u where u.tenant_id = r.tenant_id and u.record_id = r.id and u.field_id = $4))::int as unclaimed_serial,
                count(*) filter (where ix_${slot} is not null and not data ? $5)::int as stale_slot,
                count(*) filter (where data ? $6)::int as with_weight
           from record r where tenant_id = $1 and object_id = $2 and deleted_at is null`,
        [t.id, object.id, field('code'), field('serial'), field('score'), object.fields.find((f) => f.apiName === 'weight')?.id ?? 'purged'],
      ),
    );
    expect(facts).toEqual({ missing_code: 0, unclaimed_serial: 0, stale_slot: 0, with_weight: 0 });
    const filtered = await t.api('GET', '/records/gadget?filter=' + encodeURIComponent(JSON.stringify({ field: "score", op: "gte", value: 0 })) + '&limit=200');
    expect(filtered.statusCode, filtered.body).toBe(200);
    expect(json<{ data: unknown[] }>(filtered).data).toHaveLength(0);
  });
});

describe('a record restored from the recycle bin meets the model as it is now', () => {
  it('is refused by field when a field was made required or shorter meanwhile, or its required lookup\'s record is gone; restored once it would be valid', async () => {
    const t = await createTestTenant(h, 'restore-model');
    await ok(await t.api('POST', '/metadata/objects/customer/fields', { apiName: 'tier', labels: { en: 'Tier' }, type: 'text', maxLength: 50 }), 201);
    const customer = json<{ id: string }>(await t.api('POST', '/records/customer', { last_name: 'Binned', tier: 'a rather long tier name' }));
    const kept = json<{ id: string }>(await t.api('POST', '/records/customer', { last_name: 'Kept', tier: 'silver' }));
    const untiered = json<{ id: string }>(await t.api('POST', '/records/customer', { last_name: 'Untiered' }));
    expect((await t.api('DELETE', `/records/customer/${untiered.id}`)).statusCode).toBe(204);
    const activity = json<{ id: string }>(await t.api('POST', '/records/activity', { subject: 'Call', type: 'call', customer: kept.id }));
    expect((await t.api('DELETE', `/records/customer/${customer.id}`)).statusCode).toBe(204);
    // A tighter limit while the record sits in the bin.
    await ok(await t.api('PATCH', '/metadata/objects/customer/fields/tier', { maxLength: 10 }));
    const tooLong = await t.api('POST', `/records/customer/${customer.id}/restore`);
    expect(tooLong.statusCode, tooLong.body).toBe(422);
    expect(json<{ errors: { field: string; code: string }[] }>(tooLong).errors).toEqual([expect.objectContaining({ field: 'tier', code: 'max_length' })]);
    await ok(await t.api('PATCH', '/metadata/objects/customer/fields/tier', { maxLength: 50 }));
    // Then made required: no live record lacks a tier, so no backfill is asked for (one would reach the bin too),
    // and the binned record without one keeps lacking it.
    await ok(await t.api('PATCH', '/metadata/objects/customer/fields/tier', { required: true }));
    const binnedLong = await t.api('POST', `/records/customer/${customer.id}/restore`);
    expect(binnedLong.statusCode, binnedLong.body).toBe(200);
    // The activity's customer deleted by itself: the activity's required lookup would point at nothing.
    expect((await t.api('DELETE', `/records/activity/${activity.id}`)).statusCode).toBe(204);
    expect((await t.api('DELETE', `/records/customer/${kept.id}`)).statusCode).toBe(204);
    const orphan = await t.api('POST', `/records/activity/${activity.id}/restore`);
    expect(orphan.statusCode, orphan.body).toBe(422);
    expect(json<{ errors: { field: string; code: string }[] }>(orphan).errors).toEqual([expect.objectContaining({ field: 'customer', code: 'target_deleted' })]);
    expect((await t.api('GET', `/records/activity/${activity.id}`)).statusCode).toBe(404);
    // Its customer restored first, then it.
    await ok(await t.api('POST', `/records/customer/${kept.id}/restore`));
    await ok(await t.api('POST', `/records/activity/${activity.id}/restore`));
    // Deleted before the tier was required, with none: its restore names the field.
    const untieredBack = await t.api('POST', `/records/customer/${untiered.id}/restore`);
    expect(untieredBack.statusCode, untieredBack.body).toBe(422);
    expect(json<{ errors: { field: string; code: string }[] }>(untieredBack).errors).toEqual([expect.objectContaining({ field: 'tier', code: 'required' })]);
    expect((await t.api('GET', `/records/customer/${untiered.id}`)).statusCode).toBe(404);
  });
});

describe('an access shape that expires while a write holds its transaction', () => {
  // A principal's access shape is cached for a minute. A write that found it fresh before its
  // transaction and expired inside it loaded it again through another connection: on PGlite, whose
  // one connection the write held, that waited for ever, and the whole server with it.
  it('is loaded again in that transaction: creates, updates and batches complete, and the server keeps serving', async () => {
    const t = await createTestTenant(h, 'shape-expiry');
    const org = json<{ id: string }>(await t.api('POST', '/records/organization', { name: 'Expiry Org' }));
    const access = h.server.access;
    const fresh = access.cachedShape.bind(access);
    let checks = 0;
    // Fresh at the first look of each write, expired at every later one.
    const spy = vi.spyOn(access, 'cachedShape').mockImplementation((principal) => (checks++ === 0 ? fresh(principal) : undefined));
    const within = <T>(what: string, work: Promise<T>) =>
      Promise.race([work, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} did not complete in 15 s`)), 15_000))]);
    try {
      checks = 0;
      const created = await within('a create', t.api('POST', '/records/customer', { last_name: 'Expiry', organization: org.id }));
      expect(created.statusCode, created.body).toBe(201);
      const id = String(json(created)['id']);
      checks = 0;
      const updated = await within('an update', t.api('PATCH', `/records/customer/${id}`, { first_name: 'Mid', organization: org.id }));
      expect(updated.statusCode, updated.body).toBe(200);
      checks = 0;
      const batch = await within('a batch', t.api('POST', '/records/customer/batch', { operations: [{ op: 'create', data: { last_name: 'Batched', organization: org.id } }, { op: 'update', id, data: { first_name: 'Again' } }] }));
      expect(batch.statusCode, batch.body).toBe(200);
    } finally {
      spy.mockRestore();
    }
    expect((await t.api('GET', '/records/customer?limit=5')).statusCode).toBe(200);
  });
});

describe('integrity under concurrency', () => {
  it('a lookup never points at a deleted record, whichever of link and delete comes first', async () => {
    const t = await createTestTenant(h, 'link');
    const orgs = json<{ results: { id: string }[] }>(
      await t.api('POST', '/records/organization/batch', { operations: Array.from({ length: 30 }, (_, n) => ({ op: 'create', data: { name: `Org ${n}` } })) }),
    ).results.map((r) => r.id);
    await Promise.all(
      orgs.flatMap((org, n) => [
        t.api('POST', '/records/customer', { first_name: 'C', last_name: String(n), organization: org }),
        t.api('DELETE', `/records/organization/${org}`),
      ]),
    );
    const [dangling] = await h.db.system((q) =>
      q.query<{ n: number }>(
        `select count(*)::int as n from record c
          where c.tenant_id = $1 and c.object_id = 'customer' and c.deleted_at is null and c.data ? 'organization'
            and not exists (select 1 from record o where o.tenant_id = c.tenant_id and o.object_id = 'organization' and o.id = (c.data->>'organization')::uuid and o.deleted_at is null)`,
        [t.id],
      ),
    );
    expect(dangling!.n).toBe(0);
  });

  it('creates sent at once share statements, and one that names a deleted lookup target fails alone', async () => {
    const { t, live, gone } = await partsWithMaker('group');
    const ctx = await contextOf(t);
    const object = h.server.data.object(ctx.model, 'gadget');
    await h.server.data.create(ctx, object, { name: 'Warm', maker: live });

    // Called in one go, as requests arriving together are: the creates queue behind the first ones.
    const createAtOnce = (count: number, makerOf: (n: number) => string) =>
      Promise.allSettled(Array.from({ length: count }, (_, n) => h.server.data.create(ctx, object, { name: `Part ${n}`, weight: n, maker: makerOf(n) })));
    const first = await createAtOnce(40, () => live);
    const saved = first.map((r) => (r.status === 'fulfilled' ? r.value : expect.fail(String(r.reason))));
    // Each caller gets its own record, saved with its own values.
    expect(saved.map((r) => `${String(r['name'])}/${String(r['weight'])}`)).toEqual(Array.from({ length: 40 }, (_, n) => `Part ${n}/${n}`));
    const [shared] = await h.db.transaction(t.id, (q) =>
      q.query<{ events: number; transactions: number }>("select count(*)::int as events, count(distinct txid)::int as transactions from outbox_event where record_id = any($1::uuid[]) and event = 'created'", [saved.map((r) => r.id)]),
    );
    expect(shared!.events).toBe(40);
    expect(shared!.transactions).toBeLessThan(10);

    const second = await createAtOnce(40, (n) => (n === 17 ? gone : live));
    expect(second.filter((r) => r.status === 'rejected')).toHaveLength(1);
    expect(second[17]).toMatchObject({ status: 'rejected', reason: { status: 422, errors: [{ field: 'maker' }] } });
    expect(json<{ total: number }>(await t.api('GET', '/records/gadget?count=true&limit=1')).total).toBe(80);
  });

  it('a batch of creates is saved in one statement, and one naming a deleted lookup target fails the whole batch at its index', async () => {
    const { t, live, gone } = await partsWithMaker('batch-alone');

    const batch = (makerOf: (n: number) => string) => t.api('POST', '/records/gadget/batch?return=representation', { operations: Array.from({ length: 30 }, (_, n) => ({ op: 'create', data: { name: `Batch ${n}`, weight: n, maker: makerOf(n) } })) });
    const saved = json<{ data: { id: string; version: number; name: string; weight: number; maker: string }[] }>(await batch(() => live)).data;
    expect(saved.map((r) => `${r.name}/${r.weight}/${r.maker === live}/${r.version}`)).toEqual(Array.from({ length: 30 }, (_, n) => `Batch ${n}/${n}/true/1`));
    const [written] = await h.db.transaction(t.id, (q) =>
      q.query<{ rows: number; events: number }>('select count(*)::int as rows, sum(cardinality(record_ids))::int as events from outbox where record_ids && $1::uuid[]', [saved.map((r) => r.id)]),
    );
    expect(written).toEqual({ rows: 1, events: 30 });

    const refused = await batch((n) => (n === 12 ? gone : live));
    expect(refused.statusCode, refused.body).toBe(422);
    expect(json<{ errors: { field: string; index: number }[] }>(refused).errors).toEqual([expect.objectContaining({ field: 'maker', index: 12 })]);
    expect(json<{ total: number }>(await t.api('GET', '/records/gadget?count=true&limit=1')).total).toBe(30);
  });

  it('a bulk batch (values as JSON, derived columns as arrays) stores every column as the same record created alone does, whatever its texts hold', async () => {
    const { t, live, gone } = await partsWithMaker('arrays-input');
    await ok(
      await t.api('POST', '/metadata/changes', {
        operations: [
          { op: 'createField', object: 'gadget', field: { apiName: 'contact', type: 'email', labels: { en: 'Contact' } } },
          { op: 'createField', object: 'gadget', field: { apiName: 'line', type: 'phone', labels: { en: 'Line' } } },
          { op: 'createField', object: 'gadget', field: { apiName: 'grade', type: 'picklist', labels: { en: 'Grade' }, values: [{ apiName: 'a', labels: { en: 'A' } }, { apiName: 'b', labels: { en: 'B' } }] } },
          { op: 'createField', object: 'gadget', field: { apiName: 'due', type: 'date', labels: { en: 'Due' } } },
          { op: 'createField', object: 'gadget', field: { apiName: 'seen', type: 'datetime', labels: { en: 'Seen' } } },
        ],
      }),
    );
    // Texts an array literal must quote or escape, one that reads as its null, other scripts; values left out now and then.
    const names = ['Quote "q"', 'Back\\slash', 'Comma, {brace} (paren)', 'NULL', '陈美玲', 'Émile Zola', '  spaced  ', "It's"];
    const values = Array.from({ length: 70 }, (_, n) => ({
      name: n === 3 ? 'NULL' : `${names[n % names.length]} ${n}`,
      ...(n % 5 ? { contact: `u.${n}+"x"@example.com`.replace('"x"', 'x') } : {}),
      ...(n % 4 ? { line: `+1 555 01${String(n).padStart(2, '0')}` } : {}),
      ...(n % 3 ? { grade: n % 2 ? 'a' : 'b' } : {}),
      ...(n % 6 ? { weight: n % 7 ? n * 1.5 - 20 : 0 } : {}),
      ...(n % 2 ? { due: `2026-0${1 + (n % 9)}-1${n % 10}` } : {}),
      ...(n % 3 ? { seen: new Date(Date.UTC(2026, 0, 1) + n * 3_600_000).toISOString() } : {}),
      ...(n % 4 !== 1 ? { maker: live } : {}),
    }));
    const batch = json<{ results: { id: string }[] }>(await t.api('POST', '/records/gadget/batch', { operations: values.map((data) => ({ op: 'create', data })) })).results.map((r) => r.id);
    const alone: string[] = [];
    for (const data of values) alone.push(json<{ id: string }>(await t.api('POST', '/records/gadget', data)).id);
    expect(batch).toHaveLength(70);

    const columns = 'data, search_text, owner_id, created_by, version, ix_t1, ix_t2, ix_t3, ix_t4, ix_n1, ix_n2, ix_d1, ix_d2';
    const rows = async (ids: string[]) => {
      const found = await h.db.transaction(t.id, (q) => q.query<Record<string, unknown> & { id: string }>(`select id, ${columns} from record where id = any($1::uuid[])`, [ids]));
      const byId = new Map(found.map(({ id, ...rest }) => [id, rest]));
      return ids.map((id) => byId.get(id));
    };
    const [fromBatch, fromAlone] = [await rows(batch), await rows(alone)];
    expect(fromBatch).toEqual(fromAlone);
    expect(Object.values(fromBatch[3]!['data'] as Record<string, unknown>)).toContain('NULL');
    // Every slot the object has was written by both: the comparison covered them.
    const slotsUsed = ['ix_t1', 'ix_t2', 'ix_t3', 'ix_t4', 'ix_n1', 'ix_n2', 'ix_d1', 'ix_d2'].filter((c) => fromBatch.some((r) => r![c] !== null));
    expect(slotsUsed.length).toBeGreaterThanOrEqual(4);
    const found = json<{ data: { id: string }[] }>(await t.api('GET', `/records/gadget?filter=${encodeURIComponent(JSON.stringify({ field: 'grade', op: 'eq', value: 'a' }))}&limit=200`)).data.map((r) => r.id);
    expect(found.filter((id) => batch.includes(id)).length).toBe(values.filter((v) => v.grade === 'a').length);
    const searched = json<{ data: { id: string }[] }>(await t.api('GET', `/search?q=${encodeURIComponent('Back\\slash 9')}`));
    expect(JSON.stringify(searched)).toContain(batch[9]!);

    // One outbox row names the batch's records in order; a deleted lookup target fails the whole batch at its index.
    const [event] = await h.db.transaction(t.id, (q) => q.query<{ ids: string[] }>('select record_ids::text[] as ids from outbox where record_ids && $1::uuid[]', [batch]));
    expect(event!.ids).toEqual(batch);
    const refused = await t.api('POST', '/records/gadget/batch', { operations: values.map((data, n) => ({ op: 'create', data: { ...data, maker: n === 66 ? gone : live } })) });
    expect(refused.statusCode, refused.body).toBe(422);
    expect(json<{ errors: { field: string; index: number }[] }>(refused).errors).toEqual([expect.objectContaining({ field: 'maker', index: 66 })]);
  });

  it('holding a link open makes a concurrent delete wait for it and then apply its on-delete rule to it', async () => {
    const t = await createTestTenant(h, 'hold');
    const org = String(json(await t.api('POST', '/records/organization', { name: 'Held' }))['id']);
    const ctx = await contextOf(t);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let linked!: () => void;
    const linkedNow = new Promise<void>((resolve) => (linked = resolve));
    let linkPid: number | undefined;
    const link = h.server.data.save.inScope(ctx, async (scope, inner) => {
      const customer = await h.server.data.create(inner, inner.model.object('customer')!, { first_name: 'Late', last_name: 'Link', organization: org });
      if (h.db.kind === 'postgres') linkPid = (await scope.tx.query<{ pid: number }>('select pg_backend_pid() as pid'))[0]!.pid;
      linked();
      await gate;
      return String(customer['id']);
    });
    await linkedNow;
    const deleting = t.api('DELETE', `/records/organization/${org}`);
    // On PostgreSQL the link is released once the delete is seen waiting on it; on PGlite the
    // delete queues behind the open transaction whenever it comes, so it is released at once.
    if (linkPid !== undefined) await waitUntil('the delete to wait on the link', () => blockedBy(linkPid!));
    release();
    const customer = await link;
    const deleted = await deleting;
    expect(deleted.statusCode, deleted.body).toBe(204);
    // The lookup's rule (set null) reached the customer linked a moment before: nothing dangles.
    expect(json(await t.api('GET', `/records/customer/${customer}`))['organization']).toBeNull();
  });

  it('releasing a unique value removes only the claim of the record that held it', async () => {
    const t = await createTestTenant(h, 'claim');
    await ok(await t.api('POST', '/metadata/objects/organization/fields', { apiName: 'tax_id', type: 'text', labels: { en: 'Tax ID' }, unique: true }), 201);
    const holder = String(json(await t.api('POST', '/records/organization', { name: 'Holder', tax_id: 'T-1' }))['id']);
    const model = await h.server.metadata.model(t.id);
    const taxId = model.field(model.object('organization')!, 'tax_id')!.id;
    // A record stored with the same value but no claim (as data written before a bug fix would be).
    const twin = String(json(await t.api('POST', '/records/organization', { name: 'Twin' }))['id']);
    await h.db.system((q) => q.query(`update record set data = data || jsonb_build_object($3::text, 't-1') where tenant_id = $1 and id = $2`, [t.id, twin, taxId]));
    await ok(await t.api('DELETE', `/records/organization/${twin}`), 204);
    const copy = await t.api('POST', '/records/organization', { name: 'Copy', tax_id: ' t-1' });
    expect(copy.statusCode, copy.body).toBe(409);
    expect(json((await t.api('GET', `/records/organization/${holder}`)))['tax_id']).toBe('T-1');
  });

  it('user emails are unique whatever their case, even when created at once', async () => {
    const t = await createTestTenant(h, 'mail');
    const user = (email: string) => t.api('POST', '/users', { email, name: 'Twin', role: 'standard', password: 'long enough secret' });
    const results = await Promise.all([user('Same@Example.com'), user('same@example.COM'), user('SAME@example.com')]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409, 409]);
  });

  it('batches updating the same records in opposite orders are saved or refused to retry, never a 5xx, and no update is lost', async () => {
    const t = await createTestTenant(h, 'cross');
    const [a, b] = await Promise.all(
      ['A', 'B'].map(async (name) => {
        const created = await t.api('POST', '/records/organization', { name });
        await ok(created, 201);
        return json<{ id: string }>(created).id;
      }),
    );
    const batch = (ids: string[], n: number) => t.api('POST', '/records/organization/batch', { operations: ids.map((id) => ({ op: 'update', id, data: { name: `Batch ${n}` } })) });
    const answers = await Promise.all(Array.from({ length: 24 }, (_, n) => batch(n % 2 ? [a!, b!] : [b!, a!], n)));
    const statuses = answers.map((r) => r.statusCode);
    expect(statuses.filter((s) => s !== 200 && s !== 409), answers.map((r) => r.body.slice(0, 200)).join('\n')).toEqual([]);
    const saved = statuses.filter((s) => s === 200).length;
    expect(saved).toBeGreaterThan(0);
    for (const id of [a, b]) expect(json<{ version: number }>(await t.api('GET', `/records/organization/${id}`)).version).toBe(1 + saved);
  });

  it('a batch keeps the order of its operations, and a second upsert of a key updates what the first created', async () => {
    const t = await createTestTenant(h, 'order');
    await ok(await t.api('POST', '/metadata/objects/organization/fields', { apiName: 'tax_id', type: 'text', labels: { en: 'Tax ID' }, unique: true }), 201);
    const r = await t.api('POST', '/records/organization/batch?return=representation', {
      operations: [
        { op: 'upsert', matchField: 'tax_id', data: { name: 'First', tax_id: 'K-1' } },
        { op: 'create', data: { name: 'Between' } },
        { op: 'upsert', matchField: 'tax_id', data: { name: 'Second', tax_id: 'k-1' } },
      ],
    });
    await ok(r);
    const data = json<{ data: { id: string; name: string }[] }>(r).data;
    expect(data.map((d) => d.name)).toEqual(['First', 'Between', 'Second']);
    expect(data[2]!.id).toBe(data[0]!.id);
    const events = await h.db.system((q) =>
      q.query<{ event: string; record_id: string }>("select event, record_id from outbox_event where tenant_id = $1 and object_id = 'organization' order by id", [t.id]),
    );
    expect(events.map((e) => [e.event, e.record_id])).toEqual([
      ['created', data[0]!.id],
      ['created', data[1]!.id],
      ['updated', data[0]!.id],
    ]);
  });
});
