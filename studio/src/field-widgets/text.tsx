import type { FieldWidget, WidgetInputProps } from './widget.ts';

const text = (value: unknown) => (typeof value === 'string' ? value : '');

/** A text box; also the fallback editor of ids and JSON, showing an expanded lookup's id. */
export function TextInput({ value, onChange, attributes }: WidgetInputProps) {
  const shown = typeof value === 'string' || typeof value === 'number' ? String(value) : value && typeof value === 'object' ? String((value as { id?: unknown }).id ?? '') : '';
  return <input type="text" {...attributes} value={shown} onChange={(e) => onChange(e.target.value)} />;
}

export function PlainValue({ value }: { value: unknown }) {
  return <span>{String(value)}</span>;
}

function typedInput(type: 'email' | 'url' | 'tel') {
  return function TypedInput({ value, onChange, attributes }: WidgetInputProps) {
    return <input type={type} {...attributes} value={text(value)} onChange={(e) => onChange(e.target.value)} />;
  };
}

export const textWidget: FieldWidget = { Input: TextInput, Value: PlainValue };

export const textareaWidget: FieldWidget = {
  Input: ({ value, onChange, attributes }) => <textarea rows={3} {...attributes} value={text(value)} onChange={(e) => onChange(e.target.value)} />,
  Value: ({ value }) => <span className="pre-wrap">{String(value)}</span>,
};

export const emailWidget: FieldWidget = {
  Input: typedInput('email'),
  Value: ({ value }) => <a href={`mailto:${String(value)}`}>{String(value)}</a>,
};

export const phoneWidget: FieldWidget = {
  Input: typedInput('tel'),
  Value: ({ value }) => <a href={`tel:${String(value)}`}>{String(value)}</a>,
};

export const urlWidget: FieldWidget = {
  Input: typedInput('url'),
  Value: ({ value }) => (
    <a href={String(value)} target="_blank" rel="noreferrer noopener">
      {String(value)}
    </a>
  ),
};

export const autonumberWidget: FieldWidget = { Input: TextInput, Value: PlainValue };
