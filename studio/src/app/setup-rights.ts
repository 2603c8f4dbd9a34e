// Setup as far as the user's rights go (ADR 0012, addendum): each section names the Setup right
// it needs, and the navigation, the command palette and the pages show a section only to whoever
// holds its right. Adding a Setup section: one line here beside its route.
import { useCallback } from 'react';
import { SETUP_RIGHTS, type SetupRight } from '../api/access.ts';
import type { MessageKey } from '../i18n/i18n.tsx';
import { useSession } from './session.tsx';

export interface SetupSection {
  path: string;
  label: MessageKey;
  /** The right the section's pages need; none for what every user may open (their own keys, the API docs). */
  right?: SetupRight;
}

/** Setup's side navigation, in its order; every page under a section's path needs the section's right. */
export const setupSections: readonly SetupSection[] = [
  { path: '/setup/objects', label: 'setup.objects', right: 'model' },
  { path: '/setup/navigation', label: 'setup.navigation', right: 'model' },
  { path: '/setup/workspace', label: 'setup.workspace', right: 'model' },
  { path: '/setup/terminology', label: 'setup.terminology', right: 'terms' },
  { path: '/setup/revisions', label: 'setup.revisions', right: 'model' },
  { path: '/setup/users', label: 'setup.users', right: 'users' },
  { path: '/setup/access', label: 'setup.access', right: 'access' },
  { path: '/setup/api-keys', label: 'setup.apiKeys' },
  { path: '/setup/sessions', label: 'setup.sessions' },
  { path: '/setup/webhooks', label: 'setup.webhooks', right: 'keys' },
  { path: '/setup/scripts', label: 'setup.scripts', right: 'model' },
  { path: '/setup/workflows', label: 'setup.workflows', right: 'model' },
  { path: '/setup/api-docs', label: 'setup.apiDocs' },
];

/**
 * The right a route needs: its section's; a Setup route of no section needs the model right, so a
 * page added without its line here stays closed rather than open to everyone. CRM routes need none.
 */
export function routeRight(routePath: string): SetupRight | undefined {
  if (!routePath.startsWith('/setup')) return undefined;
  const section = setupSections.find((s) => routePath === s.path || routePath.startsWith(`${s.path}/`));
  return section ? section.right : 'model';
}

/** The sections a user holding `canSetup` may open, in the navigation's order. */
export const allowedSetupSections = (canSetup: (right: SetupRight) => boolean) => setupSections.filter((s) => !s.right || canSetup(s.right));

/**
 * Whether the signed-in user holds a Setup right, one right at a time, from /access/me. Without
 * that answer (a server refusing it), the profile named admin holds them all and any other none,
 * as the built-in profiles do.
 */
export function useCanSetup(): (right: SetupRight) => boolean {
  const { me, access } = useSession();
  const setup = access?.setup;
  const admin = me.user.role === 'admin';
  return useCallback((right: SetupRight) => (setup ? setup[right] === true : admin && SETUP_RIGHTS.includes(right)), [setup, admin]);
}
