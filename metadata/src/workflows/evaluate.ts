import type { ConditionCompiler } from './expression-conditions.ts';
import type { Duration, WorkflowCondition } from './workflow-schemas.ts';

/**
 * What a run's conditions and templates see: `record` (the trigger record's values by API name,
 * with id, owner and timestamps), `previous` (before an update), `vars`, `input` (manual and
 * webhook triggers), `trigger` (event facts) and `steps.<id>` (each finished step's output).
 */
export type RunScope = Record<string, unknown>;

/** The value at `a.b.c` in the scope; undefined when any part is missing. */
export function valueAt(scope: RunScope, path: string): unknown {
  let current: unknown = scope;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(current, part)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

const empty = (v: unknown) => v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (empty(a) && empty(b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i]));
  if (typeof a === 'number' || typeof b === 'number') return Number(a) === Number(b) && !empty(a) && !empty(b);
  return false;
}

function order(a: unknown, b: unknown): number | undefined {
  if (empty(a) || empty(b)) return undefined;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const na = Number(a);
  const nb = Number(b);
  if (typeof a !== 'string' || typeof b !== 'string') return Number.isNaN(na) || Number.isNaN(nb) ? undefined : na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Evaluates a condition; "changed" compares `record` with `previous` (an update's before). An
 * expression condition runs through `compile` (the trigger object's compiled expressions) over
 * `record`, with `previous` as the prior record (absent on create: `isChanged` holds, `priorValue` is null).
 */
export function evaluateCondition(condition: WorkflowCondition, scope: RunScope, compile?: ConditionCompiler, timeZone?: string): boolean {
  if ('expression' in condition) {
    if (!compile) throw new Error('an expression condition needs the workspace model to be evaluated');
    const record = (scope['record'] ?? {}) as Record<string, unknown>;
    const previous = scope['previous'] as Record<string, unknown> | undefined;
    // today() and the formulas computed on read that the expression reads are the workspace's day, as a read of the record shows them.
    return compile(condition.expression).test({ record, prior: previous ?? null, ...(timeZone ? { timeZone } : {}) });
  }
  if ('all' in condition) return condition.all.every((c) => evaluateCondition(c, scope, compile, timeZone));
  if ('any' in condition) return condition.any.some((c) => evaluateCondition(c, scope, compile, timeZone));
  if ('not' in condition) return !evaluateCondition(condition.not, scope, compile, timeZone);
  const actual = valueAt(scope, condition.path);
  const expected = typeof condition.value === 'string' ? renderTemplate(condition.value, scope) : condition.value;
  const [root, ...rest] = condition.path.split('.');
  const before = root === 'record' && scope['previous'] !== undefined ? valueAt(scope, ['previous', ...rest].join('.')) : undefined;
  const hasBefore = root === 'record' && scope['previous'] !== undefined;
  switch (condition.op) {
    case 'eq':
      return same(actual, expected);
    case 'neq':
      return !same(actual, expected);
    case 'gt':
      return (order(actual, expected) ?? 0) > 0 && order(actual, expected) !== undefined;
    case 'gte':
      return order(actual, expected) !== undefined && order(actual, expected)! >= 0;
    case 'lt':
      return order(actual, expected) !== undefined && order(actual, expected)! < 0;
    case 'lte':
      return order(actual, expected) !== undefined && order(actual, expected)! <= 0;
    case 'contains':
      if (Array.isArray(actual)) return actual.some((v) => same(v, expected));
      return typeof actual === 'string' && typeof expected === 'string' && actual.toLowerCase().includes(expected.toLowerCase());
    case 'in':
      return Array.isArray(expected) && expected.some((v) => same(actual, v));
    case 'isEmpty':
      return empty(actual);
    case 'isNotEmpty':
      return !empty(actual);
    // A record that was just created "changed to" its first values.
    case 'changed':
      return !hasBefore || !same(actual, before);
    case 'changedTo':
      return same(actual, expected) && (!hasBefore || !same(before, expected));
    case 'changedFrom':
      return hasBefore && same(before, expected) && !same(actual, expected);
  }
}

/**
 * `{{record.name}}`, `{{vars.count}}`, `{{term.customer}}`: each placeholder replaced by the
 * value at its path (lists joined with ", ", nothing for missing values). A template that is one
 * placeholder alone keeps the value's type (a number stays a number).
 */
export function renderTemplate(template: string, scope: RunScope): string;
export function renderTemplate(template: unknown, scope: RunScope): unknown;
export function renderTemplate(template: unknown, scope: RunScope): unknown {
  if (typeof template !== 'string') return template;
  const whole = /^\{\{\s*([A-Za-z0-9_.]+)\s*\}\}$/.exec(template);
  if (whole) {
    const value = valueAt(scope, whole[1]!);
    return value === undefined ? '' : value;
  }
  return template.replace(/\{\{\s*([A-Za-z0-9_.]+)\s*\}\}/g, (_, path: string) => show(valueAt(scope, path)));
}

function show(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map(show).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Renders every string inside a value (objects and lists of values too). */
export function renderDeep(value: unknown, scope: RunScope): unknown {
  if (typeof value === 'string') return renderTemplate(value, scope);
  if (Array.isArray(value)) return value.map((v) => renderDeep(v, scope));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderDeep(v, scope)]));
  return value;
}

const UNIT_MS = { seconds: 1_000, minutes: 60_000, hours: 3_600_000, days: 86_400_000, weeks: 604_800_000 } as const;

/** The longest a run may wait (a wait step, an approval's escalation, a timeout): ten years. */
export const MAX_WAIT_MS = 10 * 365 * 86_400_000;

export function durationMs(duration: Duration): number {
  return Math.round(duration.amount * UNIT_MS[duration.unit]);
}
