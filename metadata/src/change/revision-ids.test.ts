import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../schemas/snapshot.ts';
import { standardSnapshot } from '../standard/standard-objects.ts';
import { planChange } from './plan-change.ts';
import { revisionIds } from './revision-ids.ts';

function change(snapshot: Snapshot, operations: unknown[]): Snapshot {
  const result = planChange(snapshot, { operations }, { newId: revisionIds(snapshot), now: '2026-01-01T00:00:00.000Z' });
  if (!result.ok) throw new Error(JSON.stringify(result.errors, null, 2));
  return result.next;
}

const customIds = (snapshot: Snapshot) => [
  ...snapshot.objects.filter((o) => o.id !== o.apiName).map((o) => o.id),
  ...snapshot.objects.flatMap((o) => o.fields.filter((f) => f.id !== f.apiName).map((f) => f.id)),
];

describe('revisionIds', () => {
  it('gives what a change creates short ids that later changes never give again', () => {
    let snapshot = standardSnapshot();
    snapshot = change(snapshot, [
      { op: 'createObject', object: { apiName: 'project', labels: { en: { singular: 'Project', plural: 'Projects' } } } },
      { op: 'createField', object: 'project', field: { apiName: 'budget', labels: { en: 'Budget' }, type: 'number' } },
      { op: 'createField', object: 'project', field: { apiName: 'phase', labels: { en: 'Phase' }, type: 'picklist', values: [{ apiName: 'draft', labels: { en: 'Draft' } }] } },
    ]);
    snapshot = change(snapshot, [{ op: 'createField', object: 'project', field: { apiName: 'owner_note', labels: { en: 'Owner note' }, type: 'text' } }]);
    snapshot = change(snapshot, [{ op: 'createField', object: 'deal', field: { apiName: 'region', labels: { en: 'Region' }, type: 'text' } }]);
    const ids = customIds(snapshot);
    // The object, its name field, its two fields and the two fields created later.
    expect(ids).toHaveLength(6);
    expect(new Set(ids).size).toBe(6);
    for (const id of ids) expect(id.length).toBeLessThanOrEqual(8);
    const project = snapshot.objects.find((o) => o.apiName === 'project')!;
    expect(project.id).toBe('o2_0');
    expect(project.fields.map((f) => [f.apiName, f.id])).toEqual(expect.arrayContaining([['name', 'f2_1'], ['budget', 'f2_2'], ['owner_note', 'f3_0']]));
    expect(snapshot.objects.find((o) => o.id === 'deal')!.fields.find((f) => f.apiName === 'region')!.id).toBe('f4_0');
  });

  it('passes over an id a user already took as an api name', () => {
    let snapshot = change(standardSnapshot(), [{ op: 'createField', object: 'deal', field: { apiName: 'f3_0', labels: { en: 'Looks like an id' }, type: 'text' } }]);
    snapshot = change(snapshot, [{ op: 'createField', object: 'deal', field: { apiName: 'stage_note', labels: { en: 'Stage note' }, type: 'text' } }]);
    const deal = snapshot.objects.find((o) => o.id === 'deal')!;
    expect(deal.fields.find((f) => f.apiName === 'stage_note')!.id).toBe('f3_1');
    expect(deal.fields.find((f) => f.apiName === 'f3_0')!.id).toBe('f2_0');
  });
});
