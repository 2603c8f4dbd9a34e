import { useState } from 'react';
import type { PageProps } from '../app/routes.tsx';
import { metadataApi, type ObjectDef } from '../api/index.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { useSession } from '../app/session.tsx';
import { Link, navigate } from '../lib/router.tsx';
import { liveFields } from '../lib/model.ts';
import { Dialog } from '../components/dialog.tsx';
import { ErrorBox, Loading, useToast } from '../components/feedback.tsx';
import { SchemaForm } from '../forms/schema-form.tsx';
import { compact } from '../forms/kind-schema.ts';
import { useKindSchema } from './use-kind-schema.ts';
import { objectForm } from './object-form.ts';
import { deriveApiName } from './api-name.ts';
import { DataTable } from '../components/data-table.tsx';
import { DeleteObjectDialog } from './delete-object-dialog.tsx';
import { useCanSetup } from '../app/setup-rights.ts';

export default function ObjectsPage(_: PageProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const toast = useToast();
  const { snapshot, refreshSnapshot } = useSession();
  const canSetup = useCanSetup();
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<ObjectDef | null>(null);

  const objects = [...snapshot.objects].sort((a, b) => Number(b.standard) - Number(a.standard) || i18n.objectLabel(a).localeCompare(i18n.objectLabel(b)));
  return (
    <div className="page">
      <header className="page-header">
        <h1>{t('setup.objects')}</h1>
        <span className="spacer" />
        <button type="button" className="btn btn-primary btn-small" onClick={() => setCreating(true)}>
          {t('setup.newObject')}
        </button>
      </header>
      <DataTable label={t('setup.objects')} columns={[t('setup.label'), t('naming.source'), t('setup.apiName'), t('setup.kind'), t('setup.fieldCount')]} actions>
        {objects.map((o) => (
          <tr key={o.id}>
            <td>
              <Link to={`/setup/objects/${o.apiName}`}>{i18n.objectLabel(o, 'plural')}</Link>
            </td>
            <td>
              {o.term && canSetup('terms') ? (
                <Link to={`/setup/terminology?term=${encodeURIComponent(o.term)}`} title={t('naming.editTerm')}>
                  {t('naming.sourceTerm', { term: i18n.objectLabel(o) })}
                </Link>
              ) : o.term ? (
                t('naming.sourceTerm', { term: i18n.objectLabel(o) })
              ) : (
                t('naming.sourceLabels')
              )}
            </td>
            <td>
              <code>{o.apiName}</code>
            </td>
            <td>{o.standard ? t('setup.standard') : t('setup.custom')}</td>
            <td className="num">{liveFields(o).length}</td>
            <td>
              {!o.standard ? (
                <button type="button" className="btn btn-small btn-danger" onClick={() => setDeleting(o)} aria-label={t('setup.deleteObjectNamed', { name: i18n.objectLabel(o) })}>
                  {t('action.delete')}
                </button>
              ) : null}
            </td>
          </tr>
        ))}
      </DataTable>
      {creating ? <CreateObjectDialog onClose={() => setCreating(false)} /> : null}
      {deleting ? <DeleteObjectDialog key={deleting.id} object={deleting} onClose={() => setDeleting(null)} /> : null}
    </div>
  );
}

function CreateObjectDialog({ onClose }: { onClose: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const toast = useToast();
  const { refreshSnapshot } = useSession();
  const kind = useKindSchema('object');
  const form = kind.data ? objectForm(kind.data, i18n) : null;
  return (
    <Dialog open wide title={t('setup.newObject')} onClose={onClose}>
      {kind.error ? <ErrorBox error={kind.error} /> : null}
      {!form ? <Loading /> : (
        <SchemaForm
          schema={form.schema}
          uiSchema={form.uiSchema}
          formData={{}}
          idPrefix="object"
          derive={deriveApiName}
          submitLabel={t('action.create')}
          onCancel={onClose}
          onSubmit={async (data) => {
            const draft = compact(data);
            await metadataApi.createObject(draft);
            await refreshSnapshot();
            toast(t('setup.objectCreated'), 'success');
            onClose();
            navigate(`/setup/objects/${String(draft['apiName'])}`);
          }}
        />
      )}
    </Dialog>
  );
}
