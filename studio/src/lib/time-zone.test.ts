import { describe, expect, it } from 'vitest';
import { fromZoneInput, toZoneInput } from './time-zone.ts';

describe('date-times on a time zone’s wall clock', () => {
  it('shows an instant as the zone’s clock reads it, whatever the browser’s zone', () => {
    expect(toZoneInput('2099-01-01T02:30:00Z', 'Asia/Shanghai')).toBe('2099-01-01T10:30');
    expect(toZoneInput('2099-01-01T02:30:00Z', 'America/New_York')).toBe('2098-12-31T21:30');
    expect(toZoneInput('2026-07-01T12:00:00.500Z', 'Europe/Berlin')).toBe('2026-07-01T14:00');
    expect(toZoneInput('', 'UTC')).toBe('');
    expect(toZoneInput('not a date', 'UTC')).toBe('');
  });

  it('reads what was typed on the zone’s clock back as the instant, across summer time', () => {
    expect(fromZoneInput('2099-01-01T10:30', 'Asia/Shanghai')).toBe('2099-01-01T02:30:00.000Z');
    expect(fromZoneInput('2026-01-15T09:00', 'America/New_York')).toBe('2026-01-15T14:00:00.000Z');
    expect(fromZoneInput('2026-07-15T09:00', 'America/New_York')).toBe('2026-07-15T13:00:00.000Z');
    // 02:30 does not exist on 8 March 2026 in New York (clocks go 02:00 -> 03:00).
    expect(fromZoneInput('2026-03-08T02:30', 'America/New_York')).toBe('2026-03-08T07:30:00.000Z');
    // 01:30 happens twice on 1 November 2026 (clocks go 02:00 -> 01:00): the first one.
    expect(fromZoneInput('2026-11-01T01:30', 'America/New_York')).toBe('2026-11-01T05:30:00.000Z');
    for (const iso of ['2026-03-08T06:59:00.000Z', '2026-03-08T07:00:00.000Z', '2026-11-01T05:30:00.000Z', '2026-11-01T07:00:00.000Z', '2099-06-30T23:59:00.000Z']) {
      expect(fromZoneInput(toZoneInput(iso, 'America/New_York'), 'America/New_York')).toBe(iso);
    }
    expect(fromZoneInput('', 'UTC')).toBeNull();
    expect(fromZoneInput('2026-13-45T99:00', 'UTC')).toBeNull();
  });

  it('keeps the years 1 to 99 as typed', () => {
    // Before time zones, Shanghai kept its local mean time, 8:05:43 ahead.
    expect(toZoneInput('0050-06-01T12:00:00.000Z', 'Asia/Shanghai')).toBe('0050-06-01T20:05');
    expect(toZoneInput('0050-06-01T12:00:00.000Z', 'UTC')).toBe('0050-06-01T12:00');
    expect(fromZoneInput('0050-06-01T12:00', 'UTC')).toBe('0050-06-01T12:00:00.000Z');
  });
});
