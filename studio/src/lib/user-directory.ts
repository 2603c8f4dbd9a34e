// Names of users for owner fields, from GET /users/directory (any signed-in user may read it),
// fetched once per page load and forgotten when Setup changes a user.
import { useEffect, useState } from 'react';
import { usersApi, type DirectoryUser } from '../api/index.ts';
import { useSession } from '../app/session.tsx';

let directory: Promise<DirectoryUser[]> | null = null;

/** The tenant's users; on failure just the signed-in user, so an owner picker still works. */
export function loadUsers(fallback: Pick<DirectoryUser, 'id' | 'name'>): Promise<DirectoryUser[]> {
  if (!directory) {
    const pending = usersApi.directory();
    // A failed load is not cached: the next owner field asks again.
    pending.catch(() => {
      if (directory === pending) directory = null;
    });
    directory = pending;
  }
  return directory.catch(() => [{ id: fallback.id, name: fallback.name, active: true }]);
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
