import { createContext, useContext } from 'react';

export interface ShellActions {
  openQuickCreate: (object?: string) => void;
  openPalette: () => void;
}

export const ShellActionsContext = createContext<ShellActions>({ openQuickCreate: () => {}, openPalette: () => {} });

export function useShellActions(): ShellActions {
  return useContext(ShellActionsContext);
}
