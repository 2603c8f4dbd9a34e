import { Type } from '@sinclair/typebox';

/** Immutable ids: standard ones equal their api name, custom ones are `o_`/`f_`/`v_`/`l_` + random chars. */
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
