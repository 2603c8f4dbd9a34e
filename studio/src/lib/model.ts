// Read helpers over the tenant snapshot. Everything the UI shows about objects and fields is
// derived from here, so no screen knows an object by a hard-coded name.
import { fieldType } from '@protean/metadata/field-types';
import { STANDARD_LAYOUT_NAME } from '@protean/metadata/terms';
import type { FieldDef, LayoutDef, ObjectDef, Snapshot } from '../api/types.ts';

/** Standard objects whose records form a record's activity timeline (ids are immutable). */
export const TIMELINE_OBJECT_IDS: readonly string[] = ['activity', 'task'];

export function findObject(snapshot: Snapshot, ref: string): ObjectDef | undefined {
  return (
    snapshot.objects.find((o) => o.apiName === ref) ??
    snapshot.objects.find((o) => o.id === ref) ??
    snapshot.objects.find((o) => (o.apiNameAliases ?? []).includes(ref))
  );
}

export function liveFields(object: ObjectDef): FieldDef[] {
  return object.fields.filter((f) => !f.deletedAt);
}

export function findField(object: ObjectDef, ref: string): FieldDef | undefined {
  return (
    object.fields.find((f) => f.apiName === ref) ??
    object.fields.find((f) => f.id === ref) ??
    object.fields.find((f) => (f.apiNameAliases ?? []).includes(ref))
  );
}

export function nameField(object: ObjectDef): FieldDef | undefined {
  return object.fields.find((f) => f.id === object.nameFieldId) ?? liveFields(object).find((f) => f.type === 'text');
}

/**
 * A record's name: its name field's value, else the name the server gave it (`display_name`,
 * which is the id when the record has none, so that is no name either). Empty when it has none:
 * people read `i18n.recordName`, which says "Untitled …" then.
 */
export function recordName(object: ObjectDef, record: Record<string, unknown>): string {
  const nf = nameField(object);
  const v = nf ? record[nf.apiName] : undefined;
  if (v !== undefined && v !== null && v !== '') return String(v);
  const given = record['display_name'];
  return typeof given === 'string' && given !== record['id'] ? given : '';
}

export function navObjects(snapshot: Snapshot): ObjectDef[] {
  const withOrder = snapshot.objects.filter((o) => typeof o.navOrder === 'number');
  const list = withOrder.length ? withOrder : [...snapshot.objects];
  return list.sort((a, b) => (a.navOrder ?? 1e9) - (b.navOrder ?? 1e9) || a.apiName.localeCompare(b.apiName));
}

export function layoutsFor(snapshot: Snapshot, object: ObjectDef): LayoutDef[] {
  return snapshot.layouts.filter((l) => l.objectId === object.id);
}

/** The layout used for the record page and forms: the first for the object, or one derived from its fields. */
export function layoutFor(snapshot: Snapshot, object: ObjectDef): LayoutDef {
  const existing = layoutsFor(snapshot, object)[0];
  if (existing) return existing;
  return defaultLayout(object);
}

export function defaultLayout(object: ObjectDef): LayoutDef {
  return {
    id: `${object.id}_default`,
    objectId: object.id,
    name: STANDARD_LAYOUT_NAME,
    sections: [
      {
        id: 'main',
        labels: { en: 'Details', 'zh-CN': '详细信息' },
        columns: 2,
        fields: liveFields(object).map((f) => ({ fieldId: f.id })),
      },
    ],
  } as LayoutDef;
}

export function lookupTargets(snapshot: Snapshot, field: FieldDef): ObjectDef | undefined {
  return field.lookup ? findObject(snapshot, field.lookup.objectId) : undefined;
}

export function picklistFields(object: ObjectDef): FieldDef[] {
  return liveFields(object).filter((f) => f.type === 'picklist');
}

/** The fields GET /search matches the start of: the name field and the searchable types (emails, phones, autonumbers). */
export function searchableFields(object: ObjectDef): FieldDef[] {
  const nf = nameField(object);
  return liveFields(object).filter((f) => f === nf || fieldType(f.type).searchable);
}

export function isTimelineObject(object: ObjectDef): boolean {
  return TIMELINE_OBJECT_IDS.includes(object.id);
}
