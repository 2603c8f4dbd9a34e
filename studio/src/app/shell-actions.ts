import { createContext, useContext } from 'react';

/** A create started from a record: the new record's values to start from, and what happens once it exists. */
export interface QuickCreateOptions {
  initial?: Record<string, unknown>;
  /** Called instead of opening the new record, so the page it was started from stays. */
  onCreated?: (record: { id: string }) => void;
}

export interface ShellActions {
  openQuickCreate: (object?: string, options?: QuickCreateOptions) => void;
  openPalette: () => void;
}

export const ShellActionsContext = createContext<ShellActions>({ openQuickCreate: () => {}, openPalette: () => {} });

export function useShellActions(): ShellActions {
  return useContext(ShellActionsContext);
}
