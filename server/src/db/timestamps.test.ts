import { describe, expect, it } from 'vitest';
import { timestampToIso } from './timestamps.ts';

describe('timestamps from Postgres', () => {
  it('become the ISO strings the API returns, whatever the fraction or zone', () => {
    expect(timestampToIso('2026-11-25 22:21:57.123456+00')).toBe('2026-11-25T22:21:57.123Z');
    expect(timestampToIso('2026-11-25 22:21:57.5+00')).toBe('2026-11-25T22:21:57.500Z');
    expect(timestampToIso('2026-11-25 22:21:57+00')).toBe('2026-11-25T22:21:57.000Z');
    expect(timestampToIso('2026-11-25 23:21:57.25+01')).toBe('2026-11-25T22:21:57.250Z');
  });
});
