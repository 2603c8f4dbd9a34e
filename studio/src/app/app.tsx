import { Suspense, useEffect } from 'react';
import { GlossaryProvider, I18nProvider, useI18n } from '../i18n/i18n.tsx';
import { SessionProvider, useSessionControl, type SignedOutReason } from './session.tsx';
import { ToastProvider, ErrorBox, Loading } from '../components/feedback.tsx';
import { LoginPage } from './login-page.tsx';
import { AcceptInvitePage } from './accept-invite-page.tsx';
import { Shell } from './shell.tsx';
import { matchPath, navigate, useLocation } from '../lib/router.tsx';
import { resolveRoute } from './routes.tsx';
import { allowedSetupSections, routeRight, useCanSetup } from './setup-rights.ts';
import { ErrorBoundary } from '../components/error-boundary.tsx';
import { useDocumentTitle } from './document-title.ts';

export function App() {
  useDocumentTitle();
  return (
    <I18nProvider>
      <ToastProvider>
        <SessionProvider>
          <Gate />
        </SessionProvider>
      </ToastProvider>
    </I18nProvider>
  );
}

function Gate() {
  const { state } = useSessionControl();
  if (state.status === 'loading') return <Loading />;
  if (state.status === 'signed-out') return <SignedOut error={state.error} reason={state.reason} />;
  return (
    <GlossaryProvider terms={state.snapshot.terms} display={state.display}>
      <Shell>
        <CurrentPage />
      </Shell>
    </GlossaryProvider>
  );
}

/** Signed out, an invitation link opens the page that accepts it; anything else asks to sign in. */
function SignedOut({ error, reason }: { error?: unknown; reason?: SignedOutReason | undefined }) {
  const { pathname } = useLocation();
  const invite = matchPath('/invite/:token', pathname);
  if (invite?.['token']) return <AcceptInvitePage token={invite['token']} />;
  return <LoginPage error={error} reason={reason} />;
}

function CurrentPage() {
  const { pathname } = useLocation();
  const canSetup = useCanSetup();
  const { t } = useI18n();
  const resolved = resolveRoute(pathname, matchPath);
  // A bookmarked or typed /login (or an invitation link), once signed in, means "take me in": go home, not to a 404.
  const isLoginPath = pathname === '/login' || pathname === '/login/' || pathname.startsWith('/invite/');
  // Setup itself opens the first section the user may use (Terminology for someone who may only rename terms).
  const setupHome = pathname === '/setup' || pathname === '/setup/' ? (allowedSetupSections(canSetup)[0]?.path ?? '/') : null;
  useEffect(() => {
    if (isLoginPath) navigate('/', { replace: true });
    else if (setupHome) navigate(setupHome, { replace: true });
  }, [isLoginPath, setupHome]);
  if (isLoginPath || setupHome) return <Loading label={t('common.loading')} />;
  if (!resolved) return <NotFound />;
  const right = routeRight(resolved.route.path);
  if (right && !canSetup(right)) {
    return (
      <div className="page">
        <p role="alert">{t('error.forbidden')}</p>
      </div>
    );
  }
  const Page = resolved.route.page;
  return (
    <ErrorBoundary key={pathname} fallback={(e) => <ErrorBox error={e} />}>
      <Suspense fallback={<Loading label={t('common.loading')} />}>
        <Page params={resolved.params} />
      </Suspense>
    </ErrorBoundary>
  );
}

function NotFound() {
  const { t } = useI18n();
  return (
    <div className="page">
      <h1>{t('error.pageNotFound')}</h1>
    </div>
  );
}
