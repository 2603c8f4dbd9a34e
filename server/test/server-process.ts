import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
  /** SIGKILL: no shutdown, no flush — a crash. */
  kill(): Promise<void>;
}

/**
 * Starts `server/src/main.ts` as a process of its own on a free port of 127.0.0.1, against `databaseUrl`.
 * Its job leases are short (3 s, as workflow-crash.test.ts sets them): its queue claims due jobs of
 * every tenant on the database the test files share, and a test that kills it (a crash) would
 * otherwise leave another file's claimed jobs waiting out the production lease of 30 s.
 */
export async function startServerProcess(databaseUrl: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, [join(root, 'scripts', 'node24.mjs'), '--no-node-snapshot', join(root, 'server', 'src', 'main.ts')], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: '0', HOST: '127.0.0.1', PROTEAN_DEMO: '0', PROTEAN_PASSWORD_COST: 'test', PROTEAN_OPERATOR_TOKEN: 'op-test-process', PROTEAN_JOB_LEASE_MS: '3000', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /running at (http:\/\/[^\s]+)/.exec(output);
      if (match) resolve(match[1]!);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`server exited (${String(code)}) before it was running:\n${output}`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    url,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
