import { rmSync } from 'node:fs';
import type { LightMyRequestResponse } from 'fastify';
import { ProcessSandbox } from '@protean/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { migrate } from '../src/db/migrations.ts';
import { openDatabase } from '../src/db/open-database.ts';
import { createTestTenant, embeddedDataDir, json, startHarness, type Harness, type TestTenant, waitFor } from './harness.ts';

let h: Harness;
let t: TestTenant;
let other: TestTenant;

beforeAll(async () => {
  h = await startHarness();
  t = await createTestTenant(h, 'scr');
  other = await createTestTenant(h, 'scr2');
});
afterAll(async () => h?.close());

interface Invocation {
  id: string;
  cause: string;
  outcome: string;
  limit: string | null;
  logs: { level: string; message: string }[];
  error: { name: string; message: string; stack?: string; limit?: string } | null;
  output: unknown;
  cpuMs: number;
  durationMs: number;
  memoryBytes: number;
  recordId: string | null;
}

async function saveScript(tenant: TestTenant, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const response = await tenant.api('POST', '/scripts', { language: 'typescript', ...body });
  expect(response.statusCode, response.body).toBe(201);
  return json(response);
}

/**
 * Waits for the script's invocation log to hold what `ready` looks for (entries are written just
 * after each run). After-save runs wait for the outbox consumer, which waits for every older
 * transaction on the database: other test files' long transactions hold it back in a full run.
 */
async function invocationsOf(tenant: TestTenant, script: string, ready: (rows: Invocation[]) => boolean): Promise<Invocation[]> {
  const deadline = Date.now() + 50_000;
  for (;;) {
    await h.server.scripts.log.flush();
    const response = await tenant.api('GET', `/scripts/${script}/invocations?limit=50`);
    expect(response.statusCode, response.body).toBe(200);
    const rows = json<{ data: Invocation[] }>(response).data;
    if (ready(rows)) return rows;
    if (Date.now() > deadline) throw new Error(`invocation log of ${script} never became ready: ${JSON.stringify(rows)}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function create(tenant: TestTenant, object: string, body: Record<string, unknown>) {
  return tenant.api('POST', `/records/${object}`, body);
}

describe('scripts as metadata', () => {
  it('answers TypeScript errors at save with their line and column, and saves nothing', async () => {
    const response = await t.api('POST', '/scripts', {
      apiName: 'broken',
      label: 'Broken',
      kind: 'action',
      object: 'organization',
      language: 'typescript',
      source: 'export default async function (ctx: ScriptContext) {\n  const rows = await ctx.records.qurey("organization");\n  return rows;\n}',
    });
    expect(response.statusCode).toBe(422);
    const problem = json<{ errors: { field: string; code: string; line: number; column: number; message: string }[] }>(response);
    expect(problem.errors[0]).toMatchObject({ field: 'source', code: 'compile', line: 2, column: 34 });
    expect(problem.errors[0]!.message).toContain("'qurey' does not exist");
    expect((await t.api('GET', '/scripts/broken')).statusCode).toBe(404);
  });

  it('refuses a script that imports a module, one without a default export, and a trigger on an unknown object', async () => {
    const imports = await t.api('POST', '/scripts', { apiName: 'imports', label: 'I', kind: 'action', object: 'organization', language: 'javascript', source: "import fs from 'fs';\nexport default () => fs;" });
    expect(imports.statusCode).toBe(422);
    expect(json<{ errors: { code: string }[] }>(imports).errors.map((e) => e.code)).toContain('import');
    const noDefault = await t.api('POST', '/scripts', { apiName: 'nodefault', label: 'N', kind: 'action', object: 'organization', language: 'javascript', source: 'export function run() {}' });
    expect(json<{ errors: { code: string }[] }>(noDefault).errors.map((e) => e.code)).toContain('default-export');
    const unknown = await t.api('POST', '/scripts', { apiName: 'unknown_obj', label: 'U', kind: 'beforeSave', object: 'spaceship', language: 'javascript', source: 'export default () => {}' });
    expect(unknown.statusCode).toBe(422);
    expect(json<{ errors: { field: string }[] }>(unknown).errors[0]!.field).toBe('object');
  });

  it('reads If-Match as records do: a list is any of its versions, * any version, and no version a 400 naming it', async () => {
    const body = (label: string) => ({ apiName: 'matched', label, kind: 'action', object: 'organization', language: 'typescript', source: 'export default () => 1' });
    await saveScript(t, { apiName: 'matched', label: 'V1', kind: 'action', object: 'organization', source: 'export default () => 1' });
    const malformed = await t.api('PUT', '/scripts/matched', body('V2'), { 'if-match': 'latest' });
    expect(malformed.statusCode, malformed.body).toBe(400);
    expect(json<{ errors: { field: string }[] }>(malformed).errors[0]!.field).toBe('If-Match');
    expect((await t.api('PUT', '/scripts/matched', body('V2'), { 'if-match': '"2", "3"' })).statusCode).toBe(412);
    const listed = await t.api('PUT', '/scripts/matched', body('V2'), { 'if-match': '"5", "1"' });
    expect(listed.statusCode, listed.body).toBe(200);
    const any = await t.api('PUT', '/scripts/matched', body('V3'), { 'if-match': '*' });
    expect(any.statusCode, any.body).toBe(200);
    const versions = json<{ data: { version: number }[] }>(await t.api('GET', '/scripts/matched/versions')).data;
    expect(versions.map((v) => v.version)).toEqual([3, 2, 1]);
  });

  it('keeps every save as a version and restores an earlier one as a new version', async () => {
    const first = await saveScript(t, { apiName: 'versioned', label: 'V1', kind: 'action', object: 'organization', source: 'export default () => ({ v: 1 })' });
    const second = await t.api('PUT', '/scripts/versioned', { apiName: 'versioned', label: 'V2', kind: 'action', object: 'organization', language: 'typescript', source: 'export default () => ({ v: 2 })', message: 'second' }, { 'if-match': '"1"' });
    expect(second.statusCode, second.body).toBe(200);
    expect(json(second)['version']).toBe(2);
    const stale = await t.api('PUT', '/scripts/versioned', { apiName: 'versioned', label: 'V3', kind: 'action', object: 'organization', language: 'typescript', source: 'export default () => 3' }, { 'if-match': '"1"' });
    expect(stale.statusCode).toBe(412);
    const versions = json<{ data: { version: number; message: string | null }[] }>(await t.api('GET', '/scripts/versioned/versions')).data;
    expect(versions.map((v) => v.version)).toEqual([2, 1]);
    expect(versions[0]!.message).toBe('second');
    const restored = await t.api('POST', '/scripts/versioned/versions/1/restore');
    expect(restored.statusCode, restored.body).toBe(200);
    expect(json(restored)).toMatchObject({ version: 3, label: 'V1', source: first['source'] });
  });
});

describe('before-save triggers', () => {
  it('change the record and refuse a save with a field error, inside the write transaction', async () => {
    await saveScript(t, {
      apiName: 'org_rules',
      label: 'Organization rules',
      kind: 'beforeSave',
      object: 'organization',
      source: `export default function (ctx: ScriptContext, input: BeforeSaveInput): BeforeSaveResult {
  const name = String(input.record.name ?? '');
  if (name.toLowerCase().includes('forbidden')) return { errors: [{ field: 'name', message: 'may not say forbidden' }] };
  if (!name.startsWith('upper:')) return {};
  return { set: { name: name.slice(6).toUpperCase(), employees: Number(input.record.employees ?? 0) + 1 } };
}`,
    });
    const created = await create(t, 'organization', { name: 'upper:acme', employees: 10 });
    expect(created.statusCode, created.body).toBe(201);
    expect(json(created)).toMatchObject({ name: 'ACME', employees: 11 });
    const refused = await create(t, 'organization', { name: 'Forbidden Inc' });
    expect(refused.statusCode, refused.body).toBe(422);
    expect(json<{ errors: { field: string; code: string; message: string }[] }>(refused).errors).toContainEqual(expect.objectContaining({ field: 'name', code: 'script', message: 'may not say forbidden' }));
    const list = json<{ data: { name: string }[] }>(await t.api('GET', `/records/organization?filter=${encodeURIComponent(JSON.stringify({ field: 'name', op: 'eq', value: 'Forbidden Inc' }))}`)).data;
    expect(list).toHaveLength(0);
    // Another tenant's saves of the same standard object run no trigger of this tenant's.
    const elsewhere = await create(other, 'organization', { name: 'upper:acme' });
    expect(json(elsewhere)['name']).toBe('upper:acme');
    const rows = await invocationsOf(t, 'org_rules', (r) => r.length >= 2);
    expect(rows.every((r) => r.cause === 'beforeSave')).toBe(true);
    await t.api('DELETE', '/scripts/org_rules');
  });

  it('refuse the save when the trigger hits a limit, and the isolate is replaced for the next save', async () => {
    await saveScript(t, {
      apiName: 'deal_loop',
      label: 'Deal loop',
      kind: 'beforeSave',
      object: 'deal',
      source: `export default function (ctx: ScriptContext, input: BeforeSaveInput) {
  if (input.record.name === 'spin') { while (true) {} }
  return { set: { probability: 42 } };
}`,
    });
    const spun = await create(t, 'deal', { name: 'spin' });
    expect(spun.statusCode).toBe(422);
    expect(json<{ errors: { code: string; message: string }[] }>(spun).errors[0]).toMatchObject({ code: 'scriptLimit' });
    // CPU time, or on a machine too busy to give the sandbox process that much CPU within the transaction's wall time, wall time.
    expect(json<{ errors: { message: string }[] }>(spun).errors[0]!.message).toMatch(/cpuTime|wallTime/);
    const fine = await create(t, 'deal', { name: 'fine' });
    expect(fine.statusCode, fine.body).toBe(201);
    expect(json(fine)['probability']).toBe(42);
    const rows = await invocationsOf(t, 'deal_loop', (r) => r.some((x) => x.outcome === 'limit'));
    expect(rows.find((x) => x.outcome === 'limit')!.limit).toMatch(/^(cpuTime|wallTime)$/);
    await t.api('DELETE', '/scripts/deal_loop');
  });
});

describe('before-save triggers reading records', () => {
  it('read through the save’s own transaction (on PGlite, the only connection) and see what it wrote', async () => {
    const org = json(await create(t, 'organization', { name: 'Parent Org', industry: 'healthcare' }));
    await saveScript(t, {
      apiName: 'customer_from_org',
      label: 'Customer from organization',
      kind: 'beforeSave',
      object: 'customer',
      events: ['create'],
      source: `export default async function (ctx: ScriptContext, input: BeforeSaveInput): Promise<BeforeSaveResult> {
  if (!input.record.organization) return {};
  const org = await ctx.records.get('organization', String(input.record.organization));
  const siblings = await ctx.records.query('customer', { filter: { field: 'organization', op: 'eq', value: String(org.id) } });
  return { set: { notes: 'of ' + String(org.name) + ' (' + String(org.industry) + '), customer #' + (siblings.length + 1) } };
}`,
    });
    try {
      const first = await create(t, 'customer', { last_name: 'One', organization: org['id'] });
      expect(first.statusCode, first.body).toBe(201);
      expect(json(first)['notes']).toBe('of Parent Org (healthcare), customer #1');
      const batch = await t.api('POST', '/records/customer/batch?return=representation', { operations: [{ op: 'create', data: { last_name: 'Two', organization: org['id'] } }] });
      expect(batch.statusCode, batch.body).toBe(200);
      expect(json<{ data: { notes: string }[] }>(batch).data[0]!.notes).toBe('of Parent Org (healthcare), customer #2');
    } finally {
      await t.api('DELETE', '/scripts/customer_from_org');
    }
  });

  it('that write records run inside the create’s transaction: each write happens once and each run is logged once', async () => {
    await saveScript(t, {
      apiName: 'deal_follow_up',
      label: 'Deal follow-up',
      kind: 'beforeSave',
      object: 'customer',
      events: ['create'],
      // It catches the refused write ahead of the create, and its result is still not used.
      source: `export default async function (ctx: ScriptContext, input: BeforeSaveInput): Promise<BeforeSaveResult> {
  try {
    const task = await ctx.records.create('task', { subject: 'Follow up ' + String(input.record.last_name) });
    return { set: { notes: 'created ' + String(task.subject) } };
  } catch (e) {
    return { set: { notes: 'caught ' + String((e as Error).message) } };
  }
}`,
    });
    try {
      for (const name of ['Writer One', 'Writer Two']) {
        const created = await create(t, 'customer', { last_name: name });
        expect(created.statusCode, created.body).toBe(201);
        expect(json(created)['notes']).toBe(`created Follow up ${name}`);
        const tasks = json<{ data: unknown[] }>(await t.api('GET', `/records/task?filter=${encodeURIComponent(JSON.stringify({ field: 'subject', op: 'eq', value: `Follow up ${name}` }))}`)).data;
        expect(tasks).toHaveLength(1);
      }
      const rows = await invocationsOf(t, 'deal_follow_up', (r) => r.length >= 2);
      expect(rows).toHaveLength(2);
      expect(rows.every((r) => r.outcome === 'ok')).toBe(true);
    } finally {
      await t.api('DELETE', '/scripts/deal_follow_up');
    }
  });
});

describe('scheduled scripts', () => {
  it('a server shutting down lets a scheduled script in flight finish before it stops the sandbox, and logs the run', async () => {
    // A database of its own (embedded, copied from the run's migrated one): no other server may take the job.
    const dataDir = embeddedDataDir();
    const db = await openDatabase({ databaseUrl: undefined, dataDir });
    await migrate(db);
    const server = await buildApp({ db, operatorToken: 'op-unused', passwordCost: 'test' });
    const own: Harness = { db, server, operatorToken: 'op-unused', close: async () => undefined };
    try {
      const tenant = await createTestTenant(own, 'closing');
      const saved = await saveScript(tenant, {
        apiName: 'long_night',
        label: 'Long night',
        kind: 'scheduled',
        cron: '0 3 * * *',
        limits: { wallMs: 5_000 },
        // Busy for half a second, most of it waiting on the host (queries), little of it CPU.
        source: `export default async function (ctx: ScriptContext) {
  const end = Date.now() + 500;
  let queries = 0;
  while (Date.now() < end && queries < 80) { await ctx.records.query('organization', { limit: 1 }); queries++; }
  return { queries };
}`,
      });
      await db.system((q) => q.query("update job_schedule set next_run_at = now() - interval '1 second' where tenant_id = $1 and name = $2", [tenant.id, `script:${String(saved['id'])}`]));
      server.jobs.wake();
      await waitFor('the scheduled script to start', async () => (await db.system((q) => q.query("select 1 from job where tenant_id = $1 and queue = 'script.scheduled' and state = 'running'", [tenant.id]))).length > 0);
      await server.app.close();
      const [run] = await db.system((q) => q.query<{ outcome: string; output: { queries: number } | null; error: unknown }>('select outcome, output, error from script_invocation where tenant_id = $1', [tenant.id]));
      expect(run, JSON.stringify(run)).toMatchObject({ outcome: 'ok' });
      expect(run!.output!.queries).toBeGreaterThan(0);
    } finally {
      await server.app.close();
      await db.close();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);

  it('run on the shared job queue in the tenant’s time zone, as their author', async () => {
    const saved = await saveScript(t, {
      apiName: 'nightly',
      label: 'Nightly count',
      kind: 'scheduled',
      cron: '0 2 * * *',
      timeZone: 'Asia/Shanghai',
      source: `export default async function (ctx: ScriptContext, input: ScheduledInput) {
  const open = await ctx.records.query('organization', { limit: 5 });
  return { at: input.scheduledAt, seen: open.length, zone: ctx.timeZone, as: ctx.user.id };
}`,
    });
    const [schedule] = await h.db.system((q) => q.query<{ next_run_at: string; time_zone: string; queue: string }>('select next_run_at, time_zone, queue from job_schedule where tenant_id = $1 and name = $2', [t.id, `script:${String(saved['id'])}`]));
    expect(schedule).toMatchObject({ time_zone: 'Asia/Shanghai', queue: 'script.scheduled' });
    // 02:00 in Shanghai is 18:00 UTC.
    expect(new Date(schedule!.next_run_at).getUTCHours()).toBe(18);
    // Bring the occurrence forward instead of waiting for the night.
    await h.db.system((q) => q.query("update job_schedule set next_run_at = now() - interval '1 second' where tenant_id = $1 and name = $2", [t.id, `script:${String(saved['id'])}`]));
    h.server.jobs.wake();
    const rows = await invocationsOf(t, 'nightly', (r) => r.length > 0);
    expect(rows[0], JSON.stringify(rows[0]?.['error'])).toMatchObject({ cause: 'scheduled', outcome: 'ok', output: { zone: 'Asia/Shanghai', as: t.adminId } });
    const bad = await t.api('POST', '/scripts', { apiName: 'badcron', label: 'B', kind: 'scheduled', cron: 'every day', language: 'javascript', source: 'export default () => 1' });
    expect(bad.statusCode).toBe(422);
    expect(json<{ errors: { field: string }[] }>(bad).errors[0]!.field).toBe('cron');
    await t.api('DELETE', '/scripts/nightly');
    const gone = await h.db.system((q) => q.query('select 1 from job_schedule where tenant_id = $1 and name = $2', [t.id, `script:${String(saved['id'])}`]));
    expect(gone).toHaveLength(0);
  });
});

describe('record actions', () => {
  it('run as the user with parameters checked against the input schema, through the data service', async () => {
    await saveScript(t, {
      apiName: 'add_task',
      label: 'Add follow-up task',
      kind: 'action',
      object: 'organization',
      inputSchema: { type: 'object', properties: { subject: { type: 'string', minLength: 1 } }, required: ['subject'] },
      outputSchema: { type: 'object', properties: { taskId: { type: 'string' } }, required: ['taskId'] },
      source: `export default async function (ctx: ScriptContext, input: ActionInput) {
  const org = await ctx.records.get('organization', input.recordId);
  ctx.log.info('creating task for', org.name, 'as', ctx.user.name);
  const task = await ctx.records.create('task', { subject: String(input.params.subject) + ' — ' + String(org.name) });
  return { taskId: String(task.id) };
}`,
    });
    const org = json(await create(t, 'organization', { name: 'Globex' }));
    const actions = json<{ data: { apiName: string; inputSchema: unknown }[] }>(await t.api('GET', `/records/organization/${String(org['id'])}/actions`)).data;
    expect(actions.map((a) => a.apiName)).toContain('add_task');
    const bad = await t.api('POST', `/records/organization/${String(org['id'])}/actions/add_task`, { params: {} });
    expect(bad.statusCode).toBe(422);
    expect(json<{ errors: { field: string }[] }>(bad).errors[0]!.field).toBe('params');
    const ran = await t.api('POST', `/records/organization/${String(org['id'])}/actions/add_task`, { params: { subject: 'Call' } });
    expect(ran.statusCode, ran.body).toBe(200);
    const taskId = (json(ran)['output'] as { taskId: string }).taskId;
    const task = json(await t.api('GET', `/records/task/${taskId}`));
    expect(task['subject']).toBe('Call — Globex');
    const rows = await invocationsOf(t, 'add_task', (r) => r.length > 0);
    expect(rows[0]).toMatchObject({ cause: 'action', outcome: 'ok', recordId: org['id'] });
    expect(rows[0]!.logs[0]!.message).toBe('creating task for Globex as Test Admin');
    expect(rows[0]!.cpuMs).toBeGreaterThan(0);
    expect(rows[0]!.memoryBytes).toBeGreaterThan(0);
  });

  it('log errors with stacks mapped to the source lines and answer a problem naming the invocation', async () => {
    await saveScript(t, {
      apiName: 'throws',
      label: 'Throws',
      kind: 'action',
      object: 'organization',
      source: `interface Shape {
  a: number;
}
export default function (ctx: ScriptContext, input: ActionInput) {
  const shape: Shape = { a: 1 };
  throw new RangeError('bad value ' + shape.a);
}`,
    });
    const org = json(await create(t, 'organization', { name: 'Initech' }));
    const ran = await t.api('POST', `/records/organization/${String(org['id'])}/actions/throws`, {});
    expect(ran.statusCode).toBe(422);
    const problem = json<{ invocationId: string; detail?: string; title?: string }>(ran);
    expect(problem.invocationId).toBeTruthy();
    const rows = await invocationsOf(t, 'throws', (r) => r.length > 0);
    expect(rows[0]!.error).toMatchObject({ name: 'RangeError', message: 'bad value 1' });
    // Line 6 of the TypeScript source, though the compiled JavaScript has no interface lines.
    expect(rows[0]!.error!.stack).toContain('script.ts:6:');
  });

  it('reach no record of another tenant through ctx.records', async () => {
    const foreign = json(await create(other, 'organization', { name: 'Secret Co' }));
    await saveScript(t, {
      apiName: 'peek',
      label: 'Peek',
      kind: 'action',
      object: 'organization',
      inputSchema: { type: 'object', properties: { id: { type: 'string' } } },
      source: `export default async function (ctx: ScriptContext, input: ActionInput) {
  const found = await ctx.records.query('organization', { filter: { field: 'name', op: 'eq', value: 'Secret Co' } });
  try { await ctx.records.get('organization', String(input.params.id)); return { got: true, found: found.length }; }
  catch (e) { return { got: false, error: String((e as Error).message), found: found.length }; }
}`,
    });
    const mine = json(await create(t, 'organization', { name: 'Mine' }));
    const ran = await t.api('POST', `/records/organization/${String(mine['id'])}/actions/peek`, { params: { id: foreign['id'] } });
    expect(ran.statusCode, ran.body).toBe(200);
    expect(json(ran)['output']).toMatchObject({ got: false, found: 0 });
    expect(String((json(ran)['output'] as { error: string }).error)).toMatch(/no|not found/i);
  });

  it('fail with a clear error when the sandbox process is killed mid-action; the server keeps serving and the next actions run', { timeout: 60_000 }, async () => {
    const sandbox = h.server.scripts.sandbox as ProcessSandbox;
    expect(sandbox).toBeInstanceOf(ProcessSandbox);
    const spin = { kind: 'action', object: 'organization', source: 'export default function () { for (;;) {} }', limits: { cpuMs: 2000, wallMs: 10000 } };
    await saveScript(t, { apiName: 'spin_forever', label: 'Spin', ...spin });
    const echo = { kind: 'action', object: 'organization', source: 'export default function (ctx: ScriptContext, input: ActionInput) { return { id: input.recordId }; }' };
    await saveScript(t, { apiName: 'echo_id', label: 'Echo', ...echo });
    await saveScript(other, { apiName: 'echo_id', label: 'Echo', ...echo });
    const mine = json(await create(t, 'organization', { name: 'Spinner Inc' }));
    const theirs = json(await create(other, 'organization', { name: 'Bystander Ltd' }));
    const spinning = t.api('POST', `/records/organization/${String(mine['id'])}/actions/spin_forever`, {});
    // Kill the process once the invocation is in it (sent and not answered).
    const deadline = Date.now() + 15_000;
    while (sandbox.inFlight === 0) {
      if (Date.now() > deadline) throw new Error('the action never reached the sandbox process');
      await new Promise((resolve) => setImmediate(resolve));
    }
    const pid = sandbox.pid!;
    process.kill(pid, 'SIGSEGV');
    const killed = await spinning;
    expect(killed.statusCode).toBe(422);
    expect(killed.body).toContain('sandbox process ended (SIGSEGV)');
    // The server answers, and both tenants' next actions run in a new sandbox process.
    expect((await t.api('GET', `/records/organization/${String(mine['id'])}`)).statusCode).toBe(200);
    for (const [tenant, org] of [[t, mine], [other, theirs]] as const) {
      const ran = await tenant.api('POST', `/records/organization/${String(org['id'])}/actions/echo_id`, {});
      expect(ran.statusCode, ran.body).toBe(200);
      expect(json(ran)['output']).toEqual({ id: org['id'] });
    }
    expect(sandbox.pid).not.toBe(pid);
    const rows = await invocationsOf(t, 'spin_forever', (r) => r.length > 0);
    expect(rows[0]!.error).toMatchObject({ name: 'SandboxCrashError' });
  });
});

describe('after-save triggers', () => {
  it('run from the outbox after the commit, as the user who saved', { timeout: 60_000 }, async () => {
    await saveScript(t, {
      apiName: 'deal_won',
      label: 'Deal follow-up',
      kind: 'afterSave',
      object: 'deal',
      events: ['created'],
      source: `export default async function (ctx: ScriptContext, input: AfterSaveInput) {
  await ctx.records.create('task', { subject: 'Kick-off for ' + String(input.record?.name) });
  return { by: ctx.user.id };
}`,
    });
    const deal = json(await create(t, 'deal', { name: 'Big one' }));
    const rows = await invocationsOf(t, 'deal_won', (r) => r.some((x) => x.recordId === deal['id']));
    const run = rows.find((x) => x.recordId === deal['id'])!;
    expect(run, JSON.stringify(run.error)).toMatchObject({ cause: 'afterSave', outcome: 'ok', output: { by: t.adminId } });
    const tasks = json<{ data: { subject: string }[] }>(await t.api('GET', `/records/task?filter=${encodeURIComponent(JSON.stringify({ field: 'subject', op: 'eq', value: 'Kick-off for Big one' }))}`)).data;
    expect(tasks).toHaveLength(1);
    await t.api('DELETE', '/scripts/deal_won');
  });

  it('do not fire on their own writes: a script that updates the record it fired on runs once per save', { timeout: 60_000 }, async () => {
    const tenant = await createTestTenant(h, 'scr-self');
    await saveScript(tenant, {
      apiName: 'count_saves',
      label: 'Count saves',
      kind: 'afterSave',
      object: 'organization',
      events: ['updated'],
      source: `export default async function (ctx: ScriptContext, input: AfterSaveInput) {
  const org = await ctx.records.get('organization', input.recordId);
  await ctx.records.update('organization', input.recordId, { employees: Number(org.employees ?? 0) + 1 });
}`,
    });
    const first = json<{ id: string }>(await create(tenant, 'organization', { name: 'First', employees: 0 }));
    const second = json<{ id: string }>(await create(tenant, 'organization', { name: 'Second', employees: 0 }));
    await tenant.api('PATCH', `/records/organization/${first.id}`, { name: 'First, renamed' });
    await invocationsOf(tenant, 'count_saves', (rows) => rows.some((r) => r.recordId === first.id && r.outcome === 'ok'));
    // Events are read in commit order: once a save made after the script's own write has been
    // handled, that write was looked at first, and started nothing.
    await tenant.api('PATCH', `/records/organization/${second.id}`, { name: 'Second, renamed' });
    const rows = await invocationsOf(tenant, 'count_saves', (r) => r.some((x) => x.recordId === second.id && x.outcome === 'ok'));
    expect(rows.filter((r) => r.recordId === first.id)).toHaveLength(1);
    // Jobs run side by side: what counts is that none was queued for the script's own write.
    const jobs = await h.db.system((q) => q.query(`select 1 from job where tenant_id = $1 and queue = 'script.after-save' and payload->>'recordId' = $2`, [tenant.id, first.id]));
    expect(jobs).toHaveLength(1);
    expect(json(await tenant.api('GET', `/records/organization/${first.id}`))['employees']).toBe(1);
  });
});

describe('settings and the test-run panel', () => {
  it('hands secrets to scripts, never to the API or the log', async () => {
    const put = await t.api('PUT', '/script-settings/crm.apiKey', { value: 'sk_live_9f8e7d6c', secret: true });
    expect(put.statusCode, put.body).toBe(200);
    const listed = json<{ data: { name: string; value: unknown }[] }>(await t.api('GET', '/script-settings')).data;
    expect(listed.find((s) => s.name === 'crm.apiKey')!.value).toBeNull();
    await saveScript(t, {
      apiName: 'uses_secret',
      label: 'Uses secret',
      kind: 'action',
      object: 'organization',
      source: `export default async function (ctx: ScriptContext) {
  const key = await ctx.config.get('crm.apiKey');
  ctx.log.info('the key is', key);
  throw new Error('failed with ' + String(key));
}`,
    });
    const org = json(await create(t, 'organization', { name: 'Hooli' }));
    const ran = await t.api('POST', `/records/organization/${String(org['id'])}/actions/uses_secret`, {});
    expect(ran.statusCode).toBe(422);
    expect(ran.body).not.toContain('sk_live_9f8e7d6c');
    const rows = await invocationsOf(t, 'uses_secret', (r) => r.length > 0);
    expect(JSON.stringify(rows)).not.toContain('sk_live_9f8e7d6c');
    expect(rows[0]!.logs[0]!.message).toBe('the key is [secret]');
  });

  it('runs unsaved source against a chosen record and keeps none of its writes', async () => {
    const org = json(await create(t, 'organization', { name: 'Test Target', employees: 5 }));
    const response = await t.api('POST', '/scripts/add_task/test', {
      recordId: org['id'],
      params: { subject: 'Dry run' },
      source: `export default async function (ctx: ScriptContext, input: ActionInput) {
  await ctx.records.update('organization', input.recordId, { employees: 999 });
  ctx.log.warn('updated', input.record.name);
  return { taskId: 'none' };
}`,
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(json(response)).toMatchObject({ ok: true, output: { taskId: 'none' } });
    expect((json(response)['logs'] as { message: string }[])[0]!.message).toBe('updated Test Target');
    expect(json(await t.api('GET', `/records/organization/${String(org['id'])}`))['employees']).toBe(5);
  });
});

describe('what a script writes', () => {
  it('passes the checks a request body passes: a NUL or lone surrogate is refused naming the field, text is stored composed', async () => {
    await saveScript(t, {
      apiName: 'writes_text',
      label: 'Writes text',
      kind: 'action',
      object: 'organization',
      source: `export default async function (ctx: ScriptContext) {
  const refused: unknown[] = [];
  for (const name of ['a\\u0000b', 'x\\uD800y']) {
    try { await ctx.records.create('organization', { name }); } catch (e: any) { refused.push({ status: e.status, fields: (e.errors ?? []).map((p: any) => p.field) }); }
  }
  const made = await ctx.records.create('organization', { name: 'E\\u0301mile' });
  return { refused, name: made.name, composed: made.name === '\\u00c9mile' };
}`,
    });
    const org = json(await create(t, 'organization', { name: 'Writer' }));
    const ran = await t.api('POST', `/records/organization/${String(org['id'])}/actions/writes_text`, {});
    expect(ran.statusCode, ran.body).toBe(200);
    expect(json(ran)['output']).toEqual({ refused: [{ status: 400, fields: ['name'] }, { status: 400, fields: ['name'] }], name: '\u00c9mile', composed: true });
  });
});

describe('a test run', () => {
  it('meets the limits of the run it stands for: an action’s own, a before-save trigger’s inside its transaction; it never calls out', async () => {
    const org = json(await create(t, 'organization', { name: 'Limits Target' }));
    // 30 reads: more than a trigger may make inside a transaction (10 on PGlite, 20 on PostgreSQL), well within an action's 100.
    const reads = `export default async function (ctx: ScriptContext) {
  for (let i = 0; i < 30; i++) await ctx.records.query('organization', { limit: 1 });
  return { reads: 30 };
}`;
    await saveScript(t, { apiName: 'many_reads', label: 'Many reads', kind: 'action', object: 'organization', source: reads });
    const action = await t.api('POST', '/scripts/many_reads/test', { recordId: org['id'] });
    expect(action.statusCode, action.body).toBe(200);
    // On the embedded database a test run holds its one connection (every tenant's) while it runs:
    // it gets a before-save trigger's bounds there.
    expect(json(action)).toMatchObject(h.db.kind === 'pglite' ? { ok: false, error: { limit: 'queries' } } : { ok: true, output: { reads: 30 } });
    // The action itself runs the same way from the record page.
    const pressed = await t.api('POST', `/records/organization/${String(org['id'])}/actions/many_reads`, {});
    expect(pressed.statusCode, pressed.body).toBe(200);

    await saveScript(t, {
      apiName: 'many_reads_on_save',
      label: 'Many reads on save',
      kind: 'beforeSave',
      object: 'organization',
      active: false,
      source: `export default async function (ctx: ScriptContext, input: BeforeSaveInput): Promise<BeforeSaveResult> {
  for (let i = 0; i < 30; i++) await ctx.records.query('organization', { limit: 1 });
  return {};
}`,
    });
    const trigger = await t.api('POST', '/scripts/many_reads_on_save/test', { recordId: org['id'] });
    expect(trigger.statusCode, trigger.body).toBe(200);
    expect(json(trigger)).toMatchObject({ ok: false, error: { limit: 'queries' } });

    await saveScript(t, {
      apiName: 'calls_out',
      label: 'Calls out',
      kind: 'action',
      object: 'organization',
      allowedHosts: ['api.example.com'],
      source: `export default async function (ctx: ScriptContext) {
  await ctx.http.fetch('https://api.example.com/ping');
  return 'called';
}`,
    });
    const outbound = await t.api('POST', '/scripts/calls_out/test', { recordId: org['id'] });
    expect(outbound.statusCode, outbound.body).toBe(200);
    expect(json(outbound)).toMatchObject({ ok: false, error: { limit: 'outboundCalls' } });
  });
});

describe('a model change that takes away a name a script uses', () => {
  it('is refused, naming the script and its line, in English and Chinese; comments do not count; once the script stops using it the change goes through', async () => {
    const tenant = await createTestTenant(h, 'scr-deps');
    const change = (operations: unknown[], locale = 'en') => tenant.api('POST', '/metadata/changes', { message: 'model', operations }, { 'accept-language': locale });
    const fields = ['tier', 'nickname', 'segment'].map((apiName) => ({ op: 'createField', object: 'customer', field: { apiName, type: 'text', labels: { en: apiName } } }));
    expect((await change(fields)).statusCode).toBe(200);
    const tiering = (source: string) => ({ apiName: 'tiering', label: 'Tiering', kind: 'beforeSave', object: 'customer', source });
    await saveScript(tenant, tiering(`// nickname is left as it is
export default function (ctx: ScriptContext, input: BeforeSaveInput): BeforeSaveResult {
  return input.record.tier === 'gold' ? { set: { last_name: 'VIP' } } : {};
}`));
    // An action of another object that reads customers by name.
    await saveScript(tenant, {
      apiName: 'segments',
      label: 'Segments',
      kind: 'action',
      object: 'organization',
      source: `export default async function (ctx: ScriptContext) {
  const rows = await ctx.records.query('customer', {});
  return rows.map((r) => r['segment']);
}`,
    });
    const problemsOf = (response: LightMyRequestResponse) => {
      expect(response.statusCode, response.body).toBe(422);
      return json<{ errors: { field: string; code: string; message: string; dependents: unknown[] }[] }>(response).errors;
    };

    const renamed = problemsOf(await change([{ op: 'updateField', object: 'customer', field: 'tier', patch: { apiName: 'level' } }]));
    expect(renamed).toEqual([
      expect.objectContaining({ field: 'customer.tier', code: 'has_dependents', message: "'customer.tier' is used by the script 'Tiering' (line 3)", dependents: [expect.objectContaining({ kind: 'script', apiName: 'tiering' })] }),
    ]);
    expect(problemsOf(await change([{ op: 'deleteField', object: 'customer', field: 'segment' }]))[0]!.message).toBe("'customer.segment' is used by the script 'Segments' (line 3)");
    expect(problemsOf(await change([{ op: 'updateObject', object: 'customer', patch: { apiName: 'patient' } }]))[0]!.message).toBe("'customer' is used by the script 'Segments' (line 2)");
    expect(problemsOf(await change([{ op: 'deleteField', object: 'customer', field: 'tier' }], 'zh-CN'))[0]!.message).toBe("'customer.tier'正被脚本'Tiering'使用（第 3 行）");
    // Nothing was changed: the field still takes values.
    expect((await tenant.api('POST', '/records/customer', { last_name: 'Still', tier: 'silver' })).statusCode).toBe(201);

    // Named only in a comment: renamed freely.
    expect((await change([{ op: 'updateField', object: 'customer', field: 'nickname', patch: { apiName: 'alias_name' } }])).statusCode).toBe(200);
    // A new version that reads the new name: the rename goes through.
    await tenant.api('PUT', '/scripts/tiering', { ...tiering(`export default function (ctx: ScriptContext, input: BeforeSaveInput): BeforeSaveResult {
  return input.record.level === 'gold' ? { set: { last_name: 'VIP' } } : {};
}`), language: 'typescript' });
    expect((await change([{ op: 'updateField', object: 'customer', field: 'tier', patch: { apiName: 'level' } }])).statusCode).toBe(200);
    expect(json(await tenant.api('POST', '/records/customer', { last_name: 'x', level: 'gold' }))).toMatchObject({ last_name: 'VIP' });
  });
});
