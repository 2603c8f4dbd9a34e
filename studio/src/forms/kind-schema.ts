// Setup forms are rendered from the metadata kinds' own JSON Schemas (GET /metadata/schemas/:kind).
// These helpers cut a kind schema down to what a form edits and title its properties from the
// message catalogue, so the form follows the schema and speaks the user's language.
import type { JsonSchema } from '../api/metadata.ts';
import type { I18n } from '../i18n/i18n.tsx';

type Schema = Record<string, unknown>;

function isSchema(v: unknown): v is Schema {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * An optional nested object (a description per locale, the zh-CN labels) must not force its
 * inner required keys while it is left empty; the server still checks the whole document.
 */
export function relaxOptionalObjects(schema: Schema): Schema {
  const props = isSchema(schema['properties']) ? schema['properties'] : null;
  if (!props) return schema;
  const required = Array.isArray(schema['required']) ? (schema['required'] as string[]) : [];
  const out: Schema = {};
  for (const [k, v] of Object.entries(props)) {
    if (!isSchema(v) || !isSchema(v['properties'])) {
      out[k] = v;
      continue;
    }
    const child = relaxOptionalObjects(v);
    if (!required.includes(k)) delete child['required'];
    out[k] = child;
  }
  return { ...schema, properties: out };
}

/** Keeps only `keep` properties (in that order) and drops them from `required` when `optional`. */
export function pickProperties(schema: JsonSchema, keep: readonly string[], optional: readonly string[] = []): JsonSchema {
  const props = isSchema(schema['properties']) ? schema['properties'] : {};
  const out: Schema = {};
  for (const k of keep) if (k in props) out[k] = props[k];
  const required = (Array.isArray(schema['required']) ? (schema['required'] as string[]) : []).filter((r) => r in out && !optional.includes(r));
  const next: JsonSchema = relaxOptionalObjects({ ...schema, properties: out, required });
  delete next['$id'];
  delete next['title'];
  return next;
}

/** Replaces one property's schema. */
export function withProperty(schema: JsonSchema, name: string, prop: Schema | null): JsonSchema {
  const props = { ...(isSchema(schema['properties']) ? schema['properties'] : {}) };
  if (prop === null) delete props[name];
  else props[name] = prop;
  return { ...schema, properties: props };
}

/** Titles every property (recursively) from `prop.<name>` in the catalogue; unknown names keep their key. */
export function titledUiSchema(schema: JsonSchema, i18n: I18n, base: Record<string, unknown> = {}): Record<string, unknown> {
  const ui: Record<string, unknown> = { ...base };
  const props = isSchema(schema['properties']) ? schema['properties'] : {};
  for (const [name, prop] of Object.entries(props)) {
    const existing = isSchema(ui[name]) ? (ui[name] as Record<string, unknown>) : {};
    const child = isSchema(prop) && isSchema(prop['properties']) ? titledUiSchema(prop as JsonSchema, i18n, existing) : { ...existing };
    if (!('ui:title' in child)) child['ui:title'] = i18n.tMaybe(`prop.${name}`) ?? name;
    const help = i18n.tMaybe(`prop.${name}.help`);
    if (help && !('ui:help' in child)) child['ui:help'] = help;
    ui[name] = child;
  }
  return ui;
}

/** A select over string constants with localised titles. */
export function enumSchema(values: readonly { value: string; title: string }[], extra: Schema = {}): Schema {
  return { type: 'string', oneOf: values.map((v) => ({ const: v.value, title: v.title })), ...extra };
}

/** Drops undefined, empty strings and empty per-locale objects so optional fields stay absent. */
export function compact<T>(value: T): T {
  if (Array.isArray(value)) return value.map(compact) as T;
  if (!isSchema(value)) return value;
  const out: Schema = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined || v === '') continue;
    const c = compact(v);
    if (isSchema(c) && !Object.keys(c).length) continue;
    out[k] = c;
  }
  return out as T;
}
