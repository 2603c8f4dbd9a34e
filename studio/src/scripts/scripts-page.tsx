import { useState } from 'react';
import type { PageProps } from '../app/routes.tsx';
import { useSession } from '../app/session.tsx';
import { ApiError } from '../api/index.ts';
import { SCRIPT_KINDS, scriptsApi, type CompileProblem, type Invocation, type RunResult, type Script, type ScriptInput, type ScriptKind } from '../api/scripts.ts';
import { useI18n, type MessageKey } from '../i18n/i18n.tsx';
import { Link, navigate } from '../lib/router.tsx';
import { useAsync } from '../lib/use-async.ts';
import { DataTable } from '../components/data-table.tsx';
import { ErrorBox, Loading, describeError, useToast } from '../components/feedback.tsx';
import { RecordPicker } from '../components/record-picker.tsx';
import { useProfileChoices } from '../setup/profile-choices.ts';
import { ScriptEditor } from './script-editor.tsx';
import { templateFor } from './sdk-completions.ts';
import './scripts.css';

const kindKey = (kind: string) => `scripts.kind.${kind}` as MessageKey;
const EVENTS: Record<string, string[]> = { beforeSave: ['create', 'update'], afterSave: ['created', 'updated', 'deleted', 'restored'] };

/** Setup → Scripts: the tenant's scripts, and the editor of one (`/setup/scripts/new` for a new one). */
export default function ScriptsPage({ params }: PageProps) {
  const ref = params['script'];
  return ref ? <ScriptEditorPage key={ref} scriptRef={ref} /> : <ScriptList />;
}

function ScriptList() {
  const i18n = useI18n();
  const { t } = i18n;
  const { snapshot } = useSession();
  const scripts = useAsync(() => scriptsApi.list(), []);
  const objectName = (apiName: string | undefined) => {
    const object = apiName ? snapshot.objects.find((o) => o.apiName === apiName) : undefined;
    return object ? i18n.objectLabel(object, 'plural') : (apiName ?? '—');
  };
  return (
    <div className="page">
      <header className="page-header">
        <h1>{t('scripts.title')}</h1>
        <Link to="/setup/scripts/new" className="btn btn-primary">
          {t('scripts.new')}
        </Link>
      </header>
      <p className="muted">{t('scripts.intro')}</p>
      {scripts.error ? <ErrorBox error={scripts.error} onRetry={scripts.reload} /> : null}
      {scripts.loading && !scripts.data ? <Loading /> : null}
      {scripts.data && scripts.data.length === 0 ? <p>{t('scripts.none')}</p> : null}
      {scripts.data && scripts.data.length > 0 ? (
        <DataTable label={t('scripts.title')} columns={[t('scripts.label'), t('scripts.kind'), t('scripts.object'), t('scripts.version'), t('scripts.active')]}>
          {scripts.data.map((s) => (
            <tr key={s.id} className={s.active ? undefined : 'inactive'}>
              <td>
                <Link to={`/setup/scripts/${s.apiName}`}>{s.label}</Link> <code className="muted">{s.apiName}</code>
              </td>
              <td>{t(kindKey(s.kind))}</td>
              <td>{s.kind === 'scheduled' ? <code>{s.cron}</code> : objectName(s.object)}</td>
              <td>{s.version}</td>
              <td>{s.active ? t('scripts.yes') : t('scripts.no')}</td>
            </tr>
          ))}
        </DataTable>
      ) : null}
    </div>
  );
}

/** A saved script as the editor's input: without a profile when it has none (a save then gives it the saver's). */
function asInput(script: Script): ScriptInput {
  const { profile, ...rest } = script;
  return profile ? { ...rest, profile } : rest;
}

function emptyScript(): ScriptInput {
  return { apiName: '', label: '', kind: 'action', object: 'customer', language: 'typescript', source: templateFor('action'), active: true };
}

function ScriptEditorPage({ scriptRef }: { scriptRef: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const toast = useToast();
  const { snapshot } = useSession();
  const isNew = scriptRef === 'new';
  const loaded = useAsync(async () => (isNew ? undefined : (await scriptsApi.get(scriptRef)).data), [scriptRef]);
  const [draft, setDraft] = useState<ScriptInput | null>(null);
  const [problems, setProblems] = useState<CompileProblem[]>([]);
  const [fieldErrors, setFieldErrors] = useState<{ field: string; message: string }[]>([]);
  const [saving, setSaving] = useState(false);
  const [tab, setTab] = useState<'test' | 'log'>('test');

  const profiles = useProfileChoices(scriptsApi.profiles);
  const saved: Script | undefined = loaded.data;
  const current: ScriptInput = draft ?? (saved ? asInput(saved) : emptyScript());
  const update = (patch: Partial<ScriptInput>) => setDraft({ ...current, ...patch });

  if (!isNew && loaded.error) return <ErrorBox error={loaded.error} onRetry={loaded.reload} />;
  if (!isNew && !saved) return <Loading />;

  const save = async () => {
    setSaving(true);
    setProblems([]);
    setFieldErrors([]);
    try {
      const { objectId: _o, id: _i, version: _v, hash: _h, createdAt: _c, updatedAt: _u, ...input } = current as ScriptInput & Partial<Script> & { objectId?: string };
      const body: ScriptInput = { ...input, ...(input.kind === 'scheduled' ? { object: undefined, events: undefined } : { cron: undefined, timeZone: undefined }) };
      const result = saved ? await scriptsApi.save(saved.id, body, saved.version) : await scriptsApi.create(body);
      toast(t('scripts.saved', { version: result.version }), 'success');
      setDraft(null);
      if (isNew) navigate(`/setup/scripts/${result.apiName}`);
      else loaded.reload();
    } catch (error) {
      if (error instanceof ApiError && error.problem.errors) {
        const errors = error.problem.errors as (CompileProblem & { field?: string })[];
        setProblems(errors.filter((e) => e.field === 'source' && e.line).map((e) => ({ line: e.line, column: e.column, message: e.message, code: e.code })));
        setFieldErrors(errors.map((e) => ({ field: e.field ?? '', message: e.message })));
      } else toast(describeError(error, i18n), 'error');
    } finally {
      setSaving(false);
    }
  };

  const objects = snapshot.objects;
  return (
    <div className="page script-page">
      <nav className="breadcrumb" aria-label={t('shell.breadcrumb')}>
        <Link to="/setup/scripts">{t('scripts.title')}</Link>
      </nav>
      <header className="page-header">
        <h1>{isNew ? t('scripts.new') : current.label}</h1>
        {saved ? <span className="muted">{t('scripts.versionOf', { version: saved.version })}</span> : null}
        <span className="spacer" />
        <button type="button" className="btn btn-primary" disabled={saving} onClick={() => void save()} data-testid="script-save">
          {t('scripts.save')}
        </button>
      </header>
      <div className="script-settings form-grid">
        <label>
          {t('scripts.label')}
          <input value={current.label} onChange={(e) => update({ label: e.target.value, ...(isNew && !draft?.apiName ? {} : {}) })} />
        </label>
        <label>
          {t('scripts.apiName')}
          <input value={current.apiName} onChange={(e) => update({ apiName: e.target.value })} disabled={!isNew} />
        </label>
        <label>
          {t('scripts.kind')}
          <select
            aria-label={t('scripts.kind')}
            value={current.kind}
            onChange={(e) => {
              const kind = e.target.value as ScriptKind;
              update({ kind, events: EVENTS[kind]?.slice(0, kind === 'beforeSave' ? 2 : 1), ...(isNew ? { source: templateFor(kind) } : {}) });
            }}
          >
            {SCRIPT_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(kindKey(k))}
              </option>
            ))}
          </select>
        </label>
        {current.kind === 'scheduled' ? (
          <>
            <label>
              {t('scripts.cron')}
              <input value={current.cron ?? ''} placeholder="0 8 * * 1-5" onChange={(e) => update({ cron: e.target.value })} />
            </label>
            <label>
              {t('scripts.timeZone')}
              <input value={current.timeZone ?? ''} placeholder={t('scripts.tenantZone')} onChange={(e) => update({ timeZone: e.target.value || undefined })} />
            </label>
          </>
        ) : (
          <label>
            {t('scripts.object')}
            <select value={current.object ?? ''} onChange={(e) => update({ object: e.target.value })} aria-label={t('scripts.object')}>
              {objects.map((o) => (
                <option key={o.id} value={o.apiName}>
                  {i18n.objectLabel(o)}
                </option>
              ))}
            </select>
          </label>
        )}
        {EVENTS[current.kind] ? (
          <fieldset>
            <legend>{t('scripts.events')}</legend>
            {EVENTS[current.kind]!.map((event) => (
              <label key={event} className="inline">
                <input
                  type="checkbox"
                  checked={(current.events ?? []).includes(event)}
                  onChange={(e) => update({ events: e.target.checked ? [...(current.events ?? []), event] : (current.events ?? []).filter((x) => x !== event) })}
                />
                {t(`scripts.event.${event}` as MessageKey)}
              </label>
            ))}
          </fieldset>
        ) : null}
        <label>
          {t('scripts.language')}
          <select value={current.language} onChange={(e) => update({ language: e.target.value as ScriptInput['language'] })} aria-label={t('scripts.language')}>
            <option value="typescript">TypeScript</option>
            <option value="javascript">JavaScript</option>
          </select>
        </label>
        <label>
          {t('scripts.hosts')}
          <input value={(current.allowedHosts ?? []).join(', ')} placeholder="api.example.com" onChange={(e) => update({ allowedHosts: e.target.value.split(/[\s,]+/).filter(Boolean) })} />
        </label>
        <label>
          {t('scripts.profile')}
          <select value={current.profile ?? ''} onChange={(e) => update({ profile: e.target.value })} aria-label={t('scripts.profile')} aria-describedby="script-profile-hint" data-testid="script-profile">
            {current.profile ? null : <option value="">{t('scripts.profileOwn')}</option>}
            {profiles.choices.map((c) => (
              // Profiles the user may not give are shown but not offered; the script's own stays.
              <option key={c.key} value={c.key} disabled={!c.grantable && c.key !== saved?.profile}>
                {c.label}
              </option>
            ))}
            {current.profile && !profiles.choices.some((c) => c.key === current.profile) ? <option value={current.profile}>{profiles.labelOf(current.profile)}</option> : null}
          </select>
          <small id="script-profile-hint" className="muted">
            {t('scripts.profileHint')}
          </small>
        </label>
        <label className="inline">
          <input type="checkbox" checked={current.active ?? true} onChange={(e) => update({ active: e.target.checked })} />
          {t('scripts.active')}
        </label>
      </div>
      {fieldErrors.length ? (
        <ul className="form-errors" role="alert" data-testid="script-errors">
          {fieldErrors.map((e, i) => (
            <li key={i}>
              <code>{e.field}</code> {e.message}
            </li>
          ))}
        </ul>
      ) : null}
      <ScriptEditor value={current.source} onChange={(source) => update({ source })} language={current.language} kind={current.kind} problems={problems} label={t('scripts.source')} />
      {saved ? (
        <section className="panel script-tools">
          <div className="tabs" role="tablist" aria-label={t('scripts.tools')}>
            <button type="button" role="tab" aria-selected={tab === 'test'} className={tab === 'test' ? 'tab active' : 'tab'} onClick={() => setTab('test')}>
              {t('scripts.testRun')}
            </button>
            <button type="button" role="tab" aria-selected={tab === 'log'} className={tab === 'log' ? 'tab active' : 'tab'} onClick={() => setTab('log')}>
              {t('scripts.log')}
            </button>
          </div>
          {tab === 'test' ? <TestPanel script={saved} draft={current} /> : <InvocationLog script={saved} />}
        </section>
      ) : null}
    </div>
  );
}

/** Runs the editor's source (saved or not) against a chosen record; its writes are rolled back. */
function TestPanel({ script, draft }: { script: Script; draft: ScriptInput }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { snapshot } = useSession();
  const object = snapshot.objects.find((o) => o.apiName === (draft.object ?? script.object));
  const [recordId, setRecordId] = useState<string | null>(null);
  const [params, setParams] = useState('{}');
  const [result, setResult] = useState<RunResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  const run = async () => {
    setRunning(true);
    setError(null);
    try {
      const parsed = draft.kind === 'action' ? (JSON.parse(params || '{}') as Record<string, unknown>) : undefined;
      setResult(await scriptsApi.test(script.id, { ...(recordId ? { recordId } : {}), ...(parsed ? { params: parsed } : {}), source: draft.source, language: draft.language }));
    } catch (e) {
      setResult(null);
      setError(e instanceof SyntaxError ? t('scripts.paramsJson') : describeError(e, i18n));
    } finally {
      setRunning(false);
    }
  };
  return (
    <div className="test-panel">
      <p className="muted">{t('scripts.testIntro')}</p>
      {draft.kind !== 'scheduled' ? <RecordPicker object={object} value={recordId} onChange={(id) => setRecordId(id)} label={t('scripts.testRecord')} /> : null}
      {draft.kind === 'action' ? (
        <label>
          {t('scripts.params')}
          <textarea rows={3} value={params} onChange={(e) => setParams(e.target.value)} spellCheck={false} />
        </label>
      ) : null}
      <button type="button" className="btn" disabled={running} onClick={() => void run()} data-testid="script-test-run">
        {t('scripts.run')}
      </button>
      {error ? <p className="error" role="alert">{error}</p> : null}
      {result ? (
        <div className="test-result" data-testid="script-test-result">
          <p>
            <strong>{result.ok ? t('scripts.outcome.ok') : result.error?.limit ? t('scripts.outcome.limit') : t('scripts.outcome.error')}</strong>{' '}
            <span className="muted">{t('scripts.figures', { duration: result.durationMs.toFixed(1), cpu: result.cpuMs.toFixed(1), memory: (result.memoryBytes / 1048576).toFixed(1) })}</span>
          </p>
          {result.ok ? <pre>{JSON.stringify(result.output, null, 2)}</pre> : <pre className="error">{result.error?.stack ?? result.error?.message}</pre>}
          <LogLines logs={result.logs} />
        </div>
      ) : null}
    </div>
  );
}

function LogLines({ logs }: { logs: { at: string; level: string; message: string }[] }) {
  const { t } = useI18n();
  if (!logs.length) return null;
  return (
    <ol className="script-logs" aria-label={t('scripts.logs')}>
      {logs.map((l, i) => (
        <li key={i} className={`log-${l.level}`}>
          <code>{l.at.slice(11, 23)}</code> <strong>{l.level}</strong> {l.message}
        </li>
      ))}
    </ol>
  );
}

/** The script's invocations, newest first: time, cause, outcome, duration, CPU, memory, logs and errors. */
function InvocationLog({ script }: { script: Script }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [outcome, setOutcome] = useState<string>('');
  const rows = useAsync(() => scriptsApi.invocations(script.id, outcome || undefined), [script.id, outcome]);
  const [open, setOpen] = useState<string | null>(null);
  return (
    <div className="invocation-log">
      <div className="toolbar">
        <select value={outcome} onChange={(e) => setOutcome(e.target.value)} aria-label={t('scripts.outcome')}>
          <option value="">{t('scripts.outcome.all')}</option>
          <option value="ok">{t('scripts.outcome.ok')}</option>
          <option value="error">{t('scripts.outcome.error')}</option>
          <option value="limit">{t('scripts.outcome.limit')}</option>
        </select>
        <button type="button" className="btn btn-small" onClick={rows.reload}>
          {t('scripts.refresh')}
        </button>
      </div>
      {rows.error ? <ErrorBox error={rows.error} onRetry={rows.reload} /> : null}
      {rows.data && rows.data.length === 0 ? <p>{t('scripts.noInvocations')}</p> : null}
      {rows.data && rows.data.length > 0 ? (
        <DataTable label={t('scripts.log')} columns={[t('scripts.when'), t('scripts.cause'), t('scripts.outcome'), t('scripts.duration'), t('scripts.cpu'), t('scripts.memory')]}>
          {rows.data.flatMap((row: Invocation) => [
            <tr key={row.id} onClick={() => setOpen(open === row.id ? null : row.id)} className={`outcome-${row.outcome}`}>
              <td>{i18n.formatDateTime(row.startedAt)}</td>
              <td>{t(`scripts.cause.${row.cause}` as MessageKey)}</td>
              <td>
                {t(`scripts.outcome.${row.outcome}` as MessageKey)}
                {row.limit ? ` (${row.limit})` : ''}
              </td>
              <td>{row.durationMs.toFixed(1)} ms</td>
              <td>{row.cpuMs.toFixed(1)} ms</td>
              <td>{(row.memoryBytes / 1048576).toFixed(1)} MB</td>
            </tr>,
            open === row.id ? (
              <tr key={`${row.id}-detail`} className="detail">
                <td colSpan={6}>
                  {row.error ? <pre className="error">{row.error.stack ?? `${row.error.name}: ${row.error.message}`}</pre> : <pre>{JSON.stringify(row.output, null, 2)}</pre>}
                  <LogLines logs={row.logs} />
                </td>
              </tr>
            ) : null,
          ])}
        </DataTable>
      ) : null}
    </div>
  );
}
