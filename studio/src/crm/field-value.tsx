import { useEffect, useState } from 'react';
import { recordsApi } from '../api/index.ts';
import type { FieldDef, ObjectDef } from '../api/types.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { Link } from '../lib/router.tsx';
import { useSession } from '../app/session.tsx';
import { findObject, recordName } from '../lib/model.ts';
import { useUserName } from '../lib/user-directory.ts';

/** Read-only display of one field value, formatted for the locale. */
export function FieldValue({ field, value }: { field: FieldDef; value: unknown }) {
  const i18n = useI18n();
  const { snapshot } = useSession();
  if (value === null || value === undefined || value === '' || (Array.isArray(value) && !value.length)) {
    return <span className="empty-value" aria-label={i18n.t('common.empty')}>—</span>;
  }
  switch (field.type) {
    case 'boolean':
      return <span>{value ? i18n.t('common.yes') : i18n.t('common.no')}</span>;
    case 'number':
      return <span className="num">{typeof value === 'number' ? i18n.formatNumber(value, { maximumFractionDigits: field.scale ?? 6 }) : String(value)}</span>;
    case 'currency':
      return (
        <span className="num">
          {typeof value === 'number'
            ? i18n.formatNumber(value, field.currencyCode ? { style: 'currency', currency: field.currencyCode } : { minimumFractionDigits: 2, maximumFractionDigits: 2 })
            : String(value)}
        </span>
      );
    case 'percent':
      return <span className="num">{typeof value === 'number' ? i18n.formatNumber(value / 100, { style: 'percent', maximumFractionDigits: 2 }) : String(value)}</span>;
    case 'date':
      return <span>{i18n.formatDate(String(value))}</span>;
    case 'datetime':
      return <span>{i18n.formatDateTime(String(value))}</span>;
    case 'email':
      return <a href={`mailto:${String(value)}`}>{String(value)}</a>;
    case 'phone':
      return <a href={`tel:${String(value)}`}>{String(value)}</a>;
    case 'url':
      return (
        <a href={String(value)} target="_blank" rel="noreferrer noopener">
          {String(value)}
        </a>
      );
    case 'picklist': {
      const v = field.values?.find((x) => x.apiName === value);
      return v ? <PicklistChip color={v.color} label={i18n.valueLabel(v)} /> : <span>{String(value)}</span>;
    }
    case 'multiPicklist': {
      const list = Array.isArray(value) ? value : [value];
      return (
        <span className="chips">
          {list.map((item) => {
            const v = field.values?.find((x) => x.apiName === item);
            return <PicklistChip key={String(item)} color={v?.color} label={v ? i18n.valueLabel(v) : String(item)} />;
          })}
        </span>
      );
    }
    case 'lookup': {
      const target = field.lookup ? findObject(snapshot, field.lookup.objectId) : undefined;
      const id = typeof value === 'object' ? String((value as { id?: unknown }).id ?? '') : String(value);
      const name = typeof value === 'object' && target ? recordName(target, value as Record<string, unknown>) : null;
      return target ? <LookupLink object={target} id={id} name={name} /> : <span>{id}</span>;
    }
    case 'owner':
      return <UserName id={String(value)} />;
    case 'json':
      return <code className="mono">{JSON.stringify(value)}</code>;
    case 'longText':
      return <span className="pre-wrap">{String(value)}</span>;
    default:
      return <span>{String(value)}</span>;
  }
}

function UserName({ id }: { id: string }) {
  const name = useUserName(id);
  return <span title={name ? undefined : id}>{name ?? id.slice(0, 8)}</span>;
}

export function PicklistChip({ color, label }: { color?: string; label: string }) {
  return (
    <span className="chip">
      {color ? <span className="chip-dot" style={{ background: color }} aria-hidden="true" /> : null}
      {label}
    </span>
  );
}

function LookupLink({ object, id, name }: { object: ObjectDef; id: string; name: string | null }) {
  return <Link to={`/o/${object.apiName}/${id}`}>{name && name !== id ? name : <LookupName object={object} id={id} />}</Link>;
}

const nameCache = new Map<string, Promise<string>>();

/** Resolves a lookup id to the record's name when the list did not expand it. */
function LookupName({ object, id }: { object: ObjectDef; id: string }) {
  const [name, setName] = useState<string>('…');
  useEffect(() => {
    const key = `${object.id}:${id}`;
    let p = nameCache.get(key);
    if (!p) {
      p = recordsApi.get(object.apiName, id).then((r) => recordName(object, r), () => id);
      nameCache.set(key, p);
    }
    let live = true;
    void p.then((n) => live && setName(n));
    return () => {
      live = false;
    };
  }, [object, id]);
  return <>{name}</>;
}
