import { useState } from 'react';
import type { PageProps } from '../app/routes.tsx';
import { authApi, type UserSession } from '../api/index.ts';
import { useI18n, type I18n } from '../i18n/i18n.tsx';
import { useAsync } from '../lib/use-async.ts';
import { ConfirmDialog } from '../components/dialog.tsx';
import { ErrorBox, Loading, describeError, useToast } from '../components/feedback.tsx';
import { DataTable } from '../components/data-table.tsx';

/** The signed-in user's own sessions: where they are signed in, each signed out on its own or all but this one. */
export default function SessionsPage(_: PageProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const toast = useToast();
  const sessions = useAsync(() => authApi.sessions(), []);
  const [confirmingOthers, setConfirmingOthers] = useState(false);
  const others = (sessions.data ?? []).filter((s) => !s.current);

  const signOut = async (s: UserSession) => {
    try {
      await authApi.endSession(s.id);
      toast(t('sessions.signedOut'), 'success');
      sessions.reload();
    } catch (err) {
      toast(describeError(err, i18n), 'error');
    }
  };

  const signOutOthers = async () => {
    setConfirmingOthers(false);
    try {
      const { ended } = await authApi.endOtherSessions();
      toast(t('sessions.othersSignedOut', { count: ended }), 'success');
      sessions.reload();
    } catch (err) {
      toast(describeError(err, i18n), 'error');
    }
  };

  return (
    <div className="page">
      <header className="page-header">
        <h1>{t('setup.sessions')}</h1>
        <span className="spacer" />
        <button type="button" className="btn btn-small btn-danger" disabled={others.length === 0} onClick={() => setConfirmingOthers(true)}>
          {t('sessions.signOutOthers')}
        </button>
      </header>
      <p className="muted">{t('sessions.intro')}</p>
      {sessions.error ? <ErrorBox error={sessions.error} onRetry={sessions.reload} /> : null}
      {sessions.loading && !sessions.data ? <Loading /> : null}
      <DataTable label={t('setup.sessions')} columns={[t('sessions.device'), t('sessions.address'), t('sessions.signedIn'), t('sessions.lastActive')]} actions>
        {(sessions.data ?? []).map((s) => (
          <tr key={s.id} data-session={s.current ? 'current' : 'other'}>
            <td title={s.userAgent ?? undefined}>{deviceOf(s, t)}</td>
            <td>{s.address ?? ''}</td>
            <td>{i18n.formatDateTime(s.createdAt)}</td>
            <td>{i18n.formatDateTime(s.lastSeenAt)}</td>
            <td>
              {s.current ? (
                <span className="badge">{t('sessions.current')}</span>
              ) : (
                <button type="button" className="btn btn-small" onClick={() => void signOut(s)} aria-label={t('sessions.signOutNamed', { device: deviceOf(s, t), address: s.address ?? '' })}>
                  {t('sessions.signOut')}
                </button>
              )}
            </td>
          </tr>
        ))}
      </DataTable>
      <ConfirmDialog
        open={confirmingOthers}
        title={t('sessions.signOutOthers')}
        message={t('sessions.signOutOthersConfirm')}
        confirmLabel={t('sessions.signOutOthers')}
        danger
        onCancel={() => setConfirmingOthers(false)}
        onConfirm={() => void signOutOthers()}
      />
    </div>
  );
}

/** "Firefox 133 on Linux", or as much of it as the browser told. */
function deviceOf(s: UserSession, t: I18n['t']): string {
  if (s.browser && s.os) return t('sessions.deviceOn', { browser: s.browser, os: s.os });
  return s.browser ?? s.os ?? t('sessions.unknownDevice');
}
