// Saved list and kanban views live on the server (GET/POST /views, PATCH /views/:id): private to
// their owner, or shared with everyone by an admin. The columns a user last chose for an object
// are a personal display preference and stay in this browser's localStorage.
import { useCallback } from 'react';
import { viewsApi, type Filter, type SavedView, type ViewDefinition } from '../api/index.ts';
import { useAsync } from '../lib/use-async.ts';

/** The list page's state worth keeping in a view: what the URL and the column chooser hold. */
export interface ListState {
  kind: 'list' | 'kanban';
  columns: string[];
  sort: string;
  filter: Filter | null;
  /** The kanban's picklist field (API name). */
  group: string | null;
}

export function toDefinition(state: ListState): ViewDefinition {
  return {
    kind: state.kind,
    columns: state.columns,
    sort: state.sort,
    ...(state.filter ? { filter: state.filter } : {}),
    ...(state.kind === 'kanban' && state.group ? { groupBy: state.group } : {}),
  };
}

/** The list page's query string for a view (`view`, `sort`, `filter`, `group`). */
export function viewSearch(definition: ViewDefinition): string {
  return new URLSearchParams({
    ...(definition.kind === 'kanban' ? { view: 'kanban' } : {}),
    ...(definition.sort ? { sort: definition.sort } : {}),
    ...(definition.filter ? { filter: JSON.stringify(definition.filter) } : {}),
    ...(definition.groupBy ? { group: definition.groupBy } : {}),
  }).toString();
}

/** JSON with its object keys in one order, so a filter the server stored compares equal to the same filter typed. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

function parsed(text: string | null): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * Whether the list shows what a view defines (board or table, sort, filter, grouping), so the page
 * can say which view is on: applying one leaves only a query string, and a changed filter or
 * sort is no longer that view. Columns are a display preference and do not count.
 */
export function showsView(definition: ViewDefinition, search: URLSearchParams, defaultSort: string): boolean {
  const kanban = search.get('view') === 'kanban';
  if (kanban !== (definition.kind === 'kanban')) return false;
  if ((search.get('sort') ?? defaultSort) !== (definition.sort || defaultSort)) return false;
  if (canonical(parsed(search.get('filter'))) !== canonical(definition.filter ?? null)) return false;
  return !kanban || (search.get('group') ?? '') === (definition.groupBy ?? '');
}

/** The views the user may apply on one object, and saving under a name (replacing their own view of that name). */
export function useSavedViews(objectApiName: string) {
  const views = useAsync((signal) => viewsApi.list(objectApiName, signal), [objectApiName]);
  const { setData } = views;
  const save = useCallback(
    async (name: string, shared: boolean, definition: ViewDefinition): Promise<SavedView> => {
      const same = views.data?.find((v) => v.mine && v.name === name);
      const saved = same
        ? await viewsApi.update(same.id, { shared, definition })
        : await viewsApi.create({ object: objectApiName, name, shared, definition });
      setData((list) => [...(list ?? []).filter((v) => v.id !== saved.id), saved]);
      return saved;
    },
    [objectApiName, views.data, setData],
  );
  return { views: views.data ?? [], error: views.error, save };
}

export function loadColumns(tenantId: string, objectId: string): string[] | null {
  try {
    const raw = localStorage.getItem(`protean.cols.${tenantId}.${objectId}`);
    return raw ? (JSON.parse(raw) as string[]) : null;
  } catch {
    return null;
  }
}

export function saveColumns(tenantId: string, objectId: string, columns: string[]) {
  localStorage.setItem(`protean.cols.${tenantId}.${objectId}`, JSON.stringify(columns));
}
