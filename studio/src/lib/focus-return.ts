import { useEffect, useRef } from 'react';

/**
 * For a control that swaps itself for an editor (a cell, a field edited in place): when the editor
 * closes, the focus it held would fall to the page's body, and a keyboard user would start again
 * from the top. The element behind the returned ref gets it back, unless focus moved elsewhere.
 */
export function useFocusReturn<T extends HTMLElement>(editing: boolean) {
  const ref = useRef<T>(null);
  const wasEditing = useRef(editing);
  useEffect(() => {
    if (wasEditing.current && !editing) {
      const active = document.activeElement;
      if (!active || active === document.body) ref.current?.focus();
    }
    wasEditing.current = editing;
  }, [editing]);
  return ref;
}
