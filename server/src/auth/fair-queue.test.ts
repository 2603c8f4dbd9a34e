import { describe, expect, it, vi } from 'vitest';
import { FairQueue, QueueFull } from './fair-queue.ts';

/** A task that runs until released, recording when it started. */
function gate(started: string[], name: string) {
  let release!: () => void;
  const done = new Promise<void>((resolve) => (release = resolve));
  return { task: () => (started.push(name), done), release };
}

describe('FairQueue', () => {
  it('keeps a slot for another key while one key has a burst waiting', async () => {
    const queue = new FairQueue({ concurrency: 2, perKey: 1, maxWaitingPerKey: 100 });
    const started: string[] = [];
    const burst = Array.from({ length: 50 }, (_, i) => gate(started, `a${i}`));
    const runs = burst.map((g) => queue.run('a', g.task));
    const other = gate(started, 'b');
    const run = queue.run('b', other.task);
    expect(started).toEqual(['a0', 'b']);
    other.release();
    await run;
    burst[0]!.release();
    await vi.waitFor(() => expect(started).toEqual(['a0', 'b', 'a1']));
    for (const g of burst) g.release();
    await Promise.all(runs);
    expect(started.length).toBe(51);
  });

  it('takes turns between keys when both have work waiting', async () => {
    const queue = new FairQueue({ concurrency: 1, perKey: 1, maxWaitingPerKey: 100 });
    const started: string[] = [];
    const gates = ['a0', 'a1', 'a2', 'b0', 'b1'].map((name) => ({ name, ...gate(started, name) }));
    const runs = gates.map((g) => queue.run(g.name[0]!, g.task));
    for (const g of gates) g.release();
    await Promise.all(runs);
    // a1 queued before b0 arrived; from then on the keys alternate.
    expect(started).toEqual(['a0', 'a1', 'b0', 'a2', 'b1']);
  });

  it('refuses a task when its key already has as many waiting as it may', async () => {
    const queue = new FairQueue({ concurrency: 1, perKey: 1, maxWaitingPerKey: 2 });
    const started: string[] = [];
    const gates = [0, 1, 2].map((i) => gate(started, `a${i}`));
    const runs = gates.map((g) => queue.run('a', g.task));
    await expect(queue.run('a', async () => undefined)).rejects.toBeInstanceOf(QueueFull);
    const other = queue.run('b', async () => 'b ran');
    for (const g of gates) g.release();
    await Promise.all(runs);
    await expect(other).resolves.toBe('b ran');
  });
});
