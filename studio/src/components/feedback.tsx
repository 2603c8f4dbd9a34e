import { createContext, useCallback, useContext, useRef, useState, type ReactNode } from 'react';
import { ApiError } from '../api/index.ts';
import { useI18n, type I18n, type MessageKey } from '../i18n/i18n.tsx';

export interface ToastItem {
  id: number;
  text: string;
  tone: 'info' | 'success' | 'error';
}

const ToastContext = createContext<(text: string, tone?: ToastItem['tone']) => void>(() => {});

export function ToastProvider({ children }: { children: ReactNode }) {
  const [items, setItems] = useState<ToastItem[]>([]);
  const next = useRef(1);
  const push = useCallback((text: string, tone: ToastItem['tone'] = 'info') => {
    const id = next.current++;
    setItems((list) => [...list.slice(-3), { id, text, tone }]);
    setTimeout(() => setItems((list) => list.filter((i) => i.id !== id)), tone === 'error' ? 8000 : 4000);
  }, []);
  return (
    <ToastContext.Provider value={push}>
      {children}
      <div className="toasts" role="status" aria-live="polite">
        {items.map((i) => (
          <div key={i.id} className={`toast toast-${i.tone}`}>
            {i.text}
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}

export function useToast() {
  return useContext(ToastContext);
}

const kindMessages: Record<string, MessageKey> = {
  validation: 'error.validation',
  'not-found': 'error.notFound',
  conflict: 'error.conflict',
  'precondition-failed': 'error.stale',
  forbidden: 'error.forbidden',
  unauthorized: 'error.unauthorized',
  'payload-too-large': 'error.tooLarge',
  'limit-exceeded': 'error.limit',
  network: 'error.network',
};

/**
 * A one-line, localised description of a failure; the server's detail is kept when it adds
 * information. The server writes it in the language the request asked for (the studio's), so it
 * is the reason in every language, not only in English.
 */
export function describeError(error: unknown, i18n: I18n): string {
  if (error instanceof ApiError) {
    const key = kindMessages[error.kind];
    const title = key ? i18n.t(key) : i18n.t('error.generic');
    const detail = error.problem.detail;
    if (!detail || detail === error.problem.title) return title;
    // Chinese sentences follow one another without a space.
    return /[。！？]$/.test(title) ? `${title}${detail}` : `${title} ${detail}`;
  }
  return i18n.t('error.generic');
}

/** A dependent as the server names it: its API path is an identifier (code), its kind a word. */
function Dependent({ value, i18n }: { value: unknown; i18n: ReturnType<typeof useI18n> }) {
  if (!value || typeof value !== 'object') return <code>{String(value)}</code>;
  const o = value as { label?: unknown; kind?: unknown; id?: unknown };
  const kind = typeof o.kind === 'string' && ['object', 'field', 'layout'].includes(o.kind) ? i18n.t(`diff.${o.kind}` as 'diff.field') : null;
  return (
    <>
      <code>{String(o.label ?? o.id ?? '')}</code>
      {kind ? ` (${kind})` : null}
    </>
  );
}

/** Server messages quote identifiers ('customer.site'); show those as code, not as words. */
function MessageText({ text }: { text: string }) {
  const parts = text.split(/'([^']+)'/);
  return <>{parts.map((part, i) => (i % 2 === 1 ? <code key={i}>{part}</code> : part))}</>;
}

/**
 * Whether asking again could give another answer: a lost connection, an overloaded or failing
 * server. A record that is not there, a refusal or invalid input answer the same every time.
 */
export function mayRetry(error: unknown): boolean {
  if (!(error instanceof ApiError)) return true;
  return error.kind === 'network' || error.status >= 500 || error.status === 408 || error.status === 429;
}

/**
 * A failure as the user reads it. With `onLoadLatest`, a change refused because someone changed the
 * model since the editor read it (412) offers to open the editor again on the latest model, saying
 * first that what was typed in it is not kept.
 */
export function ErrorBox({ error, onRetry, onLoadLatest }: { error: unknown; onRetry?: () => void; onLoadLatest?: () => Promise<void> }) {
  const i18n = useI18n();
  const [loading, setLoading] = useState(false);
  const [loadError, setLoadError] = useState<unknown>(null);
  if (!error) return null;
  const problem = error instanceof ApiError ? error.problem : null;
  const stale = !!onLoadLatest && error instanceof ApiError && error.status === 412;
  const loadLatest = async () => {
    setLoading(true);
    setLoadError(null);
    try {
      await onLoadLatest!();
    } catch (err) {
      setLoadError(err);
    } finally {
      setLoading(false);
    }
  };
  return (
    <div className="error-box" role="alert">
      <p>{describeError(error, i18n)}</p>
      {/* A stale change's detail already says why in words; the header it names is no help to the reader. */}
      {problem?.errors?.length && !stale ? (
        <ul>
          {problem.errors.map((e, i) => (
            <li key={i}>
              {e.field ?? e.path ? <code>{e.field ?? e.path}</code> : null} <MessageText text={String(e.message ?? '')} />
              {Array.isArray(e.dependents) && e.dependents.length ? (
                <span className="dependents">
                  {' '}
                  {i18n.t('common.labelled', { label: i18n.t('error.dependents') })}
                  {e.dependents.map((d, k) => (
                    <span key={k}>
                      {k ? ', ' : null}
                      <Dependent value={d} i18n={i18n} />
                    </span>
                  ))}
                </span>
              ) : null}
            </li>
          ))}
        </ul>
      ) : null}
      {stale ? (
        <>
          <p>{i18n.t('error.staleLoadLatest')}</p>
          {loadError ? <p>{describeError(loadError, i18n)}</p> : null}
          <button type="button" className="btn" disabled={loading} onClick={() => void loadLatest()}>
            {i18n.t('action.loadLatest')}
          </button>
        </>
      ) : null}
      {onRetry && mayRetry(error) ? (
        <button type="button" className="btn" onClick={onRetry}>
          {i18n.t('action.retry')}
        </button>
      ) : null}
    </div>
  );
}

export function Loading({ label }: { label?: string }) {
  const { t } = useI18n();
  return (
    <div className="loading" role="status" aria-live="polite">
      {label ?? t('common.loading')}
    </div>
  );
}
