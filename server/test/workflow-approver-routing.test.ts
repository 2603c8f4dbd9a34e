import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createTestTenant, json, startHarness, waitForValue, type Harness, type TestTenant } from './harness.ts';

/*
 * Approvers named without naming people, and approvals every approver must decide (ADR 0015,
 * "Approvers by profile, role, field or manager"): a role's members, a profile's holders, the user
 * in a field of the record (or of the record it looks up), the record owner's manager (the role
 * above theirs), each resolved when the step starts and kept with the request. Every approval here
 * is asked for by the clerk's (or the admin's) new customer or deal.
 */
let h: Harness;
let t: TestTenant;
let other: TestTenant;
type User = { id: string; key: string };
let clerk: User;
let lead: User;
let second: User;
let reviewer: User;
let outsider: User;
let orphan: User;
let managers: string;
let reps: string;

type Decision = { userId: string; name: string | null; decision: string | null };
type Approval = {
  id: string;
  runId: string;
  message: string;
  status: string;
  assignees: string[];
  decisionMode: string;
  decisions: Decision[];
  progress: { required: number; waitingFor: string[] } | null;
  mayDecide: boolean;
};
type Problem = { detail: string; errors?: { field: string; code: string; message: string }[] };

async function newUser(name: string, profile = 'standard'): Promise<User> {
  const r = await t.api('POST', '/users', { email: `${name.toLowerCase()}@${t.slug}.test`, name, role: profile, password: 'correct horse battery' });
  expect(r.statusCode, r.body).toBe(201);
  const id = json<{ id: string }>(r).id;
  return { id, key: (await h.server.auth.createApiKey(t.id, id, name)).key };
}

async function newRole(name: string, parentId: string | null): Promise<string> {
  const r = await t.api('POST', '/access/roles', { name, parentId });
  expect(r.statusCode, r.body).toBe(201);
  return json<{ id: string }>(r).id;
}

async function giveRole(user: User, roleId: string | null): Promise<void> {
  const r = await t.api('PUT', `/access/users/${user.id}`, { roleId });
  expect(r.statusCode, r.body).toBe(200);
}

const definitionOf = (object: string, match: Record<string, unknown>, config: Record<string, unknown>) => ({
  trigger: { type: 'record', object, events: ['created'], condition: match },
  start: 'ask',
  steps: [
    { id: 'ask', type: 'approval', config: { message: 'Approve {{record.id}}', ...config }, branches: { approved: 'yes', rejected: 'no' } },
    { id: 'yes', type: 'end', config: { outcome: 'approved' } },
    { id: 'no', type: 'end', config: { outcome: 'rejected' } },
  ],
});

/** A workflow of the admin's: a new customer of the given last name asks for approval as `config` says. */
async function approvalFlow(apiName: string, lastName: string, config: Record<string, unknown>): Promise<void> {
  const created = await t.api('POST', '/workflows', { apiName, label: apiName, definition: definitionOf('customer', { path: 'record.last_name', op: 'eq', value: lastName }, config) });
  expect(created.statusCode, created.body).toBe(201);
  expect((await t.api('POST', `/workflows/${apiName}/activate`)).statusCode).toBe(200);
}

const listOf = async (key: string): Promise<Approval[]> => {
  const r = await call(h, key, 'GET', '/workflow-approvals');
  expect(r.statusCode, r.body).toBe(200);
  return json<{ approvals: Approval[] }>(r).approvals;
};

/** `who` creates a record; answers the approval its run asked for, as the admin (who sees every one) finds it. */
async function asked(who: string, object: string, values: Record<string, unknown>): Promise<Approval> {
  const r = await call(h, who, 'POST', `/records/${object}`, values);
  expect(r.statusCode, r.body).toBe(201);
  const id = json<{ id: string }>(r).id;
  return waitForValue(`the approval for ${object} ${id}`, async () => (await listOf(t.key)).find((a) => a.message === `Approve ${id}`));
}

const customer = (lastName: string, extra: Record<string, unknown> = {}) => ({ last_name: lastName, first_name: randomUUID().slice(0, 8), ...extra });

const decide = (key: string, approval: Approval, decision: 'approved' | 'rejected', headers: Record<string, string> = {}) =>
  call(h, key, 'POST', `/workflow-approvals/${approval.id}/decision`, { decision }, headers);

const endOf = (approval: Approval) =>
  waitForValue(`run ${approval.runId} to end`, async () => {
    const run = json<{ status: string; steps: { stepId: string }[] }>(await t.api('GET', `/workflow-runs/${approval.runId}`));
    return run.status === 'completed' ? run.steps.map((s) => s.stepId).at(-1) : undefined;
  });

const seen = async (key: string, approval: Approval) => (await listOf(key)).find((a) => a.id === approval.id);

beforeAll(async () => {
  h = await startHarness();
  t = await createTestTenant(h, 'routing');
  other = await createTestTenant(h, 'routing-other');
  // Sales managers above sales reps; the clerk is a rep, the lead and the second are managers.
  managers = await newRole('Sales managers', null);
  reps = await newRole('Sales reps', managers);
  clerk = await newUser('Clerk');
  lead = await newUser('Lead');
  second = await newUser('Second');
  outsider = await newUser('Outsider');
  orphan = await newUser('Orphan');
  await giveRole(clerk, reps);
  await giveRole(lead, managers);
  await giveRole(second, managers);
  const set = await t.api('POST', '/access/permission-sets', { key: 'review', name: 'Review', grants: { objects: { '*': { read: true, create: true, edit: true } }, fields: {}, setup: {} } });
  expect(set.statusCode, set.body).toBe(201);
  expect((await t.api('POST', '/access/profiles', { key: 'reviewer', name: 'Reviewer', permissionSetIds: [json<{ id: string }>(set).id] })).statusCode).toBe(201);
  reviewer = await newUser('Reviewer', 'reviewer');

  await approvalFlow('role_decides', 'Role', { approvers: [{ role: managers }] });
  await approvalFlow('all_must_approve', 'All', { approvers: [{ role: managers }, { profile: 'reviewer' }], decision: 'unanimous' });
  await approvalFlow('owner_manager', 'Managed', { approvers: [{ manager: 'owner' }] });
  await approvalFlow('owner_field', 'Owned', { approvers: [{ field: 'owner' }] });
  await approvalFlow('both_forms', 'Both', { assignees: [reviewer.id], approvers: [{ role: managers }] });
  const deal = await t.api('POST', '/workflows', {
    apiName: 'customer_owner_of_deal',
    label: 'Deal approved by its customer’s owner',
    definition: definitionOf('deal', { path: 'record.name', op: 'eq', value: 'Big deal' }, { approvers: [{ field: 'customer.owner' }] }),
  });
  expect(deal.statusCode, deal.body).toBe(201);
  expect((await t.api('POST', '/workflows/customer_owner_of_deal/activate')).statusCode).toBe(200);
});
afterAll(async () => h?.close());

describe('approvers named by role, profile, field or manager', () => {
  it("a role's members decide, resolved when the step starts: a non-member gets 403, and joining the role later gives no say", async () => {
    const approval = await asked(clerk.key, 'customer', customer('Role'));
    expect(approval.assignees.sort()).toEqual([lead.id, second.id].sort());
    expect((await seen(lead.key, approval))?.mayDecide).toBe(true);
    expect(await seen(outsider.key, approval)).toBeUndefined();
    const refused = await decide(outsider.key, approval, 'approved');
    expect(refused.statusCode).toBe(403);
    expect(json<Problem>(refused).detail).toBe('Only an approver named on the request, or an administrator, may decide it');

    await giveRole(outsider, managers);
    expect((await decide(outsider.key, approval, 'approved')).statusCode).toBe(403);
    await giveRole(outsider, null);

    const approved = await decide(second.key, approval, 'approved');
    expect(approved.statusCode, approved.body).toBe(200);
    expect(json(approved)).toEqual({ decided: 'approved', status: 'approved', waitingFor: [] });
    expect(await endOf(approval)).toBe('yes');
    // The first response decided: the other member is refused, with the reason.
    const late = await decide(lead.key, approval, 'rejected');
    expect(late.statusCode).toBe(409);
    expect(json<Problem>(late).detail).toBe('The request was already approved');
    expect(json<Problem>(await decide(lead.key, approval, 'rejected', { 'accept-language': 'zh-CN' })).detail).toBe('该请求已被批准');
  });

  it('decided by every approver: each approval counts until all have approved, the inbox shows who is still awaited, and one approving twice gets 409', async () => {
    const approval = await asked(clerk.key, 'customer', customer('All'));
    expect(approval.decisionMode).toBe('unanimous');
    expect(approval.assignees.sort()).toEqual([lead.id, second.id, reviewer.id].sort());
    expect(approval.progress).toEqual({ required: 3, waitingFor: expect.arrayContaining([lead.id, second.id, reviewer.id]) });

    const first = await decide(lead.key, approval, 'approved');
    expect(first.statusCode, first.body).toBe(200);
    expect(json(first)).toEqual({ decided: 'approved', status: 'pending', waitingFor: expect.arrayContaining([second.id, reviewer.id]) });
    const byReviewer = await seen(reviewer.key, approval);
    expect(byReviewer?.progress).toEqual({ required: 3, waitingFor: expect.arrayContaining([second.id, reviewer.id]) });
    expect(byReviewer?.progress?.waitingFor).toHaveLength(2);
    expect(byReviewer?.decisions.find((d) => d.userId === lead.id)).toEqual(expect.objectContaining({ name: 'Lead', decision: 'approved' }));
    expect(byReviewer?.decisions.find((d) => d.userId === second.id)).toEqual(expect.objectContaining({ name: 'Second', decision: null }));
    // The lead still sees it, with their decision, and may not decide again.
    expect((await seen(lead.key, approval))?.mayDecide).toBe(false);
    const again = await decide(lead.key, approval, 'approved');
    expect(again.statusCode).toBe(409);
    expect(json<Problem>(again).detail).toBe('You have already approved this request; it waits for the other approvers');
    expect(json<Problem>(await decide(lead.key, approval, 'approved', { 'accept-language': 'zh-CN' })).detail).toBe('您已批准此请求，正在等待其他审批人');

    expect(json(await decide(second.key, approval, 'approved'))).toEqual({ decided: 'approved', status: 'pending', waitingFor: [reviewer.id] });
    const run = json<{ status: string }>(await t.api('GET', `/workflow-runs/${approval.runId}`));
    expect(run.status).toBe('waiting');
    expect(json(await decide(reviewer.key, approval, 'approved'))).toEqual({ decided: 'approved', status: 'approved', waitingFor: [] });
    expect(await endOf(approval)).toBe('yes');
  });

  it('decided by every approver: one rejection rejects, and the others are refused after; an email link counts as its approver', async () => {
    const approval = await asked(clerk.key, 'customer', customer('All'));
    const token = h.server.workflows.engine.approvalToken(t.id, approval.id, reviewer.id, 'approved');
    const link = await h.server.app.inject({ method: 'GET', url: `/api/v1/workflow-approvals/${approval.id}/email-decision?tenant=${t.slug}&decision=approved&user=${reviewer.id}&token=${token}` });
    expect(link.statusCode, link.body).toBe(200);
    expect(link.body).toBe('Approved; the request waits for the other approvers. You can close this page.');
    expect((await seen(t.key, approval))?.progress?.waitingFor.sort()).toEqual([lead.id, second.id].sort());
    const rejected = await decide(second.key, approval, 'rejected');
    expect(json(rejected)).toEqual({ decided: 'rejected', status: 'rejected', waitingFor: [] });
    expect(await endOf(approval)).toBe('no');
    const late = await decide(lead.key, approval, 'approved');
    expect(late.statusCode).toBe(409);
    expect(json<Problem>(late).detail).toBe('The request was already rejected');
  });

  it('decided by every approver: the requester among them is not waited for, and an administrator who is not one settles it', async () => {
    const approval = await asked(lead.key, 'customer', customer('All'));
    expect(approval.progress).toEqual({ required: 2, waitingFor: expect.arrayContaining([second.id, reviewer.id]) });
    const own = await decide(lead.key, approval, 'approved');
    expect(own.statusCode).toBe(403);
    expect(json<Problem>(own).detail).toBe('You asked for this approval; another approver or an administrator decides it');
    expect(json(await decide(second.key, approval, 'approved'))).toEqual({ decided: 'approved', status: 'pending', waitingFor: [reviewer.id] });
    expect(json(await decide(t.key, approval, 'approved'))).toEqual({ decided: 'approved', status: 'approved', waitingFor: [] });
    expect(await endOf(approval)).toBe('yes');
    expect((await decide(reviewer.key, approval, 'approved')).statusCode).toBe(409);
  });

  it("the record owner's manager decides: whoever holds the role above the owner's", async () => {
    const approval = await asked(clerk.key, 'customer', customer('Managed'));
    expect(approval.assignees.sort()).toEqual([lead.id, second.id].sort());
    expect((await decide(clerk.key, approval, 'approved')).statusCode).toBe(403);
    expect((await decide(lead.key, approval, 'rejected')).statusCode).toBe(200);
    expect(await endOf(approval)).toBe('no');
  });

  it("the user in a field of the record decides, and so does the owner of the record it looks up (the deal's customer's owner)", async () => {
    const owned = await asked(t.key, 'customer', customer('Owned', { owner: reviewer.id }));
    expect(owned.assignees).toEqual([reviewer.id]);
    expect((await decide(reviewer.key, owned, 'approved')).statusCode).toBe(200);
    expect(await endOf(owned)).toBe('yes');

    const theirs = json<{ id: string }>(await t.api('POST', '/records/customer', customer('Other', { owner: outsider.id })));
    const deal = await asked(t.key, 'deal', { name: 'Big deal', customer: theirs.id });
    expect(deal.assignees).toEqual([outsider.id]);
    expect((await decide(outsider.key, deal, 'approved')).statusCode).toBe(200);
    expect(await endOf(deal)).toBe('yes');
  });

  it('approvers that resolve to nobody fail the run with the reason, which the designer reads in its history', async () => {
    // The orphan holds no role, so the owner of their customer has no manager.
    const r = await call(h, orphan.key, 'POST', '/records/customer', customer('Managed'));
    expect(r.statusCode, r.body).toBe(201);
    const failed = await waitForValue('the run to fail', async () => {
      const runs = json<{ runs: { status: string; error: string | null }[] }>(await t.api('GET', '/workflows/owner_manager/runs?status=failed'));
      return runs.runs.find((run) => run.error?.includes('Orphan'));
    });
    expect(failed.error).toContain('The approval has no approver: Orphan (the record\'s owner) holds no role, so has no manager');
    expect((await listOf(t.key)).some((a) => a.message === `Approve ${json<{ id: string }>(r).id}`)).toBe(false);
  });

  it('a step that still names users in the earlier assignees asks them as well as its approvers', async () => {
    const approval = await asked(clerk.key, 'customer', customer('Both'));
    expect(approval.assignees.sort()).toEqual([lead.id, second.id, reviewer.id].sort());
    expect((await decide(reviewer.key, approval, 'approved')).statusCode).toBe(200);
    expect(await endOf(approval)).toBe('yes');
  });

  it("another workspace's approval stays not found", async () => {
    const approval = await asked(clerk.key, 'customer', customer('Role'));
    expect((await listOf(other.key)).some((a) => a.id === approval.id)).toBe(false);
    expect((await decide(other.key, approval, 'approved')).statusCode).toBe(404);
    expect((await decide(lead.key, approval, 'approved')).statusCode).toBe(200);
  });
});

describe('saving approver definitions', () => {
  const save = (config: Record<string, unknown>, object = 'customer') =>
    t.api('POST', '/workflows', { apiName: `bad_${randomUUID().slice(0, 8)}`, label: 'Bad', definition: definitionOf(object, { path: 'record.id', op: 'isNotEmpty' }, config) });
  const refusal = async (config: Record<string, unknown>) => {
    const r = await save(config);
    expect(r.statusCode, r.body).toBe(422);
    return json<Problem>(r).errors ?? [];
  };

  it('refuses an unknown profile or role, a field that is unknown or not a user field, and an empty or missing list, naming the field', async () => {
    expect(await refusal({ approvers: [{ profile: 'nobody_has_this' }] })).toEqual([
      expect.objectContaining({ field: 'definition.steps.0.config.approvers.0.profile', code: 'unknown_profile', message: "step 'ask': no profile 'nobody_has_this' in this workspace" }),
    ]);
    const role = randomUUID();
    expect(await refusal({ approvers: [{ user: clerk.id }, { role }] })).toEqual([expect.objectContaining({ field: 'definition.steps.0.config.approvers.1.role', code: 'unknown_role' })]);
    // Another workspace's role is unknown here.
    const theirs = json<{ id: string }>(await call(h, other.key, 'POST', '/access/roles', { name: 'Theirs', parentId: null })).id;
    expect(await refusal({ approvers: [{ role: theirs }] })).toEqual([expect.objectContaining({ field: 'definition.steps.0.config.approvers.0.role', code: 'unknown_role' })]);
    expect(await refusal({ approvers: [{ field: 'last_name' }] })).toEqual([
      expect.objectContaining({ field: 'definition.steps.0.config.approvers.0.field', code: 'not_user_field', message: "step 'ask': 'last_name' is of type text, not a user field" }),
    ]);
    expect(await refusal({ approvers: [{ manager: 'warp' }] })).toEqual([expect.objectContaining({ field: 'definition.steps.0.config.approvers.0.manager', code: 'unknown_field' })]);
    expect(await refusal({ approvers: [] })).toEqual([expect.objectContaining({ field: 'definition.steps.0.config.approvers' })]);
    expect(await refusal({})).toEqual([expect.objectContaining({ field: 'definition.steps.0.config.approvers', code: 'required' })]);
    expect(await refusal({ approvers: [{ user: clerk.id, role: managers }] })).toEqual([
      expect.objectContaining({ field: 'definition.steps.0.config.approvers.0', message: "step 'ask': an approver names one of user, profile, role, field, manager (this one has user, role)" }),
    ]);
    const chinese = await t.api('POST', '/workflows', { apiName: 'bad_zh', label: 'Bad', definition: definitionOf('customer', { path: 'record.id', op: 'isNotEmpty' }, { approvers: [{ profile: 'nobody_has_this' }] }) }, { 'accept-language': 'zh-CN' });
    expect(json<Problem>(chinese).errors?.[0]?.message).toBe("步骤'ask'：此工作区没有简档'nobody_has_this'");
  });

  it('a role a workflow asks for approval cannot be deleted, naming the workflow, until no version in use names it', async () => {
    const quiet = await newRole('Quiet reviewers', null);
    const created = await t.api('POST', '/workflows', { apiName: 'quiet_review', label: 'Quiet review', definition: definitionOf('customer', { path: 'record.last_name', op: 'eq', value: 'Quiet' }, { approvers: [{ role: quiet }] }) });
    expect(created.statusCode, created.body).toBe(201);
    const refused = await t.api('DELETE', `/access/roles/${quiet}`);
    expect(refused.statusCode).toBe(409);
    expect(json<Problem>(refused).errors).toEqual([expect.objectContaining({ field: 'id', code: 'inUse', message: "asks for approval in the workflow 'Quiet review'" })]);
    const refusedZh = await t.api('DELETE', `/access/roles/${quiet}`, undefined, { 'accept-language': 'zh-CN' });
    expect(json<Problem>(refusedZh)).toMatchObject({ detail: '该角色仍在使用中', errors: [{ message: "在工作流'Quiet review'中被指定为审批人" }] });
    const changed = await t.api('PATCH', '/workflows/quiet_review', { definition: definitionOf('customer', { path: 'record.last_name', op: 'eq', value: 'Quiet' }, { approvers: [{ role: managers }] }) });
    expect(changed.statusCode, changed.body).toBe(200);
    expect((await t.api('DELETE', `/access/roles/${quiet}`)).statusCode).toBe(204);
  });

  it('lists the profiles and roles a designer picks approvers from, to those who design workflows only', async () => {
    const choices = await t.api('GET', '/workflow-approver-choices');
    expect(choices.statusCode, choices.body).toBe(200);
    const body = json<{ profiles: { key: string; name: string }[]; roles: { id: string; name: string }[] }>(choices);
    expect(body.profiles).toEqual(expect.arrayContaining([{ key: 'reviewer', name: 'Reviewer' }]));
    expect(body.roles.map((r) => r.name)).toEqual(['Sales managers', 'Sales reps']);
    expect((await call(h, clerk.key, 'GET', '/workflow-approver-choices')).statusCode).toBe(403);
    expect(json<{ roles: unknown[] }>(await call(h, other.key, 'GET', '/workflow-approver-choices')).roles).toHaveLength(1);
  });
});
