import { useEffect, useId, useState, type KeyboardEvent } from 'react';
import { recordsApi, type ObjectDef, type RecordData } from '../api/index.ts';
import { nameField } from '../lib/model.ts';
import { useI18n } from '../i18n/i18n.tsx';

interface Props {
  object: ObjectDef | undefined;
  value: string | null | undefined;
  onChange: (id: string | null, record?: RecordData) => void;
  id?: string;
  label: string;
  required?: boolean;
  disabled?: boolean;
  invalid?: boolean;
  autoFocus?: boolean;
  /** What the empty box says it is for, where no visible label stands beside it. */
  placeholder?: string;
}

/** A combobox that searches an object's records by name and yields the chosen record's id. */
export function RecordPicker({ object, value, onChange, id, label, required, disabled, invalid, autoFocus, placeholder }: Props) {
  const i18n = useI18n();
  const [text, setText] = useState('');
  const [selectedName, setSelectedName] = useState('');
  const [results, setResults] = useState<RecordData[]>([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const listId = useId();

  useEffect(() => {
    if (!value || !object) {
      setSelectedName('');
      return;
    }
    let live = true;
    recordsApi.get(object.apiName, value).then(
      (r) => live && setSelectedName(i18n.recordName(object, r)),
      () => live && setSelectedName(value),
    );
    return () => {
      live = false;
    };
  }, [value, object]);

  useEffect(() => {
    if (!open || !object) return;
    const nf = nameField(object);
    const controller = new AbortController();
    const timer = setTimeout(() => {
      recordsApi
        .list(object.apiName, { limit: 8, filter: text && nf ? { field: nf.apiName, op: 'contains', value: text } : null }, controller.signal)
        .then((r) => setResults(r.data), () => {});
    }, 150);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [text, open, object]);

  const choose = (r: RecordData) => {
    onChange(r.id, r);
    if (object) setSelectedName(i18n.recordName(object, r));
    setText('');
    setOpen(false);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setOpen(true);
      setActive((a) => Math.min(a + 1, results.length - 1));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((a) => Math.max(a - 1, 0));
    } else if (e.key === 'Enter' && open && results[active]) {
      e.preventDefault();
      choose(results[active]!);
    } else if (e.key === 'Escape' && open) {
      e.preventDefault();
      e.stopPropagation();
      setOpen(false);
    }
  };

  return (
    <div className="lookup">
      <input
        id={id}
        role="combobox"
        aria-expanded={open && results.length > 0}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-required={required || undefined}
        aria-invalid={invalid || undefined}
        aria-label={label}
        placeholder={placeholder}
        aria-activedescendant={open && results[active] ? `${listId}-${active}` : undefined}
        disabled={disabled}
        autoFocus={autoFocus}
        value={open ? text : selectedName}
        onFocus={() => {
          setText('');
          setOpen(true);
        }}
        onBlur={() => setTimeout(() => setOpen(false), 150)}
        onChange={(e) => {
          setText(e.target.value);
          setOpen(true);
          setActive(0);
          if (!e.target.value) onChange(null);
        }}
        onKeyDown={onKeyDown}
      />
      {open && results.length ? (
        <ul id={listId} role="listbox" className="lookup-list" aria-label={label}>
          {results.map((r, i) => (
            <li
              key={r.id}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === active}
              className={i === active ? 'active' : undefined}
              onMouseDown={(e) => {
                e.preventDefault();
                choose(r);
              }}
            >
              {object ? i18n.recordName(object, r) : r.id}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
