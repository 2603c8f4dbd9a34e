import { BoundedCache } from '../cache/bounded-cache.ts';
import type { Locale } from '../schemas/labels.ts';
import type { TermDef } from './term-def.ts';

/*
 * Placeholder grammar (ADR 0004):
 *   {customer}          singular, as in running text      "patient"      "患者"
 *   {Customer}          first letter capitalised          "Patient"      "患者"
 *   {customer:plural}   plural ({Customer:plural})         "patients"     "患者"
 *   {customer:a}        with the indefinite article       "a patient"    "一位患者"
 *   {{ and }}           literal braces
 * A name that is a parameter of the message (`{count}`) takes the parameter's value; any other
 * name is a term key. An unknown term stays as written, so a mistake is visible, not blank.
 */

export type TermForm = 'singular' | 'plural' | 'a';
export const termForms: readonly TermForm[] = ['singular', 'plural', 'a'];

export interface Placeholder {
  /** The name as written, e.g. `Customer`. */
  name: string;
  /** The term key (lower-cased first letter), e.g. `customer`. */
  key: string;
  form: TermForm;
  capital: boolean;
  raw: string;
}

type Part = string | Placeholder;
/** A template split once into literal text and placeholders. */
export type CompiledTemplate = readonly Part[];

const TOKEN = /\{\{|\}\}|\{([A-Za-z][A-Za-z0-9_]*)(?::([a-z]+))?\}/g;
const compiled = new BoundedCache<string, CompiledTemplate>(20_000);

function compile(template: string): CompiledTemplate {
  const parts: Part[] = [];
  let text = '';
  let last = 0;
  for (const match of template.matchAll(TOKEN)) {
    text += template.slice(last, match.index);
    last = match.index + match[0].length;
    if (match[0] === '{{' || match[0] === '}}') {
      text += match[0][0];
      continue;
    }
    const name = match[1]!;
    const form = (match[2] ?? 'singular') as TermForm;
    if (!termForms.includes(form)) {
      text += match[0];
      continue;
    }
    if (text) parts.push(text);
    text = '';
    const first = name[0]!;
    parts.push({ name, key: first.toLowerCase() + name.slice(1), form, capital: first !== first.toLowerCase(), raw: match[0] });
  }
  text += template.slice(last);
  if (text) parts.push(text);
  return parts;
}

/** Splits a template into text and placeholders; memoised, so each distinct template is parsed once. */
export function compileTemplate(template: string): CompiledTemplate {
  return compiled.getOrCreate(template, () => compile(template));
}

/** The placeholders of a template (for validation and "where is this term used"). */
export function templatePlaceholders(template: string): Placeholder[] {
  if (!template.includes('{')) return [];
  return compileTemplate(template).filter((p): p is Placeholder => typeof p !== 'string');
}

const capitalise = (s: string) => (s ? s[0]!.toUpperCase() + s.slice(1) : s);

type Words = { singular: string; plural: string; a: string };

function wordsOf(term: TermDef, locale: Locale): Words {
  const zh = locale === 'zh-CN' ? term.forms['zh-CN'] : undefined;
  if (zh) {
    const plural = zh.plural ?? zh.singular;
    return { singular: zh.singular, plural, a: zh.measureWord ? `一${zh.measureWord}${zh.singular}` : zh.singular };
  }
  const en = term.forms.en;
  const article = en.article ?? (/^[aeiou]/i.test(en.singular) ? 'an' : 'a');
  return { singular: en.singular, plural: en.plural, a: `${article} ${en.singular}` };
}

/** A noun passed as a parameter (an object's name): placeholders pick its form like a term's. */
export interface NounParam {
  singular: string;
  plural: string;
  a?: string;
}
export type MessageParams = Record<string, string | number | NounParam>;

/** Resolves templates against one glossary in one locale; results without parameters are cached. */
export interface TextResolver {
  readonly locale: Locale;
  /** The template with its terms (and `params`) filled in. */
  text(template: string, params?: MessageParams): string;
  /** One form of a term; `key` may be capitalised (`Customer`) to capitalise the word. */
  term(key: string, form?: TermForm): string | undefined;
  /** All forms of a term in this locale, to pass as a noun parameter. */
  noun(key: string): NounParam | undefined;
}

/** A template bound to one glossary: its text with terms filled in, and the parts to re-fill when parameters come. */
interface Bound {
  text: string;
  parts: readonly (string | { placeholder: Placeholder; word: string | undefined })[];
}

// Per-resolver caches are plain maps cleared when full: a template's binding is a Map lookup.
const BOUND_LIMIT = 20_000;

class GlossaryResolver implements TextResolver {
  readonly locale: Locale;
  readonly #words = new Map<string, Words>();
  readonly #bound = new Map<string, Bound>();

  constructor(terms: readonly TermDef[], locale: Locale) {
    this.locale = locale;
    for (const term of terms) this.#words.set(term.key, wordsOf(term, locale));
  }

  term(key: string, form: TermForm = 'singular'): string | undefined {
    const first = key[0] ?? '';
    const lower = first.toLowerCase();
    const words = this.#words.get(lower === first ? key : lower + key.slice(1));
    if (!words) return undefined;
    return lower === first ? words[form] : capitalise(words[form]);
  }

  noun(key: string): NounParam | undefined {
    return this.#words.get(key);
  }

  text(template: string, params?: MessageParams): string {
    let bound = this.#bound.get(template);
    if (bound === undefined) {
      if (this.#bound.size >= BOUND_LIMIT) this.#bound.clear();
      this.#bound.set(template, (bound = this.#bind(template)));
    }
    if (params === undefined) return bound.text;
    let out = '';
    for (const part of bound.parts) {
      if (typeof part === 'string') {
        out += part;
        continue;
      }
      const p = part.placeholder;
      const param = params[p.name] ?? (p.capital ? params[p.key] : undefined);
      out += param === undefined ? (part.word ?? p.raw) : typeof param === 'object' ? nounForm(param, p, this.locale) : String(param);
    }
    return out;
  }

  #bind(template: string): Bound {
    if (!template.includes('{') && !template.includes('}')) return { text: template, parts: [template] };
    const parts = compileTemplate(template).map((part) => {
      if (typeof part === 'string') return part;
      const words = this.#words.get(part.key);
      return { placeholder: part, word: words ? (part.capital ? capitalise(words[part.form]) : words[part.form]) : undefined };
    });
    return { text: parts.map((p) => (typeof p === 'string' ? p : (p.word ?? p.placeholder.raw))).join(''), parts };
  }
}

// A word of a label as a title writes it: capitalised (or not), the rest lower-case ("Patient", "plan", "Follow-up").
const ORDINARY_WORD = /^\p{Lu}?\p{Ll}*(?:['’]\p{Ll}+|-\p{L}\p{Ll}*)*$/u;

/**
 * A noun label as running English text writes it: "Patients" → "patients", "Treatment Plan" →
 * "treatment plan". A label with any word that is not an ordinary capitalised word keeps its
 * letters ("VIP accounts", "iPhone leads", "Q3 Goals"): those are acronyms or proper nouns.
 */
export function inRunningText(label: string): string {
  const words = label.split(' ');
  if (!words.every((w) => ORDINARY_WORD.test(w))) return label;
  return words.map((w) => w.replace(/(^|-)(\p{Lu})/gu, (_, before: string, letter: string) => before + letter.toLowerCase())).join(' ');
}

/** A noun's form for a placeholder: `{Object}` capitalises; `{object}` writes it as running text does in English. */
function nounForm(noun: NounParam, part: Placeholder, locale: Locale): string {
  const word = part.form === 'a' ? (noun.a ?? `${/^[aeiou]/i.test(noun.singular) ? 'an' : 'a'} ${noun.singular}`) : noun[part.form];
  if (part.capital) return capitalise(word);
  return locale === 'en' ? inRunningText(word) : word;
}

const resolvers = new WeakMap<readonly TermDef[], Map<Locale, TextResolver>>();

/**
 * A resolver for one glossary (e.g. `snapshot.terms` after `effectiveTerms`) and locale. Memoised
 * per glossary array, so calling it per render is cheap; a new revision brings a new array.
 */
export function createTextResolver(terms: readonly TermDef[], locale: Locale): TextResolver {
  let byLocale = resolvers.get(terms);
  if (!byLocale) resolvers.set(terms, (byLocale = new Map()));
  let resolver = byLocale.get(locale);
  if (!resolver) byLocale.set(locale, (resolver = new GlossaryResolver(terms, locale)));
  return resolver;
}

/** `resolveText('New {Customer}', terms, 'en')` → "New Patient". */
export function resolveText(template: string, terms: readonly TermDef[], locale: Locale, params?: MessageParams): string {
  return createTextResolver(terms, locale).text(template, params);
}

/**
 * The term lookup in the shape the studio's message formatter takes: `(name, form)`, where
 * `name` may be capitalised. Unknown names give undefined.
 */
export function termResolver(terms: readonly TermDef[], locale: Locale): (name: string, form: 'singular' | 'plural') => string | undefined {
  const resolver = createTextResolver(terms, locale);
  return (name, form) => resolver.term(name, form);
}
