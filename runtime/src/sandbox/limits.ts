/**
 * What one invocation may use. The first three are enforced on the isolate (its heap, the CPU it
 * burns, the time it takes); the governor limits count calls through the host API.
 */
export interface ScriptLimits {
  /** What the isolate the invocation runs in may add to the server's memory, in MB (heap, young generation, buffers). */
  memoryMb: number;
  /** CPU time the script's own code may burn, in ms (time waiting on the host does not count). */
  cpuMs: number;
  /** Wall time from start to result, in ms, host calls included. */
  wallMs: number;
  /** ctx.records.query and ctx.records.get calls. */
  queries: number;
  /** Records returned by queries and gets. */
  recordsRead: number;
  /** Records created, updated or deleted. */
  recordsWritten: number;
  /** ctx.http.fetch calls. */
  outboundCalls: number;
  /** Bytes written through ctx.log. */
  logBytes: number;
}

export type GovernorLimit = 'queries' | 'recordsRead' | 'recordsWritten' | 'outboundCalls' | 'logBytes';
/** Every limit an invocation can hit, by the name its error carries. */
export type LimitName = 'memory' | 'cpuTime' | 'wallTime' | GovernorLimit | 'concurrency' | 'coolDown' | 'outputSize' | 'triggerDepth';

export const DEFAULT_LIMITS: Readonly<ScriptLimits> = Object.freeze({
  memoryMb: 32,
  cpuMs: 200,
  wallMs: 5_000,
  queries: 100,
  recordsRead: 5_000,
  recordsWritten: 200,
  outboundCalls: 20,
  logBytes: 64 * 1024,
});

/**
 * Inside a write transaction a script holds the transaction open. On PGlite (one connection) that
 * holds every tenant's writes, so before-save triggers get a tight bound there (ADR 0014).
 */
export const TRANSACTION_LIMITS: Readonly<Record<'pglite' | 'postgres', Partial<ScriptLimits>>> = Object.freeze({
  pglite: { cpuMs: 50, wallMs: 250, queries: 10, recordsRead: 200, recordsWritten: 10, outboundCalls: 0 },
  postgres: { cpuMs: 100, wallMs: 1_000, queries: 20, recordsRead: 1_000, recordsWritten: 50, outboundCalls: 0 },
});

export function limitsWith(...overrides: (Partial<ScriptLimits> | undefined)[]): ScriptLimits {
  return Object.assign({}, DEFAULT_LIMITS, ...overrides.filter(Boolean)) as ScriptLimits;
}

const UNITS: Record<LimitName, string> = {
  memory: 'MB of memory',
  cpuTime: 'ms of CPU time',
  wallTime: 'ms of wall time',
  queries: 'queries',
  recordsRead: 'records read',
  recordsWritten: 'records written',
  outboundCalls: 'outbound calls',
  logBytes: 'bytes of log',
  concurrency: 'invocations waiting for this tenant',
  coolDown: 'ms of cool-down',
  outputSize: 'bytes of result',
  triggerDepth: 'nested trigger levels',
};

/** An invocation went past one of its limits; `limit` names which. The server and other tenants are unharmed. */
export class ScriptLimitError extends Error {
  readonly limit: LimitName;
  readonly max: number;

  constructor(limit: LimitName, max: number, detail?: string) {
    const what =
      limit === 'coolDown'
        ? `script is cooling down: its last runs kept exceeding their CPU or memory limit, and it may run again in ${max} ms`
        : `script exceeded its ${limit} limit (at most ${max} ${UNITS[limit]})`;
    super(`${what}${detail ? `: ${detail}` : ''}`);
    this.name = 'ScriptLimitError';
    this.limit = limit;
    this.max = max;
  }
}

/** The script threw (or returned something that cannot cross the boundary); the stack points at source lines. */
export class ScriptRuntimeError extends Error {
  readonly scriptStack: string;
  /** Field errors a before-save script refused the save with, or a host error's problems. */
  readonly errors: readonly { field: string; message: string }[] | undefined;

  constructor(name: string, message: string, scriptStack: string, errors?: readonly { field: string; message: string }[]) {
    super(message);
    this.name = name;
    this.scriptStack = scriptStack;
    this.errors = errors;
  }
}
