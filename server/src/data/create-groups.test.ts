import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CreateGroups, STALLED_AFTER_MS } from './create-groups.ts';

type Draft = { id: string };

/** A statement the test finishes by hand: each call waits until `finish` answers it. */
function statements() {
  const calls: { ids: string[]; finish: (rows: Draft[] | Error) => void }[] = [];
  const write = (drafts: Draft[]) =>
    new Promise<Draft[]>((resolve, reject) => calls.push({ ids: drafts.map((d) => d.id), finish: (rows) => (rows instanceof Error ? reject(rows) : resolve(rows)) }));
  return { calls, write };
}

const drafts = (...ids: string[]) => ids.map((id) => ({ id }));

describe('CreateGroups', () => {
  // The clock only moves when a test moves it: a statement counts as held up at a time the test chooses.
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('sends a lone create at once, and the creates that arrive while it is in flight together in the next statement', async () => {
    const groups = new CreateGroups<Draft, Draft>();
    const { calls, write } = statements();
    const answers = drafts('a', 'b', 'c', 'd').map((d) => groups.submit('k', d, write));
    expect(calls.map((c) => c.ids)).toEqual([['a']]);
    calls[0]!.finish(drafts('a'));
    await expect(answers[0]).resolves.toEqual({ id: 'a' });
    expect(calls.map((c) => c.ids)).toEqual([['a'], ['b', 'c', 'd']]);
    const later = groups.submit('k', { id: 'e' }, write);
    calls[1]!.finish(drafts('d', 'b', 'c'));
    expect(await Promise.all(answers)).toEqual(drafts('a', 'b', 'c', 'd'));
    expect(calls.map((c) => c.ids)).toEqual([['a'], ['b', 'c', 'd'], ['e']]);
    calls[2]!.finish(drafts('e'));
    await expect(later).resolves.toEqual({ id: 'e' });
  });

  it('carries at most 100 creates a statement; the rest go in the next', async () => {
    const groups = new CreateGroups<Draft, Draft>();
    const { calls, write } = statements();
    const ids = Array.from({ length: 151 }, (_, n) => `r${n}`);
    const answers = ids.map((id) => groups.submit('k', { id }, write));
    calls[0]!.finish(drafts('r0'));
    await answers[0];
    expect(calls.map((c) => c.ids.length)).toEqual([1, 100]);
    calls[1]!.finish(drafts(...calls[1]!.ids));
    await answers[100];
    expect(calls.map((c) => c.ids.length)).toEqual([1, 100, 50]);
    calls[2]!.finish(drafts(...calls[2]!.ids));
    expect((await Promise.all(answers)).map((r) => r?.id)).toEqual(ids);
  });

  it('lets the queue go in another statement when the one in flight is held up, up to four at once', () => {
    const groups = new CreateGroups<Draft, Draft>();
    const { calls, write } = statements();
    void groups.submit('k', { id: 'a' }, write);
    void groups.submit('k', { id: 'b' }, write);
    vi.advanceTimersByTime(STALLED_AFTER_MS - 1);
    expect(calls.map((c) => c.ids)).toEqual([['a']]);
    vi.advanceTimersByTime(1);
    expect(calls.map((c) => c.ids)).toEqual([['a'], ['b']]);
    // The newest statement is not held up yet: the next create waits for it as long.
    void groups.submit('k', { id: 'c' }, write);
    expect(calls).toHaveLength(2);
    vi.advanceTimersByTime(STALLED_AFTER_MS);
    for (const id of ['d', 'e']) void groups.submit('k', { id }, write);
    vi.advanceTimersByTime(STALLED_AFTER_MS);
    expect(calls.map((c) => c.ids)).toEqual([['a'], ['b'], ['c'], ['d', 'e']]);
    void groups.submit('k', { id: 'f' }, write);
    vi.advanceTimersByTime(10 * STALLED_AFTER_MS);
    expect(calls).toHaveLength(4);
  });

  it('sends the queue at once when a statement ends while the others in flight are held up', async () => {
    const groups = new CreateGroups<Draft, Draft>();
    const { calls, write } = statements();
    void groups.submit('k', { id: 'a' }, write);
    void groups.submit('k', { id: 'b' }, write);
    vi.advanceTimersByTime(STALLED_AFTER_MS);
    const c = groups.submit('k', { id: 'c' }, write);
    calls[1]!.finish(drafts('b'));
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.map((call) => call.ids)).toEqual([['a'], ['b'], ['c']]);
    calls[2]!.finish(drafts('c'));
    await expect(c).resolves.toEqual({ id: 'c' });
  });

  it('keeps creates of other keys apart', () => {
    const groups = new CreateGroups<Draft, Draft>();
    const { calls, write } = statements();
    for (const [key, id] of [['t1', 'a'], ['t1', 'b'], ['t2', 'c'], ['t1', 'd'], ['t2', 'e']] as const) void groups.submit(key, { id }, write);
    expect(calls.map((c) => c.ids)).toEqual([['a'], ['c']]);
  });

  it('answers nothing to each create of a group its statement did not write, so each goes its own way', async () => {
    const groups = new CreateGroups<Draft, Draft>();
    const { calls, write } = statements();
    const answers = drafts('a', 'b', 'c', 'd', 'e').map((d) => groups.submit('k', d, write));
    calls[0]!.finish(drafts('a'));
    await answers[0];
    expect(calls.map((c) => c.ids)).toEqual([['a'], ['b', 'c', 'd', 'e']]);
    calls[1]!.finish([]);
    expect(await Promise.all(answers.slice(1))).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('answers nothing to each create of a failed group, and passes a lone create its error', async () => {
    const groups = new CreateGroups<Draft, Draft>();
    const { calls, write } = statements();
    const answers = drafts('a', 'b', 'c').map((d) => groups.submit('k', d, write));
    calls[0]!.finish(new Error('lone'));
    await expect(answers[0]).rejects.toThrow('lone');
    expect(calls.map((c) => c.ids)).toEqual([['a'], ['b', 'c']]);
    calls[1]!.finish(new Error('grouped'));
    expect(await Promise.all(answers.slice(1))).toEqual([undefined, undefined]);
    const after = groups.submit('k', { id: 'd' }, write);
    expect(calls.map((c) => c.ids)).toEqual([['a'], ['b', 'c'], ['d']]);
    calls[2]!.finish(drafts('d'));
    await expect(after).resolves.toEqual({ id: 'd' });
  });
});
