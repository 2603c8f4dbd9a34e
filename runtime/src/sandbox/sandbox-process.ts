// The sandbox process (ADR 0017): started by ProcessSandbox with child_process.fork, it runs the
// isolates in a ScriptSandbox of its own and turns every host call into a message to the server,
// which runs the real host function and answers. Nothing here outlives the server: the process
// exits when its IPC channel closes.
import { ScriptLimitError, ScriptRuntimeError } from './limits.ts';
import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';
import type { ScriptHost } from './host-api.ts';
import type { FromSandbox, HostOp, SandboxProcessOptions, ToSandbox, WireHostError } from './sandbox-protocol.ts';
import { ScriptSandbox, type ScriptCode } from './script-sandbox.ts';

if (!process.send) throw new Error('the sandbox process is started by ProcessSandbox (child_process.fork)');
const options = JSON.parse(process.argv[2] ?? '{}') as SandboxProcessOptions;
const nice = Number(process.argv[3] ?? 10);
const send = (message: FromSandbox): void => {
  if (process.connected) process.send!(message);
};

// Short scripts run on this thread (bounded by the slice; ScriptSandbox's quick path): a trigger
// then costs the server two wake-ups of a sleeping thread (this one, and its own for the answer)
// instead of four. PROTEAN_SANDBOX_QUICK_MS sets the slice; 0 turns the quick path off.
const quickSlice = Number(process.env['PROTEAN_SANDBOX_QUICK_MS'] ?? 10);
// The largest cool-down of a script that keeps hitting its CPU or memory limit; 0 turns it off.
const coolDownMax = Number(process.env['PROTEAN_SANDBOX_COOL_DOWN_MS'] ?? 60_000);

const sandbox = new ScriptSandbox({
  quickSliceMs: Number.isFinite(quickSlice) && quickSlice >= 0 ? quickSlice : 10,
  coolDownMaxMs: Number.isFinite(coolDownMax) && coolDownMax >= 0 ? coolDownMax : 60_000,
  ...options,
  // The server logged the real error of a host call; anything else failed here and is logged here.
  onHostError: (error) => {
    if (!(error as { reported?: boolean } | undefined)?.reported) console.error('sandbox host call failed', error);
  },
});

// Compiled scripts by content hash, most recently used last: the server sends a script's code once.
const MAX_SCRIPTS = 2_048;
const scripts = new Map<string, ScriptCode>();
const remember = (script: ScriptCode): void => {
  scripts.delete(script.hash);
  scripts.set(script.hash, script);
  if (scripts.size > MAX_SCRIPTS) scripts.delete(scripts.keys().next().value!);
};

/**
 * Tenant code runs at a lower priority than the server: on Linux the threads isolated-vm runs
 * isolates on (every thread started after this process was ready) are given niceness `nice`,
 * while this thread, which passes messages and keeps the limits, stays at the server's priority
 * so a call is not kept waiting for a core by its own bookkeeping. Elsewhere the whole process is
 * lowered.
 */
const lowered = new Set<number>();
let perThread = false;
try {
  for (const tid of readdirSync('/proc/self/task')) lowered.add(Number(tid));
  perThread = true;
} catch {
  try {
    setPriority(process.pid, nice);
  } catch (error) {
    console.error('could not lower the sandbox process priority', error);
  }
}
let lastScan = 0;
function lowerNewThreads(): void {
  if (!perThread || nice === 0) return;
  const now = performance.now();
  if (now - lastScan < 20) return;
  lastScan = now;
  for (const entry of readdirSync('/proc/self/task')) {
    const tid = Number(entry);
    if (lowered.has(tid)) continue;
    lowered.add(tid);
    try {
      setPriority(tid, nice);
    } catch {
      // The thread ended already.
    }
  }
}

const calls = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
let nextCall = 0;
const hostCall = (id: number, op: HostOp, args: unknown[]): Promise<unknown> =>
  new Promise((resolve, reject) => {
    const call = ++nextCall;
    calls.set(call, { resolve, reject });
    send({ t: 'host', id, call, op, args });
  });

/** Rebuilds a host error with what the sandbox maps into the script's error: name, message, status, problems, limit. */
function hostError(wire: WireHostError): Error {
  if (wire.limit) return Object.assign(new ScriptLimitError(wire.limit, wire.max ?? 0), { message: wire.message });
  const error = new Error(wire.message) as Error & { status?: number; errors?: unknown; reported?: boolean };
  error.name = wire.name;
  if (wire.status !== undefined) error.status = wire.status;
  if (wire.errors) error.errors = wire.errors;
  if (wire.reported) error.reported = true;
  return error;
}

function proxyHost(message: Extract<ToSandbox, { t: 'invoke' }>): ScriptHost {
  const { id } = message;
  return {
    records: {
      query: (object, query) => hostCall(id, 'records.query', [object, query]) as never,
      get: (object, recordId) => hostCall(id, 'records.get', [object, recordId]) as never,
      create: (object, values) => hostCall(id, 'records.create', [object, values]) as never,
      update: (object, recordId, values) => hostCall(id, 'records.update', [object, recordId, values]) as never,
      delete: async (object, recordId) => {
        await hostCall(id, 'records.delete', [object, recordId]);
      },
    },
    config: (name) => hostCall(id, 'config', [name]) as never,
    http: message.http ? { fetch: (url, request) => hostCall(id, 'http.fetch', [url, request]) as never } : undefined,
    user: message.user,
    timeZone: message.timeZone,
  };
}

let catastrophesSent = 0;

async function invoke(message: Extract<ToSandbox, { t: 'invoke' }>): Promise<void> {
  const { id } = message;
  let script: ScriptCode | undefined;
  if (message.script.code !== undefined) script = { hash: message.script.hash, code: message.script.code, sourceMap: message.script.sourceMap };
  else script = scripts.get(message.script.hash);
  if (!script) return send({ t: 'need', id });
  remember(script);
  lowerNewThreads();
  // A thread isolated-vm starts for this invocation is lowered at its first check.
  const check = setTimeout(lowerNewThreads, 25);
  const report = await sandbox.invoke({
    owner: message.owner,
    script,
    input: undefined,
    inputText: message.inputText,
    host: proxyHost(message),
    limits: message.limits,
    onLimit: (limit) => send({ t: 'limit', id, limit }),
  });
  clearTimeout(check);
  send({ t: 'done', id, report });
  lowerNewThreads();
  if (sandbox.catastrophes > catastrophesSent) {
    catastrophesSent = sandbox.catastrophes;
    send({ t: 'catastrophe', message: `${catastrophesSent} isolates lost to V8` });
  }
}

process.on('message', (message: ToSandbox) => {
  if (message.t === 'invoke') {
    invoke(message).catch((error: unknown) => {
      // ScriptSandbox.invoke reports what scripts do; reaching here is a fault of this process.
      const failed = error instanceof Error ? error : new ScriptRuntimeError('Error', String(error), '');
      console.error('sandbox invocation failed', failed);
      send({
        t: 'done',
        id: message.id,
        report: { ok: false, error: { name: 'SandboxError', message: 'the script sandbox failed to run this invocation' }, startedAt: new Date(), durationMs: 0, cpuMs: 0, memoryBytes: 0, warm: false, logs: [], usage: { queries: 0, recordsRead: 0, recordsWritten: 0, outboundCalls: 0, logBytes: 0 } },
      });
    });
  } else if (message.t === 'reply') {
    const pending = calls.get(message.call);
    if (!pending) return;
    calls.delete(message.call);
    if (message.error) pending.reject(hostError(message.error));
    else pending.resolve(message.valueText === undefined ? undefined : JSON.parse(message.valueText));
  }
});
// The server went away (exited, crashed, closed the sandbox): so does this process.
process.on('disconnect', () => process.exit(0));
send({ t: 'ready', pid: process.pid });
