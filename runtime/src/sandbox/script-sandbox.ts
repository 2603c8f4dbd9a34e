import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import ivm from 'isolated-vm';
import { BOOTSTRAP_SOURCE } from './bootstrap.ts';
import { ownerKey, type JsonObject, type SandboxOwner, type ScriptHost } from './host-api.ts';
import { limitsWith, ScriptLimitError, ScriptRuntimeError, type GovernorLimit, type LimitName, type ScriptLimits } from './limits.ts';
import { parseFromSandbox, utf8Length } from './safe-json.ts';
import { SourceMapper } from './source-map.ts';

/** Compiled code as the script compiler produced it; `hash` keys every cache. */
export interface ScriptCode {
  hash: string;
  code: string;
  sourceMap?: string | undefined;
}

export interface InvokeRequest {
  owner: SandboxOwner;
  script: ScriptCode;
  input: unknown;
  /** The input as JSON text already (a sandbox process receives it so): saves a parse and a stringify. */
  inputText?: string | undefined;
  host: ScriptHost;
  limits?: Partial<ScriptLimits> | undefined;
  /**
   * Told as soon as a limit fails the invocation, before its isolate is cleaned up: a sandbox
   * process passes the news on at once, since an isolate that ran out of memory may take the
   * process down while it is torn down (ADR 0017).
   */
  onLimit?: ((limit: LimitName) => void) | undefined;
}

export interface LogEntry {
  at: string;
  level: 'info' | 'warn' | 'error';
  message: string;
}

export interface GovernorUsage {
  queries: number;
  recordsRead: number;
  recordsWritten: number;
  outboundCalls: number;
  logBytes: number;
}

export interface InvocationError {
  name: string;
  message: string;
  /** Stack frames of script.ts point at lines of the source the author wrote. */
  stack?: string;
  limit?: LimitName;
  errors?: readonly { field: string; message: string }[];
}

/** What one invocation did: always returned, whether the script succeeded, threw or hit a limit. */
export interface InvocationReport {
  ok: boolean;
  output?: unknown;
  error?: InvocationError;
  startedAt: Date;
  durationMs: number;
  cpuMs: number;
  /** Heap in use by the isolate when the invocation ended. */
  memoryBytes: number;
  /** Whether the script ran in an isolate that was already warm. */
  warm: boolean;
  logs: LogEntry[];
  usage: GovernorUsage;
}

export interface SandboxOptions {
  /** Invocations running at once across all owners (default: the number of cores). */
  maxRunning?: number;
  /** Invocations of one owner running at once (default: half the cores): a tenant never takes every core. */
  maxRunningPerOwner?: number;
  /** Invocations of one owner waiting for a turn; more are refused with the `concurrency` limit. */
  maxQueuedPerOwner?: number;
  /** Warm isolates kept across owners; the least recently used idle one goes first. */
  maxIdleIsolates?: number;
  /** Compiled script modules kept per isolate. */
  maxModulesPerIsolate?: number;
  /** Largest result a script may return, in bytes of JSON. */
  maxOutputBytes?: number;
  /** A host method failed in a way the script must not see the details of. */
  onHostError?: (error: unknown) => void;
  /**
   * The quick path (0, the default, turns it off): a script whose last two runs here each took
   * under 2 ms runs on the calling thread, synchronously, for at most this many ms,
   * instead of being handed to an isolate thread and back (two thread wake-ups, most of a short
   * trigger's cost on an idle machine). One that runs past the slice is stopped before anything
   * it asked of the host ran, and runs again from the start on an isolate thread in another
   * isolate; its owner's scripts take the isolate threads for a minute. The sandbox process turns
   * it on (ADR 0017); a server running scripts in-process leaves it off.
   */
  quickSliceMs?: number;
  /**
   * A script whose runs were stopped at their CPU or memory limit twice in a row waits before it
   * runs again: three times the CPU the last run used, doubling with each further one in a row, at most this
   * many ms (default 60,000; 0 turns it off). A run that ends within its limits clears it. An
   * invocation waits out the cool-down if it ends within the invocation's wall time, else it is
   * refused with the `coolDown` limit when its wall time is up.
   */
  coolDownMaxMs?: number;
}

/** The largest JSON text a script may pass to one host call (a record it writes, a query, a request it sends): what a request body may hold. */
export const MAX_HOST_CALL_CHARS = 1024 * 1024;
const SCRIPT_FILE = 'script.ts';
const LOAD_ALLOWANCE_MS = 2_000;
// A run this short (CPU, or wall time on the quick path) counts towards the quick path; two in a row
// earn it. isolated-vm counts a running stretch in wall time, so on a busy machine fewer runs count.
const QUICK_RUN_MS = 2;
const QUICK_STREAK = 2;
// An owner whose script ran past the quick slice stays off the quick path this long.
const QUICK_BAR_MS = 60_000;
// The calling thread also passes every owner's messages: one owner's quick runs take at most this
// much of it per second; past that its runs take the isolate threads (and their fair turns).
const QUICK_BUDGET_MS_PER_S = 100;
const QUICK_SCRIPTS_KEPT = 4_096;
// A runaway script (stopped at its CPU or memory limit twice in a row) first waits this many times
// the CPU it used, then twice as long after each further run stopped in a row: a script looping at a 200 ms limit
// runs 200 ms a minute once its cool-down reached the largest. One looping thread costs a
// neighbour's requests more than its share of the cores (two vCPUs of one machine share more than
// the scheduler hands out), so the lever is how often it runs, not its priority.
const COOL_DOWN_FACTOR = 3;
// A runaway streak ends when the script has not hit a limit for this long.
const COOL_DOWN_FORGET_MS = 10 * 60_000;

interface LoadedModule {
  context: ivm.Context;
  handler: ivm.Reference<unknown>;
  /** The bootstrap's entries (bootstrap.ts): run (async), quick and settle (sync), wait (async). */
  run: ivm.Reference<unknown>;
  quick: ivm.Reference<unknown>;
  settle: ivm.Reference<unknown>;
  wait: ivm.Reference<unknown>;
}

function releaseModule(module: LoadedModule): void {
  for (const ref of [module.handler, module.run, module.quick, module.settle, module.wait]) ref.release();
  module.context.release();
}

/** What a run on the quick path came to. */
type QuickOutcome =
  | { kind: 'done'; outputText: string | undefined; cpuStart: bigint; ms: number }
  | { kind: 'pending'; cpuStart: bigint }
  | { kind: 'threw'; error: unknown; cpuStart: bigint }
  | { kind: 'overran' };

/**
 * `memoryMb` is what the isolate may add to the server process, not V8's old-space size: measured
 * here, a V8 heap limit of L MB moved RSS by about 1.1·L + 5 MB (young generation, code space,
 * the isolate itself). The heap gets 80 % of the budget less 4 MB, so a hostile script stays
 * within the budget plus 10 % (runtime/test/hostile-rss.test.ts).
 */
export function heapLimitMb(memoryMb: number): number {
  return Math.max(8, Math.floor(memoryMb * 0.8) - 4);
}

class WarmIsolate {
  readonly isolate: ivm.Isolate;
  readonly owner: string;
  readonly memoryMb: number;
  readonly modules = new Map<string, LoadedModule>();
  lastUsed = Date.now();
  used = false;
  /** Told when V8 loses control of the isolate (an out-of-memory it cannot recover from). */
  onCatastrophe: ((message: string) => void) | undefined;

  constructor(owner: string, memoryMb: number, catastrophe: (owner: string, message: string) => void) {
    this.owner = owner;
    this.memoryMb = memoryMb;
    this.isolate = new ivm.Isolate({
      memoryLimit: heapLimitMb(memoryMb),
      onCatastrophicError: (message) => {
        catastrophe(owner, message);
        this.onCatastrophe?.(message);
      },
    });
  }

  dispose(): void {
    for (const module of this.modules.values()) releaseModule(module);
    this.modules.clear();
    if (!this.isolate.isDisposed) this.isolate.dispose();
  }
}

class Invocation {
  readonly token = randomBytes(16).toString('hex');
  readonly limits: ScriptLimits;
  readonly host: ScriptHost;
  readonly logs: LogEntry[] = [];
  readonly usage: GovernorUsage = { queries: 0, recordsRead: 0, recordsWritten: 0, outboundCalls: 0, logBytes: 0 };
  readonly secrets = new Set<string>();
  /** The first limit hit: the invocation fails with it even if the script caught the error. */
  failure: ScriptLimitError | undefined;
  /** Host calls in flight: the invocation ends only once they settled (they may be writing in the caller's transaction). */
  readonly inFlight = new Set<Promise<unknown>>();
  ended = false;

  constructor(limits: ScriptLimits, host: ScriptHost) {
    this.limits = limits;
    this.host = host;
  }

  count(limit: GovernorLimit, by: number): void {
    if (this.failure) throw this.failure;
    this.usage[limit] += by;
    if (this.usage[limit] > this.limits[limit]) throw (this.failure = new ScriptLimitError(limit, this.limits[limit]));
  }

  /** Secret values read during the invocation are blanked from anything it leaves behind. */
  redact(text: string): string {
    let out = text;
    for (const secret of this.secrets) if (secret.length >= 4) out = out.split(secret).join('[secret]');
    return out;
  }
}

interface Waiter {
  owner: string;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * Runs tenant and plugin code in warm isolated-vm isolates: a pool per owner (tenant, or plugin
 * within a tenant), compiled modules cached per isolate by content hash, and per invocation a heap limit, a CPU-time limit, a wall-time limit and the
 * governor limits on host calls. An isolate that hits a limit is disposed; the process and every
 * other owner carry on. Invocations are scheduled fairly across owners.
 */
export class ScriptSandbox {
  readonly #options: Required<Omit<SandboxOptions, 'onHostError'>>;
  /** Short runs in a row per owner and script hash (the quick path needs QUICK_STREAK); least recently run first. */
  readonly #quickStreaks = new Map<string, number>();
  /** Per owner: off the quick path until `barredUntil` (a script ran past the slice), and its quick time this second. */
  readonly #quickOwners = new Map<string, { barredUntil: number; second: number; usedMs: number }>();
  /** Per owner and script hash: runs stopped at a limit in a row, and when the script may run again. */
  readonly #runaways = new Map<string, { hits: number; until: number; lastHit: number }>();
  readonly #onHostError: (error: unknown) => void;
  readonly #idle = new Map<string, WarmIsolate[]>();
  readonly #running = new Map<string, number>();
  readonly #waiting = new Map<string, Waiter[]>();
  #totalRunning = 0;
  #turn = 0;
  readonly #invocations = new Map<string, Invocation>();
  readonly #mappers = new Map<string, SourceMapper>();
  readonly #call: ivm.Reference<(token: string, op: string, args: string) => Promise<string>>;
  readonly #log: ivm.Reference<(token: string, level: string, text: string) => void>;
  readonly #clock: ivm.Reference<(token: string) => number>;
  #closed = false;
  #catastrophes = 0;

  constructor(options: SandboxOptions = {}) {
    assertNoNodeSnapshot();
    this.#options = {
      maxRunning: options.maxRunning ?? Math.max(2, availableParallelism()),
      // Half the cores at most: an owner spinning at its CPU limit leaves the rest to everyone else.
      maxRunningPerOwner: options.maxRunningPerOwner ?? Math.max(1, Math.floor(availableParallelism() / 2)),
      maxQueuedPerOwner: options.maxQueuedPerOwner ?? 200,
      maxIdleIsolates: options.maxIdleIsolates ?? 64,
      maxModulesPerIsolate: options.maxModulesPerIsolate ?? 32,
      maxOutputBytes: options.maxOutputBytes ?? 1024 * 1024,
      quickSliceMs: options.quickSliceMs ?? 0,
      coolDownMaxMs: options.coolDownMaxMs ?? 60_000,
    };
    this.#onHostError = options.onHostError ?? ((error) => console.error('script host call failed', error));
    this.#call = new ivm.Reference((token: string, op: string, args: string) => this.#hostCall(token, op, args));
    this.#log = new ivm.Reference((token: string, level: string, text: string) => this.#hostLog(token, level, text));
    this.#clock = new ivm.Reference((token: string) => {
      if (!this.#invocations.has(token)) throw new Error('the invocation has ended');
      return Date.now();
    });
  }

  /**
   * Isolates V8 lost control of (an out-of-memory inside a large native allocation, such as a Map
   * growing past the limit): their invocations were failed with the memory limit and the process
   * kept serving, but each may leave a stuck thread behind, so a supervisor should recycle a
   * process whose count keeps rising.
   */
  get catastrophes(): number {
    return this.#catastrophes;
  }

  /** Isolates alive now (idle and running): what the pool holds. */
  get isolateCount(): number {
    let n = this.#totalRunning;
    for (const list of this.#idle.values()) n += list.length;
    return n;
  }

  /** Runs one invocation and reports what happened; never throws for anything the script did. */
  async invoke(request: InvokeRequest): Promise<InvocationReport> {
    const startedAt = new Date();
    const started = performance.now();
    const limits = limitsWith(request.limits);
    let invocation = new Invocation(limits, request.host);
    const report = (fields: Partial<InvocationReport> & { ok: boolean }): InvocationReport => ({
      startedAt,
      durationMs: performance.now() - started,
      cpuMs: 0,
      memoryBytes: 0,
      warm: false,
      logs: invocation.logs,
      usage: invocation.usage,
      ...fields,
    });
    const owner = ownerKey(request.owner);
    const streakKey = `${owner}\u0000${request.script.hash}`;
    try {
      await this.#turnAfterCoolDown(owner, streakKey, limits.wallMs);
    } catch (error) {
      return report({ ok: false, error: errorOf(error, invocation) });
    }
    const inputText = request.inputText ?? JSON.stringify(request.input ?? null);
    const meta = JSON.stringify({ user: request.host.user, timeZone: request.host.timeZone });
    let warm: WarmIsolate | undefined;
    let wasWarm = false;
    let cpuStart = 0n;
    let cpuSeen = 0n;
    let killedFor: ScriptLimitError | undefined;
    let watchdog: NodeJS.Timeout | undefined;
    let wallTimer: NodeJS.Timeout | undefined;
    // Settles the invocation when the isolate is killed, even if isolated-vm never answers again.
    let abort: (error: ScriptLimitError) => void = () => undefined;
    const aborted = new Promise<never>((_, reject) => (abort = reject));
    aborted.catch(() => undefined);
    const finish = (isolate: ivm.Isolate, outputText: string | undefined): InvocationReport => {
      if (invocation.failure) throw invocation.failure;
      if (outputText !== undefined && utf8Length(outputText) > this.#options.maxOutputBytes) throw new ScriptLimitError('outputSize', this.#options.maxOutputBytes);
      const output = outputText === undefined ? undefined : parseFromSandbox(outputText);
      return report({ ok: true, output, warm: wasWarm, cpuMs: cpuMsOf(isolate, cpuStart), memoryBytes: heapOf(isolate) });
    };
    try {
      warm = this.#checkOut(owner, limits.memoryMb);
      let quick: QuickOutcome | undefined;
      const cached = warm.modules.get(request.script.hash);
      if (cached && this.#quickAllowed(owner, streakKey)) {
        warm.onCatastrophe = (message) => (killedFor ??= new ScriptLimitError('memory', limits.memoryMb, message));
        quick = this.#runQuick(owner, warm, cached, invocation, inputText, meta);
        if (quick.kind === 'overran') {
          // Stopped before anything it asked of the host ran (host calls wait for this thread, and
          // its token is refused now). It runs again from the start on an isolate thread, in an
          // isolate whose module state it did not half change; logs and usage start again too.
          this.#invocations.delete(invocation.token);
          this.#barQuick(owner, streakKey);
          warm.dispose();
          invocation = new Invocation(limits, request.host);
          warm = this.#checkOut(owner, limits.memoryMb);
          quick = undefined;
        }
      }
      wasWarm = warm.used;
      warm.used = true;
      const isolate = warm.isolate;
      if (quick && quick.kind !== 'overran') {
        cpuStart = quick.cpuStart;
        if (killedFor) throw killedFor;
        if (quick.kind === 'threw') throw quick.error;
        if (quick.kind === 'done') {
          const done = finish(isolate, quick.outputText);
          this.#noteRun(streakKey, quick.ms);
          return done;
        }
      } else {
        cpuStart = isolate.cpuTime;
      }
      const kill = (error: ScriptLimitError) => {
        if (killedFor) return;
        killedFor = error;
        if (!isolate.isDisposed) isolate.dispose();
        abort(error);
      };
      warm.onCatastrophe = (message) => kill(new ScriptLimitError('memory', limits.memoryMb, message));
      // Code that runs after an await is outside isolated-vm's own timeout: the watchdog sees it.
      const cpuBudget = BigInt(limits.cpuMs) * 1_000_000n;
      const processCpuStart = process.cpuUsage();
      watchdog = setInterval(() => {
        if (isolate.isDisposed) return;
        cpuSeen = isolate.cpuTime - cpuStart;
        if (cpuSeen <= cpuBudget) return;
        // While the isolate runs, isolated-vm counts the running stretch in wall time: on a busy
        // machine (or in a sandbox process of lower priority) that passes the budget with little
        // CPU used. The process's own CPU since the start bounds the isolate's from above.
        const used = process.cpuUsage(processCpuStart);
        if (BigInt(used.user + used.system) * 1_000n > cpuBudget) kill(new ScriptLimitError('cpuTime', limits.cpuMs));
      }, Math.max(2, Math.min(10, Math.floor(limits.cpuMs / 4))));
      // Making an isolate and compiling the module is the platform's work, not the script's: a
      // cold start gets a loading allowance on top of its wall time (CPU stays bounded throughout).
      const loading = warm.modules.has(request.script.hash) ? 0 : LOAD_ALLOWANCE_MS;
      wallTimer = setTimeout(() => kill(new ScriptLimitError('wallTime', limits.wallMs)), limits.wallMs + loading);
      const loaded = warm;
      const running = invocation;
      const work =
        quick?.kind === 'pending'
          ? // The handler awaits the host: the rest runs on an isolate thread.
            (cached!.wait.apply(undefined, [running.token], { timeout: limits.wallMs, result: { promise: true, copy: true } }) as Promise<string | undefined>)
          : (async () => {
              const module = await this.#load(loaded, request.script, limits);
              this.#invocations.set(running.token, running);
              return (await module.run.apply(undefined, [running.token, inputText, meta, module.handler.derefInto()], {
                timeout: limits.wallMs,
                result: { promise: true, copy: true },
              })) as string | undefined;
            })();
      work.catch(() => undefined);
      const outputText = await Promise.race([work, aborted]);
      const done = finish(isolate, outputText);
      this.#noteRun(streakKey, done.cpuMs);
      return done;
    } catch (error) {
      const isolate = warm?.isolate;
      let failure: unknown = killedFor ?? invocation.failure ?? error;
      // isolated-vm disposes an isolate that ran out of heap by itself.
      if (!killedFor && isolate?.isDisposed) failure = new ScriptLimitError('memory', limits.memoryMb);
      // isolated-vm's own timeouts are wall time (the watchdog catches CPU first).
      else if (!killedFor && error instanceof Error && /timed out/i.test(error.message)) failure = new ScriptLimitError('wallTime', limits.wallMs);
      // Typed-array memory is refused by the isolate's allocator at the same limit.
      else if (!killedFor && error instanceof Error && /Array buffer allocation failed/.test(error.message)) failure = new ScriptLimitError('memory', limits.memoryMb);
      const cpuMs = isolate && !isolate.isDisposed ? cpuMsOf(isolate, cpuStart) : Number(cpuSeen) / 1e6;
      if (failure instanceof ScriptLimitError) {
        request.onLimit?.(failure.limit);
        if (isolate && !isolate.isDisposed) isolate.dispose();
        this.#quickStreaks.delete(streakKey);
        // isolated-vm counts a running stretch in wall time, so on a busy machine the reading passes
        // the CPU a stopped run could have burnt: the cool-down is a multiple of at most the limit.
        if (failure.limit === 'cpuTime' || failure.limit === 'memory') this.#noteRunaway(streakKey, Math.min(cpuMs, limits.cpuMs));
      } else {
        // A script that threw ran like any other.
        this.#noteRun(streakKey, cpuMs);
      }
      return report({
        ok: false,
        error: errorOf(failure, invocation, this.#mapper(request.script)),
        warm: wasWarm,
        cpuMs,
        memoryBytes: isolate && !isolate.isDisposed ? heapOf(isolate) : limits.memoryMb * 1024 * 1024,
      });
    } finally {
      clearInterval(watchdog);
      clearTimeout(wallTimer);
      invocation.ended = true;
      this.#invocations.delete(invocation.token);
      if (invocation.inFlight.size) await Promise.allSettled([...invocation.inFlight]);
      if (warm) {
        warm.onCatastrophe = undefined;
        this.#checkIn(warm);
      }
      this.#release(owner);
    }
  }

  /**
   * The quick path: the handler runs on this thread, synchronously, bounded by the slice. Host
   * calls it makes are only queued meanwhile (isolated-vm delivers them to this thread's event
   * loop), so a run stopped at the slice has done nothing outside its isolate.
   */
  #runQuick(owner: string, warm: WarmIsolate, module: LoadedModule, invocation: Invocation, inputText: string, meta: string): QuickOutcome {
    const slice = this.#options.quickSliceMs;
    this.#invocations.set(invocation.token, invocation);
    const cpuStart = warm.isolate.cpuTime;
    const began = performance.now();
    try {
      let out = module.quick.applySync(undefined, [invocation.token, inputText, meta, module.handler.derefInto()], { timeout: slice, result: { copy: true } }) as string;
      // A handler that returned a promise: its microtasks ran as the call returned.
      if (out === 'p') out = module.settle.applySync(undefined, [invocation.token], { timeout: slice, result: { copy: true } }) as string;
      if (out === 'p') return { kind: 'pending', cpuStart };
      return { kind: 'done', outputText: out === 'u' ? undefined : out.slice(1), cpuStart, ms: performance.now() - began };
    } catch (error) {
      if (!warm.isolate.isDisposed && error instanceof Error && /timed out/i.test(error.message)) return { kind: 'overran' };
      return { kind: 'threw', error, cpuStart };
    } finally {
      this.#chargeQuick(owner, performance.now() - began);
    }
  }

  /**
   * The quick path is for short scripts of an owner within its budget, and only while nobody waits
   * for a turn: under contention every run takes an isolate thread and the turns keep it fair.
   */
  #quickAllowed(owner: string, streakKey: string): boolean {
    if (this.#options.quickSliceMs <= 0 || this.#waiting.size > 0 || (this.#quickStreaks.get(streakKey) ?? 0) < QUICK_STREAK) return false;
    const state = this.#quickOwners.get(owner);
    if (!state) return true;
    const now = Date.now();
    if (state.barredUntil > now) return false;
    return Math.floor(now / 1000) !== state.second || state.usedMs < QUICK_BUDGET_MS_PER_S;
  }

  #quickOwner(owner: string): { barredUntil: number; second: number; usedMs: number } {
    let state = this.#quickOwners.get(owner);
    if (!state) {
      state = { barredUntil: 0, second: 0, usedMs: 0 };
      this.#quickOwners.set(owner, state);
      if (this.#quickOwners.size > QUICK_SCRIPTS_KEPT) this.#quickOwners.delete(this.#quickOwners.keys().next().value!);
    }
    return state;
  }

  #chargeQuick(owner: string, ms: number): void {
    const state = this.#quickOwner(owner);
    const second = Math.floor(Date.now() / 1000);
    if (state.second !== second) {
      state.second = second;
      state.usedMs = 0;
    }
    state.usedMs += ms;
  }

  /** A run that ended on its own: a short one lengthens the script's streak, a long one ends it. */
  #noteRun(streakKey: string, ms: number): void {
    this.#runaways.delete(streakKey);
    if (this.#options.quickSliceMs <= 0) return;
    const streak = ms < QUICK_RUN_MS ? (this.#quickStreaks.get(streakKey) ?? 0) + 1 : 0;
    this.#quickStreaks.delete(streakKey);
    if (streak > 0) this.#quickStreaks.set(streakKey, Math.min(streak, QUICK_STREAK));
    if (this.#quickStreaks.size > QUICK_SCRIPTS_KEPT) this.#quickStreaks.delete(this.#quickStreaks.keys().next().value!);
  }

  #barQuick(owner: string, streakKey: string): void {
    this.#quickStreaks.delete(streakKey);
    this.#quickOwner(owner).barredUntil = Date.now() + QUICK_BAR_MS;
  }

  /** Disposes every isolate; invocations waiting for a turn are refused. */
  close(): void {
    this.#closed = true;
    for (const waiters of this.#waiting.values()) for (const w of waiters.splice(0)) w.reject(new Error('the script sandbox is closed'));
    for (const list of this.#idle.values()) for (const warm of list) warm.dispose();
    this.#idle.clear();
  }

  #mapper(script: ScriptCode): SourceMapper | undefined {
    if (!script.sourceMap) return undefined;
    let mapper = this.#mappers.get(script.hash);
    if (!mapper) {
      mapper = new SourceMapper(script.sourceMap);
      if (this.#mappers.size >= 512) this.#mappers.delete(this.#mappers.keys().next().value!);
      this.#mappers.set(script.hash, mapper);
    }
    return mapper;
  }

  async #load(warm: WarmIsolate, script: ScriptCode, limits: ScriptLimits): Promise<LoadedModule> {
    const cached = warm.modules.get(script.hash);
    if (cached) return cached;
    if (warm.modules.size >= this.#options.maxModulesPerIsolate) {
      const [oldest, module] = warm.modules.entries().next().value!;
      warm.modules.delete(oldest);
      releaseModule(module);
    }
    const { isolate } = warm;
    // Each script gets a context of its own: scripts of one owner never share globals.
    const context = await isolate.createContext();
    const bootstrap = await context.eval(BOOTSTRAP_SOURCE, { reference: true });
    const entries = (await (bootstrap as ivm.Reference<unknown>).apply(undefined, [this.#call, this.#log, this.#clock], { result: { reference: true } })) as ivm.Reference<unknown[]>;
    (bootstrap as ivm.Reference<unknown>).release();
    const [run, quick, settle, wait] = await Promise.all([0, 1, 2, 3].map((i) => entries.get(i, { reference: true }) as Promise<ivm.Reference<unknown>>));
    entries.release();
    const module = await isolate.compileModule(script.code, { filename: SCRIPT_FILE });
    await module.instantiate(context, (specifier) => {
      throw new Error(`scripts cannot import modules ('${specifier}'); use ctx`);
    });
    // isolated-vm's timeout is wall time: a busy machine (or the sandbox process's lower priority)
    // would pass it before the module used its CPU; the watchdog bounds the CPU, this only the wall.
    await module.evaluate({ timeout: limits.wallMs });
    const handler = await module.namespace.get('default', { reference: true });
    const loaded = { context, handler, run: run!, quick: quick!, settle: settle!, wait: wait! };
    warm.modules.set(script.hash, loaded);
    return loaded;
  }

  /** A turn once the script's cool-down (if any) is over; refused at the wall time if it lasts longer. */
  async #turnAfterCoolDown(owner: string, streakKey: string, wallMs: number): Promise<void> {
    const deadline = Date.now() + wallMs;
    for (;;) {
      const cooling = this.#coolingMs(streakKey);
      if (cooling > 0) {
        const left = deadline - Date.now();
        // Refused only once its wall time is up, as a run would have been: a client that sends it
        // again at once gets no faster answer than the run would have given it.
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.min(cooling, left))));
        if (cooling >= left) throw new ScriptLimitError('coolDown', Math.max(1, this.#coolingMs(streakKey)));
      }
      await this.#turnFor(owner, Math.max(1, deadline - Date.now()));
      // Another run of the script may have hit its limit while this one waited for its turn.
      if (this.#coolingMs(streakKey) <= 0) return;
      this.#release(owner);
    }
  }

  #coolingMs(streakKey: string): number {
    const runaway = this.#runaways.get(streakKey);
    return runaway ? Math.max(0, runaway.until - Date.now()) : 0;
  }

  /** A run stopped at its CPU or memory limit after burning `cpuMs`: the script waits a multiple of that. */
  #noteRunaway(streakKey: string, cpuMs: number): void {
    if (this.#options.coolDownMaxMs <= 0) return;
    const now = Date.now();
    const previous = this.#runaways.get(streakKey);
    const hits = previous && now - previous.lastHit < COOL_DOWN_FORGET_MS ? previous.hits + 1 : 1;
    // One run stopped at a limit may be the input's doing (a trigger that loops on one record):
    // the cool-down starts with the second in a row.
    const wait = hits < 2 ? 0 : Math.min(this.#options.coolDownMaxMs, COOL_DOWN_FACTOR * Math.max(10, cpuMs) * 2 ** Math.min(20, hits - 2));
    this.#runaways.delete(streakKey);
    this.#runaways.set(streakKey, { hits, until: now + Math.ceil(wait), lastHit: now });
    if (this.#runaways.size > QUICK_SCRIPTS_KEPT) this.#runaways.delete(this.#runaways.keys().next().value!);
  }

  // The scheduler: a turn per invocation, at most maxRunning at once and maxRunningPerOwner per
  // owner; waiting owners are served in rotation, so one tenant's flood never starves another.
  #turnFor(owner: string, waitMs: number): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('the script sandbox is closed'));
    if (this.#canRun(owner)) {
      this.#start(owner);
      return Promise.resolve();
    }
    const queue = this.#waiting.get(owner) ?? [];
    if (queue.length >= this.#options.maxQueuedPerOwner) return Promise.reject(new ScriptLimitError('concurrency', this.#options.maxQueuedPerOwner));
    this.#waiting.set(owner, queue);
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        owner,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject,
      };
      const timer = setTimeout(() => {
        const list = this.#waiting.get(owner);
        const at = list?.indexOf(waiter) ?? -1;
        if (at >= 0) list!.splice(at, 1);
        // An empty queue would count as someone waiting (the quick path asks).
        if (list?.length === 0) this.#waiting.delete(owner);
        reject(new ScriptLimitError('concurrency', this.#options.maxQueuedPerOwner, `no turn within ${waitMs} ms`));
      }, waitMs);
      queue.push(waiter);
    });
  }

  #canRun(owner: string): boolean {
    return this.#totalRunning < this.#options.maxRunning && (this.#running.get(owner) ?? 0) < this.#options.maxRunningPerOwner;
  }

  #start(owner: string): void {
    this.#totalRunning += 1;
    this.#running.set(owner, (this.#running.get(owner) ?? 0) + 1);
  }

  #release(owner: string): void {
    this.#totalRunning -= 1;
    const left = (this.#running.get(owner) ?? 1) - 1;
    if (left === 0) this.#running.delete(owner);
    else this.#running.set(owner, left);
    const owners = [...this.#waiting.keys()];
    for (let i = 0; i < owners.length && this.#totalRunning < this.#options.maxRunning; i++) {
      const candidate = owners[(this.#turn + i) % owners.length]!;
      const queue = this.#waiting.get(candidate)!;
      if (!this.#canRun(candidate)) continue;
      const next = queue.shift();
      if (queue.length === 0) this.#waiting.delete(candidate);
      if (!next) continue;
      this.#turn = (this.#turn + i + 1) % Math.max(1, owners.length);
      this.#start(candidate);
      next.resolve();
    }
  }

  #checkOut(owner: string, memoryMb: number): WarmIsolate {
    const list = this.#idle.get(owner);
    const at = list?.findIndex((w) => w.memoryMb === memoryMb && !w.isolate.isDisposed) ?? -1;
    if (list && at >= 0) {
      const [warm] = list.splice(at, 1);
      if (list.length === 0) this.#idle.delete(owner);
      return warm!;
    }
    return new WarmIsolate(owner, memoryMb, (key, message) => {
      this.#catastrophes += 1;
      console.error(`sandbox isolate of ${key}: ${message}`);
    });
  }

  #checkIn(warm: WarmIsolate): void {
    if (warm.isolate.isDisposed || this.#closed) {
      warm.dispose();
      return;
    }
    warm.lastUsed = Date.now();
    const list = this.#idle.get(warm.owner) ?? [];
    list.push(warm);
    this.#idle.set(warm.owner, list);
    // Keep at most as many idle isolates per owner as it may run at once, and a bounded total.
    while (list.length > this.#options.maxRunningPerOwner) list.shift()!.dispose();
    let idle = 0;
    for (const l of this.#idle.values()) idle += l.length;
    while (idle > this.#options.maxIdleIsolates) {
      let oldest: { owner: string; index: number; at: number } | undefined;
      for (const [o, l] of this.#idle) l.forEach((w, index) => {
        if (!oldest || w.lastUsed < oldest.at) oldest = { owner: o, index, at: w.lastUsed };
      });
      if (!oldest) break;
      const l = this.#idle.get(oldest.owner)!;
      l.splice(oldest.index, 1)[0]!.dispose();
      if (l.length === 0) this.#idle.delete(oldest.owner);
      idle -= 1;
    }
  }

  #hostLog(token: string, level: string, text: string): void {
    const invocation = this.#invocations.get(token);
    if (!invocation) throw new Error('the invocation has ended');
    invocation.count('logBytes', utf8Length(text));
    invocation.logs.push({ at: new Date().toISOString(), level: level === 'warn' || level === 'error' ? level : 'info', message: invocation.redact(text) });
  }

  async #hostCall(token: string, op: string, argsText: string): Promise<string> {
    const invocation = this.#invocations.get(token);
    if (!invocation) return JSON.stringify({ error: { name: 'ScriptError', message: 'the invocation has ended; its host calls are refused' } });
    try {
      // Checked before it is parsed or sent on to the server: a 90 MB record value cost the server
      // seconds of parsing while every tenant waited.
      if (argsText.length > MAX_HOST_CALL_CHARS) throw badArgument(`a call's arguments are at most ${MAX_HOST_CALL_CHARS / (1024 * 1024)} MB of JSON`);
      const args = parseFromSandbox(argsText);
      if (!Array.isArray(args)) throw new TypeError('host call arguments are a list');
      const call = this.#dispatch(invocation, op, args);
      invocation.inFlight.add(call);
      const value = await call.finally(() => invocation.inFlight.delete(call));
      if (invocation.ended) throw new Error('the invocation has ended; its host calls are refused');
      return JSON.stringify({ value: value ?? null });
    } catch (error) {
      return JSON.stringify({ error: hostErrorOf(error, invocation, this.#onHostError) });
    }
  }

  async #dispatch(invocation: Invocation, op: string, args: unknown[]): Promise<unknown> {
    const { host } = invocation;
    const text = (i: number, what: string): string => {
      const value = args[i];
      if (typeof value !== 'string' || value.length === 0 || value.length > 200) throw badArgument(`${what} must be a non-empty string`);
      return value;
    };
    const object = (i: number, what: string): JsonObject => {
      const value = args[i];
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badArgument(`${what} must be an object`);
      return value as JsonObject;
    };
    switch (op) {
      case 'records.query': {
        invocation.count('queries', 1);
        const query = object(1, 'the query');
        const rows = await host.records.query(text(0, 'the object'), {
          // The REST list filter: JSON, as text or as the object itself.
          ...(typeof query['filter'] === 'string' ? { filter: query['filter'] } : query['filter'] && typeof query['filter'] === 'object' ? { filter: JSON.stringify(query['filter']) } : {}),
          ...(typeof query['sort'] === 'string' ? { sort: query['sort'] } : {}),
          ...(typeof query['limit'] === 'number' ? { limit: query['limit'] } : {}),
        });
        invocation.count('recordsRead', rows.length);
        return rows;
      }
      case 'records.get': {
        invocation.count('queries', 1);
        const row = await host.records.get(text(0, 'the object'), text(1, 'the id'));
        invocation.count('recordsRead', 1);
        return row;
      }
      case 'records.create':
        invocation.count('recordsWritten', 1);
        return host.records.create(text(0, 'the object'), object(1, 'the values'));
      case 'records.update':
        invocation.count('recordsWritten', 1);
        return host.records.update(text(0, 'the object'), text(1, 'the id'), object(2, 'the values'));
      case 'records.delete':
        invocation.count('recordsWritten', 1);
        await host.records.delete(text(0, 'the object'), text(1, 'the id'));
        return null;
      case 'config.get': {
        const setting = await host.config(text(0, 'the setting name'));
        if (setting?.secret && typeof setting.value === 'string') invocation.secrets.add(setting.value);
        return setting?.value;
      }
      case 'http.fetch': {
        invocation.count('outboundCalls', 1);
        if (!host.http) throw new OutboundRefused('this script declared no outbound hosts');
        const request = object(1, 'the request');
        const url = args[0];
        if (typeof url !== 'string' || url.length === 0 || url.length > 2048) throw badArgument('the url must be a string of at most 2048 characters');
        return host.http.fetch(url, request);
      }
      default:
        throw badArgument(`unknown host call '${op}'`);
    }
  }
}

/** A refused outbound request: the script sees why, nothing more. */
export class OutboundRefused extends Error {
  readonly status = 403;
  constructor(message: string) {
    super(message);
    this.name = 'OutboundRefused';
  }
}

function badArgument(message: string): Error & { status: number } {
  return Object.assign(new TypeError(message), { status: 400 });
}

/** What a host error tells the script: its own limit, a 4xx problem's message and fields, else nothing of the host. */
function hostErrorOf(error: unknown, invocation: Invocation, onHostError: (error: unknown) => void): InvocationError & { status?: number } {
  if (error instanceof ScriptLimitError) return { name: error.name, message: error.message, limit: error.limit };
  const status = typeof error === 'object' && error !== null && 'status' in error ? Number((error as { status: unknown }).status) : NaN;
  if (error instanceof Error && status >= 400 && status < 500) {
    const problems = 'errors' in error && Array.isArray(error.errors) ? (error.errors as { field?: unknown; message?: unknown }[]).map((p) => ({ field: String(p.field ?? ''), message: String(p.message ?? '') })) : undefined;
    return { name: error.name === 'Error' || error.name === 'ProblemError' ? 'HostError' : error.name, message: invocation.redact(error.message), status, ...(problems ? { errors: problems } : {}) };
  }
  onHostError(error);
  return { name: 'HostError', message: 'the host could not complete this call', status: 500 };
}

function errorOf(error: unknown, invocation: Invocation, mapper?: SourceMapper): InvocationError {
  if (error instanceof ScriptLimitError) return { name: error.name, message: error.message, limit: error.limit };
  if (error instanceof ScriptRuntimeError) return { name: error.name, message: invocation.redact(error.message), stack: invocation.redact(error.scriptStack) };
  if (error instanceof Error) {
    // Errors out of the isolate carry the script's stack; frames of script.ts are mapped to its source.
    const raw = (error.stack ?? `${error.name}: ${error.message}`)
      .split('\n')
      .filter((line) => !/^\s+at .*(node:|file:\/\/|\/node_modules\/|<isolated-vm)/.test(line))
      .join('\n');
    const stack = mapper ? mapper.mapStack(raw, SCRIPT_FILE) : raw;
    const fieldErrors = (error as { errors?: unknown }).errors;
    const errors = Array.isArray(fieldErrors) ? fieldErrors.map((p: { field?: unknown; message?: unknown }) => ({ field: String(p?.field ?? ''), message: invocation.redact(String(p?.message ?? '')) })) : undefined;
    // A limit is named only when the invocation hit it: a script may throw any error it likes,
    // `{ limit: 'memory' }` included, which must not pass for the platform's verdict.
    const limit = (error as { limit?: unknown }).limit;
    const hit = typeof limit === 'string' && invocation.failure?.limit === limit;
    return {
      name: error.name,
      message: invocation.redact(error.message),
      stack: invocation.redact(stack),
      ...(hit ? { limit: limit as LimitName } : {}),
      ...(errors ? { errors } : {}),
    };
  }
  return { name: 'Error', message: invocation.redact(String(error)) };
}

function cpuMsOf(isolate: ivm.Isolate, start: bigint): number {
  try {
    return Number(isolate.cpuTime - start) / 1e6;
  } catch {
    return 0;
  }
}

function heapOf(isolate: ivm.Isolate): number {
  try {
    const stats = isolate.getHeapStatisticsSync();
    return stats.used_heap_size + stats.externally_allocated_size;
  } catch {
    return 0;
  }
}

// isolated-vm crashes the whole process when Node's startup snapshot is on, so refuse early.
function assertNoNodeSnapshot(): void {
  const flags = [...process.execArgv, ...(process.env['NODE_OPTIONS'] ?? '').split(/\s+/)];
  if (!flags.includes('--no-node-snapshot')) throw new Error('isolated-vm needs Node started with --no-node-snapshot');
}
