import { useI18n } from '../i18n/i18n.tsx';
import type { FieldWidget, WidgetInputProps } from './widget.ts';

function NumberInput({ value, onChange, attributes }: WidgetInputProps) {
  return (
    <input
      type="number"
      step="any"
      {...attributes}
      value={typeof value === 'number' ? value : ''}
      onChange={(e) => onChange(e.target.value === '' ? null : Number(e.target.value))}
    />
  );
}

export const numberWidget: FieldWidget = {
  Input: NumberInput,
  Value: function NumberValue({ field, value }) {
    const i18n = useI18n();
    return <span className="num">{typeof value === 'number' ? i18n.formatNumber(value, { maximumFractionDigits: field.scale ?? 6 }) : String(value)}</span>;
  },
};

export const currencyWidget: FieldWidget = {
  Input: NumberInput,
  Value: function CurrencyValue({ field, value }) {
    const i18n = useI18n();
    // data-money marks an amount Intl formatted: its currency symbol ("US$") is the locale's, not a word to translate.
    return (
      <span className="num" data-money={typeof value === 'number' ? '' : undefined}>
        {typeof value === 'number'
          ? i18n.formatMoney(value, field.currencyCode, { scale: field.scale ?? 2 })
          : String(value)}
      </span>
    );
  },
};

/** Percent values are stored as written (12.5 = 12.5 %). */
export const percentWidget: FieldWidget = {
  Input: NumberInput,
  Value: function PercentValue({ value }) {
    const i18n = useI18n();
    return <span className="num">{typeof value === 'number' ? i18n.formatNumber(value / 100, { style: 'percent', maximumFractionDigits: 2 }) : String(value)}</span>;
  },
};
