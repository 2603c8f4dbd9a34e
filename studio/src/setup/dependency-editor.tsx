import type { FieldDef, ObjectDef, PicklistDependency, PicklistValue } from '@protean/metadata';
import { useI18n } from '../i18n/i18n.tsx';

/**
 * A dependent picklist: which of this field's values may be chosen for each value of a
 * controlling picklist or checkbox. Record forms offer only those; the server refuses the others.
 */
export function DependencyEditor(props: { object: ObjectDef; fieldId: string | undefined; values: PicklistValue[]; value: PicklistDependency | undefined; onChange: (value: PicklistDependency | undefined) => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const candidates = props.object.fields.filter((f) => f.deletedAt === undefined && f.id !== props.fieldId && (f.type === 'picklist' || f.type === 'boolean'));
  const controlling: FieldDef | undefined = props.value ? candidates.find((f) => f.id === props.value!.fieldId || f.apiName === props.value!.fieldId) : undefined;
  const keys: { key: string; label: string }[] = !controlling
    ? []
    : controlling.type === 'boolean'
      ? [{ key: 'true', label: t('dependency.checked') }, { key: 'false', label: t('dependency.unchecked') }]
      : (controlling.values ?? []).map((v) => ({ key: v.id, label: i18n.valueLabel(v) }));
  const allowed = (key: string) => props.value?.map[key] ?? [];
  const holds = (key: string, v: PicklistValue) => allowed(key).includes(v.id) || allowed(key).includes(v.apiName);
  const set = (key: string, v: PicklistValue, on: boolean) => {
    if (!props.value) return;
    const rest = allowed(key).filter((x) => x !== v.id && x !== v.apiName);
    props.onChange({ ...props.value, map: { ...props.value.map, [key]: on ? [...rest, v.id || v.apiName] : rest } });
  };
  return (
    <section className="panel dependency-editor" aria-labelledby="dependency-title">
      <h2 id="dependency-title" className="section-title">
        {t('dependency.title')}
      </h2>
      <label>
        {t('dependency.controlling')}{' '}
        <select value={controlling?.id ?? ''} onChange={(e) => props.onChange(e.target.value ? { fieldId: e.target.value, map: {} } : undefined)}>
          <option value="">{t('dependency.none')}</option>
          {candidates.map((f) => (
            <option key={f.id} value={f.id}>
              {i18n.fieldLabel(f)}
            </option>
          ))}
        </select>
      </label>
      {controlling ? (
        <table className="grid compact" aria-label={t('dependency.title')}>
          <thead>
            <tr>
              <th scope="col">{i18n.fieldLabel(controlling)}</th>
              {props.values.map((v) => (
                <th key={v.id || v.apiName} scope="col">
                  {i18n.valueLabel(v)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {keys.map(({ key, label }) => (
              <tr key={key}>
                <th scope="row">{label}</th>
                {props.values.map((v) => (
                  <td key={v.id || v.apiName}>
                    <input type="checkbox" aria-label={`${label}: ${i18n.valueLabel(v)}`} checked={holds(key, v)} onChange={(e) => set(key, v, e.target.checked)} />
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
