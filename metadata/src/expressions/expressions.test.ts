import { describe, expect, it } from 'vitest';
import type { FieldDef } from '../schemas/field-def.ts';
import type { ObjectDef } from '../schemas/object-def.ts';
import type { Snapshot } from '../schemas/snapshot.ts';
import {
  compileExpression,
  compileFormula,
  expressionLimits,
  ExpressionEvaluationError,
  parseExpression,
  rewriteFieldReferences,
  type ExpressionEnvironment,
} from './index.ts';

function field(id: string, apiName: string, type: string, extra: Record<string, unknown> = {}): FieldDef {
  return { id, apiName, apiNameAliases: [], labels: { en: apiName }, type, ...extra } as unknown as FieldDef;
}

function object(id: string, apiName: string, fields: FieldDef[]): ObjectDef {
  return { id, apiName, apiNameAliases: [], labels: { en: { singular: apiName, plural: apiName + 's' } }, standard: false, nameFieldId: fields[0]!.id, fields } as unknown as ObjectDef;
}

const status = field('f_status', 'status', 'picklist', {
  values: [
    { id: 'v_open', apiName: 'open', labels: { en: 'Open' }, active: true },
    { id: 'v_won', apiName: 'won', labels: { en: 'Won' }, active: true },
  ],
});
const tags = field('f_tags', 'tags', 'multiPicklist', {
  values: [
    { id: 'v_vip', apiName: 'vip', labels: { en: 'VIP' }, active: true },
    { id: 'v_new', apiName: 'new', labels: { en: 'New' }, active: true },
  ],
});

const clinic = object('o_clinic', 'clinic', [field('c_name', 'name', 'text'), field('c_city', 'city', 'text'), field('c_parent', 'parent', 'lookup', { lookup: { objectId: 'o_clinic', onDelete: 'setNull', relationshipName: 'children' } })]);
const deal = object('o_deal', 'deal', [
  field('f_name', 'name', 'text'),
  field('f_amount', 'amount', 'currency'),
  field('f_discount', 'discount', 'percent'),
  field('f_reason', 'reason', 'text'),
  field('f_birth', 'birthDate', 'date'),
  field('f_closed', 'closedAt', 'datetime'),
  field('f_vip', 'vip', 'boolean'),
  field('f_clinic', 'clinic', 'lookup', { lookup: { objectId: 'o_clinic', onDelete: 'setNull', relationshipName: 'deals' } }),
  field('f_meta', 'meta', 'json'),
  status,
  tags,
  field('f_net', 'net', 'formula', { formula: { expression: 'amount * (1 - coalesce(discount, 0) / 100)', resultType: 'number', stored: true } }),
  field('f_netLabel', 'netLabel', 'formula', { formula: { expression: "name + ': ' + text(net)", resultType: 'text', stored: false } }),
  field('f_a', 'loopA', 'formula', { formula: { expression: 'loopB + 1', resultType: 'number', stored: false } }),
  field('f_b', 'loopB', 'formula', { formula: { expression: 'loopA + 1', resultType: 'number', stored: false } }),
]);
const snapshot: Snapshot = { revision: 1, objects: [deal, clinic], layouts: [] };
const env = (context: ExpressionEnvironment['context'] = 'validation'): ExpressionEnvironment => ({ snapshot, object: 'deal', context });

function compiled(source: string, context: ExpressionEnvironment['context'] = 'validation') {
  const r = compileExpression(source, env(context));
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('; '));
  return r.expression;
}

function errorsOf(source: string, context: ExpressionEnvironment['context'] = 'validation', expect?: 'bool') {
  const r = compileExpression(source, env(context), expect ? { expect } : {});
  if (r.ok) throw new Error(`expected ${source} to be refused`);
  return r.errors;
}

describe('expression language', () => {
  it('evaluates a validation rule against a stored record (field ids, picklists by value id)', () => {
    const rule = compiled("discount > 20 && isBlank(reason) && status == 'open'");
    expect(rule.test({ record: { f_discount: 25, f_status: 'v_open' } })).toBe(true);
    expect(rule.test({ record: { f_discount: 25, f_status: 'v_open', f_reason: 'loyal' } })).toBe(false);
    expect(rule.test({ record: { f_discount: 10, f_status: 'v_open' } })).toBe(false);
    expect(rule.test({ record: { f_status: 'v_open' } })).toBe(false);
  });

  it('reads records in API form when the environment says so', () => {
    const r = compileExpression("status == 'won' && includes(tags, 'vip')", { ...env(), recordForm: 'api' });
    expect(r.ok && r.expression.test({ record: { status: 'won', tags: ['vip'] } })).toBe(true);
  });

  it('computes an age from a birth date with today in the tenant time zone', () => {
    const age = compiled('yearsBetween(birthDate, today())', 'formula');
    // 2024-03-01T02:00Z is still Feb 29 in New York and already Mar 1 in Shanghai.
    const now = Date.parse('2024-03-01T02:00:00Z');
    expect(age.evaluate({ record: { f_birth: '2000-03-01' }, now, timeZone: 'Asia/Shanghai' })).toBe(24);
    expect(age.evaluate({ record: { f_birth: '2000-03-01' }, now, timeZone: 'America/New_York' })).toBe(23);
    expect(compiled('today()', 'formula').evaluate({ record: {}, now, timeZone: 'America/New_York' })).toBe('2024-02-29');
  });

  it('does date and duration arithmetic', () => {
    const e = (s: string) => compiled(s, 'formula').evaluate({ record: { f_birth: '2024-01-31', f_closed: '2024-01-31T10:00:00.000Z' }, timeZone: 'UTC' });
    expect(e('addMonths(birthDate, 1)')).toBe('2024-02-29');
    expect(e("birthDate + duration('2d')")).toBe('2024-02-02');
    expect(e("(closedAt - datetime('2024-01-31T08:30:00Z')).inMinutes()")).toBe(90);
    expect(e("daysBetween(birthDate, date('2024-03-01'))")).toBe(30);
    expect(e('closedAt + hours(2)')).toBe('2024-01-31T12:00:00.000Z');
    expect(e('birthDate.dayOfWeek()')).toBe(3);
    expect(e("date(2024, 2, 29) < date('2024-03-01')")).toBe(true);
  });

  it('keeps the years 0 to 99 as written, and gives no date a date field cannot hold', () => {
    const e = (s: string) => compiled(s, 'formula').evaluate({ record: { f_birth: '2024-01-31', f_closed: '2024-01-31T10:00:00.000Z' }, timeZone: 'UTC' });
    expect(e('date(50, 1, 1)')).toBe('0050-01-01');
    expect(e("date('0050-03-01')")).toBe('0050-03-01');
    expect(e("addMonths(date('0099-12-15'), 1)")).toBe('0100-01-15');
    expect(e("date(50, 1, 1) + duration('1d')")).toBe('0050-01-02');
    expect(e('date(1, 1, 1)')).toBe('0001-01-01');
    expect(e('date(9999, 12, 31)')).toBe('9999-12-31');
    for (const outside of ['date(-5, 1, 1)', 'date(0, 12, 31)', 'date(10000, 1, 1)', "birthDate + duration('3000000d')", "closedAt + duration('3000000d')", "closedAt + duration('999999999999d')"]) {
      expect(() => e(outside), outside).toThrow(/outside the years 0001 to 9999/);
    }
    // As text, such a date says what it is rather than a truncated or thrown one.
    expect(e('text(date(-5, 1, 1))')).toBe('-000005-01-01');
    expect(e("text(closedAt + duration('999999999999d'))")).toBe('invalid date-time');
  });

  it('does text and number functions, with null joining text as empty', () => {
    const e = (s: string, record: Record<string, unknown> = { f_name: ' Acme ', f_amount: 1234.565 }) => compiled(s, 'formula').evaluate({ record });
    expect(e("name.trim().upper() + '-' + reason")).toBe('ACME-');
    expect(e('round(amount, 2)')).toBe(1234.57);
    expect(e("name.trim().substring(1, 3) + left('xyz', 1) + right('xyz', 1)")).toBe('cmxz');
    expect(e("name.contains('cm') && name.matches('^ A[a-z]+ $')")).toBe(true);
    expect(e('max(amount, 2000, null)')).toBe(2000);
    expect(e('amount + discount')).toBe(null);
    expect(e("coalesce(reason, 'none')")).toBe('none');
    expect(e("size('日本語')")).toBe(3);
  });

  it('reads fields of a looked-up record one level deep, and the current user', () => {
    const rule = compiled("clinic.city == 'Lyon' && user.email.endsWith('@acme.test')");
    expect(rule.references.related).toEqual([{ lookupFieldId: 'f_clinic', objectId: 'o_clinic', fieldIds: ['c_city'] }]);
    expect(rule.references.user).toBe(true);
    expect(rule.test({ record: { f_clinic: 'x' }, related: { f_clinic: { c_city: 'Lyon' } }, user: { email: 'a@acme.test' } })).toBe(true);
    expect(rule.test({ record: {}, related: {}, user: { email: 'a@acme.test' } })).toBe(false);
    const deep = errorsOf('clinic.parent.name == "x"');
    expect(deep[0]).toMatchObject({ code: 'context', start: 14 });
  });

  it('isChanged and priorValue compare with the record before the save', () => {
    const rule = compiled("isChanged(status) && priorValue(status) == 'won' && !isNew()");
    expect(rule.test({ record: { f_status: 'v_open' }, prior: { f_status: 'v_won' } })).toBe(true);
    expect(rule.test({ record: { f_status: 'v_won' }, prior: { f_status: 'v_won' } })).toBe(false);
    expect(rule.test({ record: { f_status: 'v_open' } })).toBe(false);
    expect(errorsOf('isChanged(status)', 'formula')[0]).toMatchObject({ code: 'context', start: 0 });
    expect(errorsOf('isChanged(1)')[0]!.message).toContain('takes a field');
  });

  it('formulas used by other expressions are computed inline, and the ones they read are listed', () => {
    const label = compiled('netLabel', 'formula');
    expect(label.evaluate({ record: { f_name: 'Acme', f_amount: 200, f_discount: 10 } })).toBe('Acme: 180');
    expect(label.references.fieldIds).toEqual(expect.arrayContaining(['f_netLabel', 'f_name', 'f_net', 'f_amount', 'f_discount']));
    expect(label.references.formulaFieldIds).toEqual(expect.arrayContaining(['f_netLabel', 'f_net']));
  });

  it('refuses a formula that refers to itself through another, naming the chain', () => {
    const loopA = deal.fields.find((f) => f.id === 'f_a')!;
    const r = compileFormula(loopA, 'loopB + 1', env('formula'), 'number');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors[0]).toMatchObject({ code: 'recursion', start: 0, end: 5 });
    expect(!r.ok && r.errors[0]!.message).toContain('loopA → loopB → loopA');
  });

  it('reports every error with its position, line and column', () => {
    const errors = errorsOf("amount > 'x' &&\n  stauts == 'open' && frob(1)");
    expect(errors.map((e) => e.code)).toEqual(['type', 'unknownField', 'unknownFunction']);
    expect(errors[1]).toMatchObject({ line: 2, column: 3, start: 18, end: 24 });
    expect(errors[1]!.message).toContain("did you mean 'status'");
    expect(errorsOf("status == 'lost'")[0]!.message).toContain("'lost' is not a value of status");
    expect(errorsOf("includes(tags, 'gold')")[0]!.message).toContain("'gold' is not a value of tags");
    expect(errorsOf('meta == 1')[0]!.message).toContain('json fields cannot be used');
    expect(errorsOf('amount + 1', 'validation', 'bool')[0]!.message).toContain('gives number but bool is needed');
  });

  it('refuses unparseable input with the position of the problem', () => {
    for (const [source, start, text] of [
      ['amount >', 8, 'ends too early'],
      ['amount > 1 )', 11, "unexpected ')'"],
      ["name == 'abc", 8, 'unterminated string'],
      ['1 < 2 < 3', 6, 'do not chain'],
      ['amount # 2', 7, "unexpected character '#'"],
      ['', 0, 'empty'],
    ] as const) {
      const r = parseExpression(source);
      expect(r.ok, source).toBe(false);
      expect(!r.ok && r.errors[0], source).toMatchObject({ code: 'syntax', start });
      expect(!r.ok && r.errors[0]!.message, source).toContain(text);
    }
  });

  it('refuses expressions over the size, depth and cost limits', () => {
    expect(parseExpression('1+'.repeat(2100) + '1')).toMatchObject({ ok: false, errors: [{ code: 'limit' }] });
    expect(parseExpression('('.repeat(40) + '1' + ')'.repeat(40))).toMatchObject({ ok: false, errors: [{ code: 'limit' }] });
    const wide = Array.from({ length: 120 }, () => "amount.size() > 1").join(' || ');
    expect(errorsOf(wide).some((e) => e.code === 'limit' || e.code === 'type')).toBe(true);
    const costly = Array.from({ length: 90 }, () => "name.replace('a','b') == ''").join(' || ');
    expect(costly.length).toBeLessThan(expressionLimits.maxLength);
    expect(errorsOf(costly)[0]).toMatchObject({ code: 'limit' });
    expect(errorsOf("name.matches('(a+)+$')")[0]).toMatchObject({ code: 'limit' });
  });

  it('reports run-time errors with their position instead of returning a wrong value', () => {
    const div = compiled('amount / discount > 1');
    try {
      div.test({ record: { f_amount: 1, f_discount: 0 } });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ExpressionEvaluationError);
      expect(e).toMatchObject({ message: 'division by zero', start: 0, end: 17 });
    }
    expect(() => compiled("date(reason) > today()").test({ record: { f_reason: 'soon' } })).toThrow(/not a date/);
  });

  it('rewrites field references for a rename without touching strings that look alike', () => {
    const source = "status == 'open' && clinic.city != 'status' && record.status != 'won'";
    const r = compiled(source);
    const renamed = rewriteFieldReferences(source, r.references.spans, (objectId, fieldId) => (fieldId === 'f_status' ? 'stage' : fieldId === 'c_city' && objectId === 'o_clinic' ? 'town' : undefined));
    expect(renamed).toBe("stage == 'open' && clinic.town != 'status' && record.stage != 'won'");
  });
});
