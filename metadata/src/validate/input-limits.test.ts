import { describe, expect, it } from 'vitest';
import { planChange, type PlanResult } from '../change/plan-change.ts';
import { testContext } from '../change/test-context.ts';
import { createRecordValidator } from '../compile/create-record-validator.ts';
import { isCalendarDate, isCalendarDateTime } from '../field-types/calendar.ts';
import { planQuery } from '../query/plan-query.ts';
import { metadataLimits } from '../schemas/limits.ts';
import { unstorableTextReason } from '../schemas/storable-text.ts';
import { standardSnapshot } from '../standard/standard-objects.ts';

const plan = (operations: unknown[]): PlanResult => planChange(standardSnapshot(), { operations }, testContext());
const refusal = (result: PlanResult) => (result.ok ? [] : result.errors.map((e) => ({ path: e.path, code: e.code })));
const field = (apiName: string, extra: Record<string, unknown> = {}) => ({ op: 'createField', object: 'deal', field: { apiName, type: 'text', labels: { en: 'X' }, ...extra } });

describe('names that would collide with system columns, standard objects or the object prototype are refused where they are written', () => {
  it.each(['constructor', 'prototype', 'tenant_id', 'id', 'version', 'created_at', 'deleted_by', 'display_name'])('a field named %s', (name) => {
    expect(refusal(plan([field(name)]))).toContainEqual({ path: '/operations/0/field/apiName', code: 'reserved_name' });
  });

  it('a field whose given id is reserved', () => {
    expect(refusal(plan([field('fine', { id: 'constructor' })]))).toContainEqual({ path: '/operations/0/field/id', code: 'reserved_name' });
  });

  it.each(['user', 'record', 'constructor'])('a custom object named %s', (name) => {
    expect(refusal(plan([{ op: 'createObject', object: { apiName: name, labels: { en: { singular: 'X', plural: 'Xs' } } } }]))).toContainEqual({ path: '/operations/0/object/apiName', code: 'reserved_name' });
  });

  it('the standard objects keep their own names', () => {
    expect(plan([{ op: 'updateObject', object: 'deal', patch: { labels: { en: { singular: 'Opportunity', plural: 'Opportunities' } } } }]).ok).toBe(true);
  });
});

describe('sizes are bounded in the schemas', () => {
  const values = (n: number) => Array.from({ length: n }, (_, i) => ({ apiName: `v${i}`, labels: { en: `V${i}` } }));

  it(`a picklist takes ${metadataLimits.picklistValues} values, not one more`, () => {
    expect(plan([field('ok_list', { type: 'picklist', values: values(metadataLimits.picklistValues) })]).ok).toBe(true);
    expect(refusal(plan([field('big_list', { type: 'picklist', values: values(metadataLimits.picklistValues + 1) })])).map((e) => e.path)).toContain('/operations/0/field/values');
  });

  it(`an indexed text (unique, or naming records) allows at most ${metadataLimits.indexedTextLength} characters, so its index entry fits a b-tree page`, () => {
    expect(plan([field('code', { unique: true, maxLength: metadataLimits.indexedTextLength })]).ok).toBe(true);
    expect(refusal(plan([field('code', { unique: true, maxLength: 1000 })]))).toContainEqual({ path: '/operations/0/field/maxLength', code: 'out_of_range' });
    expect(refusal(plan([{ op: 'updateField', object: 'deal', field: 'name', patch: { maxLength: 1000 } }])).map((e) => e.code)).toContain('out_of_range');
  });

  it('an autonumber start and numeric options stay within what storage reads back exactly', () => {
    expect(refusal(plan([field('no', { type: 'autonumber', autonumber: { pattern: 'D-{0000}', start: 1e20 } })])).map((e) => e.path)).toContain('/operations/0/field/autonumber/start');
    expect(refusal(plan([field('n', { type: 'number', max: 1e300 })])).map((e) => e.path)).toContain('/operations/0/field/max');
  });

  it(`a multi-picklist value takes at most ${metadataLimits.multiPicklistSelections} selections, and a 10,000-item value is refused in milliseconds`, () => {
    const result = plan([field('tags', { type: 'multiPicklist', values: values(metadataLimits.picklistValues) })]);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const deal = result.next.objects.find((o) => o.id === 'deal')!;
    const validate = createRecordValidator(deal, 'update');
    const allowed = Array.from({ length: metadataLimits.multiPicklistSelections }, (_, i) => `v${i * 9}`);
    expect(validate({ tags: allowed })).toEqual([]);
    expect(validate({ tags: [...allowed, 'v999'] })).toEqual([expect.objectContaining({ field: 'tags', code: 'max_items' })]);
    expect(validate({ tags: ['v1', 'v1'] })).toEqual([expect.objectContaining({ field: 'tags', code: 'duplicate_value' })]);
    const huge = Array.from({ length: 10_000 }, (_, i) => `v${i}`);
    const started = performance.now();
    for (let i = 0; i < 10; i++) validate({ tags: huge });
    expect((performance.now() - started) / 10).toBeLessThan(20);
  });
});

describe('dates are real calendar days in years 0001–9999', () => {
  it.each([
    ['2024-02-29', true],
    ['2023-02-29', false],
    ['2024-02-30', false],
    ['2024-13-01', false],
    ['0000-01-01', false],
    ['0001-01-01', true],
    ['9999-12-31', true],
  ])('date %s → %s', (text, ok) => expect(isCalendarDate(text)).toBe(ok));

  it.each([
    ['2024-02-29T23:59:59Z', true],
    ['2024-13-45T99:00Z', false],
    ['2024-01-01T24:00Z', false],
    ['2024-01-01T10:00', false],
    ['0001-01-01T00:30+01:00', false],
    ['9999-12-31T23:00-02:00', false],
  ])('date-time %s → %s', (text, ok) => expect(isCalendarDateTime(text)).toBe(ok));

  it('a filter on an impossible date names the field', () => {
    const result = planQuery(standardSnapshot(), 'deal', { filter: JSON.stringify({ field: 'close_date', op: 'eq', value: '2024-02-30' }) });
    expect(result.ok ? [] : result.errors).toContainEqual(expect.objectContaining({ field: 'close_date', code: 'bad_value' }));
  });
});

describe('text Postgres cannot store', () => {
  it('NUL and lone surrogates are named; paired surrogates (emoji) are fine', () => {
    expect(unstorableTextReason('a\u0000b')).toMatch(/NUL/);
    expect(unstorableTextReason('\uD800')).toMatch(/surrogate/);
    expect(unstorableTextReason('\uDC00x')).toMatch(/surrogate/);
    expect(unstorableTextReason('😀 患者')).toBeUndefined();
  });

  it('a filter value with NUL names the field', () => {
    const result = planQuery(standardSnapshot(), 'deal', { filter: JSON.stringify({ field: 'name', op: 'eq', value: 'a\u0000' }) });
    expect(result.ok ? [] : result.errors).toContainEqual(expect.objectContaining({ field: 'name', code: 'invalid_text' }));
  });
});

describe('date-time record values at the edges of the representable years', () => {
  const probe = standardSnapshot().objects.find((o) => o.fields.some((f) => f.type === 'datetime'))!;
  const datetime = probe.fields.find((f) => f.type === 'datetime');
  it.each([
    ['0001-01-01T00:00:00Z', true],
    ['0001-01-01T00:30:00+01:00', false],
    ['0001-01-01T10:00:00-05:00', true],
    ['9999-12-31T00:00:00Z', true],
    ['9999-12-31T23:00:00-02:00', false],
    ['9999-12-31T23:00:00+02:00', true],
    ['0000-06-01T00:00:00Z', false],
  ])('%s → accepted %s', (value, accepted) => {
    if (!datetime) throw new Error('the standard task has a date-time field');
    const validate = createRecordValidator(probe, 'update');
    expect(validate({ [datetime.apiName]: value }).length === 0).toBe(accepted);
  });
});
