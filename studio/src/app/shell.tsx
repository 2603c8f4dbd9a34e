import { lazy, Suspense, useCallback, useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { useI18n } from '../i18n/i18n.tsx';
import { Link, navigate, useLocation } from '../lib/router.tsx';
import { navObjects } from '../lib/model.ts';
import { useSession } from './session.tsx';
import { LanguageSwitch } from './language-switch.tsx';
import { CommandPalette } from './command-palette.tsx';
import { allowedSetupSections, useCanSetup } from './setup-rights.ts';
import { ShellActionsContext, type QuickCreateOptions } from './shell-actions.ts';
import { SessionTimer } from './session-timer.tsx';
import { ObjectNav } from './object-nav.tsx';

const QuickCreateDialog = lazy(() => import('../crm/quick-create-dialog.tsx'));

export function Shell({ children }: { children: ReactNode }) {
  const { t } = useI18n();
  const { pathname, search } = useLocation();
  const session = useSession();
  const { me, snapshot } = session;
  const canSetup = useCanSetup();
  // Setup as far as the user's rights go: each section shows only to whoever holds its right.
  const sections = allowedSetupSections(canSetup);
  const anySetupRight = sections.some((p) => p.right);
  const [paletteOpen, setPaletteOpen] = useState(false);
  const [quickCreate, setQuickCreate] = useState<({ object?: string } & QuickCreateOptions) | null>(null);
  const [q, setQ] = useState(() => (pathname === '/search' ? (search.get('q') ?? '') : ''));
  const inSetup = pathname.startsWith('/setup');

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        setPaletteOpen((o) => !o);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const openQuickCreate = useCallback((object?: string, options?: QuickCreateOptions) => setQuickCreate({ object, ...options }), []);

  const submitSearch = (e: FormEvent) => {
    e.preventDefault();
    if (q.trim()) navigate(`/search?q=${encodeURIComponent(q.trim())}`);
  };

  const objects = navObjects(snapshot);
  const activeObject = pathname.startsWith('/o/') ? pathname.split('/')[2] : undefined;

  return (
    <ShellActionsContext.Provider value={{ openQuickCreate, openPalette: () => setPaletteOpen(true) }}>
      <a className="skip-link" href="#main">
        {t('shell.skipToContent')}
      </a>
      <header className="topbar">
        <Link to="/" className="brand" aria-label={t('shell.home')}>
          Protean
        </Link>
        {inSetup ? (
          <nav className="object-nav" aria-label={t('shell.objectNav')}>
            <Link to="/" className="nav-link">
              {t('shell.backToCrm')}
            </Link>
          </nav>
        ) : (
          <ObjectNav objects={objects} activeObject={activeObject} />
        )}
        <form className="global-search" role="search" onSubmit={submitSearch}>
          <input
            type="search"
            value={q}
            onChange={(e) => setQ(e.target.value)}
            placeholder={t('shell.searchPlaceholder')}
            aria-label={t('shell.search')}
          />
        </form>
        {navObjects(session.snapshot).some((o) => session.can(o.apiName, 'create')) ? (
          <button type="button" className="btn btn-primary btn-small" onClick={() => openQuickCreate()} aria-label={t('shell.quickCreate')} title={t('shell.quickCreate')}>
            + {t('action.new')}
          </button>
        ) : null}
        <button type="button" className="btn btn-small" onClick={() => setPaletteOpen(true)} aria-keyshortcuts="Control+K Meta+K" title={t('palette.title')}>
          {t('shell.commands')} <kbd>Ctrl K</kbd>
        </button>
        <Link to="/recycle-bin" className="nav-link" aria-current={pathname === '/recycle-bin' ? 'page' : undefined}>
          {t('recycle.title')}
        </Link>
        <Link to="/approvals" className="nav-link" aria-current={pathname === '/approvals' ? 'page' : undefined}>
          {t('approvals.title')}
        </Link>
        {anySetupRight ? (
          <Link to={sections.find((p) => p.right)!.path} className="nav-link" aria-current={inSetup ? 'page' : undefined}>
            {t('shell.setup')}
          </Link>
        ) : (
          <Link to="/setup/api-keys" className="nav-link" aria-current={inSetup ? 'page' : undefined}>
            {t('setup.apiKeys')}
          </Link>
        )}
        <LanguageSwitch />
        {/* Who is signed in, opening their own account: every user, whatever their Setup rights. */}
        <Link to="/account" className="user-box" aria-current={pathname === '/account' ? 'page' : undefined} title={t('account.title')}>
          <span className="sr-only">{t('common.labelled', { label: t('account.title') })}</span>
          <span className="user-name" data-testid="user-name">
            {me.user.name}
          </span>
          <span className="tenant-name" data-testid="tenant-name">
            {me.tenant.name}
          </span>
        </Link>
        <button type="button" className="btn btn-small" onClick={() => void session.logout().then(() => navigate('/'))}>
          {t('shell.signOut')}
        </button>
      </header>
      <div className={inSetup ? 'layout layout-setup' : 'layout'}>
        {inSetup ? (
          <nav className="setup-nav" aria-label={t('shell.setup')}>
            <h2>{t('shell.setup')}</h2>
            <ul>
              {sections.map((p) => (
                <li key={p.path}>
                  <Link to={p.path} aria-current={pathname.startsWith(p.path) ? 'page' : undefined}>
                    {t(p.label)}
                  </Link>
                </li>
              ))}
            </ul>
          </nav>
        ) : null}
        <main id="main" className="main" tabIndex={-1}>
          {children}
        </main>
      </div>
      <SessionTimer />
      {paletteOpen ? <CommandPalette onClose={() => setPaletteOpen(false)} onQuickCreate={openQuickCreate} /> : null}
      {quickCreate ? (
        <Suspense fallback={null}>
          <QuickCreateDialog initialObject={quickCreate.object} initial={quickCreate.initial} onCreated={quickCreate.onCreated} onClose={() => setQuickCreate(null)} />
        </Suspense>
      ) : null}
    </ShellActionsContext.Provider>
  );
}
