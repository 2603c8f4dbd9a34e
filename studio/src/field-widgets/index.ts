// The studio side of the field-type registry: each widget name a field type declares in
// @protean/metadata/field-types maps to its editor, display and form ui here.
import { fieldType, type FieldWidgetName } from '@protean/metadata/field-types';
import type { FieldDef } from '../api/types.ts';
import { checkboxWidget } from './checkbox.tsx';
import { dateWidget, datetimeWidget } from './date.tsx';
import { jsonWidget } from './json.tsx';
import { lookupWidget } from './lookup.tsx';
import { currencyWidget, numberWidget, percentWidget } from './number.tsx';
import { ownerWidget } from './owner.tsx';
import { multiSelectWidget, selectWidget } from './select.tsx';
import { autonumberWidget, emailWidget, phoneWidget, textareaWidget, textWidget, urlWidget } from './text.tsx';
import type { FieldWidget } from './widget.ts';

export const fieldWidgets: Record<FieldWidgetName, FieldWidget> = {
  text: textWidget,
  textarea: textareaWidget,
  email: emailWidget,
  phone: phoneWidget,
  url: urlWidget,
  number: numberWidget,
  currency: currencyWidget,
  percent: percentWidget,
  checkbox: checkboxWidget,
  date: dateWidget,
  datetime: datetimeWidget,
  select: selectWidget,
  multiSelect: multiSelectWidget,
  lookup: lookupWidget,
  owner: ownerWidget,
  autonumber: autonumberWidget,
  json: jsonWidget,
};

/** The widget of a field's type (a formula's or roll-up's: that of the value it gives). */
export function widgetFor(field: Pick<FieldDef, 'type'> & Partial<FieldDef>): FieldWidget {
  return fieldWidgets[fieldType(field as FieldDef).widget];
}

export type { FieldWidget, InputAttributes, WidgetInputProps } from './widget.ts';
export { PicklistChip } from './select.tsx';
