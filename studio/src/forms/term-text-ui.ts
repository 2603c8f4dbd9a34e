import type { UiLocale } from '../i18n/i18n.tsx';

/**
 * uiSchema for a per-locale text object ({ en, zh-CN }) whose inputs resolve glossary tokens:
 * labels, and with `rows` the help texts and descriptions (as text areas).
 */
export function termTextUi(nested?: readonly string[], rows?: number): Record<string, unknown> {
  const leaf = (locale: UiLocale) => ({ 'ui:widget': 'termText', 'ui:options': rows ? { locale, rows } : { locale } });
  if (!nested) return { en: leaf('en'), 'zh-CN': leaf('zh-CN') };
  const forLocale = (locale: UiLocale) => Object.fromEntries(nested.map((k) => [k, leaf(locale)]));
  return { en: forLocale('en'), 'zh-CN': forLocale('zh-CN') };
}
