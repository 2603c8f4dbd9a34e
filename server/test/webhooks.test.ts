import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { call, createTestTenant, json, startHarness, type Harness, type TestTenant, waitFor, LOCAL_WEBHOOK_DELIVERY } from './harness.ts';
import { startServerProcess, type ServerProcess } from './server-process.ts';

// These servers, and the server processes they start, are the only senders of the test database.
Object.assign(process.env, LOCAL_WEBHOOK_DELIVERY);

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ webhooks: { deliver: true } });
});
afterAll(async () => h?.close());

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  json: Record<string, any>;
}

/** A local HTTP receiver; `answer` decides each response's status (and may delay it). */
async function receiver(answer: (r: Received, n: number) => number | Promise<number> = () => 200): Promise<{ url: string; received: Received[]; close: () => Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', async () => {
      const r = { headers: req.headers, body, json: JSON.parse(body) as Record<string, any> };
      received.push(r);
      res.statusCode = await answer(r, received.length);
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/hook`, received, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/**
 * A second holder of the keys right in `tenant`, who reads and creates `object` records: the user a
 * webhook moves to when they point it elsewhere. Returns a caller acting as them.
 */
async function keeperOf(tenant: TestTenant, object: string): Promise<(method: string, path: string, body?: unknown) => ReturnType<typeof call>> {
  const set = json<{ id: string }>(await tenant.api('POST', '/access/permission-sets', { key: 'hook_keeper', name: 'Hook keeper', grants: { objects: { [object]: { read: true, create: true } }, fields: {}, setup: { keys: true } } }));
  expect((await tenant.api('POST', '/access/profiles', { key: 'hook_keeper', name: 'Hook keeper', permissionSetIds: [set.id] })).statusCode).toBe(201);
  const keeper = json<{ id: string }>(await tenant.api('POST', '/users', { email: `keeper@${tenant.slug}.test`, name: 'Keeper', role: 'hook_keeper', password: 'correct horse battery' }));
  const keeperKey = (await h.server.auth.createApiKey(tenant.id, keeper.id, 'keeper')).key;
  return (method, path, body) => call(h, keeperKey, method, path, body);
}

/** After a webhook moved to the keeper: the keeper's own new record reaches its new URL, and it is all that does. */
async function onlyTheKeepersReach(asKeeper: Awaited<ReturnType<typeof keeperOf>>, at: { received: Received[] }, object: string, values: Record<string, unknown>, nameField: string): Promise<void> {
  expect((await asKeeper('POST', `/records/${object}`, values)).statusCode).toBe(201);
  await waitFor(`the keeper's ${object} at the new URL`, () => at.received.some((r) => r.json['data']?.[nameField] === values[nameField]));
  expect(at.received.map((r) => r.json['data']?.[nameField])).toEqual([values[nameField]]);
}

const verify = (secret: string, r: Received) => {
  const timestamp = String(r.headers['protean-webhook-timestamp']);
  return r.headers['protean-webhook-signature'] === `v1=${createHmac('sha256', secret).update(`${timestamp}.${r.body}`).digest('hex')}`;
};

describe('webhooks', () => {
  let t: TestTenant;
  beforeAll(async () => {
    t = await createTestTenant(h, 'hooks');
  });

  it('registers a webhook with its URL, events, filter and secret, refusing private targets, unknown objects and bad filters', async () => {
    const refused = await t.api('POST', '/webhooks', { url: 'http://10.1.2.3/hook', events: [{ object: 'deal', actions: ['created'] }] });
    expect(refused.statusCode).toBe(422);
    expect(json<{ errors: { field: string; code: string }[] }>(refused).errors[0]).toMatchObject({ field: 'url', code: 'refused' });
    const metadataAddress = await t.api('POST', '/webhooks', { url: 'http://169.254.169.254/latest', events: [{ object: 'deal', actions: ['created'] }] });
    expect(metadataAddress.statusCode).toBe(422);
    const unknown = await t.api('POST', '/webhooks', { url: 'http://127.0.0.1:9/x', events: [{ object: 'spaceship', actions: ['created'] }] });
    expect(json<{ errors: { field: string }[] }>(unknown).errors[0]!.field).toBe('events/0/object');
    const badFilter = await t.api('POST', '/webhooks', { url: 'http://127.0.0.1:9/x', events: [{ object: 'deal', actions: ['created'] }], filter: { field: 'amount', op: 'gt', value: 'many' } });
    expect(badFilter.statusCode).toBe(422);
    expect(json<{ errors: { field: string }[] }>(badFilter).errors[0]!.field).toMatch(/^filter/);

    const created = await t.api('POST', '/webhooks', { name: 'ERP', url: 'http://127.0.0.1:9/x', events: [{ object: 'deal', actions: ['created', 'updated'] }] });
    expect(created.statusCode, created.body).toBe(201);
    const hook = json<{ id: string; secret: string; events: unknown }>(created);
    expect(hook.secret).toMatch(/^whsec_/);
    expect(hook.events).toEqual([{ object: 'deal', actions: ['created', 'updated'] }]);
    const listed = json<Record<string, unknown>[]>(await t.api('GET', '/webhooks'));
    expect(listed.find((w) => w['id'] === hook.id)).not.toHaveProperty('secret');
    expect(json<Record<string, unknown>>(await t.api('GET', `/webhooks/${hook.id}`))).not.toHaveProperty('secret');

    // At rest the secret is sealed under the platform key: the row holds neither it nor any part of it.
    const stored = async (id: string) => (await h.db.system((q) => q.query<{ secret: string }>('select secret from webhook where tenant_id = $1 and id = $2', [t.id, id])))[0]!.secret;
    const sealed = await stored(hook.id);
    expect(sealed).toMatch(/^enc1:/);
    expect(sealed).not.toContain(hook.secret.slice('whsec_'.length, 'whsec_'.length + 8));
    // A rotated or given secret is sealed too, and shown only in the answer that set it.
    const given = 'my-own-signing-secret-0123456789';
    const patched = await t.api('PATCH', `/webhooks/${hook.id}`, { secret: given });
    expect(json<{ secret: string }>(patched).secret).toBe(given);
    expect(await stored(hook.id)).not.toContain('signing');
    expect(await h.server.webhooks.secrets.open(t.id, hook.id, await stored(hook.id))).toBe(given);
    // Sealed for this webhook only: copied to another webhook's row it does not open.
    const other = json<{ id: string }>(await t.api('POST', '/webhooks', { url: 'http://127.0.0.1:9/y', events: [{ object: 'deal', actions: ['created'] }] }));
    await expect(h.server.webhooks.secrets.open(t.id, other.id, await stored(hook.id))).rejects.toThrow();
    // A secret stored in clear before sealing existed is sealed when the sender starts.
    await h.db.system((q) => q.query('update webhook set secret = $3 where tenant_id = $1 and id = $2', [t.id, other.id, 'whsec_stored_in_clear_before']));
    expect(await h.server.webhooks.secrets.sealStored()).toBeGreaterThanOrEqual(1);
    expect(await stored(other.id)).toMatch(/^enc1:/);
    expect(await h.server.webhooks.secrets.open(t.id, other.id, await stored(other.id))).toBe('whsec_stored_in_clear_before');
    expect((await t.api('DELETE', `/webhooks/${other.id}`)).statusCode).toBe(204);
    expect((await t.api('DELETE', `/webhooks/${hook.id}`)).statusCode).toBe(204);
  });

  it('delivers matching record events after commit, signed over timestamp and body, each with its idempotency id, and logs them', async () => {
    const rx = await receiver();
    try {
      const hook = json<{ id: string; secret: string }>(
        await t.api('POST', '/webhooks', { url: rx.url, events: [{ object: 'deal', actions: ['created', 'updated'] }], filter: { field: 'amount', op: 'gte', value: 100 } }),
      );
      const small = json<{ id: string }>(await t.api('POST', '/records/deal', { name: 'Small', amount: 50 }));
      const big = json<{ id: string; version: number }>(await t.api('POST', '/records/deal', { name: 'Big', amount: 500 }));
      await t.api('PATCH', `/records/deal/${big.id}`, { amount: 600 });
      await waitFor('two deliveries', () => rx.received.length >= 2, 20_000, () => rx.received.map((r) => r.json));
      // Deliveries are sent side by side, in no promised order (the body's eventId orders them).
      const created = rx.received.find((r) => r.json['event'] === 'deal.created');
      const updated = rx.received.find((r) => r.json['event'] === 'deal.updated');
      expect(Number(created!.json['eventId'])).toBeLessThan(Number(updated!.json['eventId']));
      // Each carries the record's version, so a receiver can drop a created event that arrives after the update.
      expect(created!.json).toMatchObject({ event: 'deal.created', object: 'deal', recordId: big.id, version: 1, data: { name: 'Big', amount: 500 } });
      expect(updated!.json).toMatchObject({ event: 'deal.updated', recordId: big.id, version: 2, changes: { amount: { from: 500, to: 600 } } });
      expect(rx.received.map((r) => r.json['recordId'])).not.toContain(small.id);
      for (const r of rx.received) {
        expect(verify(hook.secret, r)).toBe(true);
        expect(r.headers['protean-webhook-id']).toBe(r.json['id']);
        expect(Math.abs(Number(r.headers['protean-webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
      }
      // Tampering with the body breaks the signature.
      expect(verify(hook.secret, { ...created!, body: created!.body.replace('500', '5000') })).toBe(false);

      await waitFor('the log to show both delivered', async () => {
        const log = json<{ data: { state: string }[] }>(await t.api('GET', `/webhooks/${hook.id}/deliveries`));
        return log.data.length === 2 && log.data.every((d) => d.state === 'delivered');
      });
      const log = json<{ data: { id: string; event: string; state: string; responseStatus: number; durationMs: number; attempts: number }[] }>(await t.api('GET', `/webhooks/${hook.id}/deliveries`));
      expect(log.data.map((d) => d.event)).toEqual(['deal.updated', 'deal.created']);
      expect(log.data[0]).toMatchObject({ state: 'delivered', responseStatus: 200, attempts: 1 });
      expect(log.data[0]!.durationMs).toBeGreaterThanOrEqual(0);

      // Manual redelivery sends the same delivery again, under the same id.
      const again = await t.api('POST', `/webhooks/${hook.id}/deliveries/${log.data[1]!.id}/redeliver`);
      expect(again.statusCode, again.body).toBe(200);
      expect(json(again)).toMatchObject({ state: 'delivered', attempts: 2, responseStatus: 200 });
      expect(rx.received).toHaveLength(3);
      expect(rx.received[2]!.headers['protean-webhook-id']).toBe(created!.headers['protean-webhook-id']);
      expect(rx.received[2]!.body).toBe(created!.body);
      const detail = json<{ attempts: { manual: boolean; responseStatus: number }[] }>(await t.api('GET', `/webhooks/${hook.id}/deliveries/${log.data[1]!.id}`));
      expect(detail.attempts.map((a) => a.manual)).toEqual([false, true]);
    } finally {
      await rx.close();
    }
  });

  it('pointed elsewhere by another holder of the keys right, delivers as that user from then on: nothing made for its previous user follows the new URL', async () => {
    const tenant = await createTestTenant(h, 'hooks-moved');
    expect((await tenant.api('PUT', '/access/sharing', { objects: { deal: 'private' } })).statusCode).toBe(200);
    const asKeeper = await keeperOf(tenant, 'deal');
    // The first attempt is answered only after the webhook moved: it is in flight across the change.
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    const failing = await receiver(async () => {
      await answered;
      return 500;
    });
    const elsewhere = await receiver();
    try {
      const hook = json<{ id: string }>(await tenant.api('POST', '/webhooks', { url: failing.url, events: [{ object: 'deal', actions: ['created'] }] }));
      await tenant.api('POST', '/records/deal', { name: 'Secret', amount: 31_337 });
      await waitFor('a first attempt in flight', () => failing.received.length >= 1);
      const [pending] = json<{ data: { id: string; state: string }[] }>(await tenant.api('GET', `/webhooks/${hook.id}/deliveries`)).data;
      expect(pending!.state).toBe('pending');

      expect((await asKeeper('PATCH', `/webhooks/${hook.id}`, { url: elsewhere.url })).statusCode).toBe(200);
      answer();
      const attempts = async () => json<{ attempts: { responseStatus: number | null }[] }>(await tenant.api('GET', `/webhooks/${hook.id}/deliveries/${pending!.id}`)).attempts;
      await waitFor('the attempt in flight recorded', async () => (await attempts()).some((a) => a.responseStatus === 500));
      // What was made for the admin is not sent to the new URL, by retry or by hand; the attempt in flight did not bring it back.
      const dropped = json<{ data: { id: string; state: string; error: string }[] }>(await tenant.api('GET', `/webhooks/${hook.id}/deliveries`)).data[0]!;
      expect(dropped).toMatchObject({ id: pending!.id, state: 'failed', error: expect.stringContaining('previous user') });
      expect((await asKeeper('POST', `/webhooks/${hook.id}/deliveries/${pending!.id}/redeliver`)).statusCode).toBe(409);
      // From now on it sends what the keeper may read: not the admin's private deal, but the keeper's own.
      await tenant.api('POST', '/records/deal', { name: 'Secret 2', amount: 42 });
      await onlyTheKeepersReach(asKeeper, elsewhere, 'deal', { name: 'Mine', amount: 7 }, 'name');
    } finally {
      answer();
      await failing.close();
      await elsewhere.close();
    }
  });

  it('a manual redelivery in flight while another holder of the keys right moves the webhook stays given up, and holds up no other delivery', async () => {
    const tenant = await createTestTenant(h, 'hooks-manual-moved');
    const asKeeper = await keeperOf(tenant, 'customer');
    // The first delivery is answered at once; the redelivery's answer waits until the webhook has moved.
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    const first = await receiver(async (_r, n) => {
      if (n === 1) return 200;
      await answered;
      return 500;
    });
    const elsewhere = await receiver();
    try {
      const hook = json<{ id: string }>(await tenant.api('POST', '/webhooks', { url: first.url, events: [{ object: 'customer', actions: ['created'] }] }));
      await tenant.api('POST', '/records/customer', { last_name: 'Admin only' });
      const deliveries = async () => json<{ data: { id: string; state: string; error: string | null }[] }>(await tenant.api('GET', `/webhooks/${hook.id}/deliveries`)).data;
      await waitFor('the first delivery delivered', async () => (await deliveries())[0]?.state === 'delivered');
      const [delivered] = await deliveries();
      const redelivering = tenant.api('POST', `/webhooks/${hook.id}/deliveries/${delivered!.id}/redeliver`);
      await waitFor('the redelivery in flight', () => first.received.length >= 2);
      expect((await asKeeper('PATCH', `/webhooks/${hook.id}`, { url: elsewhere.url })).statusCode).toBe(200);
      answer();
      expect((await redelivering).statusCode).toBe(200);
      expect((await deliveries()).find((d) => d.id === delivered!.id)).toMatchObject({ state: 'failed', error: expect.stringContaining('previous user') });
      // The sender goes on: the keeper's own record reaches the new URL, and nothing made for the admin does.
      await onlyTheKeepersReach(asKeeper, elsewhere, 'customer', { last_name: 'Mine' }, 'last_name');
    } finally {
      answer();
      await first.close();
      await elsewhere.close();
    }
  });

  it('keeps the field and the picklist value its filter uses: removing either is refused, naming the webhook, while the webhook is active', async () => {
    const tenant = await createTestTenant(h, 'hooks-deps');
    const tier = await tenant.api('POST', '/metadata/objects/deal/fields', { apiName: 'tier', type: 'picklist', labels: { en: 'Tier' }, values: [{ apiName: 'gold', labels: { en: 'Gold' } }, { apiName: 'silver', labels: { en: 'Silver' } }] });
    expect(tier.statusCode, tier.body).toBe(201);
    const hook = json<{ id: string }>(await tenant.api('POST', '/webhooks', { name: 'Gold deals', url: 'http://127.0.0.1:9/x', events: [{ object: 'deal', actions: ['created'] }], filter: { field: 'tier', op: 'eq', value: 'gold' } }));
    const values = json<{ fields: { apiName: string; values: unknown[] }[] }>(await tenant.api('GET', '/metadata/objects/deal')).fields.find((f) => f.apiName === 'tier')!.values;
    const withoutGold = await tenant.api('PATCH', '/metadata/objects/deal/fields/tier', { values: values.filter((v) => (v as { apiName: string }).apiName !== 'gold') });
    expect(withoutGold.statusCode, withoutGold.body).toBe(422);
    expect(json<{ errors: { code: string; dependents: { kind: string; id: string }[] }[] }>(withoutGold).errors[0]).toMatchObject({ code: 'has_dependents', dependents: [{ kind: 'webhook', id: hook.id }] });
    expect((await tenant.api('DELETE', '/metadata/objects/deal/fields/tier')).statusCode).toBe(422);
    // Switched off, it no longer holds them.
    expect((await tenant.api('PATCH', `/webhooks/${hook.id}`, { active: false })).statusCode).toBe(200);
    expect((await tenant.api('DELETE', '/metadata/objects/deal/fields/tier')).statusCode).toBe(200);
  });

  it('goes on delivering what its filter matches after the field and the picklist value it filters on are renamed and the old names removed, and shows the filter by the new names', async () => {
    const rx = await receiver();
    try {
      const added = await t.api('POST', '/metadata/objects/deal/fields', { apiName: 'score', type: 'number', labels: { en: 'Score' } });
      expect(added.statusCode, added.body).toBe(201);
      const hook = json<{ id: string }>(
        await t.api('POST', '/webhooks', { url: rx.url, events: [{ object: 'deal', actions: ['created'] }], filter: { and: [{ field: 'score', op: 'gte', value: 10 }, { field: 'stage', op: 'in', value: ['proposal', 'negotiation'] }] } }),
      );
      const renamed = await t.api('POST', '/metadata/changes', { operations: [{ op: 'updateField', object: 'deal', field: 'score', patch: { apiName: 'points' } }] });
      expect(renamed.statusCode, renamed.body).toBe(200);
      const dropped = await t.api('POST', '/metadata/changes', { operations: [{ op: 'removeAlias', object: 'deal', field: 'points', apiName: 'score' }] });
      expect(dropped.statusCode, dropped.body).toBe(200);
      // A picklist value renamed too.
      const stage = json<{ fields: { apiName: string; values?: { apiName: string }[] }[] }>(await t.api('GET', '/metadata/objects/deal')).fields.find((f) => f.apiName === 'stage')!;
      const values = stage.values!.map((v) => (v.apiName === 'proposal' ? { ...v, apiName: 'offer' } : v));
      const revalued = await t.api('POST', '/metadata/changes', { operations: [{ op: 'updateField', object: 'deal', field: 'stage', patch: { values } }] });
      expect(revalued.statusCode, revalued.body).toBe(200);
      const renamedFilter = { and: [{ field: 'points', op: 'gte', value: 10 }, { field: 'stage', op: 'in', value: ['offer', 'negotiation'] }] };
      expect(json<{ filter: unknown }>(await t.api('GET', `/webhooks/${hook.id}`)).filter).toEqual(renamedFilter);

      const low = json<{ id: string }>(await t.api('POST', '/records/deal', { name: 'Low score', points: 5, stage: 'offer' }));
      const high = json<{ id: string }>(await t.api('POST', '/records/deal', { name: 'High score', points: 50, stage: 'offer' }));
      await waitFor('the high score delivered', () => rx.received.some((r) => r.json['recordId'] === high.id), 20_000, () => rx.received.map((r) => r.json));
      expect(rx.received.find((r) => r.json['recordId'] === high.id)!.json['data']).toMatchObject({ points: 50 });
      // Changing the events keeps the filter, now checked against the objects it is given.
      const moved = await t.api('PATCH', `/webhooks/${hook.id}`, { events: [{ object: 'deal', actions: ['created', 'updated'] }] });
      expect(moved.statusCode, moved.body).toBe(200);
      expect(json<{ filter: unknown }>(moved).filter).toEqual(renamedFilter);
      await t.api('PATCH', `/records/deal/${high.id}`, { name: 'Still high' });
      await waitFor('the update delivered', () => rx.received.some((r) => r.json['event'] === 'deal.updated' && r.json['recordId'] === high.id), 20_000, () => rx.received.map((r) => r.json));
      expect(rx.received.map((r) => r.json['recordId'])).not.toContain(low.id);
      expect((await t.api('DELETE', `/webhooks/${hook.id}`)).statusCode).toBe(204);
    } finally {
      await rx.close();
    }
  });

  it('sends a created record with the values it was created with, though updates committed before the delivery was made', async () => {
    const rx = await receiver();
    // On PostgreSQL a transaction holding an id holds every later event back (ADR 0006), so the
    // delivery of the create is certainly made after both updates committed.
    const holder = process.env['DATABASE_URL'] ? new pg.Client({ connectionString: process.env['DATABASE_URL'] }) : undefined;
    try {
      await holder?.connect();
      await holder?.query('begin');
      await holder?.query('select pg_current_xact_id()');
      const hook = json<{ id: string }>(await t.api('POST', '/webhooks', { url: rx.url, events: [{ object: 'deal', actions: ['created'] }] }));
      const deal = json<{ id: string }>(await t.api('POST', '/records/deal', { name: 'As Created', amount: 70 }));
      expect((await t.api('PATCH', `/records/deal/${deal.id}`, { name: 'Renamed', amount: 80 })).statusCode).toBe(200);
      expect((await t.api('PATCH', `/records/deal/${deal.id}`, { amount: null })).statusCode).toBe(200);
      await holder?.query('commit');
      await waitFor('the created delivery', () => rx.received.some((r) => r.json['recordId'] === deal.id), 20_000, () => rx.received.map((r) => r.json));
      const created = rx.received.find((r) => r.json['recordId'] === deal.id)!;
      expect(created.json).toMatchObject({ event: 'deal.created', data: { name: 'As Created', amount: 70 } });
      expect((await t.api('DELETE', `/webhooks/${hook.id}`)).statusCode).toBe(204);
    } finally {
      await holder?.end();
      await rx.close();
    }
  });

  it('a webhook deleted while its delivery is being sent takes the delivery along: the attempt goes unrecorded and the sender logs no error', async () => {
    const errors = vi.spyOn(console, 'error');
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const rx = await receiver(async () => {
      await released;
      return 200;
    });
    try {
      const hook = json<{ id: string }>(await t.api('POST', '/webhooks', { url: rx.url, events: [{ object: 'task', actions: ['created'] }] }));
      expect((await t.api('POST', '/records/task', { subject: 'Deleted mid-send' })).statusCode).toBe(201);
      await waitFor('the delivery to be in flight', () => rx.received.length === 1, 20_000);
      expect((await t.api('DELETE', `/webhooks/${hook.id}`)).statusCode).toBe(204);
      release();
      await h.server.webhooks.settled();
      expect(errors.mock.calls.filter(([message]) => String(message).startsWith('webhook sender'))).toEqual([]);
      const left = await h.db.system((q) => q.query('select 1 from webhook_delivery where tenant_id = $1 and webhook_id = $2', [t.id, hook.id]));
      expect(left).toEqual([]);
    } finally {
      release();
      errors.mockRestore();
      await rx.close();
    }
  });

  it('a redelivery whose webhook is deleted while it is being sent answers 404, not a server error', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    // The first attempt is answered at once; the redelivery waits until the webhook is deleted.
    const rx = await receiver(async (_r, n) => {
      if (n > 1) await released;
      return 200;
    });
    try {
      const hook = json<{ id: string }>(await t.api('POST', '/webhooks', { url: rx.url, events: [{ object: 'task', actions: ['created'] }] }));
      expect((await t.api('POST', '/records/task', { subject: 'Redelivered mid-delete' })).statusCode).toBe(201);
      type Log = { data: { id: string; state: string }[] };
      await waitFor('the delivery to be delivered', async () => json<Log>(await t.api('GET', `/webhooks/${hook.id}/deliveries`)).data[0]?.state === 'delivered', 20_000);
      const delivery = json<Log>(await t.api('GET', `/webhooks/${hook.id}/deliveries`)).data[0]!;
      const again = t.api('POST', `/webhooks/${hook.id}/deliveries/${delivery.id}/redeliver`);
      await waitFor('the redelivery to be in flight', () => rx.received.length === 2, 20_000);
      expect((await t.api('DELETE', `/webhooks/${hook.id}`)).statusCode).toBe(204);
      release();
      const answer = await again;
      expect(answer.statusCode, answer.body).toBe(404);
    } finally {
      release();
      await rx.close();
    }
  });

  it('retries a failing receiver with growing delays, then marks the delivery failed once the retry period is over', async () => {
    const flaky = await receiver((_r, n) => (n <= 2 ? 503 : 200));
    const down = await receiver(() => 500);
    try {
      const ok = json<{ id: string }>(await t.api('POST', '/webhooks', { url: flaky.url, events: [{ object: 'organization', actions: ['created'] }] }));
      const failing = json<{ id: string }>(await t.api('POST', '/webhooks', { url: down.url, events: [{ object: 'organization', actions: ['created'] }] }));
      await t.api('POST', '/records/organization', { name: 'Retry Org' });
      await waitFor('the third attempt to succeed', () => flaky.received.length >= 3);
      expect(new Set(flaky.received.map((r) => r.headers['protean-webhook-id'])).size).toBe(1);
      expect(flaky.received.map((r) => r.headers['protean-webhook-attempt'])).toEqual(['1', '2', '3']);
      await waitFor('the log to say delivered', async () => json<{ data: { state: string }[] }>(await t.api('GET', `/webhooks/${ok.id}/deliveries`)).data[0]?.state === 'delivered');
      await waitFor('the failing delivery to be given up', async () => json<{ data: { state: string }[] }>(await t.api('GET', `/webhooks/${failing.id}/deliveries`)).data[0]?.state === 'failed', 20_000);
      const failed = json<{ data: { attempts: number; responseStatus: number }[] }>(await t.api('GET', `/webhooks/${failing.id}/deliveries`)).data[0]!;
      expect(failed.responseStatus).toBe(500);
      expect(failed.attempts).toBeGreaterThan(2);
      // Delays grow: the gaps between attempts are not all equal to the first.
      const times = down.received.map((r) => Number(r.headers['protean-webhook-timestamp']));
      expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(1);
    } finally {
      await flaky.close();
      await down.close();
    }
  });

  it('keeps tenants apart: a webhook never hears of another tenant’s records', async () => {
    const rx = await receiver();
    try {
      await t.api('POST', '/webhooks', { url: rx.url, events: [{ object: 'task', actions: ['created'] }] });
      const other = await createTestTenant(h, 'hooks-other');
      expect((await other.api('POST', '/records/task', { subject: 'Theirs' })).statusCode).toBeLessThan(300);
      const mine = json<{ id: string }>(await t.api('POST', '/records/task', { subject: 'Mine' }));
      await waitFor('my task', () => rx.received.some((r) => r.json['recordId'] === mine.id));
      expect(rx.received.map((r) => r.json['data']?.subject)).toEqual(['Mine']);
    } finally {
      await rx.close();
    }
  });

  it('pages the delivery log by (time, event) so deliveries written at the same instant are neither skipped nor repeated', async () => {
    const rx = await receiver();
    try {
      const t = await createTestTenant(h, 'hooks-ties');
      const hook = json<{ id: string }>(await t.api('POST', '/webhooks', { url: rx.url, events: [{ object: 'organization', actions: ['created'] }] }));
      // One batch is one transaction: its events reach the dispatcher together, and their deliveries share a time.
      const ops = Array.from({ length: 7 }, (_, i) => ({ op: 'create', data: { name: `Tie ${i}` } }));
      const batch = await t.api('POST', '/records/organization/batch', { operations: ops });
      expect(batch.statusCode, batch.body).toBe(200);
      type Log = { data: { id: string; eventId: string; createdAt: string }[]; nextCursor: string | null };
      await waitFor('seven deliveries', async () => json<Log>(await t.api('GET', `/webhooks/${hook.id}/deliveries?limit=200`)).data.length === 7);
      const whole = json<Log>(await t.api('GET', `/webhooks/${hook.id}/deliveries?limit=200`));
      expect(whole.nextCursor).toBeNull();
      // The case this is about: several deliveries at one time.
      expect(new Set(whole.data.map((d) => d.createdAt)).size).toBeLessThan(7);
      const paged: Log['data'] = [];
      let cursor: string | null = null;
      do {
        const page: Log = json<Log>(await t.api('GET', `/webhooks/${hook.id}/deliveries?limit=2${cursor ? `&cursor=${cursor}` : ''}`));
        expect(page.data.length).toBeLessThanOrEqual(2);
        paged.push(...page.data);
        cursor = page.nextCursor;
      } while (cursor);
      expect(paged.map((d) => d.id)).toEqual(whole.data.map((d) => d.id));
      expect(new Set(paged.map((d) => d.id)).size).toBe(7);
      // Newest event first.
      expect(paged.map((d) => BigInt(d.eventId))).toEqual(paged.map((d) => BigInt(d.eventId)).sort((a, b) => (a > b ? -1 : a < b ? 1 : 0)));
      // Forged cursors of the right shape, holding what Postgres would refuse: each a 400 naming the cursor.
      const forged = (time: string, eventId: string) => Buffer.from(JSON.stringify([time, eventId])).toString('base64url');
      for (const cursor of ['not-a-cursor', forged('2026-12-06 10:00:00+00', '9999999999999999999'), forged('2026-02-30 10:00:00+00', '1'), forged('2026-12-06 24:00:00+00', '1')]) {
        const bad = await t.api('GET', `/webhooks/${hook.id}/deliveries?cursor=${cursor}`);
        expect(bad.statusCode, cursor).toBe(400);
        expect(json<{ errors: { field: string }[] }>(bad).errors[0]!.field).toBe('cursor');
      }
    } finally {
      await rx.close();
    }
  });
});

describe.skipIf(!process.env['DATABASE_URL'])('webhooks through a crash', () => {
  let server: ServerProcess | undefined;
  afterAll(async () => server?.stop());

  it('a server killed mid-run loses no event and sends none twice under a different id', async () => {
    const t = await createTestTenant(h, 'hooks-crash');
    // A slow receiver keeps deliveries in flight when the process dies.
    const rx = await receiver(async () => {
      await new Promise((resolve) => setTimeout(resolve, 150));
      return 200;
    });
    const env = { PROTEAN_WEBHOOK_ALLOW_HOSTS: '127.0.0.1', PROTEAN_WEBHOOK_LEASE_MS: '1500', PROTEAN_WEBHOOK_RETRY_BASE_MS: '100', PROTEAN_WEBHOOK_POLL_MS: '100' };
    try {
      server = await startServerProcess(process.env['DATABASE_URL']!, env);
      const api = async (method: string, path: string, body?: unknown) => {
        const response = await fetch(`${server!.url}/api/v1${path}`, { method, headers: { authorization: `Bearer ${t.key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
        return { status: response.status, body: (await response.json()) as Record<string, any> };
      };
      expect((await api('POST', '/webhooks', { url: rx.url, events: [{ object: 'deal', actions: ['created'] }] })).status).toBe(201);
      const acknowledged: string[] = [];
      const writes: Promise<void>[] = [];
      let killed = false;
      let killedAt = 0;
      const deadline = Date.now() + 60_000;
      // Writes go on until deliveries are flowing, the process is killed among them, and a few more were sent at the dead process.
      for (let i = 0; i < 400 && Date.now() < deadline && !(killed && i > killedAt + 10); i++) {
        // Writes keep going while the process is killed; those that were answered are committed.
        writes.push(
          api('POST', '/records/deal', { name: `Crash ${i}` }).then(
            (r) => void (r.status === 201 && acknowledged.push(r.body['id'] as string)),
            // A write sent at the killed process cannot connect (fetch rejects with a TypeError); any other failure fails the test.
            (error: unknown) => {
              if (!(error instanceof TypeError)) throw error;
            },
          ),
        );
        await new Promise((resolve) => setTimeout(resolve, 15));
        if (!killed && rx.received.length >= 5) {
          killed = true;
          killedAt = i;
          await server.kill();
        }
      }
      await Promise.all(writes);
      expect(killed).toBe(true);
      server = await startServerProcess(process.env['DATABASE_URL']!, env);
      for (let i = 0; i < 10; i++) {
        const r = await api('POST', '/records/deal', { name: `After ${i}` });
        expect(r.status).toBe(201);
        acknowledged.push(r.body['id'] as string);
      }
      const delivered = () => new Set(rx.received.map((r) => r.json['recordId'] as string));
      await waitFor('every acknowledged deal to be delivered', () => acknowledged.every((id) => delivered().has(id)), 60_000, () => acknowledged.filter((id) => !delivered().has(id)));
      // At least once, and a repeat is the same delivery: one id per record, one record per id.
      const idsByRecord = new Map<string, Set<string>>();
      for (const r of rx.received) {
        const set = idsByRecord.get(r.json['recordId']) ?? new Set();
        set.add(String(r.headers['protean-webhook-id']));
        idsByRecord.set(r.json['recordId'], set);
      }
      for (const [record, ids] of idsByRecord) expect([record, ids.size]).toEqual([record, 1]);
      expect(new Set(rx.received.map((r) => r.json['eventId'])).size).toBe(idsByRecord.size);
    } finally {
      await rx.close();
    }
  }, 180_000);
});
