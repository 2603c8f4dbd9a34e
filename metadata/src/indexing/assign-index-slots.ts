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
  const slot = fieldType(field).slot;
  if (!slot) return [];
  if (slot.onlyNameOrUnique && field.id !== object.nameFieldId && !field.unique) return [];
  return slot.candidates;
}

/** Whether a field's type still fits a slot it holds (a type change can take that away). */
function fits(field: FieldDef, slot: IndexSlot): boolean {
  return fieldType(field).slot?.candidates.includes(slot) ?? false;
}

const entries = (slots: IndexSlots | undefined) => Object.entries(slots ?? {}) as [IndexSlot, string][];

/**
 * Gives fields that are new in `next` (absent from `previous`) a free index slot of their
 * kind. A new field holds no values yet, so its slot is usable at once. A slot that is free
 * (its field was purged, or its type no longer fits) goes to an existing live field that has
 * none as a pending slot: writes fill it at once, a backfill copies the stored values, and only
 * then does the field move to `indexSlots`, where filters and sorts use it (ADR 0002, addendum).
 * Fields that already hold a slot keep it.
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
      const fieldById = new Map(object.fields.map((f) => [f.id, f]));
      // Slots are the platform's to assign: whatever a change request says about them is ignored.
      const slots: IndexSlots = {};
      for (const [slot, fieldId] of entries(old?.indexSlots)) {
        const field = fieldById.get(fieldId);
        if (field && fits(field, slot)) slots[slot] = fieldId;
      }
      // A pending field that was deleted, or whose type no longer fits, stops waiting.
      const pending: IndexSlots = {};
      for (const [slot, fieldId] of entries(old?.pendingIndexSlots)) {
        const field = fieldById.get(fieldId);
        if (field && !field.deletedAt && fits(field, slot) && slots[slot] === undefined) pending[slot] = fieldId;
      }
      const taken = new Set([...Object.values(slots), ...Object.values(pending)]);
      const free = (slot: IndexSlot) => slots[slot] === undefined && pending[slot] === undefined;
      // The name field first, so it wins t3 over other unique texts.
      const nameFirst = (fields: FieldDef[]) => [...fields].sort((a, b) => Number(b.id === object.nameFieldId) - Number(a.id === object.nameFieldId));
      const live = object.fields.filter((f) => !f.deletedAt && !taken.has(f.id));
      for (const field of nameFirst(live.filter((f) => !existing.has(f.id)))) {
        const slot = candidates(object, field).find(free);
        if (slot) slots[slot] = field.id;
      }
      for (const field of nameFirst(live.filter((f) => existing.has(f.id)))) {
        const slot = candidates(object, field).find(free);
        if (slot) pending[slot] = field.id;
      }
      const { indexSlots: _slots, pendingIndexSlots: _pending, ...rest } = object;
      return {
        ...rest,
        ...(Object.keys(slots).length ? { indexSlots: slots } : {}),
        ...(Object.keys(pending).length ? { pendingIndexSlots: pending } : {}),
      };
    }),
  };
}

/**
 * The model once a pending slot's backfill has finished: the field moves from
 * `pendingIndexSlots` to `indexSlots`. Unchanged when the slot no longer waits for that field.
 */
export function promoteIndexSlot(snapshot: Snapshot, objectId: string, slot: IndexSlot, fieldId: string): Snapshot {
  return {
    ...snapshot,
    objects: snapshot.objects.map((object) => {
      if (object.id !== objectId || object.pendingIndexSlots?.[slot] !== fieldId) return object;
      const { [slot]: _promoted, ...pending } = object.pendingIndexSlots;
      const { pendingIndexSlots: _pending, ...rest } = object;
      return { ...rest, indexSlots: { ...object.indexSlots, [slot]: fieldId }, ...(Object.keys(pending).length ? { pendingIndexSlots: pending } : {}) };
    }),
  };
}

const find = (slots: IndexSlots | undefined, fieldId: string) => entries(slots).find(([, id]) => id === fieldId)?.[0];

/** The slot a field fills and filters and sorts may use, if any (a pending slot is not one yet). */
export function slotOf(object: ObjectDef, fieldId: string): IndexSlot | undefined {
  return find(object.indexSlots, fieldId);
}

/** The slot a write must fill for a field: its ready slot or the pending one being backfilled. */
export function writeSlotOf(object: ObjectDef, fieldId: string): IndexSlot | undefined {
  return find(object.indexSlots, fieldId) ?? find(object.pendingIndexSlots, fieldId);
}

/** The field each slot column receives on a write (ready and pending slots alike). */
export function writeSlots(object: ObjectDef): IndexSlots {
  return { ...object.pendingIndexSlots, ...object.indexSlots };
}
