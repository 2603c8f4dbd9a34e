import { useState } from 'react';
import type { PageProps } from '../app/routes.tsx';
import { metadataApi, type ObjectDef, type Operation } from '../api/index.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { useSession } from '../app/session.tsx';
import { ErrorBox, useToast } from '../components/feedback.tsx';
import { DataTable } from '../components/data-table.tsx';
import { useBasedOn } from './based-on-revision.ts';

interface Row {
  object: ObjectDef;
  shown: boolean;
}

function initialRows(objects: ObjectDef[]): Row[] {
  const shown = objects.filter((o) => typeof o.navOrder === 'number').sort((a, b) => a.navOrder! - b.navOrder!);
  const hidden = objects.filter((o) => typeof o.navOrder !== 'number');
  return [...shown.map((o) => ({ object: o, shown: true })), ...hidden.map((o) => ({ object: o, shown: false }))];
}

/** Which objects the CRM navigation shows, in what order (navOrder on each object). */
export default function NavigationPage(_: PageProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const toast = useToast();
  const { snapshot, refreshSnapshot } = useSession();
  const [rows, setRows] = useState<Row[]>(() => initialRows(snapshot.objects));
  // The rows are read again after each save, and on a refusal's request: their revision with them.
  const [basedOn, rebase] = useBasedOn();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const move = (i: number, d: number) =>
    setRows((rs) => {
      const next = [...rs];
      const [r] = next.splice(i, 1);
      next.splice(i + d, 0, r!);
      return next;
    });

  const save = async () => {
    setBusy(true);
    setError(null);
    const operations: Operation[] = [];
    let order = 1;
    for (const r of rows) {
      const navOrder = r.shown ? order++ : null;
      if ((r.object.navOrder ?? null) !== navOrder) {
        operations.push({ op: 'updateObject', object: r.object.id, patch: { navOrder } } as Operation);
      }
    }
    try {
      if (operations.length) {
        const result = await metadataApi.change({ message: t('nav.changeMessage'), operations }, basedOn);
        toast(t('setup.savedRevision', { revision: result.revision }), 'success');
      }
      await loadLatest();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const loadLatest = async () => {
    const next = await refreshSnapshot();
    setRows(initialRows(next.objects));
    rebase(next.revision);
    setError(null);
  };

  return (
    <div className="page">
      <header className="page-header">
        <h1>{t('setup.navigation')}</h1>
        <span className="spacer" />
        <button type="button" className="btn btn-primary btn-small" disabled={busy} onClick={() => void save()}>
          {t('action.save')}
        </button>
      </header>
      <p className="hint">{t('nav.help')}</p>
      {error ? <ErrorBox error={error} onLoadLatest={loadLatest} /> : null}
      <DataTable label={t('setup.navigation')} columns={[t('nav.show'), t('setup.label'), t('picklist.order')]}>
        {rows.map((r, i) => {
          const label = i18n.objectLabel(r.object, 'plural');
          return (
            <tr key={r.object.id} data-object={r.object.apiName}>
              <td>
                <input
                  type="checkbox"
                  checked={r.shown}
                  aria-label={t('nav.showNamed', { name: label })}
                  onChange={(e) => setRows((rs) => rs.map((x, j) => (j === i ? { ...x, shown: e.target.checked } : x)))}
                />
              </td>
              <td>{label}</td>
              <td>
                <button type="button" className="btn-icon" aria-label={t('layout.moveUpNamed', { name: label })} disabled={i === 0} onClick={() => move(i, -1)}>
                  ↑
                </button>
                <button type="button" className="btn-icon" aria-label={t('layout.moveDownNamed', { name: label })} disabled={i === rows.length - 1} onClick={() => move(i, 1)}>
                  ↓
                </button>
              </td>
            </tr>
          );
        })}
      </DataTable>
    </div>
  );
}
