import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { fieldTypes } from '../field-types/type-names.ts';
import { FieldLabels, LocalizedText } from './labels.ts';
import { metadataLimits } from './limits.ts';
import { ApiName, Id, Ref } from './names.ts';
import { ExpressionSource, FormulaOptions, PicklistDependency, RollupOptions } from './logic-def.ts';

export { fieldTypes };

export const FieldType = Type.Union(fieldTypes.map((t) => Type.Literal(t)));
export type FieldType = (typeof fieldTypes)[number];

export const PicklistValue = Type.Object(
  {
    id: Id,
    apiName: ApiName,
    labels: FieldLabels,
    active: Type.Boolean(),
    color: Type.Optional(Type.String({ pattern: '^#[0-9a-fA-F]{6}$' })),
  },
  { additionalProperties: false },
);
export type PicklistValue = Static<typeof PicklistValue>;

/** A picklist value as written in a change request: the id is generated when omitted. */
export const PicklistValueDraft = Type.Object(
  {
    id: Type.Optional(Id),
    apiName: ApiName,
    labels: FieldLabels,
    active: Type.Optional(Type.Boolean()),
    color: Type.Optional(Type.String({ pattern: '^#[0-9a-fA-F]{6}$' })),
  },
  { additionalProperties: false },
);
export type PicklistValueDraft = Static<typeof PicklistValueDraft>;

export const LookupOptions = Type.Object(
  {
    objectId: Ref,
    onDelete: Type.Union([Type.Literal('restrict'), Type.Literal('setNull'), Type.Literal('cascade')]),
    relationshipName: ApiName,
  },
  { additionalProperties: false },
);
export type LookupOptions = Static<typeof LookupOptions>;

export const AutonumberOptions = Type.Object(
  { pattern: Type.String({ minLength: 3, maxLength: 40 }), start: Type.Optional(Type.Integer({ minimum: 0, maximum: metadataLimits.autonumberStart })) },
  { additionalProperties: false },
);
export type AutonumberOptions = Static<typeof AutonumberOptions>;

/** The options every field shape shares (definition, draft and patch). */
const fieldOptions = {
  helpText: LocalizedText,
  description: LocalizedText,
  required: Type.Boolean(),
  unique: Type.Boolean(),
  readOnly: Type.Boolean(),
  defaultValue: Type.Unknown(),
  minLength: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
  maxLength: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
  min: Type.Number({ minimum: -metadataLimits.numberMagnitude, maximum: metadataLimits.numberMagnitude }),
  max: Type.Number({ minimum: -metadataLimits.numberMagnitude, maximum: metadataLimits.numberMagnitude }),
  precision: Type.Integer({ minimum: 1, maximum: 18 }),
  scale: Type.Integer({ minimum: 0, maximum: 10 }),
  currencyCode: Type.String({ pattern: '^[A-Z]{3}$' }),
  lookup: LookupOptions,
  autonumber: AutonumberOptions,
  formula: FormulaOptions,
  rollup: RollupOptions,
  /** An expression evaluated at create when the value is left out (ADR 0013). */
  defaultExpression: ExpressionSource,
  dependsOn: PicklistDependency,
} satisfies Record<string, TSchema>;

const optionalFieldOptions = {
  helpText: Type.Optional(fieldOptions.helpText),
  description: Type.Optional(fieldOptions.description),
  required: Type.Optional(fieldOptions.required),
  unique: Type.Optional(fieldOptions.unique),
  readOnly: Type.Optional(fieldOptions.readOnly),
  defaultValue: Type.Optional(fieldOptions.defaultValue),
  minLength: Type.Optional(fieldOptions.minLength),
  maxLength: Type.Optional(fieldOptions.maxLength),
  min: Type.Optional(fieldOptions.min),
  max: Type.Optional(fieldOptions.max),
  precision: Type.Optional(fieldOptions.precision),
  scale: Type.Optional(fieldOptions.scale),
  currencyCode: Type.Optional(fieldOptions.currencyCode),
  lookup: Type.Optional(fieldOptions.lookup),
  autonumber: Type.Optional(fieldOptions.autonumber),
  formula: Type.Optional(fieldOptions.formula),
  rollup: Type.Optional(fieldOptions.rollup),
  defaultExpression: Type.Optional(fieldOptions.defaultExpression),
  dependsOn: Type.Optional(fieldOptions.dependsOn),
};

export const FieldDef = Type.Object(
  {
    id: Id,
    apiName: ApiName,
    apiNameAliases: Type.Array(ApiName, { maxItems: metadataLimits.aliasesPerName }),
    labels: FieldLabels,
    type: FieldType,
    ...optionalFieldOptions,
    values: Type.Optional(Type.Array(PicklistValue, { maxItems: metadataLimits.picklistValues })),
    deletedAt: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);
export type FieldDef = Static<typeof FieldDef>;

/** A field as written in createField / createObject: no aliases, no deletedAt, id optional. */
export const FieldDraft = Type.Object(
  {
    id: Type.Optional(Id),
    apiName: ApiName,
    labels: FieldLabels,
    type: FieldType,
    ...optionalFieldOptions,
    values: Type.Optional(Type.Array(PicklistValueDraft, { maxItems: metadataLimits.picklistValues })),
  },
  { additionalProperties: false },
);
export type FieldDraft = Static<typeof FieldDraft>;

const clearable = <T extends TSchema>(schema: T) => Type.Optional(Type.Union([schema, Type.Null()]));

/** updateField patch: absent = unchanged, null = remove the option. */
export const FieldPatch = Type.Object(
  {
    apiName: Type.Optional(ApiName),
    labels: Type.Optional(FieldLabels),
    type: Type.Optional(FieldType),
    helpText: clearable(fieldOptions.helpText),
    description: clearable(fieldOptions.description),
    required: clearable(fieldOptions.required),
    unique: clearable(fieldOptions.unique),
    readOnly: clearable(fieldOptions.readOnly),
    defaultValue: Type.Optional(Type.Unknown()),
    minLength: clearable(fieldOptions.minLength),
    maxLength: clearable(fieldOptions.maxLength),
    min: clearable(fieldOptions.min),
    max: clearable(fieldOptions.max),
    precision: clearable(fieldOptions.precision),
    scale: clearable(fieldOptions.scale),
    currencyCode: clearable(fieldOptions.currencyCode),
    lookup: clearable(fieldOptions.lookup),
    autonumber: clearable(fieldOptions.autonumber),
    formula: clearable(fieldOptions.formula),
    rollup: clearable(fieldOptions.rollup),
    defaultExpression: clearable(fieldOptions.defaultExpression),
    dependsOn: clearable(fieldOptions.dependsOn),
    values: Type.Optional(Type.Array(PicklistValueDraft, { maxItems: metadataLimits.picklistValues })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type FieldPatch = Static<typeof FieldPatch>;
