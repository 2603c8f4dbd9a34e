import { describe, expect, it } from 'vitest';
import { metadataKindSchemas, standardSnapshot, type PicklistValue } from '@protean/metadata';
import type { JsonSchema } from '../api/metadata.ts';
import { createI18n } from '../i18n/i18n.tsx';
import { fieldForm } from './field-form.ts';

const kind = JSON.parse(JSON.stringify(metadataKindSchemas.field)) as JsonSchema;
const snapshot = standardSnapshot();
const i18n = createI18n('en', () => {});
const values: PicklistValue[] = [
  { id: 'v1', apiName: 'hot', labels: { en: 'Hot' }, active: true },
  { id: 'v2', apiName: 'old', labels: { en: 'Old' }, active: false },
];

const defaultOf = (form: ReturnType<typeof fieldForm>) => (form.schema['properties'] as Record<string, unknown>)['defaultValue'];
const uiOf = (form: ReturnType<typeof fieldForm>) => (form.uiSchema as Record<string, Record<string, unknown>>)['defaultValue'];

describe('the field form offers the options and default-value editor of the chosen type', () => {
  it('a number takes range and precision options and a number as default', () => {
    const form = fieldForm(kind, 'number', [], snapshot, i18n);
    expect(Object.keys(form.schema['properties'] as object)).toEqual(expect.arrayContaining(['min', 'max', 'precision', 'scale', 'unique', 'defaultValue']));
    expect(Object.keys(form.schema['properties'] as object)).not.toContain('maxLength');
    expect(defaultOf(form)).toEqual({ type: 'number' });
  });

  it('a picklist default is one of its values, titled; a multi-picklist default is checkboxes', () => {
    const one = fieldForm(kind, 'picklist', values, snapshot, i18n);
    expect(defaultOf(one)).toEqual({ type: 'string', enum: ['hot', 'old'] });
    expect(uiOf(one)).toMatchObject({ 'ui:enumNames': ['Hot', 'Old'] });
    const many = fieldForm(kind, 'multiPicklist', values, snapshot, i18n);
    expect(defaultOf(many)).toEqual({ type: 'array', uniqueItems: true, items: { type: 'string', enum: ['hot', 'old'] } });
    expect(uiOf(many)).toMatchObject({ 'ui:widget': 'checkboxes' });
  });

  it('a picklist without values and a JSON field have no default editor; a text default is a string', () => {
    expect(defaultOf(fieldForm(kind, 'picklist', [], snapshot, i18n))).toBeUndefined();
    expect(defaultOf(fieldForm(kind, 'json', [], snapshot, i18n))).toBeUndefined();
    expect(defaultOf(fieldForm(kind, 'email', [], snapshot, i18n))).toEqual({ type: 'string' });
    expect(defaultOf(fieldForm(kind, 'date', [], snapshot, i18n))).toEqual({ type: 'string', format: 'date' });
  });
});
