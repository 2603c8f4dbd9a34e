// Approvals in Chromium against the real server: a designer turns an approval step's approver into
// a role picked by name and makes every approver decide; the role's members then find the request
// in their Approvals inbox, which counts down "waiting for 3 of 3" as each approves, in English and
// in Chinese (ADR 0015).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { api, launchBrowser, settle, shot, signIn, startWorkspace, type TestBrowser, type Workspace } from './harness.ts';

let ws: Workspace;
let browser: TestBrowser;
const pageErrors: string[] = [];

beforeAll(async () => {
  ws = await startWorkspace();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await ws?.stop();
});

async function open(locale: 'en-US' | 'zh-CN', who: { email: string; password: string } = ws): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1500, height: 950 }, locale });
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.setDefaultTimeout(30_000);
  await signIn(page, { ...ws, ...who });
  return page;
}

const password = 'reviewer-password-123';
type Approval = { id: string; message: string; decisionMode: string; assignees: string[]; progress: { required: number; waitingFor: string[] } | null };

describe('Approvals', () => {
  it('a designer picks a role and unanimous decision; the inbox shows each approval counting down, in English and Chinese', async () => {
    const admin = await open('en-US');
    const role = await api<{ id: string }>(admin, 'POST', '/access/roles', { name: 'Discount reviewers', parentId: null });
    const reviewers: { id: string; email: string }[] = [];
    for (const name of ['Ria', 'Sol', 'Tam']) {
      const email = `${name.toLowerCase()}@example.com`;
      const user = await api<{ id: string }>(admin, 'POST', '/users', { email, name, role: 'standard', password });
      await api(admin, 'PUT', `/access/users/${user.id}`, { roleId: role.id });
      reviewers.push({ id: user.id, email });
    }
    await api(admin, 'POST', '/workflows', {
      apiName: 'discount_approval',
      label: 'Discount approval',
      definition: {
        trigger: { type: 'manual' },
        start: 'ask',
        steps: [
          { id: 'ask', type: 'approval', config: { approvers: [{ user: reviewers[0]!.id }], message: 'Approve a 30% discount' }, branches: { approved: 'yes', rejected: 'no' } },
          { id: 'yes', type: 'end', config: { outcome: 'approved' } },
          { id: 'no', type: 'end', config: { outcome: 'rejected' } },
        ],
      },
    });

    // The designer: the approver becomes everyone in a role, picked by its name, and every approver must approve.
    await admin.goto(`${ws.baseUrl}/setup/workflows/discount_approval`);
    await admin.locator('.react-flow__node[data-id="ask"]').click();
    const inspector = admin.getByRole('complementary', { name: 'Selected step' });
    await inspector.getByRole('combobox').first().selectOption({ label: 'Everyone in a role' });
    await inspector.getByRole('combobox', { name: /^Role/ }).selectOption({ label: 'Discount reviewers' });
    await inspector.getByRole('combobox', { name: /^Decided by/ }).selectOption({ label: 'Every approver (one rejection rejects)' });
    await admin.getByText('No problems').waitFor();
    await shot(admin, 'approval-step-designer-en');
    await admin.getByRole('button', { name: 'Save as a new version' }).click();
    await expect
      .poll(async () => (await api<{ version: number; definition: { steps: { config: Record<string, unknown> }[] } }>(admin, 'GET', '/workflows/discount_approval')).definition.steps[0]!.config, { timeout: 20_000 })
      .toEqual({ approvers: [{ role: role.id }], decision: 'unanimous', message: 'Approve a 30% discount' });
    await api(admin, 'POST', '/workflows/discount_approval/activate');
    await api(admin, 'POST', '/workflows/discount_approval/runs', {});
    const approval = await waitForApproval(admin);
    expect(approval.assignees.sort()).toEqual(reviewers.map((r) => r.id).sort());

    // The first reviewer approves from the inbox: it now waits for the other two.
    const ria = await open('en-US', { email: reviewers[0]!.email, password });
    await ria.getByRole('link', { name: 'Approvals' }).click();
    const item = ria.getByRole('listitem', { name: 'Approve a 30% discount' });
    await progressIs(item, 'Waiting for 3 of 3');
    await item.getByRole('button', { name: 'Approve' }).click();
    await progressIs(item, 'Waiting for 2 of 3');
    await settle(ria);
    expect(await item.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    expect(await item.getByRole('list', { name: 'Approvers' }).getByRole('listitem').allTextContents()).toEqual(['Ria: Approved', 'Sol: Awaited', 'Tam: Awaited']);
    await shot(ria, 'approvals-inbox-en');

    // The second, in Chinese.
    const sol = await open('zh-CN', { email: reviewers[1]!.email, password });
    await sol.goto(`${ws.baseUrl}/approvals`);
    const chinese = sol.getByRole('listitem', { name: 'Approve a 30% discount' });
    await progressIs(chinese, '等待 3 人中的 2 人');
    await chinese.getByRole('button', { name: '批准' }).click();
    await progressIs(chinese, '等待 3 人中的 1 人');
    expect(await chinese.getByRole('list', { name: '审批人' }).getByRole('listitem').allTextContents()).toEqual(['Ria: 已批准', 'Sol: 已批准', 'Tam: 待处理']);
    await shot(sol, 'approvals-inbox-zh-CN');
    expect(pageErrors).toEqual([]);
  });
});

/** Waits until the item's progress reads `text` (the page's own timeout: the inbox reloads after a decision). */
async function progressIs(item: Locator, text: string): Promise<void> {
  await item.getByTestId('approval-progress').filter({ hasText: new RegExp(`^${text}$`) }).waitFor();
}

async function waitForApproval(page: Page): Promise<Approval> {
  let found: Approval | undefined;
  await expect
    .poll(async () => {
      found = (await api<{ approvals: Approval[] }>(page, 'GET', '/workflow-approvals')).approvals.find((a) => a.message === 'Approve a 30% discount');
      return found?.decisionMode;
    }, { timeout: 20_000 })
    .toBe('unanimous');
  return found!;
}
