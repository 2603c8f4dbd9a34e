import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ApiError, authApi, metadataApi, onUnauthorized, type Me, type Snapshot } from '../api/index.ts';

export interface Session {
  me: Me;
  snapshot: Snapshot;
  isAdmin: boolean;
  /** Re-reads the metadata snapshot after a Setup change so every screen sees the new model. */
  refreshSnapshot: () => Promise<Snapshot>;
  logout: () => Promise<void>;
}

type SessionState =
  | { status: 'loading' }
  | { status: 'signed-out'; error?: unknown }
  | { status: 'signed-in'; me: Me; snapshot: Snapshot };

const SessionContext = createContext<Session | null>(null);
const SessionControlContext = createContext<{ state: SessionState; signedIn: (me: Me, snapshot?: Promise<Snapshot>) => Promise<void> } | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'loading' });

  const signedIn = useCallback(async (me: Me, snapshotRequest?: Promise<Snapshot>) => {
    const snapshot = await (snapshotRequest ?? metadataApi.snapshot());
    setState({ status: 'signed-in', me, snapshot });
  }, []);

  useEffect(() => {
    let cancelled = false;
    // Ask for the model alongside the session check: one round trip less before the first page.
    const snapshotRequest = metadataApi.snapshot();
    snapshotRequest.catch(() => {});
    authApi
      .me()
      .then(async (me) => {
        if (!cancelled) await signedIn(me, snapshotRequest.catch(() => metadataApi.snapshot()));
      })
      .catch((error: unknown) => {
        if (!cancelled) setState({ status: 'signed-out', error: error instanceof ApiError && error.status === 401 ? undefined : error });
      });
    const off = onUnauthorized(() => setState({ status: 'signed-out' }));
    return () => {
      cancelled = true;
      off();
    };
  }, [signedIn]);

  const refreshSnapshot = useCallback(async () => {
    const snapshot = await metadataApi.snapshot();
    setState((s) => (s.status === 'signed-in' ? { ...s, snapshot } : s));
    return snapshot;
  }, []);

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
        ? { me: state.me, snapshot: state.snapshot, isAdmin: state.me.user.role === 'admin', refreshSnapshot, logout }
        : null,
    [state, refreshSnapshot, logout],
  );

  return (
    <SessionControlContext.Provider value={{ state, signedIn }}>
      <SessionContext.Provider value={session}>{children}</SessionContext.Provider>
    </SessionControlContext.Provider>
  );
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
