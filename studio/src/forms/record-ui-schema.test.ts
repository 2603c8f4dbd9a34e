import { describe, expect, it } from 'vitest';
import { compileRecordSchema, standardSnapshot } from '@protean/metadata';
import type { LayoutDef } from '../api/types.ts';
import { createI18n } from '../i18n/i18n.tsx';
import { findObject } from '../lib/model.ts';
import { buildRecordForm, serverErrorsToErrorSchema, toFormData } from './record-ui-schema.ts';
import { changedFields } from './record-form.tsx';
import { relaxOptionalObjects } from './kind-schema.ts';

const snapshot = standardSnapshot();
const deal = findObject(snapshot, 'deal')!;
const noop = () => {};

describe('record forms from the compiled record schema and a layout', () => {
  const layout: LayoutDef = {
    id: 'l_test',
    objectId: 'deal',
    name: 'Test',
    sections: [
      { id: 'a', labels: { en: 'Main', 'zh-CN': '主要' }, columns: 2, fields: [{ fieldId: 'name' }, { fieldId: 'stage' }] },
      { id: 'b', labels: { en: 'Money' }, columns: 1, fields: [{ fieldId: 'amount', required: true }, { fieldId: 'close_date', readOnly: true }] },
    ],
  };

  it('orders fields by section, titles them in the locale and applies layout-level required and read-only', () => {
    const i18n = createI18n('zh-CN', noop);
    const form = buildRecordForm(compileRecordSchema(deal, 'create'), deal, layout, snapshot, i18n);
    const ui = form.uiSchema as Record<string, Record<string, unknown>>;
    expect(ui['ui:order']).toEqual(['name', 'stage', 'amount', 'close_date', '*']);
    const sections = (ui['ui:options'] as unknown as { sections: { title: string; columns: number; fields: string[] }[] }).sections;
    expect(sections.map((s) => [s.title, s.columns, s.fields])).toEqual([
      ['主要', 2, ['name', 'stage']],
      ['Money', 1, ['amount', 'close_date']],
    ]);
    const props = form.schema['properties'] as Record<string, Record<string, unknown>>;
    expect(props['name']!['title']).toBe('名称');
    expect(form.schema['required']).toEqual(expect.arrayContaining(['name', 'amount']));
    expect(ui['close_date']!['ui:readonly']).toBe(true);
  });

  it('shows picklist values with their labels in the user language', () => {
    const i18n = createI18n('zh-CN', noop);
    const form = buildRecordForm(compileRecordSchema(deal, 'create'), deal, layout, snapshot, i18n);
    const stage = (form.schema['properties'] as Record<string, Record<string, unknown>>)['stage']!;
    expect(stage['oneOf']).toContainEqual({ const: 'closed_won', title: '赢单' });
  });

  it('edits a multi-picklist as checkboxes of its active values, a long text as a text area and a lookup with the record picker', () => {
    const i18n = createI18n('en', noop);
    const withMore = {
      ...deal,
      fields: [
        ...deal.fields,
        {
          id: 'tags',
          apiName: 'tags',
          apiNameAliases: [],
          labels: { en: 'Tags' },
          type: 'multiPicklist' as const,
          values: [
            { id: 'v_hot', apiName: 'hot', labels: { en: 'Hot' }, active: true },
            { id: 'v_old', apiName: 'old', labels: { en: 'Old' }, active: false },
          ],
        },
        { id: 'notes', apiName: 'notes', apiNameAliases: [], labels: { en: 'Notes' }, type: 'longText' as const },
      ],
    };
    const withLayout: LayoutDef = { ...layout, sections: [...layout.sections, { id: 'c', labels: { en: 'More' }, columns: 1, fields: [{ fieldId: 'tags' }, { fieldId: 'notes' }, { fieldId: 'customer' }] }] };
    const form = buildRecordForm(compileRecordSchema(withMore, 'create'), withMore, withLayout, snapshot, i18n);
    const props = form.schema['properties'] as Record<string, Record<string, unknown>>;
    const ui = form.uiSchema as Record<string, Record<string, unknown>>;
    expect(props['tags']!['items']).toEqual({ type: 'string', anyOf: [{ const: 'hot', title: 'Hot' }] });
    expect(ui['tags']!['ui:widget']).toBe('checkboxes');
    expect(ui['notes']!['ui:widget']).toBe('textarea');
    expect(ui['customer']).toMatchObject({ 'ui:widget': 'lookup', 'ui:options': { object: 'customer' } });
  });

  it('never puts system columns or read-only fields into a form', () => {
    const i18n = createI18n('en', noop);
    const customer = findObject(snapshot, 'customer')!;
    const form = buildRecordForm(compileRecordSchema(customer, 'update'), customer, snapshot.layouts.find((l) => l.objectId === 'customer')!, snapshot, i18n);
    expect(form.writable).not.toContain('id');
    expect(form.writable).not.toContain('customer_number');
    expect(toFormData({ id: 'x', version: 2, name: 'Ada', customer_number: 'CUS-1', email: null }, form.writable)).toEqual({ name: 'Ada' });
  });

  it('lists an error on a field the form does not show with the refusals about the whole record, named by its label', () => {
    const { byField, unplaced } = serverErrorsToErrorSchema(
      [
        { field: 'amount', code: 'minimum', message: 'must be >= 0' },
        { field: 'probability', code: 'validationRule', message: 'needs a reason' },
        { field: '', code: 'validationRule', message: 'The clinic is closed on Sundays' },
      ],
      deal,
      (_code, message) => message,
      { shown: new Set(['name', 'amount']), named: (field, key, message) => `${field?.labels.en ?? key}: ${message}` },
    );
    expect(byField).toEqual({ amount: { __errors: ['must be >= 0'] } });
    expect(unplaced).toEqual(['Probability: needs a reason', 'The clinic is closed on Sundays']);
  });

  it('puts a server field error on the field it names, by API name', () => {
    const i18n = createI18n('en', noop);
    const { byField, unplaced } = serverErrorsToErrorSchema(
      [
        { field: 'amount', code: 'minimum', message: 'must be >= 0' },
        { message: 'something general' },
      ],
      deal,
      (_code, message) => message,
    );
    expect(byField).toEqual({ amount: { __errors: ['must be >= 0'] } });
    expect(unplaced).toEqual(['something general']);
    expect(i18n.t('record.new', { object: i18n.objectNoun(deal) })).toBe('New Deal');
  });

  it("checks an optional field's format as before: the server's '' (no value) alternative stays out of the form", () => {
    const i18n = createI18n('en', noop);
    const customer = findObject(snapshot, 'customer')!;
    const form = buildRecordForm(compileRecordSchema(customer, 'update'), customer, { id: 'l', objectId: 'customer', name: 'Contact', sections: [{ id: 's', labels: { en: 'Contact' }, columns: 1, fields: ['email', 'phone', 'birth_date', 'organization'].map((fieldId) => ({ fieldId })) }] }, snapshot, i18n);
    const props = form.schema['properties'] as Record<string, Record<string, unknown>>;
    expect(props['email']).toMatchObject({ format: 'email' });
    expect(props['birth_date']).toMatchObject({ format: 'date' });
    for (const name of ['email', 'phone', 'birth_date', 'organization']) expect(Object.keys(props[name]!), name).not.toContain('if');
  });

  it('sends only what changed, with a cleared value as null', () => {
    expect(changedFields({ name: 'A', amount: 5, stage: 'proposal' }, { name: 'A', stage: 'negotiation' })).toEqual({ amount: null, stage: 'negotiation' });
  });
});


describe('setup forms from kind schemas', () => {
  it('an empty optional per-locale object does not demand its inner fields', () => {
    const schema = {
      type: 'object',
      required: ['labels'],
      properties: {
        labels: { type: 'object', required: ['en'], properties: { en: { type: 'string' }, 'zh-CN': { type: 'object', required: ['singular'], properties: { singular: { type: 'string' } } } } },
        description: { type: 'object', required: ['en'], properties: { en: { type: 'string' } } },
      },
    };
    const relaxed = relaxOptionalObjects(schema) as { properties: Record<string, { required?: string[]; properties: Record<string, { required?: string[] }> }> };
    expect(relaxed.properties['labels']!.required).toEqual(['en']);
    expect(relaxed.properties['labels']!.properties['zh-CN']!.required).toBeUndefined();
    expect(relaxed.properties['description']!.required).toBeUndefined();
  });
});
