import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../src/db/migrations.ts';
import { call, createTestTenant, json, startHarness, waitForValue, type Harness, type TestTenant } from './harness.ts';

/*
 * Who decides an approval (ADR 0015, "Who decides an approval"): its named approvers and the
 * workspace's administrators (the Setup right 'access'), never a designer for holding 'model',
 * never another workspace, and never the requester on their own request unless its step allows it
 * and names them alone. Every approval here is asked for by a clerk's (or the admin's) new customer.
 */
let h: Harness;
let t: TestTenant;
let other: TestTenant;
type User = { id: string; key: string };
let clerk: User;
let manager: User;
let deputy: User;
let designer: User;

type Approval = { id: string; runId: string; message: string; assignees: string[]; requestedBy: string | null; mayDecide: boolean };
type Problem = { detail: string; errors?: { field: string; index?: number; message: string }[] };

async function newUser(name: string, profile: string): Promise<User> {
  const r = await t.api('POST', '/users', { email: `${name.toLowerCase()}@${t.slug}.test`, name, role: profile, password: 'correct horse battery' });
  expect(r.statusCode, r.body).toBe(201);
  const id = json<{ id: string }>(r).id;
  return { id, key: (await h.server.auth.createApiKey(t.id, id, name)).key };
}

/** A workflow of the admin's: a new customer of the given last name asks `assignees` for approval. */
async function approvalFlow(apiName: string, lastName: string, assignees: string[], extra: Record<string, unknown> = {}): Promise<void> {
  const definition = {
    trigger: { type: 'record', object: 'customer', events: ['created'], condition: { path: 'record.last_name', op: 'eq', value: lastName } },
    start: 'ask',
    steps: [
      { id: 'ask', type: 'approval', config: { assignees, message: 'Approve {{record.last_name}} {{record.first_name}}', ...extra }, branches: { approved: 'yes', rejected: 'no' } },
      { id: 'yes', type: 'end', config: { outcome: 'approved' } },
      { id: 'no', type: 'end', config: { outcome: 'rejected' } },
    ],
  };
  const created = await t.api('POST', '/workflows', { apiName, label: apiName, definition });
  expect(created.statusCode, created.body).toBe(201);
  expect((await t.api('POST', `/workflows/${apiName}/activate`)).statusCode).toBe(200);
}

const listOf = async (key: string): Promise<Approval[]> => {
  const r = await call(h, key, 'GET', '/workflow-approvals');
  expect(r.statusCode, r.body).toBe(200);
  return json<{ approvals: Approval[] }>(r).approvals;
};

/** `who` saves a customer of `lastName`; answers the approval it asked for, as the admin (who sees every one) finds it. */
async function asked(who: string, lastName: string): Promise<Approval> {
  const firstName = randomUUID().slice(0, 8);
  const r = await call(h, who, 'POST', '/records/customer', { last_name: lastName, first_name: firstName });
  expect(r.statusCode, r.body).toBe(201);
  return waitForValue(`the approval for ${lastName} ${firstName}`, async () => (await listOf(t.key)).find((a) => a.message === `Approve ${lastName} ${firstName}`));
}

const decide = (key: string, approval: Approval, decision: 'approved' | 'rejected', headers: Record<string, string> = {}) =>
  call(h, key, 'POST', `/workflow-approvals/${approval.id}/decision`, { decision }, headers);

const endOf = (approval: Approval) =>
  waitForValue(`run ${approval.runId} to end`, async () => {
    const run = json<{ status: string; steps: { stepId: string }[] }>(await t.api('GET', `/workflow-runs/${approval.runId}`));
    return run.status === 'completed' ? run.steps.map((s) => s.stepId).at(-1) : undefined;
  });

beforeAll(async () => {
  h = await startHarness();
  t = await createTestTenant(h, 'approvers');
  other = await createTestTenant(h, 'approvers-other');
  clerk = await newUser('Clerk', 'standard');
  manager = await newUser('Manager', 'standard');
  deputy = await newUser('Deputy', 'standard');
  // A designer: the model right and every object readable, nothing of access.
  const set = await t.api('POST', '/access/permission-sets', { key: 'designer', name: 'Designer', grants: { objects: { '*': { read: true, create: true, edit: true } }, fields: {}, setup: { model: true } } });
  expect(set.statusCode, set.body).toBe(201);
  expect((await t.api('POST', '/access/profiles', { key: 'designer', name: 'Designer', permissionSetIds: [json<{ id: string }>(set).id] })).statusCode).toBe(201);
  designer = await newUser('Designer', 'designer');
  await approvalFlow('manager_approves', 'Discount', [manager.id]);
  await approvalFlow('clerk_alone_allowed', 'Alone', [clerk.id], { allowSelfApproval: true });
  await approvalFlow('clerk_alone', 'Solo', [clerk.id]);
  await approvalFlow('clerk_and_manager', 'Pair', [clerk.id, manager.id], { allowSelfApproval: true });
});
afterAll(async () => h?.close());

describe('who decides an approval', () => {
  it('its approver decides it; a designer holding the model right neither sees it nor may decide it (403, in English and Chinese)', async () => {
    const approval = await asked(clerk.key, 'Discount');
    expect(approval.requestedBy).toBe(clerk.id);
    expect((await listOf(manager.key)).find((a) => a.id === approval.id)?.mayDecide).toBe(true);
    expect((await listOf(designer.key)).some((a) => a.id === approval.id)).toBe(false);
    expect((await listOf(clerk.key)).some((a) => a.id === approval.id)).toBe(false);

    const refused = await decide(designer.key, approval, 'approved');
    expect(refused.statusCode).toBe(403);
    expect(json<Problem>(refused).detail).toBe('Only an approver named on the request, or an administrator, may decide it');
    const chinese = await decide(designer.key, approval, 'approved', { 'accept-language': 'zh-CN' });
    expect(chinese.statusCode).toBe(403);
    expect(json<Problem>(chinese).detail).toBe('只有请求中指定的审批人或管理员可以处理此审批');
    expect((await decide(clerk.key, approval, 'approved')).statusCode).toBe(403);

    const approved = await decide(manager.key, approval, 'approved');
    expect(approved.statusCode, approved.body).toBe(200);
    expect(await endOf(approval)).toBe('yes');
  });

  it('an administrator sees every approval of the workspace and decides one named to someone else', async () => {
    const approval = await asked(clerk.key, 'Discount');
    expect((await listOf(t.key)).find((a) => a.id === approval.id)?.mayDecide).toBe(true);
    const rejected = await decide(t.key, approval, 'rejected');
    expect(rejected.statusCode, rejected.body).toBe(200);
    expect(await endOf(approval)).toBe('no');
    expect((await decide(manager.key, approval, 'approved')).statusCode).toBe(409);
  });

  it('another workspace finds no approval: not listed, and deciding or reassigning it answers 404', async () => {
    const approval = await asked(clerk.key, 'Discount');
    expect((await listOf(other.key)).some((a) => a.id === approval.id)).toBe(false);
    expect((await decide(other.key, approval, 'approved')).statusCode).toBe(404);
    expect((await call(h, other.key, 'POST', `/workflow-approvals/${approval.id}/reassign`, { assignees: [other.adminId] })).statusCode).toBe(404);
    expect((await decide(manager.key, approval, 'approved')).statusCode).toBe(200);
  });

  it('the requester does not decide their own request, even as an administrator, unless its step allows it and names them alone', async () => {
    // Named alone, the step silent: refused with the reason and left out of their list; an administrator decides.
    const solo = await asked(clerk.key, 'Solo');
    expect((await listOf(clerk.key)).some((a) => a.id === solo.id)).toBe(false);
    const own = await decide(clerk.key, solo, 'approved');
    expect(own.statusCode).toBe(403);
    expect(json<Problem>(own).detail).toBe('You asked for this approval; another approver or an administrator decides it');
    expect(json<Problem>(await decide(clerk.key, solo, 'approved', { 'accept-language': 'zh-CN' })).detail).toBe('此审批由您发起，须由其他审批人或管理员处理');
    expect((await decide(t.key, solo, 'approved')).statusCode).toBe(200);
    expect(await endOf(solo)).toBe('yes');

    // Named alone, the step allowing it: they decide.
    const alone = await asked(clerk.key, 'Alone');
    expect((await listOf(clerk.key)).find((a) => a.id === alone.id)?.mayDecide).toBe(true);
    expect((await decide(clerk.key, alone, 'approved')).statusCode).toBe(200);
    expect(await endOf(alone)).toBe('yes');

    // Named with another approver: the other decides, whatever the step allows.
    const pair = await asked(clerk.key, 'Pair');
    expect((await decide(clerk.key, pair, 'approved')).statusCode).toBe(403);
    expect((await decide(manager.key, pair, 'approved')).statusCode).toBe(200);

    // An administrator's own request: listed for them, but not theirs to decide.
    const admins = await asked(t.key, 'Discount');
    expect(admins.requestedBy).toBe(t.adminId);
    expect(admins.mayDecide).toBe(false);
    expect((await decide(t.key, admins, 'approved')).statusCode).toBe(403);
    expect((await decide(manager.key, admins, 'approved')).statusCode).toBe(200);
  });

  it('a request made before approvals remembered their requester takes it from its run (migration 76), and does not let them decide it', async () => {
    const before = await asked(clerk.key, 'Alone');
    // As it stood before migration 76: no requester, and no step could allow self-approval.
    await h.db.system((q) => q.query('update workflow_approval set requested_by = null, self_approval = false where tenant_id = $1 and id = $2', [t.id, before.id]));
    expect((await listOf(t.key)).find((a) => a.id === before.id)?.requestedBy).toBeNull();
    await h.db.system((q) => q.exec(migrations.find((m) => m.id === 76)!.sql));
    expect((await listOf(t.key)).find((a) => a.id === before.id)?.requestedBy).toBe(clerk.id);
    expect((await decide(clerk.key, before, 'approved')).statusCode).toBe(403);
    expect((await decide(t.key, before, 'approved')).statusCode).toBe(200);
  });

  it('an administrator reassigns an approval: the new approver is told and decides, the one before (and their email link) no longer may', async () => {
    const approval = await asked(clerk.key, 'Discount');
    const byDesigner = await call(h, designer.key, 'POST', `/workflow-approvals/${approval.id}/reassign`, { assignees: [deputy.id] });
    expect(byDesigner.statusCode).toBe(403);
    expect(json<Problem>(byDesigner).detail).toBe("This needs the Setup right 'access'");
    const unknown = await t.api('POST', `/workflow-approvals/${approval.id}/reassign`, { assignees: [deputy.id, randomUUID()] });
    expect(unknown.statusCode).toBe(422);
    expect(json<Problem>(unknown).errors).toEqual([expect.objectContaining({ field: 'assignees', index: 1, message: 'is not an active user of this workspace' })]);

    const reassigned = await t.api('POST', `/workflow-approvals/${approval.id}/reassign`, { assignees: [deputy.id] });
    expect(reassigned.statusCode, reassigned.body).toBe(200);
    expect(json(reassigned)).toEqual({ assignees: [deputy.id] });
    const told = json<{ notifications: { link: { approvalId?: string } | null }[] }>(await call(h, deputy.key, 'GET', '/notifications')).notifications;
    expect(told.some((n) => n.link?.approvalId === approval.id)).toBe(true);
    expect((await listOf(manager.key)).some((a) => a.id === approval.id)).toBe(false);
    expect((await decide(manager.key, approval, 'approved')).statusCode).toBe(403);
    const token = h.server.workflows.engine.approvalToken(t.id, approval.id, manager.id, 'approved');
    const link = await h.server.app.inject({ method: 'GET', url: `/api/v1/workflow-approvals/${approval.id}/email-decision?tenant=${t.slug}&decision=approved&user=${manager.id}&token=${token}` });
    expect(link.statusCode).toBe(403);

    expect((await listOf(deputy.key)).find((a) => a.id === approval.id)?.mayDecide).toBe(true);
    expect((await decide(deputy.key, approval, 'rejected')).statusCode).toBe(200);
    expect(await endOf(approval)).toBe('no');
  });

  it('the inbox lists what its reader may decide even behind more than its 200 of their own requests', async () => {
    // The clerk's to decide (the admin asked), then 201 newer requests naming the clerk that the clerk asked for.
    const theirs = await asked(t.key, 'Solo');
    const own = await asked(clerk.key, 'Pair');
    await h.db.system((q) =>
      q.query(
        `insert into workflow_approval (tenant_id, id, run_id, seq, assignees, message, requested_by, self_approval, created_at)
         select tenant_id, gen_random_uuid(), run_id, seq, assignees, message, requested_by, self_approval, created_at + n * interval '1 millisecond'
           from workflow_approval, generate_series(1, 200) n where tenant_id = $1 and id = $2`,
        [t.id, own.id],
      ),
    );
    const clerks = await listOf(clerk.key);
    expect(clerks.find((a) => a.id === theirs.id)?.mayDecide).toBe(true);
    expect(clerks.some((a) => a.message === own.message)).toBe(false);
    expect((await decide(clerk.key, theirs, 'approved')).statusCode).toBe(200);
    expect(await endOf(theirs)).toBe('yes');
  });
});
