import { findField, findObject, liveFields } from '../model/find.ts';
import type { FieldDef } from '../schemas/field-def.ts';
import type { ObjectDef } from '../schemas/object-def.ts';
import type { Snapshot } from '../schemas/snapshot.ts';
import { errorAt, ExpressionEvaluationError, type ExpressionError } from './errors.ts';
import { functionsByName, type CallContext, type Overload, type Param } from './functions.ts';
import { expressionLimits } from './limits.ts';
import { parse, type ExprNode } from './parse.ts';
import { PatternError, patternEngine } from './patterns.ts';
import { baseKind, fits, resultExprType, T, typeName, unify, type ExprType, type FormulaResultType } from './types.ts';
import {
  compareValues,
  dateInZone,
  DateTimeValue,
  DateValue,
  DurationValue,
  outsideFieldYears,
  parseDate,
  parseDateTime,
  toApiValue,
  valuesEqual,
  type Value,
} from './values.ts';

/**
 * Where an expression is used decides what it may read: `isChanged`, `priorValue` and `isNew`
 * need a save in progress (validation rules, conditions on changes), `isNew` a form too (layout rules).
 */
export type ExpressionContext = 'formula' | 'validation' | 'default' | 'layout' | 'condition';

/** What names an expression may use: the object's fields, its lookups' fields one level deep, `user`. */
export interface ExpressionEnvironment {
  snapshot: Snapshot;
  /** The object (id or api name) whose records the expression reads. */
  object: string;
  context: ExpressionContext;
  /** Members of `user`, by name (default: id, name, email, all text). */
  userFields?: Readonly<Record<string, ExprType>>;
  /**
   * How records are handed to `evaluate`: `stored` (default) keyed by field id in storage form (the
   * `data` column: picklists by value id), `api` keyed by api name in API form.
   */
  recordForm?: 'stored' | 'api';
}

/** The values an evaluation reads. Records are in the form the environment named. */
export interface EvaluationInput {
  record: Readonly<Record<string, unknown>>;
  /** The record before this save; null or absent on create. */
  prior?: Readonly<Record<string, unknown>> | null;
  /** Related records by the lookup field's key (id or api name, as the record), null when the lookup is empty. */
  related?: Readonly<Record<string, Readonly<Record<string, unknown>> | null | undefined>>;
  user?: Readonly<Record<string, unknown>>;
  /** The current instant (default: the clock). */
  now?: Date | number;
  /** An IANA zone for today(), date(datetime) and date parts (default UTC). */
  timeZone?: string;
}

/** What an expression reads: the server loads related records and recomputes formulas from it. */
export interface ExpressionReferences {
  /** Fields of the record itself, by id (formulas used inline count with the fields they read). */
  fieldIds: string[];
  /** Formula fields of the record used inline. */
  formulaFieldIds: string[];
  /** Fields read through a lookup, one entry per lookup field. */
  related: { lookupFieldId: string; objectId: string; fieldIds: string[] }[];
  /** Every place the source names a field, for rewriting it when a field's api name changes. */
  spans: { objectId: string; fieldId: string; start: number; end: number }[];
  /** Every text literal compared with a picklist (`stage == 'won'`, `includes(tags, 'vip')`), quotes included, for following a value's rename. */
  values: { fieldId: string; value: string; start: number; end: number }[];
  user: boolean;
  clock: boolean;
  prior: boolean;
}

export interface CompiledExpression {
  readonly source: string;
  readonly type: ExprType;
  readonly cost: number;
  readonly references: ExpressionReferences;
  /** The value in API form (dates 'YYYY-MM-DD', instants ISO 8601). Throws ExpressionEvaluationError. */
  evaluate(input: EvaluationInput): unknown;
  /** A condition's verdict: only `true` holds (null and false do not). Throws ExpressionEvaluationError. */
  test(input: EvaluationInput): boolean;
}

export type CompileResult = { ok: true; expression: CompiledExpression } | { ok: false; errors: ExpressionError[] };

export interface CompileOptions {
  /** The type the result must have (a formula's result type, `bool` for conditions). */
  expect?: FormulaResultType | 'bool';
}

const defaultUserFields: Readonly<Record<string, ExprType>> = { id: T.string, name: T.string, email: T.string };

type Run = (a: Activation) => Value;
interface Typed {
  type: ExprType;
  run: Run;
  /** Set when the node names a field of the record itself (isChanged / priorValue take one). */
  rootField?: FieldDef;
  /** Set when the node is a lookup of the record itself: `.name` on it reads the related record. */
  lookup?: FieldDef;
}

const noValues: Readonly<Record<string, never>> = Object.freeze({});

class Activation implements CallContext {
  record: Readonly<Record<string, unknown>>;
  prior: Readonly<Record<string, unknown>> | null;
  related: Readonly<Record<string, Readonly<Record<string, unknown>> | null | undefined>>;
  user: Readonly<Record<string, unknown>>;
  timeZone: string;
  at: ExprNode | null = null;
  private readonly input: EvaluationInput;
  private nowValue: number | null = null;
  private todayValue: DateValue | null = null;
  constructor(input: EvaluationInput) {
    this.input = input;
    this.record = input.record;
    this.prior = input.prior ?? null;
    this.related = input.related ?? noValues;
    this.user = input.user ?? noValues;
    this.timeZone = input.timeZone ?? 'UTC';
  }
  /** Read only by expressions that use the clock. */
  get now(): number {
    const given = this.input.now;
    return (this.nowValue ??= given === undefined ? Date.now() : typeof given === 'number' ? given : given.getTime());
  }
  today(): DateValue {
    return (this.todayValue ??= dateInZone(this.now, this.timeZone));
  }
  fail(message: string): never {
    throw new ExpressionEvaluationError(message, this.at?.start ?? 0, this.at?.end ?? 0);
  }
}

/** The expression type of a field's values, or a reason it cannot be used in expressions. */
export function fieldExprType(snapshot: Snapshot, field: FieldDef): ExprType | string {
  const values = (field.values ?? []).map((v) => v.apiName);
  switch (field.type) {
    case 'text':
    case 'longText':
    case 'email':
    case 'phone':
    case 'url':
    case 'autonumber':
      return T.string;
    case 'number':
    case 'currency':
    case 'percent':
      return T.number;
    case 'boolean':
      return T.bool;
    case 'date':
      return T.date;
    case 'datetime':
      return T.datetime;
    case 'picklist':
      return { kind: 'string', values, fieldLabel: field.apiName, fieldId: field.id };
    case 'multiPicklist':
      return { kind: 'list', of: { kind: 'string', values, fieldLabel: field.apiName, fieldId: field.id } };
    case 'lookup':
      return field.lookup ? { kind: 'ref', objectId: field.lookup.objectId, lookupFieldId: field.id } : T.string;
    case 'owner':
      return T.string;
    case 'json':
      return 'json fields cannot be used in expressions';
    default: {
      const extra = field as FieldDef & { formula?: { resultType: FormulaResultType }; rollup?: RollupLike };
      if (extra.formula) return resultExprType(extra.formula.resultType);
      if (extra.rollup) return rollupType(snapshot, extra.rollup);
      return `${field.type} fields cannot be used in expressions`;
    }
  }
}

interface RollupLike {
  function: 'count' | 'sum' | 'min' | 'max';
  childObjectId: string;
  fieldId?: string;
}

function rollupType(snapshot: Snapshot, rollup: RollupLike): ExprType {
  if ((rollup.function === 'min' || rollup.function === 'max') && rollup.fieldId) {
    const child = findObject(snapshot, rollup.childObjectId);
    const field = child && findField(child, rollup.fieldId);
    if (field?.type === 'date') return T.date;
    if (field?.type === 'datetime') return T.datetime;
  }
  return T.number;
}

/** Reads one field of a record handed to evaluate, in the environment's record form, as an expression value. */
function fieldReader(field: FieldDef, type: ExprType, form: 'stored' | 'api'): (record: Readonly<Record<string, unknown>> | null | undefined) => Value {
  const key = form === 'stored' ? field.id : field.apiName;
  const byId = form === 'stored' && (field.type === 'picklist' || field.type === 'multiPicklist')
    ? new Map((field.values ?? []).map((v) => [v.id, v.apiName]))
    : null;
  switch (type.kind) {
    case 'number':
      return (r) => { const v = r?.[key]; return typeof v === 'number' ? v : null; };
    case 'bool':
      return (r) => { const v = r?.[key]; return typeof v === 'boolean' ? v : null; };
    case 'date':
      return (r) => { const v = r?.[key]; return typeof v === 'string' ? parseDate(v.slice(0, 10)) : null; };
    case 'datetime':
      return (r) => { const v = r?.[key]; return typeof v === 'string' ? parseDateTime(v) : null; };
    case 'list':
      return (r) => {
        const v = r?.[key];
        if (!Array.isArray(v)) return null;
        return byId ? v.map((id) => byId.get(id as string) ?? null).filter((x): x is string => x !== null) : v.filter((x): x is string => typeof x === 'string');
      };
    default:
      if (byId) return (r) => { const v = r?.[key]; return typeof v === 'string' ? (byId.get(v) ?? null) : null; };
      return (r) => { const v = r?.[key]; return typeof v === 'string' ? v : null; };
  }
}

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const temp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      prev = temp;
    }
  }
  return row[b.length]!;
}

function suggestion(name: string, candidates: readonly string[]): string {
  let best: string | null = null;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const c of candidates) {
    const d = levenshtein(name, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best ? ` (did you mean '${best}'?)` : '';
}

const truthy = (v: Value) => v === true;

class Compiler {
  readonly errors: ExpressionError[] = [];
  cost = 0;
  readonly refs: ExpressionReferences = { fieldIds: [], formulaFieldIds: [], related: [], spans: [], values: [], user: false, clock: false, prior: false };
  private readonly source: string;
  private readonly env: ExpressionEnvironment;
  private readonly object: ObjectDef;
  private readonly form: 'stored' | 'api';
  private readonly formulaStack: readonly string[];
  private readonly shared: Map<string, Typed | null>;

  constructor(source: string, env: ExpressionEnvironment, object: ObjectDef, formulaStack: readonly string[], shared: Map<string, Typed | null>) {
    this.source = source;
    this.env = env;
    this.object = object;
    this.form = env.recordForm ?? 'stored';
    this.formulaStack = formulaStack;
    this.shared = shared;
  }

  error(code: ExpressionError['code'], message: string, at: { start: number; end: number }): Typed {
    this.errors.push(errorAt(this.source, code, message, at.start, at.end));
    return { type: T.error, run: () => null };
  }

  private addField(field: FieldDef, at: { start: number; end: number }, objectId = this.object.id): void {
    if (objectId === this.object.id && !this.refs.fieldIds.includes(field.id)) this.refs.fieldIds.push(field.id);
    this.refs.spans.push({ objectId, fieldId: field.id, start: at.start, end: at.end });
  }

  node(n: ExprNode): Typed {
    this.cost++;
    switch (n.kind) {
      case 'literal':
        return this.literal(n);
      case 'list':
        return this.list(n);
      case 'ident':
        return this.ident(n);
      case 'member':
        return this.member(n);
      case 'index':
        return this.index(n);
      case 'unary':
        return this.unary(n);
      case 'binary':
        return this.binary(n);
      case 'conditional':
        return this.conditional(n);
      case 'call':
        return this.call(n);
    }
  }

  private literal(n: Extract<ExprNode, { kind: 'literal' }>): Typed {
    const v = n.value;
    const type: ExprType = v === null ? T.null : typeof v === 'number' ? T.number : typeof v === 'string' ? T.string : T.bool;
    return { type, run: () => v };
  }

  private list(n: Extract<ExprNode, { kind: 'list' }>): Typed {
    const items = n.items.map((i) => this.node(i));
    let of: ExprType = T.null;
    for (const [i, item] of items.entries()) {
      const u = unify(of, item.type);
      if (!u) return this.error('type', `list items must have one type: ${typeName(item.type)} after ${typeName(of)}`, n.items[i]!);
      of = u;
    }
    const runs = items.map((i) => i.run);
    return { type: { kind: 'list', of }, run: (a) => runs.map((r) => r(a)) };
  }

  private rootField(name: string, at: { start: number; end: number }): Typed {
    const field = findField(this.object, name);
    if (!field) {
      const names = liveFields(this.object).map((f) => f.apiName);
      return this.error('unknownField', `no field '${name}' on ${this.object.apiName}${suggestion(name, [...names, 'user'])}`, at);
    }
    const type = fieldExprType(this.env.snapshot, field);
    if (typeof type === 'string') return this.error('type', `'${name}': ${type}`, at);
    this.addField(field, at);
    const formula = (field as FieldDef & { formula?: { expression: string; resultType: FormulaResultType } }).formula;
    if (formula) return { ...this.inlineFormula(field, formula, type, at), rootField: field };
    const read = fieldReader(field, type, this.form);
    const typed: Typed = { type, run: (a) => read(a.record), rootField: field };
    if (type.kind === 'ref') typed.lookup = field;
    return typed;
  }

  /** A formula used by another expression runs inline, so it is current even while the record is being saved. */
  private inlineFormula(field: FieldDef, formula: { expression: string; resultType: FormulaResultType }, type: ExprType, at: { start: number; end: number }): Typed {
    if (this.formulaStack.includes(field.id)) {
      const names = [...this.formulaStack, field.id].map((id) => findField(this.object, id, { includeDeleted: true })?.apiName ?? id);
      return this.error('recursion', `formula '${field.apiName}' refers to itself: ${names.join(' → ')}`, at);
    }
    if (!this.refs.formulaFieldIds.includes(field.id)) this.refs.formulaFieldIds.push(field.id);
    let inner = this.shared.get(field.id);
    if (inner === undefined) {
      const parsed = parse(formula.expression);
      if (!parsed.ok) {
        inner = null;
      } else {
        const sub = new Compiler(formula.expression, { ...this.env, context: 'formula' }, this.object, [...this.formulaStack, field.id], this.shared);
        const typed = sub.node(parsed.node);
        // A cycle found inside is this expression's problem too: report it here, where the user is.
        const cycle = sub.errors.find((e) => e.code === 'recursion');
        if (cycle) return this.error('recursion', cycle.message, at);
        inner = sub.errors.length ? null : typed;
        this.cost += sub.cost;
        for (const id of sub.refs.fieldIds) if (!this.refs.fieldIds.includes(id)) this.refs.fieldIds.push(id);
        for (const id of sub.refs.formulaFieldIds) if (!this.refs.formulaFieldIds.includes(id)) this.refs.formulaFieldIds.push(id);
        for (const r of sub.refs.related) for (const id of r.fieldIds) this.addRelated(r.lookupFieldId, r.objectId, id);
        this.refs.user ||= sub.refs.user;
        this.refs.clock ||= sub.refs.clock;
      }
      this.shared.set(field.id, inner);
    }
    if (!inner) return this.error('type', `formula '${field.apiName}' does not compile; fix it first`, at);
    return { type, run: inner.run };
  }

  private addRelated(lookupFieldId: string, objectId: string, fieldId: string): void {
    let entry = this.refs.related.find((r) => r.lookupFieldId === lookupFieldId);
    if (!entry) this.refs.related.push((entry = { lookupFieldId, objectId, fieldIds: [] }));
    if (!entry.fieldIds.includes(fieldId)) entry.fieldIds.push(fieldId);
  }

  private ident(n: Extract<ExprNode, { kind: 'ident' }>): Typed {
    if (n.name === 'user' || n.name === 'record') {
      return { type: { kind: 'scope', name: n.name }, run: () => null };
    }
    return this.rootField(n.name, n);
  }

  private member(n: Extract<ExprNode, { kind: 'member' }>): Typed {
    const at = { start: n.nameStart, end: n.end };
    if (n.object.kind === 'ident' && (n.object.name === 'user' || n.object.name === 'record')) {
      this.cost++;
      if (n.object.name === 'record') return this.rootField(n.name, at);
      const userFields = this.env.userFields ?? defaultUserFields;
      const type = Object.hasOwn(userFields, n.name) ? userFields[n.name]! : undefined;
      if (!type) return this.error('unknownField', `user has no '${n.name}'; it has ${Object.keys(userFields).join(', ')}`, at);
      this.refs.user = true;
      const key = n.name;
      const read = type.kind === 'number' ? (v: unknown) => (typeof v === 'number' ? v : null)
        : type.kind === 'bool' ? (v: unknown) => (typeof v === 'boolean' ? v : null)
        : type.kind === 'list' ? (v: unknown) => (Array.isArray(v) ? (v as Value[]) : null)
        : (v: unknown) => (typeof v === 'string' ? v : null);
      return { type, run: (a) => read(a.user[key]) };
    }
    const target = this.node(n.object);
    if (target.type.kind === 'error') return target;
    if (target.type.kind !== 'ref') {
      return this.error('type', `${typeName(target.type)} has no field '${n.name}'`, at);
    }
    if (!target.lookup) {
      return this.error('context', `'${n.name}': expressions read related records one level deep only`, at);
    }
    const lookup = target.lookup;
    const related = findObject(this.env.snapshot, target.type.objectId);
    if (!related) return this.error('unknownField', `the object '${lookup.apiName}' refers to no longer exists`, n.object);
    const field = findField(related, n.name);
    if (!field) {
      return this.error('unknownField', `no field '${n.name}' on ${related.apiName}${suggestion(n.name, liveFields(related).map((f) => f.apiName))}`, at);
    }
    const extra = field as FieldDef & { formula?: { stored?: boolean } };
    if (extra.formula && !extra.formula.stored) {
      return this.error('context', `'${related.apiName}.${field.apiName}' is computed on read; only stored formulas of a related record can be used`, at);
    }
    // One level deep: a lookup of the related record reads as its id; `.field` on it is refused (no `lookup` set).
    const type = fieldExprType(this.env.snapshot, field);
    if (typeof type === 'string') return this.error('type', `'${n.name}': ${type}`, at);
    this.addRelated(lookup.id, related.id, field.id);
    this.addField(field, at, related.id);
    const read = fieldReader(field, type, this.form);
    const key = this.form === 'stored' ? lookup.id : lookup.apiName;
    return { type, run: (a) => read(a.related[key]) };
  }

  private index(n: Extract<ExprNode, { kind: 'index' }>): Typed {
    const list = this.node(n.object);
    const index = this.node(n.index);
    if (list.type.kind === 'error' || index.type.kind === 'error') return { type: T.error, run: () => null };
    if (list.type.kind !== 'list') return this.error('type', `${typeName(list.type)} cannot be indexed`, n.object);
    if (!fits(index.type, T.number)) return this.error('type', `an index must be a number, not ${typeName(index.type)}`, n.index);
    const l = list.run;
    const i = index.run;
    return {
      type: list.type.of,
      run: (a) => {
        const lv = l(a) as readonly Value[] | null;
        const iv = i(a) as number | null;
        if (lv === null || iv === null) return null;
        return lv[Math.trunc(iv)] ?? null;
      },
    };
  }

  private unary(n: Extract<ExprNode, { kind: 'unary' }>): Typed {
    const operand = this.node(n.operand);
    const r = operand.run;
    if (operand.type.kind === 'error') return operand;
    if (n.op === '!') {
      if (!fits(operand.type, T.bool)) return this.error('type', `'!' needs a bool, not ${typeName(operand.type)}`, n.operand);
      return { type: T.bool, run: (a) => !truthy(r(a)) };
    }
    if (fits(operand.type, T.number)) return { type: T.number, run: (a) => { const v = r(a); return v === null ? null : -(v as number); } };
    if (operand.type.kind === 'duration') return { type: T.duration, run: (a) => { const v = r(a); return v === null ? null : new DurationValue(-(v as DurationValue).ms); } };
    return this.error('type', `'-' needs a number or duration, not ${typeName(operand.type)}`, n.operand);
  }

  /** A text literal compared with a picklist must be one of its values. */
  private checkPicklistLiteral(picklist: ExprType, literal: ExprNode): void {
    const values = picklist.kind === 'string' ? picklist.values : picklist.kind === 'list' && picklist.of.kind === 'string' ? picklist.of.values : undefined;
    if (!values) return;
    const label = picklist.kind === 'string' ? picklist.fieldLabel : picklist.kind === 'list' && picklist.of.kind === 'string' ? picklist.of.fieldLabel : undefined;
    const fieldId = picklist.kind === 'string' ? picklist.fieldId : picklist.kind === 'list' && picklist.of.kind === 'string' ? picklist.of.fieldId : undefined;
    const literals = literal.kind === 'literal' ? [literal] : literal.kind === 'list' ? literal.items : [];
    for (const item of literals) {
      if (item.kind === 'literal' && typeof item.value === 'string' && fieldId !== undefined) this.refs.values.push({ fieldId, value: item.value, start: item.start, end: item.end });
      if (item.kind === 'literal' && typeof item.value === 'string' && !values.includes(item.value)) {
        this.error('type', `'${item.value}' is not a value of ${label ?? 'the picklist'}${suggestion(item.value, values)}`, item);
      }
    }
  }

  private binary(n: Extract<ExprNode, { kind: 'binary' }>): Typed {
    const left = this.node(n.left);
    const right = this.node(n.right);
    const l = left.run;
    const r = right.run;
    const lt = left.type;
    const rt = right.type;
    if (lt.kind === 'error' || rt.kind === 'error') return { type: T.error, run: () => null };
    const mismatch = () => this.error('type', `'${n.op}' cannot combine ${typeName(lt)} and ${typeName(rt)}`, n);
    switch (n.op) {
      case '&&':
      case '||': {
        if (!fits(lt, T.bool)) return this.error('type', `'${n.op}' needs bools, not ${typeName(lt)}`, n.left);
        if (!fits(rt, T.bool)) return this.error('type', `'${n.op}' needs bools, not ${typeName(rt)}`, n.right);
        return n.op === '&&'
          ? { type: T.bool, run: (a) => truthy(l(a)) && truthy(r(a)) }
          : { type: T.bool, run: (a) => truthy(l(a)) || truthy(r(a)) };
      }
      case '==':
      case '!=': {
        if (!fits(lt, rt) && !fits(rt, lt)) return mismatch();
        this.checkPicklistLiteral(lt, n.right);
        this.checkPicklistLiteral(rt, n.left);
        // Text, numbers and bools (and null) are equal exactly when identical: no structural comparison needed.
        const primitive = (t: ExprType) => ['string', 'number', 'bool', 'null'].includes(baseKind(t));
        if (primitive(lt) && primitive(rt)) {
          return n.op === '==' ? { type: T.bool, run: (a) => l(a) === r(a) } : { type: T.bool, run: (a) => l(a) !== r(a) };
        }
        return n.op === '=='
          ? { type: T.bool, run: (a) => valuesEqual(l(a), r(a)) }
          : { type: T.bool, run: (a) => !valuesEqual(l(a), r(a)) };
      }
      case '<':
      case '<=':
      case '>':
      case '>=': {
        const kind = lt.kind === 'null' ? baseKind(rt) : baseKind(lt);
        if (!['number', 'string', 'date', 'datetime', 'duration', 'null'].includes(kind)) return this.error('type', `${typeName(lt)} values cannot be ordered`, n);
        if (!fits(lt, rt) && !fits(rt, lt)) return mismatch();
        if (kind === 'number' || (kind === 'null' && baseKind(rt) === 'number')) {
          // Numbers compare directly; an empty value makes the comparison not hold.
          const num = (v: Value): v is number => typeof v === 'number';
          switch (n.op) {
            case '<':
              return { type: T.bool, run: (a) => { const x = l(a); const y = r(a); return num(x) && num(y) && x < y; } };
            case '<=':
              return { type: T.bool, run: (a) => { const x = l(a); const y = r(a); return num(x) && num(y) && x <= y; } };
            case '>':
              return { type: T.bool, run: (a) => { const x = l(a); const y = r(a); return num(x) && num(y) && x > y; } };
            default:
              return { type: T.bool, run: (a) => { const x = l(a); const y = r(a); return num(x) && num(y) && x >= y; } };
          }
        }
        const holds = n.op === '<' ? (c: number) => c < 0 : n.op === '<=' ? (c: number) => c <= 0 : n.op === '>' ? (c: number) => c > 0 : (c: number) => c >= 0;
        // An empty value is neither smaller nor larger than anything: the comparison does not hold.
        return { type: T.bool, run: (a) => { const x = l(a); const y = r(a); return x !== null && y !== null && holds(compareValues(x, y)); } };
      }
      case 'in': {
        if (rt.kind !== 'list') return this.error('type', `'in' needs a list on its right, not ${typeName(rt)}`, n.right);
        if (!fits(lt, rt.of) && !fits(rt.of, lt)) return mismatch();
        this.checkPicklistLiteral(lt, n.right);
        this.checkPicklistLiteral(rt, n.left);
        return { type: T.bool, run: (a) => { const x = l(a); const list = r(a) as readonly Value[] | null; return list !== null && list.some((v) => valuesEqual(v, x)); } };
      }
      case '+':
        return this.plus(n, left, right) ?? mismatch();
      case '-':
        return this.minus(left, right) ?? mismatch();
      case '*':
      case '/':
      case '%': {
        if (!fits(lt, T.number) || !fits(rt, T.number)) return mismatch();
        const op = n.op;
        return {
          type: T.number,
          run: (a) => {
            const x = l(a) as number | null;
            const y = r(a) as number | null;
            if (x === null || y === null) return null;
            if (op === '*') return x * y;
            if (y === 0) {
              a.at = n;
              return a.fail(op === '/' ? 'division by zero' : 'modulo by zero');
            }
            return op === '/' ? x / y : x % y;
          },
        };
      }
    }
  }

  private plus(n: ExprNode, left: Typed, right: Typed): Typed | null {
    const [l, r, lt, rt] = [left.run, right.run, baseKind(left.type), baseKind(right.type)];
    const either = (k: string) => lt === k || rt === k;
    const known = lt === 'null' ? rt : lt;
    if ((lt === rt || lt === 'null' || rt === 'null') && known === 'number') return { type: T.number, run: (a) => { const x = l(a); const y = r(a); return x === null || y === null ? null : (x as number) + (y as number); } };
    if ((lt === rt || lt === 'null' || rt === 'null') && known === 'string') {
      // Text joins treat an empty value as '' so "first + ' ' + last" works with a blank part.
      return {
        type: T.string,
        run: (a) => {
          const s = ((l(a) as string | null) ?? '') + ((r(a) as string | null) ?? '');
          if (s.length > expressionLimits.maxTextLength) { a.at = n; a.fail(`text longer than ${expressionLimits.maxTextLength} characters`); }
          return s;
        },
      };
    }
    if (lt === 'list' && rt === 'list') {
      const of = unify(left.type, right.type);
      if (!of) return null;
      return { type: of, run: (a) => [...((l(a) as readonly Value[] | null) ?? []), ...((r(a) as readonly Value[] | null) ?? [])] };
    }
    if (either('duration')) {
      const [time, dur, timeType] = lt === 'duration' ? [r, l, rt] : [l, r, lt];
      if (timeType === 'duration') return { type: T.duration, run: (a) => { const x = time(a); const y = dur(a); return x === null || y === null ? null : new DurationValue((x as DurationValue).ms + (y as DurationValue).ms); } };
      if (timeType === 'date') return { type: T.date, run: (a) => { const x = time(a); const y = dur(a); return x === null || y === null ? null : new DateValue((x as DateValue).day + Math.trunc((y as DurationValue).ms / 86_400_000)); } };
      if (timeType === 'datetime') return { type: T.datetime, run: (a) => { const x = time(a); const y = dur(a); return x === null || y === null ? null : new DateTimeValue((x as DateTimeValue).ms + (y as DurationValue).ms); } };
    }
    return null;
  }

  private minus(left: Typed, right: Typed): Typed | null {
    const [l, r, lt, rt] = [left.run, right.run, baseKind(left.type), baseKind(right.type)];
    const both = (f: (x: Value, y: Value) => Value): Run => (a) => { const x = l(a); const y = r(a); return x === null || y === null ? null : f(x, y); };
    const known = lt === 'null' ? rt : lt;
    const same = lt === rt || lt === 'null' || rt === 'null';
    if (same && known === 'number') return { type: T.number, run: both((x, y) => (x as number) - (y as number)) };
    if (same && known === 'date') return { type: T.duration, run: both((x, y) => new DurationValue(((x as DateValue).day - (y as DateValue).day) * 86_400_000)) };
    if (same && known === 'datetime') return { type: T.duration, run: both((x, y) => new DurationValue((x as DateTimeValue).ms - (y as DateTimeValue).ms)) };
    if (same && known === 'duration') return { type: T.duration, run: both((x, y) => new DurationValue((x as DurationValue).ms - (y as DurationValue).ms)) };
    if (rt === 'duration' && lt === 'date') return { type: T.date, run: both((x, y) => new DateValue((x as DateValue).day - Math.trunc((y as DurationValue).ms / 86_400_000))) };
    if (rt === 'duration' && lt === 'datetime') return { type: T.datetime, run: both((x, y) => new DateTimeValue((x as DateTimeValue).ms - (y as DurationValue).ms)) };
    return null;
  }

  private conditional(n: Extract<ExprNode, { kind: 'conditional' }>): Typed {
    const test = this.node(n.test);
    const then = this.node(n.then);
    const otherwise = this.node(n.otherwise);
    if (test.type.kind !== 'error' && !fits(test.type, T.bool)) return this.error('type', `the condition before '?' must be a bool, not ${typeName(test.type)}`, n.test);
    const type = unify(then.type, otherwise.type);
    if (!type) return this.error('type', `both branches must have one type: ${typeName(then.type)} and ${typeName(otherwise.type)}`, n);
    const [t, a1, b1] = [test.run, then.run, otherwise.run];
    return { type, run: (a) => (truthy(t(a)) ? a1(a) : b1(a)) };
  }

  private needsSave(name: string, n: ExprNode, allowLayout = false): boolean {
    const ctx = this.env.context;
    if (ctx === 'validation' || ctx === 'condition' || (allowLayout && ctx === 'layout')) return true;
    this.error('context', `${name}() can only be used in validation rules${allowLayout ? ', layout rules' : ''} and conditions`, n);
    return false;
  }

  private call(n: Extract<ExprNode, { kind: 'call' }>): Typed {
    const at = { start: n.nameStart, end: n.nameStart + n.name.length };
    switch (n.name) {
      case 'isNew': {
        if (n.target || n.args.length) return this.error('type', 'isNew() takes no arguments', n);
        if (!this.needsSave('isNew', n, true)) return { type: T.error, run: () => null };
        this.refs.prior = true;
        return { type: T.bool, run: (a) => a.prior === null };
      }
      case 'isChanged':
      case 'priorValue': {
        if (n.target || n.args.length !== 1) return this.error('type', `${n.name}() takes one field`, n);
        const arg = this.node(n.args[0]!);
        if (arg.type.kind === 'error') return arg;
        if (!arg.rootField || (n.args[0]!.kind !== 'ident' && n.args[0]!.kind !== 'member')) return this.error('type', `${n.name}() takes a field of the record`, n.args[0]!);
        if (!this.needsSave(n.name, n)) return { type: T.error, run: () => null };
        this.refs.prior = true;
        const field = arg.rootField;
        const type = fieldExprType(this.env.snapshot, field) as ExprType;
        const current = arg.run;
        const read = fieldReader(field, type, this.form);
        const formula = (field as FieldDef & { formula?: unknown }).formula;
        // A formula's prior value is what it computes from the prior record.
        const priorOf: Run = formula ? (a) => { const saved = a.record; a.record = a.prior ?? {}; try { return current(a); } finally { a.record = saved; } } : (a) => read(a.prior);
        if (n.name === 'priorValue') return { type, run: (a) => (a.prior === null ? null : priorOf(a)) };
        return { type: T.bool, run: (a) => a.prior === null || !valuesEqual(current(a), priorOf(a)) };
      }
      case 'matches':
        return this.matches(n);
    }
    const def = functionsByName.get(n.name);
    if (!def) {
      return this.error('unknownFunction', `unknown function '${n.name}'${suggestion(n.name, [...functionsByName.keys(), 'isChanged', 'priorValue', 'isNew', 'matches'])}`, at);
    }
    if (n.target && def.style === 'global') return this.error('unknownFunction', `${n.name}() is not a method: write ${n.name}(x, …)`, at);
    if (!n.target && def.style === 'method') return this.error('unknownFunction', `${n.name}() is a method: write x.${n.name}(…)`, at);
    const argNodes = n.target ? [n.target, ...n.args] : n.args;
    const args = argNodes.map((a) => this.node(a));
    this.cost += def.cost ?? 0;
    if (args.some((a) => a.type.kind === 'error')) return { type: T.error, run: () => null };
    const types = args.map((a) => a.type);
    const overload = def.overloads.find((o) => matchesOverload(o, types));
    if (!overload) {
      return this.error('type', `${n.name}() does not take (${types.map(typeName).join(', ')}); use ${def.signature}`, n);
    }
    if (n.name === 'includes' && argNodes[1]) this.checkPicklistLiteral(types[0]!, argNodes[1]);
    if (n.name === 'today' || n.name === 'now') this.refs.clock = true;
    const type = typeof overload.result === 'function' ? overload.result(types) : overload.result;
    if (n.name === 'coalesce' || n.name === 'orValue' || n.name === 'min' || n.name === 'max') {
      let u: ExprType | null = T.null;
      for (const t of types) u = u && unify(u, t);
      if (!u) return this.error('type', `${n.name}() needs arguments of one type, not ${types.map(typeName).join(', ')}`, n);
    }
    const runs = args.map((a) => a.run);
    const fn = overload.run;
    const nullSafe = overload.takesNull === true;
    if (runs.length === 0) return { type, run: (a) => { a.at = n; return fn([], a); } };
    if (runs.length === 1) {
      const r0 = runs[0]!;
      return { type, run: (a) => { const v = r0(a); if (v === null && !nullSafe) return null; a.at = n; return fn([v], a); } };
    }
    return {
      type,
      run: (a) => {
        const values = runs.map((r) => r(a));
        if (!nullSafe && values.includes(null)) return null;
        a.at = n;
        return fn(values, a);
      },
    };
  }

  private matches(n: Extract<ExprNode, { kind: 'call' }>): Typed {
    const argNodes = n.target ? [n.target, ...n.args] : n.args;
    if (argNodes.length !== 2) return this.error('type', "matches() takes a text and a pattern: text.matches('^[A-Z]')", n);
    const text = this.node(argNodes[0]!);
    const patternNode = argNodes[1]!;
    if (text.type.kind === 'error') return text;
    if (!fits(text.type, T.string)) return this.error('type', `matches() needs text, not ${typeName(text.type)}`, argNodes[0]!);
    if (patternNode.kind !== 'literal' || typeof patternNode.value !== 'string') {
      return this.error('type', 'the pattern of matches() must be a text literal, so it is checked once', patternNode);
    }
    const pattern = patternNode.value;
    if (pattern.length > expressionLimits.maxPatternLength) return this.error('limit', `a pattern is at most ${expressionLimits.maxPatternLength} characters`, patternNode);
    // Nested quantifiers backtrack exponentially in JavaScript's engine, which the studio runs:
    // refused up front, on the server too, so both accept the same patterns.
    if (/\([^)]*[+*][^)]*\)\s*[+*{]/.test(pattern) || /\\[1-9]/.test(pattern) || /\(\?<?[=!]/.test(pattern)) {
      return this.error('limit', 'the pattern repeats a repeated group, a back-reference or a look-around, which can run for a very long time', patternNode);
    }
    let test: (text: string) => boolean;
    try {
      test = patternEngine().compile(pattern);
    } catch (e) {
      if (e instanceof PatternError) return this.error(e.kind, e.message, patternNode);
      throw e;
    }
    this.cost += 20;
    const r = text.run;
    return { type: T.bool, run: (a) => { const v = r(a); return v === null ? false : test(v as string); } };
  }
}

function paramFits(param: Param, type: ExprType): boolean {
  if (type.kind === 'null' || type.kind === 'error' || param === 'any') return true;
  if (param === 'time') return type.kind === 'date' || type.kind === 'datetime';
  if (param === 'list') return type.kind === 'list';
  return baseKind(type) === param;
}

function matchesOverload(o: Overload, types: readonly ExprType[]): boolean {
  if (o.variadic ? types.length < o.params.length : types.length !== o.params.length) return false;
  return types.every((t, i) => paramFits(o.params[Math.min(i, o.params.length - 1)]!, t));
}

/**
 * Parses, type-checks and compiles an expression against an object's fields. Compile once and keep
 * the result: evaluation walks prebuilt closures (no eval, no Function), so the same code runs in
 * the browser under a strict CSP.
 */
export function compileExpression(source: string, env: ExpressionEnvironment, options: CompileOptions = {}): CompileResult {
  const object = findObject(env.snapshot, env.object);
  if (!object) return { ok: false, errors: [errorAt(source, 'unknownField', `no object '${env.object}'`, 0, 0)] };
  const parsed = parse(source);
  if (!parsed.ok) return parsed;
  return compileTree(source, parsed.node, env, object, [], options);
}

/** Compiles a formula field's own expression (its id starts the recursion check). */
export function compileFormula(field: FieldDef, expression: string, env: ExpressionEnvironment, resultType: FormulaResultType): CompileResult {
  const object = findObject(env.snapshot, env.object);
  if (!object) return { ok: false, errors: [errorAt(expression, 'unknownField', `no object '${env.object}'`, 0, 0)] };
  const parsed = parse(expression);
  if (!parsed.ok) return parsed;
  return compileTree(expression, parsed.node, { ...env, context: 'formula' }, object, [field.id], { expect: resultType });
}

function compileTree(source: string, node: ExprNode, env: ExpressionEnvironment, object: ObjectDef, stack: readonly string[], options: CompileOptions): CompileResult {
  const compiler = new Compiler(source, env, object, stack, new Map());
  const typed = compiler.node(node);
  if (compiler.errors.length) return { ok: false, errors: compiler.errors };
  if (compiler.cost > expressionLimits.maxCost) {
    return { ok: false, errors: [errorAt(source, 'limit', `the expression costs ${compiler.cost} to evaluate, more than the limit of ${expressionLimits.maxCost} (formulas it uses count too)`, 0, source.length)] };
  }
  if (options.expect) {
    const want = options.expect === 'bool' ? T.bool : resultExprType(options.expect);
    if (!fits(typed.type, want) || typed.type.kind === 'null') {
      return { ok: false, errors: [errorAt(source, 'type', `the expression gives ${typeName(typed.type)} but ${typeName(want)} is needed`, node.start, node.end)] };
    }
  }
  const run = typed.run;
  const expression: CompiledExpression = {
    source,
    type: typed.type,
    cost: compiler.cost,
    references: compiler.refs,
    evaluate: (input) => {
      const value = run(new Activation(input));
      // A date past the years fields hold would be stored or shown as a text no date field takes.
      if (outsideFieldYears(value)) throw new ExpressionEvaluationError('a date outside the years 0001 to 9999', node.start, node.end);
      return toApiValue(value);
    },
    test: (input) => run(new Activation(input)) === true,
  };
  return { ok: true, expression };
}

/**
 * The source with every field name in `spans` replaced by the name `nameOf` gives (a rename's new
 * api name); spans come from `references.spans` of the expression compiled before the rename.
 */
export function rewriteFieldReferences(source: string, spans: ExpressionReferences['spans'], nameOf: (objectId: string, fieldId: string) => string | undefined): string {
  let out = source;
  for (const span of [...spans].sort((a, b) => b.start - a.start)) {
    const name = nameOf(span.objectId, span.fieldId);
    if (name !== undefined) out = out.slice(0, span.start) + name + out.slice(span.end);
  }
  return out;
}
