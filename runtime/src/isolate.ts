import ivm from 'isolated-vm';

// isolated-vm crashes the whole process when Node's startup snapshot is on, so we refuse
// early with a message instead of letting the first isolate take the server down.
function assertNoNodeSnapshot(): void {
  const flags = [...process.execArgv, ...(process.env['NODE_OPTIONS'] ?? '').split(/\s+/)];
  if (!flags.includes('--no-node-snapshot')) {
    throw new Error('isolated-vm needs Node started with --no-node-snapshot');
  }
}

export interface IsolateRunOptions {
  /** Heap limit of the isolate in MB (isolated-vm's minimum is 8). */
  memoryLimitMb?: number;
  /** Wall-clock limit for the snippet in milliseconds. */
  timeoutMs?: number;
}

export type IsolateLimit = 'timeout' | 'memory';

/** A snippet was stopped because it went past one of its limits; the host process is unharmed. */
export class IsolateLimitError extends Error {
  readonly limit: IsolateLimit;
  constructor(limit: IsolateLimit, message: string) {
    super(message);
    this.name = 'IsolateLimitError';
    this.limit = limit;
  }
}

export const DEFAULT_MEMORY_LIMIT_MB = 32;
export const DEFAULT_TIMEOUT_MS = 1000;

/**
 * Evaluates `code` as a classic script in a fresh isolate with no Node APIs and returns the value
 * of its last expression, copied out of the isolate (so it must be structured-cloneable).
 * The isolate is disposed afterwards; pooling comes with the script runtime.
 */
export async function runInIsolate(code: string, options: IsolateRunOptions = {}): Promise<unknown> {
  assertNoNodeSnapshot();
  const memoryLimitMb = options.memoryLimitMb ?? DEFAULT_MEMORY_LIMIT_MB;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const isolate = new ivm.Isolate({ memoryLimit: memoryLimitMb });
  try {
    const context = await isolate.createContext();
    const script = await isolate.compileScript(code);
    return await script.run(context, { timeout: timeoutMs, copy: true });
  } catch (error) {
    // isolated-vm reports both limits as plain Errors; the isolate's state tells them apart.
    if (isolate.isDisposed) {
      throw new IsolateLimitError('memory', `script exceeded its memory limit of ${memoryLimitMb} MB`);
    }
    if (error instanceof Error && /timed out/i.test(error.message)) {
      throw new IsolateLimitError('timeout', `script exceeded its time limit of ${timeoutMs} ms`);
    }
    throw error;
  } finally {
    if (!isolate.isDisposed) isolate.dispose();
  }
}
