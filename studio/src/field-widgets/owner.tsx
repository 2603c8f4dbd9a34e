import { useUserName } from '../lib/user-directory.ts';
import { TextInput } from './text.tsx';
import type { FieldWidget } from './widget.ts';

/** A user, shown by name from the user directory. */
export const ownerWidget: FieldWidget = {
  Input: TextInput,
  Value: function UserName({ value }) {
    const id = String(value);
    const name = useUserName(id);
    return <span title={name ? undefined : id}>{name ?? id.slice(0, 8)}</span>;
  },
};
