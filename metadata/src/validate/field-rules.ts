import type { MetadataError } from '../change/metadata-error.ts';
import { validateFieldValue } from '../compile/create-record-validator.ts';
import { fieldOptionNames, type FieldOption } from '../field-types/field-type.ts';
import { FIELD_TYPES, fieldType } from '../field-types/registry.ts';
import type { FieldDef, FieldType } from '../schemas/field-def.ts';
import { effectiveMaxLength } from '../compile/field-limits.ts';
import { metadataLimits } from '../schemas/limits.ts';
import { reservedFieldNameReason } from '../schemas/names.ts';
import type { ObjectDef } from '../schemas/object-def.ts';
import type { Snapshot } from '../schemas/snapshot.ts';
import { checkFieldLogic } from '../expressions/model-expressions.ts';

/** Which type-specific options each field type accepts (helpText, required, readOnly: all), from the registry. */
export const optionsByType = Object.fromEntries(FIELD_TYPES.map((t) => [t.type, t.options])) as Record<FieldType, readonly FieldOption[]>;

const autonumberPattern = /^[^{}]*\{0+\}[^{}]*$/;

/** Names taken inside an object by fields other than `except`: ids, api names and aliases. */
function takenFieldNames(object: ObjectDef, except: FieldDef): Map<string, FieldDef> {
  const taken = new Map<string, FieldDef>();
  for (const other of object.fields) {
    if (other === except || other.id === except.id) continue;
    for (const name of [other.id, other.apiName, ...other.apiNameAliases]) taken.set(name, other);
  }
  return taken;
}

/**
 * Checks one field against its type's rules and its object. `base` is the JSON pointer that
 * errors hang below (where the field, or the patch that produced it, was written).
 */
export function checkField(field: FieldDef, object: ObjectDef, snapshot: Snapshot, base: string): MetadataError[] {
  const errors: MetadataError[] = [];
  const fail = (prop: string, code: string, message: string) => errors.push({ path: `${base}/${prop}`, code, message });

  const reservedApiName = reservedFieldNameReason(field.apiName);
  if (reservedApiName) fail('apiName', 'reserved_name', reservedApiName);
  const reservedId = field.id === field.apiName ? undefined : reservedFieldNameReason(field.id);
  if (reservedId) fail('id', 'reserved_name', reservedId);
  const taken = takenFieldNames(object, field);
  for (const name of [field.apiName, ...field.apiNameAliases]) {
    const other = taken.get(name);
    if (other) fail('apiName', 'duplicate_api_name', `'${name}' is already used by field '${other.apiName}' of '${object.apiName}'`);
  }
  if (field.apiNameAliases.includes(field.apiName)) {
    fail('apiName', 'duplicate_api_name', `'${field.apiName}' is both the api name and an alias`);
  }

  const allowed = optionsByType[field.type];
  for (const option of fieldOptionNames) {
    if (field[option] !== undefined && !allowed.includes(option)) {
      fail(option, 'option_not_allowed', `${option} does not apply to ${field.type} fields`);
    }
  }

  const limits = fieldType(field.type).textLimits;
  if (limits && field.maxLength !== undefined && field.maxLength > limits.ceiling) {
    fail('maxLength', 'out_of_range', `maxLength of a ${field.type} field is at most ${limits.ceiling}`);
  }
  const indexed = limits && (field.unique === true || object.nameFieldId === field.id);
  const length = effectiveMaxLength(field);
  if (indexed && length !== undefined && length > metadataLimits.indexedTextLength) {
    const role = field.unique ? 'a unique' : 'the name';
    fail('maxLength', 'out_of_range', `${role} field's text is indexed, so its maxLength is at most ${metadataLimits.indexedTextLength} (this one allows ${length})`);
  }
  if (field.minLength !== undefined && field.maxLength !== undefined && field.minLength > field.maxLength) {
    fail('minLength', 'out_of_range', 'minLength must not exceed maxLength');
  }
  if (field.min !== undefined && field.max !== undefined && field.min > field.max) {
    fail('min', 'out_of_range', 'min must not exceed max');
  }
  if (field.scale !== undefined && field.precision !== undefined && field.scale > field.precision) {
    fail('scale', 'out_of_range', 'scale must not exceed precision');
  }

  // Type-specific checks follow the options a type takes (values, lookup, autonumber).
  if (allowed.includes('values')) {
    const values = field.values ?? [];
    if (values.length === 0) fail('values', 'required', `a ${field.type} field needs at least one value`);
    const ids = new Set<string>();
    const apiNames = new Set<string>();
    values.forEach((value, i) => {
      if (ids.has(value.id)) fail(`values/${i}/id`, 'duplicate_id', `value id '${value.id}' appears twice`);
      if (apiNames.has(value.apiName)) fail(`values/${i}/apiName`, 'duplicate_api_name', `value '${value.apiName}' appears twice`);
      ids.add(value.id);
      apiNames.add(value.apiName);
    });
  }

  if (allowed.includes('lookup')) {
    if (!field.lookup) {
      fail('lookup', 'required', 'a lookup field needs lookup.objectId, onDelete and relationshipName');
    } else {
      const target = snapshot.objects.find((o) => o.id === field.lookup?.objectId);
      if (!target) {
        fail('lookup/objectId', 'not_found', `object '${field.lookup.objectId}' does not exist`);
      } else {
        const clash = snapshot.objects
          .flatMap((o) => o.fields.map((f) => ({ o, f })))
          .find(({ o, f }) => !(o.id === object.id && f.id === field.id) && f.lookup?.objectId === target.id && f.lookup.relationshipName === field.lookup?.relationshipName);
        if (clash) {
          fail('lookup/relationshipName', 'duplicate_api_name', `'${target.apiName}' already has a relationship '${field.lookup.relationshipName}' (from ${clash.o.apiName}.${clash.f.apiName})`);
        }
      }
      if (field.required && field.lookup.onDelete === 'setNull') {
        fail('lookup/onDelete', 'invalid', 'a required lookup cannot use onDelete setNull');
      }
    }
  }

  if (allowed.includes('autonumber')) {
    if (!field.autonumber) fail('autonumber', 'required', 'an autonumber field needs a pattern such as CUS-{0000}');
    else if (!autonumberPattern.test(field.autonumber.pattern)) {
      fail('autonumber/pattern', 'invalid', "the pattern needs exactly one number group such as '{0000}'");
    }
  }

  if (field.required && field.readOnly && field.defaultValue === undefined && field.defaultExpression === undefined && fieldType(field.type).writable) {
    fail('readOnly', 'invalid', 'a required read-only field needs a default value');
  }

  if (field.defaultValue !== undefined && allowed.includes('defaultValue')) {
    const problem = validateFieldValue(field, field.defaultValue);
    if (problem) fail('defaultValue', 'invalid', `default value ${problem.message}`);
  }
  if (field.defaultValue !== undefined && field.defaultExpression !== undefined) fail('defaultExpression', 'invalid', 'a field has a default value or a default expression, not both');
  errors.push(...checkFieldLogic(field, object, snapshot, base));
  return errors;
}
