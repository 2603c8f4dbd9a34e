import type { Snapshot } from '@protean/metadata';

/** An object or field API name a change takes away (renamed or deleted). */
export interface GoneName {
  /** `object` or `object.field`, as the problem names it. */
  name: string;
  objectId: string;
  objectApiName: string;
  /** The field's API name; absent when the object's own name goes. */
  field?: string;
}

/** The objects and fields whose API names a change takes away (renames and deletions): what dependency guards look for. */
export function goneNames(current: Snapshot, next: Snapshot): GoneName[] {
  const out: GoneName[] = [];
  const nextObjects = new Map(next.objects.map((o) => [o.id, o]));
  for (const object of current.objects) {
    const after = nextObjects.get(object.id);
    if (!after || after.apiName !== object.apiName) {
      out.push({ name: object.apiName, objectId: object.id, objectApiName: object.apiName });
      continue;
    }
    const fields = new Map(after.fields.filter((f) => !f.deletedAt).map((f) => [f.id, f]));
    for (const field of object.fields) {
      if (field.deletedAt || fields.get(field.id)?.apiName === field.apiName) continue;
      out.push({ name: `${object.apiName}.${field.apiName}`, objectId: object.id, objectApiName: object.apiName, field: field.apiName });
    }
  }
  return out;
}
