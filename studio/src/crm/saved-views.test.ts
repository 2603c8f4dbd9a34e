import { describe, expect, it } from 'vitest';
import { showsView, viewSearch } from './saved-views.ts';
import type { ViewDefinition } from '../api/index.ts';

const leads: ViewDefinition = { kind: 'list', sort: 'last_name', filter: { field: 'status', op: 'in', value: ['lead'] } };
const at = (query: string) => new URLSearchParams(query);

describe('which saved view a list shows', () => {
  it('is the view just applied, whatever order the server stored the filter’s keys in', () => {
    expect(showsView(leads, at(viewSearch(leads)), '-created_at')).toBe(true);
    const typed = at(`sort=last_name&filter=${encodeURIComponent('{"op":"in","value":["lead"],"field":"status"}')}`);
    expect(showsView(leads, typed, '-created_at')).toBe(true);
  });

  it('is none once the filter or the sort changes, or the board is shown instead of the table', () => {
    expect(showsView(leads, at(`sort=-last_name&filter=${encodeURIComponent(JSON.stringify(leads.filter))}`), '-created_at')).toBe(false);
    expect(showsView(leads, at('sort=last_name'), '-created_at')).toBe(false);
    expect(showsView(leads, at(`view=kanban&${viewSearch(leads)}`), '-created_at')).toBe(false);
  });

  it('a view of the plain list is on when nothing is filtered or sorted otherwise', () => {
    const everyone: ViewDefinition = { kind: 'list', sort: '-created_at' };
    expect(showsView(everyone, at(''), '-created_at')).toBe(true);
    expect(showsView({ kind: 'list' }, at('sort=-created_at'), '-created_at')).toBe(true);
  });

  it('a board view is on only with its grouping', () => {
    const board: ViewDefinition = { kind: 'kanban', sort: '-created_at', groupBy: 'stage' };
    expect(showsView(board, at('view=kanban&group=stage'), '-created_at')).toBe(true);
    expect(showsView(board, at('view=kanban&group=priority'), '-created_at')).toBe(false);
  });
});
