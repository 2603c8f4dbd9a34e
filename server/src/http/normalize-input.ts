import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isAscii, nameTextReason, unstorableTextReason } from '@protean/metadata';
import { ProblemError, validationError, type FieldProblem } from '../errors/problems.ts';

/** Deeper than any document of ours; past it a request is refused before anything recurses over it. */
export const MAX_INPUT_DEPTH = 64;

/**
 * The one input-normalization layer: before any route schema or handler sees a request, its
 * path parameters, query string and JSON body are walked once, and a string Postgres cannot
 * store (NUL, lone surrogate), a number JSON parsed to ±Infinity, or nesting past
 * MAX_INPUT_DEPTH is refused with a 400 naming the field path (`operations.3.data.name`).
 * Every string value is put in Unicode's composed form (NFC): "Émile" typed as 'E' and a
 * combining accent (as some keyboards and macOS file names give it) is then the same value as
 * the precomposed one to filters, unique keys and search.
 */
export function registerInputNormalization(app: FastifyInstance): void {
  // Fastify's own JSON parser (prototype keys refused); the text is kept for the request, so a
  // number the scan doubts can be compared with what was written.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  const jsonTexts = new WeakMap<FastifyRequest, string>();
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    // JSON between systems is UTF-8 (RFC 8259); a body said to be in another encoding was read as UTF-8 anyway.
    const charset = CHARSET.exec(request.headers['content-type'] ?? '')?.[1];
    if (charset !== undefined && !/^"?utf-?8"?$/i.test(charset)) {
      done(new ProblemError('unsupported-media-type', 415, 'Send JSON in UTF-8 (Content-Type: application/json; charset=utf-8)'), undefined);
      return;
    }
    parseJson(request, body as string, (error, value) => {
      if (!error) jsonTexts.set(request, body as string);
      done(error && isJson(body as string) ? forbiddenKey() : error, value);
    });
  });
  app.addHook('preValidation', (request: FastifyRequest, _reply, done) => {
    // Most requests (a get, a list): no body, and path parameters and a query string of plain
    // strings, checked where they are without building paths or a stack.
    lowerCaseIds(request.params);
    if (request.body === undefined && acceptFlatUrlText(request.params) && acceptFlatUrlText(request.query)) return done();
    const problems = [
      ...inputProblems(request.params, 'url'),
      ...inputProblems(request.query, 'url'),
      ...inputProblems(request.body, 'body'),
    ];
    const text = jsonTexts.get(request);
    if (text !== undefined && MANY_DIGITS.test(text)) problems.push(...inexactNumbers(text));
    if (problems.length) throw inputRefused(problems);
    const names = RECORD_ROUTE.test(request.routeOptions.url ?? '') ? [] : nameProblems(request.body);
    if (names.length) {
      const first = names[0]!;
      throw validationError(names.length === 1 ? `'${first.field}' ${first.message}` : `${names.length} names cannot be accepted`, names.slice(0, 20));
    }
    done();
  });
  // Validation coerces a body's text to the number a schema asks for, and reads "Infinity" or
  // "1e400" as Infinity, which the scan above saw as text. Record bodies hold no typed property, so
  // nothing is coerced there; elsewhere the coerced body is looked at once more.
  app.addHook('preHandler', (request: FastifyRequest, _reply, done) => {
    if (request.body === undefined || request.body === null || typeof request.body !== 'object' || RECORD_ROUTE.test(request.routeOptions.url ?? '')) return done();
    const problems: FieldProblem[] = [];
    nonFiniteNumbers(request.body, {}, problems);
    if (problems.length) throw inputRefused(problems);
    done();
  });
}

function nonFiniteNumbers(value: unknown, place: Place, problems: FieldProblem[]): void {
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    if (typeof item === 'number' && !Number.isFinite(item)) problems.push({ field: pathOf(place, key), code: 'not_finite', message: notFinite });
    else if (item !== null && typeof item === 'object') nonFiniteNumbers(item, { key, parent: place }, problems);
  }
}

const CHARSET = /;\s*charset\s*=\s*("?[^;"\s]*"?)/i;

/**
 * JSON text that reached the server other than as a request's JSON body (a signed webhook's raw
 * body, a GraphQL GET's `variables`), read as the body parser reads a body: a `__proto__` key, or
 * `constructor` holding `prototype`, refused (400 forbiddenKey), then the same walk of strings,
 * numbers and nesting. Throws SyntaxError for text that is not JSON, for the caller to word.
 */
export function parseJsonInput(text: string): unknown {
  let forbidden = false;
  const value: unknown = JSON.parse(text, function (this: unknown, key: string, item: unknown) {
    if (key === '__proto__' || (key === 'constructor' && item !== null && typeof item === 'object' && Object.hasOwn(item, 'prototype'))) forbidden = true;
    return item;
  });
  if (forbidden) throw forbiddenKey();
  const problems = inputProblems(value, 'body');
  if (problems.length) throw inputRefused(problems);
  return value;
}

/** Whether the text is JSON as the language reads it (which makes `__proto__` an own key, harmlessly). */
function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Valid JSON the parser refused: a key that would reach an object's prototype when read. */
const forbiddenKey = () =>
  new ProblemError('validation', 400, 'The request body holds a key named __proto__, or constructor with prototype inside, which no object here has', [
    { field: '', code: 'forbiddenKey', message: 'has a key named __proto__ or constructor.prototype' },
  ]);

const ANY_CASE_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * An id in a path in the form it is stored and compared in: Postgres reads a UUID in any case,
 * but handlers compare ids as text ("is this my own user?"), so 'ABC…' for one's own 'abc…' was
 * taken for another user's and skipped a guard meant for oneself.
 */
function lowerCaseIds(params: unknown): void {
  if (params === null || typeof params !== 'object') return;
  const values = params as Record<string, unknown>;
  for (const key in values) {
    const value = values[key];
    if (typeof value === 'string' && value.length === 36 && ANY_CASE_UUID.test(value)) values[key] = value.toLowerCase();
  }
}

const notFinite = 'must be a finite number (beyond ±1.8e308 a number becomes Infinity)';

/** A number whose text names another value than the double JSON.parse made of it: its text, kept for the problem. */
class InexactNumber {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

const NUMERAL_PARTS = /^(-?)(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i;

/**
 * A JSON number (the body itself, or after ':', ',' or '[') of sixteen digits or more (a dot among
 * them allowed), or with an exponent of three digits. A numeral of at most 15 significant digits
 * is the double it parses to, and its digits stand together, so only such a number can be one its
 * double does not name (123456789012345678 read as …680, "0.30000000000000000001" as 0.3,
 * "1e-400" as 0). One scan of the body's text finds them; each number's own text is looked at only
 * then. Text inside strings rarely looks like this (a hex id's "3e456" does not: it follows no
 * ':'), and only costs that look when it does.
 */
const MANY_DIGITS = /(?:^|[:,[])\s*-?(?:\d(?:\.?\d){15}|[\d.]+[eE][+-]?\d{3})/;

/** A numeral as its significant digits and exponent ('1.50' and '15e-1' are '15e-1'; zero is '0'). */
function decimalValue(text: string): string {
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = NUMERAL_PARTS.exec(text) ?? [];
  let digits = (whole + fraction).replace(/^0+/, '');
  let power = Number(exponent) - fraction.length;
  if (digits === '') return '0';
  while (digits.endsWith('0')) {
    digits = digits.slice(0, -1);
    power++;
  }
  return `${sign}${digits}e${power}`;
}

/** Each number of a JSON text that is not the value its text names (123456789012345678 is read as …680), with its dotted path. */
function inexactNumbers(text: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const marked = JSON.parse(text, (_key, value: unknown, context?: { source?: string }) => {
    if (typeof value !== 'number' || !Number.isFinite(value) || context?.source === undefined) return value;
    return decimalValue(context.source) === decimalValue(String(value)) ? value : new InexactNumber(context.source);
  }) as unknown;
  const stack: { value: unknown; path: string }[] = [{ value: marked, path: '' }];
  while (stack.length) {
    const { value, path } = stack.pop()!;
    if (value instanceof InexactNumber) problems.push({ field: path, code: 'not_exact', message: `${value.text} has more digits than a number holds exactly (15 to 17); send it rounded, or as text` });
    else if (value !== null && typeof value === 'object') for (const [key, item] of Object.entries(value)) stack.push({ value: item, path: path ? `${path}.${key}` : key });
  }
  return problems.reverse();
}

// URL text that route schemas would coerce to a number, and which overflows to ±Infinity (`limit=1e309`).
// In a body the same text is a string value and stays one.
// Unambiguous (the fraction needs its dot), so a long non-numeral fails in linear time.
const numeral = /^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?\s*$/i;

/**
 * True when `input` (path parameters or a query string) holds only strings, none of which, nor
 * any name, `inputProblems` would refuse, each then put in composed form as `inputProblems` puts
 * it; false when it must look (it then finds the problems, or a nested or repeated value that it
 * accepts).
 */
function acceptFlatUrlText(input: unknown): boolean {
  if (input === undefined || input === null) return true;
  if (typeof input !== 'object') return false;
  for (const key in input) {
    const value = (input as Record<string, unknown>)[key];
    if (typeof value !== 'string' || unstorableTextReason(key) !== undefined || unstorableTextReason(value) !== undefined) return false;
    if (numeral.test(value) && !Number.isFinite(Number(value))) return false;
    if (!isAscii(value)) (input as Record<string, unknown>)[key] = value.normalize('NFC');
  }
  return true;
}


/** A container being walked: where it sits (its container's place and its key there). */
interface Place {
  key?: string;
  parent?: Place;
}

/** The dotted path (`operations.3.data.name`) of `key` in the container at `place`, built only for a value that is refused. */
function pathOf(place: Place, key?: string): string {
  const keys: string[] = key === undefined ? [] : [key];
  for (let at: Place | undefined = place; at?.key !== undefined; at = at.parent) keys.push(at.key);
  return keys.reverse().map((k) => (unstorableTextReason(k) ? JSON.stringify(k).slice(1, -1) : k)).join('.');
}

/** The 400 problem for `inputProblems`' answer. */
function inputRefused(problems: readonly FieldProblem[]) {
  const first = problems[0]!;
  return validationError(problems.length === 1 ? `'${first.field}' ${first.message}` : `${problems.length} values cannot be accepted`, problems.slice(0, 20), 400);
}

/**
 * Record values that reached the server other than as a JSON body (a GraphQL query's literals,
 * which its parser decodes after the walk of the body), through the same check and composition:
 * refused with the same 400, else put in composed form where they are.
 */
export function normalizeRecordInput(input: Record<string, unknown>): void {
  const problems = inputProblems(input, 'body');
  if (problems.length) throw inputRefused(problems);
}

/**
 * Record values written by the server's own writers (a script's `ctx.records`, a workflow's steps),
 * which reach the data service without passing the HTTP layer: the same check and composition,
 * in place (they are copies of their own), refused with the same 400.
 */
export function checkedRecordValues(values: unknown): Record<string, unknown> {
  if (values !== null && typeof values === 'object' && !Array.isArray(values)) normalizeRecordInput(values as Record<string, unknown>);
  return values as Record<string, unknown>;
}

/** Every unacceptable string, number or nesting in `input` (a parsed body, or URL parameters), each with its dotted path; the acceptable strings are put in composed form where they are. */
export function inputProblems(input: unknown, from: 'body' | 'url'): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const root: Place = {};
  if (input !== null && typeof input === 'object') walk(input as Record<string, unknown>, 0, root, from, problems);
  else scalarProblem(input, from, root, undefined, undefined, problems);
  return problems;
}

/**
 * The problems of one container's values, in document order, then those of its names. Recursion
 * is bounded: a container at MAX_INPUT_DEPTH is refused, not entered. A thousand-record batch has
 * some ten thousand values, nearly all accepted: scalars are checked where they are found.
 */
function walk(container: Record<string, unknown>, depth: number, place: Place, from: 'body' | 'url', problems: FieldProblem[]): void {
  let badNames: FieldProblem[] | undefined;
  for (const key of Object.keys(container)) {
    const item = container[key];
    const reason = unstorableTextReason(key);
    if (reason) (badNames ??= []).push({ field: pathOf(place, key), code: 'invalid_text', message: `has a name that ${reason}` });
    else if (item !== null && typeof item === 'object') {
      if (depth + 1 >= MAX_INPUT_DEPTH) problems.push({ field: pathOf(place, key), code: 'too_deep', message: `is nested more than ${MAX_INPUT_DEPTH} levels deep` });
      else walk(item as Record<string, unknown>, depth + 1, { key, parent: place }, from, problems);
    } else if (typeof item === 'string' && from === 'body' && isAscii(item) && !item.includes('\u0000')) {
      // The common case, decided by one scan: ASCII holds no lone surrogate and needs no composing.
    } else scalarProblem(item, from, place, container, key, problems);
  }
  // Names last, the last first: the order the problems were answered in before.
  if (badNames) problems.push(...badNames.reverse());
}

/** A string or number's problem, if any; an acceptable string in a container is put in composed form there. */
function scalarProblem(value: unknown, from: 'body' | 'url', place: Place, container: Record<string, unknown> | undefined, key: string | undefined, problems: FieldProblem[]): void {
  if (typeof value === 'string') {
    const reason = unstorableTextReason(value);
    if (reason) problems.push({ field: pathOf(place, key), code: 'invalid_text', message: reason });
    else if (from === 'url' && numeral.test(value) && !Number.isFinite(Number(value))) problems.push({ field: pathOf(place, key), code: 'not_finite', message: notFinite });
    else if (container && key !== undefined && !isAscii(value)) container[key] = value.normalize('NFC');
  } else if (typeof value === 'number' && !Number.isFinite(value)) problems.push({ field: pathOf(place, key), code: 'not_finite', message: notFinite });
}

/** Routes whose bodies are record values, which may hold any text (ADR 0009). */
const RECORD_ROUTE = /\/(records|graphql)(\/|$)/;
/** Keys whose text is a name or label people read: the key itself, or each locale beneath it. */
const NAME_KEYS = new Set(['name', 'label', 'labels', 'displayName', 'singular', 'plural']);
/** Keys whose text is record values (a filter's operands, a record's data, a run's input), even in a Setup body. */
const VALUE_KEYS = new Set(['filter', 'data', 'changes', 'defaultValue', 'value', 'values', 'condition', 'input', 'record']);

/**
 * The names and labels of a Setup body that hold a bidirectional override or isolate control,
 * each with its dotted path. A list of picklist values is entered: their labels are names.
 */
function nameProblems(body: unknown): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (body === null || typeof body !== 'object') return problems;
  const stack: { value: unknown; path: string; name: boolean }[] = [{ value: body, path: '', name: false }];
  while (stack.length) {
    const { value, path, name } = stack.pop()!;
    if (typeof value === 'string') {
      const reason = name ? nameTextReason(value) : undefined;
      if (reason) problems.push({ field: path, code: 'invalid_text', message: reason });
    } else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value).reverse()) {
        if (!name && VALUE_KEYS.has(key) && !(key === 'values' && Array.isArray(item))) continue;
        stack.push({ value: item, path: path ? `${path}.${key}` : key, name: name || NAME_KEYS.has(key) });
      }
    }
  }
  return problems;
}
