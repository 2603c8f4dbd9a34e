import type { FieldDef, PicklistValue } from '../schemas/field-def.ts';
import type { FieldLabels, Locale, LocalizedText, ObjectLabels } from '../schemas/labels.ts';
import { locales } from '../schemas/labels.ts';
import type { LayoutDef } from '../schemas/layout-def.ts';
import type { ObjectDef } from '../schemas/object-def.ts';
import type { Snapshot } from '../schemas/snapshot.ts';
import { layoutDisplayName } from './layout-name.ts';
import { createTextResolver, templatePlaceholders, type TextResolver } from './resolve-text.ts';
import { standardTerms } from './standard-terms.ts';
import type { TermDef } from './term-def.ts';

const effective = new WeakMap<Snapshot, { own: TermDef[] | undefined; terms: TermDef[] }>();

/**
 * The tenant's glossary: the snapshot's terms, with every standard term the snapshot lacks
 * taken from the catalogue. Snapshots stored before terminology existed have no `terms` and get
 * the catalogue. Memoised per snapshot object; treat the result as read-only.
 */
export function effectiveTerms(snapshot: Snapshot): TermDef[] {
  const memo = effective.get(snapshot);
  if (memo && memo.own === snapshot.terms) return memo.terms;
  const own = snapshot.terms ?? [];
  const keys = new Set(own.map((t) => t.key));
  const terms = [...standardTerms().filter((t) => !keys.has(t.key)), ...own];
  const order = new Map(standardTerms().map((t, i) => [t.key, i]));
  terms.sort((a, b) => (order.get(a.key) ?? Infinity) - (order.get(b.key) ?? Infinity));
  effective.set(snapshot, { own: snapshot.terms, terms });
  return terms;
}

/** The snapshot with its glossary filled in (how the server upgrades snapshots stored before terms). */
export function withTerms(snapshot: Snapshot): Snapshot {
  if (snapshot.terms && snapshot.terms.length === effectiveTerms(snapshot).length) return snapshot;
  return { ...snapshot, terms: structuredClone(effectiveTerms(snapshot)) };
}

/** A resolver for the snapshot's glossary in `locale`. */
export function snapshotResolver(snapshot: Snapshot, locale: Locale): TextResolver {
  return createTextResolver(effectiveTerms(snapshot), locale);
}

const labelIn = (labels: { en: string; 'zh-CN'?: string | undefined }, locale: Locale) => (locale === 'zh-CN' ? (labels['zh-CN'] ?? labels.en) : labels.en);

/** An object's display name in `locale`: from its term when it has one, else its own labels; resolved. */
export function objectLabel(snapshot: Snapshot, object: ObjectDef, locale: Locale, form: 'singular' | 'plural' = 'singular'): string {
  const r = snapshotResolver(snapshot, locale);
  if (object.term) {
    const word = r.term(capitalKey(object.term), form);
    if (word !== undefined) return word;
  }
  const labels = locale === 'zh-CN' ? (object.labels['zh-CN'] ?? object.labels.en) : object.labels.en;
  return r.text(labels[form]);
}

/** A layout's name in `locale`: the platform's name follows its object's current name; an admin's is resolved as written. */
export function layoutName(snapshot: Snapshot, layout: Pick<LayoutDef, 'name' | 'objectId'>, locale: Locale): string {
  const object = snapshot.objects.find((o) => o.id === layout.objectId || o.apiName === layout.objectId);
  const noun = object && { singular: objectLabel(snapshot, object, locale, 'singular'), plural: objectLabel(snapshot, object, locale, 'plural') };
  return layoutDisplayName(layout.name, object, noun, snapshotResolver(snapshot, locale));
}

/** A field's label in `locale`, placeholders resolved. */
export function fieldLabel(snapshot: Snapshot, field: Pick<FieldDef, 'labels'>, locale: Locale): string {
  return snapshotResolver(snapshot, locale).text(labelIn(field.labels, locale));
}

const capitalKey = (key: string) => key[0]!.toUpperCase() + key.slice(1);

function resolveLabels(labels: FieldLabels, resolvers: Record<Locale, TextResolver>, locale: Locale): FieldLabels {
  const out: FieldLabels = { en: resolvers.en.text(labels.en) };
  const zh = labels['zh-CN'];
  if (zh !== undefined) out['zh-CN'] = resolvers['zh-CN'].text(zh);
  else if (locale === 'zh-CN') out['zh-CN'] = resolvers['zh-CN'].text(labels.en);
  return out;
}

function resolveProse(text: LocalizedText, resolvers: Record<Locale, TextResolver>, locale: Locale): LocalizedText {
  const out: LocalizedText = { en: resolvers.en.text(text.en) };
  const zh = text['zh-CN'];
  if (zh !== undefined) out['zh-CN'] = resolvers['zh-CN'].text(zh);
  else if (locale === 'zh-CN') out['zh-CN'] = resolvers['zh-CN'].text(text.en);
  return out;
}

function resolveObjectLabels(snapshot: Snapshot, object: ObjectDef, locale: Locale): ObjectLabels {
  const pair = (l: Locale) => ({ singular: objectLabel(snapshot, object, l, 'singular'), plural: objectLabel(snapshot, object, l, 'plural') });
  const out: ObjectLabels = { en: pair('en') };
  if (object.labels['zh-CN'] !== undefined || object.term || locale === 'zh-CN') out['zh-CN'] = pair('zh-CN');
  return out;
}

function resolveField(field: FieldDef, resolvers: Record<Locale, TextResolver>, locale: Locale): FieldDef {
  const out: FieldDef = { ...field, labels: resolveLabels(field.labels, resolvers, locale) };
  if (field.helpText) out.helpText = resolveProse(field.helpText, resolvers, locale);
  if (field.description) out.description = resolveProse(field.description, resolvers, locale);
  if (field.values) out.values = field.values.map((v): PicklistValue => ({ ...v, labels: resolveLabels(v.labels, resolvers, locale) }));
  return out;
}

/** One object with every label, help text, description and picklist label resolved for display. */
export function resolveObject(snapshot: Snapshot, object: ObjectDef, locale: Locale): ObjectDef {
  const resolvers = { en: snapshotResolver(snapshot, 'en'), 'zh-CN': snapshotResolver(snapshot, 'zh-CN') };
  const out: ObjectDef = { ...object, labels: resolveObjectLabels(snapshot, object, locale), fields: object.fields.map((f) => resolveField(f, resolvers, locale)) };
  if (object.helpText) out.helpText = resolveProse(object.helpText, resolvers, locale);
  if (object.description) out.description = resolveProse(object.description, resolvers, locale);
  return out;
}

const resolvedSnapshots = new WeakMap<Snapshot, Map<Locale, Snapshot>>();

/**
 * The snapshot for display: object labels from their terms, and every label, help text,
 * description, picklist label, layout name and section title with its placeholders resolved —
 * each locale's text with that locale's forms, and `locale` always present (falling back to
 * English text resolved with `locale`'s forms). Same shape as the raw snapshot; memoised.
 */
export function resolveSnapshot(snapshot: Snapshot, locale: Locale): Snapshot {
  let byLocale = resolvedSnapshots.get(snapshot);
  if (!byLocale) resolvedSnapshots.set(snapshot, (byLocale = new Map()));
  const cached = byLocale.get(locale);
  if (cached) return cached;
  const resolvers = { en: snapshotResolver(snapshot, 'en'), 'zh-CN': snapshotResolver(snapshot, 'zh-CN') };
  const layouts = snapshot.layouts.map(
    (layout): LayoutDef => ({
      ...layout,
      name: layoutName(snapshot, layout, locale),
      sections: layout.sections.map((s) => ({ ...s, labels: resolveLabels(s.labels, resolvers, locale) })),
    }),
  );
  const resolved: Snapshot = {
    ...snapshot,
    terms: effectiveTerms(snapshot),
    objects: snapshot.objects.map((o) => resolveObject(snapshot, o, locale)),
    layouts,
  };
  byLocale.set(locale, resolved);
  return resolved;
}

/** Where a term is used in the model. `path` is a JSON pointer into the snapshot. */
export interface TermUse {
  kind: 'object' | 'field' | 'picklistValue' | 'layout' | 'layoutSection';
  path: string;
  objectId?: string;
  fieldId?: string;
  valueId?: string;
  layoutId?: string;
  /** The text as written (with its placeholder), or `term` for an object labelled by the term. */
  text: string;
}

function textsOf(value: { en: string; 'zh-CN'?: string | undefined } | undefined, path: string): [string, string][] {
  if (!value) return [];
  return locales.flatMap((l) => (value[l] === undefined ? [] : [[`${path}/${l}`, value[l]!] as [string, string]]));
}

/** Every piece of text in the model that may hold placeholders, with its location. */
export function* modelTexts(snapshot: Snapshot): Generator<Omit<TermUse, 'text'> & { text: string }> {
  for (const [i, object] of snapshot.objects.entries()) {
    const o = `/objects/${i}`;
    const at = { objectId: object.id };
    for (const l of locales) {
      const labels = object.labels[l];
      if (labels) {
        yield { kind: 'object', path: `${o}/labels/${l}/singular`, ...at, text: labels.singular };
        yield { kind: 'object', path: `${o}/labels/${l}/plural`, ...at, text: labels.plural };
      }
    }
    for (const [path, text] of [...textsOf(object.helpText, `${o}/helpText`), ...textsOf(object.description, `${o}/description`)]) yield { kind: 'object', path, ...at, text };
    for (const [j, field] of object.fields.entries()) {
      const f = `${o}/fields/${j}`;
      const fat = { ...at, fieldId: field.id };
      for (const [path, text] of [...textsOf(field.labels, `${f}/labels`), ...textsOf(field.helpText, `${f}/helpText`), ...textsOf(field.description, `${f}/description`)]) {
        yield { kind: 'field', path, ...fat, text };
      }
      for (const [k, value] of (field.values ?? []).entries()) {
        for (const [path, text] of textsOf(value.labels, `${f}/values/${k}/labels`)) yield { kind: 'picklistValue', path, ...fat, valueId: value.id, text };
      }
    }
  }
  for (const [i, layout] of snapshot.layouts.entries()) {
    const at = { objectId: layout.objectId, layoutId: layout.id };
    yield { kind: 'layout', path: `/layouts/${i}/name`, ...at, text: layout.name };
    for (const [j, section] of layout.sections.entries()) {
      for (const [path, text] of textsOf(section.labels, `/layouts/${i}/sections/${j}/labels`)) yield { kind: 'layoutSection', path, ...at, text };
    }
  }
}

/** Objects labelled by the term and every text whose placeholders name it. */
export function termUsage(snapshot: Snapshot, key: string): TermUse[] {
  const uses: TermUse[] = [];
  snapshot.objects.forEach((object, i) => {
    if (object.term === key) uses.push({ kind: 'object', path: `/objects/${i}/term`, objectId: object.id, text: 'term' });
  });
  for (const use of modelTexts(snapshot)) if (templatePlaceholders(use.text).some((p) => p.key === key)) uses.push(use);
  return uses;
}
