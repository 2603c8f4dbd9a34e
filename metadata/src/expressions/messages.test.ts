import { describe, expect, it } from 'vitest';
import type { FieldDef } from '../schemas/field-def.ts';
import type { ObjectDef } from '../schemas/object-def.ts';
import type { Snapshot } from '../schemas/snapshot.ts';
import { planChange } from '../change/plan-change.ts';
import { testContext } from '../change/test-context.ts';
import { standardSnapshot } from '../standard/standard-objects.ts';
import { compileExpression, ExpressionEvaluationError, expressionMessage, expressionProblem, logicMessage, type ExpressionContext } from './index.ts';

function field(id: string, apiName: string, type: string, extra: Record<string, unknown> = {}): FieldDef {
  return { id, apiName, apiNameAliases: [], labels: { en: apiName }, type, ...extra } as unknown as FieldDef;
}
function object(id: string, apiName: string, fields: FieldDef[]): ObjectDef {
  return { id, apiName, apiNameAliases: [], labels: { en: { singular: apiName, plural: apiName + 's' } }, standard: false, nameFieldId: fields[0]!.id, fields } as unknown as ObjectDef;
}
const clinic = object('o_clinic', 'clinic', [field('c_name', 'name', 'text'), field('c_city', 'city', 'text'), field('c_score', 'score', 'formula', { formula: { expression: 'size(name)', resultType: 'number', stored: false } })]);
const deal = object('o_deal', 'deal', [
  field('f_name', 'name', 'text'),
  field('f_amount', 'amount', 'currency'),
  field('f_clinic', 'clinic', 'lookup', { lookup: { objectId: 'o_clinic', onDelete: 'setNull', relationshipName: 'deals' } }),
  field('f_meta', 'meta', 'json'),
  field('f_status', 'status', 'picklist', { values: [{ id: 'v_open', apiName: 'open', labels: { en: 'Open' }, active: true }, { id: 'v_won', apiName: 'won', labels: { en: 'Won' }, active: true }] }),
  field('f_a', 'loopA', 'formula', { formula: { expression: 'loopB + 1', resultType: 'number', stored: false } }),
  field('f_b', 'loopB', 'formula', { formula: { expression: 'loopA + 1', resultType: 'number', stored: false } }),
]);
const snapshot: Snapshot = { revision: 1, objects: [deal, clinic], layouts: [] } as unknown as Snapshot;

/** English words that mean a message was left untranslated (quoted names, code and type words set aside). */
const ENGLISH = /\b(is|are|must|the|not|be|of|and|or|no|with|field|value|values|needs|cannot|takes|unknown|expected|found|more|than|only|write|use|unexpected|list|refers|itself|did|you|mean)\b/i;
const unquoted = (text: string) => text.replace(/'[^']*'|"[^"]*"|\w+\([^)]*\)|\(\w+(, \w+)*\)|[\w.]+ [=!<>]=? [\w.']+/g, '');

function refused(source: string, context: ExpressionContext = 'validation', expect?: 'bool' | 'number'): string[] {
  const r = compileExpression(source, { snapshot, object: 'deal', context }, expect ? { expect } : {});
  return r.ok ? [`expected ${source} to be refused`] : r.errors.map((e) => e.message);
}

describe('expression messages in zh-CN', () => {
  it('every parser and checker error an admin can meet has its Chinese form, names kept', () => {
    const cases: [string, ExpressionContext?, ('bool' | 'number')?][] = [
      ['amount >'], ['amount > 1 < 2'], ["name == 'x"], ['amount $ 2'], ['1..2'], ['(amount'], ['deal.'], ['if'], [''],
      ['amont > 1'], ["status == 'wonn'"], ['clinic.citty'], ['clinic.name.size'], ['clinic.score > 1'], ['user.phone'], ['meta'], ['loopA'],
      ['!amount'], ['-name'], ["amount + 'x'"], ['name && true'], ['[1] < [2]'], ['1 in 2'], ['amount ? 1 : 2'], ['true ? 1 : name'],
      ['isChanged(amount)', 'formula'], ['isNew(1)'], ['isChanged(1)'], ['sizee(name)'], ['name.coalesce(1)'], ['size()'], ['abs(name)'], ['max(1, name)'],
      ['name.matches(name)'], ["name.matches('(a+)+')"], ["name.matches('[')"], ['amount[0]'], ['[1, name]'], ['amount', undefined, 'bool'],
    ];
    const untranslated: string[] = [];
    for (const [source, context, expect] of cases) {
      for (const message of refused(source, context, expect)) {
        const zh = expressionMessage(message, 'zh-CN');
        if (zh === undefined || !/[\u4e00-\u9fff]/.test(zh) || ENGLISH.test(unquoted(zh))) untranslated.push(`${source}: ${message} → ${zh}`);
      }
    }
    expect(untranslated).toEqual([]);
    // Names, values and the suggestion survive.
    expect(expressionMessage(refused("status == 'wonn'")[0]!, 'zh-CN')).toBe("'wonn'不是status的选项（是否想写'won'？）");
    expect(expressionMessage(refused('amont > 1')[0]!, 'zh-CN')).toBe("deal上没有字段'amont'（是否想写'amount'？）");
  });

  it('the checks of formulas, roll-ups, defaults, dependent picklists and rules read in Chinese', () => {
    const r = planChange(standardSnapshot(), { operations: [
      { op: 'createField', object: 'deal', field: { apiName: 'frozen', labels: { en: 'x' }, type: 'formula', formula: { expression: 'organization.name', resultType: 'text', stored: true } } },
      { op: 'createField', object: 'deal', field: { apiName: 'now_stored', labels: { en: 'x' }, type: 'formula', formula: { expression: 'today()', resultType: 'date', stored: true } } },
      { op: 'createField', object: 'customer', field: { apiName: 'r1', labels: { en: 'x' }, type: 'rollup', rollup: { childObjectId: 'deal', lookupFieldId: 'organization', function: 'sum' } } },
      { op: 'createField', object: 'customer', field: { apiName: 'r2', labels: { en: 'x' }, type: 'rollup', rollup: { childObjectId: 'deal', lookupFieldId: 'customer', function: 'count', fieldId: 'amount' } } },
      { op: 'createField', object: 'customer', field: { apiName: 'r3', labels: { en: 'x' }, type: 'rollup', rollup: { childObjectId: 'deal', lookupFieldId: 'customer', function: 'sum', fieldId: 'name' } } },
      { op: 'createField', object: 'deal', field: { apiName: 'flag', labels: { en: 'x' }, type: 'boolean', defaultExpression: 'true', dependsOn: { fieldId: 'stage', map: {} } } },
      { op: 'updateObject', object: 'deal', patch: { validationRules: [{ apiName: 'a', condition: 'true', message: { en: 'a' } }, { apiName: 'a', condition: 'amount >', message: { en: 'a' } }] } },
    ] }, testContext());
    expect(r.ok).toBe(false);
    const messages = (r.ok ? [] : r.errors).map((e) => e.message);
    expect(messages).toEqual(expect.arrayContaining([
      "a stored formula cannot read related records ('organization.name'): the stored value would go stale when the related record changes; compute it on read",
      'count counts records; it takes no field',
      "validation rule 'a' appears twice",
    ]));
    expect(messages.length).toBeGreaterThanOrEqual(8);
    const untranslated = (r.ok ? [] : r.errors).map((e) => e.message).filter((m) => {
      const zh = expressionProblem(m, 'zh-CN');
      return zh === undefined || ENGLISH.test(unquoted(zh));
    });
    expect(untranslated).toEqual([]);
  });

  it('an error as a saved metadata change reports it keeps its line and column', () => {
    expect(expressionProblem("no field 'amont' on deal (did you mean 'amount'?) (line 2, column 3)", 'zh-CN')).toBe("deal上没有字段'amont'（是否想写'amount'？）（第 2 行，第 3 列）");
    expect(expressionProblem('the expression is empty (line 1, column 1)', 'en')).toBe('the expression is empty (line 1, column 1)');
    expect(expressionProblem('Something else entirely', 'zh-CN')).toBeUndefined();
  });

  it('evaluation errors and the save pipeline’s phrases read in Chinese', () => {
    const r = compileExpression('amount / 0 > 1', { snapshot, object: 'deal', context: 'validation' });
    if (!r.ok) throw new Error('compiles');
    let message = '';
    try {
      r.expression.test({ record: { f_amount: 5 } });
    } catch (e) {
      expect(e).toBeInstanceOf(ExpressionEvaluationError);
      message = (e as Error).message;
    }
    expect(expressionMessage(message, 'zh-CN')).toBe('除数为零');
    expect(logicMessage(`validation rule big could not be evaluated: ${message}`, 'zh-CN')).toBe('校验规则 big 无法计算：除数为零');
    expect(logicMessage("is required when status == 'won'", 'zh-CN')).toBe("在 status == 'won' 成立时为必填项");
    expect(logicMessage("'vip' cannot be chosen while tier is basic", 'zh-CN')).toBe("tier 为 basic 时不能选择'vip'");
  });
});
