import { FieldDef, PicklistValue } from './field-def.ts';
import { LayoutDef } from './layout-def.ts';
import { ObjectDef } from './object-def.ts';
import { ChangeRequest } from './operation.ts';
import { TermDef } from '../terms/term-def.ts';

/** The JSON Schema of each metadata kind, published at GET /metadata/schemas/:kind. */
export const metadataKindSchemas = {
  object: ObjectDef,
  field: FieldDef,
  picklistValue: PicklistValue,
  layout: LayoutDef,
  term: TermDef,
  changeRequest: ChangeRequest,
} as const;

export type MetadataKind = keyof typeof metadataKindSchemas;
