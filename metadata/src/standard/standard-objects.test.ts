import { describe, expect, it } from 'vitest';
import { metadataKindSchemas } from '../schemas/metadata-kind-schemas.ts';
import { validateMetadata } from '../validate/validate-metadata.ts';
import { standardSnapshot } from './standard-objects.ts';

describe('standard snapshot', () => {
  it('passes its own validation at revision 1', () => {
    const snapshot = standardSnapshot();
    expect(snapshot.revision).toBe(1);
    expect(validateMetadata(snapshot)).toEqual([]);
  });

  it('labels every object, field and picklist value in English and Simplified Chinese', () => {
    for (const object of standardSnapshot().objects) {
      expect(object.term).toBe(object.apiName);
      expect(object.labels['zh-CN']?.singular).toBeTruthy();
      for (const field of object.fields) {
        expect(field.labels['zh-CN'], `${object.apiName}.${field.apiName}`).toBeTruthy();
        for (const value of field.values ?? []) expect(value.labels['zh-CN']).toBeTruthy();
      }
    }
  });

  it('gives each standard object one default layout placing its fields', () => {
    const snapshot = standardSnapshot();
    expect(snapshot.layouts.map((l) => l.objectId)).toEqual(['customer', 'organization', 'deal', 'activity', 'task']);
  });

  it('links an activity to a required customer and an optional deal', () => {
    const activity = standardSnapshot().objects.find((o) => o.id === 'activity');
    expect(activity?.fields.find((f) => f.id === 'customer')).toMatchObject({ required: true, lookup: { objectId: 'customer' } });
    expect(activity?.fields.find((f) => f.id === 'deal')?.required).toBeUndefined();
  });

  it('publishes a JSON Schema for each metadata kind that serialises to plain JSON', () => {
    expect(Object.keys(metadataKindSchemas)).toEqual(['object', 'field', 'picklistValue', 'layout', 'term', 'changeRequest']);
    const json = JSON.parse(JSON.stringify(metadataKindSchemas.field)) as { properties: Record<string, unknown> };
    expect(Object.keys(json.properties)).toContain('apiNameAliases');
  });
});
