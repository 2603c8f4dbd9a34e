// The tenant glossary (snapshot.terms) as a term resolver for one locale. Mirrors the word
// forms of @protean/metadata's resolver; glossary.test.ts checks the two agree.
import type { TermDef } from '@protean/metadata';
import { capitalise, type NounForm, type TermResolver } from './format-message.ts';
import type { UiLocale } from './i18n.tsx';

type Words = Record<NounForm, string>;

function wordsOf(term: TermDef, locale: UiLocale): Words {
  const zh = locale === 'zh-CN' ? term.forms['zh-CN'] : undefined;
  if (zh) return { singular: zh.singular, plural: zh.plural ?? zh.singular, a: zh.measureWord ? `一${zh.measureWord}${zh.singular}` : zh.singular };
  const en = term.forms.en;
  const article = en.article ?? (/^[aeiou]/i.test(en.singular) ? 'an' : 'a');
  return { singular: en.singular, plural: en.plural, a: `${article} ${en.singular}` };
}

const cache = new WeakMap<readonly TermDef[], Map<UiLocale, TermResolver>>();

export function glossaryResolver(terms: readonly TermDef[] | undefined, locale: UiLocale): TermResolver {
  if (!terms?.length) return () => undefined;
  let byLocale = cache.get(terms);
  if (!byLocale) cache.set(terms, (byLocale = new Map()));
  let resolver = byLocale.get(locale);
  if (!resolver) {
    const words = new Map(terms.map((t) => [t.key, wordsOf(t, locale)]));
    resolver = (name, form) => {
      const lower = name[0]!.toLowerCase() + name.slice(1);
      const w = words.get(lower);
      if (!w) return undefined;
      return lower === name ? w[form] : capitalise(w[form]);
    };
    byLocale.set(locale, resolver);
  }
  return resolver;
}
