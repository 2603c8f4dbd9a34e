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

export interface TermTextInputProps {
  id?: string | undefined;
  value: string;
  onChange: (next: string) => void;
  /** The language of this text (a label per locale), which decides the words shown. */
  locale: UiLocale;
  label?: string | undefined;
  required?: boolean | undefined;
  disabled?: boolean | undefined;
  invalid?: boolean | undefined;
  onBlur?: () => void;
  onFocus?: () => void;
  /** A text area of this many rows (help text, descriptions) instead of one line. */
  rows?: number | undefined;
}

/** A text input over a template: shows the resolved words, keeps the tokens, shows them on request. */
export function TermTextInput({ id, value: raw, onChange, locale, label, required, disabled, invalid, onBlur, onFocus, rows }: TermTextInputProps) {
  const { snapshot } = useSession();
  const { t } = useI18n();
  const hintId = useId();
  const placeholders = templatePlaceholders(raw);
  const hasTokens = placeholders.length > 0;
  const [showTokens, setShowTokens] = useState(false);
  const words = createTextResolver(snapshot.terms ?? [], locale);
  const resolved = hasTokens ? words.text(raw) : raw;
  const tokensShown = showTokens || !hasTokens;
  // The words the terms give here, as people read them ("Patient"), not the token names.
  const termWords = [...new Set(placeholders.map((p) => words.text(p.raw)))].join(', ');
  const control = {
    id,
    'aria-label': label,
    'aria-required': required || undefined,
    'aria-invalid': invalid || undefined,
    'aria-describedby': hasTokens ? hintId : undefined,
    disabled,
    value: tokensShown ? raw : resolved,
    onChange: (e: { target: { value: string } }) => onChange(tokensShown ? e.target.value : retokenize(e.target.value, raw, words)),
    onBlur,
    onFocus,
  };
  return (
    <div className="term-text">
      {rows ? <textarea rows={rows} {...control} /> : <input type="text" {...control} />}
      {hasTokens ? (
        <div className="term-text-hint" id={hintId}>
          {tokensShown ? (
            <span>
              {t('label.tokensShown')} → <strong>{resolved}</strong>
            </span>
          ) : (
            <span>{t('label.fromTerms', { tokens: termWords })}</span>
          )}{' '}
          <button type="button" className="btn-link" aria-pressed={showTokens} onClick={() => setShowTokens((s) => !s)}>
            {showTokens ? t('label.hideTokens') : t('label.showTokens')}
          </button>
        </div>
      ) : null}
    </div>
  );
}

export function TermTextWidget(props: WidgetProps) {
  const { id, value, onChange, onBlur, onFocus, disabled, readonly, label, required, rawErrors, options } = props;
  return (
    <TermTextInput
      id={id}
      value={typeof value === 'string' ? value : ''}
      onChange={(next) => onChange(next === '' ? undefined : next)}
      locale={options['locale'] === 'zh-CN' ? 'zh-CN' : 'en'}
      label={label}
      required={required}
      disabled={disabled || readonly}
      invalid={!!rawErrors?.length}
      onBlur={() => onBlur(id, value)}
      onFocus={() => onFocus(id, value)}
      rows={typeof options['rows'] === 'number' ? options['rows'] : undefined}
    />
  );
}
