import type { FieldDef } from '../schemas/field-def.ts';
import type { LayoutDef } from '../schemas/layout-def.ts';
import type { ObjectDef } from '../schemas/object-def.ts';
import type { Snapshot } from '../schemas/snapshot.ts';

/** Finds an object by id, then api name, then alias. */
export function findObject(snapshot: Snapshot, ref: string): ObjectDef | undefined {
  return (
    snapshot.objects.find((o) => o.id === ref) ??
    snapshot.objects.find((o) => o.apiName === ref) ??
    snapshot.objects.find((o) => o.apiNameAliases.includes(ref))
  );
}

/** Finds a live field by id, then api name, then alias; deleted fields only when asked. */
export function findField(object: ObjectDef, ref: string, options: { includeDeleted?: boolean } = {}): FieldDef | undefined {
  const fields = options.includeDeleted ? object.fields : object.fields.filter((f) => f.deletedAt === undefined);
  return (
    fields.find((f) => f.id === ref) ??
    fields.find((f) => f.apiName === ref) ??
    fields.find((f) => f.apiNameAliases.includes(ref))
  );
}

export function liveFields(object: ObjectDef): FieldDef[] {
  return object.fields.filter((f) => f.deletedAt === undefined);
}

export function layoutsOf(snapshot: Snapshot, objectId: string): LayoutDef[] {
  return snapshot.layouts.filter((l) => l.objectId === objectId);
}

export function labelOf(labels: { en: string; 'zh-CN'?: string | undefined }, locale: string): string {
  return locale === 'zh-CN' ? (labels['zh-CN'] ?? labels.en) : labels.en;
}
