import type { JsonSchema } from '../api/metadata.ts';
import type { FieldDef, FieldType, ObjectDef, PicklistValue, Snapshot } from '../api/types.ts';
import type { I18n, MessageKey } from '../i18n/i18n.tsx';
import { fieldType, fieldTypes } from '@protean/metadata/field-types';
import { widgetDefaultValueForm } from '../field-widgets/form-ui.ts';
import { enumSchema, pickProperties, titledUiSchema, withProperty } from '../forms/kind-schema.ts';
import { termTextUi } from '../forms/term-text-ui.ts';

const COMMON = ['labels', 'apiName', 'type', 'required', 'readOnly', 'helpText', 'description'];

type Schema = Record<string, unknown>;

/** Types a roll-up can sum or take the smallest or largest of. */
const SUMMARISED = new Set<FieldType>(['number', 'currency', 'percent', 'date', 'datetime']);

/** A select over `values`, or the property as it was when there is nothing to choose from. */
function choices(prop: unknown, values: { value: string; title: string }[]): Schema {
  return values.length ? enumSchema(values) : (prop as Schema);
}

/**
 * The field kind schema cut to the options that apply to `type`, with selects for type, lookup
 * target, defaults, a formula's result type and a roll-up's records, field and function: the kind
 * schema gives their choices as unions of constants and ids, which a form cannot offer as they are.
 */
export function fieldForm(kind: JsonSchema, type: FieldType, values: PicklistValue[], snapshot: Snapshot, i18n: I18n, object?: ObjectDef, data: Record<string, unknown> = {}) {
  const options = fieldType(type).options.filter((o) => o !== 'values');
  const keys = [...COMMON, ...options];
  let schema = pickProperties(kind, keys, ['apiNameAliases', 'id']);
  schema = withProperty(schema, 'type', enumSchema(fieldTypes.map((t) => ({ value: t, title: i18n.t(`fieldType.${t}` as MessageKey) }))));
  const ui: Record<string, unknown> = {
    'ui:order': keys,
    labels: termTextUi(),
    helpText: termTextUi(undefined, 2),
    description: termTextUi(undefined, 2),
  };
  if (options.includes('defaultValue')) {
    const editor = widgetDefaultValueForm(fieldType(type).widget, values, i18n);
    schema = withProperty(schema, 'defaultValue', editor.schema);
    if (editor.ui) ui['defaultValue'] = editor.ui;
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
  const resultTypes = (names: readonly FieldType[]) => enumSchema(names.map((t) => ({ value: t, title: i18n.t(`fieldType.${t}` as MessageKey) })));
  if (options.includes('formula')) {
    const formula = (schema['properties'] as Schema)['formula'] as Schema | undefined;
    if (formula) {
      const props = { ...(formula['properties'] as Schema), resultType: resultTypes(['number', 'text', 'boolean', 'date', 'datetime']) };
      schema = withProperty(schema, 'formula', { ...formula, properties: props });
    }
  }
  if (options.includes('rollup')) {
    const rollup = (schema['properties'] as Schema)['rollup'] as Schema | undefined;
    if (rollup) {
      // The children: objects with a lookup to this one. Field ids are unique within their object
      // only, so the lookup and the summarised field are offered from the chosen child.
      const linksHere = (o: ObjectDef) => o.fields.filter((f) => !f.deletedAt && f.type === 'lookup' && f.lookup?.objectId === object?.id);
      const children = snapshot.objects.filter((o) => linksHere(o).length > 0);
      const chosen = (data['rollup'] as { childObjectId?: unknown } | undefined)?.childObjectId;
      const child = children.find((o) => o.id === chosen) ?? children[0];
      const { resultType: _managed, ...rest } = (rollup['properties'] as Schema | undefined) ?? {};
      const summarised = child ? child.fields.filter((f) => !f.deletedAt && SUMMARISED.has(f.type)) : [];
      const props: Schema = {
        ...rest,
        childObjectId: choices(rest['childObjectId'], children.map((o) => ({ value: o.id, title: i18n.objectLabel(o, 'plural') }))),
        lookupFieldId: choices(rest['lookupFieldId'], child ? linksHere(child).map((f) => ({ value: f.id, title: i18n.fieldLabel(f) })) : []),
        function: enumSchema((['count', 'sum', 'min', 'max'] as const).map((fn) => ({ value: fn, title: i18n.t(`rollup.${fn}`) }))),
        // None first: a count summarises no field.
        fieldId: choices(rest['fieldId'], summarised.length ? [{ value: '', title: i18n.t('common.none') }, ...summarised.map((f) => ({ value: f.id, title: i18n.fieldLabel(f) }))] : []),
      };
      schema = withProperty(schema, 'rollup', { ...rollup, properties: props });
      ui['rollup'] = { 'ui:order': ['childObjectId', 'lookupFieldId', 'function', 'fieldId', 'filter'] };
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

/**
 * The form of a formula field without its expression, which the expression editor beside the
 * form edits; result type and storage get defaults so a new formula needs only its expression.
 */
export function withExpressionOutside(form: ReturnType<typeof fieldForm>): ReturnType<typeof fieldForm> {
  const properties = { ...((form.schema['properties'] as Schema | undefined) ?? {}) };
  const formula = properties['formula'] as Schema | undefined;
  if (!formula) return form;
  const { expression: _edited, ...rest } = (formula['properties'] as Schema | undefined) ?? {};
  const props: Schema = { ...rest };
  if (props['resultType']) props['resultType'] = { ...(props['resultType'] as Schema), default: 'number' };
  if (props['stored']) props['stored'] = { ...(props['stored'] as Schema), default: false };
  properties['formula'] = { ...formula, properties: props, required: ((formula['required'] as string[] | undefined) ?? []).filter((k) => k !== 'expression') };
  return { ...form, schema: { ...form.schema, properties } };
}
