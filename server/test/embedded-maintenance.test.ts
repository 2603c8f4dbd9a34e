// The embedded database (PGlite) has no autovacuum: the server vacuums and analyzes it itself.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PgliteDatabase } from '../src/db/pglite-database.ts';
import { createTestTenant, json, startHarness, type Harness, type TestTenant } from './harness.ts';

let h: Harness;
let a: TestTenant;

beforeAll(async () => {
  h = await startHarness();
  a = await createTestTenant(h, 'maintain');
});
afterAll(async () => {
  await h?.close();
});

describe.runIf(process.env['DATABASE_URL'] === undefined)('the embedded database', () => {
  it('is vacuumed and analyzed once enough was written, so the planner knows its rows and dead ones are gone', async () => {
    const db = h.db as PgliteDatabase;
    await db.maintain(0);
    const response = await a.api('POST', '/records/deal/batch', { operations: Array.from({ length: 300 }, (_, i) => ({ op: 'create', data: { name: `Kept or not ${i}` } })) });
    expect(response.statusCode, response.body).toBe(200);
    const ids = json<{ results: { id: string }[] }>(response).results.map((r) => r.id);
    expect(ids).toHaveLength(300);
    const removed = await a.api('POST', '/records/deal/batch', { operations: ids.slice(0, 200).map((id) => ({ op: 'delete', id })) });
    expect(removed.statusCode, removed.body).toBe(200);

    // Little was written since the last pass: nothing to do yet.
    expect(await db.maintain()).toEqual([]);
    const tables = await db.maintain(0);
    expect(tables).toContain('record');
    const [stats] = await h.db.system((q) => q.query<{ last_vacuum: string | null; last_analyze: string | null; dead: number }>(
      "select last_vacuum, last_analyze, n_dead_tup::int as dead from pg_stat_user_tables where relname = 'record'",
    ));
    expect(stats?.last_vacuum).not.toBeNull();
    expect(stats?.last_analyze).not.toBeNull();
    expect(stats?.dead).toBe(0);
    // The planner's row count is the table's, not the empty table migrations analyzed.
    const [estimate] = await h.db.system((q) => q.query<{ rows: number; live: number }>(
      "select (select reltuples from pg_class where relname = 'record')::int as rows, (select count(*) from record)::int as live",
    ));
    expect(estimate!.rows).toBe(estimate!.live);
    expect(estimate!.live).toBeGreaterThanOrEqual(300);
  });
});

describe.runIf(process.env['DATABASE_URL'] === undefined)('the embedded database under a long transaction', () => {
  it('lets the server answer other requests while a batch of 400 updates and then one of 400 deletes run: the event loop is never held for a second', async () => {
    const created = await a.api('POST', '/records/organization/batch', { operations: Array.from({ length: 400 }, (_, i) => ({ op: 'create', data: { name: `Busy ${i}` } })) });
    expect(created.statusCode, created.body).toBe(200);
    const ids = json<{ results: { id: string }[] }>(created).results.map((r) => r.id);
    let longest = 0;
    let last = performance.now();
    const ticks = setInterval(() => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
    }, 10);
    try {
      const updated = await a.api('POST', '/records/organization/batch', { operations: ids.map((id) => ({ op: 'update', id, data: { name: 'Busy, renamed' } })) });
      expect(updated.statusCode, updated.body).toBe(200);
      const deleted = await a.api('POST', '/records/organization/batch', { operations: ids.map((id) => ({ op: 'delete', id })) });
      expect(deleted.statusCode, deleted.body).toBe(200);
    } finally {
      clearInterval(ticks);
    }
    expect(longest).toBeLessThan(1000);
  }, 120_000);
});

describe.runIf(process.env['DATABASE_URL'] === undefined)('the embedded database’s one session', () => {
  it('serves a webhook delivery’s detail when the model and the reader’s access must be read again first', async () => {
    const made = await a.api('POST', '/webhooks', { url: 'https://1.1.1.1/in', events: [{ object: 'deal', actions: ['created'] }] });
    expect(made.statusCode, made.body).toBe(201);
    const hook = json<{ id: string }>(made);
    const delivery = randomUUID();
    const body = JSON.stringify({ event: 'deal.created', data: { name: 'Kept' } });
    await h.db.system((q) =>
      q.query("insert into webhook_delivery (tenant_id, id, webhook_id, event_id, event, record_id, body, sender_id) values ($1, $2, $3, 1, 'deal.created', $4, $5, $6)", [a.id, delivery, hook.id, randomUUID(), body, a.adminId]),
    );
    // Two minutes on: what the server keeps of the model and of the reader's access (a minute) is read again.
    const now = Date.now();
    const later = vi.spyOn(Date, 'now').mockImplementation(() => now + 120_000 + performance.now());
    const started = performance.now();
    const detail = await a.api('GET', `/webhooks/${hook.id}/deliveries/${delivery}`).finally(() => later.mockRestore());
    expect(detail.statusCode, detail.body).toBe(200);
    expect(json<{ id: string }>(detail).id).toBe(delivery);
    // Not after waiting out the session's idle limit (15 s) for a second session that never comes.
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
