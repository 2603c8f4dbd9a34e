import { describe, expect, it } from 'vitest';
import { en } from './catalogue.en.ts';
import { zhCN } from './catalogue.zh-CN.ts';
import { standardTermKeys } from '@protean/metadata';
import { fieldTypes } from '@protean/metadata/field-types';

// Parameters must match, whatever their capitals (Chinese has none: "New {Object}" / "新建{object}");
// glossary terms may differ (Chinese has no plurals, and a language may name a term where the
// other does not: "返回{customer}管理" / "Back to the CRM").
const terms = new Set(standardTermKeys);
const placeholders = (s: string) =>
  [...s.matchAll(/\{([a-zA-Z_][\w.]*)(?::\w+)?\}/g)]
    .map((m) => m[1]![0]!.toLowerCase() + m[1]!.slice(1))
    .filter((name) => !terms.has(name))
    .sort();

// Words that are the same in both languages: codes, key names and language names; and the
// technical names Chinese UIs write in Latin letters (TypeScript, JSON, CPU, cron, ctx).
const sameInBoth = new Set(['locale.zh-CN', 'fieldType.json']);

describe('message catalogues', () => {
  it('the Chinese catalogue uses the same parameters as the English one', () => {
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(placeholders(zhCN[key]), key).toEqual(placeholders(en[key]));
    }
  });

  it('no Chinese message is left in English', () => {
    const english = Object.keys(en).filter((k) => {
      const key = k as keyof typeof en;
      return !sameInBoth.has(key) && /[A-Za-z]{3,}/.test(zhCN[key].replace(/\{[^}]+\}/g, '').replace(/Alt|Ctrl|Enter|Delete|Esc|INV|TypeScript|JSON|CPU|cron|ctx|https?/g, ''));
    });
    expect(english).toEqual([]);
  });

  it('names every field type of the registry', () => {
    const missing = fieldTypes.filter((type) => !(`fieldType.${type}` in en));
    expect(missing).toEqual([]);
  });
});
