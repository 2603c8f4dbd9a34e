import { useId, useRef, useState, type FormEvent } from 'react';
import type { PageProps } from './routes.tsx';
import { ApiError, authApi, usersApi } from '../api/index.ts';
import { isUiLocale, useI18n, type I18n, type UiLocale } from '../i18n/i18n.tsx';
import { LanguageOptions } from './language-switch.tsx';
import { Link } from '../lib/router.tsx';
import { ErrorBox, describeError, useToast } from '../components/feedback.tsx';
import { useSession } from './session.tsx';

type PasswordField = 'currentPassword' | 'password' | 'confirm';

/**
 * The signed-in user's own account, open to everyone: who they are (changed by a user manager),
 * their password, their language, and where they are signed in.
 */
export default function AccountPage(_: PageProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const { me } = useSession();
  const toast = useToast();
  const id = useId();

  // The answer is said in the language just chosen, which this render's i18n does not speak yet.
  const current = useRef(i18n);
  current.current = i18n;
  const changeLanguage = async (locale: UiLocale) => {
    i18n.setLocale(locale);
    try {
      await authApi.updateMe({ locale });
      toast(current.current.t('account.languageSaved'), 'success');
    } catch (err) {
      toast(describeError(err, current.current), 'error');
    }
  };

  return (
    <div className="page account-page">
      <header className="page-header">
        <h1>{t('account.title')}</h1>
      </header>
      <section className="panel" aria-labelledby={`${id}-profile`}>
        <h2 className="section-title" id={`${id}-profile`}>{t('account.profile')}</h2>
        <dl className="field-list cols-1">
          <div className="field-row">
            <dt>{t('account.name')}</dt>
            <dd data-testid="account-name">{me.user.name}</dd>
          </div>
          <div className="field-row">
            <dt>{t('account.email')}</dt>
            <dd data-testid="account-email">{me.user.email}</dd>
          </div>
          <div className="field-row">
            <dt>{t('account.workspace')}</dt>
            <dd>{me.tenant.name}</dd>
          </div>
        </dl>
        <p className="hint">{t('account.profileHint')}</p>
      </section>
      <PasswordForm userId={me.user.id} />
      <section className="panel" aria-labelledby={`${id}-language`}>
        <h2 className="section-title" id={`${id}-language`}>{t('account.language')}</h2>
        <div className="form-grid cols-1">
        <label>
          {t('account.language')}
          <select
            value={i18n.locale}
            aria-describedby={`${id}-language-hint`}
            onChange={(e) => {
              if (isUiLocale(e.target.value)) void changeLanguage(e.target.value);
            }}
          >
            <LanguageOptions />
          </select>
        </label>
        </div>
        <p className="hint" id={`${id}-language-hint`}>
          {t('account.languageHint')}
        </p>
      </section>
      <section className="panel" aria-labelledby={`${id}-sessions`}>
        <h2 className="section-title" id={`${id}-sessions`}>{t('setup.sessions')}</h2>
        <p>
          {t('account.sessionsIntro')} <Link to="/setup/sessions">{t('account.sessionsLink')}</Link>
        </p>
      </section>
    </div>
  );
}

/** Current, new and confirmed password; a refusal shows on the field the server names, which takes the focus. */
function PasswordForm({ userId }: { userId: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const toast = useToast();
  const id = useId();
  const [values, setValues] = useState<Record<PasswordField, string>>({ currentPassword: '', password: '', confirm: '' });
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<PasswordField, string>>>({});
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const inputs = useRef<Partial<Record<PasswordField, HTMLInputElement | null>>>({});

  const refuse = (errors: Partial<Record<PasswordField, string>>) => {
    setFieldErrors(errors);
    const first = (['currentPassword', 'password', 'confirm'] as const).find((f) => errors[f]);
    if (first) inputs.current[first]?.focus();
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    if (values.password !== values.confirm) {
      refuse({ confirm: t('account.confirmMismatch') });
      return;
    }
    setSaving(true);
    try {
      await usersApi.setPassword(userId, values.password, values.currentPassword);
      setValues({ currentPassword: '', password: '', confirm: '' });
      setFieldErrors({});
      toast(t('account.passwordChanged'), 'success');
    } catch (err) {
      const named = err instanceof ApiError ? fieldProblems(err, t) : {};
      if (Object.keys(named).length) {
        refuse(named);
      } else {
        setFieldErrors({});
        setError(err);
      }
    } finally {
      setSaving(false);
    }
  };

  const input = (field: PasswordField, label: string, autoComplete: string, hint?: string) => {
    const problem = fieldErrors[field];
    const described = [hint ? `${id}-${field}-hint` : '', problem ? `${id}-${field}-error` : ''].filter(Boolean).join(' ') || undefined;
    return (
      <label>
        {label}
        <input
          ref={(el) => {
            inputs.current[field] = el;
          }}
          name={field}
          type="password"
          value={values[field]}
          onChange={(e) => {
            const value = e.target.value;
            setValues((v) => ({ ...v, [field]: value }));
            if (problem) setFieldErrors((f) => ({ ...f, [field]: undefined }));
          }}
          required
          minLength={field === 'currentPassword' ? undefined : 10}
          autoComplete={autoComplete}
          aria-invalid={problem ? true : undefined}
          aria-describedby={described}
        />
        {hint ? (
          <span className="hint" id={`${id}-${field}-hint`}>
            {hint}
          </span>
        ) : null}
        {problem ? (
          <span className="field-error" id={`${id}-${field}-error`} role="alert">
            {problem}
          </span>
        ) : null}
      </label>
    );
  };

  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h2 className="section-title" id={`${id}-title`}>{t('account.changePassword')}</h2>
      <form className="form-grid cols-1 account-password" onSubmit={(e) => void submit(e)} aria-labelledby={`${id}-title`}>
        {input('currentPassword', t('users.currentPassword'), 'current-password')}
        {input('password', t('users.newPassword'), 'new-password', t('users.passwordRule'))}
        {input('confirm', t('account.confirmPassword'), 'new-password')}
        {error ? <ErrorBox error={error} /> : null}
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={saving}>
            {t('account.changePassword')}
          </button>
        </div>
      </form>
    </section>
  );
}

/**
 * The server's refusal per field of this form, in the words it gave them (the reader's language,
 * as the request asked): a field message is a phrase ("is not your current password") said of
 * the password typed in that field.
 */
function fieldProblems(error: ApiError, t: I18n['t']): Partial<Record<PasswordField, string>> {
  const named: Partial<Record<PasswordField, string>> = {};
  for (const e of error.problem.errors ?? []) {
    const field = String(e.field ?? e.path ?? '').replace(/^\/|^body\./, '');
    if ((field === 'password' || field === 'currentPassword') && !named[field]) named[field] = t('account.fieldProblem', { problem: String(e.message ?? '') });
  }
  return named;
}
