import { useId, useState } from 'react';
import { ApiError, invitesApi, type Invite } from '../api/index.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { useAsync } from '../lib/use-async.ts';
import { Dialog } from '../components/dialog.tsx';
import { ErrorBox, Loading, describeError, useToast } from '../components/feedback.tsx';
import { DataTable } from '../components/data-table.tsx';
import type { ProfileChoices } from './profile-choices.ts';

/** Invitation links: the admin picks the role, copies the link (or has it mailed), and sees which are still open. */
export function InvitesPanel({ profiles }: { profiles: ProfileChoices }) {
  const i18n = useI18n();
  const { t } = i18n;
  const toast = useToast();
  const invites = useAsync(() => invitesApi.list(), []);
  const [creating, setCreating] = useState(false);
  const open = (invites.data ?? []).filter((i) => !i.acceptedAt && !i.revokedAt && new Date(i.expiresAt) > new Date());
  const revoke = async (invite: Invite) => {
    try {
      await invitesApi.revoke(invite.id);
      invites.reload();
      toast(t('invites.revoked'), 'success');
    } catch (err) {
      toast(describeError(err, i18n), 'error');
    }
  };
  const { labelOf } = profiles;
  return (
    <section className="panel" aria-labelledby="invites-title" data-testid="invites">
      <header className="related-header">
        <h2 id="invites-title" className="section-title">
          {t('invites.title')}
        </h2>
        <span className="spacer" />
        <button type="button" className="btn btn-small btn-primary" onClick={() => setCreating(true)}>
          {t('invites.create')}
        </button>
      </header>
      {invites.error ? <ErrorBox error={invites.error} onRetry={invites.reload} /> : null}
      {invites.loading && !invites.data ? <Loading /> : null}
      {invites.data && !open.length ? <p className="empty-state">{t('invites.empty')}</p> : null}
      {open.length ? (
        <DataTable label={t('invites.title')} columns={[t('users.role'), t('users.email'), t('invites.expires')]} actions compact>
          {open.map((i) => (
            <tr key={i.id}>
              <td>{labelOf(i.role)}</td>
              <td>{i.email ?? '—'}</td>
              <td>{i18n.formatDateTime(i.expiresAt)}</td>
              <td>
                <button type="button" className="btn btn-small btn-danger" onClick={() => void revoke(i)}>
                  {t('invites.revoke')}
                </button>
              </td>
            </tr>
          ))}
        </DataTable>
      ) : null}
      {creating ? <CreateInviteDialog profiles={profiles} onClose={() => setCreating(false)} onCreated={invites.reload} /> : null}
    </section>
  );
}

function CreateInviteDialog({ profiles, onClose, onCreated }: { profiles: ProfileChoices; onClose: () => void; onCreated: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const id = useId();
  const [role, setRole] = useState<string>('standard');
  // Every profile of the workspace may be given at invite, those the inviter holds less than disabled (the server refuses them).
  const { choices, labelOf } = profiles;
  const chosenLabel = labelOf(role);
  const [email, setEmail] = useState('');
  // Sending by email is offered only when the server has outgoing mail.
  const delivery = useAsync(() => invitesApi.delivery(), []);
  const [send, setSend] = useState(false);
  const [mailLocale, setMailLocale] = useState<'en' | 'zh-CN'>(i18n.locale === 'zh-CN' ? 'zh-CN' : 'en');
  const [link, setLink] = useState<string | null>(null);
  const [sentTo, setSentTo] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [emailError, setEmailError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const sending = send && delivery.data?.email === true;
  const create = async () => {
    setError(null);
    setEmailError(null);
    if (sending && !email.trim()) {
      setEmailError(t('invites.sendNeedsEmail'));
      return;
    }
    setBusy(true);
    try {
      const made = await invitesApi.create(role, email.trim() || undefined, sending ? { locale: mailLocale } : undefined);
      setLink(`${location.origin}${made.path}`);
      setSentTo(made.sentTo ?? null);
      onCreated();
    } catch (err) {
      // A mail problem is said next to the email, in the studio's language; anything else in the box.
      const code = err instanceof ApiError ? err.problem.errors?.find((e) => e.code === 'mail_refused' || e.code === 'mail_failed')?.code : undefined;
      if (code) setEmailError(t(code === 'mail_refused' ? 'invites.mailRefused' : 'invites.mailFailed'));
      else setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog open title={t('invites.create')} onClose={onClose}>
      {error ? <ErrorBox error={error} /> : null}
      {link ? (
        <>
          <p data-testid="invite-result">{sentTo ? t('invites.sent', { email: sentTo, role: chosenLabel }) : t('invites.linkReady', { role: chosenLabel })}</p>
          <code className="secret" data-testid="invite-link">
            {link}
          </code>
          <div className="form-actions">
            <button type="button" className="btn btn-primary" onClick={() => void navigator.clipboard?.writeText(link).catch(() => undefined)}>
              {t('invites.copy')}
            </button>
            <button type="button" className="btn" onClick={onClose}>
              {t('action.close')}
            </button>
          </div>
        </>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void create();
          }}
        >
          <p className="hint">{t('invites.help')}</p>
          <label className="stacked" htmlFor={`${id}-role`}>
            {t('users.role')}
            <select id={`${id}-role`} value={role} onChange={(e) => setRole(e.target.value)}>
              {choices.map((c) => (
                <option key={c.key} value={c.key} disabled={!c.grantable}>
                  {c.label}
                </option>
              ))}
            </select>
          </label>
          <label className="stacked" htmlFor={`${id}-email`}>
            {t('invites.emailOptional')}
            <input
              id={`${id}-email`}
              type="email"
              value={email}
              aria-invalid={emailError ? true : undefined}
              aria-describedby={emailError ? `${id}-email-error` : undefined}
              onChange={(e) => {
                setEmail(e.target.value);
                setEmailError(null);
              }}
            />
          </label>
          {emailError ? (
            <p id={`${id}-email-error`} className="field-error" role="alert">
              {emailError}
            </p>
          ) : null}
          {delivery.data?.email ? (
            <>
              <label className="check">
                <input type="checkbox" checked={send} onChange={(e) => setSend(e.target.checked)} /> {t('invites.sendByEmail')}
              </label>
              {send ? (
                <label className="stacked" htmlFor={`${id}-mail-locale`}>
                  {t('invites.mailLanguage')}
                  <select id={`${id}-mail-locale`} value={mailLocale} onChange={(e) => setMailLocale(e.target.value === 'zh-CN' ? 'zh-CN' : 'en')}>
                    <option value="en">{t('locale.en')}</option>
                    <option value="zh-CN">{t('locale.zh-CN')}</option>
                  </select>
                </label>
              ) : null}
            </>
          ) : null}
          <div className="form-actions">
            <button type="submit" className="btn btn-primary" disabled={busy}>
              {sending ? t('invites.send') : t('invites.makeLink')}
            </button>
            <button type="button" className="btn" onClick={onClose}>
              {t('action.cancel')}
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}
