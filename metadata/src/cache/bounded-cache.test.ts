import { describe, expect, it } from 'vitest';
import { BoundedCache } from './bounded-cache.ts';

describe('BoundedCache', () => {
  it('evicts the least recently used entry once full, telling the owner', () => {
    const evicted: string[] = [];
    const cache = new BoundedCache<string, number>(2, (key) => evicted.push(key));
    cache.set('a', 1).set('b', 2);
    cache.get('a');
    cache.set('c', 3);
    expect([...['a', 'b', 'c'].map((k) => cache.has(k))]).toEqual([true, false, true]);
    expect(evicted).toEqual(['b']);
    expect(cache.size).toBe(2);
  });

  it('creates a missing value once and reuses it', () => {
    const cache = new BoundedCache<string, object>(10);
    let made = 0;
    const make = () => ({ n: ++made });
    expect(cache.getOrCreate('k', make)).toBe(cache.getOrCreate('k', make));
    expect(made).toBe(1);
  });

  it('drops every entry of one tenant at once', () => {
    const cache = new BoundedCache<string, number>(10);
    cache.set('t1:1', 1).set('t1:2', 2).set('t2:1', 3);
    expect(cache.deleteWhere((k) => k.startsWith('t1:'))).toBe(2);
    expect(cache.size).toBe(1);
  });

  it('refuses a capacity below one', () => {
    expect(() => new BoundedCache(0)).toThrow(RangeError);
  });
});
