import { enc, http } from './http.ts';
import type { ApiKey, CreatedApiKey, DirectoryUser, GrantableProfile, Role, User } from './types.ts';

export interface NewUser {
  email: string;
  name: string;
  role: Role;
  password?: string;
  locale?: string;
}

function unwrap<T>(body: T[] | { data: T[] }): T[] {
  return Array.isArray(body) ? body : body.data;
}

export const usersApi = {
  list: async () => unwrap(await http.get<User[] | { data: User[] }>('/users')),
  /** Names of every user of the tenant, readable by anyone signed in (unlike `list`, admin-only). */
  directory: () => http.get<DirectoryUser[]>('/users/directory'),
  create: (user: NewUser) => http.post<User>('/users', user),
  update: (id: string, patch: Partial<User>) => http.patch<User>(`/users/${enc(id)}`, patch),
  /** Changing one's own password needs the current one; an admin resets another user's without it. */
  setPassword: (id: string, password: string, currentPassword?: string) => http.post<unknown>(`/users/${enc(id)}/password`, { password, currentPassword }),
  /** The workspace's profiles, each saying whether the signed-in user may give it. */
  profiles: () => http.get<GrantableProfile[]>('/users/profiles'),
};

export const apiKeysApi = {
  list: async () => unwrap(await http.get<ApiKey[] | { data: ApiKey[] }>('/api-keys')),
  create: (name: string) => http.post<CreatedApiKey>('/api-keys', { name }),
  revoke: (id: string) => http.delete<unknown>(`/api-keys/${enc(id)}`),
};
