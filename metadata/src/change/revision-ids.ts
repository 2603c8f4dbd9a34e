import type { Snapshot } from '../schemas/snapshot.ts';

/**
 * Ids for what a change creates: the prefix, the revision the change will commit as and a count
 * within the change, in base 36 (`f2r_0`, `o2r_1`). A field's id is the key of its values in
 * every stored record, and an object's id leads every entry of the record table's indexes, so
 * they are kept short (ADR 0026): five characters where ten random ones took twelve. They stay
 * unique within a workspace for good, as ids must (history, events and restores name them):
 * changes commit one at a time, each as the revision after the one it was planned on, and
 * revision numbers are never reused. A name already in use (an api name or alias a user chose
 * that happens to look like one) is passed over.
 */
export function revisionIds(current: Snapshot): (prefix: string) => string {
  const revision = (current.revision + 1).toString(36);
  // Walked only when the change creates something: most changes (labels, options) create nothing.
  let taken: Set<string> | undefined;
  let n = 0;
  return (prefix) => {
    taken ??= namesInUse(current);
    // `f_` gives `f2r_0`: the revision's digits part the letters from the count well enough.
    const letters = prefix.endsWith('_') ? prefix.slice(0, -1) : prefix;
    for (;;) {
      const id = `${letters}${revision}_${(n++).toString(36)}`;
      if (!taken.has(id)) return id;
    }
  };
}

/** Every id, api name and alias anywhere in the snapshot. */
function namesInUse(snapshot: Snapshot): Set<string> {
  const names = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    if (!node || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if ((key === 'id' || key === 'apiName') && typeof value === 'string') {
        names.add(value);
      } else if (key === 'apiNameAliases' && Array.isArray(value)) {
        for (const alias of value) if (typeof alias === 'string') names.add(alias);
      } else {
        visit(value);
      }
    }
  };
  visit(snapshot);
  return names;
}
