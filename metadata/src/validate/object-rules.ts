import { checkLayoutRules, checkValidationRules } from '../expressions/model-expressions.ts';
import type { MetadataError } from '../change/metadata-error.ts';
import { FIELD_TYPES, fieldType } from '../field-types/registry.ts';
import type { FieldType } from '../schemas/field-def.ts';
import type { LayoutDef } from '../schemas/layout-def.ts';
import type { ObjectDef } from '../schemas/object-def.ts';
import { reservedObjectNameReason } from '../schemas/names.ts';
import type { Snapshot } from '../schemas/snapshot.ts';

/** Types that can name a record (shown in lists, lookups and expanded references). */
export const nameFieldTypes: readonly FieldType[] = FIELD_TYPES.filter((t) => t.canNameRecords).map((t) => t.type);

/** Checks an object's own invariants (not its fields' type rules); errors hang below `base`. */
export function checkObject(object: ObjectDef, snapshot: Snapshot, base: string): MetadataError[] {
  const errors: MetadataError[] = [];
  const fail = (prop: string, code: string, message: string) => errors.push({ path: `${base}/${prop}`, code, message });

  for (const other of snapshot.objects) {
    if (other === object || other.id === object.id) continue;
    const names = new Set([other.id, other.apiName, ...other.apiNameAliases]);
    for (const name of [object.apiName, ...object.apiNameAliases]) {
      if (names.has(name)) fail('apiName', 'duplicate_api_name', `'${name}' is already used by object '${other.apiName}'`);
    }
  }
  // A name another object holds is reported as taken; one nobody holds may still be reserved.
  if (!object.standard && errors.length === 0) {
    const reservedApiName = reservedObjectNameReason(object.apiName);
    if (reservedApiName) fail('apiName', 'reserved_name', reservedApiName);
    const reservedId = object.id === object.apiName ? undefined : reservedObjectNameReason(object.id);
    if (reservedId) fail('id', 'reserved_name', reservedId);
  }
  if (object.apiNameAliases.includes(object.apiName)) {
    fail('apiName', 'duplicate_api_name', `'${object.apiName}' is both the api name and an alias`);
  }

  const ids = new Set<string>();
  for (const field of object.fields) {
    if (ids.has(field.id)) fail('fields', 'duplicate_id', `field id '${field.id}' appears twice`);
    ids.add(field.id);
  }

  const nameField = object.fields.find((f) => f.id === object.nameFieldId);
  if (!nameField || nameField.deletedAt !== undefined) {
    fail('nameFieldId', 'not_found', `name field '${object.nameFieldId}' is not a live field of '${object.apiName}'`);
  } else if (!nameFieldTypes.includes(nameField.type)) {
    fail('nameFieldId', 'invalid', `a ${nameField.type} field cannot name records (use ${nameFieldTypes.join(', ')})`);
  }

  const indexIds = new Set<string>();
  (object.indexes ?? []).forEach((index, i) => {
    if (indexIds.has(index.id)) fail(`indexes/${i}/id`, 'duplicate_id', `index id '${index.id}' appears twice`);
    indexIds.add(index.id);
    index.fields.forEach((part, j) => {
      const field = object.fields.find((f) => f.id === part.fieldId);
      if (!field || field.deletedAt !== undefined) {
        fail(`indexes/${i}/fields/${j}/fieldId`, 'not_found', `field '${part.fieldId}' is not a live field of '${object.apiName}'`);
      } else if (!fieldType(field).sortable) {
        fail(`indexes/${i}/fields/${j}/fieldId`, 'invalid', `${field.type} fields cannot be indexed`);
      }
    });
  });
  errors.push(...checkValidationRules(object, snapshot, base));
  return errors;
}

/** Checks a layout against the snapshot: its object and every field exist and are live. */
export function checkLayout(layout: LayoutDef, snapshot: Snapshot, base: string): MetadataError[] {
  const errors: MetadataError[] = [];
  const fail = (prop: string, code: string, message: string) => errors.push({ path: `${base}/${prop}`, code, message });
  const object = snapshot.objects.find((o) => o.id === layout.objectId);
  if (!object) {
    fail('objectId', 'not_found', `object '${layout.objectId}' does not exist`);
    return errors;
  }
  const sectionIds = new Set<string>();
  const placed = new Set<string>();
  layout.sections.forEach((section, i) => {
    if (sectionIds.has(section.id)) fail(`sections/${i}/id`, 'duplicate_id', `section id '${section.id}' appears twice`);
    sectionIds.add(section.id);
    section.fields.forEach((item, j) => {
      const field = object.fields.find((f) => f.id === item.fieldId);
      const at = `sections/${i}/fields/${j}/fieldId`;
      if (!field || field.deletedAt !== undefined) fail(at, 'not_found', `field '${item.fieldId}' is not a live field of '${object.apiName}'`);
      else if (placed.has(field.id)) fail(at, 'duplicate_field', `field '${field.apiName}' is placed twice`);
      placed.add(item.fieldId);
    });
  });
  errors.push(...checkLayoutRules(layout, object, snapshot, base));
  return errors;
}
