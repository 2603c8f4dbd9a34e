import { FieldDef, PicklistValue } from './field-def.ts';
import { LayoutDef } from './layout-def.ts';
import { ObjectDef } from './object-def.ts';
import { ChangeRequest } from './operation.ts';

/** The JSON Schema of each metadata kind, published at GET /metadata/schemas/:kind. */
export const metadataKindSchemas = {
  object: ObjectDef,
  field: FieldDef,
  picklistValue: PicklistValue,
  layout: LayoutDef,
  changeRequest: ChangeRequest,
} as const;

export type MetadataKind = keyof typeof metadataKindSchemas;
