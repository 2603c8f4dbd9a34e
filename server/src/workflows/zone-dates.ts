const dayFormats = new Map<string, Intl.DateTimeFormat>();

/**
 * The calendar date `days` after the day it is at `now` in `zone`, as `YYYY-MM-DD`: days are
 * counted on the calendar, not as 24-hour spans, so a day of 23 or 25 hours (a change of
 * daylight saving time) neither skips nor repeats a date.
 */
export function dateInZone(zone: string, days: number, now = new Date()): string {
  let format = dayFormats.get(zone);
  if (!format) dayFormats.set(zone, (format = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' })));
  const [year, month, day] = format.format(now).split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
}
