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
import { compileExpression, type CompiledExpression } from '@protean/metadata/expressions';

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

/**
 * The server's schema lets an optional field take '' as no value (`if: { const: '' }, else: …`); a
 * form sends no value instead, so it checks the `else` part alone, and rjsf reports no failed `if`.
 */
function withoutEmptyAlternative(prop: Schema): Schema {
  const condition = asSchema(prop['if']);
  const checks = asSchema(prop['else']);
  if (condition?.['const'] !== '' || !checks || 'then' in prop) return prop;
  const { if: _if, else: _else, ...rest } = prop;
  return { ...rest, ...checks };
}

function decorateProperty(prop: Schema, field: FieldDef, i18n: I18n, current: unknown): Schema {
  const out = widgetFormSchema(fieldType(field.type).widget, withoutEmptyAlternative(prop), field, i18n, current);
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

const compiledRules = new WeakMap<Snapshot, Map<string, CompiledExpression | null>>();

/** A layout rule's condition, compiled once per snapshot with the evaluator the server uses. */
function ruleCondition(snapshot: Snapshot, object: ObjectDef, when: string): CompiledExpression | null {
  let cache = compiledRules.get(snapshot);
  if (!cache) compiledRules.set(snapshot, (cache = new Map()));
  const key = `${object.id}\u0000${when}`;
  if (!cache.has(key)) {
    const r = compileExpression(when, { snapshot, object: object.id, context: 'layout', recordForm: 'api' }, { expect: 'bool' });
    cache.set(key, r.ok ? r.expression : null);
  }
  return cache.get(key) ?? null;
}

/** Lookups whose records the layout's rules read (`account.industry`): the form fetches them as they are chosen. */
export function layoutRuleLookups(object: ObjectDef, layout: LayoutDef, snapshot: Snapshot): FieldDef[] {
  const ids = new Set<string>();
  for (const rule of layout.rules ?? []) for (const r of ruleCondition(snapshot, object, rule.when)?.references.related ?? []) ids.add(r.lookupFieldId);
  return object.fields.filter((f) => ids.has(f.id) && f.deletedAt === undefined);
}

/** Looked-up records by the lookup's api name, in API form; null while the lookup is empty or its record unknown. */
export type RelatedRecords = Readonly<Record<string, Readonly<Record<string, unknown>> | null>>;

/**
 * What the layout's rules say for the values in the form now: fields and sections hidden,
 * fields required or read-only. `show` rules hide what they name while their condition fails.
 */
export function layoutRuleEffects(object: ObjectDef, layout: LayoutDef, snapshot: Snapshot, formData: Record<string, unknown>, isNew: boolean, related: RelatedRecords = {}, timeZone = 'UTC') {
  const hiddenFields = new Set<string>();
  const hiddenSections = new Set<string>();
  const requiredFields = new Set<string>();
  const readOnlyFields = new Set<string>();
  for (const rule of layout.rules ?? []) {
    const condition = ruleCondition(snapshot, object, rule.when);
    if (!condition) continue;
    let holds = false;
    try {
      // today() is the workspace's date, as in the server's rules, not the browser's.
      holds = condition.test({ record: formData, prior: isNew ? null : formData, related, timeZone });
    } catch {
      holds = false;
    }
    const hide = rule.action === 'hide' ? holds : rule.action === 'show' ? !holds : false;
    const fieldIds = [...(rule.fieldIds ?? []), ...layout.sections.filter((sec) => (rule.sectionIds ?? []).includes(sec.id) && rule.action !== 'hide' && rule.action !== 'show').flatMap((sec) => sec.fields.map((f) => f.fieldId))];
    if (hide) for (const id of rule.sectionIds ?? []) hiddenSections.add(id);
    for (const id of fieldIds) {
      const field = findField(object, id);
      if (!field) continue;
      if (hide) hiddenFields.add(field.apiName);
      if (holds && rule.action === 'require') requiredFields.add(field.apiName);
      if (holds && rule.action === 'readOnly') readOnlyFields.add(field.apiName);
    }
  }
  return { hiddenFields, hiddenSections, requiredFields, readOnlyFields };
}

/** A dependent picklist offers only the values its controlling field's current value allows. */
function dependentOptions(prop: Schema, field: FieldDef, object: ObjectDef, formData: Record<string, unknown>): Schema {
  const dependsOn = field.dependsOn;
  if (!dependsOn) return prop;
  const controlling = object.fields.find((f) => f.id === dependsOn.fieldId);
  if (!controlling) return prop;
  const current = formData[controlling.apiName];
  const key = controlling.type === 'boolean' ? (current === undefined || current === null ? undefined : String(current)) : controlling.values?.find((v) => v.apiName === current)?.id;
  const allowedIds = key === undefined ? [] : (dependsOn.map[key] ?? []);
  const allowed = new Set((field.values ?? []).filter((v) => allowedIds.includes(v.id)).map((v) => v.apiName));
  const keep = (options: unknown) => (Array.isArray(options) ? options.filter((o) => allowed.has(String(asSchema(o)?.['const']))) : options);
  const out = { ...prop };
  if (Array.isArray(out['oneOf'])) out['oneOf'] = keep(out['oneOf']);
  const items = asSchema(out['items']);
  if (items && Array.isArray(items['anyOf'])) out['items'] = { ...items, anyOf: keep(items['anyOf']) };
  // rjsf needs at least one choice; an empty dependent list reads as "choose the controlling value first".
  if (Array.isArray(out['oneOf']) && (out['oneOf'] as unknown[]).length === 0) {
    delete out['oneOf'];
    out['enum'] = [null];
  }
  return out;
}

export function buildRecordForm(
  serverSchema: JsonSchema,
  object: ObjectDef,
  layout: LayoutDef,
  snapshot: Snapshot,
  i18n: I18n,
  formData: Record<string, unknown> = {},
  isNew = false,
  related: RelatedRecords = {},
): RecordFormModel {
  const properties = asSchema(serverSchema['properties']) ?? {};
  const required = new Set(Array.isArray(serverSchema['required']) ? (serverSchema['required'] as string[]) : []);
  const effects = layoutRuleEffects(object, layout, snapshot, formData, isNew, related, i18n.workspaceTimeZone);
  for (const name of effects.requiredFields) required.add(name);
  const outProps: Schema = {};
  const uiSchema: Record<string, unknown> = {};
  const sections: FormSection[] = [];
  const placed = new Set<string>();

  const place = (apiName: string, field: FieldDef | undefined, layoutField?: { required?: boolean; readOnly?: boolean }) => {
    const prop = asSchema(properties[apiName]);
    if (!prop || placed.has(apiName) || !isWritableProperty(prop)) return false;
    // A field a layout rule hides is left out, unless the server requires it (it must stay fillable).
    if (effects.hiddenFields.has(apiName) && !required.has(apiName)) return false;
    placed.add(apiName);
    outProps[apiName] = field ? dependentOptions(decorateProperty(prop, field, i18n, formData[apiName]), field, object, formData) : prop;
    const ui = field ? fieldUi(field, snapshot, i18n) : {};
    if (layoutField?.readOnly || effects.readOnlyFields.has(apiName)) ui['ui:readonly'] = true;
    if (layoutField?.required) required.add(apiName);
    uiSchema[apiName] = ui;
    return true;
  };

  for (const section of layout.sections) {
    if (effects.hiddenSections.has(section.id) && !section.fields.some((lf) => required.has(findField(object, lf.fieldId)?.apiName ?? ''))) continue;
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

/**
 * Server errors (problem+json errors[].field) as rjsf's extraErrors, keyed by field API name, for
 * the fields the form shows (`shown`, all when not given). The others are `unplaced`: a refusal
 * about the whole record, or about a field the form does not show, named by its field (`named`),
 * which the form lists above itself so that none goes unseen.
 */
export function serverErrorsToErrorSchema(
  errors: { field?: string; path?: string; code?: string; message: string }[],
  object: ObjectDef,
  translate: (code: string | undefined, message: string) => string,
  placing: { shown?: ReadonlySet<string>; named?: (field: FieldDef | undefined, key: string, message: string) => string } = {},
): { byField: Record<string, { __errors: string[] }>; unplaced: string[] } {
  const { shown, named = (field, key, message) => `${field?.apiName ?? key}: ${message}` } = placing;
  const byField: Record<string, { __errors: string[] }> = {};
  const unplaced: string[] = [];
  for (const e of errors) {
    const raw = (e.field ?? e.path ?? '').replace(/^\/+/, '').replace(/^(data|body)[./]/, '').split(/[./]/)[0] ?? '';
    const field = raw ? findField(object, raw) : undefined;
    const key = field?.apiName ?? raw;
    const msg = translate(e.code, e.message);
    if (key && (!shown || shown.has(key))) (byField[key] ??= { __errors: [] }).__errors.push(msg);
    else unplaced.push(key ? named(field, key, msg) : msg);
  }
  return { byField, unplaced };
}
