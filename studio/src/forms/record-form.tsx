import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import Form, { type IChangeEvent } from '@rjsf/core';
import { customizeValidator } from '@rjsf/validator-ajv8';
import type { ErrorSchema } from '@rjsf/utils';
import { ApiError, metadataApi, recordsApi, type FieldDef, type JsonSchema, type LayoutDef, type ObjectDef } from '../api/index.ts';
import type { Snapshot } from '../api/types.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { useSession } from '../app/session.tsx';
import { layoutFor } from '../lib/model.ts';
import { buildRecordForm, layoutRuleLookups, serverErrorsToErrorSchema, toFormData, type RelatedRecords } from './record-ui-schema.ts';
import { errorTransformer, fields, serverMessage, showOnFields, templates, translator, widgets } from './rjsf-theme.tsx';
import { ErrorBox, Loading } from '../components/feedback.tsx';

// Decimal steps such as multipleOf 0.01 need a tolerance, or 19.99 fails in binary floating point.
const validator = customizeValidator({ ajvOptionsOverrides: { multipleOfPrecision: 8 } });

// Picklists are oneOf lists of consts (form-ui.ts); rjsf would otherwise take an empty picklist's
// first value as its default, so a save would write a value nobody chose.
const defaultFormState = { constAsDefaults: 'skipOneOf' } as const;

const schemaCache = new Map<string, Promise<JsonSchema>>();

/** The compiled record schema, fetched once per object, mode and metadata revision. */
export function useRecordSchema(object: ObjectDef, mode: 'create' | 'update') {
  const { snapshot } = useSession();
  const key = `${object.id}:${mode}:${snapshot.revision}`;
  const [state, setState] = useState<{ key: string; schema?: JsonSchema; error?: unknown }>({ key });
  useEffect(() => {
    let p = schemaCache.get(key);
    if (!p) {
      p = metadataApi.recordSchema(object.apiName, mode);
      p.catch(() => schemaCache.delete(key));
      schemaCache.set(key, p);
    }
    let live = true;
    p.then(
      (schema) => live && setState({ key, schema }),
      (error: unknown) => live && setState({ key, error }),
    );
    return () => {
      live = false;
    };
  }, [key, object.apiName, mode]);
  return state.key === key ? state : { key };
}

export interface RecordFormProps {
  object: ObjectDef;
  mode: 'create' | 'update';
  layout?: LayoutDef;
  initial?: Record<string, unknown>;
  /** Throws ApiError on failure; field errors are shown on their fields. `changes` is what differs from `initial`. */
  onSubmit?: (data: Record<string, unknown>, changes: Record<string, unknown>) => Promise<void>;
  onCancel?: () => void;
  submitLabel?: string;
  /** Rendered above the form when the server answered 412 (someone else saved first). */
  staleActions?: (data: Record<string, unknown>) => ReactNode;
  preview?: boolean;
  autoFocus?: boolean;
  idPrefix?: string;
  /** API names shown but not changeable here (the owner, for one who may edit but not delete the record). */
  lockedFields?: readonly string[];
}

/**
 * The looked-up records layout rules read (`account.industry == 'health'`), fetched when a lookup
 * gets a value (once per record), so the rules hold in the form as they do on the server.
 */
function useRuleRelatedRecords(object: ObjectDef, layout: LayoutDef, snapshot: Snapshot, values: Record<string, unknown>): RelatedRecords {
  const lookups = useMemo(() => layoutRuleLookups(object, layout, snapshot), [object, layout, snapshot]);
  const [records, setRecords] = useState<ReadonlyMap<string, Record<string, unknown> | null>>(new Map());
  const wanted = lookups.map((f) => [f, typeof values[f.apiName] === 'string' ? (values[f.apiName] as string) : undefined] as const);
  const key = wanted.map(([f, id]) => `${f.id}=${id ?? ''}`).join('&');
  useEffect(() => {
    let live = true;
    for (const [field, id] of wanted) {
      const target = snapshot.objects.find((o) => o.id === field.lookup?.objectId);
      if (!id || !target || records.has(id)) continue;
      recordsApi.get(target.apiName, id).then(
        (record) => live && setRecords((m) => new Map(m).set(id, record as Record<string, unknown>)),
        // A record the person may not read, or one deleted meanwhile, reads as none (the server decides on save).
        () => live && setRecords((m) => new Map(m).set(id, null)),
      );
    }
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, snapshot]);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  return useMemo(() => Object.fromEntries(wanted.map(([f, id]) => [f.apiName, id ? (records.get(id) ?? null) : null])), [key, records]);
}

export function RecordForm(props: RecordFormProps) {
  const { object, mode, initial, onSubmit, onCancel, submitLabel, staleActions, preview, autoFocus } = props;
  const i18n = useI18n();
  const { t } = i18n;
  const { snapshot } = useSession();
  const layout = props.layout ?? layoutFor(snapshot, object);
  const { schema: serverSchema, error: schemaError } = useRecordSchema(object, mode);
  const [formData, setFormData] = useState<Record<string, unknown>>({});
  const [extraErrors, setExtraErrors] = useState<ErrorSchema | undefined>(undefined);
  const [failure, setFailure] = useState<unknown>(null);
  const [stale, setStale] = useState(false);
  const [busy, setBusy] = useState(false);
  const wrapRef = useRef<HTMLDivElement>(null);

  const model = useMemo(
    () => (serverSchema ? buildRecordForm(serverSchema, object, layout, snapshot, i18n, initial ?? {}) : null),
    [serverSchema, object, layout, snapshot, i18n, initial],
  );
  const related = useRuleRelatedRecords(object, layout, snapshot, { ...(initial ?? {}), ...formData });
  // Layout rules and dependent picklists follow the values as they are typed (the same evaluator as the server).
  const ruledForm = useMemo(
    () => (serverSchema && model && (layout.rules?.length || object.fields.some((f) => f.dependsOn)) ? buildRecordForm(serverSchema, object, layout, snapshot, i18n, { ...(initial ?? {}), ...formData }, mode === 'create', related) : model),
    [serverSchema, model, object, layout, snapshot, i18n, initial, formData, mode, related],
  );
  const lockedKey = props.lockedFields?.join(',') ?? '';
  const liveForm = useMemo(() => {
    if (!ruledForm || !lockedKey) return ruledForm;
    const uiSchema = { ...ruledForm.uiSchema };
    for (const name of lockedKey.split(',')) if (uiSchema[name]) uiSchema[name] = { ...(uiSchema[name] as object), 'ui:readonly': true };
    return { ...ruledForm, uiSchema };
  }, [ruledForm, lockedKey]);
  const writableKey = model?.writable.join(',') ?? '';
  const baseline = useMemo(() => toFormData(initial ?? {}, writableKey ? writableKey.split(',') : []), [initial, writableKey]);

  const ready = !!model;
  useEffect(() => {
    if (!ready || !autoFocus) return;
    wrapRef.current?.querySelector<HTMLElement>('input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled])')?.focus();
  }, [ready, autoFocus]);

  // A new starting record (or schema) resets the form; a locale switch does not.
  useEffect(() => {
    setFormData({ ...baseline });
    setStale(false);
  }, [baseline]);

  if (schemaError) return <ErrorBox error={schemaError} />;
  if (!model) return <Loading />;

  const submit = async (e: IChangeEvent) => {
    if (!onSubmit || busy) return;
    const raw = (e.formData ?? {}) as Record<string, unknown>;
    const data = Object.fromEntries(Object.entries(raw).filter(([k, v]) => model.writable.includes(k) && v !== undefined));
    setBusy(true);
    setFailure(null);
    setStale(false);
    try {
      await onSubmit(data, changedFields(baseline, data));
      setExtraErrors(undefined);
    } catch (err) {
      if (err instanceof ApiError && err.status === 412) {
        setStale(true);
      } else if (err instanceof ApiError && err.problem.errors?.length) {
        // Errors on fields the form shows are shown there; the list above the form holds only the others, by their labels.
        const shown = new Set(Object.keys(((liveForm ?? model).schema['properties'] as Record<string, unknown> | undefined) ?? {}));
        const named = (field: FieldDef | undefined, key: string, message: string) => `${t('common.labelled', { label: field ? i18n.fieldLabel(field) : key })}${message}`;
        const { byField, unplaced } = serverErrorsToErrorSchema(err.problem.errors, object, serverMessage(i18n), { shown, named });
        setExtraErrors(byField as ErrorSchema);
        setFailure(unplaced.length ? new ApiError({ ...err.problem, errors: unplaced.map((message) => ({ message })) }) : null);
        const first = Object.keys(byField)[0];
        if (first) requestAnimationFrame(() => document.getElementById(`${props.idPrefix ?? 'root'}_${first}`)?.focus());
      } else {
        setFailure(err);
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="record-form" ref={wrapRef}>
      {stale ? (
        <div className="notice notice-warning" role="alert">
          <p>{t('record.staleEdit')}</p>
          {staleActions?.(formData)}
        </div>
      ) : null}
      {failure ? <ErrorBox error={failure} /> : null}
      <Form
        schema={(liveForm ?? model).schema}
        uiSchema={(liveForm ?? model).uiSchema}
        formData={formData}
        validator={validator}
        widgets={widgets}
        fields={fields}
        templates={templates}
        translateString={translator(i18n)}
        transformErrors={errorTransformer(i18n)}
        extraErrors={extraErrors}
        showErrorList={false}
        noHtml5Validate
        autoComplete="off"
        experimental_defaultFormStateBehavior={defaultFormState}
        focusOnFirstError
        disabled={preview}
        idPrefix={props.idPrefix}
        onChange={(e, id) => {
          setFormData((e.formData ?? {}) as Record<string, unknown>);
          if (extraErrors && id) {
            const field = id.replace(`${props.idPrefix ?? 'root'}_`, '');
            if (field in extraErrors) {
              const next = { ...extraErrors } as Record<string, unknown>;
              delete next[field];
              setExtraErrors(next as ErrorSchema);
            }
          }
        }}
        onSubmit={(e) => void submit(e)}
        onError={showOnFields}
      >
        {preview ? (
          <></>
        ) : (
          <div className="form-actions">
            <button type="submit" className="btn btn-primary" disabled={busy}>
              {submitLabel ?? t('action.save')}
            </button>
            {onCancel ? (
              <button type="button" className="btn" onClick={onCancel}>
                {t('action.cancel')}
              </button>
            ) : null}
          </div>
        )}
      </Form>
    </div>
  );
}

/** The fields that changed, for a PATCH; a cleared value becomes null. */
export function changedFields(before: Record<string, unknown>, after: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (!(key in after) && !(key in before)) continue;
    const a = after[key] ?? null;
    const b = before[key] ?? null;
    if (JSON.stringify(a) === JSON.stringify(b)) continue;
    out[key] = a;
  }
  return out;
}
