import type { Locale } from '../schemas/labels.ts';
import type { NounParam, TextResolver } from './resolve-text.ts';

/**
 * The name of a layout no one has named (an object's first layout): not words but a mark, said in
 * the reader's language with the object's current name ("Patient layout", "患者布局"), so a
 * rename of the object or its term reaches it. A name an admin writes is shown as written.
 */
export const STANDARD_LAYOUT_NAME = '{Object} layout';

const STANDARD_LAYOUT_NAMES: Record<Locale, string> = { en: '{Object} layout', 'zh-CN': '{object}布局' };

/**
 * Whether a layout keeps the platform's name: the mark, or what the platform wrote before it (the
 * standard objects' "{Customer} layout", a new object's "Default").
 */
export function isStandardLayoutName(name: string, object: { term?: string | undefined }): boolean {
  return name === STANDARD_LAYOUT_NAME || name === 'Default' || (object.term !== undefined && name === `{${object.term[0]!.toUpperCase()}${object.term.slice(1)}} layout`);
}

/** A layout's name for display in the resolver's language; `noun` is its object's name in that language. */
export function layoutDisplayName(name: string, object: { term?: string | undefined } | undefined, noun: NounParam | undefined, words: TextResolver): string {
  if (object && noun && isStandardLayoutName(name, object)) return words.text(STANDARD_LAYOUT_NAMES[words.locale], { object: noun });
  return words.text(name);
}
