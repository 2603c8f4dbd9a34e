import { useState, type ReactNode } from 'react';
import Form from '@rjsf/core';
import { customizeValidator } from '@rjsf/validator-ajv8';
import type { ErrorSchema } from '@rjsf/utils';
import { ApiError, type JsonSchema } from '../api/index.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { ErrorBox } from '../components/feedback.tsx';
import { errorTransformer, showOnFields, templates, translator, widgets } from './rjsf-theme.tsx';

const validator = customizeValidator({ ajvOptionsOverrides: { multipleOfPrecision: 8 } });

type ServerFieldError = { path?: string; field?: string; code?: string; message: string };

/**
 * Metadata errors carry JSON pointers into the change request; strip the operation prefix to land
 * on a form field. An error on a property the form does not render (picklist values, edited beside
 * the form) goes to `outside` under its property name, so no failed save is ever silent.
 */
function pointerToErrorSchema(
  errors: ServerFieldError[],
  stripPrefix: RegExp,
  properties: readonly string[],
  say: (e: ServerFieldError, property: string) => string,
): { schema: ErrorSchema; rest: string[]; outside: Record<string, string[]> } {
  const root: Record<string, unknown> = {};
  const rest: string[] = [];
  const outside: Record<string, string[]> = {};
  for (const e of errors) {
    const pointer = (e.path ?? e.field ?? '').replace(stripPrefix, '');
    const parts = pointer.split('/').filter(Boolean);
    if (!parts.length) {
      rest.push(e.message);
      continue;
    }
    if (!properties.includes(parts[0]!)) {
      (outside[parts[0]!] ??= []).push(say(e, parts[0]!));
      continue;
    }
    let node = root;
    for (const p of parts) node = (node[p] ??= {}) as Record<string, unknown>;
    ((node['__errors'] ??= []) as string[]).push(say(e, parts[parts.length - 1]!));
  }
  return { schema: root as ErrorSchema, rest, outside };
}

export interface SchemaFormProps {
  schema: JsonSchema;
  uiSchema: Record<string, unknown>;
  formData: Record<string, unknown>;
  onChange?: (data: Record<string, unknown>) => void;
  onSubmit: (data: Record<string, unknown>) => Promise<void>;
  submitLabel?: string;
  onCancel?: () => void;
  /** Strips e.g. `/operations/0/field` from error paths. */
  errorPrefix?: RegExp;
  idPrefix?: string;
  extraActions?: ReactNode;
  /** Adjusts data as the user types, e.g. derives an API name from the English label. */
  derive?: (next: Record<string, unknown>, prev: Record<string, unknown>) => Record<string, unknown>;
  /** Errors on properties edited outside this form (by property name); without it they show above the form. */
  onOutsideErrors?: (errors: Record<string, string[]>) => void;
  /** Opens the form again on the latest model, offered when a save was refused as made on an older one (412). */
  onLoadLatest?: () => Promise<void>;
}

/** An rjsf form for Setup: metadata kind schemas in, all server errors back on their fields. */
export function SchemaForm({ schema, uiSchema, formData, onChange, onSubmit, submitLabel, onCancel, errorPrefix, idPrefix, extraActions, derive, onOutsideErrors, onLoadLatest }: SchemaFormProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const [data, setData] = useState(formData);
  const [extraErrors, setExtraErrors] = useState<ErrorSchema | undefined>();
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  return (
    <div className="schema-form">
      {failure ? <ErrorBox error={failure} onLoadLatest={onLoadLatest} /> : null}
      <Form
        schema={schema}
        uiSchema={uiSchema}
        formData={data}
        validator={validator}
        widgets={widgets}
        templates={templates}
        translateString={translator(i18n)}
        transformErrors={errorTransformer(i18n)}
        extraErrors={extraErrors}
        showErrorList={false}
        noHtml5Validate
        onError={showOnFields}
        omitExtraData
        idPrefix={idPrefix}
        onChange={(e) => {
          const raw = (e.formData ?? {}) as Record<string, unknown>;
          const next = derive ? derive(raw, data) : raw;
          setData(next);
          onChange?.(next);
        }}
        onSubmit={async (e) => {
          setBusy(true);
          setFailure(null);
          setExtraErrors(undefined);
          onOutsideErrors?.({});
          try {
            await onSubmit((e.formData ?? {}) as Record<string, unknown>);
          } catch (err) {
            // A change refused as made on an older model is about the whole form, not one of its fields.
            if (err instanceof ApiError && err.status === 412) setFailure(err);
            else if (err instanceof ApiError && err.problem.errors?.length) {
              const properties = Object.keys((schema['properties'] as Record<string, unknown> | undefined) ?? {});
              // The studio's own words for a known (property, code), else the server's (sent in the UI language).
              const say = (fe: ServerFieldError, property: string) => (fe.code ? i18n.tMaybe(`serverError.${property}.${fe.code}`) : undefined) ?? fe.message;
              const { schema: es, rest, outside } = pointerToErrorSchema(err.problem.errors, errorPrefix ?? /^\/operations\/\d+\/[a-zA-Z]+/, properties, say);
              setExtraErrors(es);
              const hasOutside = Object.keys(outside).length > 0;
              if (hasOutside && onOutsideErrors) onOutsideErrors(outside);
              if (rest.length || (hasOutside && !onOutsideErrors) || (!Object.keys(es).length && !hasOutside)) setFailure(err);
            } else setFailure(err);
          } finally {
            setBusy(false);
          }
        }}
      >
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {submitLabel ?? t('action.save')}
          </button>
          {onCancel ? (
            <button type="button" className="btn" onClick={onCancel}>
              {t('action.cancel')}
            </button>
          ) : null}
          {extraActions}
        </div>
      </Form>
    </div>
  );
}
