import { describe, expect, it } from 'vitest';
import { TriggerBreaker } from './trigger-breaker.ts';

describe('the trigger breaker', () => {
  it('lets an automation fire on a record up to its limit in a window, then skips it until the window ends, saying so once', () => {
    const warnings: string[] = [];
    const breaker = new TriggerBreaker({ limit: 3, windowMs: 1000, warn: (m) => warnings.push(m) });
    const a = { id: 'a', label: 'sync_a' };
    const fired = [0, 1, 2, 3, 4].map((i) => breaker.allow(a, 'r1', 10_000 + i));
    expect(fired).toEqual([true, true, true, false, false]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("'sync_a' fired 3 times on record r1");
    // Another record, another automation: counted apart.
    expect(breaker.allow(a, 'r2', 10_005)).toBe(true);
    expect(breaker.allow({ id: 'b', label: 'sync_b' }, 'r1', 10_005)).toBe(true);
    // A new window.
    expect(breaker.allow(a, 'r1', 11_000)).toBe(true);
  });
});
