// One model for an object's name: it comes from exactly one place, either a glossary term (and
// then every text that says {Customer} changes with it) or the object's own labels. The panel
// shows the name people read in each language, says where it comes from, and switches source.
import { useId, useState } from 'react';
import { createTextResolver } from '@protean/metadata/terms';
import { metadataApi, type ObjectDef } from '../api/index.ts';
import { useSession } from '../app/session.tsx';
import { capitalise, LOCALES, useI18n, type UiLocale } from '../i18n/i18n.tsx';
import { Link } from '../lib/router.tsx';
import { ErrorBox, useToast } from '../components/feedback.tsx';
import { useCanSetup } from '../app/setup-rights.ts';

type Names = { singular: string; plural: string };

export function useEffectiveNames(object: ObjectDef): Record<UiLocale, Names> {
  const { snapshot } = useSession();
  const names = {} as Record<UiLocale, Names>;
  for (const locale of LOCALES) {
    const words = createTextResolver(snapshot.terms ?? [], locale);
    const key = object.term ? capitalise(object.term) : null;
    const singular = key ? words.term(key, 'singular') : undefined;
    if (key && singular) {
      names[locale] = { singular, plural: words.term(key, 'plural') ?? singular };
      continue;
    }
    const own = (locale === 'zh-CN' ? object.labels['zh-CN'] : undefined) ?? object.labels.en;
    names[locale] = { singular: words.text(own.singular), plural: words.text(own.plural) };
  }
  return names;
}

export function ObjectNaming({ object }: { object: ObjectDef }) {
  const i18n = useI18n();
  const { t } = i18n;
  const toast = useToast();
  const { snapshot, refreshSnapshot } = useSession();
  const canSetup = useCanSetup();
  const names = useEffectiveNames(object);
  const titleId = useId();
  const [choosing, setChoosing] = useState(false);
  const [termKey, setTermKey] = useState(object.term ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const words = createTextResolver(snapshot.terms ?? [], i18n.locale);
  const terms = snapshot.terms ?? [];

  // The panel shows the session's model as it is now, so that is the revision a change is made on.
  const apply = async (patch: Partial<ObjectDef> | Record<string, unknown>) => {
    setBusy(true);
    setError(null);
    try {
      const r = await metadataApi.updateObject(object.apiName, patch as Partial<ObjectDef>, snapshot.revision);
      await refreshSnapshot();
      setChoosing(false);
      toast(t('setup.savedRevision', { revision: r.revision }), 'success');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const loadLatest = async () => {
    await refreshSnapshot();
    setChoosing(false);
    setError(null);
  };
  // Leaving the term keeps the words people see: the term's current words become the own labels.
  const useOwnLabels = () =>
    apply({ term: null, labels: { en: names.en, 'zh-CN': names['zh-CN'] } });

  return (
    <section className="panel naming" aria-labelledby={titleId} data-testid="object-naming">
      <h2 id={titleId} className="section-title">
        {t('naming.title')}
      </h2>
      <table className="naming-table">
        <tbody>
          {LOCALES.map((locale) => (
            <tr key={locale}>
              <th scope="row">{t(`locale.${locale}`)}</th>
              <td data-locale={locale}>
                <strong>{names[locale].singular}</strong> / {names[locale].plural}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {object.term ? (
        <p className="naming-source" data-source="term">
          {t('naming.fromTerm', { term: words.term(capitalise(object.term), 'singular') ?? object.term })}{' '}
          {canSetup('terms') ? <Link to={`/setup/terminology?term=${encodeURIComponent(object.term)}`}>{t('naming.editTerm')}</Link> : null}
        </p>
      ) : (
        <p className="naming-source" data-source="labels">
          {t('naming.fromLabels')}
        </p>
      )}
      <p className="hint">{t('naming.model')}</p>
      {error ? <ErrorBox error={error} onLoadLatest={loadLatest} /> : null}
      <div className="toolbar">
        {object.term ? (
          <button type="button" className="btn btn-small" disabled={busy} onClick={() => void useOwnLabels()}>
            {t('naming.useOwnLabels')}
          </button>
        ) : choosing ? (
          <>
            <label className="inline-label">
              {t('naming.term')}{' '}
              <select value={termKey} onChange={(e) => setTermKey(e.target.value)}>
                <option value="" />
                {terms.map((term) => (
                  <option key={term.key} value={term.key}>
                    {words.term(capitalise(term.key), 'singular') ?? term.key} ({term.key})
                  </option>
                ))}
              </select>
            </label>
            <button type="button" className="btn btn-primary btn-small" disabled={busy || !termKey} onClick={() => void apply({ term: termKey })}>
              {t('naming.applyTerm')}
            </button>
            <button type="button" className="btn btn-small" onClick={() => setChoosing(false)}>
              {t('action.cancel')}
            </button>
          </>
        ) : (
          <button type="button" className="btn btn-small" onClick={() => setChoosing(true)}>
            {t('naming.useTerm')}
          </button>
        )}
      </div>
    </section>
  );
}
