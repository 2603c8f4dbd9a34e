import { expressionLimits } from './limits.ts';
import { T, type ExprType } from './types.ts';
import {
  addMonths,
  civil,
  dateInZone,
  DateTimeValue,
  DateValue,
  DurationValue,
  fromCivil,
  monthsBetween,
  parseDate,
  parseDateTime,
  parseDuration,
  startOfDayInZone,
  utc,
  valuesEqual,
  zonedParts,
  type Value,
} from './values.ts';

/** What a function sees at run time besides its arguments. */
export interface CallContext {
  now: number;
  timeZone: string;
  today(): DateValue;
  fail(message: string): never;
}

/** A parameter: a type kind, `time` (date or datetime), `list`, or `any`. */
export type Param = 'string' | 'number' | 'bool' | 'date' | 'datetime' | 'duration' | 'time' | 'list' | 'any';

export interface Overload {
  params: readonly Param[];
  /** The last parameter repeats (min, max, coalesce). */
  variadic?: true;
  result: ExprType | ((args: readonly ExprType[]) => ExprType);
  /** Null arguments reach `run` (otherwise any null argument makes the result null). */
  takesNull?: true;
  run(args: readonly Value[], ctx: CallContext): Value;
}

export interface FunctionDef {
  name: string;
  /** `global`: f(x); `method`: x.f(); `both`: either spelling. */
  style: 'global' | 'method' | 'both';
  /** How the studio's editor shows it, and the group it is listed under. */
  signature: string;
  group: 'text' | 'number' | 'date' | 'picklist' | 'null' | 'validation' | 'conversion';
  summary: string;
  overloads: readonly Overload[];
  /** Static cost beyond the 1 every call costs. */
  cost?: number;
}

const str = (v: Value) => v as string;
const num = (v: Value) => v as number;
const dayMs = 86_400_000;

function limitText(text: string, ctx: CallContext): string {
  if (text.length > expressionLimits.maxTextLength) ctx.fail(`text longer than ${expressionLimits.maxTextLength} characters`);
  return text;
}

function finite(n: number, ctx: CallContext): number {
  if (!Number.isFinite(n)) ctx.fail('the result is not a finite number');
  return n;
}

function timeParts(v: Value, ctx: CallContext) {
  if (v instanceof DateValue) return { ...civil(v), hour: 0, minute: 0, second: 0 };
  const p = zonedParts((v as DateTimeValue).ms, ctx.timeZone);
  const weekday = new Date(utc(p.year, p.month - 1, p.day)).getUTCDay();
  return { ...p, weekday };
}

function shiftTime(v: Value, days: number, months: number): Value {
  if (v instanceof DateValue) return months ? addMonths(new DateValue(v.day + days), months) : new DateValue(v.day + days);
  const dt = v as DateTimeValue;
  if (!months) return new DateTimeValue(dt.ms + days * dayMs);
  const moved = addMonths(new DateValue(Math.floor(dt.ms / dayMs)), months);
  const timeOfDay = dt.ms - Math.floor(dt.ms / dayMs) * dayMs;
  return new DateTimeValue(moved.day * dayMs + timeOfDay + days * dayMs);
}

function asDate(v: Value, ctx: CallContext): DateValue {
  return v instanceof DateValue ? v : dateInZone((v as DateTimeValue).ms, ctx.timeZone);
}

function round(n: number, digits: number): number {
  const f = 10 ** Math.max(0, Math.min(10, Math.trunc(digits)));
  // Half away from zero, as people round money; EPSILON absorbs binary fractions (1.005).
  return (Math.sign(n) * Math.round(Math.abs(n) * f * (1 + Number.EPSILON))) / f;
}

const sameAsFirst = (args: readonly ExprType[]) => args.find((a) => a.kind !== 'null') ?? T.null;

export const functions: readonly FunctionDef[] = [
  // text
  { name: 'size', style: 'both', group: 'text', signature: 'size(text | list) → number', summary: 'Characters of a text, or items of a list.', overloads: [
    { params: ['string'], result: T.number, run: ([s]) => [...str(s!)].length },
    { params: ['list'], result: T.number, run: ([l]) => (l as readonly Value[]).length },
  ] },
  { name: 'contains', style: 'method', group: 'text', signature: 'text.contains(part) → bool', summary: 'Whether the text contains the part.', overloads: [
    { params: ['string', 'string'], result: T.bool, run: ([s, p]) => str(s!).includes(str(p!)) },
  ] },
  { name: 'startsWith', style: 'method', group: 'text', signature: 'text.startsWith(prefix) → bool', summary: 'Whether the text starts with the prefix.', overloads: [
    { params: ['string', 'string'], result: T.bool, run: ([s, p]) => str(s!).startsWith(str(p!)) },
  ] },
  { name: 'endsWith', style: 'method', group: 'text', signature: 'text.endsWith(suffix) → bool', summary: 'Whether the text ends with the suffix.', overloads: [
    { params: ['string', 'string'], result: T.bool, run: ([s, p]) => str(s!).endsWith(str(p!)) },
  ] },
  { name: 'lower', style: 'both', group: 'text', signature: 'text.lower() → text', summary: 'The text in lower case.', overloads: [
    { params: ['string'], result: T.string, run: ([s]) => str(s!).toLowerCase() },
  ] },
  { name: 'upper', style: 'both', group: 'text', signature: 'text.upper() → text', summary: 'The text in upper case.', overloads: [
    { params: ['string'], result: T.string, run: ([s]) => str(s!).toUpperCase() },
  ] },
  { name: 'lowerAscii', style: 'method', group: 'text', signature: 'text.lowerAscii() → text', summary: 'CEL spelling of lower().', overloads: [
    { params: ['string'], result: T.string, run: ([s]) => str(s!).toLowerCase() },
  ] },
  { name: 'upperAscii', style: 'method', group: 'text', signature: 'text.upperAscii() → text', summary: 'CEL spelling of upper().', overloads: [
    { params: ['string'], result: T.string, run: ([s]) => str(s!).toUpperCase() },
  ] },
  { name: 'trim', style: 'both', group: 'text', signature: 'text.trim() → text', summary: 'The text without leading and trailing spaces.', overloads: [
    { params: ['string'], result: T.string, run: ([s]) => str(s!).trim() },
  ] },
  { name: 'substring', style: 'method', group: 'text', signature: 'text.substring(start, end?) → text', summary: 'Characters from start (0-based) up to end.', overloads: [
    { params: ['string', 'number'], result: T.string, run: ([s, a]) => [...str(s!)].slice(Math.max(0, Math.trunc(num(a!)))).join('') },
    { params: ['string', 'number', 'number'], result: T.string, run: ([s, a, b]) => [...str(s!)].slice(Math.max(0, Math.trunc(num(a!))), Math.max(0, Math.trunc(num(b!)))).join('') },
  ] },
  { name: 'left', style: 'global', group: 'text', signature: 'left(text, n) → text', summary: 'The first n characters.', overloads: [
    { params: ['string', 'number'], result: T.string, run: ([s, n]) => [...str(s!)].slice(0, Math.max(0, Math.trunc(num(n!)))).join('') },
  ] },
  { name: 'right', style: 'global', group: 'text', signature: 'right(text, n) → text', summary: 'The last n characters.', overloads: [
    { params: ['string', 'number'], result: T.string, run: ([s, n]) => { const n2 = Math.max(0, Math.trunc(num(n!))); return n2 === 0 ? '' : [...str(s!)].slice(-n2).join(''); } },
  ] },
  { name: 'indexOf', style: 'method', group: 'text', signature: 'text.indexOf(part) → number', summary: 'Where the part first occurs (0-based), or -1.', overloads: [
    { params: ['string', 'string'], result: T.number, run: ([s, p]) => str(s!).indexOf(str(p!)) },
  ] },
  { name: 'replace', style: 'method', group: 'text', signature: 'text.replace(old, new) → text', summary: 'The text with every occurrence of old replaced.', cost: 5, overloads: [
    { params: ['string', 'string', 'string'], result: T.string, run: ([s, a, b], ctx) => limitText(str(a!) === '' ? str(s!) : str(s!).split(str(a!)).join(str(b!)), ctx) },
  ] },
  { name: 'text', style: 'global', group: 'conversion', signature: 'text(value) → text', summary: 'Any value as text (dates as YYYY-MM-DD).', overloads: [
    { params: ['any'], result: T.string, run: ([v]) => (Array.isArray(v) ? v.map(String).join(', ') : String(v)) },
  ] },
  { name: 'string', style: 'global', group: 'conversion', signature: 'string(value) → text', summary: 'CEL spelling of text().', overloads: [
    { params: ['any'], result: T.string, run: ([v]) => (Array.isArray(v) ? v.map(String).join(', ') : String(v)) },
  ] },
  // numbers
  { name: 'abs', style: 'global', group: 'number', signature: 'abs(n) → number', summary: 'The absolute value.', overloads: [
    { params: ['number'], result: T.number, run: ([n]) => Math.abs(num(n!)) },
  ] },
  { name: 'floor', style: 'global', group: 'number', signature: 'floor(n) → number', summary: 'Rounded down.', overloads: [
    { params: ['number'], result: T.number, run: ([n]) => Math.floor(num(n!)) },
  ] },
  { name: 'ceil', style: 'global', group: 'number', signature: 'ceil(n) → number', summary: 'Rounded up.', overloads: [
    { params: ['number'], result: T.number, run: ([n]) => Math.ceil(num(n!)) },
  ] },
  { name: 'round', style: 'global', group: 'number', signature: 'round(n, digits?) → number', summary: 'Rounded half away from zero, to digits decimals.', overloads: [
    { params: ['number'], result: T.number, run: ([n]) => round(num(n!), 0) },
    { params: ['number', 'number'], result: T.number, run: ([n, d]) => round(num(n!), num(d!)) },
  ] },
  { name: 'int', style: 'global', group: 'conversion', signature: 'int(value) → number', summary: 'A number or numeric text, truncated to a whole number.', overloads: [
    { params: ['number'], result: T.number, run: ([n]) => Math.trunc(num(n!)) },
    { params: ['string'], result: T.number, run: ([s], ctx) => { const n = Number(str(s!).trim()); if (str(s!).trim() === '' || !Number.isFinite(n)) ctx.fail(`"${str(s!)}" is not a number`); return Math.trunc(n); } },
  ] },
  { name: 'double', style: 'global', group: 'conversion', signature: 'double(value) → number', summary: 'A numeric text as a number.', overloads: [
    { params: ['number'], result: T.number, run: ([n]) => num(n!) },
    { params: ['string'], result: T.number, run: ([s], ctx) => { const n = Number(str(s!).trim()); if (str(s!).trim() === '' || !Number.isFinite(n)) ctx.fail(`"${str(s!)}" is not a number`); return n; } },
  ] },
  { name: 'sqrt', style: 'global', group: 'number', signature: 'sqrt(n) → number', summary: 'The square root.', overloads: [
    { params: ['number'], result: T.number, run: ([n], ctx) => { if (num(n!) < 0) ctx.fail('square root of a negative number'); return Math.sqrt(num(n!)); } },
  ] },
  { name: 'pow', style: 'global', group: 'number', signature: 'pow(base, exponent) → number', summary: 'base raised to exponent.', overloads: [
    { params: ['number', 'number'], result: T.number, run: ([a, b], ctx) => finite(num(a!) ** num(b!), ctx) },
  ] },
  { name: 'min', style: 'global', group: 'number', signature: 'min(a, b, …) → same type', summary: 'The smallest of numbers, dates or times (nulls skipped).', overloads: [
    { params: ['number', 'number'], variadic: true, takesNull: true, result: sameAsFirst, run: (args) => pick(args, (a, b) => a < b) },
    { params: ['time', 'time'], variadic: true, takesNull: true, result: sameAsFirst, run: (args) => pick(args, (a, b) => timeKey(a) < timeKey(b)) },
  ] },
  { name: 'max', style: 'global', group: 'number', signature: 'max(a, b, …) → same type', summary: 'The largest of numbers, dates or times (nulls skipped).', overloads: [
    { params: ['number', 'number'], variadic: true, takesNull: true, result: sameAsFirst, run: (args) => pick(args, (a, b) => a > b) },
    { params: ['time', 'time'], variadic: true, takesNull: true, result: sameAsFirst, run: (args) => pick(args, (a, b) => timeKey(a) > timeKey(b)) },
  ] },
  // dates and durations
  { name: 'today', style: 'global', group: 'date', signature: 'today() → date', summary: "Today's date in the tenant's time zone.", overloads: [
    { params: [], result: T.date, run: (_a, ctx) => ctx.today() },
  ] },
  { name: 'now', style: 'global', group: 'date', signature: 'now() → datetime', summary: 'The current instant.', overloads: [
    { params: [], result: T.datetime, run: (_a, ctx) => new DateTimeValue(ctx.now) },
  ] },
  { name: 'date', style: 'global', group: 'date', signature: "date('YYYY-MM-DD') | date(y, m, d) | date(datetime) → date", summary: "A date from text, parts, or an instant (in the tenant's time zone).", overloads: [
    { params: ['string'], result: T.date, run: ([s], ctx) => parseDate(str(s!)) ?? ctx.fail(`"${str(s!)}" is not a date (YYYY-MM-DD)`) },
    { params: ['number', 'number', 'number'], result: T.date, run: ([y, m, d], ctx) => { const v = fromCivil(num(y!), num(m!), num(d!)); if (civil(v).day !== num(d!) || civil(v).month !== num(m!)) ctx.fail('no such date'); return v; } },
    { params: ['datetime'], result: T.date, run: ([v], ctx) => asDate(v!, ctx) },
    { params: ['date'], result: T.date, run: ([v]) => v! },
  ] },
  { name: 'datetime', style: 'global', group: 'date', signature: "datetime('2024-05-01T09:00:00Z') | datetime(date) → datetime", summary: "An instant from ISO 8601 text, or a date's midnight in the tenant's time zone.", overloads: [
    { params: ['string'], result: T.datetime, run: ([s], ctx) => parseDateTime(str(s!)) ?? ctx.fail(`"${str(s!)}" is not an ISO 8601 date-time with a zone`) },
    { params: ['date'], result: T.datetime, run: ([d], ctx) => startOfDayInZone(d as DateValue, ctx.timeZone) },
  ] },
  { name: 'timestamp', style: 'global', group: 'date', signature: "timestamp('…') → datetime", summary: 'CEL spelling of datetime(text).', overloads: [
    { params: ['string'], result: T.datetime, run: ([s], ctx) => parseDateTime(str(s!)) ?? ctx.fail(`"${str(s!)}" is not an ISO 8601 date-time with a zone`) },
  ] },
  { name: 'duration', style: 'global', group: 'date', signature: "duration('1h30m') → duration", summary: 'A duration from text (d, h, m, s, ms).', overloads: [
    { params: ['string'], result: T.duration, run: ([s], ctx) => parseDuration(str(s!)) ?? ctx.fail(`"${str(s!)}" is not a duration (e.g. 1h30m)`) },
  ] },
  { name: 'days', style: 'global', group: 'date', signature: 'days(n) → duration', summary: 'A duration of n days.', overloads: [
    { params: ['number'], result: T.duration, run: ([n]) => new DurationValue(num(n!) * dayMs) },
  ] },
  { name: 'hours', style: 'global', group: 'date', signature: 'hours(n) → duration', summary: 'A duration of n hours.', overloads: [
    { params: ['number'], result: T.duration, run: ([n]) => new DurationValue(num(n!) * 3_600_000) },
  ] },
  { name: 'minutes', style: 'global', group: 'date', signature: 'minutes(n) → duration', summary: 'A duration of n minutes.', overloads: [
    { params: ['number'], result: T.duration, run: ([n]) => new DurationValue(num(n!) * 60_000) },
  ] },
  { name: 'inDays', style: 'method', group: 'date', signature: 'duration.inDays() → number', summary: 'The duration in days (with fraction).', overloads: [
    { params: ['duration'], result: T.number, run: ([d]) => (d as DurationValue).ms / dayMs },
  ] },
  { name: 'inHours', style: 'method', group: 'date', signature: 'duration.inHours() → number', summary: 'The duration in hours (with fraction).', overloads: [
    { params: ['duration'], result: T.number, run: ([d]) => (d as DurationValue).ms / 3_600_000 },
  ] },
  { name: 'inMinutes', style: 'method', group: 'date', signature: 'duration.inMinutes() → number', summary: 'The duration in minutes (with fraction).', overloads: [
    { params: ['duration'], result: T.number, run: ([d]) => (d as DurationValue).ms / 60_000 },
  ] },
  { name: 'year', style: 'method', group: 'date', signature: 'date.year() → number', summary: "The year (instants in the tenant's time zone).", overloads: [
    { params: ['time'], result: T.number, run: ([v], ctx) => timeParts(v!, ctx).year },
  ] },
  { name: 'month', style: 'method', group: 'date', signature: 'date.month() → number', summary: 'The month, 1–12.', overloads: [
    { params: ['time'], result: T.number, run: ([v], ctx) => timeParts(v!, ctx).month },
  ] },
  { name: 'day', style: 'method', group: 'date', signature: 'date.day() → number', summary: 'The day of the month, 1–31.', overloads: [
    { params: ['time'], result: T.number, run: ([v], ctx) => timeParts(v!, ctx).day },
  ] },
  { name: 'dayOfWeek', style: 'method', group: 'date', signature: 'date.dayOfWeek() → number', summary: 'The weekday, 0 = Sunday … 6 = Saturday.', overloads: [
    { params: ['time'], result: T.number, run: ([v], ctx) => timeParts(v!, ctx).weekday },
  ] },
  { name: 'hour', style: 'method', group: 'date', signature: 'datetime.hour() → number', summary: "The hour, 0–23, in the tenant's time zone.", overloads: [
    { params: ['datetime'], result: T.number, run: ([v], ctx) => timeParts(v!, ctx).hour },
  ] },
  { name: 'addDays', style: 'global', group: 'date', signature: 'addDays(date, n) → date', summary: 'The date or instant n days later (earlier when negative).', overloads: [
    { params: ['time', 'number'], result: sameAsFirst, run: ([v, n]) => shiftTime(v!, Math.trunc(num(n!)), 0) },
  ] },
  { name: 'addMonths', style: 'global', group: 'date', signature: 'addMonths(date, n) → date', summary: 'n months later, clamped to the last day of the month.', overloads: [
    { params: ['time', 'number'], result: sameAsFirst, run: ([v, n]) => shiftTime(v!, 0, Math.trunc(num(n!))) },
  ] },
  { name: 'addYears', style: 'global', group: 'date', signature: 'addYears(date, n) → date', summary: 'n years later (Feb 29 becomes Feb 28).', overloads: [
    { params: ['time', 'number'], result: sameAsFirst, run: ([v, n]) => shiftTime(v!, 0, Math.trunc(num(n!)) * 12) },
  ] },
  { name: 'daysBetween', style: 'global', group: 'date', signature: 'daysBetween(from, to) → number', summary: 'Whole calendar days from one date to another (negative when to is earlier).', overloads: [
    { params: ['time', 'time'], result: T.number, run: ([a, b], ctx) => asDate(b!, ctx).day - asDate(a!, ctx).day },
  ] },
  { name: 'monthsBetween', style: 'global', group: 'date', signature: 'monthsBetween(from, to) → number', summary: 'Whole months from one date to another.', overloads: [
    { params: ['time', 'time'], result: T.number, run: ([a, b], ctx) => monthsBetween(asDate(a!, ctx), asDate(b!, ctx)) },
  ] },
  { name: 'yearsBetween', style: 'global', group: 'date', signature: 'yearsBetween(from, to) → number', summary: 'Whole years from one date to another (an age: yearsBetween(birthDate, today())).', overloads: [
    { params: ['time', 'time'], result: T.number, run: ([a, b], ctx) => Math.trunc(monthsBetween(asDate(a!, ctx), asDate(b!, ctx)) / 12) },
  ] },
  // picklists and lists
  { name: 'includes', style: 'both', group: 'picklist', signature: "includes(multiPicklist, 'value') → bool", summary: 'Whether a multi-select picklist (or list) holds the value.', overloads: [
    { params: ['list', 'any'], result: T.bool, takesNull: true, run: ([l, v]) => l !== null && (l as readonly Value[]).some((x) => valuesEqual(x, v!)) },
  ] },
  // null handling
  { name: 'isNull', style: 'global', group: 'null', signature: 'isNull(value) → bool', summary: 'Whether the value is empty (null).', overloads: [
    { params: ['any'], result: T.bool, takesNull: true, run: ([v]) => v === null },
  ] },
  { name: 'isBlank', style: 'global', group: 'null', signature: 'isBlank(value) → bool', summary: 'Whether the value is null, blank text or an empty list.', overloads: [
    { params: ['any'], result: T.bool, takesNull: true, run: ([v]) => v === null || (typeof v === 'string' && v.trim() === '') || (Array.isArray(v) && v.length === 0) },
  ] },
  { name: 'coalesce', style: 'global', group: 'null', signature: 'coalesce(a, b, …) → same type', summary: 'The first argument that is not null.', overloads: [
    { params: ['any', 'any'], variadic: true, takesNull: true, result: sameAsFirst, run: (args) => args.find((a) => a !== null) ?? null },
  ] },
  { name: 'orValue', style: 'method', group: 'null', signature: 'value.orValue(fallback) → same type', summary: 'The value, or the fallback when it is null.', overloads: [
    { params: ['any', 'any'], takesNull: true, result: sameAsFirst, run: ([v, f]) => (v === null ? f! : v!) },
  ] },
];

function timeKey(v: Value): number {
  return v instanceof DateValue ? v.day * dayMs : (v as DateTimeValue).ms;
}

function pick(args: readonly Value[], better: (a: never, b: never) => boolean): Value {
  let best: Value = null;
  for (const a of args) {
    if (a === null) continue;
    if (best === null || better(a as never, best as never)) best = a;
  }
  return best;
}

export const functionsByName: ReadonlyMap<string, FunctionDef> = new Map(functions.map((f) => [f.name, f]));

/** Functions only the checker can type (they name fields or depend on the context): listed for the editor. */
export const specialFunctions: readonly Pick<FunctionDef, 'name' | 'signature' | 'group' | 'summary'>[] = [
  { name: 'isNew', signature: 'isNew() → bool', group: 'validation', summary: 'Whether the record is being created (validation rules and layout rules).' },
  { name: 'isChanged', signature: 'isChanged(field) → bool', group: 'validation', summary: 'Whether this save changes the field (validation rules).' },
  { name: 'priorValue', signature: 'priorValue(field) → field type', group: 'validation', summary: 'The value before this save; null on create (validation rules).' },
  { name: 'matches', signature: "text.matches('regex') → bool", group: 'text', summary: 'Whether the text matches a regular expression (a literal pattern).' },
];
