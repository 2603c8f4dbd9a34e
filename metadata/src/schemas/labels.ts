import { Type, type Static } from '@sinclair/typebox';

export const Locale = Type.Union([Type.Literal('en'), Type.Literal('zh-CN')]);
export type Locale = Static<typeof Locale>;

export const locales: readonly Locale[] = ['en', 'zh-CN'];

const Text = Type.String({ minLength: 1, maxLength: 200 });

export const SingularPlural = Type.Object(
  { singular: Text, plural: Text },
  { additionalProperties: false },
);
export type SingularPlural = Static<typeof SingularPlural>;

/** Object labels per locale; `en` is required so every object has a fallback name. */
export const ObjectLabels = Type.Object(
  { en: SingularPlural, 'zh-CN': Type.Optional(SingularPlural) },
  { additionalProperties: false },
);
export type ObjectLabels = Static<typeof ObjectLabels>;

/** One label per locale; also used for layout sections and picklist values. */
export const FieldLabels = Type.Object(
  { en: Text, 'zh-CN': Type.Optional(Text) },
  { additionalProperties: false },
);
export type FieldLabels = Static<typeof FieldLabels>;

/** Longer per-locale prose: help text and descriptions. */
export const LocalizedText = Type.Object(
  { en: Type.String({ maxLength: 2000 }), 'zh-CN': Type.Optional(Type.String({ maxLength: 2000 })) },
  { additionalProperties: false },
);
export type LocalizedText = Static<typeof LocalizedText>;
