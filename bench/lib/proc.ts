// Child processes of the benchmark: started with this very Node binary (so the PID we hold is
// the server itself, not a launcher), logged to a file, stopped by PID with a bounded wait.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadResult, LoadSpec } from './load.ts';
import { runLoad } from './run-load.ts';

export interface Child {
  name: string;
  pid: number;
  log: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function startNode(name: string, args: string[], env: Record<string, string>, log: string, cwd: string): Child {
  const fd = openSync(log, 'w');
  const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  if (!child.pid) throw new Error(`${name} did not start`);
  const pid = child.pid;
  let exited = false;
  child.on('exit', () => (exited = true));
  return {
    name,
    pid,
    log,
    process: child,
    async stop() {
      if (exited) return;
      process.kill(pid, 'SIGTERM');
      for (let i = 0; i < 100 && !exited; i++) await sleep(100); // at most 10 s
      if (!exited) {
        process.kill(pid, 'SIGKILL');
        for (let i = 0; i < 50 && !exited; i++) await sleep(100);
      }
    },
  };
}

/** Polls `url` until it answers 2xx; fails with the child's log tail when it exits or the time is up. */
export async function waitForHttp(child: Child, url: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.process.exitCode !== null || child.process.signalCode !== null) throw new Error(`${child.name} exited:\n${tail(child.log)}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  throw new Error(`${child.name} not ready at ${url} after ${timeoutMs} ms:\n${tail(child.log)}`);
}

export function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Resident set size of a process in MB, from /proc/<pid>/status (VmRSS). */
export function rssMb(pid: number): number | null {
  try {
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 1024) : null;
  } catch {
    return null;
  }
}

export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Stops every child; one that fails to stop is reported and the rest are still stopped. */
export async function stopAll(children: ReadonlySet<Child>): Promise<void> {
  for (const child of children) {
    await child.stop().catch((error: unknown) => process.stderr.write(`could not stop ${child.name}: ${String(error)}\n`));
  }
}

/**
 * Runs a bench's main: the child processes it started are stopped on Ctrl-C, and a failure is
 * written to stderr with the tail of each child's log, and sets the exit code.
 */
export async function runMain(main: () => Promise<void>, children: ReadonlySet<Child>): Promise<void> {
  process.on('SIGINT', () => {
    void stopAll(children).then(() => process.exit(130));
  });
  await main().catch((error: unknown) => {
    // The children's last lines say what they saw; main's finally may have stopped them since.
    for (const child of children) process.stderr.write(`--- ${child.name} log tail ---\n${tail(child.log)}\n`);
    process.stderr.write(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
}

/**
 * What a bench that reports to a file shares: its run folder under bench/.data, the child
 * processes it started (stopped by runMain on Ctrl-C), a log to stderr, and the report's lines,
 * printed as they come and kept in `out` to be written at the end.
 */
export function benchRun(name: string, root: string) {
  const runDir = join(root, 'bench', '.data', `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(runDir, { recursive: true });
  const children = new Set<Child>();
  const out: string[] = [];
  return {
    runDir,
    children,
    out,
    log: (message: string) => process.stderr.write(`[${name} ${new Date().toISOString().slice(11, 19)}] ${message}\n`),
    say: (line = '') => {
      out.push(line);
      process.stdout.write(`${line}\n`);
    },
    /** A bounded load whose spec and result stay in the run folder; a non-2xx answer or an error fails the bench. */
    async load(spec: LoadSpec, label: string): Promise<LoadResult> {
      const result = await runLoad(spec, join(runDir, `load-${label}.json`), label);
      if (result.non2xx > 0 || result.errors > 0) throw new Error(`load ${label}: ${result.non2xx} non-2xx, ${result.errors} errors`);
      return result;
    },
    /** A node process whose output goes to `<name>.log` in the run folder. */
    startChild(childName: string, args: string[], env: Record<string, string> = {}, cwd = root): Child {
      const child = startNode(childName, args, env, join(runDir, `${childName}.log`), cwd);
      children.add(child);
      return child;
    },
  };
}
