import { dateInZone } from '@protean/metadata';

/**
 * The calendar date `days` after the day it is at `now` in `zone`, as `YYYY-MM-DD`: days are
 * counted on the calendar, not as 24-hour spans, so a day of 23 or 25 hours (a change of
 * daylight saving time) neither skips nor repeats a date.
 */
export function daysOnInZone(zone: string, days: number, now = new Date()): string {
  const today = dateInZone(now.getTime(), zone);
  return new Date((today.day + days) * 86_400_000).toISOString().slice(0, 10);
}
