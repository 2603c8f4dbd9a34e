import { useMemo } from 'react';
import type { PageProps } from '../app/routes.tsx';
import { recordsApi, type ObjectDef } from '../api/index.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { Link, navigate } from '../lib/router.tsx';
import { useAsync } from '../lib/use-async.ts';
import { ErrorBox, Loading, useToast } from '../components/feedback.tsx';
import { RecordForm } from '../forms/record-form.tsx';
import { useObjectParam } from './use-object.ts';
import { useRecordRights } from './record-rights.ts';

/** Full-page create (/o/:object/new) and edit (/o/:object/:id/edit), rendered by rjsf. */
export default function RecordFormPage({ params }: PageProps) {
  const object = useObjectParam(params['object']);
  const { t } = useI18n();
  if (!object)
    return (
      <div className="page">
        <p role="alert">{t('error.objectNotFound')}</p>
      </div>
    );
  return params['id'] ? <EditRecord key={params['id']} object={object} id={params['id']} /> : <CreateRecord object={object} />;
}

function CreateRecord({ object }: { object: ObjectDef }) {
  const i18n = useI18n();
  const toast = useToast();
  const title = i18n.t('record.new', { object: i18n.objectNoun(object) });
  return (
    <div className="page form-page">
      <nav className="breadcrumb" aria-label={i18n.t('shell.breadcrumb')}>
        <Link to={`/o/${object.apiName}`}>{i18n.objectLabel(object, 'plural')}</Link>
      </nav>
      <h1>{title}</h1>
      <RecordForm
        object={object}
        mode="create"
        autoFocus
        onCancel={() => history.back()}
        onSubmit={async (data) => {
          const created = await recordsApi.create(object.apiName, data);
          toast(i18n.t('record.created', { name: i18n.recordName(object, created) }), 'success');
          navigate(`/o/${object.apiName}/${created.id}`, { replace: true });
        }}
      />
    </div>
  );
}

function EditRecord({ object, id }: { object: ObjectDef; id: string }) {
  const i18n = useI18n();
  const toast = useToast();
  const rec = useAsync(() => recordsApi.get(object.apiName, id), [object.apiName, id]);
  const initial = useMemo(() => rec.data, [rec.data]);
  const { rightsOf, known } = useRecordRights(object.apiName, [id]);
  if (rec.error) return <ErrorBox error={rec.error} onRetry={rec.reload} />;
  if (!initial || !known) return <Loading />;
  const name = i18n.recordName(object, initial);
  // Opened by its address without the right to change it: say so rather than offer a form the save would refuse.
  if (!rightsOf(id).edit)
    return (
      <div className="page form-page">
        <p role="alert">{i18n.t('record.readOnly', { object: i18n.objectNoun(object) })}</p>
        <Link to={`/o/${object.apiName}/${id}`}>{name}</Link>
      </div>
    );
  return (
    <div className="page form-page">
      <nav className="breadcrumb" aria-label={i18n.t('shell.breadcrumb')}>
        <Link to={`/o/${object.apiName}`}>{i18n.objectLabel(object, 'plural')}</Link> ›{' '}
        <Link to={`/o/${object.apiName}/${id}`}>{name}</Link>
      </nav>
      <h1>{i18n.t('record.editTitle', { name })}</h1>
      <RecordForm
        object={object}
        mode="update"
        initial={initial}
        autoFocus
        // Changing who owns a record needs what deleting it needs (the server refuses it otherwise).
        lockedFields={rightsOf(id).delete ? [] : ['owner']}
        onCancel={() => navigate(`/o/${object.apiName}/${id}`)}
        staleActions={(mine) => (
          <div className="button-row">
            <button
              type="button"
              className="btn btn-small btn-primary"
              onClick={async () => {
                const latest = await recordsApi.get(object.apiName, id);
                try {
                  await recordsApi.update(object.apiName, id, mine, latest.version);
                  toast(i18n.t('record.saved'), 'success');
                  navigate(`/o/${object.apiName}/${id}`);
                } catch {
                  rec.setData(latest);
                }
              }}
            >
              {i18n.t('record.keepMine')}
            </button>
            <button type="button" className="btn btn-small" onClick={rec.reload}>
              {i18n.t('record.useTheirs')}
            </button>
          </div>
        )}
        onSubmit={async (_data, changes) => {
          if (Object.keys(changes).length) await recordsApi.update(object.apiName, id, changes, initial.version);
          toast(i18n.t('record.saved'), 'success');
          navigate(`/o/${object.apiName}/${id}`);
        }}
      />
    </div>
  );
}
