import { useCallback, useState } from 'react';
import { useSession } from '../app/session.tsx';

/**
 * The model revision an editor's data was read at, which its saves name (If-Match) so a change
 * someone saved meanwhile is refused instead of overwritten. Read once, when the editor opens: a
 * later refresh of the session's model does not make a form built on the older one current.
 * `rebase` moves it to the revision a save made, so the editor's next save builds on its last.
 */
export function useBasedOn(): [basedOn: number, rebase: (revision: number) => void] {
  const { snapshot } = useSession();
  const [basedOn, rebase] = useState(snapshot.revision);
  return [basedOn, rebase];
}

/**
 * Opening an editor again on the latest model, after its save was refused as made on an older
 * one: the session reads the model again and `opened` changes, which the page puts in the
 * editor's key so the editor is built again from that model.
 */
export function useReopen(): { opened: number; reopen: () => Promise<void> } {
  const { refreshSnapshot } = useSession();
  const [opened, setOpened] = useState(0);
  const reopen = useCallback(async () => {
    await refreshSnapshot();
    setOpened((n) => n + 1);
  }, [refreshSnapshot]);
  return { opened, reopen };
}
