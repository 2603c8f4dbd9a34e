import { useState, type FormEvent } from 'react';
import { ApiError, authApi } from '../api/index.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { useSessionControl, type SignedOutReason } from './session.tsx';
import { describeError } from '../components/feedback.tsx';
import { LanguageSwitch } from './language-switch.tsx';

const TENANT_KEY = 'protean.tenant';

/** `reason`: why a signed-in studio came here by itself, said above the form. */
export function LoginPage({ error: startupError, reason }: { error?: unknown; reason?: SignedOutReason | undefined }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { signedIn } = useSessionControl();
  const [tenant, setTenant] = useState(() => localStorage.getItem(TENANT_KEY) ?? '');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(startupError ? describeError(startupError, i18n) : null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const me = await authApi.login(tenant.trim(), email.trim(), password);
      localStorage.setItem(TENANT_KEY, tenant.trim());
      // The login answer may omit fields /auth/me has (locale), so read the session back.
      await signedIn(await authApi.me().catch(() => me));
    } catch (err) {
      setError(err instanceof ApiError && (err.status === 401 || err.status === 400) ? t('login.failed') : describeError(err, i18n));
      setBusy(false);
    }
  };

  return (
    <main className="login">
      <form className="login-card" onSubmit={submit} aria-labelledby="login-title">
        <div className="login-brand" aria-hidden="true">
          Protean
        </div>
        <h1 id="login-title">{t('login.title')}</h1>
        {reason ? (
          <p className="notice notice-warning" role="status">
            {t(reason === 'idle' ? 'login.sessionIdle' : 'login.sessionEnded')}
          </p>
        ) : null}
        <label>
          {t('login.tenant')}
          <input name="tenant" value={tenant} onChange={(e) => setTenant(e.target.value)} required autoComplete="organization" autoFocus={!tenant} />
        </label>
        <label>
          {t('login.email')}
          <input name="email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} required autoComplete="username" autoFocus={!!tenant} />
        </label>
        <label>
          {t('login.password')}
          <input name="password" type="password" value={password} onChange={(e) => setPassword(e.target.value)} required autoComplete="current-password" />
        </label>
        {error ? (
          <p className="form-error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
          {busy ? t('login.signingIn') : t('login.submit')}
        </button>
        <LanguageSwitch />
      </form>
    </main>
  );
}
