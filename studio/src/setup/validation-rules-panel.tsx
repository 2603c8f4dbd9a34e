import { useState } from 'react';
import { metadataApi, type ObjectDef } from '../api/index.ts';
import type { ValidationRule } from '@protean/metadata';
import { useI18n } from '../i18n/i18n.tsx';
import { useSession } from '../app/session.tsx';
import { DataTable } from '../components/data-table.tsx';
import { ErrorBox, useToast } from '../components/feedback.tsx';
import { ExpressionEditor } from './expression-editor.tsx';

const blank = (): ValidationRule => ({ apiName: '', condition: '', message: { en: '' }, active: true });

/**
 * An object's validation rules: a record is refused while a rule's condition holds, with the
 * rule's message (which may use terms such as {customer}) on its field or on the record.
 */
export function ValidationRulesPanel({ object }: { object: ObjectDef }) {
  const i18n = useI18n();
  const { t } = i18n;
  const toast = useToast();
  const { snapshot, refreshSnapshot } = useSession();
  const rules = object.validationRules ?? [];
  // A rule being edited keeps the revision it was read at; the list itself always shows the session's model.
  const [editing, setEditing] = useState<{ index: number | null; rule: ValidationRule; basedOn: number } | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const fields = object.fields.filter((f) => f.deletedAt === undefined);

  const save = async (next: ValidationRule[], basedOn: number) => {
    setFailure(null);
    try {
      const r = await metadataApi.updateObject(object.apiName, { validationRules: next }, basedOn);
      toast(t('setup.savedRevision', { revision: r.revision }), 'success');
      setEditing(null);
      await refreshSnapshot();
    } catch (error) {
      setFailure(error);
    }
  };

  // The rule being edited was read on an older model: it is closed, and the list shows the latest rules.
  const loadLatest = async () => {
    await refreshSnapshot();
    setEditing(null);
    setFailure(null);
  };

  return (
    <section className="panel" aria-labelledby="rules-title">
      <header className="related-header">
        <h2 id="rules-title" className="section-title">
          {t('rules.title')}
        </h2>
        <button type="button" className="btn btn-small" onClick={() => setEditing({ index: null, rule: blank(), basedOn: snapshot.revision })}>
          + {t('rules.add')}
        </button>
      </header>
      {failure ? <ErrorBox error={failure} onLoadLatest={loadLatest} /> : null}
      {rules.length === 0 ? <p className="muted">{t('rules.empty')}</p> : null}
      {rules.length ? (
        <DataTable label={t('rules.title')} columns={[t('rules.apiName'), t('rules.condition'), t('rules.message'), t('rules.field'), t('prop.active')]} actions compact>
          {rules.map((rule, i) => (
            <tr key={rule.id ?? rule.apiName} data-rule={rule.apiName}>
              <td>{rule.apiName}</td>
              <td>
                <code>{rule.condition}</code>
              </td>
              <td>{i18n.locale === 'zh-CN' ? (rule.message['zh-CN'] ?? rule.message.en) : rule.message.en}</td>
              <td>{rule.fieldId ? (fields.find((f) => f.id === rule.fieldId)?.apiName ?? rule.fieldId) : t('rules.recordLevel')}</td>
              <td>{rule.active === false ? '—' : '✓'}</td>
              <td>
                <button type="button" className="btn btn-small" onClick={() => setEditing({ index: i, rule: { ...rule }, basedOn: snapshot.revision })}>
                  {t('action.edit')}
                </button>{' '}
                <button type="button" className="btn btn-small" onClick={() => void save(rules.filter((_, j) => j !== i), snapshot.revision)}>
                  {t('action.delete')}
                </button>
              </td>
            </tr>
          ))}
        </DataTable>
      ) : null}
      {editing ? (
        <form
          className="rule-editor"
          onSubmit={(e) => {
            e.preventDefault();
            const next = [...rules];
            if (editing.index === null) next.push(editing.rule);
            else next[editing.index] = editing.rule;
            void save(next, editing.basedOn);
          }}
        >
          <label>
            {t('rules.apiName')}
            <input required pattern="[a-z][a-z0-9_]*" value={editing.rule.apiName} onChange={(e) => setEditing({ ...editing, rule: { ...editing.rule, apiName: e.target.value } })} />
          </label>
          <ExpressionEditor
            snapshot={snapshot}
            object={object.id}
            context="validation"
            expect="bool"
            value={editing.rule.condition}
            onChange={(condition) => setEditing({ ...editing, rule: { ...editing.rule, condition } })}
            id="rule-condition"
          />
          <label>
            {t('rules.message')} ({t('prop.en')})
            <input required value={editing.rule.message.en} onChange={(e) => setEditing({ ...editing, rule: { ...editing.rule, message: { ...editing.rule.message, en: e.target.value } } })} />
          </label>
          <label>
            {t('rules.message')} ({t('prop.zh-CN')})
            <input
              value={editing.rule.message['zh-CN'] ?? ''}
              onChange={(e) => {
                const { 'zh-CN': _old, ...rest } = editing.rule.message;
                setEditing({ ...editing, rule: { ...editing.rule, message: e.target.value ? { ...rest, 'zh-CN': e.target.value } : rest } });
              }}
            />
          </label>
          <label>
            {t('rules.field')}
            <select
              value={editing.rule.fieldId ?? ''}
              onChange={(e) => {
                const { fieldId: _old, ...rest } = editing.rule;
                setEditing({ ...editing, rule: e.target.value ? { ...rest, fieldId: e.target.value } : rest });
              }}
            >
              <option value="">{t('rules.recordLevel')}</option>
              {fields.map((f) => (
                <option key={f.id} value={f.id}>
                  {i18n.fieldLabel(f)}
                </option>
              ))}
            </select>
          </label>
          <label className="check">
            <input type="checkbox" checked={editing.rule.active !== false} onChange={(e) => setEditing({ ...editing, rule: { ...editing.rule, active: e.target.checked } })} /> {t('prop.active')}
          </label>
          <div className="form-actions">
            <button type="submit" className="btn btn-primary">
              {t('action.save')}
            </button>
            <button type="button" className="btn" onClick={() => setEditing(null)}>
              {t('action.cancel')}
            </button>
          </div>
        </form>
      ) : null}
    </section>
  );
}
