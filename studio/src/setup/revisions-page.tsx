import { useState } from 'react';
import type { PageProps } from '../app/routes.tsx';
import { metadataApi, type DescribedChange, type DiffEntry, type RevisionSummary } from '../api/index.ts';
import { useI18n, type MessageKey } from '../i18n/i18n.tsx';
import { useSession } from '../app/session.tsx';
import { findObject } from '../lib/model.ts';
import { useAsync } from '../lib/use-async.ts';
import { ConfirmDialog } from '../components/dialog.tsx';
import { ErrorBox, Loading, useToast } from '../components/feedback.tsx';
import { DataTable } from '../components/data-table.tsx';

/** Metadata revisions: who and when, a readable diff of any two, and restore as a new revision. */
export default function RevisionsPage(_: PageProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const toast = useToast();
  const { refreshSnapshot } = useSession();
  const list = useAsync(() => metadataApi.revisions(), []);
  const [from, setFrom] = useState<number | null>(null);
  const [to, setTo] = useState<number | null>(null);
  const [restoring, setRestoring] = useState<RevisionSummary | null>(null);
  const [error, setError] = useState<unknown>(null);

  const revisions = list.data ?? [];
  const latest = revisions[0]?.revision;
  const toRev = to ?? latest ?? null;
  const fromRev = from ?? (toRev !== null && toRev > 1 ? toRev - 1 : null);

  const restore = async (r: RevisionSummary) => {
    setRestoring(null);
    setError(null);
    try {
      // Based on the newest revision the page lists: one saved since is not undone unseen.
      const res = await metadataApi.restore(r.revision, latest);
      await refreshSnapshot();
      toast(t('revisions.restored', { revision: r.revision, next: res.revision }), 'success');
      list.reload();
      setTo(null);
      setFrom(null);
    } catch (err) {
      setError(err);
    }
  };

  return (
    <div className="page">
      <h1>{t('setup.revisions')}</h1>
      {list.error ? <ErrorBox error={list.error} onRetry={list.reload} /> : null}
      {error ? <ErrorBox error={error} /> : null}
      {list.loading && !list.data ? <Loading /> : null}
      <div className="setup-columns">
        <DataTable label={t('setup.revisions')} columns={[t('revisions.number'), t('revisions.author'), t('revisions.when'), t('revisions.message'), t('revisions.compareFrom'), t('revisions.compareTo')]} actions>
          {revisions.map((r) => (
            <tr key={r.revision} data-revision={r.revision}>
              <td className="num">{r.revision}</td>
              <td className="nowrap">{r.authorName ?? t('revisions.system')}</td>
              <td className="nowrap">{i18n.formatDateTime(r.createdAt)}</td>
              <td>
                {r.message ?? ''}
                {typeof r.changes === 'number' ? <span className="muted"> {i18n.tc('revisions.changes', r.changes)}</span> : null}
              </td>
              <td>
                <input type="radio" name="from" aria-label={t('revisions.compareFromNamed', { revision: r.revision })} checked={fromRev === r.revision} onChange={() => setFrom(r.revision)} />
              </td>
              <td>
                <input type="radio" name="to" aria-label={t('revisions.compareToNamed', { revision: r.revision })} checked={toRev === r.revision} onChange={() => setTo(r.revision)} />
              </td>
              <td>
                {r.revision !== latest ? (
                  <button type="button" className="btn btn-small" onClick={() => setRestoring(r)} aria-label={t('revisions.restoreNamed', { revision: r.revision })}>
                    {t('revisions.restore')}
                  </button>
                ) : (
                  <span className="badge">{t('revisions.current')}</span>
                )}
              </td>
            </tr>
          ))}
        </DataTable>
        {fromRev !== null && toRev !== null && fromRev !== toRev ? <DiffView from={fromRev} to={toRev} /> : null}
      </div>
      <ConfirmDialog
        open={!!restoring}
        title={t('revisions.restore')}
        message={restoring ? t('revisions.restoreConfirm', { revision: restoring.revision }) : ''}
        confirmLabel={t('revisions.restore')}
        onCancel={() => setRestoring(null)}
        onConfirm={() => restoring && void restore(restoring)}
      />
    </div>
  );
}

const actionKeys: Record<string, MessageKey> = {
  created: 'diff.created',
  updated: 'diff.updated',
  deleted: 'diff.deleted',
  restored: 'diff.restored',
  purged: 'diff.purged',
};
const kindKeys: Record<string, MessageKey> = { object: 'diff.object', field: 'diff.field', layout: 'diff.layout', term: 'diff.term', workflow: 'diff.workflow', script: 'diff.script' };

function show(v: unknown): string {
  if (v === undefined) return '∅';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Ranges up to this many revisions read as sentences, revision by revision; longer ones as a raw diff. */
const WORDED_RANGE = 20;

/** The changes between two revisions in words: each revision after `from` up to `to`, as the server describes it. */
function DiffView({ from, to }: { from: number; to: number }) {
  const { t } = useI18n();
  const worded = to > from && to - from <= WORDED_RANGE;
  const described = useAsync(
    async () => {
      if (!worded) return null;
      const numbers = Array.from({ length: to - from }, (_, i) => to - i);
      return Promise.all(numbers.map(async (n) => ({ revision: n, changes: await metadataApi.changes(n) })));
    },
    [from, to, worded],
  );
  if (!worded || described.error) return <RawDiffView from={from} to={to} />;
  const all = described.data ?? [];
  return (
    <section className="panel diff" aria-labelledby="diff-title" data-testid="revision-diff">
      <h2 id="diff-title" className="section-title">
        {t('revisions.diffTitle', { from, to })}
      </h2>
      {described.loading ? <Loading /> : null}
      {described.data && all.every((r) => !r.changes.length) ? <p className="empty-state">{t('revisions.noDifferences')}</p> : null}
      {all
        .filter((r) => r.changes.length)
        .map((r) => (
          <div key={r.revision} className="diff-revision">
            {all.length > 1 ? <h3 className="section-title">{t('revisions.inRevision', { revision: r.revision })}</h3> : null}
            <ul className="diff-list diff-words">
              {r.changes.map((c: DescribedChange, i) => (
                <li key={i} className={`diff-${c.action}`}>
                  <strong>
                    <Identifier text={c.summary} name={c.apiName} />
                  </strong>
                  {c.details.length ? (
                    <ul>
                      {c.details.map((d, j) => (
                        <li key={j}>
                          <DetailText text={d.text} from={d.from} to={d.to} />
                        </li>
                      ))}
                    </ul>
                  ) : null}
                </li>
              ))}
            </ul>
          </div>
        ))}
    </section>
  );
}

/** A sentence naming a key or API name (`Changed term customer`): the identifier reads as code. */
function Identifier({ text, name }: { text: string; name: string }) {
  const at = name ? text.lastIndexOf(name) : -1;
  if (at < 0) return <>{text}</>;
  return (
    <>
      {text.slice(0, at)}
      <code>{name}</code>
      {text.slice(at + name.length)}
    </>
  );
}

/** The sentence with its old value marked as removed and its new one as inserted, as a diff reads. */
function DetailText({ text, from, to }: { text: string; from?: string | undefined; to?: string | undefined }) {
  const parts: (string | { del?: string; ins?: string })[] = [text];
  const mark = (word: string | undefined, kind: 'del' | 'ins') => {
    if (!word) return;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i];
      if (typeof part !== 'string') continue;
      const at = part.indexOf(word);
      if (at < 0) continue;
      parts.splice(i, 1, part.slice(0, at), { [kind]: word }, part.slice(at + word.length));
      return;
    }
  };
  mark(from, 'del');
  mark(to, 'ins');
  return (
    <>
      {parts.map((p, i) => (typeof p === 'string' ? p : p.del !== undefined ? <del key={i}>{p.del}</del> : <ins key={i}>{p.ins}</ins>))}
    </>
  );
}

function RawDiffView({ from, to }: { from: number; to: number }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { snapshot } = useSession();
  const diff = useAsync(() => metadataApi.compare(from, to), [from, to]);
  const entries: DiffEntry[] = diff.data ?? [];
  const objectName = (id?: string) => {
    const o = id ? findObject(snapshot, id) : undefined;
    return o ? i18n.objectLabel(o) : (id ?? '');
  };
  return (
    <section className="panel diff" aria-labelledby="diff-title">
      <h2 id="diff-title" className="section-title">
        {t('revisions.diffTitle', { from, to })}
      </h2>
      {diff.error ? <ErrorBox error={diff.error} /> : null}
      {diff.loading ? <Loading /> : null}
      {diff.data && !entries.length ? <p className="empty-state">{t('revisions.noDifferences')}</p> : null}
      <ul className="diff-list">
        {entries.map((e, i) => (
          <li key={i} className={`diff-${e.action}`}>
            <strong>{t(actionKeys[e.action] ?? 'diff.updated')}</strong> {t(kindKeys[e.kind] ?? 'diff.object')} <code>{e.apiName}</code>
            {e.objectId && e.kind !== 'object' ? <span className="muted"> · {objectName(e.objectId)}</span> : null}
            {e.changes?.length ? (
              <ul>
                {e.changes.map((c, j) => (
                  <li key={j}>
                    <code>{c.path}</code>: <del>{show(c.from)}</del> → <ins>{show(c.to)}</ins>
                  </li>
                ))}
              </ul>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}
