import { createServer, type Server } from 'node:http';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTestTenant, json, startHarness, waitFor, type Harness, type TestTenant, LOCAL_WEBHOOK_DELIVERY } from './harness.ts';

// What leaves the workspace on a user's behalf carries only what that user may read (ADR 0012).
Object.assign(process.env, LOCAL_WEBHOOK_DELIVERY);

let h: Harness;
let a: TestTenant;
let carol: { id: string; key: string };

interface Delivery {
  event: string;
  recordId: string;
  data?: Record<string, unknown>;
  changes?: Record<string, unknown>;
}

async function receiver(): Promise<{ url: string; received: Delivery[]; close: () => Promise<void> }> {
  const received: Delivery[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push(JSON.parse(body) as Delivery);
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/hook`, received, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const created = async (r: Promise<import('fastify').LightMyRequestResponse>) => {
  const response = await r;
  expect(response.statusCode, response.body).toBe(201);
  return json<{ id: string }>(response);
};

beforeAll(async () => {
  h = await startHarness({ webhooks: { deliver: true } });
  a = await createTestTenant(h, 'acl-out');
  const set = await created(
    a.api('POST', '/access/permission-sets', {
      key: 'keys_no_amount',
      name: 'Keys, no amounts',
      grants: { objects: { '*': { create: true, read: true, edit: true, delete: true } }, fields: { deal: { amount: 'none' } }, setup: { keys: true } },
    }),
  );
  await created(a.api('POST', '/access/profiles', { key: 'keys_no_amount', name: 'Keys, no amounts', permissionSetIds: [set.id] }));
  const user = await created(a.api('POST', '/users', { email: `carol@${a.slug}.test`, name: 'Carol', role: 'keys_no_amount', password: 'correct horse battery' }));
  carol = { id: user.id, key: (await h.server.auth.createApiKey(a.id, user.id, 'carol')).key };
  expect((await a.api('PUT', '/access/sharing', { objects: { deal: 'private' } })).statusCode).toBe(200);
});
afterAll(async () => h?.close());

describe('webhooks deliver as the user who set them up', () => {
  it('a user with the keys right receives neither fields hidden from them nor records out of their reach, and may not filter on a hidden field', async () => {
    const asCarol = (method: string, path: string, body?: unknown) => call(h, carol.key, method, path, body);
    const target = await receiver();
    try {
      const byAmount = await asCarol('POST', '/webhooks', { url: target.url, events: [{ object: 'deal', actions: ['created'] }], filter: { field: 'amount', op: 'gt', value: 1000 } });
      expect(byAmount.statusCode, byAmount.body).toBe(422);
      expect(json<{ errors: { field: string; code: string }[] }>(byAmount).errors).toContainEqual(expect.objectContaining({ field: 'filter/amount', code: 'fieldPermission' }));

      const hook = await created(asCarol('POST', '/webhooks', { url: target.url, events: [{ object: 'deal', actions: ['created', 'updated'] }] }));
      const secret = await created(a.api('POST', '/records/deal', { name: 'Admin secret', amount: 900 }));
      const hers = await created(a.api('POST', '/records/deal', { name: 'For Carol', amount: 500, owner: carol.id }));
      // A change of a hidden field alone is not delivered; the rename after it is, without the amount.
      expect((await a.api('PATCH', `/records/deal/${hers.id}`, { amount: 650 })).statusCode).toBe(200);
      expect((await a.api('PATCH', `/records/deal/${hers.id}`, { name: 'For Carol, renamed' })).statusCode).toBe(200);
      await waitFor('the rename delivered', () => target.received.some((d) => d.event === 'deal.updated' && d.recordId === hers.id), 20_000, () => target.received);

      expect(target.received.filter((d) => d.recordId === secret.id)).toEqual([]);
      const mine = target.received.filter((d) => d.recordId === hers.id);
      // Sent concurrently: they may arrive in either order.
      expect(mine.map((d) => d.event).sort()).toEqual(['deal.created', 'deal.updated']);
      const first = mine.find((d) => d.event === 'deal.created')!;
      expect(first.data).toMatchObject({ name: 'For Carol' });
      expect(first.data).not.toHaveProperty('amount');
      expect(Object.keys(mine.find((d) => d.event === 'deal.updated')!.changes ?? {})).toEqual(['name']);
      // The delivery log holds what was sent, nothing more.
      const log = json<{ data: { recordId: string }[] }>(await asCarol('GET', `/webhooks/${hook.id}/deliveries`));
      expect(log.data.map((d) => d.recordId).sort()).toEqual([hers.id, hers.id]);
    } finally {
      await target.close();
    }
  });

  it("redirecting an administrator's webhook makes it deliver as whoever redirected it", async () => {
    const asCarol = (method: string, path: string, body?: unknown) => call(h, carol.key, method, path, body);
    const target = await receiver();
    try {
      const hook = await created(a.api('POST', '/webhooks', { url: 'http://127.0.0.1:9/erp', events: [{ object: 'deal', actions: ['created'] }] }));
      const redirected = await asCarol('PATCH', `/webhooks/${hook.id}`, { url: target.url });
      expect(redirected.statusCode, redirected.body).toBe(200);
      const secret = await created(a.api('POST', '/records/deal', { name: 'After the redirect', amount: 70 }));
      const marker = await created(a.api('POST', '/records/deal', { name: 'Carol marker', owner: carol.id }));
      await waitFor('the marker delivered', () => target.received.some((d) => d.recordId === marker.id), 20_000, () => target.received);
      const log = json<{ data: { recordId: string }[] }>(await asCarol('GET', `/webhooks/${hook.id}/deliveries`));
      expect(log.data.map((d) => d.recordId)).toEqual([marker.id]);
      expect(target.received.filter((d) => d.recordId === secret.id)).toEqual([]);
      expect(target.received.find((d) => d.recordId === marker.id)!.data).not.toHaveProperty('amount');
    } finally {
      await target.close();
    }
  });

  it("another holder of the keys right reads an administrator's delivery log without records or fields hidden from them", async () => {
    const target = await receiver();
    try {
      const hook = await created(a.api('POST', '/webhooks', { url: target.url, events: [{ object: 'deal', actions: ['created'] }] }));
      const secret = await created(a.api('POST', '/records/deal', { name: 'Logged in private', amount: 31 }));
      const hers = await created(a.api('POST', '/records/deal', { name: 'Logged for Carol', amount: 32, owner: carol.id }));
      const log = async () => json<{ data: { id: string; recordId: string }[] }>(await a.api('GET', `/webhooks/${hook.id}/deliveries`)).data;
      await waitFor('both deliveries logged', async () => (await log()).length === 2);
      const deliveries = await log();
      const bodyOf = async (key: string, recordId: string) => {
        const r = await call(h, key, 'GET', `/webhooks/${hook.id}/deliveries/${deliveries.find((d) => d.recordId === recordId)!.id}`);
        expect(r.statusCode, r.body).toBe(200);
        return json<{ body: { recordId: string; data?: Record<string, unknown> } }>(r).body;
      };
      expect((await bodyOf(a.key, secret.id)).data).toMatchObject({ name: 'Logged in private', amount: 31 });
      const hidden = await bodyOf(carol.key, secret.id);
      expect(hidden.recordId).toBe(secret.id);
      expect(hidden).not.toHaveProperty('data');
      const shown = await bodyOf(carol.key, hers.id);
      expect(shown.data).toMatchObject({ name: 'Logged for Carol' });
      expect(shown.data).not.toHaveProperty('amount');
    } finally {
      await target.close();
    }
  });
});

describe('live updates', () => {
  it('a subscriber hears neither of deleted records out of its reach nor of changes to fields hidden from it', async () => {
    const url = await h.server.app.listen({ host: '127.0.0.1', port: 0 });
    const client = createClient({ url: `${url.replace(/^http/, 'ws')}/api/v1/graphql`, webSocketImpl: globalThis.WebSocket, lazy: false, retryAttempts: 0, connectionParams: { authorization: `Bearer ${carol.key}` } });
    const changes: { event: string; id: string; changedFields: string[] | null }[] = [];
    const errors: unknown[] = [];
    const stop = client.subscribe<{ dealChanged: (typeof changes)[number] }>(
      { query: 'subscription { dealChanged { event id changedFields } }' },
      { next: (r) => (r.errors ? errors.push(r.errors) : changes.push(r.data!.dealChanged)), error: (e) => errors.push(e), complete: () => undefined },
    );
    try {
      // Live once the server registered it: probes are written until one arrives.
      await waitFor('the subscription to be live', async () => {
        if (errors.length) throw new Error(JSON.stringify(errors));
        if (!changes.length) await created(call(h, carol.key, 'POST', '/records/deal', { name: 'Probe' }));
        return changes.length > 0;
      });
      const secret = await created(a.api('POST', '/records/deal', { name: 'Deleted in private', amount: 10 }));
      expect((await a.api('DELETE', `/records/deal/${secret.id}`)).statusCode).toBe(204);
      const hers = await created(a.api('POST', '/records/deal', { name: 'Hers', owner: carol.id }));
      expect((await a.api('PATCH', `/records/deal/${hers.id}`, { amount: 99 })).statusCode).toBe(200);
      expect((await a.api('PATCH', `/records/deal/${hers.id}`, { name: 'Hers, renamed' })).statusCode).toBe(200);
      // Changes reach a subscriber in commit order: once the rename arrived, the others were weighed.
      await waitFor('the rename', () => changes.some((c) => c.id === hers.id && c.event === 'updated'), 20_000, () => changes);
      expect(errors).toEqual([]);
      expect(changes.filter((c) => c.id === secret.id)).toEqual([]);
      expect(changes.filter((c) => c.id === hers.id)).toEqual([
        { event: 'created', id: hers.id, changedFields: null },
        { event: 'updated', id: hers.id, changedFields: ['name'] },
      ]);
    } finally {
      stop();
      await client.dispose();
    }
  });
});

describe('workflows read as their principal', () => {
  let dave: { id: string };
  let asDave: (method: string, path: string, body?: unknown) => ReturnType<typeof call>;
  beforeAll(async () => {
    const set = await created(
      a.api('POST', '/access/permission-sets', {
        key: 'designer_no_email',
        name: 'Designer, no emails',
        grants: { objects: { '*': { create: true, read: true, edit: true, delete: true } }, fields: { deal: { amount: 'none' }, customer: { email: 'none' } }, setup: { model: true } },
      }),
    );
    await created(a.api('POST', '/access/profiles', { key: 'designer_no_email', name: 'Designer, no emails', permissionSetIds: [set.id] }));
    dave = await created(a.api('POST', '/users', { email: `dave@${a.slug}.test`, name: 'Dave', role: 'designer_no_email', password: 'correct horse battery' }));
    const daveKey = (await h.server.auth.createApiKey(a.id, dave.id, 'dave')).key;
    asDave = (method, path, body) => call(h, daveKey, method, path, body);
  });

  it("a designer's workflow starts on no record out of its profile's reach and renders no field hidden from it", async () => {
    const notify = (apiName: string, object: string, message: string) => ({
      apiName,
      label: apiName,
      definition: { trigger: { type: 'record', object, events: ['created'] }, start: 'tell', steps: [{ id: 'tell', type: 'notify', config: { user: dave.id, message } }] },
    });
    const onDeal = await created(asDave('POST', '/workflows', notify('tell_deals', 'deal', 'Deal {{record.name}} worth {{record.amount}}')));
    const onCustomer = await created(asDave('POST', '/workflows', notify('tell_customers', 'customer', 'Customer {{record.last_name}} <{{record.email}}>')));
    for (const wf of [onDeal, onCustomer]) expect((await asDave('POST', `/workflows/${wf.id}/activate`, {})).statusCode).toBe(200);

    // Deals are private and the workflow owns none; customers are public but their emails hidden from its profile.
    await created(a.api('POST', '/records/deal', { name: 'Private pipeline', amount: 4242 }));
    await created(a.api('POST', '/records/customer', { last_name: 'Marker', email: 'hidden@example.com' }));
    const runs = async (id: string) => json<{ runs: { status: string }[] }>(await asDave('GET', `/workflows/${id}/runs`)).runs;
    // Runs of one batch of events are written together, in order: once the customer's run exists, the deal's event was weighed.
    await waitFor("the customer's run to complete", async () => (await runs(onCustomer.id)).some((r) => r.status === 'completed'));
    expect(await runs(onDeal.id)).toEqual([]);
    const messages = json<{ notifications: { message: string }[] }>(await asDave('GET', '/notifications')).notifications.map((n) => n.message);
    expect(messages).toEqual(['Customer Marker <>']);
  });

  it("a designer may not change, start again or read the runs of a workflow whose profile holds more than they do", async () => {
    const definition = (message: string) => ({ trigger: { type: 'record', object: 'deal', events: ['created'] }, start: 'tell', steps: [{ id: 'tell', type: 'notify', config: { user: dave.id, message } }] });
    const wf = await created(a.api('POST', '/workflows', { apiName: 'admin_deals', label: 'Admin deals', definition: definition('New deal {{record.name}}') }));
    expect((await a.api('POST', `/workflows/${wf.id}/activate`, {})).statusCode).toBe(200);
    await created(a.api('POST', '/records/deal', { name: 'Seen by the admin profile', amount: 5150 }));
    await waitFor('a run of the administrator’s workflow', async () => json<{ runs: unknown[] }>(await a.api('GET', `/workflows/${wf.id}/runs`)).runs.length > 0);
    const run = json<{ runs: { id: string }[] }>(await a.api('GET', `/workflows/${wf.id}/runs`)).runs[0]!;

    const refused = async (r: ReturnType<typeof call>) => {
      const response = await r;
      expect(response.statusCode, response.body).toBe(403);
      expect(json<{ errors: { field: string; code: string }[] }>(response).errors).toContainEqual(expect.objectContaining({ field: 'profile', code: 'exceedsYours' }));
    };
    // Saving a definition makes it the running version: it would run as the administrator's profile.
    await refused(asDave('PATCH', `/workflows/${wf.id}`, { definition: definition('Hijacked {{record.name}} {{record.amount}}') }));
    await refused(asDave('POST', `/workflows/${wf.id}/activate`, {}));
    await refused(asDave('GET', `/workflows/${wf.id}/runs`));
    await refused(asDave('GET', `/workflow-runs/${run.id}`));
    // Nor drive it: its inbound secret starts runs as its profile, and so do test runs, retries and cancels.
    await refused(asDave('GET', `/workflows/${wf.id}/webhook`));
    await refused(asDave('POST', `/workflows/${wf.id}/runs`, { test: true }));
    await refused(asDave('POST', `/workflow-runs/${run.id}/retry`));
    await refused(asDave('POST', `/workflow-runs/${run.id}/cancel`));
    const current = json<{ version: number; definition: { steps: { config: { message: string } }[] } }>(await a.api('GET', `/workflows/${wf.id}`));
    expect(current.version).toBe(1);
    expect(current.definition.steps[0]!.config.message).toBe('New deal {{record.name}}');
    // Given a profile the designer holds, it is theirs to change.
    expect((await asDave('POST', `/workflows/${wf.id}/activate`, { profile: 'designer_no_email' })).statusCode).toBe(200);
    expect((await asDave('PATCH', `/workflows/${wf.id}`, { definition: definition('Deal {{record.name}}') })).statusCode).toBe(200);
  });
});

describe('a designer computes over no field hidden from them', () => {
  it('refuses a formula, a validation rule or a roll-up reading the hidden amount, and takes what reads visible fields', async () => {
    const set = await created(
      a.api('POST', '/access/permission-sets', {
        key: 'designer_no_amount',
        name: 'Designer, no amounts',
        grants: { objects: { '*': { create: true, read: true, edit: true, delete: true } }, fields: { deal: { amount: 'none' } }, setup: { model: true } },
      }),
    );
    await created(a.api('POST', '/access/profiles', { key: 'designer_no_amount', name: 'Designer, no amounts', permissionSetIds: [set.id] }));
    const erin = await created(a.api('POST', '/users', { email: `erin@${a.slug}.test`, name: 'Erin', role: 'designer_no_amount', password: 'correct horse battery' }));
    const key = (await h.server.auth.createApiKey(a.id, erin.id, 'erin')).key;
    const asErin = (method: string, path: string, body?: unknown) => call(h, key, method, path, body);
    const refused = async (r: ReturnType<typeof call>) => {
      const response = await r;
      expect(response.statusCode, response.body).toBe(422);
      const errors = json<{ errors: { code: string; message: string }[] }>(response).errors;
      expect(errors).toContainEqual(expect.objectContaining({ code: 'fieldPermission', message: expect.stringContaining("'deal.amount'") }));
    };
    const formula = (apiName: string, expression: string) => ({ apiName, type: 'formula', labels: { en: apiName }, formula: { expression, resultType: 'number', stored: false } });
    await refused(asErin('POST', '/metadata/objects/deal/fields', formula('double_amount', 'amount * 2')));
    await refused(asErin('PATCH', '/metadata/objects/deal', { validationRules: [{ apiName: 'big', condition: 'amount > 1000', message: { en: 'Big' } }] }));
    await refused(asErin('POST', '/metadata/objects/organization/fields', { apiName: 'deal_total', type: 'rollup', labels: { en: 'Deal total' }, rollup: { childObjectId: 'deal', lookupFieldId: 'organization', function: 'sum', fieldId: 'amount' } }));
    const fields = json<{ fields: { apiName: string }[] }>(await a.api('GET', '/metadata/objects/deal')).fields.map((f) => f.apiName);
    expect(fields).not.toContain('double_amount');

    expect((await asErin('POST', '/metadata/objects/deal/fields', formula('double_probability', 'probability * 2'))).statusCode).toBe(201);
    // What someone who may read the amount made, the designer may still rename and relabel.
    expect((await a.api('POST', '/metadata/objects/deal/fields', formula('amount_and_probability', 'amount + probability'))).statusCode).toBe(201);
    expect((await asErin('PATCH', '/metadata/objects/deal/fields/probability', { apiName: 'likelihood' })).statusCode).toBe(200);
    expect((await asErin('PATCH', '/metadata/objects/deal/fields/amount_and_probability', { labels: { en: 'Sum' } })).statusCode).toBe(200);
  });
});
