import type { KeyboardEvent } from 'react';
// Lightweight editors per field type for inline edit, filters and bulk edit (full forms use rjsf);
// each type's editor is its widget's Input (field-widgets/).
import type { FieldDef } from '../api/types.ts';
import { widgetFor } from '../field-widgets/index.ts';
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

export function FieldInput({ field, value, onChange, id, label, autoFocus, invalid, describedBy, onKeyDown }: Props) {
  const i18n = useI18n();
  const { Input } = widgetFor(field);
  const attributes = {
    id,
    'aria-label': label ?? i18n.fieldLabel(field),
    'aria-invalid': invalid || undefined,
    'aria-describedby': describedBy,
    autoFocus,
    onKeyDown,
  };
  return <Input field={field} value={value} onChange={onChange} attributes={attributes} />;
}
