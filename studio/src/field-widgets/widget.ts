// What the studio needs to edit and show one field type. The metadata registry names a widget
// per field type (`fieldType(type).widget`); index.ts maps each name to its components and
// form-ui.ts to its look in rjsf forms.
import type { KeyboardEvent, ReactNode } from 'react';
import type { FieldDef } from '../api/types.ts';

/** Attributes every inline editor puts on its control. */
export interface InputAttributes {
  id: string | undefined;
  'aria-label': string;
  'aria-invalid': true | undefined;
  'aria-describedby': string | undefined;
  autoFocus: boolean | undefined;
  onKeyDown: ((e: KeyboardEvent) => void) | undefined;
}

export interface WidgetInputProps {
  field: FieldDef;
  value: unknown;
  onChange: (value: unknown) => void;
  attributes: InputAttributes;
}

export interface FieldWidget {
  /** The lightweight editor for inline edit, filters and bulk edit (full forms use rjsf). */
  Input: (props: WidgetInputProps) => ReactNode;
  /** Read-only display of a non-empty value, formatted for the locale. */
  Value: (props: { field: FieldDef; value: unknown }) => ReactNode;
}
