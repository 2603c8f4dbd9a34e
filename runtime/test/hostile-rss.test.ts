import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const probe = fileURLToPath(new URL('./fixtures/rss-probe.ts', import.meta.url));

/** Starts another Node process that runs one hostile script, and reads what it measured. */
function measure(memoryMb: number, kind: string): Promise<{ baseline: number; peak: number; limit: string | null; afterOk: boolean }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--no-node-snapshot', probe, String(memoryMb), kind], { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${error.message} (exit ${String(error.code)}, signal ${String(error.signal)}, killed ${String(error.killed)})\n${stdout}\n${stderr}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop()!) as { baseline: number; peak: number; limit: string | null; afterOk: boolean });
    });
  });
}

describe('a hostile script’s footprint on the server process', () => {
  for (const kind of ['arrays', 'strings', 'buffers']) {
    it(`raises RSS by at most the isolate's limit plus 10 % (${kind})`, { timeout: 60_000 }, async () => {
      const memoryMb = 64;
      const result = await measure(memoryMb, kind);
      expect(result.limit).toBe('memory');
      expect(result.afterOk).toBe(true);
      const grownMb = (result.peak - result.baseline) / (1024 * 1024);
      expect(grownMb).toBeLessThanOrEqual(memoryMb * 1.1);
    });
  }
});
