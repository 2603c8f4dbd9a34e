import { useState } from 'react';
import type { PageProps } from '../app/routes.tsx';
import { metadataApi, type FieldDef, type JsonSchema, type ObjectDef, type Operation } from '../api/index.ts';
import { useI18n, type MessageKey } from '../i18n/i18n.tsx';
import { useSession } from '../app/session.tsx';
import { Link, navigate, setSearch, useLocation } from '../lib/router.tsx';
import { findObject, layoutsFor } from '../lib/model.ts';
import { Tabs } from '../components/tabs.tsx';
import { Dialog } from '../components/dialog.tsx';
import { ErrorBox, Loading, useToast } from '../components/feedback.tsx';
import { SchemaForm } from '../forms/schema-form.tsx';
import { compact } from '../forms/kind-schema.ts';
import { useKindSchema } from './use-kind-schema.ts';
import { objectForm } from './object-form.ts';
import { ObjectNaming } from './object-naming.tsx';
import { DataTable } from '../components/data-table.tsx';
import { ValidationRulesPanel } from './validation-rules-panel.tsx';
import { useBasedOn, useReopen } from './based-on-revision.ts';

export default function ObjectPage({ params }: PageProps) {
  const { snapshot } = useSession();
  const { t } = useI18n();
  const object = findObject(snapshot, params['object'] ?? '');
  if (!object)
    return (
      <div className="page">
        <p role="alert">{t('error.objectNotFound')}</p>
      </div>
    );
  return <ObjectSetup key={object.id} object={object} />;
}

function ObjectSetup({ object }: { object: ObjectDef }) {
  const i18n = useI18n();
  const { t } = i18n;
  const tab = useLocation().search.get('tab') ?? 'fields';
  return (
    <div className="page">
      <nav className="breadcrumb" aria-label={t('shell.breadcrumb')}>
        <Link to="/setup/objects">{t('setup.objects')}</Link>
      </nav>
      <header className="page-header">
        <div>
          <div className="eyebrow">{object.standard ? t('setup.standard') : t('setup.custom')}</div>
          <h1>{i18n.objectLabel(object, 'plural')}</h1>
        </div>
        <span className="spacer" />
        <Link to={`/o/${object.apiName}`} className="btn btn-small">
          {t('setup.openInCrm')}
        </Link>
      </header>
      <Tabs
        label={t('setup.objectSections')}
        active={tab}
        onChange={(id) => setSearch({ tab: id })}
        tabs={[
          { id: 'fields', label: t('setup.fields') },
          { id: 'layouts', label: t('setup.layouts') },
          { id: 'rules', label: t('rules.title') },
          { id: 'details', label: t('setup.details') },
        ]}
      />
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`} className="tab-panel">
        {tab === 'details' ? <ObjectDetails object={object} /> : tab === 'layouts' ? <LayoutList object={object} /> : tab === 'rules' ? <ValidationRulesPanel object={object} /> : <FieldList object={object} />}
      </div>
    </div>
  );
}

function ObjectDetails({ object }: { object: ObjectDef }) {
  const { opened, reopen } = useReopen();
  const kind = useKindSchema('object');
  if (kind.error) return <ErrorBox error={kind.error} />;
  if (!kind.data) return <Loading />;
  return (
    <>
      <ObjectNaming object={object} />
      {/* Naming the object another way changes what the form holds: it is built again, on that model. */}
      <ObjectDetailsForm key={`${object.term ?? ''}:${opened}`} kind={kind.data} object={object} onLoadLatest={reopen} />
    </>
  );
}

function ObjectDetailsForm({ kind, object, onLoadLatest }: { kind: JsonSchema; object: ObjectDef; onLoadLatest: () => Promise<void> }) {
  const i18n = useI18n();
  const toast = useToast();
  const { refreshSnapshot } = useSession();
  const [basedOn, rebase] = useBasedOn();
  const form = objectForm(kind, i18n, object);
  const initial = { apiName: object.apiName, labels: object.term ? undefined : object.labels, nameFieldId: object.nameFieldId, description: object.description, helpText: object.helpText };
  return (
    <SchemaForm
      schema={form.schema}
      uiSchema={form.uiSchema}
      formData={compact(initial)}
      idPrefix="object"
      onLoadLatest={onLoadLatest}
      onSubmit={async (data) => {
        const patch = compact(data);
        const result = await metadataApi.updateObject(object.apiName, patch, basedOn);
        rebase(result.revision);
        await refreshSnapshot();
        toast(i18n.t('setup.savedRevision', { revision: result.revision }), 'success');
        if (patch['apiName'] !== object.apiName) navigate(`/setup/objects/${String(patch['apiName'])}?tab=details`, { replace: true });
      }}
    />
  );
}

export const fieldTypeKey = (type: string) => `fieldType.${type}` as MessageKey;

function FieldList({ object }: { object: ObjectDef }) {
  const i18n = useI18n();
  const { t } = i18n;
  const toast = useToast();
  // The list shows the session's model as it is: its changes name that revision, and reading the
  // model again is all a refused one needs.
  const { snapshot, refreshSnapshot } = useSession();
  const [deleting, setDeleting] = useState<FieldDef | null>(null);
  const [alsoFromLayouts, setAlsoFromLayouts] = useState(true);
  const [error, setError] = useState<unknown>(null);
  // The dialog stays open until the field is deleted: a refusal is shown in it, beside the choice that led to it.
  const [removing, setRemoving] = useState(false);
  const [removeError, setRemoveError] = useState<unknown>(null);
  const ask = (f: FieldDef | null) => {
    setRemoveError(null);
    setDeleting(f);
  };
  const onLayouts = (f: FieldDef) => layoutsFor(snapshot, object).filter((l) => l.sections.some((s) => s.fields.some((lf) => lf.fieldId === f.id || lf.fieldId === f.apiName)));
  const remove = async (f: FieldDef) => {
    setRemoving(true);
    setRemoveError(null);
    try {
      const layouts = onLayouts(f);
      if (layouts.length && alsoFromLayouts) {
        // One revision: the field leaves every layout it is on, then is deleted.
        await metadataApi.change({
          operations: [
            ...layouts.map((l) => ({
              op: 'upsertLayout' as const,
              layout: { ...l, sections: l.sections.map((s) => ({ ...s, fields: s.fields.filter((lf) => lf.fieldId !== f.id && lf.fieldId !== f.apiName) })) },
            })),
            { op: 'deleteField' as const, object: object.id, field: f.id },
          ] as Operation[],
        }, snapshot.revision);
      } else await metadataApi.deleteField(object.apiName, f.apiName, snapshot.revision);
      await refreshSnapshot();
      setDeleting(null);
      toast(t('setup.fieldDeleted', { name: i18n.fieldLabel(f) }), 'success');
    } catch (err) {
      setRemoveError(err);
    } finally {
      setRemoving(false);
    }
  };
  const loadLatest = async (clear: (error: null) => void) => {
    await refreshSnapshot();
    clear(null);
  };
  const restore = async (f: FieldDef) => {
    setError(null);
    try {
      await metadataApi.change({ operations: [{ op: 'restoreField', object: object.id, field: f.id }] }, snapshot.revision);
      await refreshSnapshot();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <>
      <div className="toolbar">
        <Link to={`/setup/objects/${object.apiName}/fields/new`} className="btn btn-primary btn-small">
          {t('setup.newField')}
        </Link>
      </div>
      {error ? <ErrorBox error={error} onLoadLatest={() => loadLatest(setError)} /> : null}
      <DataTable label={t('setup.fields')} columns={[t('setup.label'), t('setup.apiName'), t('setup.type'), t('prop.required')]} actions>
        {object.fields.map((f) => (
          <tr key={f.id} className={f.deletedAt ? 'deleted' : undefined}>
            <td>
              {f.deletedAt ? i18n.fieldLabel(f) : <Link to={`/setup/objects/${object.apiName}/fields/${f.apiName}`}>{i18n.fieldLabel(f)}</Link>}
              {f.id === object.nameFieldId ? <span className="badge">{t('setup.nameField')}</span> : null}
              {f.deletedAt ? <span className="badge">{t('setup.deletedField')}</span> : null}
            </td>
            <td>
              <code>{f.apiName}</code>
            </td>
            <td>{t(fieldTypeKey(f.type))}</td>
            <td>{f.required ? t('common.yes') : ''}</td>
            <td>
              {f.deletedAt ? (
                <button type="button" className="btn btn-small" onClick={() => void restore(f)}>
                  {t('setup.restoreField')}
                </button>
              ) : f.id !== object.nameFieldId ? (
                <button type="button" className="btn btn-small btn-danger" onClick={() => ask(f)} aria-label={t('setup.deleteFieldNamed', { name: i18n.fieldLabel(f) })}>
                  {t('action.delete')}
                </button>
              ) : null}
            </td>
          </tr>
        ))}
      </DataTable>
      <Dialog
        open={!!deleting}
        title={t('setup.deleteField')}
        onClose={() => !removing && ask(null)}
        footer={
          <>
            <button type="button" className="btn" disabled={removing} onClick={() => ask(null)}>
              {t('action.cancel')}
            </button>
            <button type="button" className="btn btn-primary btn-danger" disabled={removing} onClick={() => deleting && void remove(deleting)}>
              {t('action.delete')}
            </button>
          </>
        }
      >
        {removeError ? <ErrorBox error={removeError} onLoadLatest={() => loadLatest(setRemoveError)} /> : null}
        {deleting ? <p>{t('setup.deleteFieldConfirm', { name: i18n.fieldLabel(deleting) })}</p> : null}
        {deleting && onLayouts(deleting).length ? (
          <>
            <p>{t('deleteField.onLayouts', { layouts: onLayouts(deleting).map((l) => i18n.layoutName(l, object)).join(', ') })}</p>
            <label className="check">
              <input type="checkbox" checked={alsoFromLayouts} onChange={(e) => setAlsoFromLayouts(e.target.checked)} /> {t('deleteField.removeFromLayouts')}
            </label>
          </>
        ) : null}
      </Dialog>
    </>
  );
}

function LayoutList({ object }: { object: ObjectDef }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { snapshot } = useSession();
  const layouts = layoutsFor(snapshot, object);
  return (
    <>
      <div className="toolbar">
        <Link to={`/setup/objects/${object.apiName}/layouts/new`} className="btn btn-primary btn-small">
          {t('setup.newLayout')}
        </Link>
      </div>
      {!layouts.length ? <p className="empty-state">{t('setup.noLayouts')}</p> : null}
      <ul className="plain-list">
        {layouts.map((l, i) => (
          <li key={l.id}>
            <Link to={`/setup/objects/${object.apiName}/layouts/${l.id}`}>{i18n.layoutName(l, object)}</Link>
            {i === 0 ? <span className="badge">{t('setup.activeLayout')}</span> : null}
          </li>
        ))}
      </ul>
    </>
  );
}
