import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { compileScript, ProcessSandbox, type ScriptHost } from '../src/index.ts';

function compiled(source: string) {
  const result = compileScript(source, 'javascript');
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.script;
}

/** A host whose record query answers only when the test says so: an invocation held mid-flight. */
function heldHost(overrides: Partial<ScriptHost['records']> = {}) {
  let release: (rows: Record<string, unknown>[]) => void = () => undefined;
  let entered: () => void = () => undefined;
  const inside = new Promise<void>((resolve) => (entered = resolve));
  const host: ScriptHost = {
    records: {
      query: () =>
        new Promise((resolve) => {
          release = resolve;
          entered();
        }),
      get: async () => ({}),
      create: async () => ({}),
      update: async () => ({}),
      delete: async () => undefined,
      ...overrides,
    },
    config: async () => undefined,
    user: { id: 'u', name: 'User', locale: 'en', role: 'admin' },
    timeZone: 'UTC',
  };
  return { host, inside, release: (rows: Record<string, unknown>[]) => release(rows) };
}

const sum = compiled('export default (ctx, input) => ({ sum: input.a + input.b })');
const reads = compiled("export default async (ctx) => ({ rows: (await ctx.records.query('deal', {})).length })");
const hostErrors: unknown[] = [];
const sandbox = new ProcessSandbox({ onHostError: (error) => hostErrors.push(error), onExit: () => undefined });
afterAll(() => sandbox.close());

describe('the sandbox process', () => {
  it('runs scripts in a process of its own and answers host calls from this one', async () => {
    const { host, inside, release } = heldHost();
    const running = sandbox.invoke({ owner: { tenantId: 'a' }, script: reads, input: {}, host });
    await inside;
    expect(sandbox.pid).toBeGreaterThan(0);
    expect(sandbox.pid).not.toBe(process.pid);
    release([{ id: 1 }, { id: 2 }]);
    const report = await running;
    expect(report.error).toBeUndefined();
    expect(report.output).toEqual({ rows: 2 });
    expect(report.usage).toMatchObject({ queries: 1, recordsRead: 2 });
  });

  it('keeps the shape of host errors: a 4xx problem with its fields reaches the script, anything else stays here', async () => {
    const script = compiled(`export default async (ctx) => {
  const seen = [];
  for (const call of [() => ctx.records.get('deal', 'x'), () => ctx.records.create('deal', {})]) {
    try { await call(); } catch (e) { seen.push({ name: e.name, message: e.message, status: e.status, errors: e.errors }); }
  }
  return seen;
}`);
    const { host } = heldHost({
      get: async () => {
        throw Object.assign(new Error("No record 'x' of Deal"), { status: 404, errors: [{ field: 'id', message: 'no such record' }] });
      },
      create: async () => {
        throw new Error('connection to the database lost (password hunter2)');
      },
    });
    const report = await sandbox.invoke({ owner: { tenantId: 'a' }, script, input: {}, host });
    expect(report.output).toEqual([
      { name: 'HostError', message: "No record 'x' of Deal", status: 404, errors: [{ field: 'id', message: 'no such record' }] },
      { name: 'HostError', message: 'the host could not complete this call', status: 500 },
    ]);
    expect(String(hostErrors.at(-1))).toContain('connection to the database lost');
  });

  it('fails the invocations in flight when the process is killed, and the next ones run in a new process', async () => {
    const held = [heldHost(), heldHost()];
    const running = held.map((h, i) => sandbox.invoke({ owner: { tenantId: i === 0 ? 'a' : 'b' }, script: reads, input: {}, host: h.host }));
    await Promise.all(held.map((h) => h.inside));
    const pid = sandbox.pid!;
    process.kill(pid, 'SIGSEGV');
    for (const report of await Promise.all(running)) {
      expect(report.ok).toBe(false);
      expect(report.error).toMatchObject({ name: 'SandboxCrashError' });
      expect(report.error!.message).toContain('SIGSEGV');
    }
    // This process (the server) is still here, and both tenants run again.
    for (const tenantId of ['a', 'b']) {
      const report = await sandbox.invoke({ owner: { tenantId }, script: sum, input: { a: 2, b: 3 }, host: heldHost().host });
      expect(report.error).toBeUndefined();
      expect(report.output).toEqual({ sum: 5 });
    }
    expect(sandbox.pid).not.toBe(pid);
    expect(sandbox.restarts).toBeGreaterThanOrEqual(1);
  });

  it('restarts after repeated crashes (each restart a little later)', async () => {
    for (let i = 0; i < 3; i++) {
      const { host, inside } = heldHost();
      const running = sandbox.invoke({ owner: { tenantId: 'a' }, script: reads, input: {}, host });
      await inside;
      process.kill(sandbox.pid!, 'SIGKILL');
      expect((await running).error).toMatchObject({ name: 'SandboxCrashError' });
    }
    const report = await sandbox.invoke({ owner: { tenantId: 'b' }, script: sum, input: { a: 1, b: 1 }, host: heldHost().host });
    expect(report.output).toEqual({ sum: 2 });
  });

  it.runIf(existsSync('/proc/self/task'))('runs tenant code at a lower CPU priority than the server, and passes messages at the server’s', async () => {
    const burn = compiled('export default () => { let x = 0; for (let i = 0; i < 5e7; i++) x += i % 7; return x; }');
    const report = await sandbox.invoke({ owner: { tenantId: 'a' }, script: burn, input: {}, host: heldHost().host, limits: { cpuMs: 10_000, wallMs: 30_000 } });
    expect(report.error).toBeUndefined();
    const pid = sandbox.pid!;
    const threads = readdirSync(`/proc/${pid}/task`).map((tid) => {
      const fields = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return { tid: Number(tid), utime: Number(fields[11]), nice: Number(fields[16]) };
    });
    const main = threads.find((t) => t.tid === pid)!;
    const busiest = threads.filter((t) => t.tid !== pid).sort((x, y) => y.utime - x.utime)[0]!;
    expect(main.nice).toBe(getPriority(process.pid));
    // The thread that ran the loop.
    expect(busiest.utime).toBeGreaterThan(0);
    expect(busiest.nice).toBeGreaterThan(getPriority(process.pid));
  });
});
