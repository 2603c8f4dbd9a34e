import { useState } from 'react';
import type { PageProps } from '../app/routes.tsx';
import { recordsApi, type DeletedRecord, type RecycleBinPage as BinPage } from '../api/index.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { useSession } from '../app/session.tsx';
import { Link } from '../lib/router.tsx';
import { findObject, recordName } from '../lib/model.ts';
import { useAsync } from '../lib/use-async.ts';
import { ErrorBox, Loading, describeError, useToast } from '../components/feedback.tsx';
import { DataTable } from '../components/data-table.tsx';

const PAGE_SIZE = 50;

/** Deleted records, newest deletion first, a page at a time over the server's cursor. */
export default function RecycleBinPage(_: PageProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const toast = useToast();
  const { snapshot } = useSession();
  const [objectFilter, setObjectFilter] = useState('');
  const bin = useAsync<BinPage>(() => recordsApi.recycleBin(objectFilter || undefined, PAGE_SIZE), [objectFilter]);
  const [loadingMore, setLoadingMore] = useState(false);
  const records = bin.data?.data;
  const nextCursor = bin.data?.nextCursor ?? null;

  const loadMore = async () => {
    if (!nextCursor || loadingMore) return;
    setLoadingMore(true);
    try {
      const page = await recordsApi.recycleBin(objectFilter || undefined, PAGE_SIZE, nextCursor);
      // Skip anything already shown, so a page that overlaps the last one adds no duplicate rows.
      bin.setData((prev) => ({ data: [...(prev?.data ?? []), ...page.data.filter((r) => !prev?.data.some((x) => x.id === r.id))], nextCursor: page.nextCursor }));
    } catch (err) {
      toast(describeError(err, i18n), 'error');
    } finally {
      setLoadingMore(false);
    }
  };

  const restore = async (r: DeletedRecord) => {
    try {
      await recordsApi.restore(r.object, r.id);
      const o = findObject(snapshot, r.object);
      toast(t('recycle.restored', { name: r.display_name ?? (o ? recordName(o, r) : r.id) }), 'success');
      bin.setData((prev) => ({ data: (prev?.data ?? []).filter((x) => x.id !== r.id), nextCursor: prev?.nextCursor ?? null }));
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
      {records && !records.length && !nextCursor ? <p className="empty-state">{t('recycle.empty')}</p> : null}
      {records?.length ? (
        <DataTable label={t('recycle.title')} columns={[t('recycle.name'), t('recycle.object'), t('recycle.deletedAt')]} actions>
          {records.map((r) => {
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
        </DataTable>
      ) : null}
      {nextCursor ? (
        <div className="list-footer">
          <button type="button" className="btn btn-small" onClick={() => void loadMore()} disabled={loadingMore}>
            {loadingMore ? t('common.loading') : t('list.loadMore')}
          </button>
        </div>
      ) : null}
    </div>
  );
}
