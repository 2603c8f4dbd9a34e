import { planQuery, type ObjectDef, type Snapshot } from '@protean/metadata';
import type { Queryable } from '../db/database.ts';
import type { FieldProblem } from '../errors/problems.ts';
import { objectsLosingNames } from '../metadata/gone-names.ts';
import { renameRefs } from '../views/saved-views.ts';
import type { WebhookEvents } from '../webhooks/webhook-service.ts';
import { BY_API_NAME, renameFilterRefs, STORED } from './field-refs.ts';
import { TenantModel } from './tenant-model.ts';

/**
 * Saved views and webhook filters store fields and picklist values by id, but those saved before
 * they did still name them by API name, which reads only while that name (or an alias of it)
 * lives. Before a change takes a name away (an alias removed, a field or value renamed without
 * one), every stored reference is respelled by id with the model it was written against, in the
 * change's own transaction, so the view or webhook goes on working. A metadata service guard that
 * refuses nothing.
 */
export async function respellStoredRefs(tx: Queryable, tenantId: string, current: Snapshot, next: Snapshot): Promise<FieldProblem[]> {
  const losing = objectsLosingNames(current, next);
  if (!losing.size) return [];
  const model = new TenantModel(tenantId, current);
  // A reference may name a field of the object or, through a lookup, of the object it looks up.
  const affected = new Set(losing);
  for (const id of losing) {
    const target = model.objectById(id);
    if (target) for (const { object } of model.referencesTo(target)) affected.add(object.id);
  }
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

  const views = await tx.query<{ id: string; object_id: string; definition: Parameters<typeof renameRefs>[2] }>('select id, object_id, definition from saved_view where tenant_id = $1 and object_id = any($2)', [tenantId, [...affected]]);
  for (const view of views) {
    const object = model.objectById(view.object_id);
    if (!object) continue;
    const definition = renameRefs(model, object, view.definition, STORED);
    if (!same(definition, view.definition)) await tx.query('update saved_view set definition = $3 where tenant_id = $1 and id = $2', [tenantId, view.id, definition]);
  }

  const hooks = await tx.query<{ id: string; events: WebhookEvents[]; filter: unknown }>('select id, events, filter from webhook where tenant_id = $1', [tenantId]);
  for (const hook of hooks) {
    if (!hook.events.some((e) => affected.has(e.object))) continue;
    // Each object's filter by its own fields' ids; one given for the whole webhook, as before, becomes each object's.
    const events = hook.events.map((e) => {
      const filter = e.filter ?? hook.filter;
      const object = model.objectById(e.object);
      return filter === null || filter === undefined || !object ? e : { ...e, filter: renameFilterRefs(model, object, filter, STORED) };
    });
    if (!same(events, hook.events)) await tx.query('update webhook set events = $3 where tenant_id = $1 and id = $2', [tenantId, hook.id, JSON.stringify(events)]);
  }
  return [];
}

/**
 * What everyone relies on may not break unseen: a change that deletes a field or removes a picklist
 * value which a shared view or a webhook filters, sorts or groups by is refused, naming them, as a
 * sharing rule's is (a shared view would answer 400 to everyone; a webhook would go silent). A
 * private view is its owner's to mend: it breaks, and is shown to its owner alone.
 */
export async function storedFilterDependents(tx: Queryable, tenantId: string, current: Snapshot, next: Snapshot): Promise<FieldProblem[]> {
  const losing = objectsLosingFieldsOrValues(current, next);
  if (!losing.size) return [];
  const before = new TenantModel(tenantId, current);
  const after = new TenantModel(tenantId, next);
  const breaks = (objectId: string, plan: (model: TenantModel, object: ObjectDef) => boolean) => {
    const was = before.objectById(objectId);
    const is = after.objectById(objectId);
    return was !== undefined && is !== undefined && plan(before, was) && !plan(after, is);
  };
  const problems: FieldProblem[] = [];
  const views = await tx.query<{ id: string; name: string; object_id: string; definition: Parameters<typeof renameRefs>[2] }>(
    'select id, name, object_id, definition from saved_view where tenant_id = $1 and shared and object_id = any($2)',
    [tenantId, [...losing]],
  );
  for (const view of views) {
    const plans = (model: TenantModel, object: ObjectDef) => {
      const d = renameRefs(model, object, view.definition, BY_API_NAME);
      const planned = planQuery(model.snapshot, object.id, {
        ...(d.filter !== undefined && d.filter !== null ? { filter: JSON.stringify(d.filter) } : {}),
        ...(d.sort ? { sort: d.sort } : {}),
        ...(d.columns?.length ? { fields: d.columns.join(',') } : {}),
      });
      return planned.ok && (!d.groupBy || model.field(object, d.groupBy) !== undefined);
    };
    if (breaks(view.object_id, plans)) problems.push({ field: '', code: 'has_dependents', message: `The change breaks the shared view '${view.name}', which uses what it removes`, dependents: [{ kind: 'savedView', id: view.id, label: view.name }] });
  }
  const hooks = await tx.query<{ id: string; name: string; events: WebhookEvents[]; filter: unknown }>('select id, name, events, filter from webhook where tenant_id = $1 and active', [tenantId]);
  for (const hook of hooks) {
    for (const event of hook.events) {
      const filter = event.filter ?? hook.filter;
      if (filter === null || filter === undefined || !losing.has(event.object)) continue;
      const plans = (model: TenantModel, object: ObjectDef) => planQuery(model.snapshot, object.id, { filter: JSON.stringify(renameFilterRefs(model, object, filter, BY_API_NAME)) }).ok;
      if (!breaks(event.object, plans)) continue;
      problems.push({ field: '', code: 'has_dependents', message: `The change breaks the filter of the webhook '${hook.name}', which would then match nothing`, dependents: [{ kind: 'webhook', id: hook.id, label: hook.name }] });
      break;
    }
  }
  return problems;
}

/** Objects that lose a field, or a picklist value of a field, in the change. */
function objectsLosingFieldsOrValues(current: Snapshot, next: Snapshot): Set<string> {
  const out = new Set<string>();
  for (const object of current.objects) {
    const after = next.objects.find((o) => o.id === object.id);
    if (!after) continue;
    for (const field of object.fields) {
      if (field.deletedAt !== undefined) continue;
      const now = after.fields.find((f) => f.id === field.id);
      const values = new Set((now?.values ?? []).map((v) => v.id));
      if (!now || now.deletedAt !== undefined || (field.values ?? []).some((v) => !values.has(v.id))) out.add(object.id);
    }
  }
  return out;
}
