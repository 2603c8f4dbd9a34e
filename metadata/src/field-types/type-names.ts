/** Every field type's name. A new type adds its name here and its definition to registry.ts. */
export const fieldTypes = [
  'text',
  'longText',
  'email',
  'phone',
  'url',
  'number',
  'currency',
  'percent',
  'boolean',
  'date',
  'datetime',
  'picklist',
  'multiPicklist',
  'lookup',
  'owner',
  'autonumber',
  'json',
  'formula',
  'rollup',
] as const;

export type FieldTypeName = (typeof fieldTypes)[number];
