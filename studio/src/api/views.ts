import { enc, http } from './http.ts';
import type { NewSavedView, SavedView } from './types.ts';

export type SavedViewPatch = Partial<Pick<SavedView, 'name' | 'shared' | 'definition'>>;

export const viewsApi = {
  /** The user's own views and the shared ones, private first, then shared, by name (the server's order). */
  list: (object: string, signal?: AbortSignal) => http.get<SavedView[]>('/views', { query: { object }, signal }),
  create: (view: NewSavedView) => http.post<SavedView>('/views', view),
  update: (id: string, patch: SavedViewPatch) => http.patch<SavedView>(`/views/${enc(id)}`, patch),
  remove: (id: string) => http.delete<unknown>(`/views/${enc(id)}`),
};
