import type { KeyboardEvent } from 'react';
// Lightweight editors per field type for inline edit, filters and bulk edit (full forms use rjsf).
import type { FieldDef } from '../api/types.ts';
import { useI18n } from '../i18n/i18n.tsx';

interface Props {
  field: FieldDef;
  value: unknown;
  onChange: (value: unknown) => void;
  id?: string;
  label?: string;
  autoFocus?: boolean;
  invalid?: boolean;
  describedBy?: string;
  onKeyDown?: (e: KeyboardEvent) => void;
}

function toLocalInput(iso: unknown): string {
  if (typeof iso !== 'string' || !iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function FieldInput({ field, value, onChange, id, label, autoFocus, invalid, describedBy, onKeyDown }: Props) {
  const i18n = useI18n();
  const common = {
    id,
    'aria-label': label ?? i18n.fieldLabel(field),
    'aria-invalid': invalid || undefined,
    'aria-describedby': describedBy,
    autoFocus,
    onKeyDown,
  };
  switch (field.type) {
    case 'boolean':
      return <input type="checkbox" {...common} checked={value === true} onChange={(e) => onChange(e.target.checked)} />;
    case 'number':
    case 'currency':
    case 'percent':
      return (
        <input
          type="number"
          step="any"
          {...common}
          value={typeof value === 'number' ? value : ''}
          onChange={(e) => onChange(e.target.value === '' ? null : Number(e.target.value))}
        />
      );
    case 'date':
      return <input type="date" {...common} value={typeof value === 'string' ? value.slice(0, 10) : ''} onChange={(e) => onChange(e.target.value || null)} />;
    case 'datetime':
      return (
        <input
          type="datetime-local"
          {...common}
          value={toLocalInput(value)}
          onChange={(e) => onChange(e.target.value ? new Date(e.target.value).toISOString() : null)}
        />
      );
    case 'picklist':
      return (
        <select {...common} value={typeof value === 'string' ? value : ''} onChange={(e) => onChange(e.target.value || null)}>
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
    case 'multiPicklist': {
      const selected = Array.isArray(value) ? (value as string[]) : [];
      return (
        <select
          multiple
          {...common}
          value={selected}
          onChange={(e) => onChange(Array.from(e.target.selectedOptions).map((o) => o.value))}
        >
          {(field.values ?? []).map((v) => (
            <option key={v.id} value={v.apiName}>
              {i18n.valueLabel(v)}
            </option>
          ))}
        </select>
      );
    }
    case 'longText':
      return <textarea rows={3} {...common} value={typeof value === 'string' ? value : ''} onChange={(e) => onChange(e.target.value)} />;
    case 'email':
      return <input type="email" {...common} value={typeof value === 'string' ? value : ''} onChange={(e) => onChange(e.target.value)} />;
    case 'url':
      return <input type="url" {...common} value={typeof value === 'string' ? value : ''} onChange={(e) => onChange(e.target.value)} />;
    case 'phone':
      return <input type="tel" {...common} value={typeof value === 'string' ? value : ''} onChange={(e) => onChange(e.target.value)} />;
    default:
      return (
        <input
          type="text"
          {...common}
          value={typeof value === 'string' || typeof value === 'number' ? String(value) : value && typeof value === 'object' ? String((value as { id?: unknown }).id ?? '') : ''}
          onChange={(e) => onChange(e.target.value)}
        />
      );
  }
}
