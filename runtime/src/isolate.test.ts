import { describe, expect, it } from 'vitest';
import { IsolateLimitError, runInIsolate } from './isolate.ts';

describe('runInIsolate', () => {
  it('loads isolated-vm under Node 24 and returns the value of the snippet', async () => {
    expect(process.versions.node.split('.')[0]).toBe('24');
    await expect(runInIsolate('const xs = [1, 2, 3]; ({ sum: xs.reduce((a, b) => a + b, 0) })')).resolves.toEqual({ sum: 6 });
  });

  it('gives the snippet no Node APIs', async () => {
    await expect(runInIsolate('[typeof require, typeof process, typeof globalThis.fetch]')).resolves.toEqual(['undefined', 'undefined', 'undefined']);
  });

  it('stops an infinite loop at the timeout and the process carries on', async () => {
    const started = Date.now();
    const error = await runInIsolate('while (true) {}', { timeoutMs: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IsolateLimitError);
    expect((error as IsolateLimitError).limit).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(5000);
    await expect(runInIsolate('40 + 2')).resolves.toBe(42);
  });

  it('stops unbounded allocation at the memory limit and the process carries on', async () => {
    const error = await runInIsolate('const xs = []; while (true) xs.push(new Array(1e5).fill(xs.length));', { memoryLimitMb: 16, timeoutMs: 20_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IsolateLimitError);
    expect((error as IsolateLimitError).limit).toBe('memory');
    await expect(runInIsolate('"still alive"')).resolves.toBe('still alive');
  });

  it('passes errors thrown by the snippet through unchanged', async () => {
    await expect(runInIsolate('throw new TypeError("bad input")')).rejects.toThrow('bad input');
  });
});
