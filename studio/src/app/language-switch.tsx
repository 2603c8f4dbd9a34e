import { LOCALES, isUiLocale, useI18n, type MessageKey } from '../i18n/i18n.tsx';

const names: Record<string, MessageKey> = { en: 'locale.en', 'zh-CN': 'locale.zh-CN' };

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
        {LOCALES.map((l) => (
          <option key={l} value={l}>
            {t(names[l]!)}
          </option>
        ))}
      </select>
    </label>
  );
}
