import type { JsonSchema } from '../api/metadata.ts';
import type { FieldDef, FieldType, PicklistValue, Snapshot } from '../api/types.ts';
import type { I18n, MessageKey } from '../i18n/i18n.tsx';
import { fieldType, fieldTypes } from '@protean/metadata/field-types';
import { enumSchema, pickProperties, titledUiSchema, withProperty } from '../forms/kind-schema.ts';

const COMMON = ['labels', 'apiName', 'type', 'required', 'readOnly', 'helpText', 'description'];

type Schema = Record<string, unknown>;

function defaultValueSchema(type: FieldType, values: PicklistValue[]): Schema | null {
  switch (type) {
    case 'number':
    case 'currency':
    case 'percent':
      return { type: 'number' };
    case 'boolean':
      return { type: 'boolean' };
    case 'date':
      return { type: 'string', format: 'date' };
    case 'datetime':
      return { type: 'string', format: 'date-time' };
    case 'picklist':
      return values.length ? { type: 'string', enum: values.map((v) => v.apiName) } : null;
    case 'multiPicklist':
      return values.length ? { type: 'array', uniqueItems: true, items: { type: 'string', enum: values.map((v) => v.apiName) } } : null;
    case 'json':
      return null;
    default:
      return { type: 'string' };
  }
}

/** The field kind schema cut to the options that apply to `type`, with selects for type, lookup target and defaults. */
export function fieldForm(kind: JsonSchema, type: FieldType, values: PicklistValue[], snapshot: Snapshot, i18n: I18n) {
  const options = fieldType(type).options.filter((o) => o !== 'values');
  const keys = [...COMMON, ...options];
  let schema = pickProperties(kind, keys, ['apiNameAliases', 'id']);
  schema = withProperty(schema, 'type', enumSchema(fieldTypes.map((t) => ({ value: t, title: i18n.t(`fieldType.${t}` as MessageKey) }))));
  if (options.includes('defaultValue')) schema = withProperty(schema, 'defaultValue', defaultValueSchema(type, values));
  const ui: Record<string, unknown> = {
    'ui:order': keys,
    helpText: { en: { 'ui:widget': 'textarea', 'ui:options': { rows: 2 } }, 'zh-CN': { 'ui:widget': 'textarea', 'ui:options': { rows: 2 } } },
    description: { en: { 'ui:widget': 'textarea', 'ui:options': { rows: 2 } }, 'zh-CN': { 'ui:widget': 'textarea', 'ui:options': { rows: 2 } } },
  };
  if (type === 'picklist' || type === 'multiPicklist') {
    ui['defaultValue'] = type === 'picklist'
      ? { 'ui:enumNames': values.map((v) => i18n.valueLabel(v)) }
      : { 'ui:widget': 'checkboxes', items: { 'ui:enumNames': values.map((v) => i18n.valueLabel(v)) } };
  }
  if (options.includes('lookup')) {
    const lookup = (schema['properties'] as Schema)['lookup'] as Schema | undefined;
    if (lookup) {
      const props = { ...(lookup['properties'] as Schema) };
      props['objectId'] = enumSchema(snapshot.objects.map((o) => ({ value: o.id, title: i18n.objectLabel(o) })));
      props['onDelete'] = enumSchema([
        { value: 'setNull', title: i18n.t('onDelete.setNull') },
        { value: 'restrict', title: i18n.t('onDelete.restrict') },
        { value: 'cascade', title: i18n.t('onDelete.cascade') },
      ]);
      schema = withProperty(schema, 'lookup', { ...lookup, properties: props });
    }
  }
  return { schema, uiSchema: titledUiSchema(schema, i18n, ui) };
}

/** The patch for updateField: changed keys only; an option no longer set becomes null (removed). */
export function fieldPatch(before: FieldDef, after: Record<string, unknown>): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  const keys = new Set([...Object.keys(after), ...Object.keys(before).filter((k) => !['id', 'apiNameAliases', 'deletedAt'].includes(k))]);
  for (const k of keys) {
    const a = after[k];
    const b = (before as unknown as Record<string, unknown>)[k];
    if (JSON.stringify(a) === JSON.stringify(b)) continue;
    if (a === undefined) {
      if (k === 'values' || k === 'labels' || k === 'apiName' || k === 'type') continue;
      patch[k] = null;
    } else patch[k] = a;
  }
  return patch;
}
