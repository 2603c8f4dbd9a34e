import { Type, type Static } from '@sinclair/typebox';

export const OBJECT_ACTIONS = ['create', 'read', 'edit', 'delete', 'viewAll', 'modifyAll'] as const;
export type ObjectAction = (typeof OBJECT_ACTIONS)[number];
export const SETUP_RIGHTS = ['model', 'terms', 'users', 'keys', 'access'] as const;
export type SetupRight = (typeof SETUP_RIGHTS)[number];
export type FieldLevel = 'none' | 'read' | 'edit';
export type RecordDefault = 'private' | 'read' | 'edit';

const flag = Type.Optional(Type.Boolean());
const ObjectRightsSchema = Type.Object(
  { create: flag, read: flag, edit: flag, delete: flag, viewAll: flag, modifyAll: flag },
  { additionalProperties: false },
);

/**
 * What a permission set grants. `objects['*']` applies to every object the set does not name
 * (so objects added later are covered); fields not named are editable where the object is.
 */
export const GrantsSchema = Type.Object(
  {
    objects: Type.Record(Type.String({ maxLength: 100 }), ObjectRightsSchema),
    fields: Type.Record(Type.String({ maxLength: 100 }), Type.Record(Type.String({ maxLength: 100 }), Type.Union([Type.Literal('none'), Type.Literal('read'), Type.Literal('edit')]))),
    setup: Type.Object({ model: flag, terms: flag, users: flag, keys: flag, access: flag }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);
export type Grants = Static<typeof GrantsSchema>;
export type ObjectRights = Record<ObjectAction, boolean>;

const all = (value: boolean): ObjectRights => Object.fromEntries(OBJECT_ACTIONS.map((a) => [a, value])) as ObjectRights;
export const NO_RIGHTS: ObjectRights = all(false);

/** The sets every tenant starts with; the profiles of the same keys bundle them. */
export const SYSTEM_PERMISSION_SETS: { key: string; name: string; description: string; grants: Grants }[] = [
  {
    key: 'admin',
    name: 'Administrator',
    description: 'Every object and field, all records, and all of Setup',
    grants: { objects: { '*': all(true) }, fields: {}, setup: { model: true, terms: true, users: true, keys: true, access: true } },
  },
  {
    key: 'standard',
    name: 'Standard user',
    description: 'Create, read, edit and delete records of every object, as sharing allows',
    grants: { objects: { '*': { create: true, read: true, edit: true, delete: true, viewAll: false, modifyAll: false } }, fields: {}, setup: {} },
  },
  {
    key: 'read_only',
    name: 'Read only',
    description: 'Read records of every object, as sharing allows',
    grants: { objects: { '*': { create: false, read: true, edit: false, delete: false, viewAll: false, modifyAll: false } }, fields: {}, setup: {} },
  },
];

/** Rights of one set for one object: what it names for the object, else its `*` entry. */
export function objectRightsOf(grants: Grants, objectId: string): ObjectRights {
  const named = grants.objects[objectId] ?? grants.objects['*'];
  if (!named) return NO_RIGHTS;
  const rights = Object.fromEntries(OBJECT_ACTIONS.map((a) => [a, named[a] === true])) as ObjectRights;
  // Implied rights, as users expect: modify-all is view-all plus edit and delete; any write needs read.
  if (rights.modifyAll) Object.assign(rights, { viewAll: true, read: true, edit: true, delete: true });
  if (rights.viewAll) rights.read = true;
  if (rights.create || rights.edit || rights.delete) rights.read = true;
  if (rights.delete) rights.edit = true;
  return rights;
}

export function fieldLevelOf(grants: Grants, objectId: string, fieldId: string): FieldLevel {
  const rights = objectRightsOf(grants, objectId);
  if (!rights.read) return 'none';
  const level = grants.fields[objectId]?.[fieldId] ?? (rights.edit || rights.create ? 'edit' : 'read');
  // A field is never more than its object allows.
  return level === 'edit' && !(rights.edit || rights.create) ? 'read' : level;
}

const LEVELS: FieldLevel[] = ['none', 'read', 'edit'];
export const maxLevel = (a: FieldLevel, b: FieldLevel): FieldLevel => (LEVELS.indexOf(a) >= LEVELS.indexOf(b) ? a : b);
export const minLevel = (a: FieldLevel, b: FieldLevel): FieldLevel => (LEVELS.indexOf(a) <= LEVELS.indexOf(b) ? a : b);
