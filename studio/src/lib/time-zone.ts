// Date-times are shown in the user's time zone (their setting, else the browser's), so they are
// also edited in it: a datetime-local input holds wall-clock time, which these convert from and
// to an instant in a named zone rather than in the browser's own.
import { utc } from '@protean/metadata/expressions';

const formats = new Map<string, Intl.DateTimeFormat>();

/** How far `zone`'s wall clock is ahead of UTC at `at`, in milliseconds. */
function offsetAt(at: number, zone: string): number {
  let format = formats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formats.set(zone, format);
  }
  const part = Object.fromEntries(format.formatToParts(new Date(at)).map((p) => [p.type, Number(p.value)]));
  // Not Date.UTC, which reads the years 0 to 99 as 1900 to 1999.
  const wall = utc(part['year']!, part['month']! - 1, part['day']!, part['hour']!, part['minute']!, part['second']!);
  return wall - (at - (((at % 1000) + 1000) % 1000));
}

/** An ISO instant as `YYYY-MM-DDTHH:mm` on `zone`'s wall clock ('' for no or a bad value). */
export function toZoneInput(iso: unknown, zone: string): string {
  if (typeof iso !== 'string' || !iso) return '';
  const at = new Date(iso).getTime();
  if (Number.isNaN(at)) return '';
  return new Date(at + offsetAt(at, zone)).toISOString().slice(0, 16);
}

/**
 * `YYYY-MM-DDTHH:mm` on `zone`'s wall clock as an ISO instant (null for no or a bad value). Around
 * a clock change it reads as a calendar app does: a time the clock skips is taken with the offset
 * from before the change (02:30 becomes 03:30 when clocks go 02:00 -> 03:00), and a time that
 * happens twice is the first of the two.
 */
export function fromZoneInput(local: string, zone: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(local)) return null;
  const wall = Date.parse(`${local.length === 16 ? `${local}:00` : local}Z`);
  if (Number.isNaN(wall)) return null;
  const day = 86_400_000;
  // Zones change their offset at most once within a day: the offsets a day before and after bracket it.
  const before = offsetAt(wall - day, zone);
  const after = offsetAt(wall + day, zone);
  const valid = [wall - before, wall - after].filter((at, i) => offsetAt(at, zone) === (i === 0 ? before : after));
  return new Date(valid.length ? Math.min(...valid) : wall - before).toISOString();
}
