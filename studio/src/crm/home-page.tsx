import { useMemo, useState } from 'react';
import type { PageProps } from '../app/routes.tsx';
import { homeApi, recordsApi, settingsApi, type FieldDef, type Filter, type ObjectDef, type PipelineSummary, type RecordData, type RecentRecord, type Snapshot } from '../api/index.ts';
import { useSession } from '../app/session.tsx';
import { useI18n, type I18n } from '../i18n/i18n.tsx';
import { Link } from '../lib/router.tsx';
import { findField, findObject, liveFields, navObjects } from '../lib/model.ts';
import { useAsync } from '../lib/use-async.ts';
import { fromZoneInput, toZoneInput } from '../lib/time-zone.ts';
import { ErrorBox, Loading, describeError, useToast } from '../components/feedback.tsx';

const LIST_SIZE = 8;

/** The object whose stages make the pipeline: Deal when there is one, else the first with a picklist and an amount. */
export function pipelineOf(snapshot: Snapshot): { object: ObjectDef; stage: FieldDef; amount: FieldDef | undefined } | null {
  const objects = navObjects(snapshot);
  const ordered = [...objects.filter((o) => o.id === 'deal'), ...objects.filter((o) => o.id !== 'deal')];
  for (const object of ordered) {
    const fields = liveFields(object);
    const picklists = fields.filter((f) => f.type === 'picklist' && (f.values ?? []).length > 0);
    const stage = picklists.find((f) => f.apiName === 'stage') ?? picklists.find((f) => f.required) ?? picklists[0];
    const amount = fields.find((f) => f.type === 'currency');
    if (stage && (amount || object.id === 'deal')) return { object, stage, amount };
  }
  return null;
}

/** Today's date (YYYY-MM-DD) and its start as an instant, in the user's time zone. */
function today(timeZone: string): { date: string; start: string } {
  const date = toZoneInput(new Date().toISOString(), timeZone).slice(0, 10);
  return { date, start: fromZoneInput(`${date}T00:00`, timeZone)! };
}

interface WorkList {
  object: ObjectDef;
  title: string;
  when: FieldDef | undefined;
  records: RecordData[];
}

/** The user's open tasks and upcoming activities, through the list API like any list. */
async function loadWork(snapshot: Snapshot, userId: string, start: string, signal: AbortSignal): Promise<{ tasks: WorkList | null; activities: WorkList | null }> {
  const task = findObject(snapshot, 'task');
  const activity = findObject(snapshot, 'activity');
  const taskQuery = async (): Promise<WorkList | null> => {
    if (!task) return null;
    const assignee = findField(task, 'assignee');
    const status = findField(task, 'status');
    const due = findField(task, 'due_date');
    if (!assignee || assignee.deletedAt) return null;
    const closed = (status?.values ?? []).filter((v) => ['completed', 'deferred'].includes(v.apiName)).map((v) => v.apiName);
    const filter: Filter = {
      and: [{ field: assignee.apiName, op: 'eq', value: userId }, ...(status && closed.length ? [{ field: status.apiName, op: 'nin' as const, value: closed }] : [])],
    };
    const res = await recordsApi.list(task.apiName, { filter, sort: due && !due.deletedAt ? due.apiName : undefined, limit: LIST_SIZE }, signal);
    return { object: task, title: '', when: due, records: res.data };
  };
  const activityQuery = async (): Promise<WorkList | null> => {
    if (!activity) return null;
    const owner = liveFields(activity).find((f) => f.type === 'owner');
    const when = findField(activity, 'occurred_at');
    if (!owner || !when || when.deletedAt) return null;
    const filter: Filter = { and: [{ field: owner.apiName, op: 'eq', value: userId }, { field: when.apiName, op: 'gte', value: start }] };
    const res = await recordsApi.list(activity.apiName, { filter, sort: when.apiName, limit: LIST_SIZE }, signal);
    return { object: activity, title: '', when, records: res.data };
  };
  const [tasks, activities] = await Promise.all([taskQuery(), activityQuery()]);
  return { tasks, activities };
}

/** The signed-in user's page: what is theirs to do, what they opened lately, and the pipeline. */
export default function HomePage(_: PageProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const { snapshot, me } = useSession();
  const day = useMemo(() => today(i18n.timeZone), [i18n.timeZone]);
  const pipeline = useMemo(() => pipelineOf(snapshot), [snapshot]);
  const work = useAsync((signal) => loadWork(snapshot, me.user.id, day.start, signal), [snapshot, me.user.id, day.start]);
  const recent = useAsync((signal) => homeApi.recent(LIST_SIZE, signal), []);
  const summary = useAsync(
    (signal) => (pipeline ? homeApi.pipeline(pipeline.object.apiName, pipeline.stage.apiName, pipeline.amount?.apiName, signal) : Promise.resolve(null)),
    [pipeline?.object.apiName, pipeline?.stage.apiName, pipeline?.amount?.apiName],
  );
  const ready = !work.loading && !recent.loading && !summary.loading;

  return (
    <div className="page home" data-ready={ready ? 'true' : undefined}>
      <header className="page-header">
        <div>
          <h1>{t('home.title', { name: me.user.name })}</h1>
          <p className="hint">{t('home.purpose')}</p>
        </div>
      </header>
      <div className="home-grid">
        <WorkPanel id="tasks" title={t('home.myTasks')} state={work} list={work.data?.tasks ?? null} day={day.date} emptyText={t('home.noTasks')} i18n={i18n} />
        <WorkPanel id="activities" title={t('home.activitiesDue')} state={work} list={work.data?.activities ?? null} day={day.date} emptyText={t('home.noActivities')} i18n={i18n} />
        <section className="panel home-panel" aria-labelledby="home-recent">
          <h2 id="home-recent" className="section-title">
            {t('home.recent')}
          </h2>
          {recent.error ? <ErrorBox error={recent.error} onRetry={recent.reload} /> : null}
          {recent.loading && !recent.data ? <Loading /> : null}
          {recent.data && !recent.data.length ? <EmptyRecent snapshot={snapshot} /> : null}
          <ul className="plain-list home-list">
            {(recent.data ?? []).map((r: RecentRecord) => {
              const o = findObject(snapshot, r.object);
              return (
                <li key={r.id}>
                  <Link to={`/o/${r.object}/${r.id}`}>{r.name}</Link> <span className="muted">· {o ? i18n.objectLabel(o) : r.object}</span>
                </li>
              );
            })}
          </ul>
        </section>
        {pipeline ? <PipelinePanel pipeline={pipeline} summary={summary.data ?? null} loading={summary.loading} error={summary.error} onRetry={summary.reload} /> : null}
      </div>
      <TimeZoneNote />
    </div>
  );
}

function WorkPanel({ id, title, state, list, day, emptyText, i18n }: { id: string; title: string; state: { loading: boolean; error: unknown; reload: () => void }; list: WorkList | null; day: string; emptyText: string; i18n: I18n }) {
  const { can } = useSession();
  const { t } = i18n;
  if (!state.loading && !state.error && !list) return null;
  return (
    <section className="panel home-panel" aria-labelledby={`home-${id}`} data-testid={`home-${id}`}>
      <h2 id={`home-${id}`} className="section-title">
        {title}
      </h2>
      {state.error ? <ErrorBox error={state.error} onRetry={state.reload} /> : null}
      {state.loading && !list ? <Loading /> : null}
      {list && !list.records.length ? (
        <div className="empty-state">
          <p>{emptyText}</p>
          {can(list.object.apiName, 'create') ? (
            <Link to={`/o/${list.object.apiName}/new`} className="btn btn-small btn-primary">
              {t('record.new', { object: i18n.objectNoun(list.object) })}
            </Link>
          ) : null}
        </div>
      ) : null}
      <ul className="plain-list home-list">
        {list?.records.map((r) => {
          const when = list.when ? r[list.when.apiName] : undefined;
          const overdue = typeof when === 'string' && list.when?.type === 'date' && when < day;
          return (
            <li key={r.id}>
              <Link to={`/o/${list.object.apiName}/${r.id}`}>{i18n.recordName(list.object, r)}</Link>
              {typeof when === 'string' ? (
                <span className={overdue ? 'due overdue' : 'due muted'}>
                  {' '}
                  · {list.when?.type === 'date' ? i18n.formatDate(when) : i18n.formatDateTime(when)}
                  {overdue ? ` (${t('home.overdue')})` : ''}
                </span>
              ) : null}
            </li>
          );
        })}
      </ul>
    </section>
  );
}

function EmptyRecent({ snapshot }: { snapshot: Snapshot }) {
  const i18n = useI18n();
  const first = navObjects(snapshot)[0];
  return (
    <div className="empty-state">
      <p>{i18n.t('home.noRecent')}</p>
      {first ? (
        <Link to={`/o/${first.apiName}`} className="btn btn-small">
          {i18n.t('home.browse', { object: i18n.objectNoun(first) })}
        </Link>
      ) : null}
    </div>
  );
}

function PipelinePanel({ pipeline, summary, loading, error, onRetry }: { pipeline: NonNullable<ReturnType<typeof pipelineOf>>; summary: PipelineSummary | null; loading: boolean; error: unknown; onRetry: () => void }) {
  const { can } = useSession();
  const i18n = useI18n();
  const { t } = i18n;
  const { object, stage, amount } = pipeline;
  const money = (n: number | null) => (n === null || !amount ? '' : i18n.formatMoney(n, amount.currencyCode, { scale: amount.scale ?? 2 }));
  const measure = (s: { count: number; amount: number | null }) => (amount ? (s.amount ?? 0) : s.count);
  const max = Math.max(1, ...(summary?.stages ?? []).map(measure));
  const noun = i18n.objectNoun(object);
  return (
    <section className="panel home-panel home-pipeline" aria-labelledby="home-pipeline" data-testid="home-pipeline">
      <h2 id="home-pipeline" className="section-title">
        {t('home.pipeline', { object: noun, field: i18n.fieldLabel(stage) })}
      </h2>
      {error ? <ErrorBox error={error} onRetry={onRetry} /> : null}
      {loading && !summary ? <Loading /> : null}
      {summary && summary.total.count === 0 ? (
        <div className="empty-state">
          <p>{t('home.noPipeline', { object: noun })}</p>
          {can(object.apiName, 'create') ? (
            <Link to={`/o/${object.apiName}/new`} className="btn btn-small btn-primary">
              {t('record.new', { object: i18n.objectNoun(object) })}
            </Link>
          ) : null}
        </div>
      ) : null}
      {summary && summary.total.count > 0 ? (
        <table className="pipeline-chart">
          <caption className="sr-only">{t('home.pipeline', { object: noun, field: i18n.fieldLabel(stage) })}</caption>
          <thead>
            <tr>
              <th scope="col">{i18n.fieldLabel(stage)}</th>
              <th scope="col" className="bar-col">
                <span className="sr-only">{t('home.chart')}</span>
              </th>
              <th scope="col" className="num">
                {t('home.count')}
              </th>
              {amount ? (
                <th scope="col" className="num">
                  {i18n.fieldLabel(amount)}
                </th>
              ) : null}
            </tr>
          </thead>
          <tbody>
            {summary.stages.map((s) => {
              const value = (stage.values ?? []).find((v) => v.apiName === s.value);
              const width = `${Math.round((measure(s) / max) * 100)}%`;
              return (
                <tr key={s.value} data-stage={s.value}>
                  <th scope="row">
                    <Link to={`/o/${object.apiName}?view=kanban`}>{value ? i18n.valueLabel(value) : s.value}</Link>
                  </th>
                  <td className="bar-col" aria-hidden="true">
                    <span className="bar" style={{ width, background: value?.color ?? undefined }} />
                  </td>
                  <td className="num">{i18n.formatNumber(s.count)}</td>
                  {amount ? <td className="num">{money(s.amount)}</td> : null}
                </tr>
              );
            })}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">{t('home.total')}</th>
              <td />
              <td className="num">{i18n.formatNumber(summary.total.count)}</td>
              {amount ? <td className="num">{money(summary.total.amount)}</td> : null}
            </tr>
          </tfoot>
        </table>
      ) : null}
    </section>
  );
}

/** Dates and times read in the user's zone; the user can pick another one here. */
function TimeZoneNote() {
  const i18n = useI18n();
  const { t } = i18n;
  const toast = useToast();
  const { refreshDisplay } = useSession();
  const [editing, setEditing] = useState(false);
  const zones = useMemo(() => (editing ? (Intl.supportedValuesOf('timeZone') as string[]) : []), [editing]);
  const save = async (zone: string) => {
    try {
      await settingsApi.updatePreferences({ timeZone: zone || null });
      await refreshDisplay();
      setEditing(false);
    } catch (err) {
      toast(describeError(err, i18n), 'error');
    }
  };
  return (
    <p className="hint home-zone">
      {t('home.timeZone', { zone: i18n.timeZone })}{' '}
      {editing ? (
        <select aria-label={t('home.chooseTimeZone')} defaultValue={i18n.timeZone} onChange={(e) => void save(e.target.value)}>
          {zones.map((z) => (
            <option key={z} value={z}>
              {z}
            </option>
          ))}
        </select>
      ) : (
        <button type="button" className="btn-link" onClick={() => setEditing(true)}>
          {t('home.changeTimeZone')}
        </button>
      )}
    </p>
  );
}
