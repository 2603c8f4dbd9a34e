// A small history router: a route table (app/routes.tsx) maps path patterns to lazy pages.
import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent, type PointerEvent, type ReactNode } from 'react';
import { tracked } from '../api/in-flight.ts';

type Listener = () => void;
const listeners = new Set<Listener>();

function notify() {
  listeners.forEach((l) => l());
}

/** What a path needs before it can render (its page's code); null when it has it already. */
let prepare: ((pathname: string) => Promise<unknown> | null) | null = null;
/** The latest navigation: one that was waiting for its page's code is dropped when another follows. */
let latest = 0;

/**
 * Lets the app load a path's page before the location changes, so the page renders in one go: a
 * page that suspends instead shows the loading fallback, and React then holds the page back
 * until 300 ms after that fallback appeared.
 */
export function prepareNavigation(fn: (pathname: string) => Promise<unknown> | null) {
  prepare = fn;
}

const RELOADED_FOR = 'protean.reloadedFor';

/**
 * A page's code that cannot be loaded is, most often, code of a build the server no longer has: a
 * tab opened before a deploy asks for chunk names that are gone. Loading the address in full
 * fetches the new build. Once per address: if that load fails too, the page shows the error.
 */
function loadInFull(href: string): boolean {
  try {
    if (sessionStorage.getItem(RELOADED_FOR) === href) return false;
    sessionStorage.setItem(RELOADED_FOR, href);
  } catch {
    return false;
  }
  location.assign(href);
  return true;
}

function whenPrepared(href: string, apply: () => void) {
  const id = ++latest;
  const run = () => {
    if (id === latest) apply();
  };
  const url = new URL(href, location.origin);
  const pending = prepare?.(url.pathname) ?? null;
  // Busy while the next page's code loads, as while its data does (in-flight.ts).
  if (pending)
    void tracked(() => pending).then(run, () => {
      if (id === latest && !loadInFull(url.href)) run();
    });
  else run();
}

window.addEventListener('popstate', () => whenPrepared(location.pathname + location.search, notify));

export function navigate(to: string, options: { replace?: boolean } = {}) {
  const current = location.pathname + location.search;
  if (to === current) {
    latest++;
    return;
  }
  whenPrepared(to, () => {
    if (options.replace) history.replaceState(null, '', to);
    else history.pushState(null, '', to);
    notify();
  });
}

function subscribe(listener: Listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

const getHref = () => location.pathname + location.search;

export interface Location {
  pathname: string;
  search: URLSearchParams;
  href: string;
}

export function useLocation(): Location {
  const href = useSyncExternalStore(subscribe, getHref);
  const url = new URL(href, location.origin);
  return { pathname: url.pathname, search: url.searchParams, href };
}

/** Replaces the query string (keeps the path); used for list state such as view, sort and filters. */
export function setSearch(update: Record<string, string | null>, options: { replace?: boolean } = { replace: true }) {
  const params = new URLSearchParams(location.search);
  for (const [k, v] of Object.entries(update)) {
    if (v === null || v === '') params.delete(k);
    else params.set(k, v);
  }
  const qs = params.toString();
  navigate(location.pathname + (qs ? `?${qs}` : ''), options);
}

export type Params = Record<string, string>;

export function matchPath(pattern: string, pathname: string): Params | null {
  const p = pattern.split('/').filter(Boolean);
  const s = pathname.split('/').filter(Boolean);
  if (p.length !== s.length) return null;
  const params: Params = {};
  for (let i = 0; i < p.length; i++) {
    const part = p[i]!;
    const seg = s[i]!;
    if (part.startsWith(':')) params[part.slice(1)] = decodeURIComponent(seg);
    else if (part !== seg) return null;
  }
  return params;
}

type LinkProps = Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> & { to: string; children?: ReactNode };

export function Link({ to, onClick, onPointerEnter, children, ...rest }: LinkProps) {
  const handle = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    if (rest.target && rest.target !== '_self') return;
    e.preventDefault();
    navigate(to);
  };
  // Pointing at a link starts loading its page's code, so the click rarely waits for it. A failed
  // load is not the user's yet: the click loads the page again and shows that error if it persists.
  const warm = (e: PointerEvent<HTMLAnchorElement>) => {
    onPointerEnter?.(e);
    void prepare?.(new URL(to, location.origin).pathname)?.catch(() => undefined);
  };
  return (
    <a href={to} onClick={handle} onPointerEnter={warm} {...rest}>
      {children}
    </a>
  );
}
