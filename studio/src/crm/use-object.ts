import { useSession } from '../app/session.tsx';
import { findObject } from '../lib/model.ts';
import type { ObjectDef } from '../api/types.ts';

/** The object a CRM route names (API name, id or alias), or undefined when the model has none. */
export function useObjectParam(ref: string | undefined): ObjectDef | undefined {
  const { snapshot } = useSession();
  return ref ? findObject(snapshot, ref) : undefined;
}
