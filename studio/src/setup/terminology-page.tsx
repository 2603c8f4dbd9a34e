// Setup → Terminology: the tenant glossary (ADR 0004). Search the terms, edit their words per
// language, see where a term is used, preview a record page with the draft words, save as one
// revision, reset to the standard words, or apply a shipped term set in one step.
import { useId, useMemo, useRef, useState, type ReactNode } from 'react';
import type { PageProps } from '../app/routes.tsx';
import { useSession } from '../app/session.tsx';
import { termsApi, type TermDef, type TermSet, type TermUsage, type TermUseView, type TermView } from '../api/terms.ts';
import type { ObjectDef } from '../api/types.ts';
import { createTextResolver } from '@protean/metadata/terms';
import { capitalise, catalogueTemplates, createI18n, useI18n, type I18n, type MessageKey, type UiLocale } from '../i18n/i18n.tsx';
import { useAsync } from '../lib/use-async.ts';
import { liveFields, layoutFor, findField } from '../lib/model.ts';
import { setSearch, useLocation } from '../lib/router.tsx';
import { ConfirmDialog } from '../components/dialog.tsx';
import { ErrorBox, Loading, describeError, useToast } from '../components/feedback.tsx';

interface Draft {
  enSingular: string;
  enPlural: string;
  enArticle: '' | 'a' | 'an';
  zhSingular: string;
  zhPlural: string;
  zhMeasureWord: string;
}

function draftOf(term: TermDef): Draft {
  const zh = term.forms['zh-CN'];
  return {
    enSingular: term.forms.en.singular,
    enPlural: term.forms.en.plural,
    enArticle: term.forms.en.article ?? '',
    zhSingular: zh?.singular ?? '',
    zhPlural: zh?.plural ?? '',
    zhMeasureWord: zh?.measureWord ?? '',
  };
}

function formsOf(d: Draft): TermDef['forms'] {
  const en = { singular: d.enSingular.trim(), plural: d.enPlural.trim(), ...(d.enArticle ? { article: d.enArticle } : {}) };
  const zhSingular = d.zhSingular.trim();
  if (!zhSingular) return { en };
  return {
    en,
    'zh-CN': {
      singular: zhSingular,
      ...(d.zhPlural.trim() ? { plural: d.zhPlural.trim() } : {}),
      ...(d.zhMeasureWord.trim() ? { measureWord: d.zhMeasureWord.trim() } : {}),
    },
  };
}

/** The term's words in the UI language (what the list and labels show). */
function wordOf(term: TermDef, locale: UiLocale, form: 'singular' | 'plural' = 'singular'): string {
  const zh = term.forms['zh-CN'];
  if (locale === 'zh-CN' && zh) return form === 'plural' ? (zh.plural ?? zh.singular) : zh.singular;
  return term.forms.en[form];
}

const sameForms = (a: TermDef['forms'], b: TermDef['forms']) => JSON.stringify(formsOf(draftOf({ key: '', standard: false, forms: a }))) === JSON.stringify(formsOf(draftOf({ key: '', standard: false, forms: b })));

export default function TerminologyPage(_: PageProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const toast = useToast();
  const { snapshot, refreshSnapshot } = useSession();
  const { search } = useLocation();
  const selectedKey = search.get('term');
  // A save names the session's model revision as the glossary is read (which is read after it, so
  // is never older): a change saved meanwhile is refused, never overwritten.
  const sessionRevision = useRef(snapshot.revision);
  sessionRevision.current = snapshot.revision;
  const terms = useAsync(async (signal) => ({ basedOn: sessionRevision.current, list: await termsApi.list(signal) }), []);
  const sets = useAsync((signal) => termsApi.sets(signal), []);
  const [query, setQuery] = useState('');
  const [applying, setApplying] = useState<TermSet | null>(null);
  const [error, setError] = useState<unknown>(null);
  const searchId = useId();

  const visible = useMemo(() => {
    const q = query.trim().toLowerCase();
    const list = terms.data?.list ?? [];
    if (!q) return list;
    return list.filter((term) =>
      [term.key, term.forms.en.singular, term.forms.en.plural, term.forms['zh-CN']?.singular ?? '', term.forms['zh-CN']?.plural ?? ''].some((w) => w.toLowerCase().includes(q)),
    );
  }, [terms.data, query]);
  const selected = terms.data?.list.find((term) => term.key === selectedKey);

  const afterChange = async () => {
    await refreshSnapshot();
    terms.reload();
  };

  const applySet = async (set: TermSet) => {
    setApplying(null);
    setError(null);
    try {
      const result = await termsApi.applySet(set.id, terms.data?.basedOn);
      toast(t('terms.applied', { name: set.labels[i18n.locale], revision: result.revision }), 'success');
      await afterChange();
    } catch (err) {
      setError(err);
      toast(describeError(err, i18n), 'error');
    }
  };

  return (
    <div className="page">
      <h1>{t('setup.terminology')}</h1>
      <p className="hint">{t('terms.help')}</p>
      {error ? <ErrorBox error={error} /> : null}
      <section className="panel" aria-labelledby={`${searchId}-sets`}>
        <h2 id={`${searchId}-sets`} className="section-title">
          {t('terms.sets')}
        </h2>
        <p className="hint">{t('terms.setsHelp')}</p>
        {sets.error ? <ErrorBox error={sets.error} onRetry={sets.reload} /> : null}
        <ul className="term-sets" style={{ listStyle: 'none', padding: 0, margin: 0, display: 'grid', gap: 6 }}>
          {(sets.data ?? []).map((set) => (
            <li key={set.id} style={{ display: 'flex', gap: 8, alignItems: 'center' }}>
              <strong>{set.labels[i18n.locale]}</strong>
              <span className="muted">{set.description[i18n.locale]}</span>
              <button type="button" className="btn btn-small" onClick={() => setApplying(set)} aria-label={t('terms.applyNamed', { name: set.labels[i18n.locale] })}>
                {t('terms.apply')}
              </button>
            </li>
          ))}
        </ul>
      </section>
      <div className="setup-columns">
        <section aria-label={t('setup.terminology')}>
          <div className="toolbar">
            <label className="inline-label" htmlFor={searchId}>
              {t('terms.search')}
            </label>
            <input id={searchId} type="search" value={query} placeholder={t('terms.searchPlaceholder')} onChange={(e) => setQuery(e.target.value)} />
          </div>
          {terms.error ? <ErrorBox error={terms.error} onRetry={terms.reload} /> : null}
          {terms.loading && !terms.data ? <Loading /> : null}
          <table className="grid" aria-label={t('setup.terminology')}>
            <thead>
              <tr>
                <th scope="col">{t('terms.key')}</th>
                <th scope="col">{t('terms.en')}</th>
                <th scope="col">{t('terms.zh')}</th>
                <th scope="col">{t('terms.status')}</th>
                <th scope="col">
                  <span className="sr-only">{t('common.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {visible.map((term) => (
                <tr key={term.key} data-term={term.key} aria-selected={term.key === selectedKey}>
                  <td>
                    <code>{term.key}</code>
                  </td>
                  <td>
                    {term.forms.en.singular} · {term.forms.en.plural}
                  </td>
                  <td>
                    {term.forms['zh-CN']?.singular ?? ''}
                    {term.forms['zh-CN']?.measureWord ? <span className="muted"> ({term.forms['zh-CN'].measureWord})</span> : null}
                  </td>
                  <td>
                    <span className="badge">{!term.standard ? t('terms.custom') : term.overridden ? t('terms.changed') : t('terms.standard')}</span>
                  </td>
                  <td>
                    <button
                      type="button"
                      className="btn btn-small"
                      aria-label={t('terms.editNamed', { word: wordOf(term, i18n.locale) })}
                      aria-pressed={term.key === selectedKey}
                      onClick={() => setSearch({ term: term.key })}
                    >
                      {t('action.edit')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {terms.data && !visible.length ? <p className="empty-state">{t('terms.noMatches')}</p> : null}
        </section>
        {selected && terms.data ? (
          <TermEditor key={`${selected.key}:${terms.data.basedOn}:${JSON.stringify(selected.forms)}`} term={selected} terms={terms.data.list} basedOn={terms.data.basedOn} onChanged={afterChange} />
        ) : null}
      </div>
      <ConfirmDialog
        open={!!applying}
        title={applying ? t('terms.applyNamed', { name: applying.labels[i18n.locale] }) : ''}
        message={applying ? t('terms.applyConfirm', { name: applying.labels[i18n.locale], count: applying.terms.length }) : ''}
        confirmLabel={t('terms.apply')}
        onCancel={() => setApplying(null)}
        onConfirm={() => applying && void applySet(applying)}
      />
    </div>
  );
}

/** `basedOn`: the model revision the glossary was read at; reading it again at a newer one opens the editor again. */
function TermEditor({ term, terms, basedOn, onChanged }: { term: TermView; terms: TermView[]; basedOn: number; onChanged: () => Promise<void> }) {
  const i18n = useI18n();
  const { t } = i18n;
  const toast = useToast();
  const [draft, setDraft] = useState<Draft>(() => draftOf(term));
  const [saving, setSaving] = useState(false);
  const [resetting, setResetting] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const usage = useAsync((signal) => termsApi.usage(term.key, signal), [term.key]);
  const id = useId();

  const forms = formsOf(draft);
  const dirty = !sameForms(forms, term.forms);
  const draftTerms = useMemo<TermDef[]>(() => terms.map((x) => (x.key === term.key ? { key: x.key, standard: x.standard, forms } : x)), [terms, term.key, JSON.stringify(forms)]); // eslint-disable-line react-hooks/exhaustive-deps
  // The same i18n the CRM uses, bound to the draft glossary: the preview is what people will read.
  const preview = useMemo(() => createI18n(i18n.locale, i18n.setLocale, createTextResolver(draftTerms, i18n.locale)), [i18n.locale, i18n.setLocale, draftTerms]);
  const word = wordOf(term, i18n.locale);
  const set = (patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }));

  const save = async () => {
    setSaving(true);
    setError(null);
    try {
      const message = t('terms.saveMessage', { singular: wordOf({ ...term, forms }, i18n.locale), plural: wordOf({ ...term, forms }, i18n.locale, 'plural') });
      const result = await termsApi.save({ key: term.key, forms, ...(term.description ? { description: term.description } : {}) }, message, basedOn);
      // The model first, then the toast: when it says saved, every page already speaks the new word.
      await onChanged();
      toast(t('setup.savedRevision', { revision: result.revision }), 'success');
    } catch (err) {
      setError(err);
    } finally {
      setSaving(false);
    }
  };

  const reset = async () => {
    setResetting(false);
    setError(null);
    try {
      const result = await termsApi.reset(term.key, basedOn);
      await onChanged();
      toast(t('terms.resetDone', { revision: result.revision }), 'success');
    } catch (err) {
      setError(err);
    }
  };

  const enSample = forms.en.singular;
  return (
    <section className="panel term-editor" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="section-title">
        {t('terms.editorTitle', { word })}
      </h2>
      <p className="hint">
        {t('terms.key')}: <code>{term.key}</code>
      </p>
      {error ? <ErrorBox error={error} onLoadLatest={onChanged} /> : null}
      <form
        aria-labelledby={`${id}-title`}
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <fieldset>
          <legend>{t('terms.en')}</legend>
          <p className="hint" id={`${id}-en-help`}>
            {t('terms.enHelp')}
          </p>
          <Row id={`${id}-en-singular`} label={t('terms.singular')}>
            <input id={`${id}-en-singular`} required maxLength={100} value={draft.enSingular} aria-describedby={`${id}-en-help`} onChange={(e) => set({ enSingular: e.target.value })} />
          </Row>
          <Row id={`${id}-en-plural`} label={t('terms.plural')}>
            <input id={`${id}-en-plural`} required maxLength={100} value={draft.enPlural} onChange={(e) => set({ enPlural: e.target.value })} />
          </Row>
          <Row id={`${id}-en-article`} label={t('terms.article')}>
            <select id={`${id}-en-article`} value={draft.enArticle} onChange={(e) => set({ enArticle: e.target.value as Draft['enArticle'] })}>
              <option value="">{t('terms.articleAuto')}</option>
              <option value="a">a</option>
              <option value="an">an</option>
            </select>
          </Row>
          {enSample ? (
            <p className="hint" data-testid="term-shapes">
              {t('terms.inSentence')}: <q>{enSample}</q> · {t('terms.asTitle')}: <q>{capitalise(enSample)}</q>
            </p>
          ) : null}
        </fieldset>
        <fieldset>
          <legend>{t('terms.zh')}</legend>
          <p className="hint" id={`${id}-zh-help`}>
            {t('terms.zhHelp')}
          </p>
          <Row id={`${id}-zh-singular`} label={t('terms.singular')}>
            <input id={`${id}-zh-singular`} maxLength={100} value={draft.zhSingular} aria-describedby={`${id}-zh-help`} onChange={(e) => set({ zhSingular: e.target.value })} />
          </Row>
          <Row id={`${id}-zh-plural`} label={t('terms.pluralOptional')}>
            <input id={`${id}-zh-plural`} maxLength={100} value={draft.zhPlural} onChange={(e) => set({ zhPlural: e.target.value })} />
          </Row>
          <Row id={`${id}-zh-measure`} label={t('terms.measureWord')}>
            <input id={`${id}-zh-measure`} maxLength={4} value={draft.zhMeasureWord} onChange={(e) => set({ zhMeasureWord: e.target.value })} />
          </Row>
        </fieldset>
        {term.standard && term.defaultForms && term.overridden ? (
          // The catalogue default is the one place the standard words are meant to show.
          <p className="hint" data-glossary-default="">
            {t('terms.defaultWords')}: {term.defaultForms.en.singular} · {term.defaultForms.en.plural} · {term.defaultForms['zh-CN']?.singular ?? ''}
          </p>
        ) : null}
        <div className="toolbar">
          <button type="submit" className="btn btn-primary btn-small" disabled={saving || !dirty}>
            {t('action.save')}
          </button>
          <button type="button" className="btn btn-small" disabled={!dirty} onClick={() => setDraft(draftOf(term))}>
            {t('action.cancel')}
          </button>
          {term.overridden || !term.standard ? (
            <button type="button" className="btn btn-small btn-danger" onClick={() => setResetting(true)}>
              {term.standard ? t('terms.reset') : t('action.delete')}
            </button>
          ) : null}
          {dirty ? (
            <span className="muted" role="status">
              {t('terms.unsaved')}
            </span>
          ) : null}
        </div>
      </form>
      <TermPreview termKey={term.key} preview={preview} />
      <UsageList usage={usage.data} error={usage.error} loading={usage.loading} preview={preview} termKey={term.key} />
      <ConfirmDialog
        open={resetting}
        title={term.standard ? t('terms.reset') : t('action.delete')}
        message={t('terms.resetConfirm', { word })}
        confirmLabel={term.standard ? t('terms.reset') : t('action.delete')}
        danger
        onCancel={() => setResetting(false)}
        onConfirm={() => void reset()}
      />
    </section>
  );
}

function Row({ id, label, children }: { id: string; label: string; children: ReactNode }) {
  return (
    <div className="field-row">
      <label htmlFor={id}>{label}</label>
      <div>{children}</div>
    </div>
  );
}

/** Catalogue messages that name the term directly ("New {user}"), as templates of the UI language. */
function messagesNaming(key: string, locale: UiLocale): MessageKey[] {
  const templates = catalogueTemplates(locale);
  const pattern = new RegExp(`\\{${key}(:\\w+)?\\}|\\{${capitalise(key)}(:\\w+)?\\}`);
  return (Object.keys(templates) as MessageKey[]).filter((k) => pattern.test(templates[k]));
}

/** Remaining parameter placeholders ({name}) of a message shown out of context. */
const withoutParams = (text: string) => text.replace(/\{[A-Za-z_]\w*(:\w+)?\}/g, '…');

function TermPreview({ termKey, preview }: { termKey: string; preview: I18n }) {
  const { snapshot } = useSession();
  const { t } = useI18n();
  const object: ObjectDef | undefined = snapshot.objects.find((o) => o.term === termKey);
  const sample = t('terms.sampleName');
  const fields = useMemo(() => {
    if (!object) return [];
    const layout = layoutFor(snapshot, object);
    const ids = layout.sections.flatMap((s) => s.fields.map((f) => f.fieldId));
    const inLayout = ids.map((ref) => findField(object, ref)).filter((f) => f && !f.deletedAt);
    return (inLayout.length ? inLayout : liveFields(object)).slice(0, 8);
  }, [snapshot, object]);
  const messages = messagesNaming(termKey, preview.locale);
  return (
    <section className="panel term-preview" aria-labelledby={`preview-${termKey}`} data-testid="term-preview">
      <h3 id={`preview-${termKey}`} className="section-title">
        {t('terms.preview')}
      </h3>
      <p className="hint">{t('terms.previewHelp')}</p>
      {object ? (
        <div className="preview-record" role="group" aria-label={preview.objectLabel(object)}>
          <p className="muted">
            {preview.objectLabel(object, 'plural')} › {sample}
          </p>
          <p>
            <strong>{sample}</strong> <span className="badge">{preview.objectLabel(object)}</span>
          </p>
          <div className="toolbar" aria-hidden="true">
            <span className="btn btn-small btn-primary">{preview.t('record.new', { object: preview.objectNoun(object) })}</span>
            <span className="btn btn-small">{preview.t('action.edit')}</span>
            <span className="btn btn-small btn-danger">{preview.t('record.deleteTitle', { object: preview.objectNoun(object) })}</span>
          </div>
          <dl className="field-list cols-1">
            {fields.map((f) => (
              <div className="field-row" key={f!.id}>
                <dt>{preview.fieldLabel(f!)}</dt>
                <dd className="muted">—</dd>
              </div>
            ))}
          </dl>
          <p className="empty-state">{preview.t('list.empty', { object: preview.objectNoun(object) })}</p>
        </div>
      ) : null}
      {messages.length ? (
        <>
          <h4 className="section-title">{t('terms.previewMessages')}</h4>
          <ul>
            {messages.map((k) => (
              <li key={k}>{withoutParams(preview.t(k))}</li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}

const useKinds: Record<TermUseView['kind'], MessageKey> = {
  object: 'terms.use.object',
  field: 'terms.use.field',
  picklistValue: 'terms.use.picklistValue',
  layout: 'terms.use.layout',
  layoutSection: 'terms.use.layoutSection',
};

/** A use belongs to the UI language when its path names that locale (or no locale at all). */
function inLocale(use: TermUseView, locale: UiLocale): boolean {
  const other = locale === 'en' ? 'zh-CN' : 'en';
  return !use.path.split('/').includes(other);
}

function UsageList({ usage, error, loading, preview, termKey }: { usage: TermUsage | undefined; error: unknown; loading: boolean; preview: I18n; termKey: string }) {
  const { t } = useI18n();
  const { snapshot } = useSession();
  if (error) return <ErrorBox error={error} />;
  if (loading && !usage) return <Loading />;
  if (!usage) return null;
  const uses = usage.uses.filter((u) => inLocale(u, preview.locale));
  const describe = (use: TermUseView): string => {
    const object = snapshot.objects.find((o) => o.id === use.objectId);
    const field = object?.fields.find((f) => f.id === use.fieldId);
    const layout = snapshot.layouts.find((l) => l.id === use.layoutId);
    const where = [object ? preview.objectLabel(object) : '', field ? preview.fieldLabel(field) : '', use.kind === 'layoutSection' && layout ? preview.layoutName(layout, object) : '']
      .filter(Boolean)
      .join(' › ');
    const text = use.text === 'term' ? '' : withoutParams(preview.resolve(use.text));
    return [where, text].filter(Boolean).join(': ');
  };
  const objectNamed = snapshot.objects.find((o) => o.term === termKey);
  return (
    <section className="panel term-usage" aria-labelledby={`usage-${termKey}`}>
      <h3 id={`usage-${termKey}`} className="section-title">
        {t('terms.usage')}
      </h3>
      {!uses.length && !usage.messages.length ? <p className="empty-state">{t('terms.usageNone')}</p> : null}
      <table className="grid compact" aria-labelledby={`usage-${termKey}`}>
        <tbody>
          {uses.map((use) => (
            <tr key={use.path}>
              <th scope="row">{t(useKinds[use.kind])}</th>
              <td>{describe(use)}</td>
            </tr>
          ))}
          {usage.messages.map((m) => (
            <tr key={m.id}>
              <th scope="row">{t('terms.use.message')}</th>
              <td>{withoutParams(formatServerMessage(m[preview.locale], preview, objectNamed))}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** A server message template (ADR 0004 grammar) with the draft words; {object} is the object the term names. */
function formatServerMessage(template: string, preview: I18n, object: ObjectDef | undefined): string {
  const noun = object ? preview.objectNoun(object) : undefined;
  const params = noun ? { object: noun, source: noun } : undefined;
  return preview.format(template, params);
}
