import { describe, expect, it } from 'vitest';
import { planChange } from '../change/plan-change.ts';
import { testContext } from '../change/test-context.ts';
import { fieldType } from '../field-types/registry.ts';
import { assignIndexSlots, slotOf } from '../indexing/assign-index-slots.ts';
import { findField, findObject } from '../model/find.ts';
import type { Snapshot } from '../schemas/snapshot.ts';
import { standardSnapshot } from '../standard/standard-objects.ts';

function plan(snapshot: Snapshot, operations: unknown[]) {
  return planChange(snapshot, { operations }, testContext());
}

function applied(snapshot: Snapshot, operations: unknown[]): Snapshot {
  const r = plan(snapshot, operations);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.next;
}

const formulaField = (apiName: string, expression: string, resultType = 'number', stored = true) => ({
  op: 'createField',
  object: 'deal',
  field: { apiName, labels: { en: apiName }, type: 'formula', formula: { expression, resultType, stored } },
});

describe('logic in the metadata model', () => {
  it('accepts a stored formula, which then filters and sorts like its result type', () => {
    const next = applied(standardSnapshot(), [formulaField('weighted', 'amount * coalesce(probability, 0) / 100')]);
    const field = findField(findObject(next, 'deal')!, 'weighted')!;
    expect(fieldType(field).sortable).toBe(true);
    expect(fieldType(field).stored).toBe('number');
    expect(fieldType(field).writable).toBe(false);
  });

  it('gives a stored formula an index slot of its result type, and none to one computed on read', () => {
    const before = assignIndexSlots(standardSnapshot(), standardSnapshot());
    const next = assignIndexSlots(before, applied(before, [
      { op: 'createField', object: 'task', field: { apiName: 'overdue_days', labels: { en: 'Overdue days' }, type: 'formula', formula: { expression: "daysBetween(due_date, date('2030-01-01'))", resultType: 'number', stored: true } } },
      { op: 'createField', object: 'task', field: { apiName: 'late', labels: { en: 'Late' }, type: 'formula', formula: { expression: 'due_date < today()', resultType: 'boolean', stored: false } } },
    ]));
    const task = findObject(next, 'task')!;
    expect(slotOf(task, findField(task, 'overdue_days')!.id)).toMatch(/^n[12]$/);
    expect(slotOf(task, findField(task, 'late')!.id)).toBeUndefined();
  });

  it('refuses an ill-typed formula with the path and the position in the expression', () => {
    const r = plan(standardSnapshot(), [formulaField('bad', "amount + 'x'")]);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors[0]).toMatchObject({ path: '/operations/0/field/formula/expression', code: 'invalid_expression', position: { start: 0, end: 12, line: 1, column: 1 } });
  });

  it('refuses a stored formula that uses today() and a formula reading related records', () => {
    const r = plan(standardSnapshot(), [formulaField('age', 'daysBetween(close_date, today())')]);
    expect(!r.ok && r.errors[0]!.message).toContain('stored formula cannot use today() or now()');
    const onRead = plan(standardSnapshot(), [formulaField('age', 'daysBetween(close_date, today())', 'number', false)]);
    expect(onRead.ok).toBe(true);
  });

  it('refuses formulas that refer to each other in a circle', () => {
    const s1 = applied(standardSnapshot(), [formulaField('a1', 'amount + 1'), formulaField('b1', 'a1 + 1')]);
    const r = plan(s1, [{ op: 'updateField', object: 'deal', field: 'a1', patch: { formula: { expression: 'b1 * 2', resultType: 'number', stored: true } } }]);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors.some((e) => e.message.includes('a1 → b1 → a1'))).toBe(true);
  });

  it('refuses deleting a field a formula, validation rule or roll-up uses, naming each', () => {
    const s1 = applied(standardSnapshot(), [
      formulaField('weighted', 'amount * 2'),
      { op: 'updateObject', object: 'deal', patch: { validationRules: [{ apiName: 'big_needs_close', condition: 'amount > 1000 && isNull(close_date)', message: { en: 'A big {deal} needs a close date' } }] } },
      { op: 'createField', object: 'customer', field: { apiName: 'deal_total', labels: { en: 'Deal total' }, type: 'rollup', rollup: { childObjectId: 'deal', lookupFieldId: 'customer', function: 'sum', fieldId: 'amount' } } },
    ]);
    const r = plan(s1, [{ op: 'deleteField', object: 'deal', field: 'amount' }]);
    expect(r.ok).toBe(false);
    const error = !r.ok ? r.errors[0]! : undefined;
    expect(error?.code).toBe('has_dependents');
    expect(error?.dependents?.map((d) => d.label)).toEqual(expect.arrayContaining(['formula deal.weighted', 'validation rule deal.big_needs_close', 'roll-up customer.deal_total']));
    expect(error?.message).toContain("formula 'formula deal.weighted'");
  });

  it('rewrites formulas, rules and layout rules when a field they use is renamed', () => {
    const s0 = standardSnapshot();
    const layout = s0.layouts.find((l) => l.objectId === 'deal')!;
    const s1 = applied(s0, [
      formulaField('weighted', "amount * 2 + size('amount')"),
      { op: 'updateObject', object: 'deal', patch: { validationRules: [{ apiName: 'positive', condition: 'amount < 0', message: { en: 'no' }, fieldId: 'amount' }] } },
      { op: 'upsertLayout', layout: { ...layout, rules: [{ when: 'amount > 10', action: 'require', fieldIds: ['close_date'] }] } },
    ]);
    const s2 = applied(s1, [{ op: 'updateField', object: 'deal', field: 'amount', patch: { apiName: 'value' } }]);
    const deal = findObject(s2, 'deal')!;
    expect(findField(deal, 'weighted')!.formula!.expression).toBe("value * 2 + size('amount')");
    expect(deal.validationRules![0]!.condition).toBe('value < 0');
    expect(s2.layouts.find((l) => l.id === layout.id)!.rules![0]!.when).toBe('value > 10');
  });

  it('follows a picklist value’s rename in every expression comparing with it; removing a used value is refused naming the expression', () => {
    const s0 = standardSnapshot();
    const layout = s0.layouts.find((l) => l.objectId === 'deal')!;
    const s1 = applied(s0, [
      formulaField('won_amount', "stage == 'closed_won' ? amount : 0"),
      { op: 'updateObject', object: 'deal', patch: { validationRules: [{ apiName: 'won_needs_amount', condition: "stage in ['closed_won', 'closed_lost'] && isNull(amount) && name != 'closed_won'", message: { en: 'no' } }] } },
      { op: 'upsertLayout', layout: { ...layout, rules: [{ when: "stage != 'closed_won'", action: 'readOnly', fieldIds: ['close_date'] }] } },
    ]);
    const stage = findField(findObject(s1, 'deal')!, 'stage')!;
    const values = stage.values!.map((v) => ({ id: v.id, apiName: v.apiName === 'closed_won' ? 'won' : v.apiName, labels: v.labels }));
    const s2 = applied(s1, [{ op: 'updateField', object: 'deal', field: 'stage', patch: { values } }]);
    const deal = findObject(s2, 'deal')!;
    expect(findField(deal, 'won_amount')!.formula!.expression).toBe("stage == 'won' ? amount : 0");
    // A text compared with another field keeps its words: only literals compared with the picklist follow.
    expect(deal.validationRules![0]!.condition).toBe("stage in ['won', 'closed_lost'] && isNull(amount) && name != 'closed_won'");
    expect(s2.layouts.find((l) => l.id === layout.id)!.rules![0]!.when).toBe("stage != 'won'");
    // Removing the value the expressions use is refused, naming them; removing an unused one is not.
    const refused = plan(s2, [{ op: 'updateField', object: 'deal', field: 'stage', patch: { values: values.filter((v) => v.apiName !== 'won') } }]);
    expect(refused.ok).toBe(false);
    const error = !refused.ok ? refused.errors[0]! : undefined;
    expect(error?.code).toBe('has_dependents');
    expect(error?.message).toBe("value 'won' of 'stage' is used by 'formula deal.won_amount', 'validation rule deal.won_needs_amount', 'layout rule 1 of the standard layout of 'deal''");
    const unused = values.find((v) => v.apiName === 'proposal')!;
    applied(s2, [{ op: 'updateField', object: 'deal', field: 'stage', patch: { values: values.filter((v) => v.id !== unused.id) } }]);
  });

  it('a field a layout rule acts on is a dependent; removed from layouts, it leaves the rules too', () => {
    const s0 = standardSnapshot();
    const layout = s0.layouts.find((l) => l.objectId === 'deal')!;
    const s1 = applied(s0, [{ op: 'upsertLayout', layout: { ...layout, rules: [{ when: 'amount > 10', action: 'require', fieldIds: ['close_date'] }, { when: 'amount > 5', action: 'readOnly', fieldIds: ['close_date', 'name'] }] } }]);
    const refused = plan(s1, [{ op: 'deleteField', object: 'deal', field: 'close_date' }]);
    expect(!refused.ok && refused.errors[0]!.dependents?.map((d) => d.kind)).toContain('layoutRule');
    const s2 = applied(s1, [{ op: 'deleteField', object: 'deal', field: 'close_date', removeFromLayouts: true }]);
    const deal = findObject(s2, 'deal')!;
    expect(s2.layouts.find((l) => l.id === layout.id)!.rules).toEqual([expect.objectContaining({ action: 'readOnly', fieldIds: [findField(deal, 'name')!.id] })]);
  });

  it('checks roll-ups: the lookup must point at the parent and sum needs a number field', () => {
    const r = plan(standardSnapshot(), [
      { op: 'createField', object: 'customer', field: { apiName: 'x', labels: { en: 'x' }, type: 'rollup', rollup: { childObjectId: 'deal', lookupFieldId: 'organization', function: 'sum', fieldId: 'name' } } },
    ]);
    expect(!r.ok && r.errors.map((e) => e.path)).toEqual(['/operations/0/field/rollup/lookupFieldId', '/operations/0/field/rollup/fieldId']);
  });

  it('stores a picklist dependency by value ids and refuses unknown values', () => {
    const s1 = applied(standardSnapshot(), [
      { op: 'createField', object: 'deal', field: { apiName: 'reason', labels: { en: 'Reason' }, type: 'picklist', values: [{ apiName: 'price', labels: { en: 'Price' } }, { apiName: 'timing', labels: { en: 'Timing' } }] } },
    ]);
    const stage = findField(findObject(s1, 'deal')!, 'stage')!;
    const lost = stage.values!.find((v) => v.apiName.includes('lost'))!;
    const s2 = applied(s1, [{ op: 'updateField', object: 'deal', field: 'reason', patch: { dependsOn: { fieldId: 'stage', map: { [lost.apiName]: ['price', 'timing'] } } } }]);
    const reason = findField(findObject(s2, 'deal')!, 'reason')!;
    expect(reason.dependsOn!.fieldId).toBe(stage.id);
    expect(Object.keys(reason.dependsOn!.map)).toEqual([lost.id]);
    const bad = plan(s1, [{ op: 'updateField', object: 'deal', field: 'reason', patch: { dependsOn: { fieldId: 'stage', map: { nope: ['price'] } } } }]);
    expect(!bad.ok && bad.errors[0]!.message).toContain("'nope' is not a value of 'stage'");
  });
});
