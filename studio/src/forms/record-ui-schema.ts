// Turns the server's compiled record schema plus a layout into what rjsf renders:
// labels and picklist titles in the user's locale, sections and columns from the layout,
// layout-level required/read-only. Pure, so the layout editor's live preview and the CRM
// forms produce exactly the same form.
import type { FieldDef, LayoutDef, ObjectDef, Snapshot } from '../api/types.ts';
import type { JsonSchema } from '../api/metadata.ts';
import type { I18n } from '../i18n/i18n.tsx';
import { fieldType } from '@protean/metadata/field-types';
import { widgetFormSchema, widgetFormUi } from '../field-widgets/form-ui.ts';
import { findField } from '../lib/model.ts';

export interface FormSection {
  id: string;
  title: string;
  columns: 1 | 2;
  fields: string[];
}

export interface RecordFormModel {
  schema: JsonSchema;
  uiSchema: Record<string, unknown>;
  /** API names the form may send; formData is trimmed to these. */
  writable: string[];
}

/** System columns and read-only fields compile to `{ readOnly, not: {} }`: never part of a form. */
export function isWritableProperty(prop: unknown): boolean {
  const p = asSchema(prop);
  return !!p && !(p['readOnly'] === true && 'not' in p);
}

type Schema = Record<string, unknown>;

function asSchema(v: unknown): Schema | undefined {
  return typeof v === 'object' && v !== null ? (v as Schema) : undefined;
}

function decorateProperty(prop: Schema, field: FieldDef, i18n: I18n, current: unknown): Schema {
  const out = widgetFormSchema(fieldType(field.type).widget, prop, field, i18n, current);
  out['title'] = i18n.fieldLabel(field);
  delete out['description'];
  return out;
}

function fieldUi(field: FieldDef, snapshot: Snapshot, i18n: I18n): Schema {
  const ui: Schema = {};
  const help = i18n.fieldHelp(field);
  if (help) ui['ui:help'] = help;
  Object.assign(ui, widgetFormUi(fieldType(field.type).widget, field, snapshot));
  if (field.readOnly) ui['ui:readonly'] = true;
  return ui;
}

export function buildRecordForm(
  serverSchema: JsonSchema,
  object: ObjectDef,
  layout: LayoutDef,
  snapshot: Snapshot,
  i18n: I18n,
  formData: Record<string, unknown> = {},
): RecordFormModel {
  const properties = asSchema(serverSchema['properties']) ?? {};
  const required = new Set(Array.isArray(serverSchema['required']) ? (serverSchema['required'] as string[]) : []);
  const outProps: Schema = {};
  const uiSchema: Record<string, unknown> = {};
  const sections: FormSection[] = [];
  const placed = new Set<string>();

  const place = (apiName: string, field: FieldDef | undefined, layoutField?: { required?: boolean; readOnly?: boolean }) => {
    const prop = asSchema(properties[apiName]);
    if (!prop || placed.has(apiName) || !isWritableProperty(prop)) return false;
    placed.add(apiName);
    outProps[apiName] = field ? decorateProperty(prop, field, i18n, formData[apiName]) : prop;
    const ui = field ? fieldUi(field, snapshot, i18n) : {};
    if (layoutField?.readOnly) ui['ui:readonly'] = true;
    if (layoutField?.required) required.add(apiName);
    uiSchema[apiName] = ui;
    return true;
  };

  for (const section of layout.sections) {
    const names: string[] = [];
    for (const lf of section.fields) {
      const field = findField(object, lf.fieldId);
      if (!field || field.deletedAt) continue;
      if (place(field.apiName, field, lf)) names.push(field.apiName);
    }
    sections.push({ id: section.id, title: i18n.sectionLabel(section.labels), columns: section.columns === 1 ? 1 : 2, fields: names });
  }

  // A field the server requires but the layout forgot must still be fillable.
  const missing: string[] = [];
  for (const apiName of Object.keys(properties)) {
    if (placed.has(apiName)) continue;
    const field = findField(object, apiName);
    if (required.has(apiName) && isWritableProperty(properties[apiName])) {
      place(apiName, field);
      missing.push(apiName);
    }
  }
  if (missing.length) sections.push({ id: '__required', title: i18n.t('form.otherRequired'), columns: 2, fields: missing });

  uiSchema['ui:order'] = [...sections.flatMap((s) => s.fields), '*'];
  uiSchema['ui:options'] = { sections };
  const schema: JsonSchema = {
    ...serverSchema,
    properties: outProps,
    required: [...required].filter((r) => r in outProps),
  };
  delete schema['title'];
  delete schema['description'];
  return { schema, uiSchema, writable: Object.keys(outProps) };
}

/** Record values the form can edit: writable keys only, nulls as absent (rjsf's notion of empty). */
export function toFormData(record: Record<string, unknown>, writable: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of writable) {
    const v = record[key];
    if (v === null || v === undefined) continue;
    out[key] = typeof v === 'object' && !Array.isArray(v) && v !== null && 'id' in v ? (v as { id: unknown }).id : v;
  }
  return out;
}

/** Server errors (problem+json errors[].field) as rjsf's extraErrors, keyed by field API name. */
export function serverErrorsToErrorSchema(
  errors: { field?: string; path?: string; code?: string; message: string }[],
  object: ObjectDef,
  translate: (code: string | undefined, message: string) => string,
): { byField: Record<string, { __errors: string[] }>; unplaced: string[] } {
  const byField: Record<string, { __errors: string[] }> = {};
  const unplaced: string[] = [];
  for (const e of errors) {
    const raw = (e.field ?? e.path ?? '').replace(/^\/+/, '').replace(/^(data|body)[./]/, '').split(/[./]/)[0] ?? '';
    const field = raw ? findField(object, raw) : undefined;
    const key = field?.apiName ?? raw;
    const msg = translate(e.code, e.message);
    if (key) (byField[key] ??= { __errors: [] }).__errors.push(msg);
    else unplaced.push(msg);
  }
  return { byField, unplaced };
}
