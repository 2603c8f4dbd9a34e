// A list cell that edits in place with the record form's own rules: the compiled record schema
// (the same ajv validator and localised messages as the form) before saving, then the server's
// answer on the cell. Double-click, Enter or F2 opens it; Enter saves, Escape cancels.
import { useState, type KeyboardEvent } from 'react';
import { customizeValidator } from '@rjsf/validator-ajv8';
import { ApiError, recordsApi, type FieldDef, type JsonSchema, type ObjectDef, type RecordData } from '../api/index.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { useSession } from '../app/session.tsx';
import { lookupTargets } from '../lib/model.ts';
import { useRecordSchema } from '../forms/record-form.tsx';
import { errorTransformer } from '../forms/rjsf-theme.tsx';
import { RecordPicker } from '../components/record-picker.tsx';
import { describeError, useToast } from '../components/feedback.tsx';
import { FieldInput } from './field-input.tsx';
import { FieldValue } from './field-value.tsx';
import { useFocusReturn } from '../lib/focus-return.ts';

const validator = customizeValidator({ ajvOptionsOverrides: { multipleOfPrecision: 8 } });

/** Types whose value the platform computes, so a cell never offers to edit them. */
const COMPUTED = new Set(['autonumber', 'formula', 'rollup']);

export function cellEditable(field: FieldDef): boolean {
  return !field.readOnly && !COMPUTED.has(field.type);
}

/** The form's check of one field: its property of the record schema, required as the field is. */
export function checkCell(schema: JsonSchema, field: FieldDef, value: unknown, transform: ReturnType<typeof errorTransformer>): string[] {
  const property = (schema['properties'] as Record<string, JsonSchema> | undefined)?.[field.apiName];
  if (!property) return [];
  const one: JsonSchema = { type: 'object', properties: { [field.apiName]: property }, required: field.required ? [field.apiName] : [] };
  const data = value === null || value === undefined || value === '' ? {} : { [field.apiName]: value };
  const { errors } = validator.validateFormData(data, one, undefined, transform);
  return errors.map((e) => e.message ?? '').filter(Boolean);
}

export function EditableCell({ object, field, record, onSaved }: { object: ObjectDef; field: FieldDef; record: RecordData; onSaved: (record: RecordData) => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const toast = useToast();
  const { snapshot } = useSession();
  const schema = useRecordSchema(object, 'update');
  const [draft, setDraft] = useState<unknown>(undefined);
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const cellRef = useFocusReturn<HTMLTableCellElement>(editing);
  const label = i18n.fieldLabel(field);
  const current = record[field.apiName];
  const inputId = `cell-${record.id}-${field.apiName}`;
  const errorId = `${inputId}-error`;

  const start = () => {
    const v = current && typeof current === 'object' && !Array.isArray(current) ? (current as { id?: unknown }).id : current;
    setDraft(v ?? null);
    setError(null);
    setEditing(true);
  };

  const save = async () => {
    const value = draft === '' ? null : draft;
    if (schema.schema) {
      const problems = checkCell(schema.schema, field, value, errorTransformer(i18n));
      if (problems.length) {
        setError(problems.join(' '));
        return;
      }
    }
    setBusy(true);
    setError(null);
    try {
      const saved = await recordsApi.update(object.apiName, record.id, { [field.apiName]: value }, record.version);
      // A lookup comes back as an id; keep the expanded name the row showed when it did not change.
      onSaved({ ...record, ...saved, ...(field.type === 'lookup' && value === (current as { id?: unknown } | null)?.id ? { [field.apiName]: current } : {}) });
      setEditing(false);
      toast(t('record.saved'), 'success');
    } catch (err) {
      if (err instanceof ApiError && err.status === 412) setError(t('record.staleShort'));
      else if (err instanceof ApiError && err.problem.errors?.length) setError(err.problem.errors.map((e) => e.message).join(' '));
      else setError(describeError(err, i18n));
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
      void save();
    }
  };

  if (!editing) {
    return (
      <td
        ref={cellRef}
        className="editable-cell"
        data-field={field.apiName}
        tabIndex={0}
        onDoubleClick={start}
        onKeyDown={(e) => {
          if (e.target === e.currentTarget && (e.key === 'Enter' || e.key === 'F2')) {
            e.preventDefault();
            start();
          }
        }}
        title={t('list.editCellHint')}
      >
        <FieldValue field={field} value={current} />
        <button type="button" className="btn-icon edit-pencil" aria-label={t('list.editCellNamed', { field: label, name: i18n.recordName(object, record) })} onClick={start} tabIndex={-1}>
          ✎
        </button>
      </td>
    );
  }
  return (
    <td className="editing" data-field={field.apiName}>
      <div className="cell-edit">
        {field.type === 'lookup' ? (
          <RecordPicker id={inputId} object={lookupTargets(snapshot, field)} value={typeof draft === 'string' ? draft : null} onChange={(v) => setDraft(v)} label={label} autoFocus invalid={!!error} />
        ) : (
          <FieldInput field={field} value={draft} onChange={setDraft} id={inputId} label={label} autoFocus invalid={!!error} describedBy={error ? errorId : undefined} onKeyDown={onKey} />
        )}
        {error ? (
          <p id={errorId} className="field-error" role="alert">
            {error}
          </p>
        ) : null}
        <div className="cell-edit-row">
          <button type="button" className="btn btn-small btn-primary" disabled={busy} onClick={() => void save()}>
            {t('action.save')}
          </button>
          <button type="button" className="btn btn-small" onClick={() => setEditing(false)}>
            {t('action.cancel')}
          </button>
        </div>
      </div>
    </td>
  );
}
