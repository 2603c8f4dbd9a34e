import { useState, type KeyboardEvent } from 'react';
import { fieldType } from '@protean/metadata/field-types';
import type { PageProps } from '../app/routes.tsx';
import { ApiError, recordsApi, type FieldDef, type ObjectDef, type RecordData, homeApi } from '../api/index.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { useSession } from '../app/session.tsx';
import { Link, navigate } from '../lib/router.tsx';
import { findField, layoutFor, lookupTargets } from '../lib/model.ts';
import { useAsync } from '../lib/use-async.ts';
import { ErrorBox, Loading, describeError, useToast } from '../components/feedback.tsx';
import { ConfirmDialog } from '../components/dialog.tsx';
import { RecordPicker } from '../components/record-picker.tsx';
import { expandLookups } from '../lib/expand-lookups.ts';
import { FieldValue } from './field-value.tsx';
import { FieldInput } from './field-input.tsx';
import { useObjectParam } from './use-object.ts';
import { useFocusReturn } from '../lib/focus-return.ts';
import { RelatedLists } from './related-lists.tsx';
import { ActivityTimeline } from './activity-timeline.tsx';
import { AutomationButtons } from './automation-buttons.tsx';
import { useRecordRights } from './record-rights.ts';

export default function RecordPage({ params }: PageProps) {
  const object = useObjectParam(params['object']);
  const { t } = useI18n();
  if (!object)
    return (
      <div className="page">
        <p role="alert">{t('error.objectNotFound')}</p>
      </div>
    );
  return <RecordView key={`${object.id}:${params['id']}`} object={object} id={params['id']!} />;
}

function RecordView({ object, id }: { object: ObjectDef; id: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const toast = useToast();
  const { snapshot } = useSession();
  // Edit and Delete, inline edit, and actions and workflows that may write, only where the save
  // would be allowed (a read-only share shows none of them).
  const rights = useRecordRights(object.apiName, [id]).rightsOf(id);
  const layout = layoutFor(snapshot, object);
  const lookups = object.fields.filter((f) => f.type === 'lookup' && !f.deletedAt);
  const rec = useAsync(async () => {
    const record = (await expandLookups(snapshot, lookups, [await recordsApi.get(object.apiName, id)]))[0]!;
    // The home page lists what the user opened lately.
    void homeApi.visited(object.apiName, id);
    return record;
  }, [object.apiName, id]);
  const related = useAsync(() => recordsApi.related(object.apiName, id), [object.apiName, id]);
  const [confirmDelete, setConfirmDelete] = useState(false);

  const breadcrumb = (
    <nav className="breadcrumb" aria-label={t('shell.breadcrumb')}>
      <Link to={`/o/${object.apiName}`}>{i18n.objectLabel(object, 'plural')}</Link>
    </nav>
  );
  // A record that is gone still leaves the way back to its list.
  if (rec.error)
    return (
      <div className="page record-page">
        {breadcrumb}
        <ErrorBox error={rec.error} onRetry={rec.reload} />
      </div>
    );
  if (!rec.data) return <Loading />;
  const record = rec.data;
  const name = i18n.recordName(object, record);

  const remove = async () => {
    setConfirmDelete(false);
    try {
      await recordsApi.remove(object.apiName, id);
      toast(t('record.deleted', { name }), 'success');
      navigate(`/o/${object.apiName}`);
    } catch (err) {
      toast(describeError(err, i18n), 'error');
    }
  };

  return (
    <div className="page record-page">
      {breadcrumb}
      <header className="page-header">
        <div>
          <div className="eyebrow">{i18n.objectLabel(object)}</div>
          <h1 data-testid="record-title" data-title-context={i18n.objectLabel(object)}>
            {name}
          </h1>
        </div>
        <span className="spacer" />
        <AutomationButtons object={object.apiName} recordIds={[id]} actions mayEdit={rights.edit} onDone={rec.reload} />
        {rights.edit ? (
          <Link to={`/o/${object.apiName}/${id}/edit`} className="btn btn-small">
            {t('action.edit')}
          </Link>
        ) : null}
        {rights.delete ? (
          <button type="button" className="btn btn-small btn-danger" onClick={() => setConfirmDelete(true)}>
            {t('action.delete')}
          </button>
        ) : null}
      </header>
      <div className="record-columns">
        <div className="record-main">
          {layout.sections.map((section) => {
            const fields = section.fields
              .map((lf) => ({ lf, field: findField(object, lf.fieldId) }))
              .filter((x): x is { lf: typeof x.lf; field: FieldDef } => !!x.field && !x.field.deletedAt);
            return (
              <section key={section.id} className="panel record-section" aria-labelledby={`sec-${section.id}`}>
                <h2 id={`sec-${section.id}`} className="section-title">
                  {i18n.sectionLabel(section.labels)}
                </h2>
                <dl className={section.columns === 2 ? 'field-list cols-2' : 'field-list cols-1'}>
                  {fields.map(({ lf, field }) => (
                    <InlineField
                      key={field.id}
                      object={object}
                      field={field}
                      record={record}
                      readOnly={!rights.edit || (field.id === 'owner' && !rights.delete) || !!lf.readOnly || !!field.readOnly || !fieldType(field.type).writable}
                      onSaved={(next) => rec.setData(next)}
                    />
                  ))}
                </dl>
              </section>
            );
          })}
          <section className="panel record-section" aria-labelledby="sec-system">
            <h2 id="sec-system" className="section-title">
              {t('record.systemInfo')}
            </h2>
            <dl className="field-list cols-2">
              <div className="field-row">
                <dt>{t('record.createdAt')}</dt>
                <dd>{record.created_at ? i18n.formatDateTime(record.created_at) : '—'}</dd>
              </div>
              <div className="field-row">
                <dt>{t('record.updatedAt')}</dt>
                <dd>{record.updated_at ? i18n.formatDateTime(record.updated_at) : '—'}</dd>
              </div>
            </dl>
          </section>
          <RelatedLists groups={related.data} error={related.error} parent={id} onCreated={related.reload} />
        </div>
        <aside className="record-side" aria-label={t('timeline.title')}>
          <ActivityTimeline object={object} record={record} groups={related.data} onLogged={related.reload} />
        </aside>
      </div>
      <ConfirmDialog
        open={confirmDelete}
        title={t('record.deleteTitle', { object: i18n.objectNoun(object) })}
        message={t('record.deleteConfirm', { name })}
        confirmLabel={t('action.delete')}
        danger
        onCancel={() => setConfirmDelete(false)}
        onConfirm={() => void remove()}
      />
    </div>
  );
}

interface InlineFieldProps {
  object: ObjectDef;
  field: FieldDef;
  record: RecordData;
  readOnly: boolean;
  onSaved: (record: RecordData) => void;
}

/** A field that edits in place. Saves with If-Match; a stale version keeps the user's input. */
function InlineField({ object, field, record, readOnly, onSaved }: InlineFieldProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const toast = useToast();
  const { snapshot } = useSession();
  const current = record[field.apiName];
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState<unknown>(null);
  const [error, setError] = useState<string | null>(null);
  const [stale, setStale] = useState<RecordData | null>(null);
  const [busy, setBusy] = useState(false);
  const pencilRef = useFocusReturn<HTMLButtonElement>(editing);
  const inputId = `inline-${field.apiName}`;
  const errorId = `${inputId}-error`;
  const label = i18n.fieldLabel(field);

  const start = () => {
    const v = current && typeof current === 'object' && !Array.isArray(current) ? (current as { id?: unknown }).id : current;
    setDraft(v ?? null);
    setError(null);
    setStale(null);
    setEditing(true);
  };

  const save = async (version: number) => {
    setBusy(true);
    setError(null);
    try {
      const value = draft === '' ? null : draft;
      await recordsApi.update(object.apiName, record.id, { [field.apiName]: value }, version);
      const lookups = object.fields.filter((f) => f.type === 'lookup' && !f.deletedAt);
      onSaved((await expandLookups(snapshot, lookups, [await recordsApi.get(object.apiName, record.id)]))[0]!);
      setEditing(false);
      setStale(null);
      toast(t('record.saved'), 'success');
    } catch (err) {
      if (err instanceof ApiError && err.status === 412) {
        // Someone saved first: keep the draft, show their value, let the user choose.
        const latest = await recordsApi.get(object.apiName, record.id).catch(() => null);
        setStale(latest);
      } else if (err instanceof ApiError && err.problem.errors?.length) {
        setError(err.problem.errors.map((e) => e.message).join(' '));
      } else {
        setError(describeError(err, i18n));
      }
    } finally {
      setBusy(false);
    }
  };

  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      setEditing(false);
    } else if (e.key === 'Enter' && field.type !== 'longText' && !(e.target instanceof HTMLSelectElement && e.target.multiple)) {
      e.preventDefault();
      void save(record.version);
    }
  };

  if (!editing) {
    return (
      <div className="field-row" data-field={field.apiName}>
        <dt>{label}</dt>
        <dd>
          <FieldValue field={field} value={current} />
          {!readOnly ? (
            <button ref={pencilRef} type="button" className="btn-icon edit-pencil" aria-label={t('record.editField', { field: label })} onClick={start}>
              ✎
            </button>
          ) : null}
        </dd>
      </div>
    );
  }

  return (
    <div className="field-row editing" data-field={field.apiName}>
      <dt>
        <label htmlFor={inputId}>{label}</label>
      </dt>
      <dd>
        {field.type === 'lookup' ? (
          <RecordPicker
            id={inputId}
            object={lookupTargets(snapshot, field)}
            value={typeof draft === 'string' ? draft : null}
            onChange={(v) => setDraft(v)}
            label={label}
            autoFocus
            invalid={!!error}
          />
        ) : (
          <FieldInput field={field} value={draft} onChange={setDraft} id={inputId} autoFocus invalid={!!error} describedBy={error ? errorId : undefined} onKeyDown={onKey} />
        )}
        {error ? (
          <p id={errorId} className="field-error" role="alert">
            {error}
          </p>
        ) : null}
        {stale ? (
          <div className="notice notice-warning" role="alert">
            <p>{t('record.staleEdit')}</p>
            <p>
              {t('common.labelled', { label: t('record.theirValue') })}
              <FieldValue field={field} value={stale[field.apiName]} />
            </p>
            <div className="button-row">
              <button type="button" className="btn btn-small btn-primary" disabled={busy} onClick={() => void save(stale.version)}>
                {t('record.keepMine')}
              </button>
              <button
                type="button"
                className="btn btn-small"
                onClick={() => {
                  onSaved(stale);
                  setEditing(false);
                  setStale(null);
                }}
              >
                {t('record.useTheirs')}
              </button>
            </div>
          </div>
        ) : null}
        <div className="button-row">
          <button type="button" className="btn btn-small btn-primary" disabled={busy} onClick={() => void save(record.version)}>
            {t('action.save')}
          </button>
          <button type="button" className="btn btn-small" onClick={() => setEditing(false)}>
            {t('action.cancel')}
          </button>
        </div>
      </dd>
    </div>
  );
}
