import type { JsonSchema } from '../api/metadata.ts';
import type { ObjectDef } from '../api/types.ts';
import type { I18n } from '../i18n/i18n.tsx';
import { fieldType } from '@protean/metadata/field-types';
import { liveFields } from '../lib/model.ts';
import { enumSchema, pickProperties, titledUiSchema, withProperty } from '../forms/kind-schema.ts';

const CREATE_KEYS = ['apiName', 'labels', 'description', 'helpText'];
const EDIT_KEYS = ['apiName', 'labels', 'nameFieldId', 'description', 'helpText'];

/** The object kind schema cut to what an admin edits; the name field is chosen among fields that can name records. */
export function objectForm(kind: JsonSchema, i18n: I18n, existing?: ObjectDef) {
  let schema = pickProperties(kind, existing ? EDIT_KEYS : CREATE_KEYS);
  if (existing) {
    const candidates = liveFields(existing).filter((f) => fieldType(f.type).canNameRecords);
    schema = withProperty(schema, 'nameFieldId', enumSchema(candidates.map((f) => ({ value: f.id, title: i18n.fieldLabel(f) }))));
  }
  const uiSchema = titledUiSchema(schema, i18n, {
    'ui:order': existing ? EDIT_KEYS : CREATE_KEYS,
    description: { en: { 'ui:widget': 'textarea', 'ui:options': { rows: 2 } }, 'zh-CN': { 'ui:widget': 'textarea', 'ui:options': { rows: 2 } } },
    helpText: { en: { 'ui:widget': 'textarea', 'ui:options': { rows: 2 } }, 'zh-CN': { 'ui:widget': 'textarea', 'ui:options': { rows: 2 } } },
  });
  return { schema, uiSchema };
}
