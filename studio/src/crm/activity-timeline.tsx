import { useState, type FormEvent } from 'react';
import { ApiError, recordsApi, type FieldDef, type ObjectDef, type PicklistValue, type RecordData, type RelatedGroup } from '../api/index.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { useSession } from '../app/session.tsx';
import { Link } from '../lib/router.tsx';
import { TIMELINE_OBJECT_IDS, findObject, liveFields, nameField, picklistFields } from '../lib/model.ts';
import { describeError, useToast } from '../components/feedback.tsx';
import { FieldValue, PicklistChip } from './field-value.tsx';

/** Picklist values offered as one-click logging, when the activity type picklist has them. */
const QUICK_LOG_VALUES = ['call', 'visit', 'note'];

interface TimelineItem {
  object: ObjectDef;
  record: RecordData;
  when: string;
}

function whenField(object: ObjectDef): FieldDef | undefined {
  return liveFields(object).find((f) => f.type === 'datetime') ?? liveFields(object).find((f) => f.type === 'date');
}

function bodyField(object: ObjectDef): FieldDef | undefined {
  return liveFields(object).find((f) => f.type === 'longText');
}

/** Activities and tasks linked to the record, newest first, with quick logging of a call, visit or note. */
export function ActivityTimeline({ object, record, groups, onLogged }: { object: ObjectDef; record: RecordData; groups: RelatedGroup[] | undefined; onLogged: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { snapshot, can } = useSession();
  const items: TimelineItem[] = [];
  const seen = new Set<string>();
  for (const g of groups ?? []) {
    const o = findObject(snapshot, g.object);
    if (!o || !TIMELINE_OBJECT_IDS.includes(o.id)) continue;
    const wf = whenField(o);
    for (const r of g.records) {
      if (seen.has(r.id)) continue;
      seen.add(r.id);
      const when = (wf && typeof r[wf.apiName] === 'string' ? (r[wf.apiName] as string) : undefined) ?? r.created_at ?? '';
      items.push({ object: o, record: r, when });
    }
  }
  items.sort((a, b) => (b.record.created_at ?? '').localeCompare(a.record.created_at ?? ''));

  const activityObject = TIMELINE_OBJECT_IDS.map((id) => findObject(snapshot, id)).find(
    (o): o is ObjectDef => !!o && liveFields(o).some((f) => f.type === 'lookup' && f.lookup?.objectId === object.id),
  );

  return (
    <section className="panel timeline" aria-labelledby="timeline-title">
      <h2 id="timeline-title" className="section-title">
        {t('timeline.title')}
      </h2>
      {/* Logging is offered only to whoever may create activities; reading the timeline needs less. */}
      {activityObject && can(activityObject.apiName, 'create') ? <QuickLog activityObject={activityObject} target={object} record={record} onLogged={onLogged} /> : null}
      {groups && !items.length ? <p className="empty-state">{t('timeline.empty')}</p> : null}
      <ol className="timeline-list">
        {items.map(({ object: o, record: r, when }) => {
          const type = picklistFields(o)[0];
          const body = bodyField(o);
          return (
            <li key={r.id} className="timeline-item">
              <div className="timeline-meta">
                {type && r[type.apiName] ? <FieldValue field={type} value={r[type.apiName]} /> : <PicklistChip label={i18n.objectLabel(o)} />}
                <time dateTime={when}>{when ? i18n.formatDateTime(when) : ''}</time>
              </div>
              <Link to={`/o/${o.apiName}/${r.id}`} className="timeline-title">
                {i18n.recordName(o, r)}
              </Link>
              {body && r[body.apiName] ? <p className="timeline-body">{String(r[body.apiName])}</p> : null}
            </li>
          );
        })}
      </ol>
    </section>
  );
}

function QuickLog({ activityObject, target, record, onLogged }: { activityObject: ObjectDef; target: ObjectDef; record: RecordData; onLogged: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const toast = useToast();
  const typeField = picklistFields(activityObject).find((f) => (f.values ?? []).some((v) => QUICK_LOG_VALUES.includes(v.apiName))) ?? picklistFields(activityObject)[0];
  const active = (typeField?.values ?? []).filter((v) => v.active !== false);
  const quick = active.filter((v) => QUICK_LOG_VALUES.includes(v.apiName));
  const offered = quick.length ? quick : active.slice(0, 3);
  const [kind, setKind] = useState<PicklistValue | null>(null);
  const [subject, setSubject] = useState('');
  const [body, setBody] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const nf = nameField(activityObject);
  const bf = bodyField(activityObject);
  const link = liveFields(activityObject).find((f) => f.type === 'lookup' && f.lookup?.objectId === target.id);
  const wf = liveFields(activityObject).find((f) => f.type === 'datetime');

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!link || !nf) return;
    setBusy(true);
    setError(null);
    const data: Record<string, unknown> = { [nf.apiName]: subject.trim() || (kind ? i18n.valueLabel(kind) : '') };
    if (typeField && kind) data[typeField.apiName] = kind.apiName;
    if (bf && body.trim()) data[bf.apiName] = body.trim();
    if (wf) data[wf.apiName] = new Date().toISOString();
    data[link.apiName] = record.id;
    try {
      await recordsApi.create(activityObject.apiName, data);
      toast(t('timeline.logged'), 'success');
      setKind(null);
      setSubject('');
      setBody('');
      onLogged();
    } catch (err) {
      setError(err instanceof ApiError && err.problem.errors?.length ? err.problem.errors.map((x) => `${x.field ?? ''} ${x.message}`).join('; ') : describeError(err, i18n));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="quick-log">
      <div className="button-row" role="group" aria-label={t('timeline.quickLog')}>
        {offered.length
          ? offered.map((v) => (
              <button key={v.id} type="button" className="btn btn-small" aria-pressed={kind?.id === v.id} onClick={() => setKind(v)}>
                {t('timeline.logKind', { kind: i18n.valueLabel(v) })}
              </button>
            ))
          : (
              <button type="button" className="btn btn-small" onClick={() => setKind({ id: '', apiName: '', labels: { en: '' }, active: true })}>
                {t('record.new', { object: i18n.objectNoun(activityObject) })}
              </button>
            )}
      </div>
      {kind ? (
        <form className="quick-log-form" onSubmit={submit} aria-label={t('timeline.quickLog')}>
          <label>
            {nf ? i18n.fieldLabel(nf) : t('timeline.subject')}
            <input value={subject} onChange={(e) => setSubject(e.target.value)} autoFocus placeholder={kind.apiName ? i18n.valueLabel(kind) : ''} />
          </label>
          {bf ? (
            <label>
              {i18n.fieldLabel(bf)}
              <textarea rows={3} value={body} onChange={(e) => setBody(e.target.value)} />
            </label>
          ) : null}
          {error ? (
            <p className="field-error" role="alert">
              {error}
            </p>
          ) : null}
          <div className="button-row">
            <button type="submit" className="btn btn-small btn-primary" disabled={busy}>
              {t('action.save')}
            </button>
            <button type="button" className="btn btn-small" onClick={() => setKind(null)}>
              {t('action.cancel')}
            </button>
          </div>
        </form>
      ) : null}
    </div>
  );
}
