import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const probe = fileURLToPath(new URL('./fixtures/rss-probe.ts', import.meta.url));

interface Footprint {
  baseline: number;
  peak: number;
}
interface Measured {
  server: Footprint;
  sandbox: Footprint;
  limit: string | null;
  error: string | null;
  afterOk: boolean;
  restarts: number;
}

/** Starts a server-side process (with its sandbox process) that runs one hostile script, and reads what it measured. */
function measure(memoryMb: number, kind: string): Promise<Measured> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--no-node-snapshot', probe, String(memoryMb), kind], { timeout: 120_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${error.message} (exit ${String(error.code)}, signal ${String(error.signal)}, killed ${String(error.killed)})\n${stdout}\n${stderr}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop()!) as Measured);
    });
  });
}

const mb = (f: Footprint) => (f.peak - f.baseline) / (1024 * 1024);

describe('a hostile script’s footprint', () => {
  for (const kind of ['arrays', 'strings', 'buffers']) {
    it(`stays in the sandbox process, within the isolate's limit plus 10 %, and the server's RSS barely moves (${kind})`, { timeout: 120_000 }, async () => {
      const memoryMb = 64;
      const result = await measure(memoryMb, kind);
      expect(result.limit, result.error ?? '').toBe('memory');
      expect(result.afterOk).toBe(true);
      expect(mb(result.sandbox)).toBeLessThanOrEqual(memoryMb * 1.1);
      // The server only passes messages: a few MB of noise at most, nothing of the script's heap.
      expect(mb(result.server)).toBeLessThanOrEqual(8);
    });
  }
});
