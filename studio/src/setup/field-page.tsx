import { useState } from 'react';
import type { PageProps } from '../app/routes.tsx';
import { metadataApi, type FieldDef, type FieldType, type ObjectDef, type Operation, type PicklistValue } from '../api/index.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { useSession } from '../app/session.tsx';
import { Link, navigate } from '../lib/router.tsx';
import { findField, findObject, layoutsFor } from '../lib/model.ts';
import { fieldType, fieldTypes } from '@protean/metadata/field-types';
import { defaultResultType } from '@protean/metadata/expressions';
import { ErrorBox, Loading, useToast } from '../components/feedback.tsx';
import { SchemaForm } from '../forms/schema-form.tsx';
import { compact } from '../forms/kind-schema.ts';
import { useKindSchema } from './use-kind-schema.ts';
import { fieldForm, fieldPatch, withExpressionOutside } from './field-form.ts';
import { PicklistEditor } from './picklist-editor.tsx';
import { deriveApiName } from './api-name.ts';
import { ExpressionEditor } from './expression-editor.tsx';
import { DependencyEditor } from './dependency-editor.tsx';
import { useBasedOn, useReopen } from './based-on-revision.ts';

export default function FieldPage({ params }: PageProps) {
  const { snapshot } = useSession();
  const { t } = useI18n();
  const { opened, reopen } = useReopen();
  const object = findObject(snapshot, params['object'] ?? '');
  const isNew = params['field'] === 'new';
  const field = object && !isNew ? findField(object, params['field'] ?? '') : undefined;
  if (!object || (!isNew && !field))
    return (
      <div className="page">
        <p role="alert">{t('error.notFound')}</p>
      </div>
    );
  return <FieldEditor key={`${field?.id ?? 'new'}:${opened}`} object={object} field={field} onLoadLatest={reopen} />;
}

function stripDraftIds(values: PicklistValue[]): unknown[] {
  return values.map(({ id, ...rest }) => (id ? { id, ...rest } : rest));
}

function FieldEditor({ object, field, onLoadLatest }: { object: ObjectDef; field?: FieldDef; onLoadLatest: () => Promise<void> }) {
  const i18n = useI18n();
  const { t } = i18n;
  const toast = useToast();
  const { snapshot, refreshSnapshot } = useSession();
  const [basedOn] = useBasedOn();
  const kind = useKindSchema('field');
  const [data, setData] = useState<Record<string, unknown>>(() =>
    field ? compact({ ...field, id: undefined, apiNameAliases: undefined, deletedAt: undefined, values: undefined }) : { type: 'text' },
  );
  const [values, setValues] = useState<PicklistValue[]>(() => field?.values ?? []);
  // A formula's expression is edited beside the form, with completions and the checker's errors as it is typed.
  const [expression, setExpression] = useState(() => field?.formula?.expression ?? '');
  const [defaultExpression, setDefaultExpression] = useState(() => field?.defaultExpression ?? '');
  const [dependsOn, setDependsOn] = useState(() => field?.dependsOn);
  const layouts = layoutsFor(snapshot, object);
  const [addToLayouts, setAddToLayouts] = useState(true);
  const [outsideErrors, setOutsideErrors] = useState<Record<string, string[]>>({});
  const type = (fieldTypes.includes(data['type'] as FieldType) ? data['type'] : 'text') as FieldType;
  const hasValues = fieldType(type).options.includes('values');
  const back = `/setup/objects/${object.apiName}?tab=fields`;

  if (kind.error) return <ErrorBox error={kind.error} />;
  if (!kind.data) return <Loading />;
  const isFormula = type === 'formula';
  const form = isFormula ? withExpressionOutside(fieldForm(kind.data, type, values, snapshot, i18n, object, data)) : fieldForm(kind.data, type, values, snapshot, i18n, object, data);
  const formula = (data['formula'] ?? {}) as { resultType?: 'number' | 'text' | 'boolean' | 'date' | 'datetime' };

  const submit = async (formData: Record<string, unknown>) => {
    const body: Record<string, unknown> = compact(formData);
    if (hasValues) body['values'] = stripDraftIds(values);
    if (isFormula) body['formula'] = { ...((body['formula'] as Record<string, unknown> | undefined) ?? {}), expression };
    // Options edited beside the form (or kept as they are: a picklist's dependency) go with the patch.
    if (defaultResultType({ ...field, type } as FieldDef) && defaultExpression.trim()) body['defaultExpression'] = defaultExpression;
    if (dependsOn && hasValues) body['dependsOn'] = dependsOn;
    if (field) {
      const patch = fieldPatch(field, body);
      if (hasValues && JSON.stringify(values) === JSON.stringify(field.values ?? [])) delete patch['values'];
      if (!Object.keys(patch).length) {
        navigate(back);
        return;
      }
      const r = await metadataApi.updateField(object.apiName, field.apiName, patch, basedOn);
      toast(t('setup.savedRevision', { revision: r.revision }), 'success');
    } else if (addToLayouts && layouts.length) {
      // One change request: the field and its place at the end of every layout, one revision.
      const apiName = String(body['apiName']);
      const operations = [
        { op: 'createField', object: object.id, field: body },
        ...layouts.map((l) => ({
          op: 'upsertLayout',
          layout: { ...l, sections: l.sections.map((s, i) => (i === l.sections.length - 1 ? { ...s, fields: [...s.fields, { fieldId: apiName }] } : s)) },
        })),
      ] as Operation[];
      const r = await metadataApi.change({ operations }, basedOn);
      toast(t('setup.savedRevision', { revision: r.revision }), 'success');
    } else {
      const r = await metadataApi.createField(object.apiName, body, basedOn);
      toast(t('setup.savedRevision', { revision: r.revision }), 'success');
    }
    await refreshSnapshot();
    navigate(back);
  };

  return (
    <div className="page">
      <nav className="breadcrumb" aria-label={t('shell.breadcrumb')}>
        <Link to="/setup/objects">{t('setup.objects')}</Link> › <Link to={back}>{i18n.objectLabel(object, 'plural')}</Link>
      </nav>
      <h1>{field ? t('setup.editFieldTitle', { name: i18n.fieldLabel(field) }) : t('setup.newField')}</h1>
      <div className="setup-columns">
        <div>
          <SchemaForm
            key={type}
            schema={form.schema}
            uiSchema={form.uiSchema}
            formData={data}
            idPrefix="field"
            derive={field ? undefined : deriveApiName}
            onChange={setData}
            onSubmit={submit}
            onOutsideErrors={setOutsideErrors}
            onLoadLatest={onLoadLatest}
            onCancel={() => navigate(back)}
            submitLabel={field ? t('action.save') : t('action.create')}
            extraActions={
              !field && layouts.length ? (
                <label className="check inline-label">
                  <input type="checkbox" checked={addToLayouts} onChange={(e) => setAddToLayouts(e.target.checked)} /> {t('setup.addToLayouts')}
                </label>
              ) : null
            }
          />
        </div>
        {hasValues ? <PicklistEditor values={values} onChange={setValues} errors={outsideErrors['values']} /> : null}
        {hasValues ? <DependencyEditor object={object} fieldId={field?.id} values={values} value={dependsOn} onChange={setDependsOn} /> : null}
        {!isFormula && defaultResultType({ ...field, type } as FieldDef) ? (
          <section className="panel" aria-label={t('field.defaultExpression')}>
            <h2 className="section-title">{t('field.defaultExpression')}</h2>
            <p className="muted">{t('field.defaultExpressionHint')}</p>
            <ExpressionEditor snapshot={snapshot} object={object.id} context="default" expect={defaultResultType({ ...field, type } as FieldDef)!} value={defaultExpression} onChange={setDefaultExpression} id="default-expression" />
            {outsideErrors['defaultExpression']?.length ? (
              <p className="field-error" role="alert">
                {outsideErrors['defaultExpression'].join(' ')}
              </p>
            ) : null}
          </section>
        ) : null}
        {isFormula ? (
          <section className="panel" aria-label={t('fieldType.formula')}>
            <ExpressionEditor snapshot={snapshot} object={object.id} context="formula" expect={formula.resultType ?? 'number'} value={expression} onChange={setExpression} id="formula-expression" />
            {outsideErrors['formula']?.length ? (
              <p className="field-error" role="alert">
                {outsideErrors['formula'].join(' ')}
              </p>
            ) : null}
          </section>
        ) : null}
      </div>
    </div>
  );
}
