import { describe, expect, it } from 'vitest';
import { standardSnapshot } from '../standard/standard-objects.ts';
import { diffSnapshots } from './diff-snapshots.ts';
import { planChange } from './plan-change.ts';
import { planRestore } from './plan-restore.ts';
import { testContext } from './test-context.ts';

describe('diffSnapshots', () => {
  it('is empty between identical snapshots', () => {
    expect(diffSnapshots(standardSnapshot(), standardSnapshot())).toEqual([]);
  });

  it('names a relabel by its label path with before and after', () => {
    const a = standardSnapshot();
    const b = structuredClone(a);
    const customer = b.objects[0];
    if (customer?.labels['zh-CN']) customer.labels['zh-CN'].singular = '患者';
    expect(diffSnapshots(a, b)).toEqual([
      { kind: 'object', action: 'updated', id: 'customer', apiName: 'customer', changes: [{ path: '/labels/zh-CN/singular', from: '客户', to: '患者' }] },
    ]);
  });

  it('reports deleted objects, deleted layouts and changed layouts', () => {
    const a = standardSnapshot();
    const b = structuredClone(a);
    b.layouts = b.layouts.filter((l) => l.id !== 'task_default');
    const layout = b.layouts[0];
    if (layout) layout.name = 'Customer (compact)';
    expect(diffSnapshots(a, b).map((d) => `${d.kind}:${d.action}:${d.id}`)).toEqual(['layout:deleted:task_default', 'layout:updated:customer_default']);
  });
});

describe('planRestore', () => {
  it('restoring an earlier revision keeps fields created since as deleted, so their data stays recoverable', () => {
    const first = standardSnapshot();
    const second = planChange(first, { operations: [{ op: 'createField', object: 'deal', field: { id: 'f_source', apiName: 'source', labels: { en: 'Source' }, type: 'text' } }] }, testContext());
    if (!second.ok) throw new Error('setup failed');
    const restored = planRestore(second.next, first, { now: '2025-07-01T00:00:00.000Z' });
    if (!restored.ok) throw new Error(JSON.stringify(restored.errors));
    expect(restored.next.revision).toBe(3);
    expect(restored.next.objects.find((o) => o.id === 'deal')?.fields.find((f) => f.id === 'f_source')?.deletedAt).toBe('2025-07-01T00:00:00.000Z');
    expect(restored.diff).toEqual([expect.objectContaining({ kind: 'field', action: 'deleted', id: 'f_source' })]);
  });
});
