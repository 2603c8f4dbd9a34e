import type { Snapshot } from '../schemas/snapshot.ts';
import { validateMetadata } from '../validate/validate-metadata.ts';
import { fieldDataChecks, type DataCheck } from './data-checks.ts';
import { diffSnapshots } from './diff-snapshots.ts';
import type { PlanContext, PlanResult } from './plan-change.ts';

/**
 * Plans restoring an earlier revision's model as a new revision. Fields that exist now but
 * not in `target` are kept as deleted (their data stays recoverable) instead of vanishing;
 * fields that come back raise the same data checks as any change. Workflows and scripts created
 * since `target` are kept.
 */
export function planRestore(current: Snapshot, target: Snapshot, ctx: Pick<PlanContext, 'now'>): PlanResult {
  const next: Snapshot = structuredClone({ ...target, revision: current.revision + 1 });
  for (const object of next.objects) {
    const now = current.objects.find((o) => o.id === object.id);
    for (const field of now?.fields ?? []) {
      if (!object.fields.some((f) => f.id === field.id)) object.fields.push({ ...structuredClone(field), deletedAt: field.deletedAt ?? ctx.now });
    }
  }
  // Workflows and scripts go back to the versions the target names; those made since are kept as they are.
  if (current.automations) {
    const kept = (kind: 'workflows' | 'scripts') => {
      const named = next.automations?.[kind] ?? [];
      return [...named, ...current.automations![kind].filter((r) => !named.some((t) => t.id === r.id))];
    };
    next.automations = { workflows: kept('workflows'), scripts: kept('scripts') };
  }
  const errors = validateMetadata(next);
  if (errors.length) return { ok: false, errors };

  const dataChecks: DataCheck[] = [];
  for (const object of next.objects) {
    const before = current.objects.find((o) => o.id === object.id);
    for (const field of object.fields) {
      if (field.deletedAt !== undefined) continue;
      const prev = before?.fields.find((f) => f.id === field.id && f.deletedAt === undefined);
      // First, so that a required lookup then counts the values cleared.
      if (!prev && field.type === 'lookup') dataChecks.push({ objectId: object.id, fieldId: field.id, path: '/restore', kind: 'lookupTargets' });
      dataChecks.push(...fieldDataChecks(object.id, prev, prev ? field : { ...field, defaultValue: undefined }, '/restore'));
    }
  }
  return { ok: true, next, diff: diffSnapshots(current, next), dataChecks };
}
