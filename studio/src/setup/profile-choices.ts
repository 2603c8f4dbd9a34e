import { usersApi, whenRefused } from '../api/index.ts';
import type { GrantableProfile } from '../api/types.ts';
import { useI18n, type I18n, type MessageKey } from '../i18n/i18n.tsx';
import { useAsync } from '../lib/use-async.ts';
import { useCanSetup } from '../app/setup-rights.ts';

const BUILT_IN: Record<string, MessageKey> = { admin: 'users.roleAdmin', standard: 'users.roleStandard', read_only: 'users.roleReadOnly' };

/**
 * A built-in profile's or permission set's name in the reader's language and the workspace's words
 * ('只读医护人员'); the server names them in English. Undefined for a key that is not built in.
 */
export function builtInName(key: string, t: I18n['t']): string | undefined {
  const message = BUILT_IN[key];
  return message ? t(message) : undefined;
}

/** What a profile or permission set is called where it is shown: built-in ones in the studio's words, the workspace's own as named. */
export function accessName(item: { key: string; name: string; system: boolean }, t: I18n['t']): string {
  return (item.system ? builtInName(item.key, t) : undefined) ?? item.name;
}

export interface ProfileChoice {
  key: string;
  label: string;
  /** Whether the signed-in user may give it: the server refuses a profile that grants more than the giver holds. */
  grantable: boolean;
}

/**
 * The profiles a user, an invitation or a new user may be given, in the studio's words for the
 * built-in ones, each with the server's verdict on whether the signed-in user may give it. Before
 * the answer (or if it is refused) the built-in two, the administrator profile only for whoever
 * manages access.
 */
export interface ProfileChoices {
  choices: ProfileChoice[];
  labelOf: (key: string) => string;
}

/**
 * Read once per page (the Users page passes the answer to its panels and dialogs). `load` asks
 * who may be given what: by default a user's profile; the script editor asks for a script's.
 */
export function useProfileChoices(load: () => Promise<GrantableProfile[]> = usersApi.profiles): ProfileChoices {
  const { t } = useI18n();
  const managesAccess = useCanSetup()('access');
  const profiles = useAsync(() => load().catch(whenRefused([403, 404], null)), []);
  const choices = profiles.data
    ? profiles.data.map((p) => ({ key: p.key, label: accessName(p, t), grantable: p.grantable }))
    : [
        { key: 'standard', label: t('users.roleStandard'), grantable: true },
        { key: 'admin', label: t('users.roleAdmin'), grantable: managesAccess },
      ];
  const labelOf = (key: string) => choices.find((c) => c.key === key)?.label ?? builtInName(key, t) ?? key;
  return { choices, labelOf };
}
