import { isEmptyValue } from '../compile/create-record-validator.ts';
import type { FieldDef } from '../schemas/field-def.ts';
import type { Snapshot } from '../schemas/snapshot.ts';

/**
 * A snapshot as stored, read under today's rules. A required field's empty default value ('' or
 * []) was accepted before it was refused: such a default never filled a record (a create left
 * to it was refused as missing the field), so it is dropped, and the model keeps passing the checks
 * every change runs over the whole snapshot. A read-only one could never get a value at all: it
 * keeps its default and loses the requirement instead. Returns the snapshot itself when nothing changes.
 */
export function upgradeStoredSnapshot(snapshot: Snapshot): Snapshot {
  if (!snapshot.objects.some((o) => o.fields.some(emptyRequiredDefault))) return snapshot;
  return {
    ...snapshot,
    objects: snapshot.objects.map((object) =>
      object.fields.some(emptyRequiredDefault) ? { ...object, fields: object.fields.map((field) => (emptyRequiredDefault(field) ? withoutEmptyDefault(field) : field)) } : object,
    ),
  };
}

const emptyRequiredDefault = (field: FieldDef) => field.required === true && field.defaultValue !== undefined && isEmptyValue(field.defaultValue);

function withoutEmptyDefault(field: FieldDef): FieldDef {
  const { defaultValue: _empty, ...rest } = field;
  return field.readOnly ? { ...field, required: false } : rest;
}
