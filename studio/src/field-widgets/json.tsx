import { TextInput } from './text.tsx';
import type { FieldWidget } from './widget.ts';

export const jsonWidget: FieldWidget = {
  Input: TextInput,
  Value: ({ value }) => <code className="mono">{JSON.stringify(value)}</code>,
};
