import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ApiError, authApi, metadataApi, onUnauthorized, sessionLapsedUnused, settingsApi, whenRefused, type Me, type Snapshot } from '../api/index.ts';
import { useFollowAccountLocale, type DisplaySettings } from '../i18n/i18n.tsx';
import { accessApi, type MyAccess, type ObjectAction } from '../api/access.ts';

export interface Session {
  me: Me;
  snapshot: Snapshot;
  /** What the user may do (ADR 0012): screens hide buttons, fields and objects it may not use. */
  access: MyAccess | null;
  /** Whether the user may `action` records of the object (true while access is unknown: the server decides). */
  can: (objectApiName: string, action: ObjectAction) => boolean;
  /** The workspace currency and the user's time zone, which decide how values read. */
  display: DisplaySettings;
  /** Re-reads them after a settings change. */
  refreshDisplay: () => Promise<void>;
  /** Re-reads the metadata snapshot after a Setup change so every screen sees the new model. */
  refreshSnapshot: () => Promise<Snapshot>;
  logout: () => Promise<void>;
}

/** Why a signed-in studio went to the sign-in page by itself: unused for the idle time, or ended otherwise (elsewhere, by an administrator). */
export type SignedOutReason = 'idle' | 'ended';

type SessionState =
  | { status: 'loading' }
  | { status: 'signed-out'; error?: unknown; reason?: SignedOutReason }
  | { status: 'signed-in'; me: Me; snapshot: Snapshot; display: DisplaySettings; access: MyAccess | null };

const SessionContext = createContext<Session | null>(null);
const SessionControlContext = createContext<{ state: SessionState; signedIn: (me: Me, early?: EarlyRequests) => Promise<void>; signedOut: (reason: SignedOutReason) => void } | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'loading' });
  const followAccountLocale = useFollowAccountLocale();

  const signedIn = useCallback(
    async (me: Me, early?: EarlyRequests) => {
      const [snapshot, display, access] = await Promise.all([early?.snapshot ?? metadataApi.snapshot(), early?.display ?? loadDisplay(), early?.access ?? loadAccess()]);
      followAccountLocale(me.user.locale, me.user.localeChosen);
      setState({ status: 'signed-in', me, snapshot, display, access });
    },
    [followAccountLocale],
  );

  const refreshDisplay = useCallback(async () => {
    const display = await loadDisplay();
    setState((s) => (s.status === 'signed-in' ? { ...s, display } : s));
  }, []);

  useEffect(() => {
    let cancelled = false;
    // Ask for everything the first page needs alongside the session check: one round trip before
    // the first page instead of two. Signed out, these fail as the check does and are unused.
    const meRequest = authApi.me();
    const snapshotRequest = metadataApi.snapshot();
    const displayRequest = loadDisplay();
    const accessRequest = loadAccess();
    for (const r of [snapshotRequest, displayRequest, accessRequest]) r.catch(() => {});
    meRequest
      .then(async (me) => {
        if (!cancelled) {
          await signedIn(me, {
            snapshot: snapshotRequest.catch(() => metadataApi.snapshot()),
            display: displayRequest,
            access: accessRequest.catch(() => loadAccess()),
          });
        }
      })
      .catch((error: unknown) => {
        if (!cancelled) setState({ status: 'signed-out', error: error instanceof ApiError && error.status === 401 ? undefined : error });
      });
    // A request refused as signed out, while signed in: the session ended meanwhile, which the sign-in page says,
    // idle when its time without use had run out, whichever request (a live connection's, the timer's) met it first.
    // Once signed out, a later refusal (a request that was still on its way) leaves the reason shown as it is.
    const off = onUnauthorized(() =>
      setState((s) => (s.status === 'signed-in' ? { status: 'signed-out', reason: sessionLapsedUnused() ? 'idle' : 'ended' } : s.status === 'signed-out' ? s : { status: 'signed-out' })),
    );
    return () => {
      cancelled = true;
      off();
    };
  }, [signedIn]);

  const refreshSnapshot = useCallback(async () => {
    // What the user may do follows the model: an object made in Setup has its rights only in a fresh answer.
    const [snapshot, access] = await Promise.all([metadataApi.snapshot(), accessApi.me().catch(whenRefused([401, 403, 404], undefined))]);
    setState((s) => (s.status === 'signed-in' ? { ...s, snapshot, ...(access !== undefined ? { access } : {}) } : s));
    return snapshot;
  }, []);

  const signedOut = useCallback((reason: SignedOutReason) => setState({ status: 'signed-out', reason }), []);

  const logout = useCallback(async () => {
    try {
      await authApi.logout();
    } finally {
      setState({ status: 'signed-out' });
    }
  }, []);

  const session = useMemo<Session | null>(
    () =>
      state.status === 'signed-in'
        ? {
            me: state.me,
            snapshot: visibleSnapshot(state.snapshot, state.access),
            display: state.display,
            access: state.access,
            can: (objectApiName, action) => (state.access ? state.access.objects[objectApiName]?.[action] === true : true),
            refreshSnapshot,
            refreshDisplay,
            logout,
          }
        : null,
    [state, refreshSnapshot, refreshDisplay, logout],
  );

  return (
    <SessionControlContext.Provider value={{ state, signedIn, signedOut }}>
      <SessionContext.Provider value={session}>{children}</SessionContext.Provider>
    </SessionControlContext.Provider>
  );
}

/**
 * The model as the user may see it: objects it cannot read and fields hidden from it are left
 * out and read-only fields marked so, so lists, forms, record pages and navigation never offer
 * them. Whoever changes the model sees all of it.
 */
function visibleSnapshot(snapshot: Snapshot, access: MyAccess | null): Snapshot {
  if (!access || access.setup.model) return snapshot;
  const objects = snapshot.objects
    .filter((o) => access.objects[o.apiName])
    .map((o) => {
      const levels = access.objects[o.apiName]!.fields;
      // A read-only field shows in forms as read-only, so no one types into what the server would refuse.
      return { ...o, fields: o.fields.filter((f) => levels[f.apiName] !== 'none').map((f) => (levels[f.apiName] === 'read' ? { ...f, readOnly: true } : f)) };
    });
  return { ...snapshot, objects };
}

/** What the first page needs besides the user, asked for alongside the session check. */
interface EarlyRequests {
  snapshot: Promise<Snapshot>;
  display: Promise<DisplaySettings>;
  access: Promise<MyAccess | null>;
}

function loadAccess(): Promise<MyAccess | null> {
  return accessApi.me().catch(whenRefused([401, 403, 404], null));
}

/** Settings that only change how values read: the page still works with the defaults if they fail to load. */
async function loadDisplay(): Promise<DisplaySettings> {
  const [workspace, preferences] = await Promise.all([settingsApi.workspace().catch(() => null), settingsApi.preferences().catch(() => null)]);
  return { currency: workspace?.currency, timeZone: preferences?.timeZone ?? null, workspaceTimeZone: workspace?.timeZone };
}

export function useSessionControl() {
  const ctx = useContext(SessionControlContext);
  if (!ctx) throw new Error('useSessionControl outside SessionProvider');
  return ctx;
}

/** The signed-in session; pages below the shell can rely on it. */
export function useSession(): Session {
  const ctx = useContext(SessionContext);
  if (!ctx) throw new Error('useSession while signed out');
  return ctx;
}
