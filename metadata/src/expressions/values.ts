/** A calendar date, as days since 1970-01-01. */
export class DateValue {
  readonly day: number;
  constructor(day: number) {
    this.day = day;
  }
  toString(): string {
    const d = new Date(this.day * 86_400_000);
    if (Number.isNaN(d.getTime())) return 'invalid date';
    // Past the year 9999 or before 0000 the year has six digits and a sign: the date is all before the T.
    const iso = d.toISOString();
    return iso.slice(0, iso.indexOf('T'));
  }
}

/** An instant, as milliseconds since the epoch. */
export class DateTimeValue {
  readonly ms: number;
  constructor(ms: number) {
    this.ms = ms;
  }
  toString(): string {
    const d = new Date(this.ms);
    return Number.isNaN(d.getTime()) ? 'invalid date-time' : d.toISOString();
  }
}

/** A length of time in milliseconds. */
export class DurationValue {
  readonly ms: number;
  constructor(ms: number) {
    this.ms = ms;
  }
  toString(): string {
    return `${this.ms / 1000}s`;
  }
}

export type Value = null | boolean | number | string | DateValue | DateTimeValue | DurationValue | readonly Value[];

const dayMs = 86_400_000;

/**
 * Milliseconds of a UTC date and time, as `Date.UTC` gives them but without its reading of the
 * years 0 to 99 as 1900 to 1999 (`date(50, 1, 1)` was 1950).
 */
export function utc(year: number, monthIndex: number, day: number, hour = 0, minute = 0, second = 0): number {
  const d = new Date(0);
  d.setUTCFullYear(year, monthIndex, day);
  d.setUTCHours(hour, minute, second, 0);
  return d.getTime();
}

/** The days and instants a date or date-time field holds: the years 0001 to 9999. */
const FIRST_MS = utc(1, 0, 1);
const AFTER_LAST_MS = utc(10_000, 0, 1);

/** Whether a value is, or holds, a date or an instant that no date or date-time field can hold. */
export function outsideFieldYears(value: Value): boolean {
  if (value instanceof DateValue) return !(value.day * dayMs >= FIRST_MS && value.day * dayMs < AFTER_LAST_MS);
  if (value instanceof DateTimeValue) return !(value.ms >= FIRST_MS && value.ms < AFTER_LAST_MS);
  return Array.isArray(value) && value.some(outsideFieldYears);
}

export function parseDate(text: string): DateValue | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return null;
  const ms = utc(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const back = new Date(ms);
  if (back.getUTCDate() !== Number(m[3]) || back.getUTCMonth() !== Number(m[2]) - 1) return null;
  return new DateValue(Math.round(ms / dayMs));
}

export function parseDateTime(text: string): DateTimeValue | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : new DateTimeValue(ms);
}

/** CEL durations: "1h30m", "90s", "1.5h", "250ms"; days ("2d") too, as 24 hours. */
export function parseDuration(text: string): DurationValue | null {
  const units: Record<string, number> = { d: dayMs, h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
  const re = /(-?\d+(?:\.\d+)?)(ms|d|h|m|s)/y;
  let total = 0;
  let i = 0;
  if (text.length === 0) return null;
  while (i < text.length) {
    re.lastIndex = i;
    const m = re.exec(text);
    if (!m) return null;
    total += Number(m[1]) * units[m[2]!]!;
    i = re.lastIndex;
  }
  return new DurationValue(total);
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    if (formatters.size > 100) formatters.clear();
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall-clock parts of an instant in a time zone. */
export function zonedParts(ms: number, timeZone: string): { year: number; month: number; day: number; hour: number; minute: number; second: number } {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return { year: parts['year']!, month: parts['month']!, day: parts['day']!, hour: parts['hour']!, minute: parts['minute']!, second: parts['second']! };
}

/** The date an instant falls on in a time zone. */
export function dateInZone(ms: number, timeZone: string): DateValue {
  const p = zonedParts(ms, timeZone);
  return new DateValue(Math.round(utc(p.year, p.month - 1, p.day) / dayMs));
}

/** Midnight of a date in a time zone, as an instant. */
export function startOfDayInZone(date: DateValue, timeZone: string): DateTimeValue {
  const utcMidnight = date.day * dayMs;
  // The zone's offset at that moment, applied twice to settle across a DST change.
  let guess = utcMidnight;
  for (let i = 0; i < 2; i++) {
    const p = zonedParts(guess, timeZone);
    const wall = utc(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
    guess = utcMidnight - (wall - guess);
  }
  return new DateTimeValue(guess);
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

export function civil(date: DateValue): { year: number; month: number; day: number; weekday: number } {
  const d = new Date(date.day * dayMs);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), weekday: d.getUTCDay() };
}

export function fromCivil(year: number, month: number, day: number): DateValue {
  return new DateValue(Math.round(utc(year, month - 1, day) / dayMs));
}

/** Adds months keeping the day, clamped to the month's last day (Jan 31 + 1 month = Feb 28/29). */
export function addMonths(date: DateValue, months: number): DateValue {
  const c = civil(date);
  const total = c.year * 12 + (c.month - 1) + Math.trunc(months);
  const year = Math.floor(total / 12);
  const month = (total % 12) + 1;
  const last = new Date(utc(year, month, 0)).getUTCDate();
  return fromCivil(year, month, Math.min(c.day, last));
}

/** Whole months from a to b (negative when b is earlier), as ages and tenures count them. */
export function monthsBetween(a: DateValue, b: DateValue): number {
  const x = civil(a);
  const y = civil(b);
  let months = (y.year - x.year) * 12 + (y.month - x.month);
  if (months > 0 && y.day < x.day) months--;
  if (months < 0 && y.day > x.day) months++;
  return months;
}

export function valuesEqual(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  if (a instanceof DateValue) return b instanceof DateValue && a.day === b.day;
  if (a instanceof DateTimeValue) return b instanceof DateTimeValue && a.ms === b.ms;
  if (a instanceof DurationValue) return b instanceof DurationValue && a.ms === b.ms;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => valuesEqual(v, (b as readonly Value[])[i]!));
  }
  return false;
}

/** Orders two non-null values of one comparable type. */
export function compareValues(a: Value, b: Value): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  if (a instanceof DateValue && b instanceof DateValue) return a.day - b.day;
  if ((a instanceof DateTimeValue || a instanceof DurationValue) && (b instanceof DateTimeValue || b instanceof DurationValue)) return a.ms - b.ms;
  return NaN;
}

/** An expression value → the API form of a field value (dates as YYYY-MM-DD, instants as ISO 8601). */
export function toApiValue(value: Value): unknown {
  if (value instanceof DateValue || value instanceof DateTimeValue) return value.toString();
  if (value instanceof DurationValue) return value.ms;
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  if (Array.isArray(value)) return value.map(toApiValue);
  return value;
}

export function displayValue(value: Value): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map(displayValue).join(', ')}]`;
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}
