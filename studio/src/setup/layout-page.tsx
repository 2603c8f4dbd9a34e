import { useState } from 'react';
import type { PageProps } from '../app/routes.tsx';
import { metadataApi, type LayoutDef, type ObjectDef } from '../api/index.ts';
import { TermTextInput } from '../forms/term-text-widget.tsx';
import { isStandardLayoutName } from '@protean/metadata/terms';
import { useI18n } from '../i18n/i18n.tsx';
import { useSession } from '../app/session.tsx';
import { Link, navigate } from '../lib/router.tsx';
import { defaultLayout, findField, findObject, liveFields } from '../lib/model.ts';
import { ErrorBox, useToast } from '../components/feedback.tsx';
import { RecordForm } from '../forms/record-form.tsx';
import { DataTable } from '../components/data-table.tsx';
import { LayoutRulesEditor } from './layout-rules-editor.tsx';
import { useBasedOn, useReopen } from './based-on-revision.ts';

type Section = LayoutDef['sections'][number];

function randomId(prefix: string): string {
  const chars = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let s = prefix;
  for (let i = 0; i < 10; i++) s += chars[Math.floor(Math.random() * chars.length)];
  return s;
}

export default function LayoutPage({ params }: PageProps) {
  const { snapshot } = useSession();
  const { t } = useI18n();
  const { opened, reopen } = useReopen();
  const object = findObject(snapshot, params['object'] ?? '');
  const isNew = params['layout'] === 'new';
  const layout = object && !isNew ? snapshot.layouts.find((l) => l.id === params['layout'] && l.objectId === object.id) : undefined;
  if (!object || (!isNew && !layout))
    return (
      <div className="page">
        <p role="alert">{t('error.notFound')}</p>
      </div>
    );
  const start: LayoutDef = layout ?? { ...defaultLayout(object), id: randomId('l_'), name: t('setup.newLayout') };
  return <LayoutEditor key={`${start.id}:${opened}`} object={object} initial={start} isNew={isNew} onLoadLatest={reopen} />;
}

/** Sections, field order, columns and layout-level required/read-only, with a live rjsf preview. */
function LayoutEditor({ object, initial, isNew, onLoadLatest }: { object: ObjectDef; initial: LayoutDef; isNew: boolean; onLoadLatest: () => Promise<void> }) {
  const i18n = useI18n();
  const { t } = i18n;
  const toast = useToast();
  const { refreshSnapshot } = useSession();
  const [basedOn, rebase] = useBasedOn();
  const [layout, setLayout] = useState<LayoutDef>(() => structuredClone(initial));
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const placed = new Set(layout.sections.flatMap((s) => s.fields.map((f) => findField(object, f.fieldId)?.id ?? f.fieldId)));
  const unplaced = liveFields(object).filter((f) => !placed.has(f.id));

  const setSections = (fn: (s: Section[]) => Section[]) => setLayout((l) => ({ ...l, sections: fn(l.sections) }));
  const updateSection = (si: number, patch: Partial<Section>) => setSections((ss) => ss.map((s, i) => (i === si ? { ...s, ...patch } : s)));
  const moveIn = <T,>(list: T[], i: number, d: number): T[] => {
    const next = [...list];
    const [x] = next.splice(i, 1);
    next.splice(i + d, 0, x!);
    return next;
  };

  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      const r = await metadataApi.putLayout(layout, basedOn);
      rebase(r.revision);
      await refreshSnapshot();
      toast(t('setup.savedRevision', { revision: r.revision }), 'success');
      if (isNew) navigate(`/setup/objects/${object.apiName}/layouts/${layout.id}`, { replace: true });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="page layout-editor">
      <nav className="breadcrumb" aria-label={t('shell.breadcrumb')}>
        <Link to="/setup/objects">{t('setup.objects')}</Link> › <Link to={`/setup/objects/${object.apiName}?tab=layouts`}>{i18n.objectLabel(object, 'plural')}</Link>
      </nav>
      <header className="page-header">
        <h1>{t('layout.title', { name: i18n.layoutName(layout, object) })}</h1>
        <span className="spacer" />
        <button type="button" className="btn btn-primary btn-small" disabled={busy} onClick={() => void save()}>
          {t('action.save')}
        </button>
      </header>
      {error ? <ErrorBox error={error} onLoadLatest={onLoadLatest} /> : null}
      <div className="setup-columns">
        <div className="layout-sections">
          <label className="stacked">
            {t('layout.name')}
            {/* The platform's name shows as it reads and stays the platform's (following the object's name) until someone writes another. */}
            <TermTextInput value={isStandardLayoutName(layout.name, object) ? i18n.layoutName(layout, object) : layout.name} locale={i18n.locale} onChange={(name) => setLayout((l) => ({ ...l, name }))} />
          </label>
          {layout.sections.map((section, si) => (
            <fieldset key={section.id} className="panel layout-section" data-section={section.id}>
              <legend>{t('layout.section', { n: si + 1 })}</legend>
              <div className="form-grid cols-3">
                {/* Section labels show the words their glossary tokens stand for, the tokens on request. */}
                <label>
                  {t('layout.sectionLabelEn')}
                  <TermTextInput locale="en" value={section.labels.en} onChange={(en) => updateSection(si, { labels: { ...section.labels, en } })} />
                </label>
                <label>
                  {t('layout.sectionLabelZh')}
                  <TermTextInput
                    locale="zh-CN"
                    value={section.labels['zh-CN'] ?? ''}
                    onChange={(zh) => {
                      const labels: Section['labels'] = { en: section.labels.en };
                      if (zh) labels['zh-CN'] = zh;
                      updateSection(si, { labels });
                    }}
                  />
                </label>
                <label>
                  {t('layout.columns')}
                  <select value={section.columns} onChange={(e) => updateSection(si, { columns: e.target.value === '1' ? 1 : 2 })}>
                    <option value="1">1</option>
                    <option value="2">2</option>
                  </select>
                </label>
              </div>
              <DataTable label={t('layout.fieldsOf', { n: si + 1 })} columns={[t('setup.fields'), t('prop.required'), t('prop.readOnly')]} actions compact>
                {section.fields.map((lf, fi) => {
                  const field = findField(object, lf.fieldId);
                  const name = field ? i18n.fieldLabel(field) : lf.fieldId;
                  const setLf = (patch: Partial<typeof lf>) =>
                    updateSection(si, { fields: section.fields.map((x, j) => (j === fi ? { ...x, ...patch } : x)) });
                  return (
                    <tr key={lf.fieldId} data-layout-field={field?.apiName ?? lf.fieldId}>
                      <td>{name}</td>
                      <td>
                        <input type="checkbox" aria-label={t('layout.requiredNamed', { name })} checked={!!lf.required} onChange={(e) => setLf({ required: e.target.checked || undefined })} />
                      </td>
                      <td>
                        <input type="checkbox" aria-label={t('layout.readOnlyNamed', { name })} checked={!!lf.readOnly} onChange={(e) => setLf({ readOnly: e.target.checked || undefined })} />
                      </td>
                      <td className="nowrap">
                        <button type="button" className="btn-icon" aria-label={t('layout.moveUpNamed', { name })} disabled={fi === 0} onClick={() => updateSection(si, { fields: moveIn(section.fields, fi, -1) })}>
                          ↑
                        </button>
                        <button
                          type="button"
                          className="btn-icon"
                          aria-label={t('layout.moveDownNamed', { name })}
                          disabled={fi === section.fields.length - 1}
                          onClick={() => updateSection(si, { fields: moveIn(section.fields, fi, 1) })}
                        >
                          ↓
                        </button>
                        {layout.sections.length > 1 ? (
                          <select
                            aria-label={t('layout.moveToSection', { name })}
                            value=""
                            onChange={(e) => {
                              const to = Number(e.target.value);
                              setSections((ss) =>
                                ss.map((s, i) => {
                                  if (i === si) return { ...s, fields: s.fields.filter((_, j) => j !== fi) };
                                  if (i === to) return { ...s, fields: [...s.fields, lf] };
                                  return s;
                                }),
                              );
                            }}
                          >
                            <option value="">{t('layout.moveTo')}</option>
                            {layout.sections.map((s, i) =>
                              i === si ? null : (
                                <option key={s.id} value={i}>
                                  {i18n.sectionLabel(s.labels) || t('layout.section', { n: i + 1 })}
                                </option>
                              ),
                            )}
                          </select>
                        ) : null}
                        <button type="button" className="btn-icon" aria-label={t('layout.removeNamed', { name })} onClick={() => updateSection(si, { fields: section.fields.filter((_, j) => j !== fi) })}>
                          ×
                        </button>
                      </td>
                    </tr>
                  );
                })}
              </DataTable>
              <div className="button-row">
                {unplaced.length ? (
                  <select
                    aria-label={t('layout.addField')}
                    value=""
                    onChange={(e) => e.target.value && updateSection(si, { fields: [...section.fields, { fieldId: e.target.value }] })}
                  >
                    <option value="">+ {t('layout.addField')}</option>
                    {unplaced.map((f) => (
                      <option key={f.id} value={f.id}>
                        {i18n.fieldLabel(f)}
                      </option>
                    ))}
                  </select>
                ) : null}
                <span className="spacer" />
                <button type="button" className="btn btn-small" disabled={si === 0} onClick={() => setSections((ss) => moveIn(ss, si, -1))}>
                  {t('layout.sectionUp')}
                </button>
                <button type="button" className="btn btn-small" disabled={si === layout.sections.length - 1} onClick={() => setSections((ss) => moveIn(ss, si, 1))}>
                  {t('layout.sectionDown')}
                </button>
                <button type="button" className="btn btn-small btn-danger" disabled={layout.sections.length === 1} onClick={() => setSections((ss) => ss.filter((_, i) => i !== si))}>
                  {t('layout.removeSection')}
                </button>
              </div>
            </fieldset>
          ))}
          <button
            type="button"
            className="btn btn-small"
            onClick={() => setSections((ss) => [...ss, { id: randomId('s_'), labels: { en: t('layout.newSection') }, columns: 2, fields: [] }])}
          >
            + {t('layout.addSection')}
          </button>
          <LayoutRulesEditor object={object} layout={layout} onChange={(rules) => setLayout((l) => ({ ...l, rules }))} />
        </div>
        <section className="panel layout-preview" aria-labelledby="preview-title">
          <h2 id="preview-title" className="section-title">
            {t('layout.preview')}
          </h2>
          <RecordForm object={object} mode="create" layout={layout} preview idPrefix="preview" />
        </section>
      </div>
    </div>
  );
}
