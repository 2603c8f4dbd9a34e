import { Type } from '@sinclair/typebox';

/** Immutable ids: standard ones equal their api name, custom ones are `o_`/`f_`/`v_`/`l_` + their revision and a count (`revisionIds`). */
export const Id = Type.String({ pattern: '^[a-z][a-z0-9_]{0,62}$' });
export const ApiName = Type.String({ pattern: '^[a-z][a-z0-9_]{0,62}$' });
/** A reference to an object or field by id, api name or alias. */
export const Ref = Type.String({ minLength: 1, maxLength: 63 });

/** Columns every record has; no field may take these api names. */
export const reservedFieldApiNames: readonly string[] = [
  'id',
  'version',
  'created_at',
  'created_by',
  'updated_at',
  'updated_by',
  'deleted_at',
  'deleted_by',
];

/**
 * Keys every JavaScript object already has. Values are kept in plain objects keyed by api name
 * or id (record bodies, `data`, compiled schemas), where such a key finds the prototype instead
 * of data, so no object, field or value may be named by one. Only `constructor` and `prototype`
 * fit the name pattern; the others are listed so the rule reads whole.
 */
export const prototypeNames: readonly string[] = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString'];

/** Keys a record in the API has besides its fields (`tenant_id` is never shown, nor nameable). */
const recordKeys: readonly string[] = [...reservedFieldApiNames, 'tenant_id', 'object_id', 'display_name', 'object'];

/** Why a field may not take `name` as its id or api name, or undefined when it may. */
export function reservedFieldNameReason(name: string): string | undefined {
  if (prototypeNames.includes(name)) return `'${name}' is reserved: every JavaScript object has it`;
  if (recordKeys.includes(name)) return `'${name}' is reserved for a system column of every record`;
  return undefined;
}

/** Names of the platform's own entities and standard objects, refused for a custom object. */
export const reservedObjectApiNames: readonly string[] = ['customer', 'organization', 'deal', 'activity', 'task', 'user', 'tenant', 'record', 'metadata'];

/** Why a custom object may not take `name` as its id or api name, or undefined when it may. */
export function reservedObjectNameReason(name: string): string | undefined {
  if (prototypeNames.includes(name)) return `'${name}' is reserved: every JavaScript object has it`;
  if (reservedObjectApiNames.includes(name)) return `'${name}' is reserved for a standard object of the platform`;
  return undefined;
}
