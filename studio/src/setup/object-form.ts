import type { JsonSchema } from '../api/metadata.ts';
import type { ObjectDef } from '../api/types.ts';
import type { I18n } from '../i18n/i18n.tsx';
import { fieldType } from '@protean/metadata/field-types';
import { liveFields } from '../lib/model.ts';
import { enumSchema, pickProperties, titledUiSchema, withProperty } from '../forms/kind-schema.ts';
import { termTextUi } from '../forms/term-text-ui.ts';

const CREATE_KEYS = ['apiName', 'labels', 'description', 'helpText'];
const EDIT_KEYS = ['apiName', 'labels', 'nameFieldId', 'description', 'helpText'];

/** The object kind schema cut to what an admin edits; the name field is chosen among fields that can name records. */
export function objectForm(kind: JsonSchema, i18n: I18n, existing?: ObjectDef) {
  // An object named by a glossary term takes its name from the term alone (see the naming panel):
  // its own labels are not offered, so nothing here can be edited to no visible effect.
  const keys = (existing ? EDIT_KEYS : CREATE_KEYS).filter((k) => !(k === 'labels' && existing?.term));
  let schema = pickProperties(kind, keys);
  if (existing) {
    const candidates = liveFields(existing).filter((f) => fieldType(f.type).canNameRecords);
    schema = withProperty(schema, 'nameFieldId', enumSchema(candidates.map((f) => ({ value: f.id, title: i18n.fieldLabel(f) }))));
  }
  const uiSchema = titledUiSchema(schema, i18n, {
    'ui:order': keys,
    labels: termTextUi(['singular', 'plural']),
    description: termTextUi(undefined, 2),
    helpText: termTextUi(undefined, 2),
  });
  return { schema, uiSchema };
}
