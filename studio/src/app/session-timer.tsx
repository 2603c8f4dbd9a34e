import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, authApi, noteSessionEndsBy, onSessionEndsIn, sessionEndsByLimit } from '../api/index.ts';
import { Dialog } from '../components/dialog.tsx';
import { useI18n } from '../i18n/i18n.tsx';
import { useSession, useSessionControl } from './session.tsx';

// The warning comes this long before the session ends unused (a quarter of a short idle time).
const WARN_BEFORE_MS = 90_000;
// While it shows, the server is asked this often whether another tab used the session meanwhile.
const RECHECK_MS = 5_000;

const warnBefore = (idleMs: number) => Math.min(WARN_BEFORE_MS, idleMs / 4);

/** m:ss, as the warning counts down. */
function clock(ms: number): string {
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

/**
 * Warns before the session ends unused ("Your session ends in 1:30"), keeps it with one request,
 * and once it has ended shows the sign-in page with the reason. A session reaching its 12 hours
 * is warned of too, without the offer to stay, which use cannot give. The server decides when it ends:
 * every answer says how long is left (X-Session-Ends-In), and before warning the studio asks
 * (GET /auth/session, which is not use), so use in another tab or window counts.
 */
export function SessionTimer() {
  const { t } = useI18n();
  const { logout } = useSession();
  const { signedOut } = useSessionControl();
  const [endsAt, setEndsAt] = useState<number | null>(null);
  const [idleMs, setIdleMs] = useState<number | null>(null);
  const [warning, setWarning] = useState(false);
  const [endsBy, setEndsBy] = useState<'idle' | 'limit'>('idle');
  // The limit's warning, once closed, stays closed: nothing can be done about it but signing in again.
  const [dismissed, setDismissed] = useState(false);
  const [now, setNow] = useState(() => Date.now());
  // Counts the server's answers to `ask`, so the next check is scheduled after every one. The end
  // it gives is the same instant each time (only the round trip moves it), often to the
  // millisecond: scheduled on `endsAt` alone, an answer that left it as it was scheduled nothing.
  const [answers, setAnswers] = useState(0);
  const asking = useRef(false);

  /** Asks the server when the session ends; ended, the studio goes to the sign-in page saying why. */
  const ask = useCallback(async () => {
    if (asking.current) return;
    asking.current = true;
    try {
      const status = await authApi.session();
      setIdleMs(status.idleTimeout);
      setEndsAt(Date.now() + status.endsIn);
      setEndsBy(status.endsBy);
      noteSessionEndsBy(status.endsBy);
      setWarning(status.endsIn <= warnBefore(status.idleTimeout));
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) signedOut(sessionEndsByLimit() ? 'ended' : 'idle');
      // Any other failure (the network): the next check, scheduled as after any answer, tells again.
    } finally {
      asking.current = false;
      setAnswers((n) => n + 1);
    }
  }, [signedOut]);

  useEffect(() => onSessionEndsIn((ms) => setEndsAt(Date.now() + ms)), []);
  useEffect(() => {
    void ask();
  }, [ask]);

  // Asleep until the warning is due; then the server says whether it still is.
  useEffect(() => {
    if (endsAt === null || idleMs === null || warning) return;
    // At least a second: a check that failed (the network) is not repeated at once, over and over.
    const timer = setTimeout(() => void ask(), Math.max(1_000, endsAt - warnBefore(idleMs) - Date.now()));
    return () => clearTimeout(timer);
  }, [endsAt, idleMs, warning, ask, answers]);

  // While warning: the countdown each second, and the server asked again now and then and at the end.
  useEffect(() => {
    if (!warning || endsAt === null) return;
    const tick = setInterval(() => setNow(Date.now()), 1000);
    const recheck = setTimeout(() => void ask(), Math.max(250, Math.min(RECHECK_MS, endsAt - Date.now())));
    setNow(Date.now());
    return () => {
      clearInterval(tick);
      clearTimeout(recheck);
    };
  }, [warning, endsAt, ask, answers]);

  // One request that counts as use: its answer's X-Session-Ends-In moves the end back by the whole
  // idle time (less at most the last-use step), well past the warning. Refused, the session had ended.
  const stay = async () => {
    try {
      await authApi.me();
      setWarning(false);
    } catch {
      await ask();
    }
  };

  const time = clock((endsAt ?? now) - now);
  if (endsBy === 'limit') {
    return (
      <Dialog
        open={warning && !dismissed}
        title={t('sessionTimeout.limitTitle')}
        onClose={() => setDismissed(true)}
        footer={
          <button type="button" className="btn btn-primary" data-autofocus onClick={() => void logout()}>
            {t('sessionTimeout.signOut')}
          </button>
        }
      >
        <p role="timer" aria-live="off">
          {t('sessionTimeout.limit', { time })}
        </p>
      </Dialog>
    );
  }
  return (
    <Dialog
      open={warning}
      title={t('sessionTimeout.title')}
      onClose={() => void stay()}
      footer={
        <>
          <button type="button" className="btn" onClick={() => void logout()}>
            {t('sessionTimeout.signOut')}
          </button>
          <button type="button" className="btn btn-primary" data-autofocus onClick={() => void stay()}>
            {t('sessionTimeout.stay')}
          </button>
        </>
      }
    >
      <p role="timer" aria-live="off">
        {t('sessionTimeout.endsIn', { time })}
      </p>
    </Dialog>
  );
}
