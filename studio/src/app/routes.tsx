// The route table. Adding a screen: one entry here, a page component, and the API client it needs.
import { createElement, lazy, useState, type ComponentType } from 'react';
import type { Params } from '../lib/router.tsx';

export interface PageProps {
  params: Params;
}

export interface RouteDef {
  path: string;
  /** A Setup page needs the right of its section (setup-rights.ts: one line per section). */
  face: 'crm' | 'setup';
  page: ComponentType<PageProps> & { preload: () => Promise<unknown>; loaded: () => boolean };
}

type PageModule = { default: ComponentType<PageProps> };

/**
 * A lazy page whose chunk can also be fetched ahead of rendering (see preloadRoute). Once the
 * chunk is in, the page renders directly: React.lazy suspends on its first render even then,
 * which shows the loading fallback and holds the page back for React's 300 ms fallback throttle.
 */
const page = (load: () => Promise<PageModule>) => {
  let pending: Promise<PageModule> | null = null;
  let module: PageModule | null = null;
  const once = () => (pending ??= load().then((m) => (module = m)));
  const Lazy = lazy(once);
  // Chosen once per mount: switching from Lazy to the module's component later would remount the page.
  const Page = (props: PageProps) => {
    const [component] = useState<ComponentType<PageProps>>(() => (module ? module.default : Lazy));
    return createElement(component, props);
  };
  return Object.assign(Page, { preload: once, loaded: () => module !== null });
};

export const routes: RouteDef[] = [
  { path: '/', face: 'crm', page: page(() => import('../crm/home-page.tsx')) },
  { path: '/search', face: 'crm', page: page(() => import('../crm/search-page.tsx')) },
  { path: '/recycle-bin', face: 'crm', page: page(() => import('../crm/recycle-bin-page.tsx')) },
  { path: '/approvals', face: 'crm', page: page(() => import('../workflows/approvals-page.tsx')) },
  { path: '/account', face: 'crm', page: page(() => import('./account-page.tsx')) },
  { path: '/o/:object', face: 'crm', page: page(() => import('../crm/list-page.tsx')) },
  { path: '/o/:object/new', face: 'crm', page: page(() => import('../crm/record-form-page.tsx')) },
  { path: '/o/:object/:id', face: 'crm', page: page(() => import('../crm/record-page.tsx')) },
  { path: '/o/:object/:id/edit', face: 'crm', page: page(() => import('../crm/record-form-page.tsx')) },
  { path: '/setup', face: 'setup', page: page(() => import('../setup/objects-page.tsx')) },
  { path: '/setup/objects', face: 'setup', page: page(() => import('../setup/objects-page.tsx')) },
  { path: '/setup/objects/:object', face: 'setup', page: page(() => import('../setup/object-page.tsx')) },
  { path: '/setup/objects/:object/fields/:field', face: 'setup', page: page(() => import('../setup/field-page.tsx')) },
  { path: '/setup/objects/:object/layouts/:layout', face: 'setup', page: page(() => import('../setup/layout-page.tsx')) },
  { path: '/setup/navigation', face: 'setup', page: page(() => import('../setup/navigation-page.tsx')) },
  { path: '/setup/workspace', face: 'setup', page: page(() => import('../setup/workspace-page.tsx')) },
  { path: '/setup/terminology', face: 'setup', page: page(() => import('../setup/terminology-page.tsx')) },
  { path: '/setup/revisions', face: 'setup', page: page(() => import('../setup/revisions-page.tsx')) },
  { path: '/setup/users', face: 'setup', page: page(() => import('../setup/users-page.tsx')) },
  { path: '/setup/api-keys', face: 'setup', page: page(() => import('../setup/api-keys-page.tsx')) },
  { path: '/setup/sessions', face: 'setup', page: page(() => import('../setup/sessions-page.tsx')) },
  { path: '/setup/access', face: 'setup', page: page(() => import('../setup/access-page.tsx')) },
  { path: '/setup/webhooks', face: 'setup', page: page(() => import('../integrations/webhooks-page.tsx')) },
  { path: '/setup/scripts', face: 'setup', page: page(() => import('../scripts/scripts-page.tsx')) },
  { path: '/setup/scripts/:script', face: 'setup', page: page(() => import('../scripts/scripts-page.tsx')) },
  { path: '/setup/workflows', face: 'setup', page: page(() => import('../workflows/workflows-page.tsx')) },
  { path: '/setup/workflows/:workflow', face: 'setup', page: page(() => import('../workflows/workflows-page.tsx')) },
  { path: '/setup/api-docs', face: 'setup', page: page(() => import('../integrations/api-docs-page.tsx')) },
];

/** Starts loading the current route's chunk while the session is still being checked. */
export function preloadRoute(pathname: string, match: (pattern: string, path: string) => Params | null) {
  void resolveRoute(pathname, match)?.route.page.preload().catch(() => {});
}

/** The route's chunk while it is still loading (null once loaded, or for no route): navigation waits for it. */
export function routeLoading(pathname: string, match: (pattern: string, path: string) => Params | null): Promise<unknown> | null {
  const page = resolveRoute(pathname, match)?.route.page;
  return page && !page.loaded() ? page.preload() : null;
}

export function resolveRoute(pathname: string, match: (pattern: string, path: string) => Params | null) {
  for (const route of routes) {
    const params = match(route.path, pathname);
    if (params) return { route, params };
  }
  return null;
}
