import { useI18n } from '../i18n/i18n.tsx';
import type { FieldWidget } from './widget.ts';

export const checkboxWidget: FieldWidget = {
  Input: ({ value, onChange, attributes }) => <input type="checkbox" {...attributes} checked={value === true} onChange={(e) => onChange(e.target.checked)} />,
  Value: function YesNo({ value }) {
    const i18n = useI18n();
    return <span>{value ? i18n.t('common.yes') : i18n.t('common.no')}</span>;
  },
};
