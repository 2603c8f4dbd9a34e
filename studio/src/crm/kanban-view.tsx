import { useEffect, useState, type DragEvent, type KeyboardEvent } from 'react';
import { ApiError, homeApi, recordsApi, type FieldDef, type Filter, type ObjectDef, type PipelineSummary, type RecordData } from '../api/index.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { Link, setSearch, useLocation } from '../lib/router.tsx';
import { liveFields, picklistFields } from '../lib/model.ts';
import { describeError, useToast } from '../components/feedback.tsx';
import { FieldValue } from './field-value.tsx';
import { useRecordRights } from './record-rights.ts';

const NO_VALUE = '__none__';
const PER_COLUMN = 50;

interface Column {
  key: string;
  label: string;
  color?: string;
  records: RecordData[];
  total?: number;
}

/** Board grouped by any picklist; dragging a card (or Alt+←/→ on a focused card) changes its value. */
export function KanbanView({ object, filter, sort }: { object: ObjectDef; filter: Filter | null; sort: string }) {
  const i18n = useI18n();
  const { t, tc } = i18n;
  const toast = useToast();
  const { search } = useLocation();
  const groupFields = picklistFields(object);
  const groupField = groupFields.find((f) => f.apiName === search.get('group')) ?? groupFields[0];
  const [columns, setColumns] = useState<Column[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);
  const [dragOver, setDragOver] = useState<string | null>(null);
  // Only a card the user may change moves (a read-only share, or a group field it may only read, stays put).
  const { rightsOf } = useRecordRights(object.apiName, (columns ?? []).flatMap((c) => c.records.map((r) => r.id)));
  const movable = (id: string) => !!groupField && !groupField.readOnly && rightsOf(id).edit;
  const filterKey = JSON.stringify(filter);
  // Column totals of the first money field, summed by the server over the same filter.
  const amountField = liveFields(object).find((f) => f.type === 'currency');
  const [summary, setSummary] = useState<PipelineSummary | null>(null);
  const [summaryTick, setSummaryTick] = useState(0);
  useEffect(() => {
    if (!groupField || !amountField) return;
    const controller = new AbortController();
    homeApi
      .pipeline(object.apiName, groupField.apiName, amountField.apiName, controller.signal, filter)
      .then(setSummary, () => setSummary(null));
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [object.apiName, groupField?.id, amountField?.id, filterKey, tick, summaryTick]);
  const columnAmount = (key: string) => summary?.stages.find((s) => s.value === key)?.amount ?? null;
  const cardFields = liveFields(object)
    .filter((f) => f.id !== object.nameFieldId && f !== groupField && ['currency', 'number', 'date', 'lookup', 'owner', 'email'].includes(f.type))
    .slice(0, 2);

  useEffect(() => {
    if (!groupField) return;
    const controller = new AbortController();
    const defs: { key: string; label: string; color?: string; filter: Filter }[] = [
      ...(groupField.values ?? [])
        .filter((v) => v.active !== false)
        .map((v) => ({ key: v.apiName, label: i18n.valueLabel(v), color: v.color, filter: { field: groupField.apiName, op: 'eq' as const, value: v.apiName } })),
      { key: NO_VALUE, label: t('kanban.noValue'), filter: { field: groupField.apiName, op: 'isNull' as const, value: true } },
    ];
    Promise.all(
      defs.map(async (d) => {
        const combined: Filter = filter ? { and: [filter, d.filter] } : d.filter;
        const res = await recordsApi.list(object.apiName, { filter: combined, sort, limit: PER_COLUMN, count: true }, controller.signal);
        return { key: d.key, label: d.label, color: d.color, records: res.data, total: res.total };
      }),
    ).then(
      (cols) => {
        setColumns(cols.filter((c) => c.key !== NO_VALUE || c.records.length));
        setError(null);
      },
      (err: unknown) => {
        if (!controller.signal.aborted) setError(err);
      },
    );
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [object.apiName, groupField?.id, filterKey, sort, tick, i18n.locale]);

  if (!groupField) return <p className="empty-state">{t('kanban.noPicklist')}</p>;

  const move = async (recordId: string, to: string) => {
    if (!columns) return;
    const from = columns.find((c) => c.records.some((r) => r.id === recordId));
    const record = from?.records.find((r) => r.id === recordId);
    if (!from || !record || from.key === to) return;
    const value = to === NO_VALUE ? null : to;
    const moved = { ...record, [groupField.apiName]: value };
    setColumns((cols) =>
      cols!.map((c) => {
        if (c.key === from.key) return { ...c, records: c.records.filter((r) => r.id !== recordId), total: (c.total ?? 1) - 1 };
        if (c.key === to) return { ...c, records: [moved, ...c.records], total: (c.total ?? 0) + 1 };
        return c;
      }),
    );
    try {
      const saved = await recordsApi.update(object.apiName, recordId, { [groupField.apiName]: value }, record.version);
      setColumns((cols) => cols!.map((c) => ({ ...c, records: c.records.map((r) => (r.id === recordId ? { ...r, ...saved } : r)) })));
      setSummaryTick((n) => n + 1);
      const target = columns.find((c) => c.key === to);
      toast(t('kanban.moved', { name: i18n.recordName(object, record), column: target?.label ?? '' }), 'success');
    } catch (err) {
      toast(err instanceof ApiError && err.status === 412 ? t('record.staleShort') : describeError(err, i18n), 'error');
      setTick((n) => n + 1);
    }
  };

  const onDrop = (e: DragEvent, key: string) => {
    e.preventDefault();
    setDragOver(null);
    const id = e.dataTransfer.getData('text/x-protean-record');
    if (id && movable(id)) void move(id, key);
  };

  const onCardKey = (e: KeyboardEvent, recordId: string, colIndex: number) => {
    if (!columns || !e.altKey || (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') || !movable(recordId)) return;
    e.preventDefault();
    const target = columns[colIndex + (e.key === 'ArrowLeft' ? -1 : 1)];
    if (target) void move(recordId, target.key);
  };

  return (
    <div className="kanban-wrap">
      <label className="inline-label">
        {t('kanban.groupBy')}{' '}
        <select value={groupField.apiName} onChange={(e) => setSearch({ group: e.target.value })}>
          {groupFields.map((f: FieldDef) => (
            <option key={f.id} value={f.apiName}>
              {i18n.fieldLabel(f)}
            </option>
          ))}
        </select>
      </label>
      <p className="hint" id="kanban-help">
        {t('kanban.help')}
      </p>
      {error ? <p role="alert">{describeError(error, i18n)}</p> : null}
      <div className="kanban" role="list" aria-label={i18n.fieldLabel(groupField)}>
        {(columns ?? []).map((c, ci) => (
          <section
            key={c.key}
            role="listitem"
            className={dragOver === c.key ? 'kanban-col drag-over' : 'kanban-col'}
            aria-label={c.label}
            data-column={c.key}
            onDragOver={(e) => {
              e.preventDefault();
              e.dataTransfer.dropEffect = 'move';
              setDragOver(c.key);
            }}
            onDragLeave={() => setDragOver((d) => (d === c.key ? null : d))}
            onDrop={(e) => onDrop(e, c.key)}
          >
            <header className="kanban-col-header">
              {c.color ? <span className="chip-dot" style={{ background: c.color }} aria-hidden="true" /> : null}
              <h2>{c.label}</h2>
              <span className="count">{tc('list.count', c.total ?? c.records.length)}</span>
            </header>
            {amountField && c.key !== NO_VALUE && columnAmount(c.key) !== null ? (
              <div className="kanban-col-total" data-testid="column-total">
                {t('common.labelled', { label: i18n.fieldLabel(amountField) })}
                {i18n.formatMoney(columnAmount(c.key)!, amountField.currencyCode, { scale: amountField.scale ?? 2 })}
              </div>
            ) : null}
            <ul className="kanban-cards">
              {c.records.map((r) => (
                <li
                  key={r.id}
                  className="kanban-card"
                  draggable={movable(r.id)}
                  tabIndex={0}
                  data-record={r.id}
                  aria-describedby={movable(r.id) ? 'kanban-help' : undefined}
                  onDragStart={(e) => {
                    e.dataTransfer.setData('text/x-protean-record', r.id);
                    e.dataTransfer.effectAllowed = 'move';
                  }}
                  onKeyDown={(e) => onCardKey(e, r.id, ci)}
                >
                  <Link to={`/o/${object.apiName}/${r.id}`} className="card-title">
                    {i18n.recordName(object, r)}
                  </Link>
                  {cardFields.map((f) => (
                    <div key={f.id} className="card-field">
                      <FieldValue field={f} value={r[f.apiName]} />
                    </div>
                  ))}
                </li>
              ))}
            </ul>
          </section>
        ))}
      </div>
    </div>
  );
}
