import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ScriptHost } from './host-api.ts';
import { limitsWith, ScriptLimitError, type LimitName } from './limits.ts';
import type { FromSandbox, HostOp, SandboxProcessOptions, ToSandbox, WireHostError } from './sandbox-protocol.ts';
import type { InvocationError, InvocationReport, InvokeRequest, SandboxOptions } from './script-sandbox.ts';

/** What runs invocations: ScriptSandbox in this process, or ProcessSandbox in a process of its own. */
export interface Sandbox {
  invoke(request: InvokeRequest): Promise<InvocationReport>;
  close(): void;
}

export interface ProcessSandboxOptions extends SandboxOptions {
  /** Niceness of the sandbox process (0–19; default PROTEAN_SANDBOX_NICE, else 10): tenant code yields the cores to the server and the database. */
  nice?: number;
  /** Delay before restarting after a crash: doubles per crash within a minute, from `min` up to `max` ms. */
  restartBackoffMs?: { min: number; max: number };
  /** Isolates V8 lost control of (each may leave a thread behind) before the process is replaced. */
  maxCatastrophes?: number;
  /** Told when the sandbox process ends without being asked to (the crash of one process, not of the server). */
  onExit?: (info: { pid: number; code: number | null; signal: NodeJS.Signals | null; inFlight: number }) => void;
}

const WORKER = fileURLToPath(new URL('./sandbox-process.ts', import.meta.url));
// Past its own wall time and loading allowance, an invocation the process never answered means
// the process is stuck: it is replaced.
const STUCK_AFTER_MS = 10_000;
const LOAD_ALLOWANCE_MS = 2_000;

interface Pending {
  request: InvokeRequest;
  message: Extract<ToSandbox, { t: 'invoke' }>;
  memoryMb: number;
  startedAt: Date;
  started: number;
  limit: LimitName | undefined;
  timer: NodeJS.Timeout;
  resolve: (report: InvocationReport) => void;
}

class SandboxChild {
  readonly process: ChildProcess;
  readonly ready: Promise<void>;
  readonly pending = new Map<number, Pending>();
  /** Script hashes this process was sent: later invocations send the hash alone. */
  readonly known = new Set<string>();
  exited = false;
  retiring = false;
  catastrophes = 0;

  constructor(options: SandboxProcessOptions, nice: number) {
    this.process = fork(WORKER, [JSON.stringify(options), String(nice)], {
      execArgv: ['--no-node-snapshot'],
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    // Starting counts as busy: whoever waits for the process must not see this one exit first.
    this.busy();
    this.ready = new Promise<void>((resolve, reject) => {
      const onMessage = (message: FromSandbox) => {
        if (message.t !== 'ready') return;
        this.process.off('message', onMessage);
        this.process.off('exit', onExit);
        if (this.pending.size === 0) this.idle();
        resolve();
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null) => reject(new Error(`the sandbox process ended while starting (${signal ?? `exit ${code}`})`));
      this.process.on('message', onMessage);
      this.process.once('exit', onExit);
      this.process.once('error', reject);
    });
    // Whoever awaits `ready` gets the failure; this only keeps a start nobody awaits yet from being an unhandled rejection.
    this.ready.catch(() => undefined);
  }

  /** While invocations are in flight the channel keeps this process alive; idle, it does not. */
  busy(): void {
    this.process.ref();
    this.process.channel?.ref();
  }

  idle(): void {
    this.process.unref();
    this.process.channel?.unref();
  }

  send(message: ToSandbox): void {
    if (!this.exited && this.process.connected) this.process.send(message);
  }
}

/**
 * Runs the isolates in a sandbox process of their own (ADR 0017): the same `invoke` as
 * ScriptSandbox, whose instance inside that process keeps the pools, limits and per-owner turns.
 * Host calls come back here as messages and run against the real host. If the process dies (an
 * isolate that ran out of memory can take it down inside isolated-vm), the invocations in flight
 * in it fail, the one that hit its memory limit with that limit, and the next invocation gets a
 * new process; the server itself never goes down with it.
 */
export class ProcessSandbox implements Sandbox {
  readonly #options: SandboxProcessOptions;
  readonly #nice: number;
  readonly #backoff: { min: number; max: number };
  readonly #maxCatastrophes: number;
  readonly #onHostError: (error: unknown) => void;
  readonly #onExit: ProcessSandboxOptions['onExit'];
  #child: SandboxChild | undefined;
  #restartAt = 0;
  #restartTimer: NodeJS.Timeout | undefined;
  readonly #crashes: number[] = [];
  #nextId = 0;
  #spawned = 0;
  #closed = false;

  constructor(options: ProcessSandboxOptions = {}) {
    const { nice, restartBackoffMs, maxCatastrophes, onExit, onHostError, ...sandboxOptions } = options;
    this.#options = sandboxOptions;
    this.#nice = nice ?? (process.env['PROTEAN_SANDBOX_NICE'] ? Number(process.env['PROTEAN_SANDBOX_NICE']) : 10);
    this.#backoff = restartBackoffMs ?? { min: 50, max: 5_000 };
    this.#maxCatastrophes = maxCatastrophes ?? 3;
    this.#onHostError = onHostError ?? ((error) => console.error('script host call failed', error));
    this.#onExit = onExit ?? ((info) => console.error(`the script sandbox process ${info.pid} ended (${info.signal ?? `exit ${info.code}`}) with ${info.inFlight} invocations in flight; starting another`));
  }

  /** The sandbox process now (undefined before the first invocation and between a crash and its restart). */
  get pid(): number | undefined {
    return this.#child && !this.#child.exited ? this.#child.process.pid : undefined;
  }

  /** Invocations sent to the sandbox process and not yet answered. */
  get inFlight(): number {
    return this.#child?.pending.size ?? 0;
  }

  /** Sandbox processes started after the first: crashes and recycling. */
  get restarts(): number {
    return Math.max(0, this.#spawned - 1);
  }

  /** Starts the sandbox process ahead of the first invocation and waits until it is ready. */
  async start(): Promise<void> {
    await (await this.#current()).ready;
  }

  async invoke(request: InvokeRequest): Promise<InvocationReport> {
    const startedAt = new Date();
    const started = performance.now();
    const limits = limitsWith(request.limits);
    let child: SandboxChild;
    try {
      child = await this.#current();
      await child.ready;
    } catch (error) {
      return failed(startedAt, started, { name: 'SandboxError', message: `the script sandbox is not available: ${error instanceof Error ? error.message : String(error)}` });
    }
    const id = ++this.#nextId;
    const { script } = request;
    const message: Extract<ToSandbox, { t: 'invoke' }> = {
      t: 'invoke',
      id,
      owner: request.owner,
      script: child.known.has(script.hash) ? { hash: script.hash } : { hash: script.hash, code: script.code, sourceMap: script.sourceMap },
      inputText: JSON.stringify(request.input ?? null),
      limits: request.limits,
      user: request.host.user,
      timeZone: request.host.timeZone,
      http: request.host.http !== undefined,
    };
    child.known.add(script.hash);
    // The process may have ended since it was ready; its exit has answered everything it held.
    if (child.exited || !child.process.connected) return failed(startedAt, started, { name: 'SandboxCrashError', message: 'the script sandbox process ended before this invocation reached it; the next invocation runs in a new sandbox process' });
    return new Promise<InvocationReport>((resolve) => {
      // Waiting for a turn (at most the wall time), loading, running: past all of it the process is stuck.
      const timer = setTimeout(() => {
        const pending = child.pending.get(id);
        if (!pending) return;
        child.pending.delete(id);
        pending.resolve(failed(startedAt, started, { name: 'ScriptLimitError', message: new ScriptLimitError('wallTime', limits.wallMs).message, limit: 'wallTime' }));
        console.error(`the script sandbox process ${child.process.pid} did not answer an invocation in time; replacing it`);
        this.#retire(child, true);
      }, 2 * limits.wallMs + LOAD_ALLOWANCE_MS + STUCK_AFTER_MS);
      timer.unref();
      child.pending.set(id, { request, message, memoryMb: limits.memoryMb, startedAt, started, limit: undefined, timer, resolve });
      if (child.pending.size === 1) child.busy();
      child.send(message);
    });
  }

  /** Ends the sandbox process; invocations in flight fail. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#restartTimer);
    const child = this.#child;
    this.#child = undefined;
    if (child) this.#kill(child, 'the script sandbox was closed during this invocation');
  }

  async #current(): Promise<SandboxChild> {
    if (this.#closed) throw new Error('the script sandbox is closed');
    if (this.#child && !this.#child.exited && !this.#child.retiring) return this.#child;
    // After a crash the next process starts after the backoff (a process that dies at once must not spin).
    const wait = this.#restartAt - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    if (this.#closed) throw new Error('the script sandbox is closed');
    if (this.#child && !this.#child.exited && !this.#child.retiring) return this.#child;
    this.#child = this.#spawn();
    return this.#child;
  }

  #spawn(): SandboxChild {
    const child = new SandboxChild(this.#options, this.#nice);
    this.#spawned += 1;
    child.process.on('message', (message: FromSandbox) => this.#onMessage(child, message));
    child.process.on('error', (error) => console.error('script sandbox process error', error));
    child.process.once('exit', (code, signal) => this.#onChildExit(child, code, signal));
    return child;
  }

  #onMessage(child: SandboxChild, message: FromSandbox): void {
    switch (message.t) {
      case 'done': {
        const pending = child.pending.get(message.id);
        if (!pending) return;
        this.#settle(child, message.id, pending, message.report);
        if (child.retiring && child.pending.size === 0) this.#kill(child, 'the script sandbox process was replaced');
        return;
      }
      case 'limit': {
        const pending = child.pending.get(message.id);
        if (pending) pending.limit = message.limit;
        return;
      }
      case 'need': {
        const pending = child.pending.get(message.id);
        if (!pending) return;
        const { script } = pending.request;
        child.send({ ...pending.message, script: { hash: script.hash, code: script.code, sourceMap: script.sourceMap } });
        return;
      }
      case 'host':
        void this.#hostCall(child, message);
        return;
      case 'catastrophe':
        child.catastrophes += 1;
        console.error(`script sandbox process ${child.process.pid}: ${message.message}`);
        if (child.catastrophes >= this.#maxCatastrophes) this.#retire(child, false);
        return;
      case 'ready':
        return;
    }
  }

  async #hostCall(child: SandboxChild, message: Extract<FromSandbox, { t: 'host' }>): Promise<void> {
    const pending = child.pending.get(message.id);
    const reply = (fields: { valueText?: string; error?: WireHostError }) => child.send({ t: 'reply', call: message.call, ...fields });
    if (!pending) return reply({ error: { name: 'ScriptError', message: 'the invocation has ended; its host calls are refused' } });
    try {
      const value = await runHost(pending.request.host, message.op, message.args);
      reply(value === undefined ? {} : { valueText: JSON.stringify(value) });
    } catch (error) {
      reply({ error: wireError(error, this.#onHostError) });
    }
  }

  #settle(child: SandboxChild, id: number, pending: Pending, report: InvocationReport): void {
    child.pending.delete(id);
    clearTimeout(pending.timer);
    if (child.pending.size === 0) child.idle();
    pending.resolve(report);
  }

  #onChildExit(child: SandboxChild, code: number | null, signal: NodeJS.Signals | null): void {
    child.exited = true;
    const inFlight = child.pending.size;
    const cause = signal ?? `exit code ${code}`;
    for (const [id, pending] of child.pending) {
      // The isolate that hit its memory limit said so before the process went down.
      const error: InvocationError = pending.limit
        ? { name: 'ScriptLimitError', message: new ScriptLimitError(pending.limit, pending.limit === 'memory' ? pending.memoryMb : 0).message, limit: pending.limit }
        : { name: 'SandboxCrashError', message: `the script sandbox process ended (${cause}) while this invocation ran; the server is unharmed and the next invocation runs in a new sandbox process` };
      this.#settle(child, id, pending, { ...failed(pending.startedAt, pending.started, error), ...(pending.limit === 'memory' ? { memoryBytes: pending.memoryMb * 1024 * 1024 } : {}) });
    }
    if (this.#child !== child) return;
    this.#child = undefined;
    if (this.#closed || child.retiring) return;
    this.#onExit?.({ pid: child.process.pid ?? 0, code, signal, inFlight });
    const now = Date.now();
    this.#crashes.push(now);
    while (this.#crashes.length && this.#crashes[0]! < now - 60_000) this.#crashes.shift();
    this.#restartAt = now + Math.min(this.#backoff.max, this.#backoff.min * 2 ** (this.#crashes.length - 1));
    // Start the next one when the backoff ends, so the next invocation finds it warm.
    clearTimeout(this.#restartTimer);
    this.#restartTimer = setTimeout(() => {
      if (this.#closed || this.#child) return;
      // The next invocation tries again; a start that failed here is only said.
      this.#current().catch((error: unknown) => console.error('restarting the script sandbox process failed', error));
    }, this.#restartAt - now);
    this.#restartTimer.unref();
  }

  /** New invocations go to a new process; this one ends once its invocations have (or at once, `now`). */
  #retire(child: SandboxChild, now: boolean): void {
    if (child.retiring && !now) return;
    child.retiring = true;
    if (this.#child === child) this.#child = undefined;
    if (now || child.pending.size === 0) this.#kill(child, 'the script sandbox process was replaced during this invocation');
  }

  #kill(child: SandboxChild, why: string): void {
    child.retiring = true;
    for (const [id, pending] of child.pending) this.#settle(child, id, pending, failed(pending.startedAt, pending.started, { name: 'SandboxError', message: why }));
    if (!child.exited) child.process.kill('SIGKILL');
  }
}

function failed(startedAt: Date, started: number, error: InvocationError): InvocationReport {
  return {
    ok: false,
    error,
    startedAt,
    durationMs: performance.now() - started,
    cpuMs: 0,
    memoryBytes: 0,
    warm: false,
    logs: [],
    usage: { queries: 0, recordsRead: 0, recordsWritten: 0, outboundCalls: 0, logBytes: 0 },
  };
}

async function runHost(host: ScriptHost, op: HostOp, args: unknown[]): Promise<unknown> {
  const a = args as [string, never, never];
  switch (op) {
    case 'records.query':
      return host.records.query(a[0], a[1]);
    case 'records.get':
      return host.records.get(a[0], a[1]);
    case 'records.create':
      return host.records.create(a[0], a[1]);
    case 'records.update':
      return host.records.update(a[0], a[1], a[2]);
    case 'records.delete':
      return host.records.delete(a[0], a[1]);
    case 'config':
      return host.config(a[0]);
    case 'http.fetch':
      if (!host.http) throw Object.assign(new Error('this script declared no outbound hosts'), { name: 'OutboundRefused', status: 403 });
      return host.http.fetch(a[0], a[1]);
  }
}

/**
 * What of a host error crosses to the sandbox process: what the sandbox shows a script (a limit,
 * a 4xx problem's name, message and fields). Anything else is logged here and crosses as an
 * opaque failure.
 */
function wireError(error: unknown, onHostError: (error: unknown) => void): WireHostError {
  if (error instanceof ScriptLimitError) return { name: error.name, message: error.message, limit: error.limit, max: error.max };
  const status = typeof error === 'object' && error !== null && 'status' in error ? Number((error as { status: unknown }).status) : NaN;
  if (error instanceof Error && status >= 400 && status < 500) {
    const problems = 'errors' in error && Array.isArray(error.errors) ? (error.errors as { field?: unknown; message?: unknown }[]).map((p) => ({ field: String(p?.field ?? ''), message: String(p?.message ?? '') })) : undefined;
    return { name: error.name, message: error.message, status, ...(problems ? { errors: problems } : {}) };
  }
  onHostError(error);
  return { name: 'HostError', message: 'the host could not complete this call', status: 500, reported: true };
}
