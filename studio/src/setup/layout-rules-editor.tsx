import type { LayoutDef, LayoutRule, ObjectDef } from '@protean/metadata';
import { useI18n } from '../i18n/i18n.tsx';
import { useSession } from '../app/session.tsx';
import { findField } from '../lib/model.ts';
import { ExpressionEditor } from './expression-editor.tsx';

const actions = ['show', 'hide', 'require', 'readOnly'] as const;

/**
 * A layout's rules: while a condition holds, fields and sections are shown, hidden, required or
 * made read-only. The preview beside the editor applies them as the sample record is filled; the
 * server enforces require and read-only on every write.
 */
export function LayoutRulesEditor({ object, layout, onChange }: { object: ObjectDef; layout: LayoutDef; onChange: (rules: LayoutRule[]) => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { snapshot } = useSession();
  const rules = layout.rules ?? [];
  const placed = layout.sections.flatMap((s) => s.fields.map((f) => findField(object, f.fieldId))).filter((f) => f !== undefined);
  const update = (i: number, patch: Partial<LayoutRule>) => onChange(rules.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const toggle = (list: string[] | undefined, id: string, on: boolean) => (on ? [...(list ?? []), id] : (list ?? []).filter((x) => x !== id));

  return (
    <fieldset className="layout-rules">
      <legend>{t('layoutRules.title')}</legend>
      {rules.length === 0 ? <p className="muted">{t('layoutRules.empty')}</p> : null}
      {rules.map((rule, i) => (
        <div key={rule.id ?? i} className="layout-rule" data-rule-index={i}>
          <label>
            {t('layoutRules.action')}
            <select value={rule.action} onChange={(e) => update(i, { action: e.target.value as LayoutRule['action'] })}>
              {actions.map((a) => (
                <option key={a} value={a}>
                  {t(`layoutRules.action.${a}`)}
                </option>
              ))}
            </select>
          </label>
          <ExpressionEditor snapshot={snapshot} object={object.id} context="layout" expect="bool" value={rule.when} onChange={(when) => update(i, { when })} id={`layout-rule-${i}`} />
          <div className="layout-rule-targets" role="group" aria-label={t('layoutRules.fields')}>
            {placed.map((f) => (
              <label key={f.id} className="check">
                <input type="checkbox" checked={(rule.fieldIds ?? []).includes(f.id) || (rule.fieldIds ?? []).includes(f.apiName)} onChange={(e) => update(i, { fieldIds: toggle(rule.fieldIds?.map((x) => findField(object, x)?.id ?? x), f.id, e.target.checked) })} /> {i18n.fieldLabel(f)}
              </label>
            ))}
            {layout.sections.map((s) => (
              <label key={s.id} className="check">
                <input type="checkbox" checked={(rule.sectionIds ?? []).includes(s.id)} onChange={(e) => update(i, { sectionIds: toggle(rule.sectionIds, s.id, e.target.checked) })} /> {t('layoutRules.section', { name: i18n.sectionLabel(s.labels) })}
              </label>
            ))}
          </div>
          <button type="button" className="btn btn-small btn-danger" onClick={() => onChange(rules.filter((_, j) => j !== i))}>
            {t('action.delete')}
          </button>
        </div>
      ))}
      <button type="button" className="btn btn-small" onClick={() => onChange([...rules, { when: '', action: 'show', fieldIds: [] }])}>
        + {t('layoutRules.add')}
      </button>
    </fieldset>
  );
}
