import { describe, expect, it } from 'vitest';
import { standardSnapshot } from '../standard/standard-objects.ts';
import { assignIndexSlots, slotOf } from './assign-index-slots.ts';

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
