import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../schemas/snapshot.ts';
import { standardSnapshot } from '../standard/standard-objects.ts';
import { planChange, type PlanResult } from './plan-change.ts';
import { testContext } from './test-context.ts';

function plan(operations: unknown[], snapshot: Snapshot = standardSnapshot()): PlanResult {
  return planChange(snapshot, { operations }, testContext());
}

function ok(result: PlanResult) {
  if (!result.ok) throw new Error(JSON.stringify(result.errors, null, 2));
  return result;
}

function errors(result: PlanResult) {
  if (result.ok) throw new Error('expected the change to be refused');
  return result.errors;
}

const field = (snapshot: Snapshot, objectId: string, fieldId: string) =>
  snapshot.objects.find((o) => o.id === objectId)?.fields.find((f) => f.id === fieldId);

describe('planChange', () => {
  it("renaming a field's api name keeps the old one as an alias", () => {
    const result = ok(plan([{ op: 'updateField', object: 'deal', field: 'amount', patch: { apiName: 'value' } }]));
    expect(field(result.next, 'deal', 'amount')).toMatchObject({ apiName: 'value', apiNameAliases: ['amount'] });
    expect(result.next.revision).toBe(2);
    expect(result.diff).toEqual([
      expect.objectContaining({ kind: 'field', action: 'updated', id: 'amount', apiName: 'value', changes: expect.arrayContaining([{ path: '/apiName', from: 'amount', to: 'value' }]) }),
    ]);
  });

  it('a later operation can refer to a field by its old api name, and removeAlias then frees it', () => {
    const result = ok(
      plan([
        { op: 'updateField', object: 'deal', field: 'amount', patch: { apiName: 'value' } },
        { op: 'updateField', object: 'deal', field: 'amount', patch: { labels: { en: 'Value' } } },
        { op: 'removeAlias', object: 'deal', field: 'value', apiName: 'amount' },
      ]),
    );
    expect(field(result.next, 'deal', 'amount')).toMatchObject({ apiName: 'value', apiNameAliases: [], labels: { en: 'Value' } });
  });

  it('refuses an api name already used as another field\'s alias', () => {
    const errs = errors(
      plan([
        { op: 'updateField', object: 'deal', field: 'amount', patch: { apiName: 'value' } },
        { op: 'createField', object: 'deal', field: { apiName: 'amount', labels: { en: 'Amount 2' }, type: 'number' } },
      ]),
    );
    expect(errs).toEqual([expect.objectContaining({ path: '/operations/1/field/apiName', code: 'duplicate_api_name' })]);
  });

  it('creates an object and its fields in one request, later operations seeing earlier ones', () => {
    const result = ok(
      plan([
        { op: 'createObject', object: { apiName: 'project', labels: { en: { singular: 'Project', plural: 'Projects' } } } },
        { op: 'createField', object: 'project', field: { apiName: 'budget', labels: { en: 'Budget' }, type: 'currency', precision: 12, scale: 2 } },
        { op: 'createField', object: 'deal', field: { apiName: 'project', labels: { en: 'Project' }, type: 'lookup', lookup: { objectId: 'project', onDelete: 'setNull', relationshipName: 'deals' } } },
      ]),
    );
    const project = result.next.objects.find((o) => o.apiName === 'project');
    expect(project?.id).toMatch(/^o_/);
    expect(project?.fields.map((f) => f.apiName)).toEqual(['name', 'budget']);
    expect(project?.nameFieldId).toBe(project?.fields[0]?.id);
    expect(field(result.next, 'deal', result.next.objects.find((o) => o.id === 'deal')?.fields.at(-1)?.id ?? '')?.lookup?.objectId).toBe(project?.id);
    const layout = result.next.layouts.find((l) => l.objectId === project?.id);
    expect(layout?.sections[0]?.fields.map((f) => f.fieldId)).toEqual(project?.fields.map((f) => f.id));
    expect(result.diff.filter((d) => d.action === 'created' && d.kind !== 'layout').map((d) => `${d.kind}:${d.apiName}`)).toEqual([
      'object:project',
      'field:project',
      'field:name',
      'field:budget',
    ]);
  });

  it('a change request with three bad operations reports all three errors with their paths', () => {
    const errs = errors(
      plan([
        { op: 'createField', object: 'deal', field: { apiName: 'code', labels: { en: 'Code' }, type: 'text', maxLength: 5000 } },
        { op: 'updateField', object: 'deal', field: 'nope', patch: { required: true } },
        { op: 'deleteObject', object: 'customer' },
      ]),
    );
    expect(errs.map((e) => [e.path, e.code])).toEqual([
      ['/operations/0/field/maxLength', 'out_of_range'],
      ['/operations/1/field', 'not_found'],
      ['/operations/2/object', 'standard_object'],
    ]);
  });

  it('reports schema errors of an operation with the path of the bad property', () => {
    const errs = errors(plan([{ op: 'createField', object: 'deal', field: { apiName: 'Bad Name', labels: { en: 'X' }, type: 'text', colour: 1 } }, { op: 'frobnicate' }]));
    expect(errs.map((e) => e.path).sort()).toEqual(['/operations/0/field/apiName', '/operations/0/field/colour', '/operations/1/op']);
  });

  it('deleting a field used by a layout is refused and names the layout', () => {
    const errs = errors(plan([{ op: 'deleteField', object: 'deal', field: 'close_date' }]));
    expect(errs).toEqual([
      expect.objectContaining({ path: '/operations/0/field', code: 'has_dependents', dependents: [{ kind: 'layout', id: 'deal_default', label: 'Deal layout' }] }),
    ]);
  });

  it('deleting an object that other objects look up is refused and lists the lookups', () => {
    const result = ok(
      plan([
        { op: 'createObject', object: { id: 'o_project', apiName: 'project', labels: { en: { singular: 'Project', plural: 'Projects' } } } },
        { op: 'createField', object: 'deal', field: { apiName: 'project', labels: { en: 'Project' }, type: 'lookup', lookup: { objectId: 'project', onDelete: 'setNull', relationshipName: 'deals' } } },
      ]),
    );
    const errs = errors(plan([{ op: 'deleteObject', object: 'project' }], result.next));
    expect(errs[0]?.dependents).toEqual([{ kind: 'field', id: expect.stringMatching(/^f_/), label: 'deal.project' }]);
    // Deleted, the lookup still holds the object until it is purged, and the refusal says why it is named.
    const lookupDeleted = ok(plan([{ op: 'deleteField', object: 'deal', field: 'project' }], result.next)).next;
    const stillRefused = errors(plan([{ op: 'deleteObject', object: 'project' }], lookupDeleted));
    expect(stillRefused[0]?.message).toBe("'project' is looked up by 'deal.project (deleted, not yet purged)'");
  });

  it('deleting a field keeps it (and its data) until it is purged; restore brings it back', () => {
    const base = ok(plan([{ op: 'createField', object: 'deal', field: { id: 'f_source', apiName: 'source', labels: { en: 'Source' }, type: 'text' } }])).next;
    const deleted = ok(plan([{ op: 'deleteField', object: 'deal', field: 'source' }], base));
    expect(field(deleted.next, 'deal', 'f_source')?.deletedAt).toBe('2025-06-01T08:00:00.000Z');
    expect(deleted.diff).toEqual([expect.objectContaining({ kind: 'field', action: 'deleted', id: 'f_source' })]);

    const restored = ok(plan([{ op: 'restoreField', object: 'deal', field: 'f_source' }], deleted.next));
    expect(field(restored.next, 'deal', 'f_source')?.deletedAt).toBeUndefined();

    const purged = ok(plan([{ op: 'purgeField', object: 'deal', field: 'source' }], deleted.next));
    expect(field(purged.next, 'deal', 'f_source')).toBeUndefined();
    expect(purged.diff).toEqual([expect.objectContaining({ action: 'purged', id: 'f_source' })]);

    expect(errors(plan([{ op: 'purgeField', object: 'deal', field: 'source' }], base))[0]?.code).toBe('not_deleted');
  });

  it('the name field cannot be deleted while it names the records', () => {
    const errs = errors(plan([{ op: 'upsertLayout', layout: { id: 'deal_default', objectId: 'deal', name: 'Deal layout', sections: [] } }, { op: 'deleteField', object: 'deal', field: 'name' }]));
    expect(errs).toEqual([expect.objectContaining({ code: 'has_dependents', dependents: [{ kind: 'object', id: 'deal', label: 'name field of Deal' }] })]);
  });

  it('a picklist needs at least one value with unique api names', () => {
    const errs = errors(
      plan([
        { op: 'createField', object: 'deal', field: { apiName: 'tier', labels: { en: 'Tier' }, type: 'picklist' } },
        { op: 'createField', object: 'deal', field: { apiName: 'tags', labels: { en: 'Tags' }, type: 'multiPicklist', values: [{ apiName: 'a', labels: { en: 'A' } }, { apiName: 'a', labels: { en: 'A again' } }] } },
      ]),
    );
    expect(errs.map((e) => [e.path, e.code])).toEqual([
      ['/operations/0/field/values', 'required'],
      ['/operations/1/field/values/1/apiName', 'duplicate_api_name'],
    ]);
  });

  it('checks per-type options: lookup target, min ≤ max, scale ≤ precision, autonumber pattern, default value', () => {
    const errs = errors(
      plan([
        { op: 'createField', object: 'deal', field: { apiName: 'partner', labels: { en: 'Partner' }, type: 'lookup', lookup: { objectId: 'partner', onDelete: 'setNull', relationshipName: 'deals2' } } },
        { op: 'createField', object: 'deal', field: { apiName: 'score', labels: { en: 'Score' }, type: 'number', min: 10, max: 1, precision: 2, scale: 4 } },
        { op: 'createField', object: 'deal', field: { apiName: 'ref', labels: { en: 'Ref' }, type: 'autonumber', autonumber: { pattern: 'REF-' } } },
        { op: 'createField', object: 'deal', field: { apiName: 'site', labels: { en: 'Site' }, type: 'url', defaultValue: 'not a url' } },
        { op: 'createField', object: 'deal', field: { apiName: 'flag', labels: { en: 'Flag' }, type: 'boolean', maxLength: 3 } },
      ]),
    );
    expect(errs.map((e) => [e.path, e.code])).toEqual([
      ['/operations/0/field/lookup/objectId', 'not_found'],
      ['/operations/1/field/min', 'out_of_range'],
      ['/operations/1/field/scale', 'out_of_range'],
      ['/operations/2/field/autonumber/pattern', 'invalid'],
      ['/operations/3/field/defaultValue', 'invalid'],
      ['/operations/4/field/maxLength', 'option_not_allowed'],
    ]);
  });

  it('refuses reserved field api names', () => {
    const errs = errors(plan([{ op: 'createField', object: 'deal', field: { apiName: 'created_at', labels: { en: 'Created' }, type: 'date' } }]));
    expect(errs[0]).toMatchObject({ path: '/operations/0/field/apiName', code: 'reserved_name' });
  });

  it('allows widening text to long text but refuses turning text into a number', () => {
    ok(plan([{ op: 'updateField', object: 'customer', field: 'wechat_id', patch: { type: 'longText', maxLength: 5000 } }]));
    const errs = errors(plan([{ op: 'updateField', object: 'customer', field: 'wechat_id', patch: { type: 'number', maxLength: null } }]));
    expect(errs[0]).toMatchObject({ path: '/operations/0/patch/type', code: 'type_change_not_allowed' });
  });

  it('making a field required, unique or shorter returns data checks for the server, carrying the backfill', () => {
    const result = ok(
      plan([
        { op: 'updateField', object: 'customer', field: 'email', patch: { required: true, unique: true }, backfill: 'unknown@example.com' },
        { op: 'updateField', object: 'customer', field: 'wechat_id', patch: { type: 'text', maxLength: 20 } },
        { op: 'updateField', object: 'customer', field: 'notes', patch: { type: 'text' } },
      ]),
    );
    expect(result.dataChecks).toEqual([
      { kind: 'required', objectId: 'customer', fieldId: 'email', path: '/operations/0', backfill: 'unknown@example.com' },
      { kind: 'unique', objectId: 'customer', fieldId: 'email', path: '/operations/0' },
      { kind: 'maxLength', objectId: 'customer', fieldId: 'wechat_id', path: '/operations/1', maxLength: 20 },
      { kind: 'maxLength', objectId: 'customer', fieldId: 'notes', path: '/operations/2', maxLength: 255 },
    ]);
  });

  it('narrowing text to email is a type data check, and a backfill must itself be valid', () => {
    const result = ok(plan([{ op: 'updateField', object: 'customer', field: 'wechat_id', patch: { type: 'email', maxLength: null } }]));
    expect(result.dataChecks).toEqual([expect.objectContaining({ kind: 'type', from: 'text', to: 'email' })]);
    const errs = errors(plan([{ op: 'updateField', object: 'customer', field: 'wechat_id', patch: { type: 'email', maxLength: null }, backfill: 'nope' }]));
    expect(errs[0]).toMatchObject({ path: '/operations/0/backfill', message: 'backfill must be an email address' });
  });

  it('removing a picklist value is a data check; deactivating it is not, and value ids are kept by api name', () => {
    const values = (stage: string[], inactive: string[] = []) =>
      stage.map((apiName) => ({ apiName, labels: { en: apiName }, active: !inactive.includes(apiName) }));
    const all = ['prospecting', 'qualification', 'proposal', 'negotiation', 'closed_won', 'closed_lost'];
    const deactivated = ok(plan([{ op: 'updateField', object: 'deal', field: 'stage', patch: { values: values(all, ['proposal']) } }]));
    expect(deactivated.dataChecks).toEqual([]);
    expect(field(deactivated.next, 'deal', 'stage')?.values?.map((v) => v.id)).toEqual(all);

    const removed = ok(plan([{ op: 'updateField', object: 'deal', field: 'stage', patch: { values: values(all.filter((v) => v !== 'proposal')) }, backfill: 'negotiation' }]));
    expect(removed.dataChecks).toEqual([expect.objectContaining({ kind: 'picklistValue', valueIds: ['proposal'], backfill: 'negotiation' })]);
  });

  it('a layout is upserted by api names and stored with field ids', () => {
    const result = ok(
      plan([
        { op: 'updateField', object: 'deal', field: 'amount', patch: { apiName: 'value' } },
        { op: 'upsertLayout', layout: { objectId: 'deal', name: 'Compact', sections: [{ id: 'main', labels: { en: 'Main' }, columns: 1, fields: [{ fieldId: 'name' }, { fieldId: 'value' }] }] } },
      ]),
    );
    const layout = result.next.layouts.find((l) => l.name === 'Compact');
    expect(layout?.sections[0]?.fields.map((f) => f.fieldId)).toEqual(['name', 'amount']);
    expect(errors(plan([{ op: 'deleteLayout', id: 'nope' }]))[0]?.path).toBe('/operations/0/id');
  });

  it('an object api name may not collide with another object or its alias', () => {
    const errs = errors(
      plan([
        { op: 'updateObject', object: 'customer', patch: { apiName: 'patient' } },
        { op: 'createObject', object: { apiName: 'customer', labels: { en: { singular: 'C', plural: 'Cs' } } } },
      ]),
    );
    expect(errs).toEqual([expect.objectContaining({ path: '/operations/1/object/apiName', code: 'duplicate_api_name' })]);
  });

  it('leaves the input snapshot untouched', () => {
    const snapshot = standardSnapshot();
    const copy = structuredClone(snapshot);
    plan([{ op: 'updateObject', object: 'customer', patch: { labels: { en: { singular: 'Patient', plural: 'Patients' } } } }], snapshot);
    expect(snapshot).toEqual(copy);
  });
});
