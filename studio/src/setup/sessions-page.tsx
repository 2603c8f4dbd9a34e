import { useEffect, useState } from 'react';
import type { PageProps } from '../app/routes.tsx';
import { authApi, type SessionSettings, type UserSession } from '../api/index.ts';
import { useCanSetup } from '../app/setup-rights.ts';
import { useI18n, type I18n } from '../i18n/i18n.tsx';
import { useAsync } from '../lib/use-async.ts';
import { ConfirmDialog } from '../components/dialog.tsx';
import { ErrorBox, Loading, describeError, useToast } from '../components/feedback.tsx';
import { DataTable } from '../components/data-table.tsx';

/** The signed-in user's own sessions: where they are signed in, each signed out on its own or all but this one. */
export default function SessionsPage(_: PageProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const canSetup = useCanSetup();
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
      {canSetup('users') ? <IdleTimeSetting /> : null}
    </div>
  );
}

/** "15 minutes", "1 hour", "12 hours". */
function idleLabel(minutes: number, i18n: I18n): string {
  return minutes % 60 === 0 ? i18n.tc('sessions.hours', minutes / 60, { count: minutes / 60 }) : i18n.tc('sessions.minutes', minutes, { count: minutes });
}

/** The workspace's idle time, for whoever manages users: how long an unused session lives. */
function IdleTimeSetting() {
  const i18n = useI18n();
  const { t } = i18n;
  const toast = useToast();
  const settings = useAsync(() => authApi.sessionSettings(), []);
  const [draft, setDraft] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const current = settings.data;
  useEffect(() => {
    if (current) setDraft(current.idleMinutes);
  }, [current]);

  const save = async (saved: SessionSettings, minutes: number) => {
    setBusy(true);
    setError(null);
    try {
      settings.setData(await authApi.updateSessionSettings(minutes));
      toast(t('sessions.idleSaved'), 'success');
    } catch (err) {
      setError(err);
      setDraft(saved.idleMinutes);
    } finally {
      setBusy(false);
    }
  };

  if (settings.error) return <ErrorBox error={settings.error} onRetry={settings.reload} />;
  if (!current || draft === null) return <Loading />;
  // A server default outside the choices (PROTEAN_SESSION_IDLE_MINUTES=45) is shown as it is.
  const choices = current.choices.includes(current.idleMinutes) ? current.choices : [...current.choices, current.idleMinutes].sort((a, b) => a - b);
  return (
    <section className="panel idle-setting" aria-labelledby="idle-time-title">
      <h2 id="idle-time-title">{t('sessions.idleTitle')}</h2>
      <form
        className="form-grid cols-1"
        onSubmit={(e) => {
          e.preventDefault();
          void save(current, draft);
        }}
      >
        <label>
          {t('sessions.idleTime')}
          <select name="idleMinutes" value={draft} onChange={(e) => setDraft(Number(e.target.value))}>
            {choices.map((m) => (
              <option key={m} value={m}>
                {idleLabel(m, i18n)}
              </option>
            ))}
          </select>
          <span className="hint">
            {t('sessions.idleHelp')}
            {current.chosen ? '' : ` ${t('sessions.idleServerDefault')}`}
          </span>
        </label>
        {error ? <ErrorBox error={error} /> : null}
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy || (current.chosen && draft === current.idleMinutes)}>
            {t('action.save')}
          </button>
        </div>
      </form>
    </section>
  );
}

/** "Firefox 133 on Linux", or as much of it as the browser told. */
function deviceOf(s: UserSession, t: I18n['t']): string {
  if (s.browser && s.os) return t('sessions.deviceOn', { browser: s.browser, os: s.os });
  return s.browser ?? s.os ?? t('sessions.unknownDevice');
}
