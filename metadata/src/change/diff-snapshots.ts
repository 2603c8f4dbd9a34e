import type { Snapshot } from '../schemas/snapshot.ts';
import { effectiveTerms } from '../terms/glossary.ts';
import { deepEqual, isPlainObject } from '../json/deep-equal.ts';

export { deepEqual };

export interface DiffChange {
  /** JSON pointer inside the entity, e.g. /labels/zh-CN or /maxLength. */
  path: string;
  from?: unknown;
  to?: unknown;
}

export type DiffAction = 'created' | 'updated' | 'deleted' | 'restored' | 'purged';

/**
 * One readable line of a revision's diff. For layouts `apiName` holds the layout's name; for terms
 * `id` and `apiName` hold the key; for workflows and scripts a change of `/version` says which saved
 * version became current.
 */
export interface DiffEntry {
  kind: 'object' | 'field' | 'layout' | 'term' | 'workflow' | 'script';
  action: DiffAction;
  id: string;
  apiName: string;
  /** The owning object, for fields and layouts. */
  objectId?: string;
  changes?: DiffChange[];
}


function changesBetween(a: unknown, b: unknown, prefix: string, skip: readonly string[], out: DiffChange[]): void {
  if (a === b) return;
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    for (const key of keys) {
      if (prefix === '' && skip.includes(key)) continue;
      changesBetween(a[key], b[key], `${prefix}/${key}`, skip, out);
    }
    return;
  }
  if (deepEqual(a, b)) return;
  const change: DiffChange = { path: prefix };
  if (a !== undefined) change.from = a;
  if (b !== undefined) change.to = b;
  out.push(change);
}

function withChanges(entry: DiffEntry, changes: DiffChange[]): DiffEntry {
  return changes.length ? { ...entry, changes } : entry;
}

/**
 * What changed from snapshot `a` to snapshot `b`: objects, then fields, then layouts. Any
 * two revisions can be compared; planChange returns the same format.
 */
export function diffSnapshots(a: Snapshot, b: Snapshot): DiffEntry[] {
  const objects: DiffEntry[] = [];
  const fields: DiffEntry[] = [];
  const layouts: DiffEntry[] = [];
  const before = new Map(a.objects.map((o) => [o.id, o]));
  const after = new Map(b.objects.map((o) => [o.id, o]));

  for (const object of a.objects) {
    if (!after.has(object.id)) objects.push({ kind: 'object', action: 'deleted', id: object.id, apiName: object.apiName });
  }
  for (const object of b.objects) {
    const old = before.get(object.id);
    if (old === object) continue;
    if (!old) {
      objects.push({ kind: 'object', action: 'created', id: object.id, apiName: object.apiName });
      for (const field of object.fields) {
        fields.push({ kind: 'field', action: 'created', id: field.id, apiName: field.apiName, objectId: object.id });
      }
      continue;
    }
    const changes: DiffChange[] = [];
    changesBetween(old, object, '', ['fields'], changes);
    if (changes.length) objects.push({ kind: 'object', action: 'updated', id: object.id, apiName: object.apiName, changes });

    const newFields = new Map(object.fields.map((f) => [f.id, f]));
    for (const field of old.fields) {
      if (newFields.has(field.id)) continue;
      fields.push({ kind: 'field', action: field.deletedAt !== undefined ? 'purged' : 'deleted', id: field.id, apiName: field.apiName, objectId: object.id });
    }
    const oldFields = new Map(old.fields.map((f) => [f.id, f]));
    for (const field of object.fields) {
      const prev = oldFields.get(field.id);
      const base = { kind: 'field' as const, id: field.id, apiName: field.apiName, objectId: object.id };
      if (!prev) {
        fields.push({ ...base, action: field.deletedAt === undefined ? 'created' : 'deleted' });
        continue;
      }
      const fieldChanges: DiffChange[] = [];
      changesBetween(prev, field, '', ['deletedAt'], fieldChanges);
      const wasDeleted = prev.deletedAt !== undefined;
      const isDeleted = field.deletedAt !== undefined;
      if (wasDeleted !== isDeleted) fields.push(withChanges({ ...base, action: isDeleted ? 'deleted' : 'restored' }, fieldChanges));
      else if (fieldChanges.length) fields.push({ ...base, action: 'updated', changes: fieldChanges });
    }
  }

  const oldLayouts = new Map(a.layouts.map((l) => [l.id, l]));
  const newLayouts = new Map(b.layouts.map((l) => [l.id, l]));
  for (const layout of a.layouts) {
    if (!newLayouts.has(layout.id)) layouts.push({ kind: 'layout', action: 'deleted', id: layout.id, apiName: layout.name, objectId: layout.objectId });
  }
  for (const layout of b.layouts) {
    const prev = oldLayouts.get(layout.id);
    const base = { kind: 'layout' as const, id: layout.id, apiName: layout.name, objectId: layout.objectId };
    if (!prev) {
      layouts.push({ ...base, action: 'created' });
      continue;
    }
    const changes: DiffChange[] = [];
    changesBetween(prev, layout, '', [], changes);
    if (changes.length) layouts.push({ ...base, action: 'updated', changes });
  }
  const terms: DiffEntry[] = [];
  const oldTerms = new Map(effectiveTerms(a).map((t) => [t.key, t]));
  const newTerms = new Map(effectiveTerms(b).map((t) => [t.key, t]));
  for (const key of oldTerms.keys()) if (!newTerms.has(key)) terms.push({ kind: 'term', action: 'deleted', id: key, apiName: key });
  for (const [key, term] of newTerms) {
    const prev = oldTerms.get(key);
    if (!prev) {
      terms.push({ kind: 'term', action: 'created', id: key, apiName: key });
      continue;
    }
    const changes: DiffChange[] = [];
    changesBetween(prev, term, '', [], changes);
    if (changes.length) terms.push({ kind: 'term', action: 'updated', id: key, apiName: key, changes });
  }
  return [...objects, ...fields, ...layouts, ...terms, ...diffAutomations(a, b)];
}

/** What changed in the workflow and script references from `a` to `b`. */
export function diffAutomations(a: Snapshot, b: Snapshot): DiffEntry[] {
  const out: DiffEntry[] = [];
  for (const [key, kind] of [['workflows', 'workflow'], ['scripts', 'script']] as const) {
    const before = new Map((a.automations?.[key] ?? []).map((r) => [r.id, r]));
    const after = new Map((b.automations?.[key] ?? []).map((r) => [r.id, r]));
    for (const [id, ref] of before) if (!after.has(id)) out.push({ kind, action: 'deleted', id, apiName: ref.apiName });
    for (const [id, ref] of after) {
      const prev = before.get(id);
      if (!prev) {
        out.push({ kind, action: 'created', id, apiName: ref.apiName });
        continue;
      }
      const changes: DiffChange[] = [];
      changesBetween(prev, ref, '', ['id'], changes);
      if (changes.length) out.push({ kind, action: 'updated', id, apiName: ref.apiName, changes });
    }
  }
  return out;
}
