import { slotOf, writeSlotOf } from '@protean/metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { parseListRequest } from '../src/data/list-request.ts';
import { migrate } from '../src/db/migrations.ts';
import { openDatabase } from '../src/db/open-database.ts';
import { compileListQuery } from '../src/data/sql/compile-list-query.ts';
import { createTestTenant, json, startHarness, type Harness, type TestTenant } from './harness.ts';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

const RECORDS = 3_000;
const zones = ['north', 'south', 'east'];
const picklist = (apiName: string, values: string[]) => ({
  apiName,
  type: 'picklist',
  labels: { en: apiName },
  values: values.map((v) => ({ apiName: v, labels: { en: v } })),
});
// name takes t3, kind t1, zone t4, `filler` n1 and `first` n2: `second`, the last number field, gets no slot.
const parcel = {
  op: 'createObject',
  object: {
    apiName: 'parcel',
    labels: { en: { singular: 'Parcel', plural: 'Parcels' } },
    fields: [
      { apiName: 'name', type: 'text', labels: { en: 'Name' }, required: true },
      picklist('kind', ['box', 'letter']),
      picklist('zone', zones),
      { apiName: 'filler', type: 'number', labels: { en: 'Filler' } },
      { apiName: 'first', type: 'number', labels: { en: 'First' } },
      { apiName: 'second', type: 'number', labels: { en: 'Second' } },
    ],
  },
};

async function ok(response: { statusCode: number; body: string }, status = 200): Promise<void> {
  expect(response.statusCode, response.body).toBe(status);
}

async function parcelModel(t: TestTenant) {
  const model = await h.server.metadata.model(t.id);
  const object = model.object('parcel')!;
  return { model, object, field: (apiName: string) => object.fields.find((f) => f.apiName === apiName)! };
}

/** Deletes a field, after taking it out of the layouts that show it (they depend on it). */
async function remove(t: TestTenant, fieldId: string, apiName: string): Promise<void> {
  const layouts = json<{ layouts: { id: string; sections: { fields: { fieldId: string }[] }[] }[] }>(await t.api('GET', '/metadata/snapshot')).layouts;
  for (const layout of layouts.filter((l) => l.sections.some((s) => s.fields.some((f) => f.fieldId === fieldId)))) {
    const sections = layout.sections.map((s) => ({ ...s, fields: s.fields.filter((f) => f.fieldId !== fieldId) }));
    await ok(await t.api('PUT', `/metadata/layouts/${layout.id}`, { ...layout, sections }));
  }
  await ok(await t.api('DELETE', `/metadata/objects/parcel/fields/${apiName}`));
}

async function purge(t: TestTenant, fieldId: string, apiName: string): Promise<void> {
  await remove(t, fieldId, apiName);
  await ok(await t.api('POST', '/metadata/changes', { operations: [{ op: 'purgeField', object: 'parcel', field: apiName }] }));
}

interface Backfill {
  object: string;
  field: string;
  slot: string;
  done: number;
  total: number;
  status: string;
}

const filterOn = (value: number) => encodeURIComponent(JSON.stringify({ field: 'second', op: 'eq', value }));

describe('a freed index slot is backfilled for an existing field', () => {
  it('copies the values of the unslotted number field in the background while writes go on, then serves its filter from the slot', async () => {
    const t = await createTestTenant(h, 'backfill');
    await ok(await t.api('POST', '/metadata/changes', { operations: [parcel] }));
    const before = await parcelModel(t);
    expect(before.object.indexSlots).toMatchObject({ n1: before.field('filler').id, n2: before.field('first').id });
    expect(writeSlotOf(before.object, before.field('second').id)).toBeUndefined();

    // What each record's `second` holds, as the test wrote it.
    const second = new Map<string, number>();
    for (let start = 0; start < RECORDS; start += 1_000) {
      const operations = Array.from({ length: 1_000 }, (_, k) => {
        const n = start + k;
        return { op: 'create', data: { name: `P${n}`, kind: n % 2 ? 'box' : 'letter', zone: zones[n % 3], filler: n, first: n, second: n % 50 } };
      });
      const created = await t.api('POST', '/records/parcel/batch', { operations });
      await ok(created);
      json<{ results: { id: string }[] }>(created).results.forEach((r, k) => second.set(r.id, (start + k) % 50));
    }

    // Writes stream across the purge, the backfill and the promotion: new records, and changes of
    // `second` on copied and uncopied rows alike.
    const ids = [...second.keys()];
    let promoted = false;
    const writer = async (w: number) => {
      for (let n = w; !promoted && n < 2_000; n += 2) {
        if (n % 4 === 0) {
          const id = ids[(n * 37) % ids.length]!;
          await ok(await t.api('PATCH', `/records/parcel/${id}`, { second: 7 }));
          second.set(id, 7);
        } else {
          const created = await t.api('POST', '/records/parcel', { name: `W${n}`, kind: 'box', zone: 'north', filler: n, second: n % 50 });
          await ok(created, 201);
          second.set(json<{ id: string }>(created).id, n % 50);
        }
      }
    };
    const writers = [writer(0), writer(1)];

    await purge(t, before.field('first').id, 'first');
    const pending = await parcelModel(t);
    const b = pending.field('second').id;
    expect(pending.object.pendingIndexSlots).toEqual({ n2: b });
    // Filters do not use the slot before its copy is complete.
    expect(slotOf(pending.object, b)).toBeUndefined();

    const deadline = Date.now() + 120_000;
    let progress: Backfill[] = [];
    while (Date.now() < deadline) {
      const response = await t.api('GET', '/metadata/index-backfills');
      await ok(response);
      progress = json<Backfill[]>(response);
      const model = await parcelModel(t);
      if (progress[0]?.status === 'done' && model.object.indexSlots?.n2 === b) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    promoted = true;
    await Promise.all(writers);
    expect(progress).toEqual([expect.objectContaining({ object: 'parcel', field: 'second', slot: 'n2', status: 'done' })]);
    expect(progress[0]!.done).toBeGreaterThanOrEqual(RECORDS);
    expect(progress[0]!.done).toBe(progress[0]!.total);

    const after = await parcelModel(t);
    expect(after.object.indexSlots?.n2).toBe(b);
    expect(after.object.pendingIndexSlots).toBeUndefined();
    // Record writes committed between the revision that made the slot pending and the one that
    // promoted it (the revision fence orders their events between the two revisions' events).
    const [during] = await h.db.system((q) =>
      q.query<{ n: number }>(
        `select count(*)::int as n from outbox_event
          where tenant_id = $1 and object_id = $2 and record_id is not null
            and id > (select id from outbox where tenant_id = $1 and event = 'metadata.revision' and (payload->>'revision')::int = $3)
            and id < (select id from outbox where tenant_id = $1 and event = 'metadata.revision' and (payload->>'revision')::int = $4)`,
        [t.id, after.object.id, pending.model.snapshot.revision, after.model.snapshot.revision],
      ),
    );
    expect(during!.n).toBeGreaterThan(0);
    const revisions = json<{ authorId: string | null; authorName: string; message: string }[]>(await t.api('GET', '/metadata/revisions'));
    expect(revisions[0]).toMatchObject({ authorId: null, authorName: 'Protean', message: 'Index slot n2 now serves Second' });

    // The filter, now on the slot, returns exactly the records that hold the value.
    for (const value of [7, 13]) {
      const got: string[] = [];
      for (let cursor: string | null = ''; cursor !== null; ) {
        const listed = await t.api('GET', `/records/parcel?filter=${filterOn(value)}&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        await ok(listed);
        const page = json<{ data: { id: string }[]; nextCursor: string | null }>(listed);
        got.push(...page.data.map((r) => r.id));
        cursor = page.nextCursor;
      }
      got.sort();
      const expected = [...second].filter(([, v]) => v === value).map(([id]) => id).sort();
      expect(got).toEqual(expected);
    }
    const [facts] = await h.db.system((q) =>
      q.query<{ rows: number; disagreeing: number }>(
        `select count(*)::int as rows,
                count(*) filter (where ix_n2 is distinct from case when jsonb_typeof(data->$3) = 'number' then (data->>$3)::float8 end)::int as disagreeing
           from record where tenant_id = $1 and object_id = $2`,
        [t.id, after.object.id, b],
      ),
    );
    expect(facts).toEqual({ rows: second.size, disagreeing: 0 });

    if (h.db.kind === 'postgres') {
      await h.db.system((q) => q.query('analyze record'));
      const query = parseListRequest(after.model, after.object, { filter: JSON.stringify({ and: [{ field: 'zone', op: 'eq', value: 'south' }, { field: 'second', op: 'gte', value: 45 }] }) });
      const sql = compileListQuery(t.id, query);
      const plan = (await h.db.withTenant(t.id, (q) => q.query<{ 'QUERY PLAN': string }>(`explain ${sql.sql}`, sql.params))).map((r) => r['QUERY PLAN']).join('\n');
      expect(plan).toMatch(/record_ix4/);
      expect(plan).toMatch(/Index Cond: .*ix_n2 >=/);
    }
  });

  it('two servers over one database share a backfill: every row copied, the slot promoted once', async () => {
    const t = await createTestTenant(h, 'backfill-two');
    await ok(await t.api('POST', '/metadata/changes', { operations: [parcel] }));
    const records = h.db.kind === 'postgres' ? 12_000 : 2_000;
    for (let start = 0; start < records; start += 1_000) {
      const operations = Array.from({ length: 1_000 }, (_, k) => ({ op: 'create', data: { name: `P${start + k}`, zone: 'east', first: k, second: (start + k) % 97 } }));
      await ok(await t.api('POST', '/records/parcel/batch', { operations }));
    }
    const before = await parcelModel(t);
    // The other server has its own connections (PGlite is one session: it shares it).
    const otherDb = h.db.kind === 'postgres' ? await openDatabase({ databaseUrl: process.env['DATABASE_URL'], dataDir: undefined, poolSize: 4 }) : h.db;
    if (otherDb !== h.db) await migrate(otherDb);
    await purge(t, before.field('first').id, 'first');
    // Started now, it picks up the running backfill beside this server's worker.
    const other = await buildApp({ db: otherDb, passwordCost: 'test' });
    try {
      const b = before.field('second').id;
      const deadline = Date.now() + 120_000;
      while (Date.now() < deadline && (await parcelModel(t)).object.indexSlots?.n2 !== b) await new Promise((resolve) => setTimeout(resolve, 10));
      const after = await parcelModel(t);
      expect(after.object.indexSlots?.n2).toBe(b);
      const revisions = json<{ authorName: string; message: string }[]>(await t.api('GET', '/metadata/revisions'));
      expect(revisions.filter((r) => r.authorName === 'Protean')).toHaveLength(1);
      const [facts] = await h.db.system((q) =>
        q.query<{ rows: number; disagreeing: number }>(
          `select count(*)::int as rows, count(*) filter (where ix_n2 is distinct from (data->>$3)::float8)::int as disagreeing from record where tenant_id = $1 and object_id = $2`,
          [t.id, after.object.id, b],
        ),
      );
      expect(facts).toEqual({ rows: records, disagreeing: 0 });
      const [progress] = json<Backfill[]>(await t.api('GET', '/metadata/index-backfills'));
      expect(progress).toMatchObject({ status: 'done', done: records, total: records });
    } finally {
      await other.app.close();
      if (otherDb !== h.db) await otherDb.close();
    }
  });

  it('a data-check backfill stores the slot value of the value it writes, so the filter finds those records', async () => {
    const t = await createTestTenant(h, 'backfill-check');
    await ok(await t.api('POST', '/metadata/changes', { operations: [parcel] }));
    await ok(await t.api('POST', '/records/parcel/batch', { operations: Array.from({ length: 5 }, (_, n) => ({ op: 'create', data: { name: `P${n}` } })) }));
    await ok(await t.api('PATCH', '/metadata/objects/parcel/fields/filler', { required: true, backfill: 42 }));
    const listed = json<{ data: unknown[] }>(await t.api('GET', `/records/parcel?filter=${encodeURIComponent(JSON.stringify({ field: 'filler', op: 'eq', value: 42 }))}`));
    expect(listed.data).toHaveLength(5);
  });

  // Runs last: it stops this server's backfill worker, so the copy never starts.
  // The window "before its copy completes" is held open by stopping this server's backfills. On a
  // database shared by the test files, any other file's server that starts meanwhile resumes every
  // running backfill (as a restarted server must) and may finish the copy first; on the embedded
  // database no other process can.
  it.skipIf(process.env['DATABASE_URL'] !== undefined)('a pending field deleted before its copy completes gives the slot up, and no stale value stays in it (embedded database)', async () => {
    const t = await createTestTenant(h, 'backfill-cancel');
    await ok(await t.api('POST', '/metadata/changes', { operations: [parcel] }));
    await h.server.backfills.stop();
    await ok(await t.api('POST', '/records/parcel/batch', { operations: Array.from({ length: 20 }, (_, n) => ({ op: 'create', data: { name: `P${n}`, zone: 'east', first: n, second: n } })) }));
    const before = await parcelModel(t);
    await purge(t, before.field('first').id, 'first');
    const b = before.field('second').id;
    expect((await parcelModel(t)).object.pendingIndexSlots).toEqual({ n2: b });
    // Written while pending, so its slot value is set.
    await ok(await t.api('POST', '/records/parcel', { name: 'Late', zone: 'east', second: 99 }), 201);

    await remove(t, b, 'second');
    const after = await parcelModel(t);
    expect(after.object.pendingIndexSlots).toBeUndefined();
    expect(after.object.indexSlots?.n2).toBeUndefined();
    expect(json<Backfill[]>(await t.api('GET', '/metadata/index-backfills'))).toEqual([expect.objectContaining({ object: 'parcel', field: 'second', slot: 'n2', status: 'cancelled', done: 0 })]);
    const [left] = await h.db.system((q) => q.query<{ n: number }>('select count(*)::int as n from record where tenant_id = $1 and object_id = $2 and ix_n2 is not null', [t.id, after.object.id]));
    expect(left!.n).toBe(0);
  });
});
