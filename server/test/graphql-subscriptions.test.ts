import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, json, startHarness, type Harness, type TestTenant, waitFor } from './harness.ts';
import { startServerProcess, type ServerProcess } from './server-process.ts';
import { ChangeHub, HUB_CHECKPOINT_PREFIX } from '../src/graphql/change-hub.ts';
import { MAX_OPERATIONS_PER_SOCKET } from '../src/graphql/graphql-routes.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

interface Change {
  event: string;
  id: string;
  eventId: string;
  changedFields: string[] | null;
  record: { name: string; amount: number | null } | null;
}

function subscribe(client: Client, query: string): { changes: Change[]; errors: unknown[]; stop: () => void } {
  const changes: Change[] = [];
  const errors: unknown[] = [];
  const stop = client.subscribe<{ dealChanged: Change }>(
    { query },
    { next: (result) => (result.errors ? errors.push(result.errors) : changes.push(result.data!.dealChanged)), error: (error) => errors.push(error), complete: () => undefined },
  );
  return { changes, errors, stop };
}

const wsClient = (httpUrl: string, key: string | undefined): Client =>
  createClient({ url: `${httpUrl.replace(/^http/, 'ws')}/api/v1/graphql`, webSocketImpl: globalThis.WebSocket, lazy: false, retryAttempts: 0, ...(key ? { connectionParams: { authorization: `Bearer ${key}` } } : {}) });

/**
 * A subscription is live once the server has registered it; the protocol does not say when. So
 * the test writes probe records until the first one arrives, then starts what it checks.
 */
async function untilLive(write: () => Promise<void>, changes: Change[], errors: unknown[]): Promise<void> {
  await waitFor('the subscription to be live', async () => {
    if (errors.length) throw new Error(JSON.stringify(errors));
    if (changes.length) return true;
    await write();
    return changes.length > 0;
  });
}

async function restOn(url: string, key: string, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${url}/api/v1${path}`, { method, headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.status === 204 ? {} : ((await response.json()) as Record<string, unknown>);
}

async function checkSequence(writeUrl: string, t: TestTenant, client: Client): Promise<void> {
  const sub = subscribe(client, 'subscription { dealChanged { event id eventId changedFields record { name amount } } }');
  try {
    await untilLive(async () => void (await restOn(writeUrl, t.key, 'POST', '/records/deal', { name: 'probe' })), sub.changes, sub.errors);
    sub.changes.length = 0;
    const deal = await restOn(writeUrl, t.key, 'POST', '/records/deal', { name: 'Live deal', amount: 5 });
    // A change carries the record as it is when the change reaches the server's subscribers (a
    // record deleted by then comes without values): the delete waits until the create and the
    // update have arrived, so that their values are there to check.
    const arrived = (n: number) => () => {
      if (sub.errors.length) throw new Error(JSON.stringify(sub.errors));
      return sub.changes.filter((c) => c.id === deal['id']).length >= n;
    };
    await waitFor('the created change', arrived(1), 20_000, () => sub.changes);
    await restOn(writeUrl, t.key, 'PATCH', `/records/deal/${String(deal['id'])}`, { amount: 7 });
    await waitFor('the updated change', arrived(2), 20_000, () => sub.changes);
    await restOn(writeUrl, t.key, 'DELETE', `/records/deal/${String(deal['id'])}`);
    await restOn(writeUrl, t.key, 'POST', `/records/deal/${String(deal['id'])}/restore`);
    await waitFor('four changes of the deal', arrived(4), 20_000, () => sub.changes);
    const mine = sub.changes.filter((c) => c.id === deal['id']);
    expect(mine.map((c) => c.event)).toEqual(['created', 'updated', 'deleted', 'restored']);
    expect(mine[0]!.record).toEqual({ name: 'Live deal', amount: 5 });
    expect(mine[1]!.changedFields).toEqual(['amount']);
    expect(mine[1]!.record).toEqual({ name: 'Live deal', amount: 7 });
    expect(mine[2]!.record).toBeNull();
    expect(new Set(mine.map((c) => c.eventId)).size).toBe(4);
    expect(sub.errors).toEqual([]);
  } finally {
    sub.stop();
  }
}

describe('GraphQL subscriptions', () => {
  let t: TestTenant;
  let url: string;
  beforeAll(async () => {
    t = await createTestTenant(h, 'gql-sub');
    url = await h.server.app.listen({ host: '127.0.0.1', port: 0 });
  });

  it('sends record created, updated, deleted and restored as they commit, only of the subscribed object, read with the subscriber’s access', async () => {
    const client = wsClient(url, t.key);
    try {
      await checkSequence(url, t, client);
      // Another tenant's deals never reach this subscriber.
      const other = await createTestTenant(h, 'gql-sub-other');
      const sub = subscribe(client, 'subscription { dealChanged(events: [created]) { id record { name } } }');
      await untilLive(async () => void (await t.api('POST', '/records/deal', { name: 'probe 2' })), sub.changes, sub.errors);
      expect((await other.api('POST', '/records/deal', { name: 'Not yours' })).statusCode).toBe(201);
      const last = json<{ id: string }>(await t.api('POST', '/records/deal', { name: 'Yours' }));
      await waitFor('the own deal', () => sub.changes.some((c) => c.id === last.id));
      expect(sub.changes.map((c) => c.record?.name)).not.toContain('Not yours');
      sub.stop();
    } finally {
      await client.dispose();
    }
  });

  it('refuses a socket without credentials', async () => {
    const client = wsClient(url, undefined);
    const closed = await new Promise<{ code: number }>((resolve) => {
      client.on('closed', (event) => resolve(event as { code: number }));
      client.subscribe({ query: 'subscription { dealChanged { id } }' }, { next: () => undefined, error: () => undefined, complete: () => undefined });
    });
    expect(closed.code).toBe(4403);
    await client.dispose();
  });
});

/** Runs one operation on a socket; its data, or its errors. */
function operate(client: Client, query: string): Promise<{ data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] }> {
  return new Promise((resolve) => {
    let data: unknown;
    client.subscribe({ query }, {
      next: (result) => void (data = result.data ?? data),
      error: (errors) => resolve({ errors: errors as { message: string; extensions?: Record<string, unknown> }[] }),
      complete: () => resolve({ data }),
    });
  });
}

describe('what one socket may ask', () => {
  it('each query, mutation or subscription is a request of its key and workspace, refused past their rate as HTTP is', async () => {
    const limited = await startHarness({ rateLimits: { perTenant: 10_000, perApiKey: 5, perUser: 10_000 } });
    const tenant = await createTestTenant(limited, 'gql-rate');
    const limitedUrl = await limited.server.app.listen({ host: '127.0.0.1', port: 0 });
    const client = wsClient(limitedUrl, tenant.key);
    try {
      const answers = [];
      for (let i = 0; i < 8; i++) answers.push(await operate(client, '{ __typename }'));
      expect(answers.filter((a) => a.data).length).toBeLessThanOrEqual(5);
      const refused = answers.filter((a) => a.errors);
      expect(refused.length).toBeGreaterThanOrEqual(3);
      expect(refused[0]!.errors![0]).toMatchObject({ message: expect.stringContaining('API key is sending too many requests'), extensions: { code: 'RATE_LIMITED' } });
      // HTTP draws from the same bucket.
      expect((await tenant.api('GET', '/records/deal')).statusCode).toBe(429);
    } finally {
      await client.dispose();
      await limited.close();
    }
  });

  it(`runs at most ${MAX_OPERATIONS_PER_SOCKET} operations at once; one completed frees its place`, async () => {
    const t = await createTestTenant(h, 'gql-cap');
    const listening = h.server.app.server.listening ? (h.server.app.server.address() as { port: number }) : undefined;
    const url = listening ? `http://127.0.0.1:${listening.port}` : await h.server.app.listen({ host: '127.0.0.1', port: 0 });
    const client = wsClient(url, t.key);
    try {
      const held = Array.from({ length: MAX_OPERATIONS_PER_SOCKET }, () => subscribe(client, 'subscription { dealChanged { id } }'));
      await untilLive(async () => void (await t.api('POST', '/records/deal', { name: 'probe' })), held.at(-1)!.changes, held.at(-1)!.errors);
      const over = await operate(client, '{ __typename }');
      expect(over.errors?.[0]?.extensions).toMatchObject({ code: 'LIMIT_EXCEEDED' });
      held[0]!.stop();
      await waitFor('a place to be freed', async () => (await operate(client, '{ __typename }')).data !== undefined);
      expect(held.every((sub) => sub.errors.length === 0)).toBe(true);
    } finally {
      await client.dispose();
    }
  });
});

/** Subscription hubs' checkpoints (one per server process) as the outbox holds them. */
const hubCheckpoints = async () =>
  (await h.db.system((q) => q.query<{ consumer: string }>(`select consumer from outbox_checkpoint where consumer like '${HUB_CHECKPOINT_PREFIX}%'`))).map((r) => r.consumer);

describe('GraphQL subscription checkpoints', () => {
  it('a hub removes its checkpoint when it stops, and removes those of hubs that stopped marking theirs alive, never a live one', async () => {
    const live = new ChangeHub(h.db, { heartbeatMs: 50 });
    await live.start();
    // A process that died without stopping: its checkpoint was last marked an hour ago.
    const dead = `${HUB_CHECKPOINT_PREFIX}999999@gone:${crypto.randomUUID()}`;
    await h.db.system((q) => q.query("insert into outbox_checkpoint (consumer, updated_at) values ($1, now() - interval '1 hour')", [dead]));
    const sweeper = new ChangeHub(h.db);
    await sweeper.start();
    try {
      const after = await hubCheckpoints();
      expect(after).not.toContain(dead);
      expect(after).toEqual(expect.arrayContaining([live.name, sweeper.name]));
    } finally {
      await sweeper.stop();
      await live.stop();
    }
    const stopped = await hubCheckpoints();
    expect(stopped).not.toContain(sweeper.name);
    expect(stopped).not.toContain(live.name);
  });
});

describe.skipIf(!process.env['DATABASE_URL'])('GraphQL subscriptions across server processes', () => {
  let a: ServerProcess | undefined;
  let b: ServerProcess | undefined;
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  it('the checkpoint of a server process killed with open subscriptions is removed once it is stale, by any other process', async () => {
    const t = await createTestTenant(h, 'gql-orphan');
    const doomed = await startServerProcess(process.env['DATABASE_URL']!);
    const client = wsClient(doomed.url, t.key);
    let orphan: string | undefined;
    try {
      const sub = subscribe(client, 'subscription { dealChanged { event id } }');
      // Open for certain before the kill: a kill during the handshake tests nothing and fails the client's dispose.
      await untilLive(async () => void (await t.api('POST', '/records/deal', { name: 'probe' })), sub.changes, sub.errors);
      await waitFor('the process’s checkpoint', async () => (orphan = (await hubCheckpoints()).find((c) => c.startsWith(`${HUB_CHECKPOINT_PREFIX}${doomed.child.pid}@`))) !== undefined);
      await doomed.kill();
    } finally {
      await client.dispose();
    }
    // Nothing stopped it cleanly: the checkpoint outlives the process and its sockets.
    expect(await hubCheckpoints()).toContain(orphan);
    // Ten minutes later (the default staleness), as far as the checkpoint's mark goes.
    await h.db.system((q) => q.query("update outbox_checkpoint set updated_at = now() - interval '11 minutes' where consumer = $1", [orphan]));
    const survivor = new ChangeHub(h.db);
    await survivor.start();
    try {
      expect(await hubCheckpoints()).not.toContain(orphan);
      expect(await hubCheckpoints()).toContain(survivor.name);
    } finally {
      await survivor.stop();
    }
  }, 120_000);

  it('a change saved through one server process reaches a subscriber of another', async () => {
    const t = await createTestTenant(h, 'gql-procs');
    [a, b] = await Promise.all([startServerProcess(process.env['DATABASE_URL']!), startServerProcess(process.env['DATABASE_URL']!)]);
    const client = wsClient(a.url, t.key);
    try {
      await checkSequence(b.url, t, client);
    } finally {
      await client.dispose();
    }
  }, 120_000);
});
