import { useState } from 'react';
import type { PicklistValue } from '../api/types.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { Dialog } from '../components/dialog.tsx';
import { ErrorBox, Loading } from '../components/feedback.tsx';
import { SchemaForm } from '../forms/schema-form.tsx';
import { compact, pickProperties, titledUiSchema } from '../forms/kind-schema.ts';
import { useKindSchema } from './use-kind-schema.ts';
import { deriveApiName } from './api-name.ts';
import { DataTable } from '../components/data-table.tsx';
import { termTextUi } from '../forms/term-text-ui.ts';

/** Picklist values in display order: reorder, relabel per locale, deactivate; each value's form comes from the picklistValue kind schema. */
export function PicklistEditor({ values, onChange, errors }: { values: PicklistValue[]; onChange: (v: PicklistValue[]) => void; errors?: string[] | undefined }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [editing, setEditing] = useState<{ index: number | null } | null>(null);
  const move = (i: number, d: number) => {
    const next = [...values];
    const [v] = next.splice(i, 1);
    next.splice(i + d, 0, v!);
    onChange(next);
  };
  return (
    <section className="panel picklist-editor" aria-labelledby="picklist-title">
      <header className="related-header">
        <h2 id="picklist-title" className="section-title">
          {t('picklist.title')}
        </h2>
        <button type="button" className="btn btn-small" onClick={() => setEditing({ index: null })}>
          + {t('picklist.add')}
        </button>
      </header>
      {errors?.length ? (
        <p className="field-error" role="alert" id="picklist-errors">
          {errors.join(' ')}
        </p>
      ) : null}
      <DataTable label={t('picklist.title')} columns={[t('picklist.order'), t('prop.en'), t('prop.zh-CN'), t('setup.apiName'), t('prop.active')]} actions compact>
        {values.map((v, i) => (
          <tr key={v.id || v.apiName} className={v.active === false ? 'inactive' : undefined} data-value={v.apiName}>
            <td>
              <button type="button" className="btn-icon" aria-label={t('picklist.moveUp', { name: i18n.valueLabel(v) })} disabled={i === 0} onClick={() => move(i, -1)}>
                ↑
              </button>
              <button type="button" className="btn-icon" aria-label={t('picklist.moveDown', { name: i18n.valueLabel(v) })} disabled={i === values.length - 1} onClick={() => move(i, 1)}>
                ↓
              </button>
            </td>
            <td>
              {v.color ? <span className="chip-dot" style={{ background: v.color }} aria-hidden="true" /> : null}
              {/* Labels may be templates naming glossary terms; in Setup they are shown as written. */}
              <code>{v.labels.en}</code>
            </td>
            <td>
              <code>{v.labels['zh-CN'] ?? ''}</code>
            </td>
            <td>
              <code>{v.apiName}</code>
            </td>
            <td>
              <input
                type="checkbox"
                checked={v.active !== false}
                aria-label={t('picklist.activeNamed', { name: i18n.valueLabel(v) })}
                onChange={(e) => onChange(values.map((x, j) => (j === i ? { ...x, active: e.target.checked } : x)))}
              />
            </td>
            <td>
              <button type="button" className="btn btn-small" onClick={() => setEditing({ index: i })} aria-label={t('picklist.editNamed', { name: i18n.valueLabel(v) })}>
                {t('action.edit')}
              </button>
              {!v.id ? (
                <button type="button" className="btn btn-small" onClick={() => onChange(values.filter((_, j) => j !== i))}>
                  {t('action.remove')}
                </button>
              ) : null}
            </td>
          </tr>
        ))}
      </DataTable>
      {editing ? (
        <PicklistValueDialog
          value={editing.index === null ? null : values[editing.index]!}
          onClose={() => setEditing(null)}
          onSave={(v) => {
            onChange(editing.index === null ? [...values, v] : values.map((x, j) => (j === editing.index ? v : x)));
            setEditing(null);
          }}
        />
      ) : null}
    </section>
  );
}

function PicklistValueDialog({ value, onClose, onSave }: { value: PicklistValue | null; onClose: () => void; onSave: (v: PicklistValue) => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const kind = useKindSchema('picklistValue');
  const schema = kind.data ? pickProperties(kind.data, ['labels', 'apiName', 'active', 'color'], ['active']) : null;
  return (
    <Dialog open title={value ? t('picklist.edit') : t('picklist.add')} onClose={onClose}>
      {kind.error ? <ErrorBox error={kind.error} /> : null}
      {!schema ? <Loading /> : (
        <SchemaForm
          schema={schema}
          uiSchema={titledUiSchema(schema, i18n, { 'ui:order': ['labels', 'apiName', 'active', 'color'], labels: termTextUi(), color: { 'ui:widget': 'color' } })}
          formData={value ? compact({ labels: value.labels, apiName: value.apiName, active: value.active, color: value.color }) : { active: true }}
          idPrefix="value"
          derive={value ? undefined : deriveApiName}
          onCancel={onClose}
          submitLabel={t('action.done')}
          onSubmit={async (data) => {
            const d = compact(data) as Partial<PicklistValue>;
            onSave({ ...(value ?? {}), ...d, id: value?.id ?? '', active: d.active !== false } as PicklistValue);
          }}
        />
      )}
    </Dialog>
  );
}
