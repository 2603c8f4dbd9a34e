import { useI18n } from '../i18n/i18n.tsx';
import type { FieldWidget } from './widget.ts';

/** An ISO instant as the value of a datetime-local input, in the browser's zone. */
function toLocalInput(iso: unknown): string {
  if (typeof iso !== 'string' || !iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export const dateWidget: FieldWidget = {
  Input: ({ value, onChange, attributes }) => (
    <input type="date" {...attributes} value={typeof value === 'string' ? value.slice(0, 10) : ''} onChange={(e) => onChange(e.target.value || null)} />
  ),
  Value: function DateValue({ value }) {
    const i18n = useI18n();
    return <span>{i18n.formatDate(String(value))}</span>;
  },
};

export const datetimeWidget: FieldWidget = {
  Input: ({ value, onChange, attributes }) => (
    <input type="datetime-local" {...attributes} value={toLocalInput(value)} onChange={(e) => onChange(e.target.value ? new Date(e.target.value).toISOString() : null)} />
  ),
  Value: function DateTimeValue({ value }) {
    const i18n = useI18n();
    return <span>{i18n.formatDateTime(String(value))}</span>;
  },
};
