import type { PageProps } from '../app/routes.tsx';
import { useI18n } from '../i18n/i18n.tsx';
import { useSession } from '../app/session.tsx';
import { Link, useLocation } from '../lib/router.tsx';
import { recordName, searchableFields } from '../lib/model.ts';
import { searchAll } from '../lib/global-search.ts';
import { useAsync } from '../lib/use-async.ts';
import { ErrorBox, Loading } from '../components/feedback.tsx';
import { FieldValue } from './field-value.tsx';

export default function SearchPage(_: PageProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const { snapshot } = useSession();
  const q = useLocation().search.get('q') ?? '';
  const res = useAsync((signal) => searchAll(snapshot, q, 10, signal), [q, snapshot.revision]);
  return (
    <div className="page">
      <h1>{t('search.title', { q })}</h1>
      {res.error ? <ErrorBox error={res.error} /> : null}
      {res.loading ? <Loading /> : null}
      {!res.loading && res.data && !res.data.length ? <p className="empty-state">{t('search.none')}</p> : null}
      {res.data?.map((hit) => {
        // The other fields search matches, so the user sees why a record was found.
        const cols = searchableFields(hit.object).filter((f) => f.id !== hit.object.nameFieldId);
        return (
          <section key={hit.object.id} className="panel" aria-label={i18n.objectLabel(hit.object, 'plural')}>
            <h2 className="section-title">{i18n.objectLabel(hit.object, 'plural')}</h2>
            <ul className="plain-list search-results">
              {hit.records.map((r) => (
                <li key={r.id}>
                  <Link to={`/o/${hit.object.apiName}/${r.id}`}>{r.display_name ?? recordName(hit.object, r)}</Link>
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
