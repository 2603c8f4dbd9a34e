// Changes to every record a list's filter matches, done by the server in one all-or-nothing
// batch (update-by-filter, delete-by-filter): a dry run first shows how many records match and a
// few of their names; applying sends that count back, so a list that changed meanwhile is refused.
import { useEffect, useState } from 'react';
import { recordsApi, type ByFilterResult, type Filter, type ObjectDef } from '../api/index.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { liveFields } from '../lib/model.ts';
import { Dialog } from '../components/dialog.tsx';
import { ErrorBox, Loading, useToast } from '../components/feedback.tsx';
import { FieldInput } from './field-input.tsx';

export function FilterBulkDialog({ object, filter, mode, onClose, onDone }: { object: ObjectDef; filter: Filter; mode: 'edit' | 'delete'; onClose: () => void; onDone: () => void }) {
  const i18n = useI18n();
  const { t, tc } = i18n;
  const toast = useToast();
  const editable = liveFields(object).filter((f) => !f.readOnly && f.type !== 'autonumber' && f.type !== 'json' && !f.unique);
  const [fieldName, setFieldName] = useState(editable[0]?.apiName ?? '');
  const [value, setValue] = useState<unknown>(null);
  const [preview, setPreview] = useState<ByFilterResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const field = editable.find((f) => f.apiName === fieldName);
  const data = () => (field ? { [field.apiName]: value === '' ? null : value } : {});

  // Deleting needs no choice: its dry run runs at once. A change is previewed once its value is chosen.
  const dryRun = async () => {
    setBusy(true);
    setError(null);
    try {
      setPreview(mode === 'delete' ? await recordsApi.deleteByFilter(object.apiName, { filter, dryRun: true }) : await recordsApi.updateByFilter(object.apiName, { filter, data: data(), dryRun: true }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    if (mode === 'delete') void dryRun();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const apply = async () => {
    if (!preview) return;
    setBusy(true);
    setError(null);
    try {
      if (mode === 'delete') {
        const r = await recordsApi.deleteByFilter(object.apiName, { filter, expectedCount: preview.matched });
        toast(tc('list.deleted', r.deleted ?? r.matched), 'success');
      } else {
        const r = await recordsApi.updateByFilter(object.apiName, { filter, data: data(), expectedCount: preview.matched });
        toast(tc('list.updated', r.updated ?? r.matched), 'success');
      }
      onDone();
    } catch (err) {
      setError(err);
      setPreview(null);
    } finally {
      setBusy(false);
    }
  };

  const sample = preview?.sample?.map((s) => s.display_name ?? s.id).join(', ');
  return (
    <Dialog
      open
      title={mode === 'delete' ? t('filterBulk.deleteTitle') : t('filterBulk.editTitle')}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose}>
            {t('action.cancel')}
          </button>
          {mode === 'edit' && !preview ? (
            <button type="button" className="btn btn-primary" disabled={busy || !field} onClick={() => void dryRun()}>
              {t('filterBulk.preview')}
            </button>
          ) : (
            <button type="button" className={mode === 'delete' ? 'btn btn-primary btn-danger' : 'btn btn-primary'} disabled={busy || !preview || preview.matched === 0} onClick={() => void apply()}>
              {preview ? tc(mode === 'delete' ? 'filterBulk.deleteN' : 'filterBulk.editN', preview.matched) : t('action.apply')}
            </button>
          )}
        </>
      }
    >
      {mode === 'edit' ? (
        <div className="form-grid cols-1">
          <label>
            {t('filter.field')}
            <select
              value={fieldName}
              onChange={(e) => {
                setFieldName(e.target.value);
                setValue(null);
                setPreview(null);
              }}
            >
              {editable.map((f) => (
                <option key={f.id} value={f.apiName}>
                  {i18n.fieldLabel(f)}
                </option>
              ))}
            </select>
          </label>
          {field ? (
            <label>
              {t('list.newValue')}
              <FieldInput
                field={field}
                value={value}
                onChange={(v) => {
                  setValue(v);
                  setPreview(null);
                }}
              />
            </label>
          ) : null}
        </div>
      ) : null}
      {busy && !preview ? <Loading /> : null}
      {preview ? (
        <p role="status" data-testid="dry-run">
          {tc('filterBulk.matched', preview.matched, { object: i18n.objectNoun(object) })}
          {sample ? ` ${t('filterBulk.sample', { names: sample })}` : ''}
        </p>
      ) : null}
      {error ? <ErrorBox error={error} /> : null}
    </Dialog>
  );
}
