import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { TRIGGER_CONSUMER } from '../src/workflows/workflow-triggers.ts';
import { createTestTenant, json, startHarness, waitFor, waitForValue, type Harness, type TestTenant } from './harness.ts';

let h: Harness;
let t: TestTenant;
beforeAll(async () => {
  h = await startHarness();
  t = await createTestTenant(h, 'wf');
});
afterAll(async () => h?.close());

type Run = { id: string; status: string; version: number; error: string | null; failedStep: string | null; steps: { seq: number; stepId: string; status: string; input: unknown; output: unknown; durationMs: number | null; error: string | null; attempt: number }[] };

async function runsOf(tenant: TestTenant, workflow: string): Promise<{ id: string; status: string }[]> {
  const response = await tenant.api('GET', `/workflows/${workflow}/runs`);
  expect(response.statusCode).toBe(200);
  return json<{ runs: { id: string; status: string }[] }>(response).runs;
}

async function run(tenant: TestTenant, id: string): Promise<Run> {
  const response = await tenant.api('GET', `/workflow-runs/${id}`);
  expect(response.statusCode).toBe(200);
  return json<Run>(response);
}

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

/** Waits for a run to reach `status`; one that ends otherwise fails at once, with what it ended as. */
const runIn = (tenant: TestTenant, id: string, status: string) =>
  waitForValue(`run ${id} to be ${status}`, async () => {
    const seen = await run(tenant, id);
    if (seen.status === status) return seen;
    if (TERMINAL.has(seen.status)) throw new Error(`run ${id} ended ${seen.status}, not ${status}: ${JSON.stringify({ error: seen.error, steps: seen.steps.map((s) => s.stepId) })}`);
    return undefined;
  });

async function define(tenant: TestTenant, apiName: string, definition: unknown, activate = true): Promise<string> {
  const created = await tenant.api('POST', '/workflows', { apiName, label: apiName.replace(/_/g, ' '), definition });
  expect(created.statusCode, created.body).toBe(201);
  if (activate) expect((await tenant.api('POST', `/workflows/${apiName}/activate`)).statusCode).toBe(200);
  return json<{ id: string }>(created).id;
}

async function customer(tenant: TestTenant, values: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const response = await tenant.api('POST', '/records/customer', { last_name: 'Wang', first_name: 'Fang', ...values });
  expect(response.statusCode, response.body).toBe(201);
  return json(response);
}

describe('workflows', () => {
  it('runs on "status changed to": updates the record, creates a task, notifies the owner, and keeps each step’s input, output and duration', async () => {
    await define(t, 'activated_follow_up', {
      trigger: { type: 'record', object: 'customer', events: ['updated'], condition: { path: 'record.status', op: 'changedTo', value: 'active' } },
      start: 'rich',
      steps: [
        { id: 'rich', type: 'condition', config: { condition: { path: 'record.last_name', op: 'isNotEmpty' } }, branches: { true: 'note', false: 'done' } },
        { id: 'note', type: 'updateRecord', config: { values: { notes: 'Activated: {{record.first_name}} {{record.last_name}}' } }, next: 'task' },
        { id: 'task', type: 'createTask', config: { subject: 'Welcome call for {{record.name}}', dueInDays: 2, priority: 'high' }, next: 'tell' },
        { id: 'tell', type: 'notify', config: { message: '{{record.name}} is now active' }, next: 'done' },
        { id: 'done', type: 'end', config: { outcome: 'welcomed' } },
      ],
    });
    const c = await customer(t);
    // Created as a lead: "changed to active" does not hold, so nothing starts.
    const updated = await t.api('PATCH', `/records/customer/${String(c['id'])}`, { status: 'active' });
    expect(updated.statusCode, updated.body).toBe(200);
    const [first] = await waitForValue('a run', async () => {
      const runs = await runsOf(t, 'activated_follow_up');
      return runs.length ? runs : undefined;
    });
    const done = await runIn(t, first!.id, 'completed');
    expect(done.version).toBe(1);
    expect(done.steps.map((s) => `${s.stepId}:${s.status}`)).toEqual(['rich:completed', 'note:completed', 'task:completed', 'tell:completed', 'done:completed']);
    expect(done.steps[1]!.input).toEqual({ values: { notes: 'Activated: Fang Wang' } });
    expect(done.steps.every((s) => typeof s.durationMs === 'number')).toBe(true);
    const record = json(await t.api('GET', `/records/customer/${String(c['id'])}`));
    expect(record['notes']).toBe('Activated: Fang Wang');
    const taskId = (done.steps[2]!.output as { id: string }).id;
    const task = json(await t.api('GET', `/records/task/${taskId}`));
    expect(task).toMatchObject({ subject: 'Welcome call for Fang Wang', priority: 'high', related_customer: c['id'], assignee: t.adminId });
    const inbox = json<{ notifications: { message: string }[] }>(await t.api('GET', '/notifications'));
    expect(inbox.notifications.map((n) => n.message)).toContain('Fang Wang is now active');
    // Saving again with the same status is not a change to it: no second run.
    await t.api('PATCH', `/records/customer/${String(c['id'])}`, { phone: '+86 10 1234 5678' });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect((await runsOf(t, 'activated_follow_up')).length).toBe(1);
  });

  it('refuses an invalid definition with every problem and its path, and writes nothing', async () => {
    const response = await t.api('POST', '/workflows', {
      apiName: 'broken',
      label: 'Broken',
      definition: {
        trigger: { type: 'record', object: 'customer', events: ['created'] },
        start: 'a',
        steps: [
          { id: 'a', type: 'condition', config: { condition: { path: 'record.no_such_field', op: 'eq', value: 1 } }, branches: { true: 'b' } },
          { id: 'b', type: 'createTask', config: {} },
          { id: 'lonely', type: 'end', config: {} },
        ],
      },
    });
    expect(response.statusCode).toBe(422);
    const fields = json<{ errors: { field: string; code: string }[] }>(response).errors.map((e) => `${e.field} ${e.code}`);
    expect(fields).toEqual(expect.arrayContaining(['definition.steps.1.config.subject invalid', 'definition.steps.0.config.condition.path unknown_field']));
    expect((await t.api('GET', '/workflows/broken')).statusCode).toBe(404);
  });

  it('routes on expression conditions checked against the object’s fields at save, and refuses an ill-typed one with its position', async () => {
    const definition = (vip: string) => ({
      trigger: { type: 'record', object: 'customer', events: ['updated'], condition: { expression: "isChanged(status) && status == 'active'" } },
      start: 'vip',
      steps: [
        { id: 'vip', type: 'condition', config: { condition: { expression: vip } }, branches: { true: 'vip_end', false: 'done' } },
        { id: 'vip_end', type: 'end', config: { outcome: 'vip' } },
        { id: 'done', type: 'end', config: {} },
      ],
    });
    const refused = await t.api('POST', '/workflows', { apiName: 'expr_bad', label: 'Expr bad', definition: definition("last_name == 'Zhao' && notes > 3") });
    expect(refused.statusCode, refused.body).toBe(422);
    const [problem, ...others] = json<{ errors: { path: string; code: string; message: string; position: { line: number; column: number } }[] }>(refused).errors;
    expect(others).toEqual([]);
    expect(problem).toMatchObject({ path: '/definition/steps/0/config/condition/expression', code: 'invalid_expression', position: { line: 1, column: 24 } });
    expect(problem!.message).toMatch(/^step 'vip': line 1, column 24: /);
    expect((await t.api('GET', '/workflows/expr_bad')).statusCode).toBe(404);

    await define(t, 'expr_vip', definition("last_name == 'Zhao' || size(notes) > 100"));
    const routeOf = async (lastName: string, count: number) => {
      const c = await customer(t, { last_name: lastName });
      // Changing the notes alone does not change the status: the trigger condition holds back a run.
      expect((await t.api('PATCH', `/records/customer/${String(c['id'])}`, { notes: 'first call' })).statusCode).toBe(200);
      expect((await t.api('PATCH', `/records/customer/${String(c['id'])}`, { status: 'active' })).statusCode).toBe(200);
      const runs = await waitForValue(`run ${count}`, async () => {
        const all = await runsOf(t, 'expr_vip');
        return all.length >= count ? all : undefined;
      });
      expect(runs).toHaveLength(count);
      const newest = runs.find((r) => !seen.has(r.id))!;
      seen.add(newest.id);
      const done = await runIn(t, newest.id, 'completed');
      return done.steps.map((s) => s.stepId);
    };
    const seen = new Set<string>();
    expect(await routeOf('Zhao', 1)).toEqual(['vip', 'vip_end']);
    expect(await routeOf('Wang', 2)).toEqual(['vip', 'done']);
  });

  it('acts as its own automation principal: a profile without edit fails the update step with a permission error, and the run says who acted', async () => {
    await define(t, 'read_only_note', {
      trigger: { type: 'record', object: 'customer', events: ['created'], condition: { expression: "last_name == 'Readonly'" } },
      start: 'note',
      steps: [
        { id: 'note', type: 'updateRecord', config: { values: { notes: 'Seen by the workflow' } }, next: 'done' },
        { id: 'done', type: 'end', config: {} },
      ],
    }, false);
    const badProfile = await t.api('POST', '/workflows/read_only_note/activate', { profile: 'no_such_profile' });
    expect(badProfile.statusCode, badProfile.body).toBe(422);
    const activated = await t.api('POST', '/workflows/read_only_note/activate', { profile: 'read_only' });
    expect(activated.statusCode, activated.body).toBe(200);
    const automationId = json<{ automationId: string }>(activated).automationId;
    expect(automationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(automationId).not.toBe(t.adminId);

    const c = await customer(t, { last_name: 'Readonly' });
    const [only] = await waitForValue('a run', async () => {
      const runs = await runsOf(t, 'read_only_note');
      return runs.length ? runs : undefined;
    });
    const failed = await runIn(t, only!.id, 'failed');
    expect(failed.failedStep).toBe('note');
    expect(failed.steps.map((s) => `${s.stepId}:${s.status}`)).toEqual(['note:failed']);
    expect(failed.steps[0]!.error).toBe("You may not edit Customers: needs the 'edit' permission on customer");
    expect((failed as unknown as { actedAs: unknown }).actedAs).toEqual({ id: automationId, name: 'read only note', kind: 'automation', profile: 'read_only' });
    expect(json(await t.api('GET', `/records/customer/${String(c['id'])}`))['notes']).toBeFalsy();
  });

  it('waits without a timer, keeps the version a run started on when the workflow changes, and times out a wait for an event', async () => {
    await define(t, 'slow_welcome', {
      trigger: { type: 'manual', object: 'customer' },
      start: 'pause',
      steps: [
        { id: 'pause', type: 'wait', config: { mode: 'duration', duration: { amount: 1, unit: 'seconds' } }, next: 'mark' },
        { id: 'mark', type: 'setVariable', config: { name: 'said', value: 'v1' }, next: 'listen' },
        { id: 'listen', type: 'wait', config: { mode: 'event', event: 'payment.received', timeout: { amount: 1, unit: 'seconds' } }, branches: { done: 'paid', timeout: 'unpaid' } },
        { id: 'paid', type: 'end', config: { outcome: 'paid' } },
        { id: 'unpaid', type: 'end', config: { outcome: 'unpaid' } },
      ],
    });
    const c = await customer(t);
    const started = await t.api('POST', '/workflows/slow_welcome/runs', { recordId: c['id'] });
    expect(started.statusCode, started.body).toBe(202);
    const { runId } = json<{ runId: string }>(started);
    await runIn(t, runId, 'waiting');
    // While it waits, the wait is a row: a job due in a second, not a timer in this process.
    const timers = await h.db.transaction(t.id, (tx) => tx.query<{ runAt: string }>("select run_at as \"runAt\" from job where tenant_id = $1 and state = 'queued' and payload->>'runId' = $2", [t.id, runId]));
    expect(timers).toHaveLength(1);
    const changed = await t.api('PATCH', '/workflows/slow_welcome', {
      definition: { ...json<{ definition: Record<string, unknown> }>(await t.api('GET', '/workflows/slow_welcome')).definition, steps: [{ id: 'pause', type: 'end', config: { outcome: 'v2' } }], start: 'pause' },
      message: 'Shorter',
    });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(json(changed)['version']).toBe(2);
    const done = await runIn(t, runId, 'completed');
    expect(done.version).toBe(1);
    expect(done.steps.map((s) => s.stepId)).toEqual(['pause', 'mark', 'listen', 'unpaid']);
    expect(done.steps[2]!.output).toMatchObject({ outcome: 'timeout' });
    const versions = json<{ versions: { version: number; message: string }[] }>(await t.api('GET', '/workflows/slow_welcome/versions')).versions;
    expect(versions.map((v) => `${v.version} ${v.message}`)).toEqual(['2 Shorter', '1 Created']);
  });

  it('wakes a run waiting for an event when the event is signalled', async () => {
    await define(t, 'await_payment', {
      trigger: { type: 'manual' },
      start: 'listen',
      steps: [
        { id: 'listen', type: 'wait', config: { mode: 'event', event: 'payment.received', timeout: { amount: 7, unit: 'days' } }, branches: { done: 'paid', timeout: 'unpaid' } },
        { id: 'paid', type: 'end', config: { outcome: 'paid' } },
        { id: 'unpaid', type: 'end', config: { outcome: 'unpaid' } },
      ],
    });
    const { runId } = json<{ runId: string }>(await t.api('POST', '/workflows/await_payment/runs', {}));
    await runIn(t, runId, 'waiting');
    const signalled = await t.api('POST', '/workflow-events', { event: 'payment.received', data: { amount: 120 } });
    expect(json(signalled)).toEqual({ woken: 1 });
    const done = await runIn(t, runId, 'completed');
    expect(done.steps.map((s) => s.stepId)).toEqual(['listen', 'paid']);
    expect(done.steps[0]!.output).toMatchObject({ outcome: 'done', data: { amount: 120 } });
  });

  it('records a failing step with its error, retries the run from that step, and cancels a waiting run', async () => {
    await define(t, 'fragile', {
      trigger: { type: 'manual', object: 'customer' },
      start: 'set',
      steps: [
        { id: 'set', type: 'setVariable', config: { name: 'tier', value: 'gold' }, next: 'update' },
        { id: 'update', type: 'updateRecord', config: { values: { status: '{{input.status}}' } }, next: 'hold' },
        { id: 'hold', type: 'wait', config: { mode: 'duration', duration: { amount: 30, unit: 'days' } } },
      ],
    });
    const c = await customer(t);
    const { runId } = json<{ runId: string }>(await t.api('POST', '/workflows/fragile/runs', { recordId: c['id'], input: { status: 'no_such_status' } }));
    const failed = await runIn(t, runId, 'failed');
    expect(failed.failedStep).toBe('update');
    expect(failed.steps.map((s) => `${s.stepId}:${s.status}`)).toEqual(['set:completed', 'update:failed']);
    expect(failed.steps[1]!.error).toMatch(/status/);
    // The input is fixed at the source: the record can take the value once the picklist has it. Here
    // the run's input is what failed, so the retry fails the same way, at the same step, as attempt 2.
    expect((await t.api('POST', `/workflow-runs/${runId}/retry`)).statusCode).toBe(202);
    const again = await waitForValue('the second attempt', async () => {
      const r = await run(t, runId);
      return r.status === 'failed' && r.steps[1]!.attempt === 2 ? r : undefined;
    });
    expect(again.steps.filter((s) => s.stepId === 'set')).toHaveLength(1);
    const ok = json<{ runId: string }>(await t.api('POST', '/workflows/fragile/runs', { recordId: c['id'], input: { status: 'active' } }));
    await runIn(t, ok.runId, 'waiting');
    expect((await t.api('POST', `/workflow-runs/${ok.runId}/cancel`)).statusCode).toBe(200);
    expect((await run(t, ok.runId)).status).toBe('cancelled');
    // Only a failed run is retried: a cancelled one is a conflict, an unknown one not found.
    expect((await t.api('POST', `/workflow-runs/${ok.runId}/retry`)).statusCode).toBe(409);
    expect((await t.api('POST', '/workflow-runs/00000000-0000-4000-8000-000000000000/retry')).statusCode).toBe(404);
    const timers = await h.db.transaction(t.id, (tx) => tx.query("select id from job where tenant_id = $1 and state = 'queued' and payload->>'runId' = $2", [t.id, ok.runId]));
    expect(timers).toHaveLength(0);
    expect((await t.api('POST', `/workflow-runs/${ok.runId}/cancel`)).statusCode).toBe(409);
  });

  it('keeps what the steps before a failing write did, once: the task and the notification exist a single time', async () => {
    const id = await define(t, 'half_way', {
      trigger: { type: 'manual', object: 'customer' },
      start: 'task',
      steps: [
        { id: 'task', type: 'createTask', config: { subject: 'Half way for {{record.last_name}}' }, next: 'tell' },
        { id: 'tell', type: 'notify', config: { message: 'Half way there' }, next: 'update' },
        { id: 'update', type: 'updateRecord', config: { values: { status: 'no_such_status' } } },
      ],
    });
    const c = await customer(t, { last_name: 'Halfway' });
    const { runId } = json<{ runId: string }>(await t.api('POST', '/workflows/half_way/runs', { recordId: c['id'] }));
    const failed = await runIn(t, runId, 'failed');
    expect(failed.steps.map((s) => `${s.stepId}:${s.status}`)).toEqual(['task:completed', 'tell:completed', 'update:failed']);
    expect(failed.steps[2]!.error).toMatch(/status/);
    const taskId = (failed.steps[0]!.output as { id: string }).id;
    expect((await t.api('GET', `/records/task/${taskId}`)).statusCode).toBe(200);
    const tasks = json<{ data: unknown[] }>(await t.api('GET', `/records/task?filter=${encodeURIComponent(JSON.stringify({ field: 'subject', op: 'eq', value: 'Half way for Halfway' }))}`));
    expect(tasks.data).toHaveLength(1);
    const notes = await h.db.transaction(t.id, (tx) => tx.query('select id from user_notification where tenant_id = $1 and source = $2', [t.id, `workflow:${id}`]));
    expect(notes).toHaveLength(1);
  });

  it('pauses a workflow that keeps failing and tells every admin', async () => {
    const tenant = await createTestTenant(h, 'wf-pause');
    expect((await tenant.api('PATCH', '/workflow-settings', { pauseAfterFailures: 2 })).statusCode).toBe(200);
    await define(tenant, 'always_fails', {
      trigger: { type: 'manual' },
      start: 'create',
      steps: [{ id: 'create', type: 'createRecord', config: { object: 'customer', values: { first_name: 'No last name' } } }],
    });
    for (let i = 0; i < 2; i++) {
      const { runId } = json<{ runId: string }>(await tenant.api('POST', '/workflows/always_fails/runs', {}));
      await runIn(tenant, runId, 'failed');
    }
    const wf = json(await tenant.api('GET', '/workflows/always_fails'));
    expect(wf['status']).toBe('paused');
    expect(String(wf['pausedReason'])).toMatch(/2 failed runs/);
    const inbox = json<{ notifications: { message: string; source: string }[] }>(await tenant.api('GET', '/notifications'));
    expect(inbox.notifications.find((n) => n.source === 'workflow-pause')?.message).toMatch(/always fails/);
    expect((await tenant.api('POST', '/workflows/always_fails/runs', {})).statusCode).toBe(409);
  });

  it('asks for approval, and goes on along the branch the approver chose (in the app, or by the signed email link)', async () => {
    // The admin starts the runs and is the one approver: the step lets them decide their own requests.
    await define(t, 'big_deal', {
      trigger: { type: 'manual' },
      start: 'ask',
      steps: [
        { id: 'ask', type: 'approval', config: { assignees: [t.adminId], message: 'Approve a discount of {{input.discount}}%', allowSelfApproval: true }, branches: { approved: 'yes', rejected: 'no' } },
        { id: 'yes', type: 'end', config: { outcome: 'approved' } },
        { id: 'no', type: 'end', config: { outcome: 'rejected' } },
      ],
    });
    const { runId } = json<{ runId: string }>(await t.api('POST', '/workflows/big_deal/runs', { input: { discount: 15 } }));
    await runIn(t, runId, 'waiting');
    const pending = json<{ approvals: { id: string; runId: string; message: string }[] }>(await t.api('GET', '/workflow-approvals')).approvals.find((a) => a.runId === runId)!;
    expect(pending.message).toBe('Approve a discount of 15%');
    expect((await t.api('POST', `/workflow-approvals/${pending.id}/decision`, { decision: 'rejected', comment: 'too much' })).statusCode).toBe(200);
    const done = await runIn(t, runId, 'completed');
    expect(done.steps.map((s) => s.stepId)).toEqual(['ask', 'no']);
    expect((await t.api('POST', `/workflow-approvals/${pending.id}/decision`, { decision: 'approved' })).statusCode).toBe(409);

    const second = json<{ runId: string }>(await t.api('POST', '/workflows/big_deal/runs', { input: { discount: 5 } }));
    await runIn(t, second.runId, 'waiting');
    const approval = json<{ approvals: { id: string; runId: string }[] }>(await t.api('GET', '/workflow-approvals')).approvals.find((a) => a.runId === second.runId)!;
    const token = h.server.workflows.engine.approvalToken(t.id, approval.id, t.adminId, 'approved');
    // Change the first character to another one of the alphabet, so the forgery never equals the token.
    const forge = (real: string) => `${real.startsWith('A') ? 'B' : 'A'}${real.slice(1)}`;
    const forged = await h.server.app.inject({ method: 'GET', url: `/api/v1/workflow-approvals/${approval.id}/email-decision?tenant=${t.slug}&decision=approved&user=${t.adminId}&token=${forge(token)}` });
    expect(forged.statusCode).toBe(401);
    const link = await h.server.app.inject({ method: 'GET', url: `/api/v1/workflow-approvals/${approval.id}/email-decision?tenant=${t.slug}&decision=approved&user=${t.adminId}&token=${token}` });
    expect(link.statusCode, link.body).toBe(200);
    expect((await runIn(t, second.runId, 'completed')).steps.map((s) => s.stepId)).toEqual(['ask', 'yes']);
  });

  it('starts from a signed webhook, refuses a bad signature, and validates a manual trigger’s input form', async () => {
    await define(t, 'inbound_lead', {
      trigger: { type: 'webhook' },
      start: 'create',
      steps: [{ id: 'create', type: 'createRecord', config: { object: 'customer', values: { last_name: '{{input.name}}', email: '{{input.email}}' } } }],
    });
    const secret = json<{ secret: string; url: string }>(await t.api('GET', '/workflows/inbound_lead/webhook'));
    const body = JSON.stringify({ name: 'Zhao', email: 'zhao@example.com' });
    const ts = Math.floor(Date.now() / 1000);
    const sign = (payload: string) => `t=${ts},v1=${createHmac('sha256', secret.secret).update(`${ts}.${payload}`).digest('hex')}`;
    const bad = await h.server.app.inject({ method: 'POST', url: secret.url, payload: body, headers: { 'content-type': 'application/json', 'x-protean-signature': sign('{"other":1}') } });
    expect(bad.statusCode).toBe(401);
    const good = await h.server.app.inject({ method: 'POST', url: secret.url, payload: body, headers: { 'content-type': 'application/json', 'x-protean-signature': sign(body) } });
    expect(good.statusCode, good.body).toBe(202);
    const done = await runIn(t, json<{ runId: string }>(good).runId, 'completed');
    const created = json(await t.api('GET', `/records/customer/${(done.steps[0]!.output as { id: string }).id}`));
    expect(created).toMatchObject({ last_name: 'Zhao', email: 'zhao@example.com' });
    // The same delivery again (a sender's retry) starts nothing new.
    const replay = await h.server.app.inject({ method: 'POST', url: secret.url, payload: body, headers: { 'content-type': 'application/json', 'x-protean-signature': sign(body) } });
    expect(json(replay)['runId']).toBe(json(good)['runId']);
    // A signed body is read as any body is: prototype keys and NUL characters are refused with a 400 naming them.
    for (const [payload, code] of [['{"name": "x", "__proto__": {"admin": true}}', 'forbiddenKey'], ['{"name": "a\\u0000b"}', 'invalid_text']] as const) {
      const refusedBody = await h.server.app.inject({ method: 'POST', url: secret.url, payload, headers: { 'content-type': 'application/json', 'x-protean-signature': sign(payload) } });
      expect(refusedBody.statusCode, refusedBody.body).toBe(400);
      expect(json<{ errors: { code: string }[] }>(refusedBody).errors[0]!.code).toBe(code);
    }

    await define(t, 'with_form', {
      trigger: { type: 'manual', inputSchema: { type: 'object', required: ['reason'], properties: { reason: { type: 'string', minLength: 3 } } } },
      start: 'done',
      steps: [{ id: 'done', type: 'end', config: {} }],
    });
    const refused = await t.api('POST', '/workflows/with_form/runs', { input: { reason: 'x' } });
    expect(refused.statusCode).toBe(422);
    expect(json<{ errors: { field: string }[] }>(refused).errors[0]!.field).toBe('input.reason');
  });

  it('loops over found records within its bound, and fails a run that exceeds the steps-per-run limit with a clear error', async () => {
    const tenant = await createTestTenant(h, 'wf-loop');
    for (const name of ['Li', 'Chen', 'Zhou']) await customer(tenant, { last_name: name, status: 'inactive' });
    await define(tenant, 'reactivate', {
      trigger: { type: 'manual' },
      start: 'find',
      steps: [
        { id: 'find', type: 'findRecords', config: { object: 'customer', where: { status: 'inactive' }, limit: 50 } },
        { id: 'each', type: 'loop', config: { over: 'steps.find.ids', as: 'cid', max: 10 }, branches: { each: 'wake' }, next: 'done' },
        { id: 'wake', type: 'updateRecord', config: { object: 'customer', recordId: '{{vars.cid}}', values: { status: 'active' } } },
        { id: 'done', type: 'end', config: {} },
      ].map((s, i, all) => (s.id === 'find' ? { ...s, next: all[1]!.id } : s)),
    });
    const { runId } = json<{ runId: string }>(await tenant.api('POST', '/workflows/reactivate/runs', {}));
    const done = await runIn(tenant, runId, 'completed');
    expect(done.steps.filter((s) => s.stepId === 'wake')).toHaveLength(3);
    const list = json<{ data: { status: string }[] }>(await tenant.api('GET', '/records/customer'));
    expect(list.data.map((r) => r.status)).toEqual(['active', 'active', 'active']);

    expect((await tenant.api('PATCH', '/workflow-settings', { maxStepsPerRun: 2 })).statusCode).toBe(200);
    const limited = json<{ runId: string }>(await tenant.api('POST', '/workflows/reactivate/runs', {}));
    const failed = await runIn(tenant, limited.runId, 'failed');
    expect(failed.error).toMatch(/more than 2 steps/);
    expect((await tenant.api('PATCH', '/workflow-settings', { maxStepsPerRun: 0 })).statusCode).toBe(422);
  });

  it('applies a limit or a profile changed through one server to the next run another server works, at once', async () => {
    const tenant = await createTestTenant(h, 'wf-fresh');
    await define(tenant, 'three_steps', {
      trigger: { type: 'manual' },
      start: 'find',
      steps: [
        { id: 'find', type: 'findRecords', config: { object: 'customer', where: { status: 'inactive' } }, next: 'each' },
        { id: 'each', type: 'loop', config: { over: 'steps.find.ids', as: 'cid', max: 10 }, branches: { each: 'done' }, next: 'done' },
        { id: 'done', type: 'end', config: {} },
      ],
    });
    expect((await tenant.api('PUT', '/access/sharing', { objects: { deal: 'private' } })).statusCode).toBe(200);
    expect((await tenant.api('POST', '/records/deal', { name: 'Private', amount: 7 })).statusCode).toBe(201);
    const reader = await tenant.api('POST', '/access/permission-sets', { key: 'reader', name: 'Reader', grants: { objects: { '*': { read: true } }, fields: {}, setup: {} } });
    expect((await tenant.api('POST', '/access/profiles', { key: 'reader', name: 'Reader', permissionSetIds: [json<{ id: string }>(reader).id] })).statusCode).toBe(201);
    await define(tenant, 'find_deals', { trigger: { type: 'manual' }, start: 'find', steps: [{ id: 'find', type: 'findRecords', config: { object: 'deal', where: { amount: 7 } } }] });

    // This server stops working runs; a second server over the same database works them, as another process would.
    await h.server.jobs.stop();
    const other = await buildApp({ db: h.db, operatorToken: h.operatorToken, passwordCost: 'test', webhooks: { deliver: false } });
    try {
      const start = async (workflow: string, status: string) => runIn(tenant, json<{ runId: string }>(await tenant.api('POST', `/workflows/${workflow}/runs`, {})).runId, status);
      await start('three_steps', 'completed');
      expect((await start('find_deals', 'completed')).steps[0]!.output).toMatchObject({ count: 1 });
      // Changed here, read there: the other server's next run obeys both changes.
      expect((await tenant.api('PATCH', '/workflow-settings', { maxStepsPerRun: 2 })).statusCode).toBe(200);
      expect((await tenant.api('POST', '/workflows/find_deals/activate', { profile: 'reader' })).statusCode).toBe(200);
      expect((await start('three_steps', 'failed')).error).toMatch(/more than 2 steps/);
      expect((await start('find_deals', 'completed')).steps[0]!.output).toMatchObject({ count: 0 });
    } finally {
      await other.app.close();
      await h.server.jobs.start();
    }
  });

  it("dates a task in the workspace's time zone, a change of zone applying to the next run at once", async () => {
    const tenant = await createTestTenant(h, 'wf-zone');
    await define(tenant, 'call_back', { trigger: { type: 'manual' }, start: 'task', steps: [{ id: 'task', type: 'createTask', config: { subject: 'Call back', dueInDays: 0 } }] });
    const dueOfRun = async () => {
      const { runId } = json<{ runId: string }>(await tenant.api('POST', '/workflows/call_back/runs', {}));
      const task = (await runIn(tenant, runId, 'completed')).steps[0]!.output as { id: string };
      return json<{ due_date: string }>(await tenant.api('GET', `/records/task/${task.id}`)).due_date;
    };
    const dayIn = (zone: string) => new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
    expect(await dueOfRun()).toBe(dayIn('UTC'));
    // A zone whose date differs from UTC's now, whatever the hour.
    const zone = new Date().getUTCHours() < 12 ? 'Pacific/Pago_Pago' : 'Pacific/Kiritimati';
    expect((await tenant.api('PATCH', '/workspace/settings', { timeZone: zone })).statusCode).toBe(200);
    expect(await dueOfRun()).toBe(dayIn(zone));
  });

  it("evaluates a trigger's and a condition step's expressions in the workspace's time zone", async () => {
    const tenant = await createTestTenant(h, 'wf-zone-cond');
    const zone = new Date().getUTCHours() < 12 ? 'Pacific/Pago_Pago' : 'Pacific/Kiritimati';
    expect((await tenant.api('PATCH', '/workspace/settings', { timeZone: zone })).statusCode).toBe(200);
    const today = `today() == date("${new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date())}")`;
    await define(tenant, 'on_the_day', {
      trigger: { type: 'record', object: 'customer', events: ['created'], condition: { expression: today } },
      start: 'check',
      steps: [
        { id: 'check', type: 'condition', config: { condition: { expression: today } }, branches: { true: 'same_day', false: 'other_day' } },
        { id: 'same_day', type: 'end', config: {} },
        { id: 'other_day', type: 'end', config: {} },
      ],
    });
    await customer(tenant, { last_name: 'Zone' });
    const [started] = await waitForValue('a run of the trigger whose condition holds in the zone', async () => {
      const runs = await runsOf(tenant, 'on_the_day');
      return runs.length ? runs : undefined;
    });
    const done = await runIn(tenant, started!.id, 'completed');
    expect(done.steps.map((s) => s.stepId)).toEqual(['check', 'same_day']);
  });

  it("evaluates a trigger's condition in the zone the database holds now, though this process read another a moment ago", async () => {
    const tenant = await createTestTenant(h, 'wf-zone-fresh');
    // Twenty-five hours apart: their dates always differ.
    expect((await tenant.api('PATCH', '/workspace/settings', { timeZone: 'Pacific/Pago_Pago' })).statusCode).toBe(200);
    const kiritimatiToday = new Intl.DateTimeFormat('en-CA', { timeZone: 'Pacific/Kiritimati', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
    await define(tenant, 'kiritimati_day', {
      trigger: { type: 'record', object: 'customer', events: ['created'], condition: { expression: `today() == date("${kiritimatiToday}")` } },
      start: 'done',
      steps: [{ id: 'done', type: 'end', config: {} }],
    });
    const before = (await customer(tenant, { last_name: 'Before the change' }))['id'];
    // The trigger consumer has decided on that customer (no run: it is not yet that day in Pago Pago).
    await waitForValue("the trigger consumer past the first customer's event", async () => {
      const [row] = await h.db.system((q) =>
        q.query<{ past: boolean }>(
          `select exists (select 1 from outbox_checkpoint c, outbox o where c.consumer = $3 and o.tenant_id = $1 and $2::uuid = any(coalesce(o.record_ids, array[o.record_id]))
             and (c.txid, c.id) >= (o.txid, o.id)) as past`,
          [tenant.id, before, TRIGGER_CONSUMER],
        ),
      );
      return row?.past || undefined;
    });
    // Changed in the database where this process's cache did not see it, as a change made through another process is.
    await h.db.system((q) => q.query(`update tenant set time_zone = 'Pacific/Kiritimati' where id = $1`, [tenant.id]));
    const after = (await customer(tenant, { last_name: 'After the change' }))['id'];
    const runs = await waitForValue('a run for the customer created after the change', async () => {
      const found = await runsOf(tenant, 'kiritimati_day');
      return found.length ? found : undefined;
    });
    // Events are handled in commit order: the first customer's was decided before the second's run began.
    expect(runs.map((r) => (r as { recordId?: string }).recordId)).toEqual([after]);
    expect(after).not.toBe(before);
  });

  it('refuses, when saved, a find step filtering on a field no filter may take, naming the field', async () => {
    const tenant = await createTestTenant(h, 'wf-find-where');
    const field = await tenant.api('POST', '/metadata/objects/customer/fields', { apiName: 'seen_today', type: 'formula', labels: { en: 'Seen today' }, formula: { expression: 'today() == today()', resultType: 'boolean', stored: false } });
    expect(field.statusCode, field.body).toBe(201);
    const finder = (where: Record<string, unknown>) => ({ trigger: { type: 'manual' }, start: 'find', steps: [{ id: 'find', type: 'findRecords', config: { object: 'customer', where } }] });
    const refused = await tenant.api('POST', '/workflows', { apiName: 'by_formula', label: 'By formula', definition: finder({ seen_today: true }) });
    expect(refused.statusCode, refused.body).toBe(422);
    expect(json<{ errors: { field: string; code: string; message: string }[] }>(refused).errors).toContainEqual(expect.objectContaining({ code: 'not_filterable', message: expect.stringContaining("'seen_today'") }));
    // A placeholder for a value is checked when the run fills it in, not when saved.
    const templated = await tenant.api('POST', '/workflows', { apiName: 'by_status', label: 'By status', definition: finder({ status: '{{input.status}}', last_name: null }) });
    expect(templated.statusCode, templated.body).toBe(201);
  });

  it("finds records as its principal: private deals stay out of sight of a profile that may only read its own", async () => {
    const tenant = await createTestTenant(h, 'wf-share');
    const reader = await tenant.api('POST', '/access/permission-sets', { key: 'reader', name: 'Reader', grants: { objects: { '*': { read: true } }, fields: {}, setup: {} } });
    expect(reader.statusCode, reader.body).toBe(201);
    expect((await tenant.api('POST', '/access/profiles', { key: 'reader', name: 'Reader', permissionSetIds: [json<{ id: string }>(reader).id] })).statusCode).toBe(201);
    expect((await tenant.api('PUT', '/access/sharing', { objects: { deal: 'private' } })).statusCode).toBe(200);
    for (const name of ['Private one', 'Private two']) expect((await tenant.api('POST', '/records/deal', { name, amount: 10 })).statusCode).toBe(201);
    const finder = { trigger: { type: 'manual' }, start: 'find', steps: [{ id: 'find', type: 'findRecords', config: { object: 'deal', where: { amount: 10 } } }] };
    await define(tenant, 'find_as_reader', finder, false);
    expect((await tenant.api('POST', '/workflows/find_as_reader/activate', { profile: 'reader' })).statusCode).toBe(200);
    await define(tenant, 'find_as_admin', finder);
    const found = async (workflow: string) => {
      const { runId } = json<{ runId: string }>(await tenant.api('POST', `/workflows/${workflow}/runs`, {}));
      return ((await runIn(tenant, runId, 'completed')).steps[0]!.output as { count: number; records: { name: string }[] });
    };
    expect((await found('find_as_reader')).count).toBe(0);
    const all = await found('find_as_admin');
    expect(all.records.map((r) => r.name)).toEqual(['Private one', 'Private two']);
  });

  it('refuses deleting a field a workflow uses, naming the workflow, and lets it go once no version in use names it', async () => {
    const tenant = await createTestTenant(h, 'wf-deps');
    const change = (operations: unknown[]) => tenant.api('POST', '/metadata/changes', { message: 'fields', operations });
    expect((await change([{ op: 'createField', object: 'customer', field: { apiName: 'tier', type: 'text', labels: { en: 'Tier' } } }])).statusCode).toBe(200);
    const uses = (field: string) => ({
      trigger: { type: 'record', object: 'customer', events: ['updated'] },
      start: 'check',
      steps: [{ id: 'check', type: 'condition', config: { condition: { path: `record.${field}`, op: 'eq', value: 'gold' } } }],
    });
    await define(tenant, 'gold_tier', uses('tier'));
    const refused = await change([{ op: 'deleteField', object: 'customer', field: 'tier' }]);
    expect(refused.statusCode, refused.body).toBe(422);
    const [problem] = json<{ errors: { code: string; message: string; dependents: unknown[] }[] }>(refused).errors;
    expect(problem).toMatchObject({ code: 'has_dependents', dependents: [expect.objectContaining({ kind: 'workflow', label: 'gold tier' })] });
    expect(problem!.message).toContain("'customer.tier' is used by the workflow 'gold tier'");
    // The field is still there.
    expect((await tenant.api('POST', '/records/customer', { last_name: 'Still', tier: 'gold' })).statusCode).toBe(201);
    // A new version that no longer names it, activated: nothing in use names the field.
    expect((await tenant.api('PATCH', '/workflows/gold_tier', { definition: uses('last_name') })).statusCode).toBe(200);
    expect((await tenant.api('POST', '/workflows/gold_tier/activate')).statusCode).toBe(200);
    const deleted = await change([{ op: 'deleteField', object: 'customer', field: 'tier' }]);
    expect(deleted.statusCode, deleted.body).toBe(200);
  });

  it('offers the active hand-started workflows of an object as buttons, with their input forms', async () => {
    const tenant = await createTestTenant(h, 'wf-buttons');
    const form = { type: 'object', required: ['reason'], properties: { reason: { type: 'string', title: 'Reason' } } };
    const ending = [{ id: 'done', type: 'end', config: {} }];
    await define(tenant, 'escalate', { trigger: { type: 'manual', object: 'customer', inputSchema: form }, start: 'done', steps: ending });
    await define(tenant, 'draft_button', { trigger: { type: 'manual', object: 'customer' }, start: 'done', steps: ending }, false);
    await define(tenant, 'on_deals', { trigger: { type: 'manual', object: 'deal' }, start: 'done', steps: ending });
    const listed = await tenant.api('GET', '/workflow-buttons?object=customer');
    expect(listed.statusCode, listed.body).toBe(200);
    expect(json<{ buttons: unknown[] }>(listed).buttons).toEqual([expect.objectContaining({ apiName: 'escalate', label: 'escalate', inputSchema: form })]);
    expect(json<{ buttons: { apiName: string }[] }>(await tenant.api('GET', '/workflow-buttons?object=deal')).buttons.map((b) => b.apiName)).toEqual(['on_deals']);
    expect((await tenant.api('GET', '/workflow-buttons?object=no_such_object')).statusCode).toBe(404);
    expect((await tenant.api('GET', '/workflow-buttons')).statusCode).toBe(400);
    // A record id that only looks like one (36 dashes, a UUID with a stray letter) is a 422 naming it, never a 500.
    for (const recordId of ['-'.repeat(36), '0000000-0000-0000-0000-00000000000g0', 'abc']) {
      const started = await tenant.api('POST', '/workflows/on_deals/runs', { recordId });
      expect(started.statusCode, started.body).toBe(422);
      expect(json<{ errors: { field: string }[] }>(started).errors[0]!.field).toBe('recordId');
    }
  });

  it('does not start on its own writes: a workflow that updates the record it started on runs once per save', async () => {
    const tenant = await createTestTenant(h, 'wf-self');
    await define(tenant, 'mark_renamed', {
      trigger: { type: 'record', object: 'organization', events: ['updated'] },
      start: 'mark',
      steps: [{ id: 'mark', type: 'updateRecord', config: { values: { name: '{{record.name}} ✓' } } }],
    });
    const org = async (name: string) => json<{ id: string }>(await tenant.api('POST', '/records/organization', { name })).id;
    const [first, second] = [await org('First'), await org('Second')];
    await tenant.api('PATCH', `/records/organization/${first}`, { name: 'First, renamed' });
    await waitFor('the first run to complete', async () => (await runsOf(tenant, 'mark_renamed')).some((r) => r.status === 'completed'));
    expect(json(await tenant.api('GET', `/records/organization/${first}`))['name']).toBe('First, renamed ✓');
    // Runs start in commit order: once the later save's run exists, the run's own update was weighed before it.
    await tenant.api('PATCH', `/records/organization/${second}`, { name: 'Second, renamed' });
    await waitFor('a run for the second save', async () => (await runsOf(tenant, 'mark_renamed')).length >= 2);
    expect(await runsOf(tenant, 'mark_renamed')).toHaveLength(2);
  });

  it('refuses when saved what would fail at every run: a schedule that never fires or in no known zone, a script step naming no script, a {{ that opens no placeholder', async () => {
    const ending = [{ id: 'done', type: 'end', config: {} }];
    const cases: [Record<string, unknown>, string][] = [
      [{ trigger: { type: 'schedule', cron: '*/0 * * * *' }, start: 'done', steps: ending }, 'definition.trigger.cron'],
      [{ trigger: { type: 'schedule', cron: '0 0 31 2 *' }, start: 'done', steps: ending }, 'definition.trigger.cron'],
      [{ trigger: { type: 'schedule', cron: '0 9 * * *', timeZone: 'Mars/Olympus' }, start: 'done', steps: ending }, 'definition.trigger.timeZone'],
      [{ trigger: { type: 'manual' }, start: 'calc', steps: [{ id: 'calc', type: 'script', config: { script: 'nope', input: {} } }] }, 'definition.steps.0.config.script'],
      [{ trigger: { type: 'manual' }, start: 'keep', steps: [{ id: 'keep', type: 'setVariable', config: { name: 'x', value: 'Hello {{' } }] }, 'definition.steps.0.config.value'],
      [{ trigger: { type: 'manual' }, start: 'keep', steps: [{ id: 'keep', type: 'setVariable', config: { name: 'x', value: 'Hello {{record.}}' } }] }, 'definition.steps.0.config.value'],
      [{ trigger: { type: 'manual' }, start: 'pause', steps: [{ id: 'pause', type: 'wait', config: { mode: 'duration', duration: { amount: 1_000_000, unit: 'weeks' } } }] }, 'definition.steps.0.config.duration'],
    ];
    for (const [definition, field] of cases) {
      const response = await t.api('POST', '/workflows', { apiName: 'refused_when_saved', label: 'Refused', definition });
      expect(response.statusCode, JSON.stringify(definition)).toBe(422);
      expect(json<{ errors: { field: string }[] }>(response).errors.map((e) => e.field), JSON.stringify(definition)).toContain(field);
    }
    const fine = await t.api('POST', '/workflows', { apiName: 'refused_when_saved', label: 'Fine', definition: { trigger: { type: 'schedule', cron: '0 9 * * 1', timeZone: 'Asia/Shanghai' }, start: 'keep', steps: [{ id: 'keep', type: 'setVariable', config: { name: 'x', value: '{{ trigger.occurrence }} and {"a":{"b":1}}' } }] } });
    expect(fine.statusCode, fine.body).toBe(201);
  });

  it('runs a workspace script in the sandbox as a step and passes its result on', async () => {
    const saved = await t.api('POST', '/scripts', { apiName: 'double', label: 'Double', kind: 'action', object: 'organization', language: 'typescript', source: 'export default (ctx: ScriptContext, input: { n: number }) => ({ doubled: input.n * 2 })' });
    expect(saved.statusCode, saved.body).toBe(201);
    await define(t, 'with_script', {
      trigger: { type: 'manual' },
      start: 'calc',
      steps: [
        { id: 'calc', type: 'script', config: { script: 'double', input: { n: '{{input.n}}' } }, next: 'keep' },
        { id: 'keep', type: 'setVariable', config: { name: 'result', value: '{{steps.calc.doubled}}' } },
      ],
    });
    const { runId } = json<{ runId: string }>(await t.api('POST', '/workflows/with_script/runs', { input: { n: 21 } }));
    const done = await runIn(t, runId, 'completed');
    expect(done.steps[0]!.output).toEqual({ doubled: 42 });
    expect(done.steps[1]!.output).toEqual({ name: 'result', value: 42 });
  });

  it("test-runs a workflow never activated on a record whose values its first step reads (no automation yet: its creator's access)", async () => {
    await define(t, 'draft_zhang', {
      trigger: { type: 'record', object: 'customer', events: ['created'] },
      start: 'zhang',
      steps: [
        { id: 'zhang', type: 'condition', config: { condition: { path: 'record.last_name', op: 'eq', value: 'Zhang' } }, branches: { true: 'yes_end', false: 'no_end' } },
        { id: 'yes_end', type: 'end', config: {} },
        { id: 'no_end', type: 'end', config: {} },
      ],
    }, false);
    const c = await customer(t, { last_name: 'Zhang' });
    const started = await t.api('POST', '/workflows/draft_zhang/runs', { test: true, recordId: c['id'] });
    expect(started.statusCode, started.body).toBe(202);
    const run = await runIn(t, json<{ runId: string }>(started).runId, 'completed');
    expect(run.steps.map((s) => s.stepId)).toEqual(['zhang', 'yes_end']);
  });

  it('fails a run whose wait would end more than ten years away, naming the date, instead of leaving it queued', async () => {
    await define(t, 'wait_for_ever', {
      trigger: { type: 'manual' },
      start: 'pause',
      steps: [{ id: 'pause', type: 'wait', config: { mode: 'until', until: '{{input.at}}' } }],
    });
    for (const at of ['99999-01-01', '+275760-09-13T00:00:00.000Z', '2999-01-01']) {
      const started = await t.api('POST', '/workflows/wait_for_ever/runs', { test: true, input: { at } });
      expect(started.statusCode, started.body).toBe(202);
      const failed = await runIn(t, json<{ runId: string }>(started).runId, 'failed');
      expect(failed.steps[0]!.error, at).toMatch(/more than ten years away|is not a date/);
    }
  });

  it('refuses an HTTP step to a loopback or private address, in whatever form it is written', async () => {
    const urls = ['http://127.0.0.1:9/admin', 'http://localhost:9/admin', 'http://[::127.0.0.1]:9/', 'http://[64:ff9b::7f00:1]:9/', 'http://[2002:7f00:1::]:9/', 'http://[fec0::1]:9/', 'http://169.254.169.254/latest/meta-data'];
    await define(t, 'call_home', {
      trigger: { type: 'manual' },
      start: 'call',
      steps: [{ id: 'call', type: 'http', config: { method: 'GET', url: '{{input.url}}' }, retry: { maxAttempts: 1, backoffMs: 0 } }],
    });
    for (const url of urls) {
      // Test runs: failed runs of the workflow itself would pause it after a few.
      const started = await t.api('POST', '/workflows/call_home/runs', { test: true, input: { url } });
      expect(started.statusCode, started.body).toBe(202);
      const { runId } = json<{ runId: string }>(started);
      const failed = await runIn(t, runId, 'failed');
      expect(failed.steps[0]!.error, url).toMatch(/private, loopback or link-local/);
    }
  });

  it('answers a run’s validation failure, its step’s and the pause it led to in the request’s language, and stores them in English', async () => {
    const tenant = await createTestTenant(h, 'wf-lang');
    expect((await tenant.api('PATCH', '/workflow-settings', { pauseAfterFailures: 2 })).statusCode).toBe(200);
    // A second admin reads Chinese: the pause's inbox line, written once for each admin, is written in it.
    const zhAdmin = json<{ id: string }>(await tenant.api('POST', '/users', { email: 'wang@wf-lang.test', name: 'Wang', role: 'admin', password: 'long enough secret', locale: 'zh-CN' }));
    await define(tenant, 'blank_name', {
      trigger: { type: 'record', object: 'customer', events: ['updated'], condition: { path: 'record.status', op: 'changedTo', value: 'active' } },
      start: 'blank',
      steps: [{ id: 'blank', type: 'updateRecord', config: { values: { last_name: '', status: 'gold' } } }],
    });
    let last = '';
    for (let i = 1; i <= 2; i++) {
      const c = await customer(tenant, { last_name: `Lang${i}` });
      expect((await tenant.api('PATCH', `/records/customer/${String(c['id'])}`, { status: 'active' })).statusCode).toBe(200);
      const [newest] = await waitForValue(`run ${i}`, async () => {
        const runs = await runsOf(tenant, 'blank_name');
        return runs.length === i ? runs : undefined;
      });
      last = (await runIn(tenant, newest!.id, 'failed')).id;
    }
    type Detail = { message: string; errors?: { field: string; message: string }[] };
    const read = async (locale: string) => json<Run & { errorDetail: Detail | null; steps: { errorDetail: Detail | null }[] }>(await tenant.api('GET', `/workflow-runs/${last}`, undefined, { 'accept-language': locale }));

    const zh = await read('zh-CN');
    expect(zh.errorDetail).toEqual({ message: '2 个值无效', errors: [{ field: 'last_name', message: '为必填项' }, { field: 'status', message: "'gold'不是Status的选项" }] });
    expect(zh.error).toBe("2 个值无效：last_name 为必填项；status 'gold'不是Status的选项");
    expect(zh.steps.map((s) => `${s.stepId}:${s.status}`)).toEqual(['blank:failed']);
    expect(zh.steps[0]!.error).toBe(zh.error);
    expect(zh.steps[0]!.errorDetail).toEqual(zh.errorDetail);
    const en = await read('en-US');
    expect(en.error).toBe("2 values are invalid: last_name is required; status 'gold' is not a value of Status");
    expect(en.steps[0]!.error).toBe(en.error);
    // The run history answers the same.
    const history = async (locale: string) => json<{ runs: { error: string | null }[] }>(await tenant.api('GET', '/workflows/blank_name/runs', undefined, { 'accept-language': locale })).runs.map((r) => r.error);
    expect(await history('zh-CN')).toEqual([zh.error, zh.error]);
    expect(await history('en-US')).toEqual([en.error, en.error]);

    // Two failures in a row paused it: the reason, in each language, ends with the last run's error.
    const workflow = async (locale: string) => json<Record<string, unknown>>(await tenant.api('GET', '/workflows/blank_name', undefined, { 'accept-language': locale }));
    const pausedZh = await workflow('zh-CN');
    expect(pausedZh['status']).toBe('paused');
    expect(pausedZh['pausedReason']).toBe(`连续 2 次运行失败后已暂停；最后一次失败的原因：${zh.error}`);
    expect(pausedZh).not.toHaveProperty('pausedDetail');
    expect((await workflow('en-US'))['pausedReason']).toBe(`Paused after 2 failed runs in a row; the last failed with: ${en.error}`);
    const listed = json<{ workflows: { apiName: string; pausedReason: string | null }[] }>(await tenant.api('GET', '/workflows', undefined, { 'accept-language': 'zh-CN' })).workflows;
    expect(listed.find((w) => w.apiName === 'blank_name')?.pausedReason).toBe(pausedZh['pausedReason']);
    const told = async (userId: string) =>
      (await h.db.transaction(tenant.id, (tx) => tx.query<{ message: string }>("select message from user_notification where tenant_id = $1 and user_id = $2 and source = 'workflow-pause'", [tenant.id, userId]))).map((n) => n.message);
    expect(await told(zhAdmin.id)).toEqual([`工作流“blank name”已暂停：${pausedZh['pausedReason']}`]);
    const inbox = json<{ notifications: { message: string; source: string }[] }>(await tenant.api('GET', '/notifications'));
    expect(inbox.notifications.find((n) => n.source === 'workflow-pause')?.message).toBe(`The workflow “blank name” was paused: Paused after 2 failed runs in a row; the last failed with: ${en.error}`);

    // Stored in English (API consumers and logs read it) with the parts it was made of.
    const [stored] = await h.db.transaction(tenant.id, (tx) => tx.query<{ error: string; detail: Detail }>('select error, error_detail as detail from workflow_run where tenant_id = $1 and id = $2', [tenant.id, last]));
    expect(stored).toEqual({ error: en.error, detail: { message: '2 values are invalid', errors: [{ field: 'last_name', message: 'is required' }, { field: 'status', message: "'gold' is not a value of Status" }] } });
    // A run stored before its parts were kept is answered from its text.
    await h.db.transaction(tenant.id, (tx) => tx.query("update workflow_run set error = 'failed', error_detail = null where tenant_id = $1 and id = $2", [tenant.id, last]));
    expect((await read('zh-CN')).error).toBe('失败');
    expect((await read('en-US')).error).toBe('failed');
  });

  it('keeps one tenant’s workflows and runs out of another’s sight', async () => {
    const other = await createTestTenant(h, 'wf-other');
    expect((await other.api('GET', '/workflows/activated_follow_up')).statusCode).toBe(404);
    const mine = (await runsOf(t, 'activated_follow_up'))[0]!;
    expect((await other.api('GET', `/workflow-runs/${mine.id}`)).statusCode).toBe(404);
  });
});
