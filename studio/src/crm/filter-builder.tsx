import { useState } from 'react';
import type { FieldDef, FilterOp, ObjectDef } from '../api/types.ts';
import { useI18n, type MessageKey } from '../i18n/i18n.tsx';
import { useSession } from '../app/session.tsx';
import { liveFields, lookupTargets } from '../lib/model.ts';
import { defaultValueFor, opsFor, type FilterRow, type FilterState } from './filters.ts';
import { FieldInput } from './field-input.tsx';
import { RecordPicker } from '../components/record-picker.tsx';

const opLabels: Record<FilterOp, MessageKey> = {
  eq: 'filter.op.eq',
  ne: 'filter.op.ne',
  lt: 'filter.op.lt',
  lte: 'filter.op.lte',
  gt: 'filter.op.gt',
  gte: 'filter.op.gte',
  in: 'filter.op.in',
  nin: 'filter.op.nin',
  contains: 'filter.op.contains',
  startsWith: 'filter.op.startsWith',
  isNull: 'filter.op.isNull',
};

interface Props {
  object: ObjectDef;
  initial: FilterState;
  onApply: (state: FilterState) => void;
  onCancel: () => void;
}

export function FilterBuilder({ object, initial, onApply, onCancel }: Props) {
  const { t } = useI18n();
  const i18n = useI18n();
  const fields = liveFields(object);
  const [state, setState] = useState<FilterState>(() => (initial.rows.length ? initial : { match: 'and', rows: [] }));

  const update = (index: number, patch: Partial<FilterRow>) =>
    setState((s) => ({ ...s, rows: s.rows.map((r, i) => (i === index ? { ...r, ...patch } : r)) }));

  const addRow = () => {
    const field = fields[0];
    if (!field) return;
    const op = opsFor(field)[0]!;
    setState((s) => ({ ...s, rows: [...s.rows, { field: field.apiName, op, value: defaultValueFor(field, op) }] }));
  };

  return (
    <form
      className="filter-builder"
      aria-label={t('filter.title')}
      onSubmit={(e) => {
        e.preventDefault();
        onApply(state);
      }}
    >
      <div className="filter-match">
        <label>
          {t('filter.match')}{' '}
          <select value={state.match} onChange={(e) => setState((s) => ({ ...s, match: e.target.value === 'or' ? 'or' : 'and' }))}>
            <option value="and">{t('filter.matchAll')}</option>
            <option value="or">{t('filter.matchAny')}</option>
          </select>
        </label>
      </div>
      {state.rows.map((row, i) => {
        const field = fields.find((f) => f.apiName === row.field) ?? fields[0]!;
        const ops = opsFor(field);
        return (
          <div className="filter-row" key={i} role="group" aria-label={t('filter.condition', { n: i + 1 })}>
            <select
              aria-label={t('filter.field')}
              value={row.field}
              onChange={(e) => {
                const f = fields.find((x) => x.apiName === e.target.value)!;
                const op = opsFor(f)[0]!;
                update(i, { field: f.apiName, op, value: defaultValueFor(f, op) });
              }}
            >
              {fields.map((f) => (
                <option key={f.id} value={f.apiName}>
                  {i18n.fieldLabel(f)}
                </option>
              ))}
            </select>
            <select
              aria-label={t('filter.operator')}
              value={row.op}
              onChange={(e) => {
                const op = e.target.value as FilterOp;
                update(i, { op, value: defaultValueFor(field, op) });
              }}
            >
              {ops.map((op) => (
                <option key={op} value={op}>
                  {t(opLabels[op])}
                </option>
              ))}
            </select>
            <FilterValue field={field} row={row} onChange={(value) => update(i, { value })} />
            <button type="button" className="btn-icon" aria-label={t('filter.remove')} onClick={() => setState((s) => ({ ...s, rows: s.rows.filter((_, j) => j !== i) }))}>
              ×
            </button>
          </div>
        );
      })}
      <div className="filter-actions">
        <button type="button" className="btn btn-small" onClick={addRow}>
          + {t('filter.add')}
        </button>
        <span className="spacer" />
        <button type="button" className="btn btn-small" onClick={() => onApply({ match: 'and', rows: [] })}>
          {t('filter.clear')}
        </button>
        <button type="button" className="btn btn-small" onClick={onCancel}>
          {t('action.cancel')}
        </button>
        <button type="submit" className="btn btn-primary btn-small">
          {t('filter.apply')}
        </button>
      </div>
    </form>
  );
}

function FilterValue({ field, row, onChange }: { field: FieldDef; row: FilterRow; onChange: (v: unknown) => void }) {
  const { t } = useI18n();
  const i18n = useI18n();
  const { snapshot } = useSession();
  const label = t('filter.value');
  if (row.op === 'isNull') {
    return (
      <select aria-label={label} value={row.value === false ? 'false' : 'true'} onChange={(e) => onChange(e.target.value === 'true')}>
        <option value="true">{t('filter.isEmpty')}</option>
        <option value="false">{t('filter.isNotEmpty')}</option>
      </select>
    );
  }
  if (row.op === 'in' || row.op === 'nin' || (field.type === 'multiPicklist' && row.op === 'contains')) {
    const multiple = row.op !== 'contains';
    const selected = Array.isArray(row.value) ? (row.value as string[]) : row.value ? [String(row.value)] : [];
    return (
      <select
        aria-label={label}
        multiple={multiple}
        value={multiple ? selected : (selected[0] ?? '')}
        onChange={(e) => onChange(multiple ? Array.from(e.target.selectedOptions).map((o) => o.value) : e.target.value)}
      >
        {!multiple ? <option value="" /> : null}
        {(field.values ?? []).map((v) => (
          <option key={v.id} value={v.apiName}>
            {i18n.valueLabel(v)}
          </option>
        ))}
      </select>
    );
  }
  if (field.type === 'lookup') {
    return <RecordPicker object={lookupTargets(snapshot, field)} value={typeof row.value === 'string' ? row.value : null} onChange={(id) => onChange(id ?? '')} label={label} />;
  }
  if (field.type === 'boolean') {
    return (
      <select aria-label={label} value={row.value === false ? 'false' : 'true'} onChange={(e) => onChange(e.target.value === 'true')}>
        <option value="true">{t('common.yes')}</option>
        <option value="false">{t('common.no')}</option>
      </select>
    );
  }
  const inputField: FieldDef = field.type === 'longText' ? { ...field, type: 'text' } : field;
  return <FieldInput field={inputField} value={row.value} onChange={onChange} label={label} />;
}
