import { describe, expect, it } from 'vitest';
import { formatMessage } from './format-message.ts';

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
