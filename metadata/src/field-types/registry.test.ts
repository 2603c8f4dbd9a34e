import { describe, expect, it } from 'vitest';
import { compileRecordSchema } from '../compile/compile-record-schema.ts';
import { createRecordValidator } from '../compile/create-record-validator.ts';
import { fromStoredValue, toStoredValue } from '../compile/record-values.ts';
import { planQuery } from '../query/plan-query.ts';
import { fieldTypes, type FieldDef, type FieldType } from '../schemas/field-def.ts';
import type { ObjectDef } from '../schemas/object-def.ts';
import { standardSnapshot } from '../standard/standard-objects.ts';
import { FIELD_TYPES, fieldType } from './registry.ts';

const uuid = '0b8e6c1e-4a3b-4f7a-9a59-2f1d3c4b5a6e';

function sampleField(type: FieldType): FieldDef {
  const field: FieldDef = { id: `f_${type}`, apiName: `f_${type.toLowerCase()}`, apiNameAliases: [], labels: { en: type }, type };
  if (type === 'picklist' || type === 'multiPicklist') {
    field.values = [
      { id: 'v1', apiName: 'hot', labels: { en: 'Hot' }, active: true },
      { id: 'v2', apiName: 'cold', labels: { en: 'Cold' }, active: true },
    ];
  }
  if (type === 'lookup') field.lookup = { objectId: 'organization', onDelete: 'setNull', relationshipName: 'samples' };
  if (type === 'autonumber') field.autonumber = { pattern: 'S-{0000}' };
  if (type === 'formula') field.formula = { expression: "'Ada'", resultType: 'text', stored: true };
  if (type === 'rollup') field.rollup = { childObjectId: 'contact', lookupFieldId: 'organization', function: 'count' };
  return field;
}

/** A value of each type as a client writes it, and as a filter names it. */
const samples: Record<FieldType, { api: unknown; filter: unknown }> = {
  text: { api: 'Ada', filter: 'Ada' },
  longText: { api: 'A long note', filter: 'note' },
  email: { api: 'ada@example.com', filter: 'ada@example.com' },
  phone: { api: '+44 20 7946 0000', filter: '+44' },
  url: { api: 'https://example.com/', filter: 'https://example.com/' },
  number: { api: 42.5, filter: 42.5 },
  currency: { api: 1200, filter: '1200' },
  percent: { api: 12.5, filter: 12.5 },
  boolean: { api: true, filter: true },
  date: { api: '2025-09-30', filter: '2025-09-30' },
  datetime: { api: '2025-09-30T10:00:00.000Z', filter: '2025-09-30T12:00:00+02:00' },
  picklist: { api: 'hot', filter: 'hot' },
  multiPicklist: { api: ['hot', 'cold'], filter: 'cold' },
  lookup: { api: uuid, filter: uuid.toUpperCase() },
  owner: { api: uuid, filter: uuid },
  autonumber: { api: 'S-0001', filter: 'S-0001' },
  json: { api: { any: ['thing'] }, filter: true },
  formula: { api: 'Ada', filter: 'Ada' },
  rollup: { api: 3, filter: 3 },
};

function sampleObject(): ObjectDef {
  return {
    id: 'sample',
    apiName: 'sample',
    apiNameAliases: [],
    labels: { en: { singular: 'Sample', plural: 'Samples' } },
    standard: false,
    nameFieldId: 'f_text',
    fields: fieldTypes.map(sampleField),
  };
}

describe('field-type registry', () => {
  it('has exactly one definition for every field type, under its own name', () => {
    expect(FIELD_TYPES.map((t) => t.type)).toEqual([...fieldTypes]);
    for (const type of fieldTypes) expect(fieldType(type).type).toBe(type);
  });

  it('declares slots of the kind its candidates are, and only ordered types take them', () => {
    const prefix = { text: 't', number: 'n', date: 'd' } as const;
    for (const t of FIELD_TYPES) {
      if (!t.slot) continue;
      expect(t.sortable, t.type).toBe(true);
      for (const slot of t.slot.candidates) expect(slot.startsWith(prefix[t.slot.kind]), `${t.type} ${slot}`).toBe(true);
    }
  });

  it('lets global search and record names use only text types that filter by prefix', () => {
    for (const t of FIELD_TYPES.filter((d) => d.searchable || d.canNameRecords)) {
      expect(t.filterOperators, t.type).toContain('startsWith');
      expect(t.stored, t.type).toBe('ciText');
    }
  });

  it('round-trips every type through its codec', () => {
    for (const type of fieldTypes) {
      const field = sampleField(type);
      const { api } = samples[type];
      expect(fromStoredValue(field, toStoredValue(field, api)), type).toEqual(api);
      expect(toStoredValue(field, null), type).toBeNull();
    }
  });

  it('stores picklist values by id, so renaming a value keeps the data', () => {
    const field = sampleField('multiPicklist');
    const stored = toStoredValue(field, ['hot']);
    expect(stored).toEqual(['v1']);
    const renamed = { ...field, values: field.values!.map((v) => (v.id === 'v1' ? { ...v, apiName: 'warm' } : v)) };
    expect(fromStoredValue(renamed, stored)).toEqual(['warm']);
  });

  it('accepts each sample value in a record body of its type', () => {
    const object = sampleObject();
    const body = Object.fromEntries(object.fields.filter((f) => fieldType(f).writable).map((f) => [f.apiName, samples[f.type].api]));
    expect(createRecordValidator(object, 'create')(body)).toEqual([]);
    expect(Object.keys((compileRecordSchema(object, 'read') as { properties: object }).properties)).toEqual(
      expect.arrayContaining(object.fields.map((f) => f.apiName)),
    );
  });

  it('parses a filter value with every operator each type declares', () => {
    const object = sampleObject();
    const snapshot = { ...standardSnapshot(), objects: [...standardSnapshot().objects, object] };
    for (const field of object.fields) {
      const { filter } = samples[field.type];
      for (const op of fieldType(field.type).filterOperators) {
        const value = op === 'isNull' ? true : op === 'in' || op === 'nin' ? [filter] : filter;
        const result = planQuery(snapshot, 'sample', { filter: { field: field.apiName, op, value } });
        expect(result.ok ? [] : result.errors, `${field.type} ${op}`).toEqual([]);
      }
    }
  });

  it('refuses a filter value of the wrong shape with what the type expects', () => {
    for (const type of fieldTypes) {
      const ops = fieldType(type).filterOperators.filter((op) => op !== 'isNull');
      if (!ops.length) continue;
      const parsed = fieldType(type).parseFilterValue(sampleField(type), ops[0]!, { not: 'a value' });
      expect(parsed.ok, type).toBe(false);
    }
  });

  it('gives filters values in storage form (picklist ids, UTC date-times, lower-case ids)', () => {
    expect(fieldType('picklist').parseFilterValue(sampleField('picklist'), 'eq', 'cold')).toEqual({ ok: true, value: 'v2' });
    expect(fieldType('picklist').parseFilterValue(sampleField('picklist'), 'eq', 'warm')).toEqual({ ok: false, notAValue: 'warm' });
    expect(fieldType('datetime').parseFilterValue(sampleField('datetime'), 'gt', '2025-09-30T12:00:00+02:00')).toEqual({ ok: true, value: '2025-09-30T10:00:00.000Z' });
    expect(fieldType('lookup').parseFilterValue(sampleField('lookup'), 'eq', uuid.toUpperCase())).toEqual({ ok: true, value: uuid });
    expect(fieldType('number').parseFilterValue(sampleField('number'), 'gte', '10.5')).toEqual({ ok: true, value: 10.5 });
  });
});
