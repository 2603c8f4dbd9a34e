import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import { BoundedCache } from '../cache/bounded-cache.ts';
import { isCalendarDateTime } from '../field-types/calendar.ts';
import { fieldType } from '../field-types/registry.ts';
import { labelOf } from '../model/find.ts';
import type { FieldDef } from '../schemas/field-def.ts';
import type { Locale } from '../schemas/labels.ts';
import type { ObjectDef } from '../schemas/object-def.ts';
import { compileRecordSchema, isWritable, type RecordSchemaMode } from './compile-record-schema.ts';
import { IN_VALUES, inValuesKeyword, withSetMembership } from './set-membership.ts';

const addFormats = formats.default;

/** One failing field of a record body; `field` is the api name ('' for the body itself). */
export type RecordFieldError = {
  field: string;
  code: string;
  message: string;
};

export type RecordValidator = (input: unknown) => RecordFieldError[];

export interface RecordValidatorOptions {
  locale?: Locale;
  /**
   * Identifies the object's definition, e.g. `${tenantId}:${revision}`. With it the compiled
   * validator is memoised in a bounded cache; without it, per object identity.
   */
  revisionKey?: string;
}

/**
 * One rule for a date-time wherever one is read (`isCalendarDateTime`, which filters use too): a
 * value the filter refused could be saved, and one Date cannot read ('…+01') was stored as sent.
 */
function isInstantText(text: string): boolean {
  const stored = STORED_INSTANT.exec(text);
  if (stored) return isCalendarTime(stored);
  return isCalendarDateTime(text);
}

/**
 * The form date-times are stored and read back in (`2024-01-31T09:30:00.000Z`), which most
 * writes send: its calendar is checked here directly. ajv-formats' general RFC 3339 check cost a
 * bulk-inserted record with one date-time ~1 µs of the server's CPU, a twentieth of all its work.
 */
const STORED_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?Z$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isCalendarTime([, y, mo, d, h, mi, s]: RegExpExecArray): boolean {
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!);
}

// One instance for every record validator; each compiled schema is removed from Ajv's own
// (unbounded) cache straight away, so our bounded caches are the only thing holding it.
const ajv = new Ajv2020({ allErrors: true, allowUnionTypes: true, multipleOfPrecision: 9, strict: true });
addFormats(ajv);
ajv.addFormat('date-time', { type: 'string', validate: isInstantText });
ajv.addKeyword(inValuesKeyword);

/**
 * A record's problems as answered: a body of a thousand unknown keys gave a thousand, and a
 * batch of a thousand such bodies (11 MB) a million, 93 MB of answer and seven seconds of the
 * event loop; the first ones say what is wrong. Ajv's own list is cut before it is explained.
 */
const MAX_ERRORS_PER_RECORD = 20;
const MAX_ERRORS_EXPLAINED = 100;

const byRevision = new BoundedCache<string, RecordValidator>(500);
const byIdentity = new WeakMap<ObjectDef, Map<string, RecordValidator>>();

export function createRecordValidator(
  object: ObjectDef,
  mode: RecordSchemaMode,
  options: RecordValidatorOptions = {},
): RecordValidator {
  const locale = options.locale ?? 'en';
  const variant = `${mode}:${locale}`;
  if (options.revisionKey !== undefined) {
    return byRevision.getOrCreate(`${options.revisionKey}:${object.id}:${variant}`, () => build(object, mode, locale));
  }
  let variants = byIdentity.get(object);
  if (!variants) byIdentity.set(object, (variants = new Map()));
  let validator = variants.get(variant);
  if (!validator) variants.set(variant, (validator = build(object, mode, locale)));
  return validator;
}

/**
 * Compiled schemas by their text: workspaces mostly hold the same standard objects, whose schemas
 * are the same, and a schema compiles to the same function whichever workspace's it is.
 */
const bySchema = new BoundedCache<string, ValidateFunction>(500);

function compiled(schema: object): ValidateFunction {
  return bySchema.getOrCreate(JSON.stringify(schema), () => {
    const validate = ajv.compile(schema);
    ajv.removeSchema(schema);
    return validate;
  });
}

function build(object: ObjectDef, mode: RecordSchemaMode, locale: Locale): RecordValidator {
  const validate = compiled(withSetMembership(compileRecordSchema(object, mode, { locale })));
  const live = object.fields.filter((f) => f.deletedAt === undefined);
  const fields = new Map(live.flatMap((f) => [f.apiName, ...f.apiNameAliases].map((name) => [name, f] as const)));
  const renamed = live.filter((f) => f.apiNameAliases.length > 0);
  return (input) => {
    const twice = renamed.length ? namedTwice(renamed, input) : [];
    if (validate(input)) return twice;
    const errors = [...twice, ...(validate.errors ?? [])
      .slice(0, MAX_ERRORS_EXPLAINED)
      // A required field with old api names is `anyOf` required under each name: report it once, by its current name.
      // An `if` fails with its branch, whose own errors say why.
      .filter((e) => !(e.instancePath === '' && e.keyword === 'anyOf') && e.keyword !== 'if')
      .map((e) => explain(e, input, fields, locale, object.apiName))
      .map((e) => (e.code === 'required' && fields.get(e.field) ? { ...e, field: fields.get(e.field)!.apiName } : e))];
    errors.sort((a, b) => rank(a.code) - rank(b.code));
    const seen = new Set<string>();
    return errors.filter((e) => (seen.has(e.field) ? false : (seen.add(e.field), true))).slice(0, MAX_ERRORS_PER_RECORD);
  };
}

/**
 * A field sent under its api name and an old one (or two old ones) has two values; one of them was
 * dropped, and which depended on the path (a create kept the current name's, an update the later key's).
 */
function namedTwice(renamed: readonly FieldDef[], input: unknown): RecordFieldError[] {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return [];
  const errors: RecordFieldError[] = [];
  for (const field of renamed) {
    const [first, ...others] = [field.apiName, ...field.apiNameAliases].filter((name) => Object.hasOwn(input, name));
    for (const other of others) errors.push({ field: other, code: 'duplicate_field', message: `is also sent as '${first!}', a name of the same field` });
  }
  return errors;
}

const firstCodes = ['unknown_field', 'read_only', 'required', 'type'];
function rank(code: string): number {
  const i = firstCodes.indexOf(code);
  return i === -1 ? firstCodes.length : i;
}

function valueAt(input: unknown, pointer: string): unknown {
  let current = input;
  for (const part of pointer.split('/').slice(1)) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part.replaceAll('~1', '/').replaceAll('~0', '~')];
  }
  return current;
}

function expectedType(field: FieldDef | undefined): string {
  return field ? fieldType(field.type).messages.type : 'must have the right type';
}

/** The field type's own words for a failed format or pattern (ids say what they identify). */
function typeMessage(field: FieldDef | undefined, keyword: 'format' | 'pattern'): string | undefined {
  return field ? fieldType(field.type).messages[keyword] : undefined;
}

const formatMessages: Record<string, string> = {
  email: 'must be an email address',
  uri: 'must be a URL',
  date: 'must be a date (YYYY-MM-DD)',
  'date-time': 'must be a date-time (ISO 8601 with a time zone)',
  uuid: 'must be an id (UUID)',
};

function explain(error: ErrorObject, input: unknown, fields: Map<string, FieldDef>, locale: Locale, objectName: string): RecordFieldError {
  const params: Record<string, unknown> = error.params;
  if (error.instancePath === '') {
    if (error.keyword === 'additionalProperties') {
      const name = String(params.additionalProperty);
      // The problem's field is the name sent; the message does not repeat it ("'warp' is not a field of 'customer'").
      return { field: name, code: 'unknown_field', message: `is not a field of '${objectName}'` };
    }
    if (error.keyword === 'required') {
      return { field: String(params.missingProperty), code: 'required', message: 'is required' };
    }
    return { field: '', code: 'type', message: 'must be an object' };
  }
  const name = error.instancePath.split('/')[1] ?? '';
  const fieldName = name.replaceAll('~1', '/').replaceAll('~0', '~');
  const field = fields.get(fieldName);
  const label = field ? labelOf(field.labels, locale) : fieldName;
  const value = valueAt(input, error.instancePath);
  const at = (code: string, message: string): RecordFieldError => ({ field: fieldName, code, message });
  // '' is no value: where a required field takes strings, its '' fails a format, a length or a list of values for want of one.
  if (value === '' && error.keyword !== 'type' && field?.required && isWritable(field)) return at('required', 'is required');

  switch (error.keyword) {
    case 'not':
      if (field && fieldType(field.type).options.includes('values')) return picklistError(field, value, label, at);
      // The summary names the field already ("Customer number is read-only"), as for every other message.
      return at('read_only', 'is read-only');
    case 'type':
      if (value === null && field?.required) return at('required', 'is required');
      return at('type', expectedType(field));
    case 'anyOf':
      return at('type', expectedType(field));
    case 'format':
      return at('format', typeMessage(field, 'format') ?? formatMessages[String(params.format)] ?? `must match format ${String(params.format)}`);
    case 'pattern':
      return at('format', typeMessage(field, 'pattern') ?? 'must match the expected pattern');
    case 'maxLength':
      return at('max_length', `must be at most ${String(params.limit)} characters`);
    case 'minLength':
      return at('min_length', `must be at least ${String(params.limit)} characters`);
    case 'minimum':
      return at('minimum', `must be at least ${String(params.limit)}`);
    case 'maximum':
      return at('maximum', `must be at most ${String(params.limit)}`);
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return at('precision', `must have at most ${(field?.precision ?? 0) - (field?.scale ?? 0)} digits before the decimal point`);
    case 'multipleOf':
      return field?.scale ? at('scale', `must have at most ${field.scale} decimal places`) : at('scale', 'must be a whole number');
    case 'enum':
    case IN_VALUES:
      return field ? picklistError(field, value, label, at) : at('invalid', 'is not an allowed value');
    case 'minItems':
      return field?.required ? at('required', 'is required') : at('min_items', `must have at least ${String(params.limit)} values`);
    case 'maxItems':
      return at('max_items', `must have at most ${String(params.limit)} values`);
    case 'uniqueItems':
      return at('duplicate_value', 'must not repeat a value');
    default:
      return at('invalid', error.message ?? 'is invalid');
  }
}

function picklistError(
  field: FieldDef,
  value: unknown,
  label: string,
  at: (code: string, message: string) => RecordFieldError,
): RecordFieldError {
  const known = (field.values ?? []).find((v) => v.apiName === value);
  const shown = typeof value === 'string' ? value : JSON.stringify(value);
  if (known && !known.active) return at('inactive_value', `'${shown}' is not an active value of ${label}`);
  return at('unknown_value', `'${shown}' is not a value of ${label}`);
}

/** An empty text or selection: no value, to a required field as to a unique claim and to isNull. */
export const isEmptyValue = (value: unknown): boolean => value === '' || (Array.isArray(value) && value.length === 0);

/**
 * Answers of `validateFieldValue` by field definition, value and locale. Every metadata change
 * checks the whole model, every field's default value with it; compiling a validator for each
 * cost a change ~9 ms of CPU on the standard CRM. An answer depends on nothing else.
 */
const fieldValueAnswers = new BoundedCache<string, RecordFieldError | undefined>(1_000);

/**
 * Checks one value (API form) against a field as if it were writable, null never fitting: used
 * for default values and backfills. Returns the friendly error, or undefined when the value fits.
 * An empty one does not fit a required field: every record it filled would lack the value.
 */
export function validateFieldValue(field: FieldDef, value: unknown, locale: Locale = 'en'): RecordFieldError | undefined {
  if (field.required && isEmptyValue(value)) return { field: field.apiName, code: 'required', message: `cannot be empty: '${field.apiName}' is required` };
  if (value === null) return field.required ? { field: field.apiName, code: 'required', message: 'is required' } : { field: field.apiName, code: 'type', message: expectedType(field) };
  const key = JSON.stringify([field, value, locale]);
  const answer = fieldValueAnswers.getOrCreate(key, () => checkFieldValue(field, value, locale));
  return answer && { ...answer };
}

function checkFieldValue(field: FieldDef, value: unknown, locale: Locale): RecordFieldError | undefined {
  const probe: ObjectDef = {
    id: 'probe',
    apiName: 'probe',
    apiNameAliases: [],
    labels: { en: { singular: 'Probe', plural: 'Probes' } },
    standard: false,
    nameFieldId: field.id,
    // Not required, so the value's shape alone is checked (an empty one was answered above).
    fields: [{ ...field, apiNameAliases: [], required: false, readOnly: false, defaultValue: undefined, deletedAt: undefined }],
  };
  const schema = withSetMembership(compileRecordSchema(probe, 'update', { locale }));
  const validate = ajv.compile(schema);
  ajv.removeSchema(schema);
  if (validate({ [field.apiName]: value })) return undefined;
  const fields = new Map([[field.apiName, field]]);
  const error = (validate.errors ?? []).filter((e) => e.keyword !== 'if').map((e) => explain(e, { [field.apiName]: value }, fields, locale, probe.apiName)).sort((a, b) => rank(a.code) - rank(b.code))[0];
  return error ?? { field: field.apiName, code: 'invalid', message: 'is invalid' };
}
