import { useMemo, useState } from 'react';
import type { PageProps } from '../app/routes.tsx';
import { settingsApi, type WorkspaceSettings } from '../api/index.ts';
import { useI18n, LOCALES } from '../i18n/i18n.tsx';
import { useSession } from '../app/session.tsx';
import { useAsync } from '../lib/use-async.ts';
import { ErrorBox, Loading, useToast } from '../components/feedback.tsx';

/**
 * Settings of the whole workspace: the money currency, its language (that of accounts given none),
 * the time zone of today() in formulas, rules, defaults and workflows, and how long the recycle bin
 * keeps records.
 */
export default function WorkspacePage(_: PageProps) {
  const settings = useAsync(() => settingsApi.workspace(), []);
  if (settings.error) return <ErrorBox error={settings.error} onRetry={settings.reload} />;
  if (!settings.data) return <Loading />;
  return <WorkspaceForm initial={settings.data} onSaved={settings.setData} />;
}

function WorkspaceForm({ initial, onSaved }: { initial: WorkspaceSettings; onSaved: (next: WorkspaceSettings) => void }) {
  const { t } = useI18n();
  const toast = useToast();
  const { refreshDisplay } = useSession();
  const [draft, setDraft] = useState(initial);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const currencies = useMemo(() => Intl.supportedValuesOf('currency') as string[], []);
  const zones = useMemo(() => {
    const all = Intl.supportedValuesOf('timeZone') as string[];
    return all.includes(initial.timeZone) ? all : [initial.timeZone, ...all];
  }, [initial.timeZone]);
  const changed = draft.currency !== initial.currency || draft.locale !== initial.locale || draft.timeZone !== initial.timeZone || draft.recycleRetentionDays !== initial.recycleRetentionDays;

  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      const next = await settingsApi.updateWorkspace({ currency: draft.currency, locale: draft.locale, timeZone: draft.timeZone, recycleRetentionDays: draft.recycleRetentionDays });
      onSaved(next);
      setDraft(next);
      await refreshDisplay();
      toast(t('workspace.saved'), 'success');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="page">
      <header className="page-header">
        <h1>{t('setup.workspace')}</h1>
      </header>
      <form
        className="form-grid cols-1 panel"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <Choice label={t('workspace.currency')} hint={t('workspace.currencyHelp')} value={draft.currency} options={currencies} onChange={(currency) => setDraft({ ...draft, currency })} />
        <label>
          {t('workspace.locale')}
          <select value={draft.locale} onChange={(e) => setDraft({ ...draft, locale: e.target.value as WorkspaceSettings['locale'] })}>
            {LOCALES.map((locale) => (
              <option key={locale} value={locale}>
                {t(`locale.${locale}`)}
              </option>
            ))}
          </select>
          <span className="hint">{t('workspace.localeHelp')}</span>
        </label>
        <Choice label={t('workspace.timeZone')} hint={t('workspace.timeZoneHelp')} value={draft.timeZone} options={zones} onChange={(timeZone) => setDraft({ ...draft, timeZone })} />
        <label>
          {t('workspace.retention')}
          <input type="number" min={1} max={3650} required value={draft.recycleRetentionDays} onChange={(e) => setDraft({ ...draft, recycleRetentionDays: Number(e.target.value) })} />
          <span className="hint">{t('workspace.retentionHelp')}</span>
        </label>
        {error ? <ErrorBox error={error} /> : null}
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy || !changed}>
            {t('action.save')}
          </button>
        </div>
      </form>
    </div>
  );
}

/** One setting picked from a list of codes (currencies, time zones), with what it decides beneath. */
function Choice({ label, hint, value, options, onChange }: { label: string; hint: string; value: string; options: readonly string[]; onChange: (value: string) => void }) {
  return (
    <label>
      {label}
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        {options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
      <span className="hint">{hint}</span>
    </label>
  );
}
