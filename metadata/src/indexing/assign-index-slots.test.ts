import { describe, expect, it } from 'vitest';
import type { FieldDef } from '../schemas/field-def.ts';
import type { ObjectDef } from '../schemas/object-def.ts';
import type { Snapshot } from '../schemas/snapshot.ts';
import { standardSnapshot } from '../standard/standard-objects.ts';
import { assignIndexSlots, promoteIndexSlot, slotOf, writeSlotOf, writeSlots } from './assign-index-slots.ts';

const empty = { revision: 0, objects: [], layouts: [] };

describe('index slot assignment', () => {
  it('gives the standard Deal its stage, amount, close date and customer lookup a slot each', () => {
    const snapshot = assignIndexSlots(empty, standardSnapshot());
    const deal = snapshot.objects.find((o) => o.id === 'deal')!;
    expect(slotOf(deal, 'stage')).toBe('t1');
    expect(slotOf(deal, 'amount')).toBe('n1');
    expect(slotOf(deal, 'close_date')).toBe('d1');
    expect(slotOf(deal, 'customer')).toBe('t2');
  });

  it('never moves a slot that an existing field holds, and leaves new fields unslotted when slots run out', () => {
    const first = assignIndexSlots(empty, standardSnapshot());
    const deal = first.objects.find((o) => o.id === 'deal')!;
    const extra = Array.from({ length: 4 }, (_, i) => ({ id: `f_extra${i}`, apiName: `extra_${i}`, apiNameAliases: [], labels: { en: `Extra ${i}` }, type: 'picklist' as const, values: [{ id: 'v1', apiName: 'a', labels: { en: 'A' }, active: true }] }));
    const next = { ...first, objects: first.objects.map((o) => (o.id === 'deal' ? { ...o, fields: [...o.fields, ...extra] } : o)) };
    const after = assignIndexSlots(first, next).objects.find((o) => o.id === 'deal')!;
    expect(after.indexSlots?.t1).toBe(deal.indexSlots?.t1);
    const slotted = extra.filter((f) => slotOf(after, f.id));
    expect(slotted.length).toBeLessThanOrEqual(1);
  });
});

const numberField = (id: string, extra: Partial<FieldDef> = {}): FieldDef => ({ id, apiName: id, apiNameAliases: [], labels: { en: id }, type: 'number', ...extra });
const nameField: FieldDef = { id: 'name', apiName: 'name', apiNameAliases: [], labels: { en: 'Name' }, type: 'text' };
const parcel = (fields: FieldDef[], slots: Partial<ObjectDef> = {}): Snapshot => ({
  revision: 1,
  layouts: [],
  objects: [{ id: 'parcel', apiName: 'parcel', apiNameAliases: [], labels: { en: { singular: 'Parcel', plural: 'Parcels' } }, standard: false, nameFieldId: 'name', fields: [nameField, ...fields], ...slots }],
});
const only = (snapshot: Snapshot) => snapshot.objects[0]!;

describe('a freed index slot', () => {
  // Three number fields for two number slots: `weight` and `length` take n1 and n2, `width` none.
  const start = assignIndexSlots(empty, parcel([numberField('weight'), numberField('length'), numberField('width')]));

  it('goes to an existing unslotted field as a pending slot, which writes fill and filters do not use yet', () => {
    expect(only(start).indexSlots).toMatchObject({ n1: 'weight', n2: 'length' });
    expect(slotOf(only(start), 'width')).toBeUndefined();
    const purged = assignIndexSlots(start, parcel([numberField('length'), numberField('width')], { indexSlots: only(start).indexSlots }));
    const object = only(purged);
    expect(object.indexSlots).toEqual({ t3: 'name', n2: 'length' });
    expect(object.pendingIndexSlots).toEqual({ n1: 'width' });
    expect(slotOf(object, 'width')).toBeUndefined();
    expect(writeSlotOf(object, 'width')).toBe('n1');
    expect(writeSlots(object)).toEqual({ t3: 'name', n1: 'width', n2: 'length' });
  });

  it('moves to the ready slots when its backfill is promoted, and only for the field it waits for', () => {
    const pending = assignIndexSlots(start, parcel([numberField('length'), numberField('width')]));
    expect(only(promoteIndexSlot(pending, 'parcel', 'n1', 'length'))).toBe(only(pending));
    const promoted = only(promoteIndexSlot(pending, 'parcel', 'n1', 'width'));
    expect(promoted.indexSlots).toEqual({ t3: 'name', n1: 'width', n2: 'length' });
    expect(promoted.pendingIndexSlots).toBeUndefined();
    expect(slotOf(promoted, 'width')).toBe('n1');
  });

  it('still goes straight to a new field, which holds no values, before any existing field', () => {
    const next = assignIndexSlots(start, parcel([numberField('length'), numberField('width'), numberField('height')]));
    expect(only(next).indexSlots).toMatchObject({ n1: 'height', n2: 'length' });
    expect(only(next).pendingIndexSlots).toBeUndefined();
  });

  it('is given up by a pending field that is deleted, and then waits for the next candidate', () => {
    const purged = assignIndexSlots(start, parcel([numberField('length'), numberField('width')]));
    // `depth` is new and takes nothing: n2 is held and n1 waits for `width`.
    const pending = assignIndexSlots(purged, parcel([numberField('length'), numberField('width'), numberField('depth')]));
    expect(only(pending).indexSlots).toEqual({ t3: 'name', n2: 'length' });
    expect(only(pending).pendingIndexSlots).toEqual({ n1: 'width' });
    const deleted = assignIndexSlots(pending, parcel([numberField('length'), numberField('width', { deletedAt: '2026-12-01T00:00:00.000Z' }), numberField('depth')]));
    expect(only(deleted).pendingIndexSlots).toEqual({ n1: 'depth' });
  });

  it('is freed by a field whose type no longer fits it, and what a change request says about slots is ignored', () => {
    const retyped = assignIndexSlots(start, parcel([{ ...numberField('weight'), type: 'boolean' }, numberField('length'), numberField('width')], { pendingIndexSlots: { n2: 'weight' }, indexSlots: { n1: 'length' } }));
    expect(only(retyped).indexSlots).toEqual({ t3: 'name', n2: 'length' });
    expect(only(retyped).pendingIndexSlots).toEqual({ n1: 'width' });
  });
});
