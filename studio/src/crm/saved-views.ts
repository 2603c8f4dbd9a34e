// Saved list views. The API has no route for them yet, so they live in this browser's
// localStorage, per tenant and object; "shared" is recorded but only visible here.
export interface SavedView {
  id: string;
  name: string;
  shared: boolean;
  view: 'list' | 'kanban';
  columns: string[];
  sort: string;
  filter: string | null;
  group?: string | null;
}

function key(tenantId: string, objectId: string) {
  return `protean.views.${tenantId}.${objectId}`;
}

export function loadViews(tenantId: string, objectId: string): SavedView[] {
  try {
    const raw = localStorage.getItem(key(tenantId, objectId));
    return raw ? (JSON.parse(raw) as SavedView[]) : [];
  } catch {
    return [];
  }
}

export function saveViews(tenantId: string, objectId: string, views: SavedView[]) {
  localStorage.setItem(key(tenantId, objectId), JSON.stringify(views));
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
