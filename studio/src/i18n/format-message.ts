// Message templates: "{name}" inserts a parameter, "{name:plural}" one form of a noun.
// A name that is not a parameter is looked up as a term ("New {customer}"), so the
// tenant glossary can plug in here without touching any screen.

export type NounForm = 'singular' | 'plural';
export interface Noun {
  singular: string;
  plural: string;
}
export type MessageParam = string | number | Noun;
export type MessageParams = Record<string, MessageParam>;

/** Resolves a term key (e.g. `customer`) to its form in the current locale, or undefined. */
export type TermResolver = (term: string, form: NounForm) => string | undefined;

const PLACEHOLDER = /\{([a-zA-Z_][\w.]*)(?::(singular|plural))?\}/g;

export function formatMessage(template: string, params: MessageParams | undefined, resolveTerm: TermResolver): string {
  return template.replace(PLACEHOLDER, (whole, name: string, form: NounForm | undefined) => {
    const value = params?.[name];
    if (value === undefined) return resolveTerm(name, form ?? 'singular') ?? whole;
    if (typeof value === 'object') return value[form ?? 'singular'];
    return String(value);
  });
}
