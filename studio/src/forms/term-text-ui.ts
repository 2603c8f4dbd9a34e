import type { UiLocale } from '../i18n/i18n.tsx';

/** uiSchema for a per-locale label object ({ en, zh-CN }) whose inputs resolve glossary tokens. */
export function termTextUi(nested?: readonly string[]): Record<string, unknown> {
  const leaf = (locale: UiLocale) => ({ 'ui:widget': 'termText', 'ui:options': { locale } });
  if (!nested) return { en: leaf('en'), 'zh-CN': leaf('zh-CN') };
  const forLocale = (locale: UiLocale) => Object.fromEntries(nested.map((k) => [k, leaf(locale)]));
  return { en: forLocale('en'), 'zh-CN': forLocale('zh-CN') };
}
