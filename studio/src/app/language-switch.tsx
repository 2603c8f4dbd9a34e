import { LOCALES, isUiLocale, useI18n, type UiLocale } from '../i18n/i18n.tsx';

/**
 * Each language is named in itself, as language menus do: someone who cannot read the language
 * the studio is in now must still find their own.
 */
const ownNames: Record<UiLocale, string> = { en: 'English', 'zh-CN': '简体中文' };

/** One option per language the studio speaks, each named in itself. */
export function LanguageOptions() {
  return (
    <>
      {LOCALES.map((l) => (
        <option key={l} value={l} lang={l}>
          {ownNames[l]}
        </option>
      ))}
    </>
  );
}

export function LanguageSwitch() {
  const { locale, setLocale, t } = useI18n();
  return (
    <label className="language-switch">
      <span className="sr-only">{t('shell.language')}</span>
      <select
        aria-label={t('shell.language')}
        value={locale}
        onChange={(e) => {
          if (isUiLocale(e.target.value)) setLocale(e.target.value);
        }}
      >
        <LanguageOptions />
      </select>
    </label>
  );
}
