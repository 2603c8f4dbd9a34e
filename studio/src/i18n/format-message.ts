// Message templates, in the placeholder grammar of ADR 0004 (the same one the server and the
// metadata package use for labels):
//   {name}            a parameter, or else a glossary term in running text   "patient"
//   {Name}            the same with its first letter capitalised            "Patient"
//   {name:plural}     another form: singular | plural | a ("a patient", "一位患者")
//   {{ and }}         literal braces
// An unknown name stays as written, so a mistake is visible rather than blank.

export type NounForm = 'singular' | 'plural' | 'a';
export interface Noun {
  singular: string;
  plural: string;
  a?: string;
}
export type MessageParam = string | number | Noun;
export type MessageParams = Record<string, MessageParam>;

/** One form of a glossary term; `name` may be capitalised (`Customer`) to capitalise the word. */
export type TermResolver = (name: string, form: NounForm) => string | undefined;

const TOKEN = /\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)(?::(singular|plural|a))?\}/g;

export const capitalise = (s: string) => (s ? s[0]!.toUpperCase() + s.slice(1) : s);

function nounForm(noun: Noun, form: NounForm): string {
  if (form === 'a') return noun.a ?? `${/^[aeiou]/i.test(noun.singular) ? 'an' : 'a'} ${noun.singular}`;
  return noun[form];
}

export function formatMessage(template: string, params: MessageParams | undefined, resolveTerm: TermResolver): string {
  if (!template.includes('{') && !template.includes('}')) return template;
  return template.replace(TOKEN, (whole, name: string | undefined, form: NounForm | undefined) => {
    if (name === undefined) return whole[0]!;
    const f = form ?? 'singular';
    const lower = name[0]!.toLowerCase() + name.slice(1);
    const capital = lower !== name;
    const value = params?.[name] ?? (capital ? params?.[lower] : undefined);
    if (value !== undefined) {
      const text = typeof value === 'object' ? nounForm(value, f) : String(value);
      return capital && typeof value === 'object' ? capitalise(text) : text;
    }
    return resolveTerm(name, f) ?? whole;
  });
}
