import { systemFields, type FieldDef, type ObjectDef } from '@protean/metadata';
import type { TenantModel } from './tenant-model.ts';

type PicklistValue = NonNullable<FieldDef['values']>[number];

/**
 * How stored field references (a saved view's columns and filter, a webhook's filter) are spelled.
 * They are stored by field and picklist value id and answered by current API name: stored by name,
 * they went on naming a field or value an admin renamed, and named nothing once the old name was
 * removed. A client's text is read as a name first (a name may equal an older field's id); stored
 * text as an id first, so references stored by name before read the same.
 */
export interface Spelling {
  field: (field: FieldDef) => string;
  value: (value: PicklistValue) => string;
  /** Whether the text being respelled was stored (ids first) or sent by a client (names first). */
  fromStore: boolean;
}

export const STORED: Spelling = { field: (f) => f.id, value: (v) => v.id, fromStore: false };
export const BY_API_NAME: Spelling = { field: (f) => f.apiName, value: (v) => v.apiName, fromStore: true };

/** A reference ('amount', 'customer.name') respelled; one naming no live field is kept as written. */
export function renameFieldRef(model: TenantModel, object: ObjectDef, text: string, spelling: Spelling): string {
  const resolved = resolveRef(model, object, text, spelling);
  return resolved ? spelled(resolved, spelling) : text;
}

/** A filter of the list language with its fields and picklist values respelled; anything else is kept as it is. */
export function renameFilterRefs(model: TenantModel, object: ObjectDef, filter: unknown, spelling: Spelling): unknown {
  const visit = (node: unknown): unknown => {
    if (!node || typeof node !== 'object' || Array.isArray(node)) return node;
    const n = node as Record<string, unknown>;
    if (Array.isArray(n['and'])) return { ...n, and: n['and'].map(visit) };
    if (Array.isArray(n['or'])) return { ...n, or: n['or'].map(visit) };
    if ('not' in n) return { ...n, not: visit(n['not']) };
    if (typeof n['field'] !== 'string') return n;
    const resolved = resolveRef(model, object, n['field'], spelling);
    if (!resolved) return n;
    const field = spelled(resolved, spelling);
    const values = resolved.field.type === 'picklist' || resolved.field.type === 'multiPicklist' ? resolved.field.values ?? [] : [];
    const value = (text: unknown) => {
      if (typeof text !== 'string') return text;
      const byId = values.find((v) => v.id === text);
      const byName = values.find((v) => v.apiName === text);
      const found = spelling.fromStore ? (byId ?? byName) : (byName ?? byId);
      return found ? spelling.value(found) : text;
    };
    return { ...n, field, ...('value' in n && values.length ? { value: Array.isArray(n['value']) ? n['value'].map(value) : value(n['value']) } : {}) };
  };
  return visit(filter);
}

const spelled = (resolved: { field: FieldDef; via?: FieldDef }, spelling: Spelling) =>
  resolved.via ? `${spelling.field(resolved.via)}.${spelling.field(resolved.field)}` : spelling.field(resolved.field);

function resolveRef(model: TenantModel, object: ObjectDef, text: string, spelling: Spelling): { field: FieldDef; via?: FieldDef } | undefined {
  const [first = '', second, ...rest] = text.split('.');
  if (rest.length) return undefined;
  const field = liveField(model, object, first, spelling);
  if (!field) return undefined;
  if (second === undefined) return { field };
  const target = field.lookup ? model.objectById(field.lookup.objectId) : undefined;
  const related = target ? liveField(model, target, second, spelling) : undefined;
  return related ? { field: related, via: field } : undefined;
}

function liveField(model: TenantModel, object: ObjectDef, ref: string, spelling: Spelling): FieldDef | undefined {
  const found = model.fieldById(object, ref);
  const byId = found && !found.deletedAt ? found : undefined;
  const byName = model.field(object, ref);
  return (spelling.fromStore ? (byId ?? byName) : (byName ?? byId)) ?? systemFields.find((f) => f.id === ref);
}
