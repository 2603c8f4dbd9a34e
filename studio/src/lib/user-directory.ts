// Names of users for owner fields. GET /users is admin-only today, so other users see their
// own name and, for anyone else, nothing better than the id (an API gap, noted in the report).
import { useEffect, useState } from 'react';
import { usersApi, type User } from '../api/index.ts';
import { useSession } from '../app/session.tsx';

let directory: Promise<User[]> | null = null;

export function loadUsers(fallback: User): Promise<User[]> {
  directory ??= usersApi.list().catch(() => [fallback]);
  return directory;
}

export function forgetUsers() {
  directory = null;
}

export function useUserName(id: string | null | undefined): string | null {
  const { me } = useSession();
  const [name, setName] = useState<string | null>(id === me.user.id ? me.user.name : null);
  useEffect(() => {
    if (!id) return;
    if (id === me.user.id) {
      setName(me.user.name);
      return;
    }
    let live = true;
    void loadUsers(me.user).then((users) => live && setName(users.find((u) => u.id === id)?.name ?? null));
    return () => {
      live = false;
    };
  }, [id, me.user]);
  return name;
}
