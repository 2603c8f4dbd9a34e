import { fieldType } from '../field-types/registry.ts';
import type { FieldDef } from '../schemas/field-def.ts';
import type { IndexSlot, IndexSlots, ObjectDef } from '../schemas/object-def.ts';
import type { Snapshot } from '../schemas/snapshot.ts';

/**
 * Where a field may go, best slot first (ADR 0002), as its type declares: picklists lead the
 * first composite index (t1, d1, id, n1), lookups the second (t2, d2, id), the name or a unique
 * text the third (t3, id), and the fourth (t4, n2, id) takes what is left.
 */
function candidates(object: ObjectDef, field: FieldDef): readonly IndexSlot[] {
  const slot = fieldType(field.type).slot;
  if (!slot) return [];
  if (slot.onlyNameOrUnique && field.id !== object.nameFieldId && !field.unique) return [];
  return slot.candidates;
}

/**
 * Gives fields that are new in `next` (absent from `previous`) a free index slot of their
 * kind. A new field holds no values yet, so its slot is usable at once with no backfill.
 * Fields that already exist keep their slot; reassigning one needs a backfill (later).
 */
export function assignIndexSlots(previous: Snapshot, next: Snapshot): Snapshot {
  const before = new Map(previous.objects.map((o) => [o.id, o]));
  return {
    ...next,
    objects: next.objects.map((object) => {
      const old = before.get(object.id);
      // The very same object (a change that did not touch it, e.g. a term rename) keeps its slots.
      if (old === object) return object;
      const existing = new Set(old?.fields.map((f) => f.id) ?? []);
      // Slots are the platform's to assign: whatever a change request says about them is ignored.
      const slots: IndexSlots = { ...old?.indexSlots };
      // A purged field gives its slot back.
      for (const [slot, fieldId] of Object.entries(slots)) if (!object.fields.some((f) => f.id === fieldId)) delete slots[slot as IndexSlot];
      const fresh = object.fields.filter((f) => !existing.has(f.id) && !f.deletedAt);
      const taken = new Set(Object.values(slots));
      // The name field first, so it wins t3 over other unique texts.
      const ordered = [...fresh].sort((a, b) => Number(b.id === object.nameFieldId) - Number(a.id === object.nameFieldId));
      for (const field of ordered) {
        if (taken.has(field.id)) continue;
        const slot = candidates(object, field).find((s) => slots[s] === undefined);
        if (!slot) continue;
        slots[slot] = field.id;
        taken.add(field.id);
      }
      const { indexSlots: _ignored, ...rest } = object;
      return Object.keys(slots).length ? { ...rest, indexSlots: slots } : rest;
    }),
  };
}

/** The slot a field fills, if any. */
export function slotOf(object: ObjectDef, fieldId: string): IndexSlot | undefined {
  const slots = object.indexSlots;
  if (!slots) return undefined;
  for (const [slot, id] of Object.entries(slots)) if (id === fieldId) return slot as IndexSlot;
  return undefined;
}
