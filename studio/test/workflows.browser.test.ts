// Setup › Workflows in Chromium against the real server: the no-activity follow-up is built from
// scratch with the mouse and the keyboard (palette, dragging connections, step forms), saved,
// activated, and seen to fire on a customer left alone; then the same in zh-CN.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { api, launchBrowser, shot, signIn, startWorkspace, type TestBrowser, type Workspace } from './harness.ts';

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

async function open(locale: 'en-US' | 'zh-CN'): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1500, height: 950 }, locale });
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.setDefaultTimeout(30_000);
  await signIn(page, ws);
  return page;
}

/** Drags from a node's way out (a React Flow handle) onto another node's way in, as a person connects them. */
async function drag(page: Page, from: Locator, to: Locator) {
  const a = (await from.boundingBox())!;
  const b = (await to.locator('.react-flow__handle.target').boundingBox())!;
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(a.x + a.width / 2 + 30, a.y + 30, { steps: 5 });
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 10 });
  await page.mouse.up();
}

/** Saves a workflow through the API and opens it in the designer. */
async function openWorkflow(page: Page, apiName: string, label: string, definition: unknown) {
  await api(page, 'POST', '/workflows', { apiName, label, definition });
  await page.goto(`${ws.baseUrl}/setup/workflows/${apiName}`);
}

const words = {
  'en-US': { newName: 'Name of a new workflow', trigger: 'Starts when', noActivity: 'A record has no activity', createTask: 'Create a task', save: 'Save as a new version', activate: 'Activate', runs: 'Run history', completed: 'Completed', noProblems: 'No problems', inspector: 'Selected step', object: /^Object/, days: /^Days without activity/, subject: /^Subject/, customer: 'Customer', deal: 'Deal', end: 'End' },
  'zh-CN': { newName: '新工作流的名称', trigger: '启动条件', noActivity: '记录无活动时', createTask: '创建任务', save: '保存为新版本', activate: '启用', runs: '运行历史', completed: '已完成', noProblems: '没有问题', inspector: '所选步骤', object: /^对象/, days: /^无活动天数/, subject: /^主题/, customer: '客户', deal: '商机', end: '结束' },
} as const;

async function buildFollowUp(page: Page, locale: 'en-US' | 'zh-CN', name: string, subject: string) {
  const w = words[locale];
  await page.goto(`${ws.baseUrl}/setup/workflows`);
  // The keyboard: type the name, Enter creates it and opens the builder.
  await page.getByLabel(w.newName).fill(name);
  await page.keyboard.press('Enter');
  await page.locator('.react-flow').waitFor();
  // The trigger: no activity on a customer for a few seconds (the shipped one waits 7 days).
  await page.getByTestId(/^wf-node-/).first().click();
  await page.getByLabel(w.trigger).selectOption('noActivity');
  const inspector = page.getByRole('complementary', { name: w.inspector });
  // The configuration forms speak the page's language too.
  // The object is chosen by its label in the page's language, not typed as an API name.
  const objectChoice = inspector.getByRole('combobox', { name: w.object });
  expect(await objectChoice.locator('option').allInnerTexts()).toEqual(expect.arrayContaining([w.customer, w.deal]));
  await objectChoice.selectOption({ label: w.customer });
  await inspector.getByRole('spinbutton', { name: w.days }).fill(String(3 / 86_400));
  // The palette: a task step.
  await page.getByRole('complementary', { name: /Steps|步骤/ }).getByRole('button', { name: w.createTask }).click();
  await inspector.getByRole('textbox', { name: w.subject }).fill(subject);
  // Drag the trigger's way out onto the task, and the task's onto the end.
  const trigger = page.locator('.react-flow__node').filter({ has: page.locator('.wf-trigger') });
  const task = page.locator('.react-flow__node[data-id="create_task_1"]');
  const end = page.locator('.react-flow__node[data-id="end_1"]');
  // Steps are titled on the canvas by their kind in the page's language, not by their ids.
  expect(await task.locator('.wf-node-title').innerText()).toBe(w.createTask);
  expect(await end.locator('.wf-node-title').innerText()).toBe(w.end);
  await drag(page, trigger.locator('.react-flow__handle.source'), task);
  await drag(page, task.locator('.react-flow__handle.source'), end);
  await shot(page, `workflow-connected-${locale}`);
  await page.getByText(w.noProblems).waitFor();
  await shot(page, `workflow-builder-${locale}`);
  await page.getByRole('button', { name: w.save }).click();
  await page.getByRole('button', { name: w.activate }).click();
  await expect.poll(async () => (await api<{ status: string; version: number }>(page, 'GET', `/workflows/${name.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '').replace(/^(?![a-z])/, 'w_')}`)).status, { timeout: 30_000 }).toBe('active');
}

describe('Setup › Workflows', () => {
  it('builds the no-activity follow-up by mouse and keyboard and sees it create the task', async () => {
    const page = await open('en-US');
    await buildFollowUp(page, 'en-US', 'Quiet customer follow-up', 'Call {{record.name}} again');
    const customer = await api<{ id: string }>(page, 'POST', '/records/customer', { first_name: 'Hao', last_name: 'Zhang' });
    await expect
      .poll(async () => (await api<{ data: { subject: string }[] }>(page, 'GET', `/records/task?filter=${encodeURIComponent(JSON.stringify({ field: 'related_customer', op: 'eq', value: customer.id }))}`)).data.map((t) => t.subject), { timeout: 30_000 })
      .toContain('Call Hao Zhang again');
    await page.getByRole('tab', { name: words['en-US'].runs }).click();
    await page.getByRole('table', { name: words['en-US'].runs }).getByText(words['en-US'].completed).first().waitFor();
    await shot(page, 'workflow-runs-en');
    expect(pageErrors).toEqual([]);
  });

  it('starts a hand-started workflow from the record page through its input form, in zh-CN', async () => {
    const page = await open('zh-CN');
    const form = { type: 'object', required: ['reason'], properties: { reason: { type: 'string', title: '原因' } } };
    await api(page, 'POST', '/workflows', {
      apiName: 'escalate',
      label: '升级处理',
      definition: { trigger: { type: 'manual', object: 'customer', inputSchema: form }, start: 'note', steps: [{ id: 'note', type: 'updateRecord', config: { values: { notes: '升级：{{input.reason}}' } } }] },
    });
    await api(page, 'POST', '/workflows/escalate/activate');
    const customer = await api<{ id: string }>(page, 'POST', '/records/customer', { first_name: '伟', last_name: '李' });
    await page.goto(`${ws.baseUrl}/o/customer/${customer.id}`);
    await page.getByRole('button', { name: '升级处理' }).click();
    const dialog = page.getByRole('dialog', { name: '升级处理' });
    await dialog.getByRole('textbox', { name: /^原因/ }).fill('大客户');
    await shot(page, 'workflow-manual-start-zh-CN');
    await dialog.getByRole('button', { name: '启动' }).click();
    await expect.poll(async () => (await api<{ notes?: string }>(page, 'GET', `/records/customer/${customer.id}`)).notes, { timeout: 30_000 }).toBe('升级：大客户');
    expect(pageErrors).toEqual([]);
  });

  it('starts a hand-started workflow from a list for each selected record, through its input form', async () => {
    const page = await open('en-US');
    const form = { type: 'object', required: ['reason'], properties: { reason: { type: 'string', title: 'Reason' } } };
    await api(page, 'POST', '/workflows', {
      apiName: 'flag_vip',
      label: 'Flag as VIP',
      definition: { trigger: { type: 'manual', object: 'customer', inputSchema: form }, start: 'note', steps: [{ id: 'note', type: 'updateRecord', config: { values: { notes: 'VIP: {{input.reason}}' } } }] },
    });
    await api(page, 'POST', '/workflows/flag_vip/activate');
    const [xu, ma, guo] = await Promise.all(
      [['Ling', 'Xu'], ['Qiang', 'Ma'], ['Yan', 'Guo']].map(([first_name, last_name]) => api<{ id: string }>(page, 'POST', '/records/customer', { first_name, last_name })),
    );
    await page.goto(`${ws.baseUrl}/o/customer`);
    // Nothing selected: the list offers no workflow to start.
    await page.getByRole('checkbox', { name: 'Select Ling Xu' }).waitFor();
    expect(await page.getByRole('button', { name: 'Flag as VIP' }).count()).toBe(0);
    await page.getByRole('checkbox', { name: 'Select Ling Xu' }).check();
    await page.getByRole('checkbox', { name: 'Select Qiang Ma' }).check();
    await page.getByRole('button', { name: 'Flag as VIP' }).click();
    const dialog = page.getByRole('dialog', { name: 'Flag as VIP' });
    // The form is checked before anything starts: the reason is required.
    await dialog.getByRole('button', { name: 'Start' }).click();
    await dialog.getByText(/required/i).first().waitFor();
    await dialog.getByRole('textbox', { name: /^Reason/ }).fill('big account');
    await shot(page, 'workflow-list-start-en');
    await dialog.getByRole('button', { name: 'Start' }).click();
    const notes = async (id: string) => (await api<{ notes?: string | null }>(page, 'GET', `/records/customer/${id}`)).notes ?? null;
    await expect.poll(async () => [await notes(xu!.id), await notes(ma!.id)], { timeout: 30_000 }).toEqual(['VIP: big account', 'VIP: big account']);
    // One run per selected record, and none for the record left unselected.
    const runs = await api<{ runs: { status: string }[] }>(page, 'GET', '/workflows/flag_vip/runs');
    expect(runs.runs).toHaveLength(2);
    expect(await notes(guo!.id)).toBeNull();
    expect(pageErrors).toEqual([]);
  });

  it('does the same in zh-CN', async () => {
    const page = await open('zh-CN');
    await buildFollowUp(page, 'zh-CN', 'Follow up zh', '回访 {{record.name}}');
    const customer = await api<{ id: string }>(page, 'POST', '/records/customer', { first_name: '芳', last_name: '王' });
    await expect
      .poll(async () => (await api<{ data: { subject: string }[] }>(page, 'GET', `/records/task?filter=${encodeURIComponent(JSON.stringify({ field: 'related_customer', op: 'eq', value: customer.id }))}`)).data.map((t) => t.subject), { timeout: 30_000 })
      .toEqual(expect.arrayContaining([expect.stringMatching(/^回访 .*芳/)]));
    expect(pageErrors).toEqual([]);
  });

  it("names a record trigger's events and its condition's kind in zh-CN, not by their codes or 'option 4'", async () => {
    const page = await open('zh-CN');
    await openWorkflow(page, 'big_deal_zh', 'Big deal', {
      trigger: { type: 'record', object: 'deal', events: ['created'], condition: { expression: 'amount > 1000' } },
      start: 'done',
      steps: [{ id: 'done', type: 'end', config: { outcome: 'ok' } }],
    });
    const events = page.getByLabel(/^当记录被/);
    await events.waitFor();
    expect(await events.locator('option').allTextContents()).toEqual(['创建', '更新', '删除']);
    const kinds = page.locator('select').filter({ has: page.locator('option', { hasText: '表达式' }) }).first();
    expect(await kinds.locator('option').allTextContents()).toEqual(['全部满足', '任一满足', '不满足', '表达式', '比较一个值']);
    expect(await page.locator('.workflow-builder, main').first().innerText()).not.toMatch(/option \d|\bcreated\b/);
    expect(pageErrors).toEqual([]);
  });

  it("labels a relative-time trigger's fields and choices in zh-CN, not by their keys and codes (direction, offset, hours)", async () => {
    const page = await open('zh-CN');
    await openWorkflow(page, 'due_soon_zh', 'Due soon', {
      trigger: { type: 'relativeTime', object: 'task', field: 'due_date', offset: { amount: 2, unit: 'hours' }, direction: 'before' },
      start: 'done',
      steps: [{ id: 'done', type: 'end', config: {} }],
    });
    const inspector = page.getByRole('complementary', { name: '所选步骤' });
    const direction = inspector.getByRole('combobox', { name: /^之前或之后/ });
    await direction.waitFor();
    expect(await direction.locator('option').allTextContents()).toEqual(expect.arrayContaining(['之前', '之后']));
    const unit = inspector.getByRole('combobox', { name: /^单位/ });
    expect(await unit.locator('option').allTextContents()).toEqual(expect.arrayContaining(['秒', '分钟', '小时', '天', '周']));
    expect(await inspector.innerText()).toContain('日期字段');
    expect(await inspector.innerText()).not.toMatch(/\b(direction|offset|field|hours|before)\b/);
    expect(pageErrors).toEqual([]);
  });

  it('test-runs a workflow on a record picked by its name, not by an id typed from memory, in zh-CN', async () => {
    const page = await open('zh-CN');
    await api(page, 'POST', '/records/customer', { first_name: '伟', last_name: '张' });
    await openWorkflow(page, 'is_zhang', 'Is Zhang', {
      trigger: { type: 'record', object: 'customer', events: ['created'] },
      start: 'zhang',
      steps: [
        { id: 'zhang', type: 'condition', label: '姓张？', config: { condition: { path: 'record.last_name', op: 'eq', value: '张' } }, branches: { true: 'yes_end', false: 'no_end' } },
        { id: 'yes_end', type: 'end', label: '是张', config: {} },
        { id: 'no_end', type: 'end', label: '不是张', config: {} },
      ],
    });
    const picker = page.getByRole('combobox', { name: '测试运行所用的记录' });
    await picker.waitFor();
    // Opening a workflow changes nothing: there is nothing to save, and it may be test-run as it is.
    expect(await page.getByRole('button', { name: '保存为新版本' }).isDisabled()).toBe(true);
    await picker.click();
    await picker.fill('张');
    await page.getByRole('option', { name: /张/ }).first().click();
    await page.getByRole('button', { name: '测试运行' }).click();
    // The run took the record: the condition went the way its last name says.
    await expect.poll(() => page.getByTestId('wf-test-status').innerText(), { timeout: 20_000 }).toMatch(/姓张？ → 是张$/);
    expect(pageErrors).toEqual([]);
  });

  it('keeps every step on the canvas shown while a step is edited, instead of blinking it out on each keystroke', async () => {
    const page = await open('en-US');
    await openWorkflow(page, 'steady_canvas', 'Steady canvas', {
      trigger: { type: 'record', object: 'deal', events: ['created'] },
      start: 'vip',
      steps: [
        { id: 'vip', type: 'condition', label: 'Big?', config: { condition: { expression: 'amount > 1000' } }, branches: { true: 'yes_end', false: 'no_end' } },
        { id: 'yes_end', type: 'end', label: 'Big', config: {} },
        { id: 'no_end', type: 'end', label: 'Small', config: {} },
      ],
    });
    const end = page.locator('.react-flow__node[data-id="no_end"]');
    await end.waitFor();
    // Every time the canvas hides a node from here on is recorded, however briefly.
    await page.evaluate(() => {
      const hidden: string[] = [];
      (window as unknown as { hiddenNodes: string[] }).hiddenNodes = hidden;
      new MutationObserver((changes) => {
        for (const change of changes) {
          const node = change.target as HTMLElement;
          if (node.classList.contains('react-flow__node') && node.style.visibility === 'hidden') hidden.push(node.dataset['id'] ?? '?');
        }
      }).observe(document.querySelector('.react-flow')!, { attributes: true, attributeFilter: ['style'], subtree: true });
    });
    await end.click();
    const label = page.getByRole('complementary', { name: 'Selected step' }).getByRole('textbox', { name: 'Label', exact: true });
    await label.press('End');
    await label.pressSequentially(' deal', { delay: 20 });
    await page.getByTestId('wf-node-Small deal').waitFor();
    expect(await page.evaluate(() => (window as unknown as { hiddenNodes: string[] }).hiddenNodes)).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it("reads a condition's branches and the canvas's own controls in zh-CN, not 'true', 'Zoom In' or 'Edge from'", async () => {
    const page = await open('zh-CN');
    await openWorkflow(page, 'vip_zh', 'VIP', {
      trigger: { type: 'record', object: 'deal', events: ['created'] },
      start: 'vip',
      steps: [
        { id: 'vip', type: 'condition', label: '是否重要', config: { condition: { expression: 'amount > 1000' } }, branches: { true: 'yes_end', false: 'no_end' } },
        { id: 'yes_end', type: 'end', label: '重要', config: {} },
        { id: 'no_end', type: 'end', label: '普通', config: {} },
      ],
    });
    const branches = page.locator('.wf-node-branches');
    // The canvas hides a node until it has measured it, and innerText reads nothing while it is hidden.
    await expect.poll(() => branches.first().innerText(), { timeout: 10_000 }).toMatch(/是\s*否/);
    await expect.poll(() => page.locator('.react-flow__edge-text').allTextContents(), { timeout: 10_000 }).toEqual(expect.arrayContaining(['是', '否']));
    expect(await page.locator('.react-flow__edge').first().getAttribute('aria-label')).toMatch(/^从.+到.+$/);
    expect(await page.locator('.react-flow__controls button').evaluateAll((buttons) => buttons.map((b) => b.getAttribute('aria-label')))).toEqual(expect.arrayContaining(['放大', '缩小', '显示整个工作流']));
    const canvas = await page.locator('.react-flow').first().evaluate((el) => el.outerHTML);
    expect(canvas).not.toMatch(/Zoom In|Zoom Out|Fit View|Edge from|Press enter or space|>true<|>false</);
    expect(pageErrors).toEqual([]);
  });

  it('shows a run that failed on a validation problem, and the pause it led to, in zh-CN', async () => {
    const page = await open('zh-CN');
    // One failure pauses it here; the workspace's other workflows are put back to the default after.
    await api(page, 'PATCH', '/workflow-settings', { pauseAfterFailures: 1 });
    try {
      const record = await api<{ id: string }>(page, 'POST', '/records/customer', { last_name: 'Lin' });
      await api(page, 'POST', '/workflows', { apiName: 'blank_name_zh', label: 'Blank name', definition: {
        trigger: { type: 'manual', object: 'customer' },
        start: 'blank',
        steps: [{ id: 'blank', type: 'updateRecord', config: { values: { last_name: '' } } }],
      } });
      await api(page, 'POST', '/workflows/blank_name_zh/activate');
      await api(page, 'POST', '/workflows/blank_name_zh/runs', { recordId: record.id });
      await expect.poll(async () => (await api<{ status: string }>(page, 'GET', '/workflows/blank_name_zh')).status, { timeout: 30_000 }).toBe('paused');
    } finally {
      await api(page, 'PATCH', '/workflow-settings', { pauseAfterFailures: 5 });
    }
    await page.goto(`${ws.baseUrl}/setup/workflows/blank_name_zh`);
    await page.getByText(/^连续 1 次运行失败后已暂停；最后一次失败的原因：.*last_name 为必填项$/).waitFor();
    await page.getByRole('tab', { name: words['zh-CN'].runs }).click();
    const runs = page.getByRole('table', { name: words['zh-CN'].runs });
    await runs.getByText(/last_name 为必填项$/).waitFor();
    await runs.getByRole('button', { name: '步骤' }).first().click();
    await page.getByRole('table', { name: '步骤' }).getByText(/last_name 为必填项$/).waitFor();
    expect(await page.locator('main').first().innerText()).not.toMatch(/is required|Paused after/);
    await shot(page, 'workflow-run-error-zh-CN');
    expect(pageErrors).toEqual([]);
  });
});
