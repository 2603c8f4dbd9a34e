import { useI18n } from '../i18n/i18n.tsx';
import type { FieldWidget } from './widget.ts';

export function PicklistChip({ color, label }: { color?: string | undefined; label: string }) {
  return (
    <span className="chip">
      {color ? <span className="chip-dot" style={{ background: color }} aria-hidden="true" /> : null}
      {label}
    </span>
  );
}

/** One picklist value: inactive values are offered only when the record already holds them. */
export const selectWidget: FieldWidget = {
  Input: function SelectInput({ field, value, onChange, attributes }) {
    const i18n = useI18n();
    return (
      <select {...attributes} value={typeof value === 'string' ? value : ''} onChange={(e) => onChange(e.target.value || null)}>
        <option value="">{i18n.t('common.none')}</option>
        {(field.values ?? [])
          .filter((v) => v.active !== false || v.apiName === value)
          .map((v) => (
            <option key={v.id} value={v.apiName}>
              {i18n.valueLabel(v)}
            </option>
          ))}
      </select>
    );
  },
  Value: function PicklistValue({ field, value }) {
    const i18n = useI18n();
    const v = field.values?.find((x) => x.apiName === value);
    return v ? <PicklistChip color={v.color} label={i18n.valueLabel(v)} /> : <span>{String(value)}</span>;
  },
};

export const multiSelectWidget: FieldWidget = {
  Input: function MultiSelectInput({ field, value, onChange, attributes }) {
    const i18n = useI18n();
    const selected = Array.isArray(value) ? (value as string[]) : [];
    return (
      <select multiple {...attributes} value={selected} onChange={(e) => onChange(Array.from(e.target.selectedOptions).map((o) => o.value))}>
        {(field.values ?? []).map((v) => (
          <option key={v.id} value={v.apiName}>
            {i18n.valueLabel(v)}
          </option>
        ))}
      </select>
    );
  },
  Value: function MultiPicklistValue({ field, value }) {
    const i18n = useI18n();
    const list = Array.isArray(value) ? value : [value];
    return (
      <span className="chips">
        {list.map((item) => {
          const v = field.values?.find((x) => x.apiName === item);
          return <PicklistChip key={String(item)} color={v?.color} label={v ? i18n.valueLabel(v) : String(item)} />;
        })}
      </span>
    );
  },
};
