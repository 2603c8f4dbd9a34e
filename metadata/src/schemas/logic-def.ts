import { Type, type Static } from '@sinclair/typebox';
import { expressionLimits } from '../expressions/limits.ts';
import { formulaResultTypes } from '../expressions/types.ts';
import { LocalizedText } from './labels.ts';
import { ApiName, Id, Ref } from './names.ts';

/** The source of an expression (ADR 0013); checked against the model when the metadata is saved. */
export const ExpressionSource = Type.String({ minLength: 1, maxLength: expressionLimits.maxLength });

/**
 * A formula field: `stored` formulas are computed on every write, take an index slot and can be
 * filtered and sorted; the others are computed when read (and may use today() and the user).
 */
export const FormulaOptions = Type.Object(
  {
    expression: ExpressionSource,
    resultType: Type.Union(formulaResultTypes.map((t) => Type.Literal(t))),
    stored: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type FormulaOptions = Static<typeof FormulaOptions>;

/** A roll-up summary on a parent: an aggregate of the children that look it up through `lookupFieldId`. */
export const RollupOptions = Type.Object(
  {
    childObjectId: Ref,
    /** The child's lookup field pointing at this object. */
    lookupFieldId: Ref,
    function: Type.Union([Type.Literal('count'), Type.Literal('sum'), Type.Literal('min'), Type.Literal('max')]),
    /** The child field summed, or whose smallest / largest value is kept (not for count). */
    fieldId: Type.Optional(Ref),
    /** Only children for which this holds count (an expression over the child). */
    filter: Type.Optional(ExpressionSource),
    /** Platform-managed: the summary's type (min and max of a date field are dates). */
    resultType: Type.Optional(Type.Union([Type.Literal('number'), Type.Literal('date'), Type.Literal('datetime')])),
  },
  { additionalProperties: false },
);
export type RollupOptions = Static<typeof RollupOptions>;

/**
 * A dependent picklist: which of this field's values may be chosen for each value of the
 * controlling field (a picklist or a checkbox: keys 'true' / 'false'). Keys and values are value
 * ids in a snapshot; a change request may write api names.
 */
export const PicklistDependency = Type.Object(
  {
    fieldId: Ref,
    map: Type.Record(Type.String({ minLength: 1, maxLength: 100 }), Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 1000 })),
  },
  { additionalProperties: false },
);
export type PicklistDependency = Static<typeof PicklistDependency>;

/** A record is refused when `condition` holds; `message` may use terms ({customer}). */
export const ValidationRule = Type.Object(
  {
    /** Generated when a change request leaves it out. */
    id: Type.Optional(Id),
    apiName: ApiName,
    condition: ExpressionSource,
    message: LocalizedText,
    /** The field the error is shown on; absent: the record as a whole. */
    fieldId: Type.Optional(Ref),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type ValidationRule = Static<typeof ValidationRule>;

/** While `when` holds, the fields and sections named are shown, hidden, required or read-only. */
export const LayoutRule = Type.Object(
  {
    id: Type.Optional(Id),
    when: ExpressionSource,
    action: Type.Union([Type.Literal('show'), Type.Literal('hide'), Type.Literal('require'), Type.Literal('readOnly')]),
    fieldIds: Type.Optional(Type.Array(Ref, { maxItems: 200 })),
    sectionIds: Type.Optional(Type.Array(Id, { maxItems: 50 })),
  },
  { additionalProperties: false },
);
export type LayoutRule = Static<typeof LayoutRule>;
