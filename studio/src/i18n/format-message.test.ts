import { describe, expect, it } from 'vitest';
import { formatMessage } from './format-message.ts';
import { createI18n } from './i18n.tsx';
import type { ObjectDef } from '../api/types.ts';

const noTerms = () => undefined;

describe('formatMessage', () => {
  it('inserts parameters and picks the asked form of a noun', () => {
    const deal = { singular: 'Deal', plural: 'Deals' };
    expect(formatMessage('New {object}', { object: deal }, noTerms)).toBe('New Deal');
    expect(formatMessage('No {object:plural} yet.', { object: deal }, noTerms)).toBe('No Deals yet.');
    expect(formatMessage('{count} records', { count: 3 }, noTerms)).toBe('3 records');
  });

  it('resolves names that are not parameters as glossary terms, so "New {customer}" follows a rename', () => {
    const terms = (term: string, form: 'singular' | 'plural') => (term === 'customer' ? (form === 'plural' ? 'Patients' : 'Patient') : undefined);
    expect(formatMessage('New {customer}', undefined, terms)).toBe('New Patient');
    expect(formatMessage('All {customer:plural}', {}, terms)).toBe('All Patients');
  });

  it('leaves an unknown placeholder visible instead of dropping it', () => {
    expect(formatMessage('Hello {who}', {}, noTerms)).toBe('Hello {who}');
  });
});


describe('object names and glossary terms', () => {
  const customer = { id: 'customer', apiName: 'customer', term: 'customer', labels: { en: { singular: 'Customer', plural: 'Customers' }, 'zh-CN': { singular: '客户', plural: '客户' } } } as unknown as ObjectDef;

  it('uses the object labels in the current locale until the glossary names the term', () => {
    const zh = createI18n('zh-CN', () => {});
    expect(zh.t('record.new', { object: zh.objectNoun(customer) })).toBe('新建客户');
  });

  it('a renamed term changes the object name and every message that uses it', () => {
    const terms = (term: string, form: 'singular' | 'plural') => (term === 'customer' ? (form === 'plural' ? 'Patients' : 'Patient') : undefined);
    const en = createI18n('en', () => {}, terms);
    expect(en.objectLabel(customer, 'plural')).toBe('Patients');
    expect(en.t('record.new', { object: en.objectNoun(customer) })).toBe('New Patient');
    expect(en.t('list.empty', { object: en.objectNoun(customer) })).toBe('No Patients yet.');
  });
});
