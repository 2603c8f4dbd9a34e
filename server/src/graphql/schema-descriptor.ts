import { createHash } from 'node:crypto';
import { fieldType, type FieldDef, type LocalizedText, type ObjectDef } from '@protean/metadata';
import type { TenantModel } from '../data/tenant-model.ts';
import type { Words } from '../metadata/words.ts';
import { RESERVED_ENUM_VALUES, typeNames } from './graphql-names.ts';

/**
 * Everything a tenant's GraphQL schema depends on, in plain data: API names, types, relations and
 * the descriptions in one locale. Object ids are not in it (integrations never see them), so two
 * tenants with the same model and words have equal descriptors and share one built schema.
 */
/**
 * What a principal may see and change, as the descriptor needs it (an AccessShape answers it).
 * Objects it cannot read and fields it cannot read are left out of the descriptor, so its content
 * address differs per access and principals with equal access share one schema (ADR 0012, 0016).
 */
export interface SchemaAccess {
  can(objectId: string, action: 'read' | 'create' | 'edit' | 'delete'): boolean;
  fieldLevel(objectId: string, fieldId: string): 'none' | 'read' | 'edit';
}

/** Everything readable and writable: the schema a tool that describes the whole model sees. */
export const FULL_ACCESS: SchemaAccess = { can: () => true, fieldLevel: () => 'edit' };

export interface SchemaDescriptor {
  locale: string;
  objects: ObjectShape[];
}

export interface ObjectShape {
  apiName: string;
  aliases: string[];
  typeName: string;
  description: string;
  /** The object rights behind the mutations: create, update (edit), delete and restore (delete). */
  rights: { create: boolean; edit: boolean; delete: boolean };
  fields: FieldShape[];
  /** Records of other objects that look this one up, as connections. */
  relations: { name: string; source: string; field: string; description: string }[];
}

export interface FieldShape {
  apiName: string;
  type: FieldDef['type'];
  description: string;
  /** Writable by its type and by the principal (field level edit): only these are in the input type. */
  writable: boolean;
  deprecatedAliases: string[];
  /** Picklists whose value names are all valid GraphQL enum values. */
  enumValues?: { name: string; description: string; active: boolean }[];
  /** Lookup target: its API name. */
  target?: string;
}

const SYSTEM_NAMES = new Set(['id', 'version', 'created_at', 'created_by', 'updated_at', 'updated_by', 'display_name']);

const prose = (words: Words, text: LocalizedText | undefined) => (text ? words.text(words.locale === 'zh-CN' ? (text['zh-CN'] ?? text.en) : text.en) : '');
const joined = (...parts: string[]) => parts.filter(Boolean).join('\n\n');

export function describeModel(model: TenantModel, words: Words, access: SchemaAccess): SchemaDescriptor {
  // Type names come from every object, so an object's name does not change with who reads it.
  const names = typeNames(model.snapshot.objects);
  const readable = model.snapshot.objects.filter((o) => access.can(o.id, 'read'));
  // Lookups by their target, in one pass over the model (asking each object for its references scans every object again).
  const references = new Map<string, { object: ObjectDef; field: FieldDef }[]>();
  for (const source of model.snapshot.objects) {
    for (const field of model.liveFields(source)) {
      if (field.type !== 'lookup' || !field.lookup) continue;
      let list = references.get(field.lookup.objectId);
      if (!list) references.set(field.lookup.objectId, (list = []));
      list.push({ object: source, field });
    }
  }
  const objects = readable.map((object): ObjectShape => {
    const live = model.liveFields(object).filter((f) => access.fieldLevel(object.id, f.id) !== 'none');
    const taken = new Set([...SYSTEM_NAMES, ...live.map((f) => f.apiName)]);
    const relations: ObjectShape['relations'] = [];
    for (const { object: source, field } of references.get(object.id) ?? []) {
      // A relation reads the source's records through its lookup: both must be readable.
      if (!access.can(source.id, 'read') || access.fieldLevel(source.id, field.id) === 'none') continue;
      const name = field.lookup?.relationshipName;
      // A relationship name equal to one of this object's fields would hide it: the field wins.
      if (!name || taken.has(name)) continue;
      taken.add(name);
      relations.push({ name, source: source.apiName, field: field.apiName, description: `${words.object(source, 'plural')} (${words.field(field)})` });
    }
    return {
      apiName: object.apiName,
      aliases: [...object.apiNameAliases],
      typeName: names.get(object.id)!,
      description: joined(words.object(object), prose(words, object.description), prose(words, object.helpText)),
      rights: { create: access.can(object.id, 'create'), edit: access.can(object.id, 'edit'), delete: access.can(object.id, 'delete') },
      fields: live.map((field) => describeField(model, object, field, words, access)),
      relations,
    };
  });
  return { locale: words.locale, objects };
}

const resultTypes = { number: 'number', text: 'text', boolean: 'boolean', date: 'date', datetime: 'datetime' } as const;

function describeField(model: TenantModel, object: ObjectDef, field: FieldDef, words: Words, access: SchemaAccess): FieldShape {
  const shape: FieldShape = {
    apiName: field.apiName,
    // A formula or roll-up is typed as the value it gives.
    type: field.type === 'formula' ? resultTypes[field.formula?.resultType ?? 'text'] : field.type === 'rollup' ? (field.rollup?.resultType ?? 'number') : field.type,
    description: joined(words.field(field), prose(words, field.description), prose(words, field.helpText)),
    writable: fieldType(field).writable && field.readOnly !== true && access.fieldLevel(object.id, field.id) === 'edit',
    deprecatedAliases: field.apiNameAliases.filter((alias) => model.field(object, alias) === field),
  };
  if ((field.type === 'picklist' || field.type === 'multiPicklist') && field.values?.length && field.values.every((v) => !RESERVED_ENUM_VALUES.has(v.apiName))) {
    shape.enumValues = field.values.map((v) => ({ name: v.apiName, description: words.text(words.locale === 'zh-CN' ? (v.labels['zh-CN'] ?? v.labels.en) : v.labels.en), active: v.active }));
  }
  if (field.type === 'lookup' && field.lookup) {
    const target = model.objectById(field.lookup.objectId);
    // A lookup to an object the principal cannot read stays an id: its records are not reachable.
    if (target && access.can(target.id, 'read')) shape.target = target.apiName;
  }
  return shape;
}

/** The content address of a descriptor: equal models in equal words share a schema. */
export const descriptorKey = (descriptor: SchemaDescriptor) => createHash('sha256').update(JSON.stringify(descriptor)).digest('base64url');
