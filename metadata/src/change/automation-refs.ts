import type { AutomationKind, AutomationRef, Snapshot } from '../schemas/snapshot.ts';

/**
 * `snapshot` with one workflow's or script's reference set (`ref`) or removed (`null`); the
 * rest of the snapshot is shared, not copied, so the model compiled from it is unchanged.
 */
export function withAutomation(snapshot: Snapshot, kind: AutomationKind, id: string, ref: AutomationRef | null): Snapshot {
  const automations = snapshot.automations ?? { workflows: [], scripts: [] };
  const others = automations[kind].filter((r) => r.id !== id);
  const list = ref ? [...others, ref].sort((x, y) => x.apiName.localeCompare(y.apiName) || x.id.localeCompare(y.id)) : others;
  return { ...snapshot, automations: { ...automations, [kind]: list } };
}
