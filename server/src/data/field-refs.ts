import { systemFields, type FieldDef, type ObjectDef } from '@protean/metadata';
import type { TenantModel } from './tenant-model.ts';

/**
 * Field references kept for later (a saved view's columns and filter, a webhook's filter) are
 * stored by field id and answered by current API name: stored by name, they went on naming a
 * field an admin renamed, and named no field once its old name was removed. Both spellings
 * resolve here, so references stored by name before read the same.
 */
export const byFieldId = (field: FieldDef) => field.id;
export const byApiName = (field: FieldDef) => field.apiName;

/** A reference ('amount', 'customer.name') with each field spelled by `name`; one naming no live field is kept as written. */
export function renameFieldRef(model: TenantModel, object: ObjectDef, text: string, name: (field: FieldDef) => string): string {
  const [first = '', second, ...rest] = text.split('.');
  const field = rest.length ? undefined : liveField(model, object, first);
  if (!field) return text;
  if (second === undefined) return name(field);
  const target = field.lookup ? model.objectById(field.lookup.objectId) : undefined;
  const related = target ? liveField(model, target, second) : undefined;
  return related ? `${name(field)}.${name(related)}` : text;
}

/** A filter of the list language with every `field` spelled by `name`; anything else is kept as it is. */
export function renameFilterRefs(model: TenantModel, object: ObjectDef, filter: unknown, name: (field: FieldDef) => string): unknown {
  const visit = (node: unknown): unknown => {
    if (!node || typeof node !== 'object' || Array.isArray(node)) return node;
    const n = node as Record<string, unknown>;
    if (Array.isArray(n['and'])) return { ...n, and: n['and'].map(visit) };
    if (Array.isArray(n['or'])) return { ...n, or: n['or'].map(visit) };
    if ('not' in n) return { ...n, not: visit(n['not']) };
    return typeof n['field'] === 'string' ? { ...n, field: renameFieldRef(model, object, n['field'], name) } : n;
  };
  return visit(filter);
}

function liveField(model: TenantModel, object: ObjectDef, ref: string): FieldDef | undefined {
  const byId = model.fieldById(object, ref);
  return (byId && !byId.deletedAt ? byId : model.field(object, ref)) ?? systemFields.find((f) => f.id === ref);
}
