import { useEffect, useState } from 'react';
import { recordsApi } from '../api/index.ts';
import type { ObjectDef } from '../api/types.ts';
import { useSession } from '../app/session.tsx';
import { Link } from '../lib/router.tsx';
import { findObject, recordName } from '../lib/model.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { TextInput } from './text.tsx';
import type { FieldWidget } from './widget.ts';

/** A related record: a link named by the expanded record, or by fetching it when the list did not expand it. */
export const lookupWidget: FieldWidget = {
  Input: TextInput,
  Value: function LookupValue({ field, value }) {
    const { snapshot } = useSession();
    const target = field.lookup ? findObject(snapshot, field.lookup.objectId) : undefined;
    const id = typeof value === 'object' ? String((value as { id?: unknown }).id ?? '') : String(value);
    const name = typeof value === 'object' && target ? recordName(target, value as Record<string, unknown>) : null;
    return target ? <LookupLink object={target} id={id} name={name} /> : <span>{id}</span>;
  },
};

// An expanded record without a name (or a value that is its id alone) is fetched to know which it is.
function LookupLink({ object, id, name }: { object: ObjectDef; id: string; name: string | null }) {
  return <Link to={`/o/${object.apiName}/${id}`}>{name && name !== id ? name : <LookupName object={object} id={id} />}</Link>;
}

const nameCache = new Map<string, Promise<string>>();

/** Resolves a lookup id to the record's name when the list did not expand it. */
function LookupName({ object, id }: { object: ObjectDef; id: string }) {
  const i18n = useI18n();
  // '' once fetched: the record has no name, said as "Untitled …" in the reader's language.
  const [name, setName] = useState<string>('…');
  useEffect(() => {
    const key = `${object.id}:${id}`;
    let p = nameCache.get(key);
    if (!p) {
      p = recordsApi.get(object.apiName, id).then((r) => recordName(object, r), () => id);
      nameCache.set(key, p);
    }
    let live = true;
    void p.then((n) => live && setName(n));
    return () => {
      live = false;
    };
  }, [object, id]);
  return <>{name === '' ? i18n.recordName(object, {}) : name}</>;
}
