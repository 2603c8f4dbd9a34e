import { useState } from 'react';
import type { PageProps } from '../app/routes.tsx';
import { recordsApi, settingsApi, type DeletedRecord, type RecycleBinPage as BinPage } from '../api/index.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { useSession } from '../app/session.tsx';
import { Link } from '../lib/router.tsx';
import { findObject } from '../lib/model.ts';
import { useAsync } from '../lib/use-async.ts';
import { ErrorBox, Loading, describeError, useToast } from '../components/feedback.tsx';
import { DataTable } from '../components/data-table.tsx';
import { ConfirmDialog } from '../components/dialog.tsx';
import { useUserName } from '../lib/user-directory.ts';
import { useCanSetup } from '../app/setup-rights.ts';

const PAGE_SIZE = 50;

/** Deleted records, newest deletion first, a page at a time over the server's cursor. */
export default function RecycleBinPage(_: PageProps) {
  const i18n = useI18n();
  const { t, tc } = i18n;
  const toast = useToast();
  const { snapshot, can, access } = useSession();
  const canSetup = useCanSetup();
  // Purging deletes for good whoever deleted the records: modify all on each object it reaches,
  // for the whole bin also the objects this user cannot see (ADR 0012).
  const mayPurge = (object: string | undefined) => (object ? can(object, 'modifyAll') : (access?.recycleBin.emptyAll ?? true));
  const [objectFilter, setObjectFilter] = useState('');
  const settings = useAsync(() => settingsApi.workspace(), []);
  const [purging, setPurging] = useState<DeletedRecord[] | 'all' | null>(null);
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
      toast(t('recycle.restored', { name: o ? i18n.recordName(o, r) : (r.display_name ?? r.id) }), 'success');
      bin.setData((prev) => ({ data: (prev?.data ?? []).filter((x) => x.id !== r.id), nextCursor: prev?.nextCursor ?? null }));
    } catch (err) {
      toast(describeError(err, i18n), 'error');
    }
  };

  const purge = async (target: DeletedRecord[] | 'all') => {
    setPurging(null);
    try {
      const r = await recordsApi.purge(target === 'all' ? { all: true } : { ids: target.map((x) => x.id) }, objectFilter || (target !== 'all' && target.length === 1 ? target[0]!.object : undefined));
      toast(tc('recycle.purged', r.purged), 'success');
      bin.reload();
    } catch (err) {
      toast(describeError(err, i18n), 'error');
    }
  };

  const setRetention = async (days: number) => {
    try {
      settings.setData(await settingsApi.updateWorkspace({ recycleRetentionDays: days }));
      toast(t('recycle.retentionSaved', { days }), 'success');
    } catch (err) {
      toast(describeError(err, i18n), 'error');
    }
  };

  const days = settings.data?.recycleRetentionDays;
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
        {mayPurge(objectFilter || undefined) && records?.length ? (
          <button type="button" className="btn btn-small btn-danger" onClick={() => setPurging('all')}>
            {t('recycle.emptyBin')}
          </button>
        ) : null}
      </header>
      <p className="hint">
        {days !== undefined ? <span data-testid="retention">{t('recycle.retention', { days })}</span> : null}{' '}
        {canSetup('model') && days !== undefined ? (
          <label className="inline-label">
            {t('recycle.keepFor')}{' '}
            <select value={days} onChange={(e) => void setRetention(Number(e.target.value))}>
              {[...new Set([7, 14, 30, 60, 90, 180, 365, days])].sort((a, b) => a - b).map((d) => (
                <option key={d} value={d}>
                  {tc('recycle.days', d)}
                </option>
              ))}
            </select>
          </label>
        ) : null}
      </p>
      {bin.error ? <ErrorBox error={bin.error} onRetry={bin.reload} /> : null}
      {bin.loading && !bin.data ? <Loading /> : null}
      {records && !records.length && !nextCursor ? (
        <div className="empty-state">
          <p>{t('recycle.empty')}</p>
          <p>{t('recycle.emptyHelp')}</p>
        </div>
      ) : null}
      {records?.length ? (
        <DataTable label={t('recycle.title')} columns={[t('recycle.name'), t('recycle.object'), t('recycle.deletedBy'), t('recycle.deletedAt')]} actions>
          {records.map((r) => {
            const o = findObject(snapshot, r.object);
            const name = o ? i18n.recordName(o, r) : (r.display_name ?? r.id);
            return (
              <tr key={r.id}>
                <td>{name}</td>
                <td>{o ? <Link to={`/o/${o.apiName}`}>{i18n.objectLabel(o)}</Link> : r.object}</td>
                <td>
                  <UserName id={r.deleted_by} />
                </td>
                <td>{r.deleted_at ? i18n.formatDateTime(r.deleted_at) : '—'}</td>
                <td className="nowrap">
                  <button type="button" className="btn btn-small" onClick={() => void restore(r)} aria-label={t('recycle.restoreName', { name })}>
                    {t('recycle.restore')}
                  </button>{' '}
                  {mayPurge(r.object) ? (
                    <button type="button" className="btn btn-small btn-danger" onClick={() => setPurging([r])} aria-label={t('recycle.purgeName', { name })}>
                      {t('recycle.purge')}
                    </button>
                  ) : null}
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
      <ConfirmDialog
        open={purging !== null}
        title={purging === 'all' ? t('recycle.emptyBin') : t('recycle.purge')}
        message={purging === 'all' ? t('recycle.emptyConfirm') : t('recycle.purgeConfirm', { name: purging?.[0]?.display_name ?? purging?.[0]?.id ?? '' })}
        confirmLabel={purging === 'all' ? t('recycle.emptyBin') : t('recycle.purge')}
        danger
        onCancel={() => setPurging(null)}
        onConfirm={() => purging && void purge(purging)}
      />
    </div>
  );
}

function UserName({ id }: { id: string | null | undefined }) {
  const name = useUserName(id);
  return <>{id ? (name ?? '…') : '—'}</>;
}
