// How each widget appears in rjsf record forms (the rjsf widgets are registered in
// forms/rjsf-theme.tsx). Kept apart from the components so form building stays plain data.
import type { FieldWidgetName } from '@protean/metadata/field-types';
import type { FieldDef, PicklistValue, Snapshot } from '../api/types.ts';
import type { I18n } from '../i18n/i18n.tsx';
import { lookupTargets } from '../lib/model.ts';

type Schema = Record<string, unknown>;

interface WidgetForm {
  /** The field's rjsf ui schema entries. */
  ui?: (field: FieldDef, snapshot: Snapshot) => Schema;
  /** Rewrites the server's property schema in place, e.g. to title picklist values in the user's language. */
  schema?: (prop: Schema, field: FieldDef, i18n: I18n, current: unknown) => void;
  /** The Setup editor of a field's default value: its schema (null: no editor) and ui; absent: a text box. */
  defaultValue?: {
    schema: (values: PicklistValue[]) => Schema | null;
    ui?: (values: PicklistValue[], i18n: I18n) => Schema;
  };
}

const numberDefault = { schema: () => ({ type: 'number' }) };

/** Picklist values as const/title pairs so the labels follow the locale and inactive values drop out (unless held). */
function picklistOptions(field: FieldDef, i18n: I18n, keep?: unknown): Schema[] {
  return (field.values ?? [])
    .filter((v) => v.active !== false || v.apiName === keep || (Array.isArray(keep) && keep.includes(v.apiName)))
    .map((v) => ({ const: v.apiName, title: i18n.valueLabel(v) }));
}

const forms: Partial<Record<FieldWidgetName, WidgetForm>> = {
  textarea: { ui: () => ({ 'ui:widget': 'textarea', 'ui:options': { rows: 3 } }) },
  number: { defaultValue: numberDefault },
  currency: { defaultValue: numberDefault },
  percent: { defaultValue: numberDefault },
  checkbox: { defaultValue: { schema: () => ({ type: 'boolean' }) } },
  date: { defaultValue: { schema: () => ({ type: 'string', format: 'date' }) } },
  datetime: { defaultValue: { schema: () => ({ type: 'string', format: 'date-time' }) } },
  select: {
    schema: (prop, field, i18n, current) => {
      if (!field.values) return;
      delete prop['enum'];
      prop['type'] = 'string';
      prop['oneOf'] = picklistOptions(field, i18n, current);
    },
    defaultValue: {
      schema: (values) => (values.length ? { type: 'string', enum: values.map((v) => v.apiName) } : null),
      ui: (values, i18n) => ({ 'ui:enumNames': values.map((v) => i18n.valueLabel(v)) }),
    },
  },
  multiSelect: {
    ui: () => ({ 'ui:widget': 'checkboxes', 'ui:options': { inline: true } }),
    schema: (prop, field, i18n, current) => {
      if (!field.values) return;
      prop['type'] = 'array';
      prop['uniqueItems'] = true;
      prop['items'] = { type: 'string', anyOf: picklistOptions(field, i18n, current) };
      // The server's schema bounds the list in an if/then whose items are bare API names; rjsf
      // merges that in and would label the boxes with them. The options here are bounded already.
      delete prop['if'];
      delete prop['then'];
      delete prop['else'];
    },
    defaultValue: {
      schema: (values) => (values.length ? { type: 'array', uniqueItems: true, items: { type: 'string', enum: values.map((v) => v.apiName) } } : null),
      ui: (values, i18n) => ({ 'ui:widget': 'checkboxes', items: { 'ui:enumNames': values.map((v) => i18n.valueLabel(v)) } }),
    },
  },
  lookup: { ui: (field, snapshot) => ({ 'ui:widget': 'lookup', 'ui:options': { object: lookupTargets(snapshot, field)?.apiName ?? field.lookup?.objectId } }) },
  owner: { ui: () => ({ 'ui:widget': 'owner' }) },
  json: { ui: () => ({ 'ui:field': 'json' }), defaultValue: { schema: () => null } },
  // Assigned by the platform: shown, never typed into a form.
  autonumber: { ui: () => ({ 'ui:readonly': true }) },
};

/** The field's rjsf ui schema entries from its widget (none: rjsf's default for the JSON type). */
export function widgetFormUi(widget: FieldWidgetName, field: FieldDef, snapshot: Snapshot): Schema {
  return forms[widget]?.ui?.(field, snapshot) ?? {};
}

/** Applies the widget's changes to a copy of the server's property schema. */
export function widgetFormSchema(widget: FieldWidgetName, prop: Schema, field: FieldDef, i18n: I18n, current: unknown): Schema {
  const out = { ...prop };
  forms[widget]?.schema?.(out, field, i18n, current);
  return out;
}

/** The schema and ui of the Setup editor for a field's default value (schema null: no editor). */
export function widgetDefaultValueForm(widget: FieldWidgetName, values: PicklistValue[], i18n: I18n): { schema: Schema | null; ui: Schema | undefined } {
  const form = forms[widget]?.defaultValue;
  if (!form) return { schema: { type: 'string' }, ui: undefined };
  return { schema: form.schema(values), ui: form.ui?.(values, i18n) };
}
