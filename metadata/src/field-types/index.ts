// The field-type registry as a subpath (`@protean/metadata/field-types`): plain data and small
// functions with no schema library or validator, so the studio can import it.
export { FIELD_TYPES, fieldType } from './registry.ts';
export { fieldTypes, type FieldTypeName } from './type-names.ts';
export { foldCase, isAscii } from './text/fold-case.ts';
export {
  fieldOptionNames,
  type FieldOption,
  type FieldTypeDefinition,
  type FieldWidgetName,
  type ParsedFilterValue,
  type SlotKind,
  type SlotMapping,
  type StoredKind,
} from './field-type.ts';
