// How each widget appears in rjsf record forms (the rjsf widgets are registered in
// forms/rjsf-theme.tsx). Kept apart from the components so form building stays plain data.
import type { FieldWidgetName } from '@protean/metadata/field-types';
import type { FieldDef, Snapshot } from '../api/types.ts';
import { lookupTargets } from '../lib/model.ts';

type FormUi = (field: FieldDef, snapshot: Snapshot) => Record<string, unknown>;

const formUis: Partial<Record<FieldWidgetName, FormUi>> = {
  textarea: () => ({ 'ui:widget': 'textarea', 'ui:options': { rows: 3 } }),
  multiSelect: () => ({ 'ui:widget': 'checkboxes', 'ui:options': { inline: true } }),
  lookup: (field, snapshot) => ({ 'ui:widget': 'lookup', 'ui:options': { object: lookupTargets(snapshot, field)?.apiName ?? field.lookup?.objectId } }),
  owner: () => ({ 'ui:widget': 'owner' }),
  json: () => ({ 'ui:widget': 'json' }),
  // Assigned by the platform: shown, never typed into a form.
  autonumber: () => ({ 'ui:readonly': true }),
};

/** The field's rjsf ui schema entries from its widget (none: rjsf's default for the JSON type). */
export function widgetFormUi(widget: FieldWidgetName, field: FieldDef, snapshot: Snapshot): Record<string, unknown> {
  return formUis[widget]?.(field, snapshot) ?? {};
}
