import type { FieldDef } from '../api/types.ts';
import { widgetFor } from '../field-widgets/index.ts';
import { useI18n } from '../i18n/i18n.tsx';

/** Read-only display of one field value, formatted for the locale. */
export function FieldValue({ field, value }: { field: FieldDef; value: unknown }) {
  const i18n = useI18n();
  if (value === null || value === undefined || value === '' || (Array.isArray(value) && !value.length)) {
    return <span className="empty-value" aria-label={i18n.t('common.empty')}>—</span>;
  }
  const { Value } = widgetFor(field);
  return <Value field={field} value={value} />;
}

export { PicklistChip } from '../field-widgets/index.ts';
