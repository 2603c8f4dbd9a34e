import { describe, expect, it } from 'vitest';
import { daysOnInZone } from './zone-dates.ts';

describe('a date some days on in a time zone', () => {
  it('counts calendar days across changes of daylight saving time', () => {
    // 00:30 on 31 October 2026 in New York (EDT): two days on is 2 November, past the 25-hour day.
    expect(daysOnInZone('America/New_York', 2, new Date('2026-10-31T04:30:00Z'))).toBe('2026-11-02');
    // 23:30 on 7 March 2026 (EST): a day on is 8 March, the 23-hour day.
    expect(daysOnInZone('America/New_York', 1, new Date('2026-03-08T04:30:00Z'))).toBe('2026-03-08');
    expect(daysOnInZone('America/New_York', 0, new Date('2026-03-08T04:30:00Z'))).toBe('2026-03-07');
  });

  it('takes the day where the zone is, across months and years', () => {
    expect(daysOnInZone('Pacific/Kiritimati', 1, new Date('2026-12-31T10:30:00Z'))).toBe('2027-01-02');
    expect(daysOnInZone('Pacific/Pago_Pago', 0, new Date('2026-03-01T05:00:00Z'))).toBe('2026-02-28');
    expect(daysOnInZone('UTC', 365, new Date('2028-01-01T00:00:00Z'))).toBe('2028-12-31');
  });
});
