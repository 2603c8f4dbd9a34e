import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { PageProps } from '../app/routes.tsx';
import { BATCH_LIMIT, recordsApi, type BatchOperation, type FieldDef, type ObjectDef, type RecordData, type SavedView } from '../api/index.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { useSession } from '../app/session.tsx';
import { Link, navigate, setSearch, useLocation } from '../lib/router.tsx';
import { layoutFor, liveFields, nameField, picklistFields } from '../lib/model.ts';
import { useAsync } from '../lib/use-async.ts';
import { ErrorBox, Loading, describeError, useToast } from '../components/feedback.tsx';
import { ConfirmDialog, Dialog } from '../components/dialog.tsx';
import { FieldValue } from './field-value.tsx';
import { cellEditable, EditableCell } from './editable-cell.tsx';
import { FilterBulkDialog } from './filter-bulk.tsx';
import { useRecordRights } from './record-rights.ts';
import { FieldInput } from './field-input.tsx';
import { FilterBuilder } from './filter-builder.tsx';
import { fromFilter, parseFilterParam, toFilter } from './filters.ts';
import { loadColumns, saveColumns, showsView, toDefinition, useSavedViews, viewSearch } from './saved-views.ts';
import { KanbanView } from './kanban-view.tsx';
import { useObjectParam } from './use-object.ts';
import { expandLookups } from '../lib/expand-lookups.ts';
import { useShellActions } from '../app/shell-actions.ts';
import { AutomationButtons } from './automation-buttons.tsx';
import { useCanSetup } from '../app/setup-rights.ts';

const PAGE_SIZE = 50;

export default function ListPage({ params }: PageProps) {
  const object = useObjectParam(params['object']);
  const { t } = useI18n();
  if (!object)
    return (
      <div className="page">
        <p role="alert">{t('error.objectNotFound')}</p>
      </div>
    );
  return <ObjectList key={object.id} object={object} />;
}

function defaultColumns(object: ObjectDef, layoutFields: string[]): string[] {
  const nf = nameField(object);
  const rest = layoutFields.filter((a) => a !== nf?.apiName);
  return [...(nf ? [nf.apiName] : []), ...rest].slice(0, 6);
}

const DEFAULT_SORT = '-created_at';

function ObjectList({ object }: { object: ObjectDef }) {
  const i18n = useI18n();
  const { t, tc } = i18n;
  const { snapshot, me, can } = useSession();
  const canSetup = useCanSetup();
  const toast = useToast();
  const { openQuickCreate } = useShellActions();
  const { search } = useLocation();
  const view = search.get('view') === 'kanban' ? 'kanban' : 'list';
  const sort = search.get('sort') ?? DEFAULT_SORT;
  const filterParam = search.get('filter');
  const filter = useMemo(() => parseFilterParam(filterParam), [filterParam]);
  const fields = liveFields(object);
  const layout = layoutFor(snapshot, object);
  const layoutApiNames = layout.sections.flatMap((s) =>
    s.fields.map((lf) => fields.find((f) => f.id === lf.fieldId || f.apiName === lf.fieldId)?.apiName).filter((x): x is string => !!x),
  );
  const [columns, setColumnsState] = useState<string[]>(() => {
    const stored = loadColumns(me.tenant.id, object.id)?.filter((c) => fields.some((f) => f.apiName === c));
    return stored?.length ? stored : defaultColumns(object, layoutApiNames.length ? layoutApiNames : fields.map((f) => f.apiName));
  });
  const setColumns = (cols: string[]) => {
    setColumnsState(cols);
    saveColumns(me.tenant.id, object.id, cols);
  };
  const columnFields = columns.map((c) => fields.find((f) => f.apiName === c)).filter((f): f is FieldDef => !!f);
  const lookupColumns = columnFields.filter((f) => f.type === 'lookup');
  const lookupKey = lookupColumns.map((f) => f.apiName).join(',');

  const [filterOpen, setFilterOpen] = useState(false);
  const [columnsOpen, setColumnsOpen] = useState(false);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [bulkEdit, setBulkEdit] = useState(false);
  const [byFilter, setByFilter] = useState<'edit' | 'delete' | null>(null);
  const { views, save: saveView } = useSavedViews(object.apiName);
  const currentView = views.find((v) => showsView(v.definition, search, DEFAULT_SORT));
  const [saveViewOpen, setSaveViewOpen] = useState(false);

  // Rows first; the total arrives on its own so a slow count never holds the page back.
  const list = useAsync(
    async (signal) => {
      const page = await recordsApi.list(object.apiName, { filter, sort, limit: PAGE_SIZE }, signal);
      return { ...page, data: await expandLookups(snapshot, lookupColumns, page.data, signal) };
    },
    [object.apiName, filterParam, sort, lookupKey],
  );
  const count = useAsync(
    (signal) => recordsApi.list(object.apiName, { filter, limit: 1, count: true, fields: ['id'] }, signal).then((r) => r.total),
    [object.apiName, filterParam],
  );
  const [loadingMore, setLoadingMore] = useState(false);
  const rows = list.data?.data ?? [];
  const total = count.data ?? undefined;
  const nextCursor = list.data?.nextCursor ?? null;

  useEffect(() => setSelected(new Set()), [filterParam, sort]);

  const loadMore = useCallback(async () => {
    if (!nextCursor || loadingMore) return;
    setLoadingMore(true);
    try {
      const page = await recordsApi.list(object.apiName, { filter, sort, limit: PAGE_SIZE, cursor: nextCursor });
      const data = await expandLookups(snapshot, lookupColumns, page.data);
      list.setData((prev) => ({ data: [...(prev?.data ?? []), ...data], nextCursor: page.nextCursor }));
    } catch (err) {
      toast(describeError(err, i18n), 'error');
    } finally {
      setLoadingMore(false);
    }
  }, [nextCursor, loadingMore, object.apiName, filter, sort, snapshot, lookupColumns, list, toast, i18n]);

  const sentinel = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = sentinel.current;
    if (!el || !nextCursor) return;
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) void loadMore();
    });
    io.observe(el);
    return () => io.disconnect();
  }, [nextCursor, loadMore]);

  const toggleSort = (apiName: string) => {
    const next = sort === apiName ? `-${apiName}` : apiName;
    setSearch({ sort: next });
  };

  const filterState = fromFilter(filter);
  const plural = i18n.objectLabel(object, 'plural');
  const allSelected = rows.length > 0 && rows.every((r) => selected.has(r.id));
  // Inline edit and bulk actions only where every save would be allowed (a read-only share offers neither).
  const { rightsOf } = useRecordRights(object.apiName, rows.map((r) => r.id));
  const selectedIds = [...selected];
  const mayEditSelected = selectedIds.length > 0 && selectedIds.every((id) => rightsOf(id).edit);
  const mayDeleteSelected = selectedIds.length > 0 && selectedIds.every((id) => rightsOf(id).delete);

  // One all-or-nothing batch per thousand records: either a chunk lands in the recycle bin or none of it does.
  const deleteSelected = async () => {
    setConfirmDelete(false);
    const versions = new Map(rows.map((r) => [r.id, r.version]));
    const operations: BatchOperation[] = [...selected].map((id) => ({ op: 'delete', id, version: versions.get(id) }));
    let deleted = 0;
    let error: unknown = null;
    for (let i = 0; i < operations.length && !error; i += BATCH_LIMIT) {
      try {
        deleted += (await recordsApi.batch(object.apiName, operations.slice(i, i + BATCH_LIMIT))).results.length;
      } catch (err) {
        error = err;
      }
    }
    if (!error) toast(tc('list.deleted', deleted), 'success');
    else if (deleted) toast(t('list.deletePartial', { failed: operations.length - deleted, total: operations.length }), 'error');
    else toast(describeError(error, i18n), 'error');
    setSelected(new Set());
    list.reload();
    count.reload();
  };

  const applyView = (v: SavedView) => {
    const cols = (v.definition.columns ?? []).filter((c) => fields.some((f) => f.apiName === c));
    if (cols.length) setColumns(cols);
    navigate(`/o/${object.apiName}?${viewSearch(v.definition)}`, { replace: true });
  };

  return (
    <div className="page list-page">
      <header className="page-header">
        <h1>{plural}</h1>
        {typeof total === 'number' ? (
          <span className="count" data-testid="list-count">
            {tc('list.count', total)}
          </span>
        ) : null}
        <span className="spacer" />
        <label className="inline-label">
          <span className="sr-only">{t('views.title')}</span>
          <select
            aria-label={t('views.title')}
            value={currentView?.id ?? ''}
            onChange={(e) => {
              const v = views.find((x) => x.id === e.target.value);
              if (v) applyView(v);
            }}
          >
            <option value="">{t('views.choose')}</option>
            {views.map((v) => (
              <option key={v.id} value={v.id}>
                {v.shared ? `${v.name} (${t('views.shared')})` : v.name}
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="btn btn-small" onClick={() => setSaveViewOpen(true)}>
          {t('views.save')}
        </button>
        <div className="segmented" role="group" aria-label={t('list.viewMode')}>
          <button type="button" className="btn btn-small" aria-pressed={view === 'list'} onClick={() => setSearch({ view: null })}>
            {t('list.table')}
          </button>
          <button
            type="button"
            className="btn btn-small"
            aria-pressed={view === 'kanban'}
            disabled={!picklistFields(object).length}
            onClick={() => setSearch({ view: 'kanban' })}
          >
            {t('list.kanban')}
          </button>
        </div>
        <button type="button" className="btn btn-small" aria-expanded={filterOpen} onClick={() => setFilterOpen((o) => !o)}>
          {t('filter.title')}
          {filterState.rows.length ? ` (${filterState.rows.length})` : ''}
        </button>
        {view === 'list' ? (
          <button type="button" className="btn btn-small" aria-expanded={columnsOpen} onClick={() => setColumnsOpen((o) => !o)}>
            {t('list.columns')}
          </button>
        ) : null}
        {can(object.apiName, 'create') ? (
          <button type="button" className="btn btn-primary btn-small" onClick={() => openQuickCreate(object.apiName)}>
            {t('record.new', { object: i18n.objectNoun(object) })}
          </button>
        ) : null}
      </header>

      {filterOpen ? (
        <FilterBuilder
          object={object}
          initial={filterState}
          onCancel={() => setFilterOpen(false)}
          onApply={(state) => {
            const f = toFilter(state);
            setSearch({ filter: f ? JSON.stringify(f) : null });
            setFilterOpen(false);
          }}
        />
      ) : null}

      {columnsOpen && view === 'list' ? <ColumnChooser fields={fields} columns={columns} onChange={setColumns} onClose={() => setColumnsOpen(false)} /> : null}

      {view === 'kanban' ? (
        <KanbanView object={object} filter={filter} sort={sort} />
      ) : (
        <>
          {selected.size ? (
            <div className="bulk-bar" role="region" aria-label={t('list.bulkActions')}>
              <span>{tc('list.selected', selected.size)}</span>
              {mayEditSelected ? (
                <button type="button" className="btn btn-small" onClick={() => setBulkEdit(true)}>
                  {t('list.bulkEdit')}
                </button>
              ) : null}
              {mayDeleteSelected ? (
                <button type="button" className="btn btn-small btn-danger" onClick={() => setConfirmDelete(true)}>
                  {t('list.bulkDelete')}
                </button>
              ) : null}
              <AutomationButtons object={object.apiName} recordIds={selectedIds} mayEdit={mayEditSelected} onDone={() => list.reload()} />
              {!mayEditSelected || !mayDeleteSelected ? <span className="hint">{t('list.selectionLimited', { object: i18n.objectNoun(object) })}</span> : null}
              <button type="button" className="btn btn-small" onClick={() => setSelected(new Set())}>
                {t('list.clearSelection')}
              </button>
            </div>
          ) : null}
          {filter && !selected.size && rows.length && (can(object.apiName, 'edit') || can(object.apiName, 'delete')) ? (
            <div className="bulk-bar" role="region" aria-label={t('filterBulk.region')}>
              <span>{typeof total === 'number' ? tc('filterBulk.allMatching', total) : t('filterBulk.allMatchingUnknown')}</span>
              {can(object.apiName, 'edit') ? (
                <button type="button" className="btn btn-small" onClick={() => setByFilter('edit')}>
                  {t('filterBulk.edit')}
                </button>
              ) : null}
              {can(object.apiName, 'delete') ? (
                <button type="button" className="btn btn-small btn-danger" onClick={() => setByFilter('delete')}>
                  {t('filterBulk.delete')}
                </button>
              ) : null}
            </div>
          ) : null}
          {byFilter && filter ? (
            <FilterBulkDialog
              object={object}
              filter={filter}
              mode={byFilter}
              onClose={() => setByFilter(null)}
              onDone={() => {
                setByFilter(null);
                list.reload();
                count.reload();
              }}
            />
          ) : null}
          {list.error ? <ErrorBox error={list.error} onRetry={list.reload} /> : null}
          <div className="grid-wrap">
            <table className="grid" aria-label={plural} aria-busy={list.loading}>
              <thead>
                <tr>
                  <th className="col-select">
                    <input
                      type="checkbox"
                      aria-label={t('list.selectAll')}
                      checked={allSelected}
                      onChange={() => setSelected(allSelected ? new Set() : new Set(rows.map((r) => r.id)))}
                    />
                  </th>
                  {columnFields.map((f) => {
                    const dir = sort === f.apiName ? 'ascending' : sort === `-${f.apiName}` ? 'descending' : undefined;
                    return (
                      <th key={f.id} aria-sort={dir ?? 'none'} scope="col">
                        <button type="button" className="th-sort" onClick={() => toggleSort(f.apiName)}>
                          {i18n.fieldLabel(f)}
                          <span aria-hidden="true" className="sort-mark">
                            {dir === 'ascending' ? '▲' : dir === 'descending' ? '▼' : ''}
                          </span>
                        </button>
                      </th>
                    );
                  })}
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <ListRow key={r.id} object={object} record={r} columns={columnFields} editable={rightsOf(r.id).edit} mayChangeOwner={rightsOf(r.id).delete} selected={selected.has(r.id)} onSaved={(saved) => list.setData((prev) => ({ ...prev!, data: (prev?.data ?? []).map((x) => (x.id === saved.id ? saved : x)) }))} onToggle={() => {
                    setSelected((s) => {
                      const n = new Set(s);
                      if (n.has(r.id)) n.delete(r.id);
                      else n.add(r.id);
                      return n;
                    });
                  }} />
                ))}
              </tbody>
            </table>
            {list.loading && !rows.length ? <Loading /> : null}
            {!list.loading && !rows.length && !list.error ? (
              filter ? (
                <div className="empty-state">
                  <p>{t('list.emptyFiltered')}</p>
                  <button type="button" className="btn btn-small" onClick={() => setSearch({ filter: null })}>
                    {t('list.clearFilters')}
                  </button>
                </div>
              ) : (
                <div className="empty-state">
                  <p>{t('list.empty', { object: i18n.objectNoun(object) })}</p>
                  <p>{t('list.emptyPurpose', { object: i18n.objectNoun(object) })}</p>
                  {can(object.apiName, 'create') ? (
                    <button type="button" className="btn btn-small btn-primary" onClick={() => openQuickCreate(object.apiName)}>
                      {t('record.new', { object: i18n.objectNoun(object) })}
                    </button>
                  ) : null}
                </div>
              )
            ) : null}
          </div>
          <div className="list-footer" ref={sentinel}>
            {rows.length ? <span>{t('list.showing', { shown: rows.length, total: total ?? rows.length })}</span> : null}
            {nextCursor ? (
              <button type="button" className="btn btn-small" onClick={() => void loadMore()} disabled={loadingMore}>
                {loadingMore ? t('common.loading') : t('list.loadMore')}
              </button>
            ) : null}
          </div>
        </>
      )}

      <ConfirmDialog
        open={confirmDelete}
        title={t('list.bulkDelete')}
        message={tc('list.confirmDelete', selected.size, { object: i18n.objectNoun(object) })}
        confirmLabel={t('action.delete')}
        danger
        onCancel={() => setConfirmDelete(false)}
        onConfirm={() => void deleteSelected()}
      />
      {bulkEdit ? (
        <BulkEditDialog
          object={object}
          ids={[...selected]}
          onClose={() => setBulkEdit(false)}
          onDone={() => {
            setBulkEdit(false);
            setSelected(new Set());
            list.reload();
            count.reload();
          }}
        />
      ) : null}
      {saveViewOpen ? (
        <SaveViewDialog
          canShare={canSetup('model')}
          onClose={() => setSaveViewOpen(false)}
          onSave={async (name, shared) => {
            const group = search.get('group') ?? picklistFields(object)[0]?.apiName ?? null;
            await saveView(name, shared, toDefinition({ kind: view, columns, sort, filter, group }));
            setSaveViewOpen(false);
            toast(t('views.saved'), 'success');
          }}
        />
      ) : null}
    </div>
  );
}

function ListRow({ object, record, columns, editable, mayChangeOwner, selected, onToggle, onSaved }: { object: ObjectDef; record: RecordData; columns: FieldDef[]; editable: boolean; mayChangeOwner: boolean; selected: boolean; onToggle: () => void; onSaved: (record: RecordData) => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const nf = nameField(object);
  const name = i18n.recordName(object, record);
  return (
    <tr aria-selected={selected}>
      <td className="col-select">
        <input type="checkbox" aria-label={t('list.selectRow', { name })} checked={selected} onChange={onToggle} />
      </td>
      {columns.map((f) =>
        f === nf ? (
          <td key={f.id}>
            <Link to={`/o/${object.apiName}/${record.id}`}>{name}</Link>
          </td>
        ) : editable && cellEditable(f) && (f.id !== 'owner' || mayChangeOwner) ? (
          <EditableCell key={f.id} object={object} field={f} record={record} onSaved={onSaved} />
        ) : (
          <td key={f.id}>
            <FieldValue field={f} value={record[f.apiName]} />
          </td>
        ),
      )}
    </tr>
  );
}

function ColumnChooser({ fields, columns, onChange, onClose }: { fields: FieldDef[]; columns: string[]; onChange: (c: string[]) => void; onClose: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const move = (index: number, delta: number) => {
    const next = [...columns];
    const [item] = next.splice(index, 1);
    next.splice(index + delta, 0, item!);
    onChange(next);
  };
  const hidden = fields.filter((f) => !columns.includes(f.apiName));
  return (
    <section className="panel column-chooser" aria-label={t('list.columns')}>
      <ol className="plain-list">
        {columns.map((c, i) => {
          const f = fields.find((x) => x.apiName === c);
          if (!f) return null;
          return (
            <li key={c}>
              <label>
                <input type="checkbox" checked onChange={() => onChange(columns.filter((x) => x !== c))} /> {i18n.fieldLabel(f)}
              </label>
              <button type="button" className="btn-icon" aria-label={t('action.moveUp')} disabled={i === 0} onClick={() => move(i, -1)}>
                ↑
              </button>
              <button type="button" className="btn-icon" aria-label={t('action.moveDown')} disabled={i === columns.length - 1} onClick={() => move(i, 1)}>
                ↓
              </button>
            </li>
          );
        })}
        {hidden.map((f) => (
          <li key={f.id}>
            <label>
              <input type="checkbox" checked={false} onChange={() => onChange([...columns, f.apiName])} /> {i18n.fieldLabel(f)}
            </label>
          </li>
        ))}
      </ol>
      <button type="button" className="btn btn-small" onClick={onClose}>
        {t('action.done')}
      </button>
    </section>
  );
}

function BulkEditDialog({ object, ids, onClose, onDone }: { object: ObjectDef; ids: string[]; onClose: () => void; onDone: () => void }) {
  const i18n = useI18n();
  const { t, tc } = i18n;
  const toast = useToast();
  const editable = liveFields(object).filter((f) => !f.readOnly && f.type !== 'autonumber' && f.type !== 'json' && !f.unique);
  const [fieldName, setFieldName] = useState(editable[0]?.apiName ?? '');
  const [value, setValue] = useState<unknown>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const field = editable.find((f) => f.apiName === fieldName);
  const apply = async () => {
    if (!field) return;
    setBusy(true);
    setError(null);
    try {
      await recordsApi.batch(
        object.apiName,
        ids.map((id) => ({ op: 'update' as const, id, data: { [field.apiName]: value === '' ? null : value } })),
      );
      toast(tc('list.updated', ids.length), 'success');
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog
      open
      title={tc('list.bulkEditTitle', ids.length)}
      onClose={onClose}
      onSubmit={() => void apply()}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose}>
            {t('action.cancel')}
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy || !field}>
            {t('action.apply')}
          </button>
        </>
      }
    >
      <div className="form-grid cols-1">
        <label>
          {t('filter.field')}
          <select
            value={fieldName}
            onChange={(e) => {
              setFieldName(e.target.value);
              setValue(null);
            }}
          >
            {editable.map((f) => (
              <option key={f.id} value={f.apiName}>
                {i18n.fieldLabel(f)}
              </option>
            ))}
          </select>
        </label>
        {field ? (
          <label>
            {t('list.newValue')}
            <FieldInput field={field} value={value} onChange={setValue} />
          </label>
        ) : null}
      </div>
      {error ? <ErrorBox error={error} /> : null}
    </Dialog>
  );
}

/** Names the current list state as a view; only admins may share it with everyone (the server checks too). */
function SaveViewDialog({ canShare, onClose, onSave }: { canShare: boolean; onClose: () => void; onSave: (name: string, shared: boolean) => Promise<void> }) {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const [shared, setShared] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      await onSave(name.trim(), canShare && shared);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <Dialog
      open
      title={t('views.save')}
      onClose={onClose}
      onSubmit={() => void submit()}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose}>
            {t('action.cancel')}
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy || !name.trim()}>
            {t('action.save')}
          </button>
        </>
      }
    >
      <div className="form-grid cols-1">
        <label>
          {t('views.name')}
          <input value={name} onChange={(e) => setName(e.target.value)} autoFocus />
        </label>
        {canShare ? (
          <label className="check">
            <input type="checkbox" checked={shared} onChange={(e) => setShared(e.target.checked)} /> {t('views.shareWithTeam')}
          </label>
        ) : null}
      </div>
      {error ? <ErrorBox error={error} /> : null}
    </Dialog>
  );
}
