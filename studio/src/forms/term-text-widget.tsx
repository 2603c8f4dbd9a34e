// A label input that shows what people will read ("Patient number") while the stored text keeps
// its glossary tokens ("{Customer} number"), so a later rename still reaches it. A toggle shows
// and edits the tokens themselves.
import { useId, useState } from 'react';
import type { WidgetProps } from '@rjsf/utils';
import { createTextResolver, templatePlaceholders, type TextResolver } from '@protean/metadata/terms';
import { useSession } from '../app/session.tsx';
import { useI18n, type UiLocale } from '../i18n/i18n.tsx';

/** Puts tokens back where the edited text still holds their resolved words (longest words first). */
export function retokenize(edited: string, template: string, words: TextResolver): string {
  const pairs = templatePlaceholders(template)
    .map((p) => ({ token: p.raw, word: words.text(p.raw) }))
    .filter((p) => p.word && p.word !== p.token)
    .sort((a, b) => b.word.length - a.word.length);
  if (!pairs.length) return edited;
  // One pass over the text so a word inside an already placed token is never replaced again.
  const pattern = new RegExp(pairs.map((p) => p.word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  const byWord = new Map(pairs.map((p) => [p.word, p.token]));
  return edited.replace(/[{}]/g, (c) => c + c).replace(pattern, (w) => byWord.get(w) ?? w);
}

export function TermTextWidget(props: WidgetProps) {
  const { id, value, onChange, onBlur, onFocus, disabled, readonly, label, required, rawErrors, options } = props;
  const { snapshot } = useSession();
  const { t } = useI18n();
  const hintId = useId();
  const locale: UiLocale = options['locale'] === 'zh-CN' ? 'zh-CN' : 'en';
  const raw = typeof value === 'string' ? value : '';
  const hasTokens = templatePlaceholders(raw).length > 0;
  const [showTokens, setShowTokens] = useState(false);
  const words = createTextResolver(snapshot.terms ?? [], locale);
  const resolved = hasTokens ? words.text(raw) : raw;
  const tokensShown = showTokens || !hasTokens;
  return (
    <div className="term-text">
      <input
        id={id}
        type="text"
        aria-label={label}
        aria-required={required || undefined}
        aria-invalid={rawErrors?.length ? true : undefined}
        aria-describedby={hasTokens ? hintId : undefined}
        disabled={disabled || readonly}
        value={tokensShown ? raw : resolved}
        onChange={(e) => {
          const next = tokensShown ? e.target.value : retokenize(e.target.value, raw, words);
          onChange(next === '' ? undefined : next);
        }}
        onBlur={() => onBlur(id, value)}
        onFocus={() => onFocus(id, value)}
      />
      {hasTokens ? (
        <div className="term-text-hint" id={hintId}>
          {tokensShown ? (
            <span>
              {t('label.tokensShown')} → <strong>{resolved}</strong>
            </span>
          ) : (
            <span>{t('label.fromTerms', { tokens: templatePlaceholders(raw).map((p) => p.raw.replace(/[{}]/g, '')).join(', ') })}</span>
          )}{' '}
          <button type="button" className="btn-link" aria-pressed={showTokens} onClick={() => setShowTokens((s) => !s)}>
            {showTokens ? t('label.hideTokens') : t('label.showTokens')}
          </button>
        </div>
      ) : null}
    </div>
  );
}
