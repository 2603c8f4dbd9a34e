import { describe, expect, it } from 'vitest';
import { standardSnapshot, standardTerms, type TermDef } from '@protean/metadata';
import { createTextResolver } from '@protean/metadata/terms';
import { createI18n } from './i18n.tsx';
import type { ObjectDef } from '../api/types.ts';

const patient: TermDef[] = standardTerms().map((t) =>
  t.key === 'customer' ? { ...t, forms: { en: { singular: 'patient', plural: 'patients' }, 'zh-CN': { singular: '患者', measureWord: '位' } } } : t,
);

describe('messages', () => {
  const plain = createI18n('en', () => {});

  it('inserts parameters and picks the asked form of a noun', () => {
    const deal = { singular: 'Deal', plural: 'Deals' };
    expect(plain.format('New {Object}', { object: deal })).toBe('New Deal');
    expect(plain.format('No {object:plural} yet.', { object: deal })).toBe('No deals yet.');
    expect(plain.format('{count} records', { count: 3 })).toBe('3 records');
    expect(plain.format('{{literal}}', {})).toBe('{literal}');
  });

  it('resolves names that are not parameters as glossary terms, so "New {Customer}" follows a rename', () => {
    const en = createI18n('en', () => {}, createTextResolver(patient, 'en'));
    expect(en.format('New {Customer}')).toBe('New Patient');
    expect(en.format('All {customer:plural}', {})).toBe('All patients');
    expect(en.format('Add {customer:a}', {})).toBe('Add a patient');
    expect(createI18n('zh-CN', () => {}, createTextResolver(patient, 'zh-CN')).format('新建{customer}', {})).toBe('新建患者');
  });

  it('writes an object name mid-sentence as running English text, but keeps acronyms and proper nouns', () => {
    const noun = (singular: string, plural: string) => ({ singular, plural });
    expect(plain.t('list.empty', { object: noun('Patient', 'Patients') })).toBe('No patients yet.');
    expect(plain.t('list.empty', { object: noun('Treatment Plan', 'Treatment Plans') })).toBe('No treatment plans yet.');
    expect(plain.t('list.empty', { object: noun('VIP account', 'VIP accounts') })).toBe('No VIP accounts yet.');
    expect(plain.t('list.empty', { object: noun('iPhone lead', 'iPhone leads') })).toBe('No iPhone leads yet.');
    expect(plain.t('list.empty', { object: noun('Q3 Goal', 'Q3 Goals') })).toBe('No Q3 Goals yet.');
    expect(plain.tc('list.confirmDelete', 2, { object: noun('Patient', 'Patients') })).toBe('Move 2 patients to the recycle bin?');
    expect(plain.t('home.pipeline', { object: noun('Deal', 'Deals'), field: 'Stage' })).toBe('Deals by Stage');
    expect(plain.t('record.new', { object: noun('Patient', 'Patients') })).toBe('New Patient');
    expect(plain.format('Add {object:a}', { object: noun('Invoice', 'Invoices') })).toBe('Add an invoice');
    const zh = createI18n('zh-CN', () => {});
    expect(zh.t('list.empty', { object: noun('Widget', 'Widgets') })).toBe('还没有Widgets。');
  });

  it('leaves an unknown placeholder visible instead of dropping it', () => {
    expect(plain.format('Hello {who}', {})).toBe('Hello {who}');
  });
});

describe('object names and glossary terms', () => {
  const customer = { id: 'customer', apiName: 'customer', term: 'customer', labels: { en: { singular: 'Customer', plural: 'Customers' }, 'zh-CN': { singular: '客户', plural: '客户' } } } as unknown as ObjectDef;

  it('uses the object labels in the current locale while there is no glossary', () => {
    const zh = createI18n('zh-CN', () => {});
    expect(zh.t('record.new', { object: zh.objectNoun(customer) })).toBe('新建客户');
  });

  it('a renamed term changes the object name, its labels and every message that uses it', () => {
    const en = createI18n('en', () => {}, createTextResolver(patient, 'en'));
    expect(en.objectLabel(customer, 'plural')).toBe('Patients');
    expect(en.t('record.new', { object: en.objectNoun(customer) })).toBe('New Patient');
    expect(en.t('list.empty', { object: en.objectNoun(customer) })).toBe('No patients yet.');
    const field = standardSnapshot().objects.find((o) => o.id === 'customer')!.fields.find((f) => f.id === 'customer_number')!;
    expect(en.fieldLabel(field)).toBe('Patient number');
    const zh = createI18n('zh-CN', () => {}, createTextResolver(patient, 'zh-CN'));
    expect(zh.fieldLabel(field)).toBe('患者编号');
    expect(zh.objectLabel(customer)).toBe('患者');
  });
});
