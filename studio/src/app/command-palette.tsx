import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { capitalise, useI18n } from '../i18n/i18n.tsx';
import { navigate } from '../lib/router.tsx';
import { navObjects } from '../lib/model.ts';
import { searchAll, type SearchHit } from '../lib/global-search.ts';
import { useSession } from './session.tsx';
import { allowedSetupSections, useCanSetup } from './setup-rights.ts';

interface Command {
  id: string;
  label: string;
  group: string;
  run: () => void;
}

interface Props {
  onClose: () => void;
  onQuickCreate: (object: string) => void;
}

function matches(label: string, query: string): boolean {
  const q = query.trim().toLowerCase();
  if (!q) return true;
  const l = label.toLowerCase();
  return q.split(/\s+/).every((part) => l.includes(part));
}

/** Ctrl/Cmd-K: jump to any object, record or Setup page, or create a record, by keyboard alone. */
export function CommandPalette({ onClose, onQuickCreate }: Props) {
  const i18n = useI18n();
  const { t } = i18n;
  const { snapshot, can } = useSession();
  const canSetup = useCanSetup();
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const [hits, setHits] = useState<SearchHit[]>([]);
  const inputRef = useRef<HTMLInputElement>(null);
  const dialogRef = useRef<HTMLDialogElement>(null);
  const listId = useId();

  useEffect(() => {
    const d = dialogRef.current;
    if (d && !d.open) d.showModal();
    inputRef.current?.focus();
  }, []);

  useEffect(() => {
    if (query.trim().length < 2) {
      setHits([]);
      return;
    }
    const controller = new AbortController();
    const timer = setTimeout(() => {
      searchAll(snapshot, query, 3, controller.signal).then(setHits, () => {});
    }, 200);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [query, snapshot]);

  const commands = useMemo<Command[]>(() => {
    const list: Command[] = [];
    const go = (path: string) => () => {
      onClose();
      navigate(path);
    };
    for (const o of navObjects(snapshot)) {
      list.push({ id: `go:${o.id}`, group: t('palette.go'), label: t('palette.goTo', { target: i18n.objectLabel(o, 'plural') }), run: go(`/o/${o.apiName}`) });
    }
    for (const o of navObjects(snapshot).filter((x) => can(x.apiName, 'create'))) {
      list.push({
        id: `new:${o.id}`,
        group: t('palette.create'),
        label: t('record.new', { object: i18n.objectNoun(o) }),
        run: () => {
          onClose();
          onQuickCreate(o.apiName);
        },
      });
    }
    list.push({ id: 'recycle', group: t('palette.go'), label: t('recycle.title'), run: go('/recycle-bin') });
    list.push({ id: 'approvals', group: t('palette.go'), label: t('approvals.title'), run: go('/approvals') });
    list.push({ id: 'account', group: t('palette.go'), label: t('account.title'), run: go('/account') });
    for (const p of allowedSetupSections(canSetup)) {
      list.push({ id: `setup:${p.path}`, group: t('shell.setup'), label: `${t('shell.setup')}: ${t(p.label)}`, run: go(p.path) });
    }
    if (canSetup('terms')) {
      // Each glossary term, named by its current word: "Setup: Terminology › Patient".
      for (const term of snapshot.terms ?? []) {
        list.push({
          id: `setup-term:${term.key}`,
          group: t('shell.setup'),
          label: `${t('shell.setup')}: ${t('setup.terminology')} › ${i18n.resolve(`{${capitalise(term.key)}}`)}`,
          run: go(`/setup/terminology?term=${encodeURIComponent(term.key)}`),
        });
      }
    }
    if (canSetup('model')) {
      for (const o of snapshot.objects) {
        list.push({
          id: `setup-object:${o.id}`,
          group: t('shell.setup'),
          label: `${t('shell.setup')}: ${t('setup.objects')} › ${i18n.objectLabel(o)}`,
          run: go(`/setup/objects/${o.apiName}`),
        });
      }
    }
    return list;
  }, [snapshot, canSetup, can, i18n, t, onClose, onQuickCreate]);

  const visible = useMemo(() => {
    const list = commands.filter((c) => matches(c.label, query));
    for (const hit of hits) {
      for (const r of hit.records) {
        list.push({
          id: `record:${hit.object.id}:${r.id}`,
          group: t('palette.records'),
          label: `${i18n.recordName(hit.object, r)} · ${i18n.objectLabel(hit.object)}`,
          run: () => {
            onClose();
            navigate(`/o/${hit.object.apiName}/${r.id}`);
          },
        });
      }
    }
    return list.slice(0, 50);
  }, [commands, query, hits, onClose, i18n, t]);

  useEffect(() => setActive(0), [query]);

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setActive((a) => Math.min(a + 1, visible.length - 1));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((a) => Math.max(a - 1, 0));
    } else if (e.key === 'Enter') {
      e.preventDefault();
      visible[active]?.run();
    }
  };

  useEffect(() => {
    document.getElementById(`${listId}-${active}`)?.scrollIntoView({ block: 'nearest' });
  }, [active, listId]);

  return (
    <dialog
      ref={dialogRef}
      className="palette"
      aria-label={t('palette.title')}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      onClick={(e) => {
        if (e.target === dialogRef.current) onClose();
      }}
    >
      <input
        ref={inputRef}
        className="palette-input"
        role="combobox"
        aria-expanded="true"
        aria-controls={listId}
        aria-activedescendant={visible.length ? `${listId}-${active}` : undefined}
        aria-label={t('palette.title')}
        placeholder={t('palette.placeholder')}
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={onKeyDown}
      />
      <ul id={listId} role="listbox" className="palette-list" aria-label={t('palette.results')}>
        {visible.map((c, i) => (
          <li
            key={c.id}
            id={`${listId}-${i}`}
            role="option"
            aria-selected={i === active}
            className={i === active ? 'active' : undefined}
            onMouseEnter={() => setActive(i)}
            onClick={() => c.run()}
          >
            <span className="palette-label">{c.label}</span>
            <span className="palette-group">{c.group}</span>
          </li>
        ))}
        {!visible.length ? <li className="palette-empty">{t('palette.empty')}</li> : null}
      </ul>
    </dialog>
  );
}
