import { describe, expect, it } from 'vitest';
import { deriveApiName, suggestApiName } from './api-name.ts';

describe('suggestApiName', () => {
  it('turns an English label into a snake_case API name', () => {
    expect(suggestApiName('Annual Revenue')).toBe('annual_revenue');
    expect(suggestApiName('  Café  Owner ')).toBe('cafe_owner');
  });
  it('prefixes names that would start with a digit', () => {
    expect(suggestApiName('2nd phone')).toBe('f_2nd_phone');
  });
});

describe('deriveApiName', () => {
  it('follows the label until the user types their own API name', () => {
    const a = deriveApiName({ labels: { en: 'Size' } }, {});
    expect(a['apiName']).toBe('size');
    const b = deriveApiName({ labels: { en: 'Size class' }, apiName: 'size' }, a);
    expect(b['apiName']).toBe('size_class');
    const c = deriveApiName({ labels: { en: 'Size class x' }, apiName: 'custom' }, { labels: { en: 'Size class' }, apiName: 'custom' });
    expect(c['apiName']).toBe('custom');
  });
  it('reads object labels (singular) too', () => {
    expect(deriveApiName({ labels: { en: { singular: 'Project Site', plural: 'Project Sites' } } }, {})['apiName']).toBe('project_site');
  });
});
