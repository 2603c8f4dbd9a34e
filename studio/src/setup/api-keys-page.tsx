import { useState } from 'react';
import type { PageProps } from '../app/routes.tsx';
import { apiKeysApi, type ApiKey, type CreatedApiKey } from '../api/index.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { useAsync } from '../lib/use-async.ts';
import { ConfirmDialog, Dialog } from '../components/dialog.tsx';
import { ErrorBox, Loading, describeError, useToast } from '../components/feedback.tsx';
import { DataTable } from '../components/data-table.tsx';

export default function ApiKeysPage(_: PageProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const toast = useToast();
  const keys = useAsync(() => apiKeysApi.list(), []);
  const [name, setName] = useState('');
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const [error, setError] = useState<unknown>(null);

  const create = async () => {
    setError(null);
    try {
      const k = await apiKeysApi.create(name.trim());
      setCreated(k);
      setName('');
      keys.reload();
    } catch (err) {
      setError(err);
    }
  };

  const revoke = async (k: ApiKey) => {
    setRevoking(null);
    try {
      await apiKeysApi.revoke(k.id);
      toast(t('keys.revoked', { name: k.name }), 'success');
      keys.reload();
    } catch (err) {
      toast(describeError(err, i18n), 'error');
    }
  };

  return (
    <div className="page">
      <h1>{t('setup.apiKeys')}</h1>
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          if (name.trim()) void create();
        }}
      >
        <label className="inline-label">
          {t('keys.name')} <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={120} />
        </label>
        <button type="submit" className="btn btn-primary btn-small">
          {t('keys.create')}
        </button>
      </form>
      {error ? <ErrorBox error={error} /> : null}
      {keys.error ? <ErrorBox error={keys.error} onRetry={keys.reload} /> : null}
      {keys.loading && !keys.data ? <Loading /> : null}
      <DataTable label={t('setup.apiKeys')} columns={[t('keys.name'), t('keys.hint'), t('keys.createdAt'), t('keys.lastUsed')]} actions>
        {(keys.data ?? []).map((k) => (
          <tr key={k.id} className={k.revokedAt ? 'inactive' : undefined}>
            <td>{k.name}</td>
            <td>
              <code>{k.hint ? `…${k.hint}` : ''}</code>
            </td>
            <td>{k.createdAt ? i18n.formatDateTime(k.createdAt) : ''}</td>
            <td>{k.lastUsedAt ? i18n.formatDateTime(k.lastUsedAt) : t('keys.never')}</td>
            <td>
              {k.revokedAt ? (
                <span className="badge">{t('keys.revokedBadge')}</span>
              ) : (
                <button type="button" className="btn btn-small btn-danger" onClick={() => setRevoking(k)} aria-label={t('keys.revokeNamed', { name: k.name })}>
                  {t('keys.revoke')}
                </button>
              )}
            </td>
          </tr>
        ))}
      </DataTable>
      {created ? (
        <Dialog open title={t('keys.createdTitle')} onClose={() => setCreated(null)}>
          <p>{t('keys.shownOnce')}</p>
          <p>
            <code className="secret" data-testid="new-api-key">
              {created.key}
            </code>
          </p>
          <button
            type="button"
            className="btn btn-small"
            onClick={() => void navigator.clipboard?.writeText(created.key).then(() => toast(t('keys.copied'), 'success'), () => {})}
          >
            {t('action.copy')}
          </button>
        </Dialog>
      ) : null}
      <ConfirmDialog
        open={!!revoking}
        title={t('keys.revoke')}
        message={revoking ? t('keys.revokeConfirm', { name: revoking.name }) : ''}
        confirmLabel={t('keys.revoke')}
        danger
        onCancel={() => setRevoking(null)}
        onConfirm={() => revoking && void revoke(revoking)}
      />
    </div>
  );
}
