import { useState, type FormEvent } from 'react';
import { authApi, invitesApi, type InviteInfo } from '../api/index.ts';
import { GlossaryProvider, useI18n } from '../i18n/i18n.tsx';
import { useAsync, type AsyncState } from '../lib/use-async.ts';
import { navigate } from '../lib/router.tsx';
import { describeError } from '../components/feedback.tsx';
import { useSessionControl } from './session.tsx';
import { builtInName } from '../setup/profile-choices.ts';
import { LanguageSwitch } from './language-switch.tsx';

/**
 * Opened from an invitation link, signed out: name yourself, choose a password, and you are in.
 * The page speaks the workspace's terms, which come with the invitation (a clinic's link says
 * "Standard staff member"), as every page does once signed in.
 */
export function AcceptInvitePage({ token }: { token: string }) {
  const info = useAsync(() => invitesApi.info(token), [token]);
  return (
    <GlossaryProvider terms={info.data?.terms}>
      <JoinForm token={token} info={info} />
    </GlossaryProvider>
  );
}

function JoinForm({ token, info }: { token: string; info: AsyncState<InviteInfo> }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { signedIn } = useSessionControl();
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const role = info.data?.role;
  // The built-in profiles in the reader's language and the workspace's words; the workspace's own as it named them.
  const roleLabel = (role && builtInName(role, t)) ?? i18n.resolve(info.data?.roleName ?? role ?? '');

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!info.data) return;
    setBusy(true);
    setError(null);
    try {
      const joinAs = email.trim() || info.data.email || '';
      const done = await invitesApi.accept({ token, name: name.trim(), email: joinAs, password, locale: i18n.locale });
      localStorage.setItem('protean.tenant', done.workspace);
      const me = await authApi.login(done.workspace, done.email, password);
      navigate('/', { replace: true });
      await signedIn(await authApi.me().catch(() => me));
    } catch (err) {
      setError(describeError(err, i18n));
      setBusy(false);
    }
  };

  return (
    <main className="login">
      <form className="login-card" onSubmit={submit} aria-labelledby="invite-title">
        <div className="login-brand" aria-hidden="true">
          Protean
        </div>
        <h1 id="invite-title">{t('invites.acceptTitle')}</h1>
        {info.error ? (
          <p className="form-error" role="alert">
            {describeError(info.error, i18n)}
          </p>
        ) : null}
        {info.data ? (
          <>
            <p>{t('invites.acceptIntro', { workspace: info.data.workspace.name, role: roleLabel })}</p>
            <label>
              {t('users.name')}
              <input name="name" value={name} onChange={(e) => setName(e.target.value)} required autoComplete="name" autoFocus />
            </label>
            <label>
              {t('login.email')}
              <input name="email" type="email" value={email || info.data.email || ''} readOnly={!!info.data.email} onChange={(e) => setEmail(e.target.value)} required autoComplete="username" />
            </label>
            <label>
              {t('login.password')}
              <input name="password" type="password" value={password} onChange={(e) => setPassword(e.target.value)} required minLength={10} autoComplete="new-password" />
            </label>
            <p className="hint">{t('users.passwordRule')}</p>
            {error ? (
              <p className="form-error" role="alert">
                {error}
              </p>
            ) : null}
            <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
              {t('invites.join')}
            </button>
          </>
        ) : null}
        <LanguageSwitch />
      </form>
    </main>
  );
}
