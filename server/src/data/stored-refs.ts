import type { Snapshot } from '@protean/metadata';
import type { Queryable } from '../db/database.ts';
import type { FieldProblem } from '../errors/problems.ts';
import { objectsLosingNames } from '../metadata/gone-names.ts';
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
