import { Type, type Static } from '@sinclair/typebox';
import { FieldLabels } from './labels.ts';
import { metadataLimits } from './limits.ts';
import { Id, Ref } from './names.ts';
import { LayoutRule } from './logic-def.ts';

export const LayoutSection = Type.Object(
  {
    id: Id,
    labels: FieldLabels,
    columns: Type.Union([Type.Literal(1), Type.Literal(2)]),
    fields: Type.Array(
      Type.Object(
        { fieldId: Ref, required: Type.Optional(Type.Boolean()), readOnly: Type.Optional(Type.Boolean()) },
        { additionalProperties: false },
      ),
      { maxItems: metadataLimits.fieldsPerLayoutSection },
    ),
  },
  { additionalProperties: false },
);
export type LayoutSection = Static<typeof LayoutSection>;

/** In a snapshot `objectId` and `fieldId`s are ids; in upsertLayout they may be api names. */
export const LayoutDef = Type.Object(
  {
    id: Id,
    objectId: Ref,
    name: Type.String({ minLength: 1, maxLength: 100 }),
    sections: Type.Array(LayoutSection, { maxItems: 50 }),
    /** Show, hide, require or make read-only fields and sections while a condition holds (ADR 0013). */
    rules: Type.Optional(Type.Array(LayoutRule, { maxItems: 100 })),
  },
  { additionalProperties: false },
);
export type LayoutDef = Static<typeof LayoutDef>;
