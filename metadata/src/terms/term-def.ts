import { Type, type Static } from '@sinclair/typebox';
import { LocalizedText } from '../schemas/labels.ts';

/** A term key: what placeholders name (`{customer}`) and objects point at (`ObjectDef.term`). */
export const TermKey = Type.String({ pattern: '^[a-z][a-z0-9_]{0,62}$' });

const Word = Type.String({ minLength: 1, maxLength: 100 });

/**
 * English forms, written as they appear in running text ("patient", "treatment plan", "VIP");
 * `{Customer}` capitalises the first letter. `article` overrides the a/an guess for
 * `{customer:a}` ("an hour", "a unit").
 */
export const EnTermForms = Type.Object(
  { singular: Word, plural: Word, article: Type.Optional(Type.Union([Type.Literal('a'), Type.Literal('an')])) },
  { additionalProperties: false },
);
export type EnTermForms = Static<typeof EnTermForms>;

/**
 * Simplified Chinese forms: nouns do not inflect, so `plural` defaults to `singular`;
 * `measureWord` (位, 个, 项, 所…) is used by `{customer:a}` ("一位患者").
 */
export const ZhTermForms = Type.Object(
  { singular: Word, plural: Type.Optional(Word), measureWord: Type.Optional(Type.String({ minLength: 1, maxLength: 4 })) },
  { additionalProperties: false },
);
export type ZhTermForms = Static<typeof ZhTermForms>;

/**
 * Forms per locale. A language that needs gender or case (de, fr) adds its own forms object
 * here with the fields it needs; placeholders name forms, so templates do not change.
 */
export const TermForms = Type.Object({ en: EnTermForms, 'zh-CN': Type.Optional(ZhTermForms) }, { additionalProperties: false });
export type TermForms = Static<typeof TermForms>;

/** One glossary entry. Standard terms come from the catalogue and can be overridden and reset, never deleted. */
export const TermDef = Type.Object(
  {
    key: TermKey,
    standard: Type.Boolean(),
    forms: TermForms,
    description: Type.Optional(LocalizedText),
  },
  { additionalProperties: false },
);
export type TermDef = Static<typeof TermDef>;

/** What upsertTerm accepts: forms of the locales given replace those locales; others are kept. */
export const TermDraft = Type.Object(
  {
    key: TermKey,
    forms: Type.Object({ en: Type.Optional(EnTermForms), 'zh-CN': Type.Optional(ZhTermForms) }, { additionalProperties: false, minProperties: 1 }),
    description: Type.Optional(LocalizedText),
  },
  { additionalProperties: false },
);
export type TermDraft = Static<typeof TermDraft>;

/** A set of term overrides shipped with Protean (Healthcare, Education), applied as one change. */
export interface TermSet {
  id: string;
  labels: { en: string; 'zh-CN': string };
  description: { en: string; 'zh-CN': string };
  terms: TermDraft[];
}
