import { describe, expect, it } from 'vitest';
import { planChange } from '../change/plan-change.ts';
import { testContext } from '../change/test-context.ts';
import { standardSnapshot } from '../standard/standard-objects.ts';
import type { Snapshot } from '../schemas/snapshot.ts';
import { validateMetadata } from '../validate/validate-metadata.ts';
import { effectiveTerms, layoutName, objectLabel, resolveSnapshot, termUsage, withTerms } from './glossary.ts';
import { compileTemplate, resolveText, termResolver } from './resolve-text.ts';
import { findTermSet, standardTerms } from './standard-terms.ts';

const plan = (snapshot: Snapshot, operations: unknown[]) => planChange(snapshot, { operations }, testContext());
const next = (snapshot: Snapshot, operations: unknown[]): Snapshot => {
  const result = plan(snapshot, operations);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.next;
};
const healthcare = () => findTermSet('healthcare')!.terms.map((term) => ({ op: 'upsertTerm', term }));

describe('placeholder grammar', () => {
  const terms = standardTerms();
  it('fills singular, capitalised, plural and indefinite forms in English', () => {
    expect(resolveText('New {Customer}', terms, 'en')).toBe('New Customer');
    expect(resolveText('{Customer:plural} and {organization:plural}', terms, 'en')).toBe('Customers and organizations');
    expect(resolveText('Create {customer:a} or {activity:a}', terms, 'en')).toBe('Create a customer or an activity');
    expect(resolveText('{Activity:a}', terms, 'en')).toBe('An activity');
  });

  it('fills Chinese forms, with the measure word for the indefinite form', () => {
    expect(resolveText('新建{customer}', terms, 'zh-CN')).toBe('新建客户');
    expect(resolveText('添加{customer:a}', terms, 'zh-CN')).toBe('添加一位客户');
  });

  it('takes parameters before terms, keeps unknown names and literal braces', () => {
    expect(resolveText('Edit {name}', terms, 'en', { name: 'Ada' })).toBe('Edit Ada');
    expect(resolveText('{nope} {{x}} {customer:weird}', terms, 'en')).toBe('{nope} {x} {customer:weird}');
  });

  it('writes a noun parameter mid-sentence as running English text unless it is an acronym or proper noun', () => {
    const widget = { singular: 'Widget', plural: 'Widgets' };
    expect(resolveText('No {object} with id {id}', terms, 'en', { object: widget, id: 7 })).toBe('No widget with id 7');
    expect(resolveText('{Object:plural} and {object:a}', terms, 'en', { object: widget })).toBe('Widgets and a widget');
    expect(resolveText('No {object:plural}', terms, 'en', { object: { singular: 'VIP Account', plural: 'VIP Accounts' } })).toBe('No VIP Accounts');
    expect(resolveText('No {object:plural}', terms, 'en', { object: { singular: 'Follow-Up', plural: 'Follow-Ups' } })).toBe('No follow-ups');
    expect(resolveText('No {object:plural}', terms, 'en', { object: { singular: "O'Brien Deal", plural: "O'Brien Deals" } })).toBe("No O'Brien Deals");
    expect(resolveText('没有{object}', terms, 'zh-CN', { object: widget })).toBe('没有Widget');
  });

  it('compiles each template once into text and placeholders', () => {
    expect(compileTemplate('New {Customer}!')).toBe(compileTemplate('New {Customer}!'));
    expect(compileTemplate('New {Customer}!')).toEqual(['New ', expect.objectContaining({ key: 'customer', capital: true, form: 'singular' }), '!']);
  });

  it('serves the studio formatter a (name, form) lookup that understands capitalised names', () => {
    const lookup = termResolver(terms, 'en');
    expect(lookup('Customer', 'plural')).toBe('Customers');
    expect(lookup('unknown', 'singular')).toBeUndefined();
  });
});

describe('glossary in the change pipeline', () => {
  it('renaming a term relabels the standard Customer object in zh-CN', () => {
    const renamed = next(standardSnapshot(), [{ op: 'upsertTerm', term: { key: 'customer', forms: { 'zh-CN': { singular: '患者', measureWord: '位' } } } }]);
    const customer = renamed.objects.find((o) => o.id === 'customer')!;
    expect(objectLabel(renamed, customer, 'zh-CN')).toBe('患者');
    expect(objectLabel(renamed, customer, 'en')).toBe('Customer');
    const resolved = resolveSnapshot(renamed, 'zh-CN');
    expect(resolved.objects.find((o) => o.id === 'customer')!.labels['zh-CN']).toEqual({ singular: '患者', plural: '患者' });
    expect(resolved.objects.find((o) => o.id === 'customer')!.fields.find((f) => f.id === 'customer_number')!.labels['zh-CN']).toBe('患者编号');
    expect(resolved.objects.find((o) => o.id === 'deal')!.fields.find((f) => f.id === 'customer')!.labels['zh-CN']).toBe('患者');
  });

  it('the Healthcare set leaves no Customer or 客户 in the resolved model, in either locale', () => {
    const model = next(standardSnapshot(), healthcare());
    for (const locale of ['en', 'zh-CN'] as const) {
      const text = JSON.stringify({ ...resolveSnapshot(model, locale), terms: [] });
      expect(text).not.toMatch(/Customers?\b|\bcustomers?\b(?!["_])/);
      expect(text).not.toContain('客户');
      expect(text).not.toMatch(/\{[A-Za-z]/);
    }
    expect(resolveSnapshot(model, 'en').layouts.find((l) => l.id === 'customer_default')!.name).toBe('Patient layout');
  });

  it("a layout no one has named reads in the reader's language with its object's current name; a layout an admin named keeps its name", () => {
    const standard = standardSnapshot();
    const customerLayout = (s: Snapshot) => s.layouts.find((l) => l.id === 'customer_default')!;
    expect(layoutName(standard, customerLayout(standard), 'en')).toBe('Customer layout');
    expect(layoutName(standard, customerLayout(standard), 'zh-CN')).toBe('客户布局');
    const clinic = next(standard, healthcare());
    expect(resolveSnapshot(clinic, 'zh-CN').layouts.find((l) => l.id === 'customer_default')!.name).toBe('患者布局');

    const withProject = next(standard, [{ op: 'createObject', object: { apiName: 'project', labels: { en: { singular: 'Project', plural: 'Projects' }, 'zh-CN': { singular: '项目', plural: '项目' } } } }]);
    const projectLayout = withProject.layouts.find((l) => l.objectId === withProject.objects.find((o) => o.apiName === 'project')!.id)!;
    expect(layoutName(withProject, projectLayout, 'en')).toBe('Project layout');
    expect(layoutName(withProject, projectLayout, 'zh-CN')).toBe('项目布局');
    const renamed = next(withProject, [{ op: 'updateObject', object: 'project', patch: { labels: { en: { singular: 'Engagement', plural: 'Engagements' }, 'zh-CN': { singular: '合作', plural: '合作' } } } }]);
    expect(layoutName(renamed, projectLayout, 'en')).toBe('Engagement layout');
    expect(layoutName(renamed, projectLayout, 'zh-CN')).toBe('合作布局');

    const named = next(renamed, [{ op: 'upsertLayout', layout: { ...projectLayout, name: 'Intake form' } }]);
    const intake = named.layouts.find((l) => l.id === projectLayout.id)!;
    expect([layoutName(named, intake, 'en'), layoutName(named, intake, 'zh-CN')]).toEqual(['Intake form', 'Intake form']);
  });

  it("reads the layout names the platform wrote before ('{Customer} layout', 'Default') as the platform's name", () => {
    const old = standardSnapshot();
    for (const layout of old.layouts) layout.name = layout.objectId === 'deal' ? 'Default' : `{${layout.objectId[0]!.toUpperCase()}${layout.objectId.slice(1)}} layout`;
    expect(validateMetadata(old)).toEqual([]);
    const clinic = next(old, healthcare());
    expect(resolveSnapshot(clinic, 'zh-CN').layouts.map((l) => l.name)).toEqual(['患者布局', '诊所布局', '治疗方案布局', '就诊布局', '护理任务布局']);
  });

  it('a rename is one diff entry of kind term; reset brings back the standard forms', () => {
    const result = plan(standardSnapshot(), [{ op: 'upsertTerm', term: { key: 'customer', forms: { en: { singular: 'patient', plural: 'patients' } } } }]);
    expect(result.ok && result.diff).toEqual([expect.objectContaining({ kind: 'term', action: 'updated', id: 'customer' })]);
    const renamed = next(standardSnapshot(), healthcare());
    const reset = next(renamed, [{ op: 'resetTerm', key: 'customer' }]);
    expect(objectLabel(reset, reset.objects[0]!, 'en')).toBe('Customer');
  });

  it('a standard term cannot be deleted; a custom term in use cannot be deleted and lists its dependents', () => {
    const standard = plan(standardSnapshot(), [{ op: 'deleteTerm', key: 'customer' }]);
    expect(!standard.ok && standard.errors[0]!.code).toBe('standard_term');
    const withPet = next(standardSnapshot(), [
      { op: 'upsertTerm', term: { key: 'pet', forms: { en: { singular: 'pet', plural: 'pets' }, 'zh-CN': { singular: '宠物' } } } },
      { op: 'createField', object: 'customer', field: { apiName: 'favourite_pet', type: 'text', labels: { en: 'Favourite {pet}', 'zh-CN': '最喜欢的{pet}' } } },
    ]);
    expect(termUsage(withPet, 'pet').map((u) => u.path)).toEqual(expect.arrayContaining([expect.stringMatching(/labels\/en$/), expect.stringMatching(/labels\/zh-CN$/)]));
    const refused = plan(withPet, [{ op: 'deleteTerm', key: 'pet' }]);
    expect(!refused.ok && refused.errors[0]).toMatchObject({ code: 'has_dependents', dependents: [expect.objectContaining({ kind: 'field' }), expect.anything()] });
    const reset = plan(withPet, [{ op: 'resetTerm', key: 'pet' }]);
    expect(!reset.ok && reset.errors[0]!.code).toBe('not_standard');
  });

  it('refuses labels that name no term', () => {
    const result = plan(standardSnapshot(), [{ op: 'createField', object: 'deal', field: { apiName: 'x', type: 'text', labels: { en: 'About {custmer}' } } }]);
    expect(!result.ok && result.errors[0]).toMatchObject({ code: 'unknown_term' });
  });

  it('reads a snapshot stored before terminology as the standard catalogue', () => {
    const old = standardSnapshot();
    delete old.terms;
    expect(validateMetadata(old)).toEqual([]);
    expect(effectiveTerms(old).map((t) => t.key)).toEqual(standardTerms().map((t) => t.key));
    expect(withTerms(old).terms).toHaveLength(standardTerms().length);
    expect(resolveText('{Customer}', effectiveTerms(old), 'en')).toBe('Customer');
    const changed = plan(old, [{ op: 'upsertTerm', term: { key: 'deal', forms: { en: { singular: 'case', plural: 'cases' } } } }]);
    expect(changed.ok && changed.diff).toEqual([expect.objectContaining({ kind: 'term', id: 'deal' })]);
  });
});
