export { Locale, ObjectLabels, FieldLabels, LocalizedText, locales } from './schemas/labels.ts';
export { reservedFieldApiNames, reservedFieldNameReason, reservedObjectNameReason, prototypeNames } from './schemas/names.ts';
export { metadataLimits } from './schemas/limits.ts';
export { nameTextReason, unstorableTextReason } from './schemas/storable-text.ts';
export {
  FieldType,
  fieldTypes,
  PicklistValue,
  PicklistValueDraft,
  LookupOptions,
  AutonumberOptions,
  FieldDef,
  FieldDraft,
  FieldPatch,
} from './schemas/field-def.ts';
export { IndexDef, ObjectDef, ObjectDraft, ObjectPatch } from './schemas/object-def.ts';
export { LayoutDef, LayoutSection } from './schemas/layout-def.ts';
export { FormulaOptions, RollupOptions, PicklistDependency, ValidationRule, LayoutRule, ExpressionSource } from './schemas/logic-def.ts';
export { Snapshot, AutomationRef, Automations, type AutomationKind } from './schemas/snapshot.ts';
export { Operation, ChangeRequest, operationSchemas, type OperationName } from './schemas/operation.ts';
export { metadataKindSchemas, type MetadataKind } from './schemas/metadata-kind-schemas.ts';

export { standardSnapshot } from './standard/standard-objects.ts';
export { findObject, findField, liveFields } from './model/find.ts';

export type { MetadataError, Dependent } from './change/metadata-error.ts';
export { planChange, type ObjectRecordsAction, type PlanContext, type PlanResult } from './change/plan-change.ts';
export { planRestore } from './change/plan-restore.ts';
export { revisionIds } from './change/revision-ids.ts';
export { upgradeStoredSnapshot } from './change/stored-snapshot.ts';
export { withAutomation } from './change/automation-refs.ts';
export { deepEqual, diffAutomations, diffSnapshots, type DiffEntry, type DiffChange, type DiffAction } from './change/diff-snapshots.ts';
export { typeConversion, type DataCheck, type TypeConversion } from './change/data-checks.ts';
export { validateMetadata } from './validate/validate-metadata.ts';
export { optionsByType } from './validate/field-rules.ts';
export { nameFieldTypes } from './validate/object-rules.ts';

export {
  compileRecordSchema,
  fieldValueSchema,
  systemFieldSchemas,
  type JsonSchema,
  type RecordSchemaMode,
  type RecordSchemaOptions,
} from './compile/compile-record-schema.ts';
export {
  createRecordValidator,
  validateFieldValue,
  type RecordValidator,
  type RecordFieldError,
  type RecordValidatorOptions,
} from './compile/create-record-validator.ts';
export { toStoredValue, fromStoredValue, recordInputToData, recordDataToApi } from './compile/record-values.ts';
export { textLimits, effectiveMaxLength } from './compile/field-limits.ts';
export { BoundedCache } from './cache/bounded-cache.ts';
// The browser-safe subpaths are part of the main surface too.
export * from './field-types/index.ts';

export { planQuery, operatorsByType, type QueryParams } from './query/plan-query.ts';
export {
  filterOperators,
  queryLimits,
  type Condition,
  type FilterOperator,
  type QueryPlan,
  type QueryPlanResult,
  type QueryError,
  type QueryValue,
  type SortKey,
  type Via,
} from './query/query-plan.ts';
export { systemFields, systemFieldIds } from './query/system-fields.ts';

export { IndexSlots, indexSlotNames, type IndexSlot } from './schemas/object-def.ts';
export { assignIndexSlots, promoteIndexSlot, slotOf, writeSlotOf, writeSlots } from './indexing/assign-index-slots.ts';

export { TermDef, TermDraft, TermForms, TermKey, EnTermForms, ZhTermForms, type TermSet } from './terms/term-def.ts';
export { standardTerms, standardTerm, standardTermKeys, termSets, findTermSet } from './terms/standard-terms.ts';
export * from './terms/index.ts';
export {
  effectiveTerms,
  withTerms,
  snapshotResolver,
  objectLabel,
  fieldLabel,
  layoutName,
  resolveObject,
  resolveSnapshot,
  termUsage,
  modelTexts,
  type TermUse,
} from './terms/glossary.ts';

export * from './expressions/index.ts';
