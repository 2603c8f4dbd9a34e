import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Queryable } from '../src/db/database.ts';
import { notifyOutbox } from '../src/events/outbox-channel.ts';
import { OutboxConsumer, type OutboxConsumerOptions } from '../src/events/outbox-consumer.ts';
import { ensureCheckpoint } from '../src/events/outbox-checkpoint.ts';
import { outboxHeldBack, readAfterCheckpoint, type OutboxEvent } from '../src/events/outbox-reader.ts';
import { createTestTenant, json, startHarness, type Harness, type TestTenant, waitFor } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

// An empty DATABASE_URL means PGlite, as it does to the harness.
const onPostgres = Boolean(process.env['DATABASE_URL']);

/**
 * A consumer that keeps what it is given for one tenant. The outbox is shared by every test
 * (and, on a Postgres server, by every test file), so each consumer has a name of its own and
 * starts from the beginning of the outbox.
 */
function collect(tenantId: string, options: Partial<OutboxConsumerOptions> = {}): { consumer: OutboxConsumer; delivered: OutboxEvent[]; name: string } {
  const delivered: OutboxEvent[] = [];
  const name = options.name ?? `test-${randomUUID()}`;
  const handle = options.handle;
  const consumer = new OutboxConsumer(h.db, {
    name,
    pollMs: 20,
    retryMinMs: 10,
    retryMaxMs: 50,
    batchSize: 500,
    ...options,
    handle: async (events, tx) => {
      await handle?.(events, tx);
      delivered.push(...events.filter((e) => e.tenantId === tenantId));
    },
  });
  return { consumer, delivered, name };
}

const summary = (events: readonly OutboxEvent[]) => events.map((e) => `${e.event} ${e.recordId ?? e.objectId ?? ''}`);

describe('outbox consumers', () => {
  let t: TestTenant;
  beforeAll(async () => {
    t = await createTestTenant(h, 'outbox');
  });

  it('delivers every record change in commit order, each with a stable id: create, update, delete, restore and a batch', async () => {
    const created = await t.api('POST', '/records/organization', { name: 'Outbox Org' });
    expect(created.statusCode, created.body).toBe(201);
    const org = String(json(created)['id']);
    expect((await t.api('PATCH', `/records/organization/${org}`, { name: 'Outbox Org 2' })).statusCode).toBe(200);
    expect((await t.api('DELETE', `/records/organization/${org}`)).statusCode).toBe(204);
    expect((await t.api('POST', `/records/organization/${org}/restore`)).statusCode).toBe(200);
    const other = String(json(await t.api('POST', '/records/organization', { name: 'Outbox Other' }))['id']);
    const batch = await t.api('POST', '/records/organization/batch', {
      operations: [
        { op: 'create', data: { name: 'Batch One' } },
        { op: 'update', id: org, data: { name: 'Outbox Org 3' } },
        { op: 'create', data: { name: 'Batch Two' } },
        { op: 'delete', id: other },
      ],
    });
    expect(batch.statusCode, batch.body).toBe(200);
    const [one, , two] = json<{ results: { id: string }[] }>(batch).results;

    const expected = [
      `created ${org}`, `updated ${org}`, `deleted ${org}`, `restored ${org}`, `created ${other}`,
      `created ${one!.id}`, `updated ${org}`, `created ${two!.id}`, `deleted ${other}`,
    ];
    const { consumer, delivered } = collect(t.id);
    await consumer.start();
    try {
      await waitFor('the record events', () => delivered.length >= expected.length);
    } finally {
      await consumer.stop();
    }
    expect(summary(delivered)).toEqual(expected);
    expect(delivered[1]!.payload).toMatchObject({ changes: { name: { to: 'Outbox Org 2' } } });
    expect(new Set(delivered.map((e) => e.id)).size).toBe(delivered.length);

    // A second consumer sees the same events under the same ids: the id is the event's, not the delivery's.
    const again = collect(t.id);
    await again.consumer.start();
    try {
      await waitFor('the same events again', () => again.delivered.length >= expected.length);
    } finally {
      await again.consumer.stop();
    }
    expect(again.delivered.map((e) => e.id)).toEqual(delivered.map((e) => e.id));
  });

  it('metadata revisions, backfills and field purges write their events in the change transaction', async () => {
    const m = await createTestTenant(h, 'outbox-model');
    const ids = [] as string[];
    for (const name of ['Needs Tier A', 'Needs Tier B']) ids.push(String(json(await m.api('POST', '/records/organization', { name }))['id']));
    const added = await m.api('POST', '/metadata/objects/organization/fields', { apiName: 'tier', type: 'text', labels: { en: 'Tier' } });
    expect(added.statusCode, added.body).toBe(201);
    const backfilled = await m.api('PATCH', '/metadata/objects/organization/fields/tier', { required: true, backfill: 'bronze' });
    expect(backfilled.statusCode, backfilled.body).toBe(200);
    const tier = json<{ fields: { id: string; apiName: string }[] }>(await m.api('GET', '/metadata/objects/organization')).fields.find((f) => f.apiName === 'tier')!;
    expect((await m.api('DELETE', '/metadata/objects/organization/fields/tier')).statusCode).toBe(200);
    const purged = await m.api('POST', '/metadata/changes', { operations: [{ op: 'purgeField', object: 'organization', field: tier.id }] });
    expect(purged.statusCode, purged.body).toBe(200);
    const revision = json<{ revision: number }>(purged).revision;

    const { consumer, delivered } = collect(m.id);
    await consumer.start();
    try {
      await waitFor('the purge event', () => delivered.some((e) => e.event === 'field.purged'));
    } finally {
      await consumer.stop();
    }
    const revisions = delivered.filter((e) => e.event === 'metadata.revision');
    expect(revisions.map((e) => (e.payload as { revision: number }).revision)).toEqual([revision - 3, revision - 2, revision - 1, revision]);
    expect(revisions[0]!.payload).toMatchObject({ changes: [{ kind: 'field', action: 'created', apiName: 'tier', objectId: 'organization' }] });
    expect(revisions[0]!.objectId).toBeNull();
    expect(revisions[0]!.actorId).toBe(m.adminId);

    const backfill = delivered.filter((e) => e.event === 'updated' && (e.payload as { cause?: string }).cause === 'backfill');
    expect(backfill.map((e) => e.recordId).sort()).toEqual([...ids].sort());
    expect(backfill[0]!.payload).toMatchObject({ version: 2, changes: { [tier.id]: { from: null, to: 'bronze' } } });
    // The backfill's record events come before the revision that made them, in its transaction.
    const order = summary(delivered).filter((s) => !s.startsWith('created'));
    expect(order.indexOf(`metadata.revision `)).toBe(0);
    const purge = delivered.find((e) => e.event === 'field.purged')!;
    expect(purge).toMatchObject({ objectId: 'organization', recordId: null, payload: { fieldId: tier.id, apiName: 'tier', records: 2 } });
  });

  it('a handler that throws gets the same events again, with the same ids, and the checkpoint does not move past them', async () => {
    const r = await createTestTenant(h, 'outbox-retry');
    const first = String(json(await r.api('POST', '/records/organization', { name: 'Retry One' }))['id']);
    const second = String(json(await r.api('POST', '/records/organization', { name: 'Retry Two' }))['id']);
    let failures = 0;
    const errors: unknown[] = [];
    const { consumer, delivered } = collect(r.id, {
      handle: async (events) => {
        if (failures < 2 && events.some((e) => e.recordId === second)) {
          failures += 1;
          throw new Error('the webhook endpoint is down');
        }
      },
      onError: (error) => errors.push(error),
    });
    await consumer.start();
    try {
      await waitFor('delivery after the failures', () => delivered.some((e) => e.recordId === second));
    } finally {
      await consumer.stop();
    }
    expect(failures).toBe(2);
    expect(errors.map((e) => (e as Error).message)).toEqual(['the webhook endpoint is down', 'the webhook endpoint is down']);
    expect(summary(delivered)).toEqual([`created ${first}`, `created ${second}`]);
  });


  it('the records one statement creates share an outbox row, and consumers get one event per record, in order, with ids that hold across batches and redeliveries', async () => {
    const b = await createTestTenant(h, 'outbox-rows');
    const { consumer, delivered, name } = collect(b.id, { startAt: 'now', batchSize: 3, filter: () => ({ sql: 'o.tenant_id = $3::uuid', params: [b.id] }) });
    expect(await consumer.deliverOnce()).toBe(0);
    const names = Array.from({ length: 7 }, (_, n) => `Row ${n}`);
    const batch = await b.api('POST', '/records/organization/batch', { operations: names.map((n) => ({ op: 'create', data: { name: n } })) });
    expect(batch.statusCode, batch.body).toBe(200);
    const ids = json<{ results: { id: string }[] }>(batch).results.map((r) => r.id);
    const single = String(json(await b.api('POST', '/records/organization', { name: 'After' }))['id']);

    const rows = await h.db.system((q) =>
      q.query<{ record_id: string | null; record_ids: string[] | null }>('select record_id, record_ids from outbox where tenant_id = $1 order by txid, id', [b.id]),
    );
    expect(rows.map((r) => r.record_ids ?? r.record_id)).toEqual([ids, single]);

    // Batches of at most three events (fewer when other tests' events share them) end inside the row.
    // A batch may deliver nothing while another file's older transaction is open (commit order): wait, do not stop.
    const sizes: number[] = [];
    const expected = ids.length + 1;
    await waitFor(`the ${expected} events`, async () => {
      const n = await consumer.deliverOnce();
      if (n > 0) sizes.push(n);
      return delivered.length >= expected;
    });
    expect(sizes.length).toBeGreaterThanOrEqual(3);
    expect(sizes.every((n) => n <= 3)).toBe(true);
    expect(delivered.map((e) => e.recordId)).toEqual([...ids, single]);
    const eventIds = delivered.map((e) => e.id);
    expect(eventIds.every((id, n) => n === 0 || id > eventIds[n - 1]!)).toBe(true);
    expect(delivered.every((e) => e.position.id === e.id && e.event === 'created')).toBe(true);
    const listed = await h.db.system((q) => q.query<{ id: string; record_id: string }>('select id, record_id from outbox_event where tenant_id = $1 order by txid, id', [b.id]));
    expect(listed.map((e) => [Number(e.id), e.record_id])).toEqual(delivered.map((e) => [e.id, e.recordId]));

    // Read again from the start of the row, one event a batch: the same ids.
    await h.db.system((q) => q.query('update outbox_checkpoint set txid = $2::xid8, id = $3 where consumer = $1', [name, delivered[0]!.position.txid, eventIds[0]! - 1]));
    const again: OutboxEvent[] = [];
    const reread = new OutboxConsumer(h.db, { name, batchSize: 1, filter: () => ({ sql: 'o.tenant_id = $3::uuid', params: [b.id] }), handle: async (events) => void again.push(...events) });
    await waitFor(`the ${expected} events again`, async () => (await reread.deliverOnce(), again.length >= expected));
    expect(again.map((e) => [e.id, e.recordId])).toEqual(delivered.map((e) => [e.id, e.recordId]));
  });
  it('a batch says whether events are left after it: one that takes a whole row of created records to its limit is not followed by a read in vain', async () => {
    const b = await createTestTenant(h, 'outbox-more');
    const name = `test-${randomUUID()}`;
    await h.db.system((q) => ensureCheckpoint(q, name, 'now'));
    const batch = await b.api('POST', '/records/organization/batch', { operations: ['A', 'B', 'C', 'D'].map((n) => ({ op: 'create', data: { name: `More ${n}` } })) });
    expect(batch.statusCode, batch.body).toBe(200);
    const ours = 'o.tenant_id = $3::uuid';
    const read = (limit: number) => h.db.system((q) => readAfterCheckpoint(q, name, limit, { sql: ours, params: [b.id] }));
    // A row of four events behind the checkpoint: a batch of two leaves some, whatever else precedes them.
    // Readable once no older transaction still running holds it back; on a shared database other
    // files' events may come first, so this waits for the row itself, not for any event.
    await waitFor('the row to be readable', async () => (await read(1000)).events.length === 4);
    expect((await read(2)).more).toBe(true);
    // On the embedded engine no other file writes events: a batch of exactly the row's four takes everything.
    if (!onPostgres) {
      const whole = await read(4);
      expect([whole.scanned, whole.events.length, whole.more]).toEqual([4, 4, false]);
      expect((await read(3)).more).toBe(true);
    }
  });

  it('a notice after commit wakes a consumer long before its next poll', async () => {
    const n = await createTestTenant(h, 'outbox-notify');
    const { consumer, delivered } = collect(n.id, { pollMs: 600_000 });
    await consumer.start();
    try {
      // The first rounds read what is already there (on a shared database other test files keep
      // writing, so this can take a while); once it is idle, only a notice can wake it.
      await waitFor('the consumer to be idle', async () => (await consumer.deliverOnce()) === 0, 60_000);
      const id = String(json(await n.api('POST', '/records/organization', { name: 'Wake Up' }))['id']);
      const [first, second] = await Promise.all([notifyOutbox(h.db), notifyOutbox(h.db)]);
      expect([first, second]).toEqual([true, true]);
      await waitFor('the event after the notice', () => delivered.some((e) => e.recordId === id), 10_000);
    } finally {
      await consumer.stop();
    }
  });

  it('orders by transaction id as a number: 9 before 10 before 99', async () => {
    const o = await createTestTenant(h, 'outbox-numeric');
    // Transaction ids are set by hand (the owner may), below any real one (a new cluster starts
    // near 730), so the consumer meets ids of different lengths whatever the database's age.
    await h.db.system((tx) =>
      tx.query(
        `insert into outbox (tenant_id, object_id, record_id, event, payload, txid)
         select $1, 'organization', gen_random_uuid(), 'created', jsonb_build_object('n', n), n::text::xid8 from unnest(array[99, 9, 10]) as n`,
        [o.id],
      ),
    );
    const { consumer, delivered } = collect(o.id, { batchSize: 2 });
    await consumer.start();
    try {
      await waitFor('the three events', () => delivered.length >= 3);
    } finally {
      await consumer.stop();
    }
    expect(delivered.map((e) => e.position.txid)).toEqual(['9', '10', '99']);
  });

  it('two processes of one consumer share its checkpoint and never both deliver an event', async () => {
    const s = await createTestTenant(h, 'outbox-shared');
    const name = `shared-${randomUUID()}`;
    // From now on: on a long-lived database the outbox before this test is long, and not its subject.
    const a = collect(s.id, { name, batchSize: 3, startAt: 'now' });
    const b = collect(s.id, { name, batchSize: 3, startAt: 'now' });
    await Promise.all([a.consumer.start(), b.consumer.start()]);
    try {
      const operations = Array.from({ length: 20 }, (_, i) => ({ op: 'create', data: { name: `Shared ${i}` } }));
      expect((await s.api('POST', '/records/organization/batch', { operations })).statusCode).toBe(200);
      await waitFor('all 20 events', () => a.delivered.length + b.delivered.length >= 20);
    } finally {
      await Promise.all([a.consumer.stop(), b.consumer.stop()]);
    }
    const ids = [...a.delivered, ...b.delivered].map((e) => e.id);
    expect(ids).toHaveLength(20);
    expect(new Set(ids).size).toBe(20);
  });

  it.skipIf(!onPostgres)('an event held behind an older open transaction is read soon after that transaction ends, with no notice and long before the poll', async () => {
    const held = await createTestTenant(h, 'outbox-held');
    // Only this tenant's events count: other test files write events to the same outbox meanwhile.
    const { consumer, delivered } = collect(held.id, { pollMs: 600_000, startAt: 'now', filter: () => ({ sql: 'o.tenant_id = $3::uuid', params: [held.id] }) });
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let opened!: () => void;
    const isOpen = new Promise<void>((resolve) => (opened = resolve));
    // An older transaction with an id of its own that writes no event, so its commit sends no notice.
    const older = h.db.transaction(held.id, async (tx) => {
      await tx.query('select pg_current_xact_id()');
      opened();
      await released;
    });
    await isOpen;
    const [event] = await h.db.system((tx) =>
      tx.query<{ id: number }>("insert into outbox (tenant_id, object_id, record_id, event, payload) values ($1, 'organization', $2, 'created', '{}') returning id", [held.id, randomUUID()]),
    );
    await consumer.start();
    try {
      // Woken, the consumer finds the event held back and looks again soon, not after its poll.
      await notifyOutbox(h.db);
      // While the older transaction runs, a batch delivers nothing: the event is held back behind it.
      expect(await consumer.deliverOnce()).toBe(0);
      expect(await h.db.system((tx) => outboxHeldBack(tx))).toBe(true);
      expect(delivered).toEqual([]);
      release();
      await older;
      await waitFor('the held event', () => delivered.some((e) => e.id === event!.id), 10_000);
    } finally {
      release();
      await consumer.stop();
    }
  });

  it('a filtered consumer is handed only the events it wants, and its checkpoint passes over the others', async () => {
    const other = await createTestTenant(h, 'outbox-passed');
    const seen: OutboxEvent[] = [];
    const { consumer, name } = collect(t.id, { startAt: 'now', handle: async (events) => void seen.push(...events), filter: () => ({ sql: 'o.tenant_id = any($3::uuid[])', params: [[t.id]] }) });
    expect(await consumer.deliverOnce()).toBe(0);
    const create = async (tenant: TestTenant, names: string[]) =>
      json<{ results: { id: string }[] }>(await tenant.api('POST', '/records/organization/batch', { operations: names.map((n) => ({ op: 'create', data: { name: n } })) })).results.map((r) => r.id);
    const mine = await create(t, ['Wanted 1', 'Wanted 2']);
    const theirs = await create(other, ['Passed 1', 'Passed 2', 'Passed 3']);
    // The checkpoint comes to stand at or past the last event passed over, so they are not read
    // again (other test files' open transactions may hold them back for a while).
    const pastTheirs = async () =>
      (
        await h.db.system((tx) =>
          tx.query<{ past: boolean }>(
            `select (c.txid, c.id) >= (m.txid, m.id) as past
               from outbox_checkpoint c, (select o.txid, o.id from outbox_event o where o.record_id = any($2::uuid[]) order by o.txid desc, o.id desc limit 1) m
              where c.consumer = $1`,
            [name, theirs],
          ),
        )
      )[0]?.past === true;
    await waitFor('the wanted events, and the checkpoint past the others', async () => {
      await consumer.deliverOnce();
      return mine.every((id) => seen.some((e) => e.recordId === id)) && (await pastTheirs());
    });
    expect(seen.every((e) => e.tenantId === t.id)).toBe(true);
  });

  it('a batch read while the filter it was read with went out of date is read again with a new one', async () => {
    const other = await createTestTenant(h, 'outbox-refilter');
    const seen: OutboxEvent[] = [];
    let filters = 0;
    const { consumer } = collect(t.id, {
      startAt: 'now',
      handle: async (events) => void seen.push(...events),
      // The first filter leaves the other tenant out and is out of date by the time its batch is read, as when a subscription came meanwhile.
      filter: () => {
        const first = ++filters === 1;
        return { sql: 'o.tenant_id = any($3::uuid[])', params: [first ? [t.id] : [t.id, other.id]], current: () => !first };
      },
    });
    await consumer.deliverOnce();
    filters = 0;
    const [id] = json<{ results: { id: string }[] }>(await other.api('POST', '/records/organization/batch', { operations: [{ op: 'create', data: { name: 'Late subscriber' } }] })).results.map((r) => r.id);
    await waitFor('the event for the tenant the second filter names', async () => {
      await consumer.deliverOnce();
      return seen.some((e) => e.recordId === id);
    });
    expect(filters).toBeGreaterThanOrEqual(2);
  });

  it.skipIf(!onPostgres)('an event committed late with a lower id is delivered, not skipped (PostgreSQL: concurrent transactions)', async () => {
    const c = await createTestTenant(h, 'outbox-order');
    const insert = (tx: Queryable, name: string) =>
      tx.query<{ id: number }>("insert into outbox (tenant_id, object_id, record_id, event, payload) values ($1, 'organization', $2, 'created', $3) returning id", [
        c.id,
        randomUUID(),
        JSON.stringify({ name }),
      ]);
    let releaseEarly!: () => void;
    const early = new Promise<void>((resolve) => (releaseEarly = resolve));
    let earlyId = 0;
    let inserted!: () => void;
    const earlyInserted = new Promise<void>((resolve) => (inserted = resolve));
    const slow = h.db.transaction(c.id, async (tx) => {
      earlyId = (await insert(tx, 'early'))[0]!.id;
      inserted();
      await early;
    });
    await earlyInserted;
    const lateId = await h.db.transaction(c.id, async (tx) => (await insert(tx, 'late'))[0]!.id);
    expect(earlyId).toBeLessThan(lateId);

    const { consumer, delivered } = collect(c.id);
    // The later transaction has committed, the earlier is still open: the consumer runs and must not step over it.
    while ((await consumer.deliverOnce()) > 0);
    expect(delivered.map((e) => e.id)).not.toContain(lateId);
    releaseEarly();
    await slow;
    await waitFor('both events', async () => {
      await consumer.deliverOnce();
      return delivered.length >= 2;
    });
    expect(delivered.map((e) => e.id)).toEqual([earlyId, lateId]);
  });
});
