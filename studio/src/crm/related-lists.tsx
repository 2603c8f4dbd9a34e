import { fieldType } from '@protean/metadata/field-types';
import type { RelatedGroup } from '../api/types.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { useSession } from '../app/session.tsx';
import { useShellActions } from '../app/shell-actions.ts';
import { Link } from '../lib/router.tsx';
import { findField, findObject, isTimelineObject, liveFields } from '../lib/model.ts';
import { ErrorBox, Loading } from '../components/feedback.tsx';
import { FieldValue } from './field-value.tsx';

/**
 * Records of other objects that look this one up, one table per lookup field, each with "New …"
 * that starts a record already linked to `parent` (a deal for this customer) and stays here.
 */
export function RelatedLists({ groups, error, parent, onCreated }: { groups: RelatedGroup[] | undefined; error: unknown; parent: string; onCreated: () => void }) {
  const i18n = useI18n();
  const { t, tc } = i18n;
  const { snapshot, can } = useSession();
  const { openQuickCreate } = useShellActions();
  if (error) return <ErrorBox error={error} />;
  if (!groups) return <Loading />;
  const shown = groups.filter((g) => {
    const o = findObject(snapshot, g.object);
    return o && !isTimelineObject(o);
  });
  return (
    <section className="related" aria-labelledby="related-title">
      <h2 id="related-title" className="section-title">
        {t('related.title')}
      </h2>
      {!shown.length ? <p className="empty-state">{t('related.none')}</p> : null}
      {shown.map((g) => {
        const object = findObject(snapshot, g.object)!;
        const via = findField(object, g.field);
        const cols = liveFields(object)
          // Compact columns: scalar values (the sortable types), not long text, lists or JSON.
          .filter((f) => f.id !== object.nameFieldId && f.apiName !== g.field && fieldType(f.type).sortable)
          .slice(0, 3);
        const title = via && object.fields.filter((f) => f.lookup?.objectId === via.lookup?.objectId).length > 1
          ? `${i18n.objectLabel(object, 'plural')} (${i18n.fieldLabel(via)})`
          : i18n.objectLabel(object, 'plural');
        return (
          <section key={`${g.object}.${g.field}`} className="panel related-group" aria-label={title}>
            <header className="related-header">
              <h3>{title}</h3>
              <span className="count">{tc('list.count', g.total ?? g.records.length)}</span>
              {via && !via.readOnly && can(object.apiName, 'create') ? (
                <button type="button" className="btn btn-small" onClick={() => openQuickCreate(object.apiName, { initial: { [via.apiName]: parent }, onCreated })}>
                  {t('record.new', { object: i18n.objectNoun(object) })}
                </button>
              ) : null}
            </header>
            {g.records.length ? (
              <table className="grid compact">
                <thead>
                  <tr>
                    <th scope="col">{i18n.fieldLabel(object.fields.find((f) => f.id === object.nameFieldId) ?? object.fields[0]!)}</th>
                    {cols.map((c) => (
                      <th key={c.id} scope="col">
                        {i18n.fieldLabel(c)}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {g.records.map((r) => (
                    <tr key={r.id}>
                      <td>
                        <Link to={`/o/${object.apiName}/${r.id}`}>{i18n.recordName(object, r)}</Link>
                      </td>
                      {cols.map((c) => (
                        <td key={c.id}>
                          <FieldValue field={c} value={r[c.apiName]} />
                        </td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : null}
          </section>
        );
      })}
    </section>
  );
}
