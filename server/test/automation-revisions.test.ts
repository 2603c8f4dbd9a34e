import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, json, startHarness, type Harness, type TestTenant } from './harness.ts';

let h: Harness;
let t: TestTenant;

beforeAll(async () => {
  h = await startHarness();
  t = await createTestTenant(h, 'autorev');
});
afterAll(async () => h?.close());

type Revision = { revision: number; message: string | null };
type Described = { message: string | null; changes: { kind: string; action: string; subject: string; summary: string; details: { property: string; from?: string; to?: string; text: string }[] }[] };
type Snapshot = { automations?: { workflows: { id: string; apiName: string; version: number }[]; scripts: { id: string; apiName: string; version: number }[] } };

const latest = async (locale = 'en') => json<Revision[]>(await t.api('GET', '/metadata/revisions', undefined, { 'accept-language': locale }))[0]!;
const changes = async (revision: number, locale = 'en') => json<Described>(await t.api('GET', `/metadata/revisions/${revision}/changes`, undefined, { 'accept-language': locale }));
const snapshotAt = async (revision: number) => json<{ snapshot: Snapshot }>(await t.api('GET', `/metadata/revisions/${revision}`)).snapshot;

const taskOnCreate = (subject: string) => ({
  trigger: { type: 'record', object: 'customer', events: ['created'] },
  start: 'task',
  steps: [{ id: 'task', type: 'createTask', config: { subject, dueInDays: 1, priority: 'normal' } }],
});

async function saveScript(source: string, expectVersion: number): Promise<void> {
  const body = { apiName: 'greeting', label: 'Greeting', kind: 'action', object: 'customer', language: 'typescript', source };
  const response = expectVersion === 1 ? await t.api('POST', '/scripts', body) : await t.api('PUT', '/scripts/greeting', body);
  expect(response.statusCode, response.body).toBe(expectVersion === 1 ? 201 : 200);
  expect(json(response)['version']).toBe(expectVersion);
}

describe('workflows and scripts in the metadata revisions', () => {
  it('each saved workflow version is a revision that names it, in words in English and Chinese', async () => {
    const before = await latest();
    const created = await t.api('POST', '/workflows', { apiName: 'welcome_task', label: 'Welcome task', definition: taskOnCreate('Welcome {{record.name}}') });
    expect(created.statusCode, created.body).toBe(201);
    const first = await latest();
    expect(first.revision).toBe(before.revision + 1);
    expect(first.message).toBe('Created workflow “Welcome task”');
    expect((await snapshotAt(first.revision)).automations?.workflows).toEqual([expect.objectContaining({ apiName: 'welcome_task', version: 1 })]);

    const saved = await t.api('PATCH', '/workflows/welcome_task', { definition: taskOnCreate('Call {{record.name}}') });
    expect(saved.statusCode, saved.body).toBe(200);
    const second = await latest();
    expect(second.revision).toBe(first.revision + 1);
    const en = await changes(second.revision);
    expect(en.changes).toEqual([expect.objectContaining({ kind: 'workflow', action: 'updated', subject: 'Workflow Welcome task' })]);
    expect(en.changes[0]!.details.map((d) => d.text)).toEqual(['Version changed from “1” to “2”']);
    const zh = await changes(second.revision, 'zh-CN');
    expect(zh.message).toBe('保存了工作流“Welcome task”，版本 2');
    expect(zh.changes[0]!.summary).toBe('修改了工作流“Welcome task”');

    // A label-only edit is no new version, but a revision (the label changed); saving nothing new is none.
    const sameAgain = await t.api('PATCH', '/workflows/welcome_task', { label: 'Welcome task' });
    expect(sameAgain.statusCode).toBe(200);
    expect((await latest()).revision).toBe(second.revision);
  });

  it('restoring a revision makes the workflow and script versions it named current again, as new versions', async () => {
    await saveScript('export default () => ({ greeting: "hello" })', 1);
    const target = (await latest()).revision;
    await t.api('PATCH', '/workflows/welcome_task', { definition: taskOnCreate('Third {{record.name}}') });
    await saveScript('export default () => ({ greeting: "bye" })', 2);
    const atTarget = await snapshotAt(target);
    const workflowThen = atTarget.automations!.workflows.find((w) => w.apiName === 'welcome_task')!.version;

    const restored = await t.api('POST', `/metadata/revisions/${target}/restore`);
    expect(restored.statusCode, restored.body).toBe(200);
    const now = await latest();
    const snapshot = await snapshotAt(now.revision);
    // New versions (history is never rewritten) carrying the old content.
    const workflow = json<{ version: number; definition: { steps: { config: { subject: string } }[] } }>(await t.api('GET', '/workflows/welcome_task'));
    expect(workflow.version).toBe(4);
    expect(workflow.definition.steps[0]!.config.subject).toBe('Call {{record.name}}');
    expect(workflowThen).toBe(2);
    const script = json<{ version: number; source: string }>(await t.api('GET', '/scripts/greeting'));
    expect(script).toMatchObject({ version: 3, source: 'export default () => ({ greeting: "hello" })' });
    expect(snapshot.automations?.workflows.find((w) => w.apiName === 'welcome_task')?.version).toBe(4);
    expect(snapshot.automations?.scripts.find((s) => s.apiName === 'greeting')?.version).toBe(3);
    const described = await changes(now.revision);
    expect(described.changes.map((c) => c.summary).sort()).toEqual(['Changed Script Greeting', 'Changed Workflow Welcome task']);

    // The restored script is the one that runs.
    const customer = json<{ id: string }>(await t.api('POST', '/records/customer', { last_name: 'Lin' }));
    const ran = await t.api('POST', `/records/customer/${customer.id}/actions/greeting`, { params: {} });
    expect(ran.statusCode, ran.body).toBe(200);
    expect(json<{ output: unknown }>(ran).output).toEqual({ greeting: 'hello' });
  });

  it('a deleted script leaves the revisions, and a refused save writes no revision', async () => {
    const before = await latest();
    const bad = await t.api('POST', '/workflows', { apiName: 'broken', label: 'Broken', definition: { trigger: { type: 'record', object: 'no_such_object', events: ['created'] }, start: 'x', steps: [] } });
    expect(bad.statusCode).toBe(422);
    expect((await latest()).revision).toBe(before.revision);

    expect((await t.api('DELETE', '/scripts/greeting')).statusCode).toBe(204);
    const after = await latest();
    expect(after.revision).toBe(before.revision + 1);
    expect((await snapshotAt(after.revision)).automations?.scripts ?? []).toEqual([]);
    expect((await changes(after.revision)).changes).toEqual([expect.objectContaining({ kind: 'script', action: 'deleted' })]);
  });
});
