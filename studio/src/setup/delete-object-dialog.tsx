// Deleting an object asks what becomes of its records: kept stored (they come back when the
// object is restored from Revisions), or deleted for good in the same change as the object.
import { useId, useState } from 'react';
import { metadataApi, recordsApi, type ObjectDef, type Snapshot } from '../api/index.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { useSession } from '../app/session.tsx';
import { useAsync } from '../lib/use-async.ts';
import { Dialog } from '../components/dialog.tsx';
import { ErrorBox, Loading, useToast } from '../components/feedback.tsx';

/** Fields of other objects that look this one up: the metadata planner refuses the deletion while they exist. */
export function lookupsInto(snapshot: Snapshot, object: ObjectDef) {
  return snapshot.objects
    .filter((o) => o.id !== object.id)
    .flatMap((o) => o.fields.filter((f) => !f.deletedAt && f.type === 'lookup' && f.lookup?.objectId === object.id).map((f) => ({ object: o, field: f })));
}

export function DeleteObjectDialog({ object, onClose }: { object: ObjectDef; onClose: () => void }) {
  const i18n = useI18n();
  const { t, tc } = i18n;
  const toast = useToast();
  const id = useId();
  const { snapshot, refreshSnapshot } = useSession();
  const count = useAsync((signal) => recordsApi.list(object.apiName, { limit: 1, count: true, fields: ['id'] }, signal).then((r) => r.total ?? 0), [object.apiName]);
  const [choice, setChoice] = useState<'keep' | 'purge'>('keep');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const blockers = lookupsInto(snapshot, object);
  const name = i18n.objectLabel(object);
  const plural = i18n.objectLabel(object, 'plural');

  const run = async () => {
    setError(null);
    setBusy(true);
    try {
      // On the model the dialog shows (what looks the object up), not one read later.
      await metadataApi.deleteObject(object.apiName, choice === 'purge' ? 'delete' : 'keep', snapshot.revision);
      await refreshSnapshot();
      toast(t('setup.objectDeleted', { name }), 'success');
      onClose();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  const n = count.data ?? 0;
  return (
    <Dialog
      open
      title={t('setup.deleteObject')}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose}>
            {t('action.cancel')}
          </button>
          {/* With lookups still pointing here the server refuses the whole change and says why. */}
          <button type="button" className="btn btn-primary btn-danger" disabled={count.loading || busy} onClick={() => void run()}>
            {t('action.delete')}
          </button>
        </>
      }
    >
      {count.loading ? <Loading /> : null}
      {count.error ? <ErrorBox error={count.error} /> : null}
      {error ? (
        <ErrorBox
          error={error}
          onLoadLatest={async () => {
            await refreshSnapshot();
            setError(null);
          }}
        />
      ) : null}
      {blockers.length ? (
        <div className="notice notice-warning" role="alert">
          <p>{t('deleteObject.blocked', { object: i18n.objectNoun(object) })}</p>
          <ul>
            {blockers.map((b) => (
              <li key={b.field.id}>
                {i18n.objectLabel(b.object)} · {i18n.fieldLabel(b.field)}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {!count.loading && !count.error && n === 0 ? <p>{t('deleteObject.noRecords', { object: i18n.objectNoun(object) })}</p> : null}
      {n > 0 ? (
        <fieldset className="stacked" aria-describedby={`${id}-q`}>
          <legend id={`${id}-q`}>{tc('deleteObject.question', n, { objects: plural })}</legend>
          <label className="check">
            <input type="radio" name={`${id}-records`} checked={choice === 'keep'} onChange={() => setChoice('keep')} /> {t('deleteObject.keep')}
          </label>
          <label className="check">
            <input type="radio" name={`${id}-records`} checked={choice === 'purge'} onChange={() => setChoice('purge')} /> {tc('deleteObject.purge', n)}
          </label>
        </fieldset>
      ) : null}
    </Dialog>
  );
}
