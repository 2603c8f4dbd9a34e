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

/** A one-line, localised description of a failure; the server's detail is kept when it adds information. */
export function describeError(error: unknown, i18n: I18n): string {
  if (error instanceof ApiError) {
    const key = kindMessages[error.kind];
    const title = key ? i18n.t(key) : i18n.t('error.generic');
    const detail = error.problem.detail;
    return detail && i18n.locale === 'en' && detail !== error.problem.title ? `${title} ${detail}` : title;
  }
  return i18n.t('error.generic');
}

function dependentLabel(d: unknown): string {
  if (typeof d === 'string') return d;
  if (d && typeof d === 'object') {
    const o = d as { label?: unknown; kind?: unknown; id?: unknown };
    return `${String(o.label ?? o.id ?? '')}${o.kind ? ` (${String(o.kind)})` : ''}`;
  }
  return String(d);
}

export function ErrorBox({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const i18n = useI18n();
  if (!error) return null;
  const problem = error instanceof ApiError ? error.problem : null;
  return (
    <div className="error-box" role="alert">
      <p>{describeError(error, i18n)}</p>
      {problem?.errors?.length ? (
        <ul>
          {problem.errors.map((e, i) => (
            <li key={i}>
              {e.field ?? e.path ? <code>{e.field ?? e.path}</code> : null} {e.message}
              {Array.isArray(e.dependents) && e.dependents.length ? (
                <span className="dependents">
                  {' '}
                  {i18n.t('error.dependents')}: {e.dependents.map(dependentLabel).join(', ')}
                </span>
              ) : null}
            </li>
          ))}
        </ul>
      ) : null}
      {onRetry ? (
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
