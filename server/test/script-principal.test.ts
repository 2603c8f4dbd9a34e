import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../src/db/migrations.ts';
import { call, createTestTenant, json, startHarness, waitFor, type Harness, type TestTenant } from './harness.ts';

// A script acts as its own automation principal, with a profile its author may give (ADR 0014):
// the model right is no way to the access of whoever saves a record or presses a button.

let h: Harness;
let a: TestTenant;
let dave: { id: string };
let asDave: (method: string, path: string, body?: unknown) => ReturnType<typeof call>;

const created = async (r: ReturnType<typeof call>) => {
  const response = await r;
  expect(response.statusCode, response.body).toBe(201);
  return json<{ id: string }>(response);
};

interface Invocation {
  cause: string;
  outcome: string;
  recordId: string | null;
  input: unknown;
  output: unknown;
  logs: { message: string }[];
  error: unknown;
}

/** What Dave reads of his script's runs. */
async function davesLog(script: string): Promise<Invocation[]> {
  await h.server.scripts.log.flush();
  const response = await asDave('GET', `/scripts/${script}/invocations?limit=50`);
  expect(response.statusCode, response.body).toBe(200);
  return json<{ data: Invocation[] }>(response).data;
}

/** Every after-save job of the tenant has run (each leaves its invocation, or none when the record is out of reach). */
async function afterSaveJobsDone(): Promise<void> {
  await waitFor('the after-save jobs to finish', async () => {
    h.server.jobs.wake();
    const [row] = await h.db.system((q) => q.query<{ n: number }>("select count(*)::int as n from job where tenant_id = $1 and queue = 'script.after-save' and state in ('queued', 'running')", [a.id]));
    return row!.n === 0;
  }, 50_000);
}

const source = (body: string) => `export default async function (ctx: ScriptContext, input: any) {\n${body}\n}`;
const readsDeals = `const deals = await ctx.records.query('deal', { limit: 50 });\n  ctx.log.info(JSON.stringify(deals), JSON.stringify(input.record ?? null));\n  return { deals, record: input.record ?? null };`;

beforeAll(async () => {
  h = await startHarness();
  a = await createTestTenant(h, 'scr-acl');
  const set = await created(
    a.api('POST', '/access/permission-sets', {
      key: 'designer_hidden',
      name: 'Designer, no amounts or emails',
      grants: { objects: { '*': { create: true, read: true, edit: true, delete: true } }, fields: { deal: { amount: 'none' }, customer: { email: 'none' } }, setup: { model: true } },
    }),
  );
  await created(a.api('POST', '/access/profiles', { key: 'designer_hidden', name: 'Designer, no amounts or emails', permissionSetIds: [set.id] }));
  dave = await created(a.api('POST', '/users', { email: `dave@${a.slug}.test`, name: 'Dave', role: 'designer_hidden', password: 'correct horse battery' }));
  const key = (await h.server.auth.createApiKey(a.id, dave.id, 'dave')).key;
  asDave = (method, path, body) => call(h, key, method, path, body);
  expect((await a.api('PUT', '/access/sharing', { objects: { deal: 'private' } })).statusCode).toBe(200);
});
afterAll(async () => h?.close());

describe("a designer's script acts with the designer's profile, not the saver's", () => {
  it('an after-save script on deals learns neither of private deals nor of their amounts when an administrator saves one', { timeout: 90_000 }, async () => {
    const onDeal = await created(asDave('POST', '/scripts', { apiName: 'leak_after', label: 'Leak after', kind: 'afterSave', object: 'deal', events: ['created'], language: 'typescript', source: source(readsDeals) }));
    const onCustomer = await created(asDave('POST', '/scripts', { apiName: 'leak_after_c', label: 'Leak after (customers)', kind: 'afterSave', object: 'customer', events: ['created'], language: 'typescript', source: source(readsDeals) }));

    await created(a.api('POST', '/records/deal', { name: 'Private pipeline', amount: 4242 }));
    const customer = await created(a.api('POST', '/records/customer', { last_name: 'Marker', email: 'hidden@example.com' }));
    await waitFor("the customer's script to run", async () => (await davesLog(onCustomer.id)).some((r) => r.recordId === customer.id), 50_000);
    await afterSaveJobsDone();

    // The deal is out of the script's reach: no run. The customer's run found no deal and no email.
    expect(await davesLog(onDeal.id)).toEqual([]);
    const [run] = await davesLog(onCustomer.id);
    expect(run, JSON.stringify(run)).toMatchObject({ outcome: 'ok', output: { deals: [], record: expect.objectContaining({ last_name: 'Marker' }) } });
    expect(JSON.stringify(run)).not.toMatch(/4242|Private pipeline|hidden@example\.com/);
    // Saved without a profile, the script took its author's.
    expect(json<{ profile: string }>(await asDave('GET', `/scripts/${onDeal.id}`)).profile).toBe('designer_hidden');
    for (const script of [onDeal, onCustomer]) expect((await asDave('DELETE', `/scripts/${script.id}`)).statusCode).toBe(204);
  });

  it('a before-save trigger is not invoked on a deal out of its reach and sees no hidden field of a customer', async () => {
    await created(asDave('POST', '/scripts', { apiName: 'leak_before', label: 'Leak before', kind: 'beforeSave', object: 'deal', events: ['create', 'update'], language: 'typescript', source: source(`${readsDeals.split('\n  return')[0]}\n  return {};`) }));
    await created(asDave('POST', '/scripts', { apiName: 'leak_before_c', label: 'Leak before (customers)', kind: 'beforeSave', object: 'customer', events: ['create'], language: 'typescript', source: source(`${readsDeals.split('\n  return')[0]}\n  return {};`) }));

    const deal = await created(a.api('POST', '/records/deal', { name: 'Before pipeline', amount: 7777 }));
    expect((await a.api('PATCH', `/records/deal/${deal.id}`, { amount: 7878 })).statusCode).toBe(200);
    await created(a.api('POST', '/records/customer', { last_name: 'Before', email: 'before@example.com' }));

    expect(await davesLog('leak_before')).toEqual([]);
    const runs = await davesLog('leak_before_c');
    expect(runs).toHaveLength(1);
    expect(runs[0]!.logs[0]!.message).toContain('"last_name":"Before"');
    expect(JSON.stringify(runs)).not.toMatch(/7777|7878|4242|pipeline|@example\.com|"email"/);
    for (const script of ['leak_before', 'leak_before_c']) expect((await asDave('DELETE', `/scripts/${script}`)).statusCode).toBe(204);
  });

  it('a before-save trigger may not set a field its profile may not edit, whoever saves', async () => {
    await created(asDave('POST', '/scripts', { apiName: 'sets_email', label: 'Sets email', kind: 'beforeSave', object: 'customer', events: ['create'], language: 'typescript', source: source("return { set: { email: 'trap@example.net' } };") }));
    const refused = await a.api('POST', '/records/customer', { last_name: 'Trapped' });
    expect(refused.statusCode, refused.body).toBe(422);
    expect(json<{ errors: { field: string; code: string }[] }>(refused).errors).toContainEqual(expect.objectContaining({ field: 'email', code: 'fieldPermission' }));
    expect((await asDave('DELETE', '/scripts/sets_email')).statusCode).toBe(204);
  });

  it("a record action an administrator presses answers and logs only what the designer's profile reads", async () => {
    await created(asDave('POST', '/scripts', { apiName: 'leak_action', label: 'Leak action', kind: 'action', object: 'customer', language: 'typescript', source: source(readsDeals) }));
    const customer = await created(a.api('POST', '/records/customer', { last_name: 'Pressed', email: 'pressed@example.com' }));
    const pressed = await a.api('POST', `/records/customer/${customer.id}/actions/leak_action`, { params: {} });
    expect(pressed.statusCode, pressed.body).toBe(200);
    const output = json<{ output: { deals: unknown[]; record: Record<string, unknown> } }>(pressed).output;
    expect(output.deals).toEqual([]);
    expect(output.record).toMatchObject({ id: customer.id, last_name: 'Pressed' });
    expect(output.record).not.toHaveProperty('email');
    const runs = await davesLog('leak_action');
    expect(runs).toHaveLength(1);
    expect(JSON.stringify(runs)).not.toMatch(/4242|pipeline|@example\.com/);
  });
});

describe("an administrator's script", () => {
  it('acts with the administrator profile for administrators, and a designer may neither change it, test it, read its runs nor give a script more than they hold', async () => {
    const script = await created(a.api('POST', '/scripts', { apiName: 'admin_deals', label: 'Admin deals', kind: 'action', object: 'customer', language: 'typescript', source: source(readsDeals) }));
    const shown = json<{ profile: string; source: string; label: string; kind: string; object: string; language: string; apiName: string }>(await a.api('GET', `/scripts/${script.id}`));
    const customer = await created(a.api('POST', '/records/customer', { last_name: 'Admin pressed' }));
    const pressed = await a.api('POST', `/records/customer/${customer.id}/actions/admin_deals`, { params: {} });
    expect(pressed.statusCode, pressed.body).toBe(200);
    expect(json<{ output: { deals: { name: string; amount: number }[] } }>(pressed).output.deals).toContainEqual(expect.objectContaining({ name: 'Private pipeline', amount: 4242 }));

    const refused = async (r: ReturnType<typeof call>) => {
      const response = await r;
      expect(response.statusCode, response.body).toBe(403);
      expect(json<{ errors: { field: string; code: string; message: string }[] }>(response).errors).toContainEqual(expect.objectContaining({ field: 'profile', code: 'exceedsYours', message: expect.stringContaining('deal.') }));
    };
    const { profile: _profile, ...input } = shown;
    await refused(asDave('PUT', `/scripts/${script.id}`, { apiName: input.apiName, label: input.label, kind: input.kind, object: input.object, language: input.language, source: source('return await ctx.records.query(\'deal\', { limit: 50 });') }));
    await refused(asDave('POST', `/scripts/${script.id}/versions/1/restore`));
    await refused(asDave('GET', `/scripts/${script.id}/invocations`));
    await refused(asDave('POST', `/scripts/${script.id}/test`, { recordId: customer.id }));
    await refused(asDave('POST', '/scripts', { apiName: 'as_admin', label: 'As admin', kind: 'action', object: 'customer', language: 'typescript', source: source('return 1;'), profile: 'admin' }));
    expect(json<{ version: number; profile: string }>(await a.api('GET', `/scripts/${script.id}`))).toMatchObject({ version: 1, profile: 'admin' });
    // Given a profile the designer holds, it is theirs to change.
    const mine = await a.api('PUT', `/scripts/${script.id}`, { apiName: input.apiName, label: input.label, kind: input.kind, object: input.object, language: input.language, source: input.source, profile: 'designer_hidden' });
    expect(mine.statusCode, mine.body).toBe(200);
    // What it read with the administrator profile stays out of the designer's sight.
    const log = await asDave('GET', `/scripts/${script.id}/invocations`);
    expect(log.statusCode, log.body).toBe(200);
    expect(log.body).not.toMatch(/4242|Private pipeline/);
    await h.server.scripts.log.flush();
    expect(json<{ data: unknown[] }>(await a.api('GET', `/scripts/${script.id}/invocations`)).data.length).toBeGreaterThan(0);
  });
});

describe('a workflow script step', () => {
  it("runs a script as the script's principal, and is refused one whose profile holds more than the workflow's", { timeout: 90_000 }, async () => {
    await created(a.api('POST', '/scripts', { apiName: 'admin_amounts', label: 'Admin amounts', kind: 'action', object: 'customer', language: 'typescript', source: source('return { amounts: (await ctx.records.query(\'deal\', { limit: 50 })).map((d) => d[\'amount\']) };') }));
    await created(asDave('POST', '/scripts', { apiName: 'dave_names', label: 'Dave names', kind: 'action', object: 'customer', language: 'typescript', source: source('return { seen: (await ctx.records.query(\'customer\', { limit: 50 })).length };') }));
    const step = (script: string) => ({ trigger: { type: 'manual' }, start: 'calc', steps: [{ id: 'calc', type: 'script', config: { script, input: {} }, retry: { maxAttempts: 1, backoffMs: 0 } }] });
    const ranAs = async (apiName: string, script: string) => {
      await created(asDave('POST', '/workflows', { apiName, label: apiName, definition: step(script) }));
      expect((await asDave('POST', `/workflows/${apiName}/activate`, {})).statusCode).toBe(200);
      const started = await asDave('POST', `/workflows/${apiName}/runs`, { input: {} });
      expect(started.statusCode, started.body).toBe(202);
      const { runId } = json<{ runId: string }>(started);
      let run: { status: string; steps: { output: unknown; error: string | null }[] } | undefined;
      await waitFor(`the run of ${apiName} to end`, async () => {
        run = json(await asDave('GET', `/workflow-runs/${runId}`));
        return run!.status === 'completed' || run!.status === 'failed';
      }, 50_000);
      return run!;
    };

    const own = await ranAs('dave_step', 'dave_names');
    expect(own.status, JSON.stringify(own)).toBe('completed');
    expect(own.steps[0]!.output).toMatchObject({ seen: expect.any(Number) });
    const borrowed = await ranAs('borrowed_step', 'admin_amounts');
    expect(borrowed.status, JSON.stringify(borrowed)).toBe('failed');
    expect(borrowed.steps[0]!.error).toMatch(/Admin amounts|admin_amounts/);
    expect(borrowed.steps[0]!.error).toContain('deal.');
    expect(JSON.stringify(borrowed)).not.toMatch(/4242/);
  });
});

describe('scripts saved before scripts had a principal', () => {
  it("take the profile their live version's author holds, and reach nothing without an author", async () => {
    const daves = await created(asDave('POST', '/scripts', { apiName: 'old_daves', label: 'Old, Dave’s', kind: 'action', object: 'customer', language: 'typescript', source: source('return 1;') }));
    const orphan = await created(a.api('POST', '/scripts', { apiName: 'old_orphan', label: 'Old, no author', kind: 'action', object: 'customer', language: 'typescript', source: source('return 1;') }));
    // As they stood before migration 73: no principal, and one whose version names no author.
    await h.db.system(async (q) => {
      await q.query('delete from acl_automation where tenant_id = $1 and id = any($2::uuid[])', [a.id, [daves.id, orphan.id]]);
      await q.query('update script_version set author_id = null where tenant_id = $1 and script_id = $2', [a.id, orphan.id]);
    });
    await h.db.system((q) => q.exec(migrations.find((m) => m.id === 73)!.sql));
    expect(json<{ profile: string | null }>(await a.api('GET', `/scripts/${daves.id}`)).profile).toBe('designer_hidden');
    expect(json<{ profile: string | null }>(await a.api('GET', `/scripts/${orphan.id}`)).profile).toBeNull();
    // Dave may answer for his own; saving the one without a principal gives it the saver's profile.
    expect((await asDave('GET', `/scripts/${daves.id}/invocations`)).statusCode).toBe(200);
    const shown = json<Record<string, unknown>>(await asDave('GET', `/scripts/${orphan.id}`));
    const saved = await asDave('PUT', `/scripts/${orphan.id}`, { apiName: shown['apiName'], label: shown['label'], kind: shown['kind'], object: shown['object'], language: shown['language'], source: shown['source'] });
    expect(saved.statusCode, saved.body).toBe(200);
    expect(json<{ profile: string }>(saved).profile).toBe('designer_hidden');
  });
});

describe('restoring a metadata revision', () => {
  it('brings back no script version under a profile the restorer may not give: a designer may not put back their code once an administrator raised the script', async () => {
    const script = await created(asDave('POST', '/scripts', { apiName: 'raised_later', label: 'Raised later', kind: 'action', object: 'customer', language: 'typescript', source: source(readsDeals) }));
    const daves = json<{ revision: number }[]>(await a.api('GET', '/metadata/revisions'))[0]!.revision;
    const shown = json<{ source: string; label: string; kind: string; object: string; language: string; apiName: string }>(await a.api('GET', `/scripts/${script.id}`));
    const raised = await a.api('PUT', `/scripts/${script.id}`, { apiName: shown.apiName, label: shown.label, kind: shown.kind, object: shown.object, language: shown.language, source: source('return 1;'), profile: 'admin' });
    expect(raised.statusCode, raised.body).toBe(200);

    const restored = await asDave('POST', `/metadata/revisions/${daves}/restore`);
    expect(restored.statusCode, restored.body).toBe(403);
    expect(json<{ errors: { field: string; code: string }[] }>(restored).errors).toContainEqual(expect.objectContaining({ field: 'scripts.raised_later', code: 'exceedsYours' }));
    expect(json<{ version: number; profile: string }>(await a.api('GET', `/scripts/${script.id}`))).toMatchObject({ version: 2, profile: 'admin' });
    // An administrator answers for it.
    expect((await a.api('POST', `/metadata/revisions/${daves}/restore`)).statusCode).toBe(200);
    expect(json<{ version: number }>(await a.api('GET', `/scripts/${script.id}`)).version).not.toBe(2);
  });
});
