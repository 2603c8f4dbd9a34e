import { useState } from 'react';
import { recordsApi } from '../api/index.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { useSession } from '../app/session.tsx';
import { navigate } from '../lib/router.tsx';
import { findObject, navObjects } from '../lib/model.ts';
import { Dialog } from '../components/dialog.tsx';
import { useToast } from '../components/feedback.tsx';
import { RecordForm } from '../forms/record-form.tsx';
import type { QuickCreateOptions } from '../app/shell-actions.ts';

/**
 * Create a record of any object from anywhere: the shell's "New" button, the command palette, and
 * a record's related lists (which start the new record linked to theirs and stay on their page).
 */
export default function QuickCreateDialog({ initialObject, initial, onCreated, onClose }: { initialObject?: string; onClose: () => void } & QuickCreateOptions) {
  const i18n = useI18n();
  const { t } = i18n;
  const toast = useToast();
  const { snapshot, can } = useSession();
  // Only objects the user may create records of.
  const objects = navObjects(snapshot).filter((o) => can(o.apiName, 'create'));
  const [objectRef, setObjectRef] = useState(initialObject ?? objects[0]?.apiName ?? '');
  const object = findObject(snapshot, objectRef);
  return (
    <Dialog open wide title={object ? t('record.new', { object: i18n.objectNoun(object) }) : t('shell.quickCreate')} onClose={onClose}>
      {!initialObject ? (
        <label className="inline-label quick-create-object">
          {t('quickCreate.object')}{' '}
          <select value={objectRef} onChange={(e) => setObjectRef(e.target.value)}>
            {objects.map((o) => (
              <option key={o.id} value={o.apiName}>
                {i18n.objectLabel(o)}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      {object ? (
        <RecordForm
          key={object.id}
          object={object}
          mode="create"
          initial={initial}
          autoFocus
          idPrefix="qc"
          onCancel={onClose}
          onSubmit={async (data) => {
            const created = await recordsApi.create(object.apiName, data);
            toast(t('record.created', { name: i18n.recordName(object, created) }), 'success');
            onClose();
            if (onCreated) onCreated(created);
            else navigate(`/o/${object.apiName}/${created.id}`);
          }}
        />
      ) : null}
    </Dialog>
  );
}
