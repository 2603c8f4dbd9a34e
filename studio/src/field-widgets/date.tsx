import { useI18n } from '../i18n/i18n.tsx';
import { fromZoneInput, toZoneInput } from '../lib/time-zone.ts';
import type { FieldWidget } from './widget.ts';

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
  // Edited on the clock it is shown in: the user's time zone, not necessarily the browser's.
  Input: function DateTimeInput({ value, onChange, attributes }) {
    const { timeZone } = useI18n();
    return <input type="datetime-local" {...attributes} value={toZoneInput(value, timeZone)} onChange={(e) => onChange(e.target.value ? fromZoneInput(e.target.value, timeZone) : null)} />;
  },
  Value: function DateTimeValue({ value }) {
    const i18n = useI18n();
    return <span>{i18n.formatDateTime(String(value))}</span>;
  },
};
