import { describe, expect, it } from 'vitest';
import { resolveText, standardSnapshot, standardTerms, type TermDef } from '@protean/metadata';
import { formatMessage } from './format-message.ts';
import { glossaryResolver } from './glossary.ts';
import { createI18n } from './i18n.tsx';
import type { ObjectDef } from '../api/types.ts';

const noTerms = () => undefined;

const patient: TermDef[] = standardTerms().map((t) =>
  t.key === 'customer' ? { ...t, forms: { en: { singular: 'patient', plural: 'patients' }, 'zh-CN': { singular: '患者', measureWord: '位' } } } : t,
);

describe('formatMessage', () => {
  it('inserts parameters and picks the asked form of a noun', () => {
    const deal = { singular: 'Deal', plural: 'Deals' };
    expect(formatMessage('New {object}', { object: deal }, noTerms)).toBe('New Deal');
    expect(formatMessage('No {object:plural} yet.', { object: deal }, noTerms)).toBe('No Deals yet.');
    expect(formatMessage('{count} records', { count: 3 }, noTerms)).toBe('3 records');
    expect(formatMessage('{{literal}}', {}, noTerms)).toBe('{literal}');
  });

  it('resolves names that are not parameters as glossary terms, so "New {Customer}" follows a rename', () => {
    const en = glossaryResolver(patient, 'en');
    expect(formatMessage('New {Customer}', undefined, en)).toBe('New Patient');
    expect(formatMessage('All {customer:plural}', {}, en)).toBe('All patients');
    expect(formatMessage('Add {customer:a}', {}, en)).toBe('Add a patient');
    expect(formatMessage('新建{customer}', {}, glossaryResolver(patient, 'zh-CN'))).toBe('新建患者');
  });

  it('leaves an unknown placeholder visible instead of dropping it', () => {
    expect(formatMessage('Hello {who}', {}, noTerms)).toBe('Hello {who}');
  });

  it('agrees with the metadata package on every label of the standard model, in both languages', () => {
    const snapshot = standardSnapshot();
    for (const locale of ['en', 'zh-CN'] as const) {
      const resolver = glossaryResolver(patient, locale);
      for (const o of snapshot.objects) {
        for (const f of o.fields) {
          const text = f.labels[locale] ?? f.labels.en;
          expect(formatMessage(text, undefined, resolver), `${o.id}.${f.id}`).toBe(resolveText(text, patient, locale));
          for (const v of f.values ?? []) {
            const vt = v.labels[locale] ?? v.labels.en;
            expect(formatMessage(vt, undefined, resolver)).toBe(resolveText(vt, patient, locale));
          }
        }
      }
    }
  });
});

describe('object names and glossary terms', () => {
  const customer = { id: 'customer', apiName: 'customer', term: 'customer', labels: { en: { singular: 'Customer', plural: 'Customers' }, 'zh-CN': { singular: '客户', plural: '客户' } } } as unknown as ObjectDef;

  it('uses the object labels in the current locale while there is no glossary', () => {
    const zh = createI18n('zh-CN', () => {});
    expect(zh.t('record.new', { object: zh.objectNoun(customer) })).toBe('新建客户');
  });

  it('a renamed term changes the object name, its labels and every message that uses it', () => {
    const en = createI18n('en', () => {}, glossaryResolver(patient, 'en'));
    expect(en.objectLabel(customer, 'plural')).toBe('Patients');
    expect(en.t('record.new', { object: en.objectNoun(customer) })).toBe('New Patient');
    expect(en.t('list.empty', { object: en.objectNoun(customer) })).toBe('No Patients yet.');
    const field = standardSnapshot().objects.find((o) => o.id === 'customer')!.fields.find((f) => f.id === 'customer_number')!;
    expect(en.fieldLabel(field)).toBe('Patient number');
    const zh = createI18n('zh-CN', () => {}, glossaryResolver(patient, 'zh-CN'));
    expect(zh.fieldLabel(field)).toBe('患者编号');
    expect(zh.objectLabel(customer)).toBe('患者');
  });
});
