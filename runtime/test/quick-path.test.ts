import { afterAll, describe, expect, it } from 'vitest';
import { compileScript, ScriptSandbox, type InvocationReport, type ScriptHost } from '../src/index.ts';

/**
 * The quick path (ScriptSandbox's `quickSliceMs`, on in the sandbox process): a script whose
 * recent runs were short runs on the calling thread. It must answer exactly as the isolate thread
 * does, and a script that turns hostile once it is there must be stopped at the slice, with
 * nothing it asked of the host done twice, and then meet its own limits as before.
 */

const SLICE_MS = 10;
const sandbox = new ScriptSandbox({ quickSliceMs: SLICE_MS, maxRunningPerOwner: 1 });
afterAll(() => sandbox.close());

function compiled(source: string) {
  const result = compileScript(source, 'javascript');
  if (!result.ok) throw new Error(`does not compile: ${JSON.stringify(result.errors)}`);
  return result.script;
}

function hostFor(tenant: string): ScriptHost & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    records: {
      query: async (object) => {
        calls.push(`query ${object}`);
        return [{ id: `${tenant}-1`, amount: 100 }];
      },
      get: async (object, id) => {
        calls.push(`get ${object} ${id}`);
        return { id, amount: 250 };
      },
      create: async (object, values) => {
        calls.push(`create ${object} ${JSON.stringify(values)}`);
        return { id: `${tenant}-new`, ...values };
      },
      update: async (object, id, values) => ({ id, ...values }),
      delete: async () => undefined,
    },
    config: async () => undefined,
    user: { id: `${tenant}-user`, name: 'User', locale: 'en', role: 'standard' },
    timeZone: 'Europe/Berlin',
  };
}

/** Runs the script `times` times for one owner with the same input; every report. */
async function runs(tenantId: string, source: ReturnType<typeof compiled>, times: number, input: unknown = {}, host = hostFor(tenantId)): Promise<InvocationReport[]> {
  const reports: InvocationReport[] = [];
  for (let i = 0; i < times; i++) reports.push(await sandbox.invoke({ owner: { tenantId }, script: source, input, host }));
  return reports;
}

describe('the quick path', () => {
  it('answers as the isolate thread does: plain and async handlers, host reads, logs, the clock, the user, errors with their source lines', async () => {
    const cases: { source: string; output?: unknown; error?: Record<string, unknown> }[] = [
      { source: 'export default (ctx, input) => ({ sum: input.a + input.b })', output: { sum: 5 } },
      { source: 'export default async (ctx, input) => ({ product: input.a * input.b })', output: { product: 6 } },
      { source: 'export default async (ctx) => (await ctx.records.get("deal", "d1")).amount', output: 250 },
      { source: 'export default async (ctx) => { const rows = await ctx.records.query("deal", {}); const one = await ctx.records.get("deal", rows[0].id); return [rows.length, one.id]; }', output: [1, 'q-1'] },
      { source: 'export default (ctx, input) => { ctx.log.info("adding", input.a, input.b); return ctx.now() instanceof Date && ctx.timeZone + " " + ctx.user.id; }', output: 'Europe/Berlin q-user' },
      { source: 'export default () => undefined', output: undefined },
      { source: 'export default (ctx, input) => {\n  if (input.a === 2) throw new TypeError("two is refused");\n}', error: { name: 'TypeError', message: 'two is refused' } },
      { source: 'export default async () => { await null; throw new Error("bad value"); }', error: { name: 'Error', message: 'bad value' } },
    ];
    for (const { source, output, error } of cases) {
      const reports = await runs('q', compiled(source), 5, { a: 2, b: 3 });
      for (const report of reports) {
        if (error) expect(report.error, source).toMatchObject(error);
        else {
          expect(report.error, source).toBeUndefined();
          expect(report.output, source).toEqual(output);
        }
      }
      // The same logs and usage on every run, whichever thread ran it.
      expect(new Set(reports.map((r) => JSON.stringify([r.logs.map((l) => l.message), r.usage]))).size, source).toBe(1);
    }
    const thrown = (await runs('q', compiled('export default (ctx, input) => {\n  if (input.a === 2) throw new TypeError("two is refused");\n}'), 3, { a: 2 })).at(-1)!;
    expect(thrown.error?.stack).toContain('script.ts:2');
  });

  it('stops a script that turns slow there and runs it again from the start elsewhere: what it asked of the host runs once', async () => {
    const host = hostFor('slow');
    const script = compiled(`export default async (ctx, input) => {
  if (!input.slow) return 'short';
  const created = ctx.records.create('task', { subject: 'once' });
  ctx.log.info('spinning');
  const end = Date.now() + ${SLICE_MS * 3};
  while (Date.now() < end) {}
  await created;
  return 'long';
}`);
    await runs('slow', script, 6, { slow: false }, host);
    const [report] = await runs('slow', script, 1, { slow: true }, host);
    expect(report!.error).toBeUndefined();
    expect(report!.output).toBe('long');
    expect(report!.logs.map((l) => l.message)).toEqual(['spinning']);
    expect(report!.usage.recordsWritten).toBe(1);
    expect(host.calls).toEqual(['create task {"subject":"once"}']);
  });

  it('leaves a flood of short runs to the fair turns: a neighbour is not kept behind it', async () => {
    const short = compiled('export default () => { const end = Date.now() + 1; while (Date.now() < end) {} return 1; }');
    const calm = compiled('export default (ctx, input) => input.n + 1');
    await runs('flooder', short, 4);
    await runs('calm-2', calm, 4, { n: 1 });
    const quiet: number[] = [];
    for (let i = 0; i < 10; i++) {
      const started = performance.now();
      expect((await runs('calm-2', calm, 1, { n: i }))[0]!.output).toBe(i + 1);
      quiet.push(performance.now() - started);
    }
    const flood = Array.from({ length: 1_000 }, () => sandbox.invoke({ owner: { tenantId: 'flooder' }, script: short, input: {}, host: hostFor('flooder'), limits: { wallMs: 10_000 } }));
    const busy: number[] = [];
    for (let i = 0; i < 10; i++) {
      const started = performance.now();
      expect((await runs('calm-2', calm, 1, { n: i }))[0]!.output).toBe(i + 1);
      busy.push(performance.now() - started);
    }
    const reports = await Promise.all(flood);
    expect(reports.filter((r) => r.ok).length).toBeGreaterThan(150);
    // Run one after another on this thread the flood would hold it for a second or more (1 ms of
    // wall clock each); the margin is for a loaded machine, where every call is slower.
    expect(Math.max(...busy)).toBeLessThan(Math.max(...quiet) * 3 + 400);
  });

  it.each([
    ['an infinite loop', 'for (;;) {}', 'cpuTime'],
    ['an endless microtask chain', '(function again() { Promise.resolve().then(again); })(); return 1;', 'cpuTime'],
    ['a loop after an await', 'return (async () => { await null; for (;;) {} })();', 'cpuTime'],
    ['unbounded allocation', 'const xs = []; for (;;) xs.push(new Array(1e5).fill(xs.length));', 'memory'],
  ])('stops %s that starts once the script is there at its limit, and keeps serving others meanwhile', async (_, hostileCode, limit) => {
    const owner = `turns-${limit ?? 'wait'}-${hostileCode.length}`;
    const script = compiled(`export default (ctx, input) => { if (!input.hostile) return 'fine'; ${hostileCode} }`);
    expect((await runs(owner, script, 6, { hostile: false })).map((r) => r.output)).toEqual(Array(6).fill('fine'));
    const neighbourScript = compiled('export default (ctx, input) => input.n * 2');
    await runs('calm', neighbourScript, 3, { n: 1 });
    // Memory is given the CPU to reach its limit (near it, V8 collects garbage over and over).
    const limits = limit === 'memory' ? { cpuMs: 5_000, memoryMb: 16 } : { cpuMs: 60, wallMs: 400 };
    const turned = sandbox.invoke({ owner: { tenantId: owner }, script, input: { hostile: true }, host: hostFor(owner), limits });
    // While it runs, another owner's calls are answered (each waits at most the slice for this thread).
    const served: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      const [report] = await runs('calm', neighbourScript, 1, { n: i });
      expect(report!.output).toBe(i * 2);
      served.push(performance.now() - started);
    }
    const report = await turned;
    // A loop stops at its CPU time, or at its wall time first when a loaded machine gives it less CPU than that.
    if (limit === 'memory') expect(report.error).toMatchObject({ name: 'ScriptLimitError', limit });
    else expect(report.error).toMatchObject({ name: 'ScriptLimitError', limit: expect.stringMatching(/^(cpuTime|wallTime)$/) });
    expect(Math.min(...served)).toBeLessThan(SLICE_MS * 5);
    // And the owner's next run works, in a fresh isolate (of another script: the one stopped at its
    // limit cools down first, escape suite 36).
    const [after] = await runs(owner, compiled("export default () => 'fine'"), 1, {});
    expect(after!.output).toBe('fine');
  });
});
