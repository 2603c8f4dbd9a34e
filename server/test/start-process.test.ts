import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyPgliteTemplate } from '../../scripts/test-pglite-template.ts';

const root = join(import.meta.dirname, '..', '..');

/** The pids whose parent is `pid`, read from /proc. */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        // Field 4 (after the parenthesised command name) is the parent pid.
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe.skipIf(process.platform !== 'linux')('starting the server', () => {
  it('under Node 24, scripts/node24.mjs becomes the server itself: one process, no wrapper', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'protean-start-'));
    // The run's migrated data folder: what is tested is the process tree, not migrating from nothing.
    copyPgliteTemplate(dataDir);
    const child = spawn(process.execPath, [join(root, 'scripts', 'node24.mjs'), '--no-node-snapshot', join(root, 'server', 'src', 'main.ts')], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: '', PORT: '0', HOST: '127.0.0.1', PROTEAN_DATA_DIR: dataDir, PROTEAN_DEMO: '0', PROTEAN_PASSWORD_COST: 'test', PROTEAN_STUDIO_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let output = '';
      await new Promise<void>((resolve, reject) => {
        const onData = (chunk: Buffer) => {
          output += chunk.toString();
          if (/running at .*\n/.test(output)) resolve();
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
        child.on('error', reject);
        child.on('exit', (code) => reject(new Error(`exited (${String(code)}) before it was running:\n${output}`)));
      });
      const cmdline = readFileSync(`/proc/${child.pid!}/cmdline`, 'utf8').split('\0');
      // The pid we started is the server, not a launcher waiting for it.
      expect(cmdline.some((arg) => arg.endsWith(join('server', 'src', 'main.ts')))).toBe(true);
      expect(cmdline.some((arg) => arg.endsWith('node24.mjs'))).toBe(false);
      expect(childrenOf(child.pid!)).toEqual([]);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
