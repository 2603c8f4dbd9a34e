import { useState } from 'react';
import type { PageProps } from '../app/routes.tsx';
import { recordsApi, type DeletedRecord } from '../api/index.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { useSession } from '../app/session.tsx';
import { Link } from '../lib/router.tsx';
import { findObject, recordName } from '../lib/model.ts';
import { useAsync } from '../lib/use-async.ts';
import { ErrorBox, Loading, describeError, useToast } from '../components/feedback.tsx';

export default function RecycleBinPage(_: PageProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const toast = useToast();
  const { snapshot } = useSession();
  const [objectFilter, setObjectFilter] = useState('');
  const bin = useAsync(async () => (await recordsApi.recycleBin(objectFilter || undefined, 200)).data, [objectFilter]);

  const restore = async (r: DeletedRecord) => {
    try {
      await recordsApi.restore(r.object, r.id);
      const o = findObject(snapshot, r.object);
      toast(t('recycle.restored', { name: r.display_name ?? (o ? recordName(o, r) : r.id) }), 'success');
      bin.setData((list) => (list ?? []).filter((x) => x.id !== r.id));
    } catch (err) {
      toast(describeError(err, i18n), 'error');
    }
  };

  return (
    <div className="page">
      <header className="page-header">
        <h1>{t('recycle.title')}</h1>
        <span className="spacer" />
        <label className="inline-label">
          {t('recycle.object')}{' '}
          <select value={objectFilter} onChange={(e) => setObjectFilter(e.target.value)}>
            <option value="">{t('recycle.allObjects')}</option>
            {snapshot.objects.map((o) => (
              <option key={o.id} value={o.apiName}>
                {i18n.objectLabel(o, 'plural')}
              </option>
            ))}
          </select>
        </label>
      </header>
      {bin.error ? <ErrorBox error={bin.error} onRetry={bin.reload} /> : null}
      {bin.loading && !bin.data ? <Loading /> : null}
      {bin.data && !bin.data.length ? <p className="empty-state">{t('recycle.empty')}</p> : null}
      {bin.data?.length ? (
        <table className="grid" aria-label={t('recycle.title')}>
          <thead>
            <tr>
              <th scope="col">{t('recycle.name')}</th>
              <th scope="col">{t('recycle.object')}</th>
              <th scope="col">{t('recycle.deletedAt')}</th>
              <th scope="col">
                <span className="sr-only">{t('common.actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {bin.data.map((r) => {
              const o = findObject(snapshot, r.object);
              const name = r.display_name ?? (o ? recordName(o, r) : r.id);
              return (
                <tr key={r.id}>
                  <td>{name}</td>
                  <td>{o ? <Link to={`/o/${o.apiName}`}>{i18n.objectLabel(o)}</Link> : r.object}</td>
                  <td>{r.deleted_at ? i18n.formatDateTime(r.deleted_at) : '—'}</td>
                  <td>
                    <button type="button" className="btn btn-small" onClick={() => void restore(r)} aria-label={t('recycle.restoreName', { name })}>
                      {t('recycle.restore')}
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}
