import type { FieldDef, Snapshot } from '../api/types.ts';
import { useSession } from '../app/session.tsx';
import { widgetFor } from '../field-widgets/index.ts';
import { useI18n } from '../i18n/i18n.tsx';

/** Read-only display of one field value, formatted for the locale. */
export function FieldValue({ field, value }: { field: FieldDef; value: unknown }) {
  const i18n = useI18n();
  const { snapshot } = useSession();
  if (value === null || value === undefined || value === '' || (Array.isArray(value) && !value.length)) {
    return <span className="empty-value" aria-label={i18n.t('common.empty')}>—</span>;
  }
  const shown = shownAs(snapshot, field);
  const { Value } = widgetFor(shown);
  return <Value field={shown} value={value} />;
}

const shownFields = new WeakMap<FieldDef, FieldDef>();

/**
 * The field as its values read: a roll-up that sums, or keeps the smallest or largest of, a
 * currency field gives an amount of that field's currency, and reads as the field itself does
 * ("$1,234.50", not 1234.5). A roll-up only declares its result type (a number), not its unit.
 */
export function shownAs(snapshot: Snapshot, field: FieldDef): FieldDef {
  const rollup = field.type === 'rollup' ? field.rollup : undefined;
  if (!rollup?.fieldId || rollup.function === 'count') return field;
  let shown = shownFields.get(field);
  if (!shown) {
    const child = snapshot.objects.find((o) => o.id === rollup.childObjectId)?.fields.find((f) => f.id === rollup.fieldId);
    shown = child?.type === 'currency' ? { ...field, type: 'currency', currencyCode: child.currencyCode, scale: child.scale } : field;
    shownFields.set(field, shown);
  }
  return shown;
}

export { PicklistChip } from '../field-widgets/index.ts';
