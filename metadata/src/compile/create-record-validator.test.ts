import { describe, expect, it } from 'vitest';
import type { ObjectDef } from '../schemas/object-def.ts';
import { standardSnapshot } from '../standard/standard-objects.ts';
import { compileRecordSchema } from './compile-record-schema.ts';
import { createRecordValidator, validateFieldValue } from './create-record-validator.ts';
import { fieldType } from '../field-types/registry.ts';
import { fromStoredValue, recordDataToApi, recordInputToData, toStoredValue } from './record-values.ts';

function deal(): ObjectDef {
  const object = standardSnapshot().objects.find((o) => o.id === 'deal');
  if (!object) throw new Error('no deal');
  const stage = object.fields.find((f) => f.id === 'stage');
  const proposal = stage?.values?.find((v) => v.apiName === 'proposal');
  if (proposal) proposal.active = false;
  const name = object.fields.find((f) => f.id === 'name');
  if (name) name.maxLength = 80;
  return object;
}

const uuid = '0b8e6c1e-4a3b-4f7a-9a59-2f1d3c4b5a6e';

describe('compileRecordSchema', () => {
  it('keys properties by api name, lists only active picklist values and requires fields without defaults on create', () => {
    const schema = compileRecordSchema(deal(), 'create') as { properties: Record<string, { enum?: unknown[] }>; required: string[]; additionalProperties: boolean };
    expect(schema.properties.stage?.enum).toEqual(['prospecting', 'qualification', 'negotiation', 'closed_won', 'closed_lost']);
    expect(schema.required).toEqual(['name']);
    expect(schema.additionalProperties).toBe(false);
  });

  it('requires nothing on update and titles fields in the chosen locale', () => {
    const schema = compileRecordSchema(deal(), 'update', { locale: 'zh-CN' }) as { title: string; required?: string[]; properties: Record<string, { title?: string }> };
    expect(schema.required).toBeUndefined();
    expect(schema.title).toBe('商机');
    expect(schema.properties.close_date?.title).toBe('预计成交日期');
  });
});

describe('createRecordValidator', () => {
  it('accepts a valid deal', () => {
    const validate = createRecordValidator(deal(), 'create');
    expect(validate({ name: 'Big one', stage: 'negotiation', amount: 1200.5, close_date: '2025-09-30', probability: 40, customer: uuid })).toEqual([]);
  });

  it('rejects an inactive picklist value with a clear message, distinct from an unknown one', () => {
    const validate = createRecordValidator(deal(), 'create');
    expect(validate({ name: 'A', stage: 'proposal' })).toEqual([{ field: 'stage', code: 'inactive_value', message: "'proposal' is not an active value of Stage" }]);
    expect(validate({ name: 'A', stage: 'won' })).toEqual([{ field: 'stage', code: 'unknown_value', message: "'won' is not a value of Stage" }]);
  });

  it('names unknown fields, over-long values, wrong types and missing required fields, all at once', () => {
    const errors = createRecordValidator(deal(), 'create')({ xyz: 1, amount: 'lots', close_date: 'soon' });
    expect(errors).toEqual(
      expect.arrayContaining([
        { field: 'xyz', code: 'unknown_field', message: "is not a field of 'deal'" },
        { field: 'name', code: 'required', message: 'is required' },
        { field: 'amount', code: 'type', message: 'must be a number' },
        { field: 'close_date', code: 'format', message: 'must be a date (YYYY-MM-DD)' },
      ]),
    );
    expect(errors).toHaveLength(4);
    expect(createRecordValidator(deal(), 'update')({ name: 'x'.repeat(81) })).toEqual([{ field: 'name', code: 'max_length', message: 'must be at most 80 characters' }]);
  });

  it('refuses writes to system and autonumber fields and a null in a required field', () => {
    const customer = standardSnapshot().objects.find((o) => o.id === 'customer');
    if (!customer) throw new Error('no customer');
    const errors = createRecordValidator(customer, 'update')({ id: uuid, customer_number: 'CUS-0001', last_name: null });
    expect(errors).toEqual(
      expect.arrayContaining([
        { field: 'id', code: 'read_only', message: 'is read-only' },
        { field: 'customer_number', code: 'read_only', message: 'is read-only' },
        { field: 'last_name', code: 'required', message: 'is required' },
      ]),
    );
  });

  it('checks decimals, multi-picklist items and lookups', () => {
    const object = deal();
    object.fields.push({ id: 'f_tags', apiName: 'tags', apiNameAliases: [], labels: { en: 'Tags' }, type: 'multiPicklist', values: [{ id: 'v_1', apiName: 'hot', labels: { en: 'Hot' }, active: true }] });
    const errors = createRecordValidator(object, 'update')({ amount: 1.234, tags: ['hot', 'hot'], customer: 'abc' });
    expect(errors).toEqual(
      expect.arrayContaining([
        { field: 'amount', code: 'scale', message: 'must have at most 2 decimal places' },
        { field: 'tags', code: 'duplicate_value', message: 'must not repeat a value' },
        { field: 'customer', code: 'format', message: 'must be a record id' },
      ]),
    );
  });

  it('memoises one validator per revision key', () => {
    const object = deal();
    expect(createRecordValidator(object, 'create', { revisionKey: 't1:7' })).toBe(createRecordValidator(object, 'create', { revisionKey: 't1:7' }));
    expect(createRecordValidator(object, 'create')).toBe(createRecordValidator(object, 'create'));
  });

  it('checks a single value for a field', () => {
    const email = standardSnapshot().objects[0]?.fields.find((f) => f.id === 'email');
    if (!email) throw new Error('no email');
    expect(validateFieldValue(email, 'a@b.co')).toBeUndefined();
    expect(validateFieldValue(email, 'nope')?.message).toBe('must be an email address');
  });

  it('answers a value checked again as the first time, and a changed field by its new definition', () => {
    const name = standardSnapshot().objects[0]?.fields.find((f) => f.type === 'text');
    if (!name) throw new Error('no text field');
    const short = { ...name, maxLength: 5 };
    const first = validateFieldValue(short, 'abcdef');
    expect(first?.code).toBe('max_length');
    const message = first!.message;
    // An answer handed out is the caller's: changing it changes no later answer.
    first!.message = 'changed by the caller';
    expect(validateFieldValue(short, 'abcdef')).toEqual({ ...first, message });
    expect(validateFieldValue({ ...short, maxLength: 10 }, 'abcdef')).toBeUndefined();
    expect(validateFieldValue(short, 'abcde')).toBeUndefined();
    expect(validateFieldValue({ ...short, required: true }, null)?.code).toBe('required');
  });
});

describe('record values', () => {
  it('stores picklist values by id and reads them back by api name', () => {
    const object = deal();
    const stage = object.fields.find((f) => f.id === 'stage');
    if (!stage?.values?.[0]) throw new Error('no stage');
    stage.values[0].id = 'v_prospect';
    expect(toStoredValue(stage, 'prospecting')).toBe('v_prospect');
    expect(fromStoredValue(stage, 'v_prospect')).toBe('prospecting');
    expect(fromStoredValue(stage, 'v_gone')).toBeNull();
    const data = recordInputToData(object, { name: 'A', stage: 'prospecting' });
    expect(data).toEqual({ name: 'A', stage: 'v_prospect' });
    expect(recordDataToApi(object, data)).toEqual({ name: 'A', stage: 'prospecting' });
  });

  it('stores date-times in UTC', () => {
    const occurred = standardSnapshot().objects.find((o) => o.id === 'activity')?.fields.find((f) => f.id === 'occurred_at');
    if (!occurred) throw new Error('no field');
    expect(toStoredValue(occurred, '2025-03-01T10:00:00+08:00')).toBe('2025-03-01T02:00:00.000Z');
  });

  it('accepts exactly the calendar date-times RFC 3339 allows, in stored form as in any other', () => {
    const activity = standardSnapshot().objects.find((o) => o.id === 'activity');
    if (!activity) throw new Error('no activity');
    const validate = createRecordValidator(activity, 'update');
    const valid = ['2024-02-29T23:59:59.999Z', '2000-02-29T00:00:00Z', '2025-12-31T23:59:59Z', '2025-04-30T12:00:00.123456789Z', '2025-03-01T10:00:00+08:00', '2025-03-01t10:00:00z'];
    const invalid = ['2023-02-29T00:00:00Z', '1900-02-29T00:00:00.000Z', '2025-04-31T00:00:00Z', '2025-13-01T00:00:00Z', '2025-00-10T00:00:00Z', '2025-01-00T00:00:00Z', '2025-01-01T24:00:00Z', '2025-01-01T23:60:00Z', '2016-12-31T23:59:60Z', '2025-01-01T00:00:00.Z'];
    for (const text of valid) expect([text, validate({ occurred_at: text })]).toEqual([text, []]);
    for (const text of invalid) expect([text, validate({ occurred_at: text }).map((e) => e.field)]).toEqual([text, ['occurred_at']]);
  });

  it('accepts a date-time exactly when a filter does, and only in forms it stores in UTC', () => {
    const activity = standardSnapshot().objects.find((o) => o.id === 'activity');
    const occurred = activity?.fields.find((f) => f.id === 'occurred_at');
    if (!activity || !occurred) throw new Error('no activity');
    const validate = createRecordValidator(activity, 'update');
    const texts = ['2026-03-29 01:30:00Z', '2026-03-29T01:30:00+0100', '2026-03-29T01:30Z', '2026-03-29T01:30:00.1234567890Z', '2026-03-29T01:30:00+01', '2026-03-29\t01:30:00Z', '2026-03-29T01:30:00.5+01'];
    for (const text of texts) {
      const saved = validate({ occurred_at: text }).length === 0;
      expect([text, saved]).toEqual([text, fieldType('datetime').parseFilterValue(occurred, 'eq', text).ok]);
      if (saved) expect(toStoredValue(occurred, text)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    }
    // An offset of hours alone, which Date cannot read, was saved and stored as sent.
    expect(validate({ occurred_at: '2026-03-29T01:30:00+01' }).map((e) => e.code)).toEqual(['format']);
    expect(toStoredValue(occurred, '2026-03-29 01:30:00+0100')).toBe('2026-03-29T00:30:00.000Z');
  });
});
