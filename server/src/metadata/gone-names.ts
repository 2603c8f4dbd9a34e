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

/**
 * The objects a change takes a name away from: a name the object, one of its fields or one of
 * their picklist values answers to now (its API name or a kept alias) that it no longer answers to.
 */
export function objectsLosingNames(current: Snapshot, next: Snapshot): Set<string> {
  const names = (snapshot: Snapshot) => {
    const out = new Set<string>();
    for (const object of snapshot.objects) {
      for (const name of [object.apiName, ...object.apiNameAliases]) out.add(`${object.id} ${name}`);
      for (const field of object.fields) {
        if (field.deletedAt) continue;
        for (const name of [field.apiName, ...field.apiNameAliases]) out.add(`${object.id} ${field.id} ${name}`);
        for (const value of field.values ?? []) out.add(`${object.id} ${field.id} value ${value.apiName}`);
      }
    }
    return out;
  };
  const after = names(next);
  const losing = new Set<string>();
  for (const name of names(current)) if (!after.has(name)) losing.add(name.slice(0, name.indexOf(' ')));
  return losing;
}
