import type { Snapshot } from '@protean/metadata';
import type { Queryable } from '../db/database.ts';
import type { FieldProblem } from '../errors/problems.ts';
import { renameRefs } from '../views/saved-views.ts';
import type { WebhookEvents } from '../webhooks/webhook-service.ts';
import { renameFilterRefs, STORED } from './field-refs.ts';
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
  if (!takesNamesAway(current, next)) return [];
  const model = new TenantModel(tenantId, current);
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

  const views = await tx.query<{ id: string; object_id: string; definition: Parameters<typeof renameRefs>[2] }>('select id, object_id, definition from saved_view where tenant_id = $1', [tenantId]);
  for (const view of views) {
    const object = model.objectById(view.object_id);
    if (!object) continue;
    const definition = renameRefs(model, object, view.definition, STORED);
    if (!same(definition, view.definition)) await tx.query('update saved_view set definition = $3 where tenant_id = $1 and id = $2', [tenantId, view.id, definition]);
  }

  const hooks = await tx.query<{ id: string; events: WebhookEvents[]; filter: unknown }>('select id, events, filter from webhook where tenant_id = $1', [tenantId]);
  for (const hook of hooks) {
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

/** Whether a name an object, field or picklist value answers to now (its API name or an alias) is gone after the change. */
function takesNamesAway(current: Snapshot, next: Snapshot): boolean {
  const names = (snapshot: Snapshot) => {
    const out = new Set<string>();
    for (const object of snapshot.objects) {
      for (const name of [object.apiName, ...(object.apiNameAliases ?? [])]) out.add(`${object.id} ${name}`);
      for (const field of object.fields) {
        if (field.deletedAt) continue;
        for (const name of [field.apiName, ...(field.apiNameAliases ?? [])]) out.add(`${object.id} ${field.id} ${name}`);
        for (const value of field.values ?? []) out.add(`${object.id} ${field.id} value ${value.apiName}`);
      }
    }
    return out;
  };
  const after = names(next);
  for (const name of names(current)) if (!after.has(name)) return true;
  return false;
}
