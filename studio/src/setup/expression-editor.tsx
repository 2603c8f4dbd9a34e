import { useMemo, useRef, useState } from 'react';
import { compileExpression, expressionMessage, type ExpressionContext } from '@protean/metadata/expressions';
import type { Snapshot } from '@protean/metadata';
import { recordsApi } from '../api/records.ts';
import { whenRefused } from '../api/http.ts';
import { useI18n, type I18n } from '../i18n/i18n.tsx';
import { applySuggestion, diagnose, suggestions, type Suggestion } from './expression-assist.ts';

/**
 * An expression (formula, validation rule, default, layout rule) as admins write it: a field
 * picker, completions of fields and functions at the cursor, the checker's errors under the text
 * with their line and column as it is typed, and a panel that evaluates it against a record.
 * The checker and evaluator are the server's own (@protean/metadata/expressions).
 */
export function ExpressionEditor(props: {
  snapshot: Snapshot;
  object: string;
  context: ExpressionContext;
  expect?: 'bool' | 'number' | 'text' | 'boolean' | 'date' | 'datetime';
  value: string;
  onChange: (value: string) => void;
  id?: string;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const area = useRef<HTMLTextAreaElement>(null);
  const [cursor, setCursor] = useState(props.value.length);
  const [recordId, setRecordId] = useState('');
  const [result, setResult] = useState<string | null>(null);
  const object = props.snapshot.objects.find((o) => o.id === props.object || o.apiName === props.object);
  const verdict = useMemo(() => (props.value.trim() ? diagnose(props.snapshot, props.object, props.value, props.context, props.expect) : { errors: [], type: null }), [props.snapshot, props.object, props.value, props.context, props.expect]);
  const options = useMemo(() => suggestions(props.snapshot, props.object, props.value, cursor), [props.snapshot, props.object, props.value, cursor]);
  const id = props.id ?? 'expression';

  const insert = (s: Suggestion) => {
    const next = applySuggestion(props.value, cursor, s);
    props.onChange(next.source);
    setCursor(next.cursor);
    requestAnimationFrame(() => area.current?.setSelectionRange(next.cursor, next.cursor));
  };
  const evaluate = async () => {
    try {
      const record = await recordsApi.get(props.object, recordId.trim());
      const r = compileExpression(props.value, { snapshot: props.snapshot, object: props.object, context: props.context, recordForm: 'api' });
      if (!r.ok) return setResult(expressionMessage(r.errors[0]!.message, i18n.locale) ?? r.errors[0]!.message);
      // Fields of looked-up records (`account.industry`) read the records the lookups point at, as on the server.
      const related: Record<string, Record<string, unknown> | null> = {};
      for (const ref of r.expression.references.related) {
        const lookup = object?.fields.find((f) => f.id === ref.lookupFieldId);
        const target = props.snapshot.objects.find((o) => o.id === ref.objectId);
        if (!lookup || !target) continue;
        const id = (record as Record<string, unknown>)[lookup.apiName];
        related[lookup.apiName] = typeof id === 'string' ? ((await recordsApi.get(target.apiName, id).catch(whenRefused([403, 404], null))) as Record<string, unknown> | null) : null;
      }
      setResult(JSON.stringify(r.expression.evaluate({ record, prior: record, related, timeZone: i18n.workspaceTimeZone })));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      setResult(expressionMessage(message, i18n.locale) ?? message);
    }
  };

  return (
    <div className="expression-editor">
      <label htmlFor={id}>{t('expression.label')}</label>
      <div className="expression-toolbar">
        <select aria-label={t('expression.insertField')} value="" onChange={(e) => e.target.value && insert({ insert: e.target.value, label: e.target.value, detail: '' })}>
          <option value="">{t('expression.insertField')}</option>
          {object?.fields.filter((f) => f.deletedAt === undefined).map((f) => (
            // People pick a field by what they call it; its API name is what goes into the text.
            <option key={f.id} value={f.apiName}>
              {i18n.fieldLabel(f)}
            </option>
          ))}
        </select>
      </div>
      <textarea
        id={id}
        ref={area}
        className="expression-source"
        spellCheck={false}
        rows={4}
        value={props.value}
        aria-invalid={verdict.errors.length > 0}
        aria-describedby={`${id}-problems`}
        onChange={(e) => {
          props.onChange(e.target.value);
          setCursor(e.target.selectionStart);
        }}
        onSelect={(e) => setCursor(e.currentTarget.selectionStart)}
        onKeyDown={(e) => {
          if ((e.key === 'Tab' || (e.key === ' ' && e.ctrlKey)) && options[0]) {
            e.preventDefault();
            insert(options[0]);
          }
        }}
      />
      {options.length > 0 && (
        <ul className="expression-suggestions" aria-label={t('expression.suggestions')}>
          {options.map((s) => (
            <li key={s.label}>
              <button type="button" className="btn btn-small" onClick={() => insert(s)} title={s.detail}>
                {s.label} <span className="muted">{s.field ? `${i18n.fieldLabel(s.field)} · ${t(`fieldType.${s.field.type}`)}` : s.detail}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <div id={`${id}-problems`} role="status">
        {verdict.errors.map((e, i) => (
          <p key={i} className="field-error">
            {t('expression.lineColumn', { line: e.line, column: e.column })} · {t(`expression.code.${e.code}`)}: {expressionMessage(e.message, i18n.locale) ?? e.message}
          </p>
        ))}
        {verdict.type && <p className="muted">{t('expression.valid', { type: resultTypeName(verdict.type, t) })}</p>}
      </div>
      <fieldset className="expression-test">
        <legend>{t('expression.testTitle')}</legend>
        <input aria-label={t('expression.recordId')} placeholder={t('expression.recordId')} value={recordId} onChange={(e) => setRecordId(e.target.value)} />
        <button type="button" className="btn btn-small" disabled={!recordId.trim() || verdict.errors.length > 0} onClick={() => void evaluate()}>
          {t('expression.run')}
        </button>
        {result !== null && <output>{t('expression.result', { value: result })}</output>}
      </fieldset>
    </div>
  );
}

const RESULT_TYPES = ['bool', 'number', 'string', 'date', 'datetime', 'duration', 'null', 'lookup'] as const;

/** The checker's type name ('number', 'list(string)') in the reader's words; another name (a scope) as written. */
function resultTypeName(type: string, t: I18n['t']): string {
  const list = /^list\((.*)\)$/.exec(type);
  if (list) return t('expression.type.list', { type: resultTypeName(list[1]!, t) });
  const known = RESULT_TYPES.find((k) => k === type);
  return known ? t(`expression.type.${known}`) : type;
}
