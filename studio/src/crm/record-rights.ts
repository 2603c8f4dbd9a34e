import { accessApi, type RecordRights } from '../api/access.ts';
import { useSession } from '../app/session.tsx';
import { useAsync } from '../lib/use-async.ts';

const NONE: RecordRights = { edit: false, delete: false };
const CHUNK = 200;

/**
 * What the user may do with each of some records: the object's rights and the record's own
 * access (owner, hierarchy, shares, defaults) together, so pages offer Edit, Delete, inline edit
 * and bulk actions only where the server would allow them. `rightsOf` says no while the answer
 * is on its way (nothing is offered that might be refused); if it cannot be had, the object's
 * rights decide and the server checks each save as always.
 */
export function useRecordRights(object: string, ids: readonly string[]): { rightsOf: (id: string) => RecordRights; known: boolean } {
  const { can } = useSession();
  const objectRights: RecordRights = { edit: can(object, 'edit'), delete: can(object, 'delete') };
  const needed = (objectRights.edit || objectRights.delete) && ids.length > 0;
  const key = needed ? ids.join(',') : '';
  const answer = useAsync(
    async (signal) => {
      if (!key) return {};
      const all = key.split(',');
      const out: Record<string, RecordRights> = {};
      for (let i = 0; i < all.length; i += CHUNK) Object.assign(out, (await accessApi.recordRights(object, all.slice(i, i + CHUNK), signal)).records);
      return out;
    },
    [object, key],
  );
  const rightsOf = (id: string): RecordRights => {
    if (!needed) return NONE;
    if (answer.error) return objectRights;
    const r = answer.data?.[id];
    return r ? { edit: objectRights.edit && r.edit, delete: objectRights.delete && r.delete } : NONE;
  };
  return { rightsOf, known: !needed || answer.data !== undefined || !!answer.error };
}
