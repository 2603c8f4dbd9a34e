import { Type, type Static } from '@sinclair/typebox';
import { FieldDraft, FieldPatch } from './field-def.ts';
import { LayoutDef } from './layout-def.ts';
import { ApiName, Id, Ref } from './names.ts';
import { ObjectDraft, ObjectPatch } from './object-def.ts';
import { TermDraft, TermKey } from '../terms/term-def.ts';

const op = <N extends string>(name: N) => Type.Literal(name);
const strict = { additionalProperties: false } as const;

export const CreateObjectOp = Type.Object({ op: op('createObject'), object: ObjectDraft }, strict);
export const UpdateObjectOp = Type.Object({ op: op('updateObject'), object: Ref, patch: ObjectPatch }, strict);
/**
 * What becomes of the object's records: `keep` (default) leaves them stored under the object id,
 * so restoring an earlier revision brings them back; `delete` deletes them for good with the
 * object; `refuse` refuses the deletion while the object has live records.
 */
export const DeleteObjectOp = Type.Object(
  { op: op('deleteObject'), object: Ref, records: Type.Optional(Type.Union([Type.Literal('keep'), Type.Literal('delete'), Type.Literal('refuse')])) },
  strict,
);
export const CreateFieldOp = Type.Object({ op: op('createField'), object: Ref, field: FieldDraft }, strict);
/** `backfill` (api value form) replaces values that fail the new definition, e.g. when made required. */
export const UpdateFieldOp = Type.Object(
  { op: op('updateField'), object: Ref, field: Ref, patch: FieldPatch, backfill: Type.Optional(Type.Unknown()) },
  strict,
);
/** `removeFromLayouts` takes the field off every layout that shows it instead of refusing the deletion. */
export const DeleteFieldOp = Type.Object({ op: op('deleteField'), object: Ref, field: Ref, removeFromLayouts: Type.Optional(Type.Boolean()) }, strict);
export const RestoreFieldOp = Type.Object({ op: op('restoreField'), object: Ref, field: Ref }, strict);
export const PurgeFieldOp = Type.Object({ op: op('purgeField'), object: Ref, field: Ref }, strict);
/** Removes an old api name of the object (no `field`) or of one of its fields. */
export const RemoveAliasOp = Type.Object(
  { op: op('removeAlias'), object: Ref, field: Type.Optional(Ref), apiName: ApiName },
  strict,
);
/** The layout id is generated when omitted; an existing id replaces that layout. */
export const UpsertLayoutOp = Type.Object(
  { op: op('upsertLayout'), layout: Type.Composite([Type.Omit(LayoutDef, ['id']), Type.Object({ id: Type.Optional(Id) })], strict) },
  strict,
);
export const DeleteLayoutOp = Type.Object({ op: op('deleteLayout'), id: Id }, strict);
/** Creates a custom term, or overrides the forms of an existing one (standard or custom). */
export const UpsertTermOp = Type.Object({ op: op('upsertTerm'), term: TermDraft }, strict);
/** Puts a standard term back to its catalogue forms. */
export const ResetTermOp = Type.Object({ op: op('resetTerm'), key: TermKey }, strict);
/** Removes a custom term; refused while an object or a text still uses it. */
export const DeleteTermOp = Type.Object({ op: op('deleteTerm'), key: TermKey }, strict);

export const Operation = Type.Union([
  CreateObjectOp,
  UpdateObjectOp,
  DeleteObjectOp,
  CreateFieldOp,
  UpdateFieldOp,
  DeleteFieldOp,
  RestoreFieldOp,
  PurgeFieldOp,
  RemoveAliasOp,
  UpsertLayoutOp,
  DeleteLayoutOp,
  UpsertTermOp,
  ResetTermOp,
  DeleteTermOp,
]);
export type Operation = Static<typeof Operation>;
export type OperationName = Operation['op'];

export const operationSchemas = {
  createObject: CreateObjectOp,
  updateObject: UpdateObjectOp,
  deleteObject: DeleteObjectOp,
  createField: CreateFieldOp,
  updateField: UpdateFieldOp,
  deleteField: DeleteFieldOp,
  restoreField: RestoreFieldOp,
  purgeField: PurgeFieldOp,
  removeAlias: RemoveAliasOp,
  upsertLayout: UpsertLayoutOp,
  deleteLayout: DeleteLayoutOp,
  upsertTerm: UpsertTermOp,
  resetTerm: ResetTermOp,
  deleteTerm: DeleteTermOp,
} as const;

export const ChangeRequest = Type.Object(
  {
    message: Type.Optional(Type.String({ maxLength: 1000 })),
    operations: Type.Array(Operation, { minItems: 1, maxItems: 200 }),
  },
  strict,
);
export type ChangeRequest = Static<typeof ChangeRequest>;
