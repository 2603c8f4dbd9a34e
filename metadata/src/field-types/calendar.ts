/**
 * Real calendar checks for dates and date-times. `Date.parse` rolls 2024-02-30 over to March 1
 * and Postgres then refuses it, so each component is checked and the date round-tripped.
 * Years 0001–9999 only: Postgres has no year 0, and ISO text past 9999 needs a sign.
 */
const datePattern = /^(\d{4})-(\d{2})-(\d{2})$/;
// What record values and filter values alike accept: RFC 3339 (a space for the T too) with the
// seconds optional and the offset's colon too (ISO 8601), never an offset of hours alone, which
// Date cannot read (such a value was stored as sent, outside the UTC form that sorts by time).
const dateTimePattern = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?([Zz]|[+-](\d{2}):?(\d{2}))$/;

export const MIN_YEAR = 1;
export const MAX_YEAR = 9999;

/** 'YYYY-MM-DD' naming a day that exists, in years 0001–9999. */
export function isCalendarDate(text: string): boolean {
  const match = datePattern.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (year < MIN_YEAR || month < 1 || month > 12 || day < 1) return false;
  const probe = new Date(0);
  probe.setUTCFullYear(year, month - 1, day);
  return probe.getUTCFullYear() === year && probe.getUTCMonth() === month - 1 && probe.getUTCDate() === day;
}

/** ISO 8601 with a zone, naming a real instant whose UTC year is 0001–9999. */
export function isCalendarDateTime(text: string): boolean {
  const match = dateTimePattern.exec(text);
  if (!match || !isCalendarDate(match[1]!)) return false;
  const [hour, minute, second] = [Number(match[2]), Number(match[3]), Number(match[4] ?? 0)];
  if (hour > 23 || minute > 59 || second > 59) return false;
  if (match[6] !== undefined && (Number(match[6]) > 23 || Number(match[7]) > 59)) return false;
  const instant = Date.parse(text);
  if (Number.isNaN(instant)) return false;
  const utcYear = new Date(instant).getUTCFullYear();
  return utcYear >= MIN_YEAR && utcYear <= MAX_YEAR;
}

/**
 * For record values: ajv's formats check the calendar but accept year 0000, and a zone can move
 * the first or last day out of range (a positive offset on 0001-01-01, a negative one on 9999-12-31).
 */
export const datePatternInRange = '^(?!0000)';
export const dateTimePatternInRange = '^(?!0000-|0001-01-01[Tt ].*\\+(?!00:?00$)|9999-12-31[Tt ][^-]*-(?!00:?00$))';
