// Runs bench/lib/load.ts (autocannon) in a process of its own for one load, bounded in time: a load
// that does not end within its duration plus a minute (five minutes for a counted load) is killed.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { LoadResult, LoadSpec } from './load.ts';

const LOAD_SCRIPT = join(import.meta.dirname, 'load.ts');
const ROOT = resolve(import.meta.dirname, '../..');

/** The load's result; `specFile` is where its spec is written for the load process to read. */
export async function runLoad(spec: LoadSpec, specFile: string, label: string): Promise<LoadResult> {
  writeFileSync(specFile, JSON.stringify(spec));
  const child = spawn(process.execPath, [LOAD_SCRIPT, specFile], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const limitMs = (spec.amount ? 300 : spec.duration + 60) * 1000;
  const timer = setTimeout(() => child.pid && process.kill(child.pid, 'SIGKILL'), limitMs);
  const code = await new Promise<number | null>((done) => child.on('exit', done));
  clearTimeout(timer);
  if (code !== 0) throw new Error(`load ${label} failed (${code}): ${err.slice(-2000)}`);
  return JSON.parse(out.trim().split('\n').pop()!) as LoadResult;
}
