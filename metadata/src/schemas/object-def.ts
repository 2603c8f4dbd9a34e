import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { FieldDef, FieldDraft } from './field-def.ts';
import { LocalizedText, ObjectLabels } from './labels.ts';
import { metadataLimits } from './limits.ts';
import { ApiName, Id, Ref } from './names.ts';
import { ValidationRule } from './logic-def.ts';

export const IndexDef = Type.Object(
  {
    id: Id,
    fields: Type.Array(
      Type.Object(
        { fieldId: Ref, direction: Type.Union([Type.Literal('asc'), Type.Literal('desc')]) },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 5 },
    ),
  },
  { additionalProperties: false },
);
export type IndexDef = Static<typeof IndexDef>;

/** The typed index slots of the record table (ADR 0002); each holds at most one field of the object. */
export const indexSlotNames = ['t1', 't2', 't3', 't4', 'n1', 'n2', 'd1', 'd2'] as const;
export type IndexSlot = (typeof indexSlotNames)[number];
export const IndexSlots = Type.Partial(
  Type.Object(Object.fromEntries(indexSlotNames.map((slot) => [slot, Id])) as Record<IndexSlot, typeof Id>),
  { additionalProperties: false },
);
export type IndexSlots = Static<typeof IndexSlots>;

const objectOptions = {
  description: Type.Optional(LocalizedText),
  helpText: Type.Optional(LocalizedText),
  /** Terminology key: a later glossary rename of this term relabels the object. */
  term: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9_]{0,62}$' })),
  navOrder: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
  indexes: Type.Optional(Type.Array(IndexDef, { maxItems: 20 })),
  /** Conditions that refuse a save, each with its message (ADR 0013). */
  validationRules: Type.Optional(Type.Array(ValidationRule, { maxItems: 100 })),
  /** Platform-managed: which field fills which index slot. Assigned when a field is created. */
  indexSlots: Type.Optional(IndexSlots),
  /**
   * Platform-managed: slots given to existing fields whose stored values are still being copied
   * in. Writes fill them; filters and sorts use them only once they move to `indexSlots`.
   */
  pendingIndexSlots: Type.Optional(IndexSlots),
} satisfies Record<string, TSchema>;

export const ObjectDef = Type.Object(
  {
    id: Id,
    apiName: ApiName,
    apiNameAliases: Type.Array(ApiName, { maxItems: metadataLimits.aliasesPerName }),
    labels: ObjectLabels,
    standard: Type.Boolean(),
    nameFieldId: Id,
    ...objectOptions,
    fields: Type.Array(FieldDef, { maxItems: metadataLimits.fieldsPerObject }),
  },
  { additionalProperties: false },
);
export type ObjectDef = Static<typeof ObjectDef>;

/**
 * An object as written in createObject. When `nameFieldId` is omitted the field with api name
 * `name` is used, and a text field `name` is added if there is none.
 */
export const ObjectDraft = Type.Object(
  {
    id: Type.Optional(Id),
    apiName: ApiName,
    labels: ObjectLabels,
    nameFieldId: Type.Optional(Ref),
    ...objectOptions,
    fields: Type.Optional(Type.Array(FieldDraft, { maxItems: metadataLimits.fieldsPerObject })),
  },
  { additionalProperties: false },
);
export type ObjectDraft = Static<typeof ObjectDraft>;

const clearable = <T extends TSchema>(schema: T) => Type.Optional(Type.Union([schema, Type.Null()]));

export const ObjectPatch = Type.Object(
  {
    apiName: Type.Optional(ApiName),
    labels: Type.Optional(ObjectLabels),
    nameFieldId: Type.Optional(Ref),
    description: clearable(LocalizedText),
    helpText: clearable(LocalizedText),
    term: clearable(Type.String({ pattern: '^[a-z][a-z0-9_]{0,62}$' })),
    navOrder: clearable(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
    indexes: clearable(Type.Array(IndexDef, { maxItems: 20 })),
    validationRules: clearable(Type.Array(ValidationRule, { maxItems: 100 })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type ObjectPatch = Static<typeof ObjectPatch>;
