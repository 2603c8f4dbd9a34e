// Protean's rjsf registry: section/column layout for the root object, locale-aware strings
// and error messages, the widgets the core lacks (lookup, owner) and a field for JSON values.
import { useEffect, useRef, useState } from 'react';
import type {
  BaseInputTemplateProps,
  FieldProps,
  FieldTemplateProps,
  ObjectFieldTemplateProps,
  RegistryFieldsType,
  RegistryWidgetsType,
  RJSFValidationError,
  TemplatesType,
  TitleFieldProps,
  WidgetProps,
} from '@rjsf/utils';
import { TranslatableString, englishStringTranslator, getTemplate, getUiOptions } from '@rjsf/utils';
import { getDefaultRegistry } from '@rjsf/core';
import type { DirectoryUser } from '../api/index.ts';
import { loadUsers } from '../lib/user-directory.ts';
import { RecordPicker } from '../components/record-picker.tsx';
import { useI18n, type I18n, type MessageKey } from '../i18n/i18n.tsx';
import { fromZoneInput, toZoneInput } from '../lib/time-zone.ts';
import type { FormSection } from './record-ui-schema.ts';
import { useSession } from '../app/session.tsx';
import { findObject } from '../lib/model.ts';
import { TermTextWidget } from './term-text-widget.tsx';

function SectionedObjectTemplate(props: ObjectFieldTemplateProps) {
  const options = (props.uiSchema?.['ui:options'] ?? {}) as { sections?: FormSection[] };
  const byName = new Map(props.properties.map((p) => [p.name, p]));
  if (!options.sections) {
    // Small nested objects (labels per locale, singular/plural) sit side by side.
    const compact = props.fieldPathId.$id.split('_').length > 1 && props.properties.length <= 4;
    return (
      <fieldset className="rjsf-object" id={props.fieldPathId.$id}>
        {props.title ? <legend>{props.title}</legend> : null}
        <div className={compact ? 'form-grid cols-2' : undefined}>{props.properties.map((p) => p.content)}</div>
      </fieldset>
    );
  }
  const placed = new Set(options.sections.flatMap((s) => s.fields));
  const rest = props.properties.filter((p) => !placed.has(p.name) && !p.hidden);
  return (
    <div className="form-sections">
      {options.sections.map((s) => (
        <section key={s.id} className="form-section" aria-label={s.title || undefined}>
          {s.title ? <h3 className="section-title">{s.title}</h3> : null}
          <div className={s.columns === 2 ? 'form-grid cols-2' : 'form-grid cols-1'}>
            {s.fields.map((name) => byName.get(name)?.content)}
          </div>
        </section>
      ))}
      {rest.length ? <div className="form-grid cols-2">{rest.map((p) => p.content)}</div> : null}
    </div>
  );
}

function LookupWidget(props: WidgetProps) {
  const { id, value, onChange, disabled, readonly, options, label, required, rawErrors } = props;
  const { snapshot } = useSession();
  const object = findObject(snapshot, String(options['object'] ?? ''));
  const current = value && typeof value === 'object' ? String((value as { id?: unknown }).id ?? '') : (value as string | undefined);
  return (
    <RecordPicker
      object={object}
      value={current}
      onChange={(next) => onChange(next ?? undefined)}
      id={id}
      label={label}
      required={required}
      disabled={disabled || readonly}
      invalid={!!rawErrors?.length}
    />
  );
}

function OwnerWidget(props: WidgetProps) {
  const { id, value, onChange, disabled, readonly, label, required } = props;
  const { me } = useSession();
  const [users, setUsers] = useState<DirectoryUser[] | null>(null);
  useEffect(() => {
    void loadUsers(me.user).then(setUsers);
  }, [me.user]);
  // Deactivated users are not offered, but a record they still own keeps showing their name.
  const list = (users ?? [{ id: me.user.id, name: me.user.name, active: true }]).filter((u) => u.active || u.id === value);
  return (
    <select id={id} aria-label={label} required={required} aria-required={required || undefined} disabled={disabled || readonly} value={value ?? ''} onChange={(e) => onChange(e.target.value || undefined)}>
      <option value="" />
      {list.map((u) => (
        <option key={u.id} value={u.id}>
          {u.name}
        </option>
      ))}
      {value && !list.some((u) => u.id === value) ? <option value={String(value)}>{String(value)}</option> : null}
    </select>
  );
}

const asText = (value: unknown) => (value === undefined || value === null ? '' : JSON.stringify(value, null, 2));

/** Any JSON value, typed as text; the value changes only while the text parses. */
function JsonText({ id, value, onChange, disabled, label, required }: { id: string; value: unknown; onChange: (next: unknown) => void; disabled: boolean; label: string; required?: boolean | undefined }) {
  const [text, setText] = useState(() => asText(value));
  const [bad, setBad] = useState(false);
  // A value from outside (the record arriving after the form, a reset) replaces the text; what was
  // typed here comes back as the same value and leaves the text, half-typed or not, alone.
  const typed = useRef(value);
  useEffect(() => {
    if (JSON.stringify(value) === JSON.stringify(typed.current)) return;
    typed.current = value;
    setText(asText(value));
    setBad(false);
  }, [value]);
  return (
    <textarea
      id={id}
      aria-label={label}
      aria-required={required || undefined}
      aria-invalid={bad || undefined}
      className="mono"
      rows={4}
      disabled={disabled}
      value={text}
      onChange={(e) => {
        setText(e.target.value);
        try {
          const next: unknown = e.target.value.trim() ? JSON.parse(e.target.value) : undefined;
          typed.current = next;
          onChange(next);
          setBad(false);
        } catch {
          setBad(true);
        }
      }}
    />
  );
}

/**
 * A JSON field's schema has no type (any JSON value), and rjsf picks a field by type, so a widget
 * alone is never reached ("unsupported field schema"). This field takes any schema; as a custom
 * field rjsf leaves its label to it.
 */
function JsonField({ fieldPathId, formData, onChange, disabled, readonly, schema, name, required }: FieldProps) {
  const label = typeof schema.title === 'string' ? schema.title : name;
  return (
    <>
      <label className="control-label" htmlFor={fieldPathId.$id}>
        {label}
        <RequiredMark required={required} />
      </label>
      <JsonText id={fieldPathId.$id} value={formData} onChange={(next) => onChange(next, fieldPathId.path)} disabled={!!(disabled || readonly)} label={label} required={required} />
    </>
  );
}

// rjsf's own label and legend end in a bare "*", which screen readers read as part of the name
// ("Name star"). Here the asterisk is only visual; the control itself says it is required.
function RequiredMark({ required }: { required?: boolean | undefined }) {
  return required ? (
    <span className="required" aria-hidden="true">
      *
    </span>
  ) : null;
}

function FieldTemplate(props: FieldTemplateProps) {
  const { id, label, children, errors, help, description, hidden, required, displayLabel, registry, uiSchema } = props;
  const uiOptions = getUiOptions(uiSchema);
  const WrapIfAdditionalTemplate = getTemplate('WrapIfAdditionalTemplate', registry, uiOptions);
  if (hidden) return <div className="hidden">{children}</div>;
  const showLabel = displayLabel && uiOptions.widget !== 'checkbox' && !!label;
  return (
    <WrapIfAdditionalTemplate {...props}>
      {showLabel ? (
        <label className="control-label" htmlFor={id}>
          {label}
          <RequiredMark required={required} />
        </label>
      ) : null}
      {displayLabel && description ? description : null}
      {children}
      {errors}
      {help}
    </WrapIfAdditionalTemplate>
  );
}

function TitleField({ id, title, required, optionalDataControl }: TitleFieldProps) {
  return (
    <legend id={id}>
      {title}
      <RequiredMark required={required} />
      {optionalDataControl ? <span className="pull-right">{optionalDataControl}</span> : null}
    </legend>
  );
}

const CoreBaseInputTemplate = getDefaultRegistry().templates.BaseInputTemplate;

function BaseInputTemplate(props: BaseInputTemplateProps) {
  return <CoreBaseInputTemplate {...props} aria-required={props.required || undefined} />;
}

/** rjsf's date-time input converts in the browser's zone; date-times are shown, so also edited, in the user's. */
function DateTimeWidget(props: WidgetProps) {
  const { onChange, value, options, registry } = props;
  const { timeZone } = useI18n();
  const Input = getTemplate('BaseInputTemplate', registry, options);
  return <Input type="datetime-local" {...props} value={toZoneInput(value, timeZone)} onChange={(next: unknown) => onChange(typeof next === 'string' && next ? (fromZoneInput(next, timeZone) ?? undefined) : undefined)} />;
}

export const fields: RegistryFieldsType = { json: JsonField };
export const widgets: RegistryWidgetsType = { lookup: LookupWidget, owner: OwnerWidget, termText: TermTextWidget, DateTimeWidget };
export const templates: Partial<TemplatesType> = { ObjectFieldTemplate: SectionedObjectTemplate, FieldTemplate, TitleFieldTemplate: TitleField, BaseInputTemplate };

/** A form's `onError`: its own checks show on their fields; without a handler rjsf also logs them as console errors. */
export const showOnFields = () => undefined;

const rjsfStrings: Partial<Record<TranslatableString, MessageKey>> = {
  [TranslatableString.YesLabel]: 'common.yes',
  [TranslatableString.NoLabel]: 'common.no',
  [TranslatableString.AddItemButton]: 'form.addItem',
  [TranslatableString.AddButton]: 'action.add',
  [TranslatableString.RemoveButton]: 'action.remove',
  [TranslatableString.MoveUpButton]: 'action.moveUp',
  [TranslatableString.MoveDownButton]: 'action.moveDown',
  [TranslatableString.CopyButton]: 'action.copy',
  [TranslatableString.ArrayItemTitle]: 'form.item',
  [TranslatableString.EmptyArray]: 'form.emptyArray',
  [TranslatableString.ClearButton]: 'action.clear',
  [TranslatableString.AriaDateLabel]: 'form.selectDate',
  [TranslatableString.NowLabel]: 'form.now',
  [TranslatableString.ClearLabel]: 'action.clear',
  [TranslatableString.ErrorsLabel]: 'form.errors',
  [TranslatableString.CloseLabel]: 'action.close',
};

export function translator(i18n: I18n) {
  return (key: TranslatableString, params?: string[]) => {
    const mk = rjsfStrings[key];
    return mk ? i18n.t(mk) : englishStringTranslator(key, params);
  };
}

const validationKeys: Record<string, MessageKey> = {
  required: 'validation.required',
  format: 'validation.format',
  minLength: 'validation.minLength',
  maxLength: 'validation.maxLength',
  minimum: 'validation.minimum',
  maximum: 'validation.maximum',
  exclusiveMinimum: 'validation.minimum',
  exclusiveMaximum: 'validation.maximum',
  type: 'validation.type',
  enum: 'validation.enum',
  const: 'validation.enum',
  oneOf: 'validation.enum',
  anyOf: 'validation.enum',
  pattern: 'validation.pattern',
  unique: 'validation.unique',
  multipleOf: 'validation.type',
};

/** What a value of a format must be, in the words the server uses for the same check. */
const formatKeys: Record<string, MessageKey> = {
  email: 'validation.formatEmail',
  uri: 'validation.formatUrl',
  date: 'validation.formatDate',
  'date-time': 'validation.formatDateTime',
};

/**
 * Localised messages for ajv's errors; oneOf/anyOf noise from picklists collapses into one, and a
 * value that is not of its format is told what it must be (a web address fails both its format
 * and the pattern that asks for http or https: the format says it once).
 */
export function errorTransformer(i18n: I18n) {
  return (errors: RJSFValidationError[]): RJSFValidationError[] =>
    errors
      .filter((e) => !(e.name === 'const' && errors.some((o) => o.property === e.property && (o.name === 'oneOf' || o.name === 'anyOf'))))
      .filter((e) => !(e.name === 'pattern' && errors.some((o) => o.property === e.property && o.name === 'format')))
      .map((e) => {
        const format = e.name === 'format' ? String((e.params as { format?: unknown } | undefined)?.format ?? '') : '';
        const key = formatKeys[format] ?? (e.name ? validationKeys[e.name] : undefined);
        if (!key) return e;
        const params = (e.params ?? {}) as Record<string, unknown>;
        const limit = params['limit'] ?? params['comparison'] ?? '';
        return { ...e, message: i18n.t(key, { limit: String(limit), format: String(params['format'] ?? '') }) };
      });
}

/** Server messages are English until terminology reaches the server; other locales get the catalogue's. */
export function serverMessage(i18n: I18n) {
  return (code: string | undefined, message: string) => {
    const key = code ? validationKeys[code] : undefined;
    if (i18n.locale === 'en' || !key) return message;
    return i18n.t(key === 'validation.minLength' || key === 'validation.maxLength' ? 'validation.length' : key, { limit: '', format: '' });
  };
}
