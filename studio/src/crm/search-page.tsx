import type { PageProps } from '../app/routes.tsx';
import { useI18n } from '../i18n/i18n.tsx';
import { useSession } from '../app/session.tsx';
import { Link, useLocation } from '../lib/router.tsx';
import { navObjects, searchableFields } from '../lib/model.ts';
import { useShellActions } from '../app/shell-actions.ts';
import { searchAll } from '../lib/global-search.ts';
import { useAsync } from '../lib/use-async.ts';
import { ErrorBox, Loading } from '../components/feedback.tsx';
import { FieldValue } from './field-value.tsx';

export default function SearchPage(_: PageProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const { snapshot, can } = useSession();
  const { openQuickCreate } = useShellActions();
  const q = useLocation().search.get('q') ?? '';
  const res = useAsync((signal) => searchAll(snapshot, q, 10, signal), [q, snapshot.revision]);
  const mayCreate = navObjects(snapshot).some((o) => can(o.apiName, 'create'));
  return (
    <div className="page">
      <h1>{q.trim() ? t('search.title', { q }) : t('shell.search')}</h1>
      {res.error ? <ErrorBox error={res.error} /> : null}
      {res.loading ? <Loading /> : null}
      {!res.loading && res.data && !res.data.length ? (
        // Nothing found (or nothing asked): say what search looks through, and offer to make the record.
        <div className="empty-state" data-testid="search-empty">
          <p>{q.trim() ? t('search.none', { q: q.trim() }) : t('search.start')}</p>
          <p>{t('search.purpose')}</p>
          {mayCreate ? (
            <button type="button" className="btn btn-small btn-primary" onClick={() => openQuickCreate()}>
              {t('shell.quickCreate')}
            </button>
          ) : null}
        </div>
      ) : null}
      {res.data?.map((hit) => {
        // The other fields search matches, so the user sees why a record was found.
        const cols = searchableFields(hit.object).filter((f) => f.id !== hit.object.nameFieldId);
        return (
          <section key={hit.object.id} className="panel" aria-label={i18n.objectLabel(hit.object, 'plural')}>
            <h2 className="section-title">{i18n.objectLabel(hit.object, 'plural')}</h2>
            <ul className="plain-list search-results">
              {hit.records.map((r) => (
                <li key={r.id}>
                  <Link to={`/o/${hit.object.apiName}/${r.id}`}>{i18n.recordName(hit.object, r)}</Link>
                  {cols.map((c) => (
                    <span key={c.id} className="muted">
                      {' · '}
                      <FieldValue field={c} value={r[c.apiName]} />
                    </span>
                  ))}
                </li>
              ))}
            </ul>
          </section>
        );
      })}
    </div>
  );
}
