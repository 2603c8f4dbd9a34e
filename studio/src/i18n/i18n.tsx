import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { en, type MessageKey } from './catalogue.en.ts';
import { zhCN } from './catalogue.zh-CN.ts';
import { createTextResolver, layoutDisplayName, standardTerms, type MessageParams, type NounParam, type TermDef, type TextResolver } from '@protean/metadata/terms';
import { setRequestLocale } from '../api/http.ts';
import type { FieldDef, LayoutDef, ObjectDef, PicklistValue } from '../api/types.ts';
import { recordName } from '../lib/model.ts';

export type UiLocale = 'en' | 'zh-CN';
export const LOCALES: readonly UiLocale[] = ['en', 'zh-CN'];
const STORAGE_KEY = 'protean.locale';

const catalogues: Record<UiLocale, Record<MessageKey, string>> = { en, 'zh-CN': zhCN };

/** The raw templates of a locale's catalogue (the Terminology page lists those naming a term). */
export function catalogueTemplates(locale: UiLocale): Readonly<Record<MessageKey, string>> {
  return catalogues[locale];
}

export function isUiLocale(value: unknown): value is UiLocale {
  return value === 'en' || value === 'zh-CN';
}

export function storedLocale(): UiLocale | null {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    return isUiLocale(v) ? v : null;
  } catch {
    return null;
  }
}

function initialLocale(): UiLocale {
  return storedLocale() ?? (navigator.language.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en');
}

type LocalisedLabels = Partial<Record<string, unknown>>;

function pickLocale<T>(labels: LocalisedLabels | undefined, locale: UiLocale): T | undefined {
  if (!labels) return undefined;
  return (labels[locale] ?? labels['en']) as T | undefined;
}

export interface I18n {
  locale: UiLocale;
  setLocale: (locale: UiLocale) => void;
  t: (key: MessageKey, params?: MessageParams) => string;
  /** For keys built at run time (e.g. `prop.<name>`): the message, or undefined when the catalogue has none. */
  tMaybe: (key: string, params?: MessageParams) => string | undefined;
  /** Count-aware message: uses `<key>_one` when the locale's plural rule says "one". */
  tc: (key: MessageKey, count: number, params?: MessageParams) => string;
  objectNoun: (object: ObjectDef) => NounParam;
  objectLabel: (object: ObjectDef, form?: 'singular' | 'plural') => string;
  /** What people call a record: its name field's value, or "Untitled customer" when it has none (never its id). */
  recordName: (object: ObjectDef, record: Record<string, unknown>) => string;
  fieldLabel: (field: FieldDef) => string;
  fieldHelp: (field: FieldDef) => string | undefined;
  valueLabel: (value: PicklistValue) => string;
  sectionLabel: (labels: unknown) => string;
  /** A layout's name: the platform's one in this language with its object's current name ("Patient layout", "患者布局"), an admin's as written. */
  layoutName: (layout: Pick<LayoutDef, 'name'>, object: ObjectDef | undefined) => string;
  /** Resolves glossary placeholders in any text taken from metadata. */
  resolve: (text: string | undefined) => string;
  /** A template that is not in the catalogue (e.g. a server message) with parameters and glossary terms. */
  format: (template: string, params?: MessageParams) => string;
  formatDate: (iso: string) => string;
  formatDateTime: (iso: string) => string;
  formatNumber: (n: number, options?: Intl.NumberFormatOptions) => string;
  /** Money in the locale's way with the currency's symbol: the field's currency, else the workspace's. */
  formatMoney: (n: number, currency?: string, options?: { compact?: boolean; scale?: number }) => string;
  /** The time zone dates and times are shown in: the user's setting, else the browser's. */
  timeZone: string;
  /** The workspace's time zone: today() in expressions, as the server evaluates them (UTC until known). */
  workspaceTimeZone: string;
}

/** Workspace and user settings that decide how values read (money currency, time zone). */
export interface DisplaySettings {
  currency?: string | undefined;
  timeZone?: string | null | undefined;
  workspaceTimeZone?: string | undefined;
}

const I18nContext = createContext<I18n | null>(null);

export type { MessageParams };

export const capitalise = (s: string) => (s ? s[0]!.toUpperCase() + s.slice(1) : s);

/** Before sign-in there is no glossary: templates keep their placeholders. */
// Before a workspace's glossary is known (signed out: sign-in, an invitation), the standard terms
// give the words, so no page shows a raw {user} token.
const noTerms: readonly TermDef[] = standardTerms();

/**
 * Messages and metadata labels in `locale`, their placeholders (ADR 0004) filled from a glossary
 * by the metadata package's resolver, the same one the server uses.
 */
export function createI18n(locale: UiLocale, setLocale: (l: UiLocale) => void, words: TextResolver = createTextResolver(noTerms, locale), display: DisplaySettings = {}): I18n {
  const catalogue = catalogues[locale];
  const plural = new Intl.PluralRules(locale);
  // Dates are calendar days (stored YYYY-MM-DD): shown as written, never shifted by a zone.
  const dateFmt = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' });
  const timeZone = validZone(display.timeZone) ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  const dateTimeFmt = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone });
  const moneyFormats = new Map<string, Intl.NumberFormat>();
  const money = (currency: string, compact: boolean, scale: number | undefined) => {
    const key = `${currency}|${compact}|${scale ?? ''}`;
    let f = moneyFormats.get(key);
    if (!f) {
      f = new Intl.NumberFormat(locale, {
        style: 'currency',
        currency,
        ...(compact ? { notation: 'compact', maximumFractionDigits: 1 } : scale === undefined ? {} : { minimumFractionDigits: scale, maximumFractionDigits: scale }),
      });
      moneyFormats.set(key, f);
    }
    return f;
  };
  const t = (key: MessageKey, params?: MessageParams) => words.text(catalogue[key] ?? en[key] ?? key, params);
  /** Labels may name glossary terms ("{Customer} number"); resolve them for display. */
  const label = (text: string | undefined) => (text === undefined ? undefined : words.text(text));
  const objectNoun = (object: ObjectDef): NounParam => {
    // An object tied to a glossary term is named by the term (capitalised, as a title).
    if (object.term) {
      const key = capitalise(object.term);
      const singular = words.term(key, 'singular');
      if (singular) return { singular, plural: words.term(key, 'plural') ?? singular, a: words.term(key, 'a') };
    }
    const l = pickLocale<{ singular?: string; plural?: string }>(object.labels as LocalisedLabels, locale);
    const singular = label(l?.singular) ?? object.apiName;
    return { singular, plural: label(l?.plural) ?? singular };
  };
  return {
    locale,
    setLocale,
    t,
    tMaybe: (key, params) => (key in catalogue ? t(key as MessageKey, params) : undefined),
    tc: (key, count, params) => {
      const oneKey = `${key}_one` as MessageKey;
      const useOne = plural.select(count) === 'one' && oneKey in catalogue;
      return t(useOne ? oneKey : key, { count: count.toLocaleString(locale), ...params });
    },
    objectNoun,
    objectLabel: (object, form = 'singular') => objectNoun(object)[form],
    recordName: (object, record) => recordName(object, record) || t('record.untitled', { object: objectNoun(object) }),
    resolve: (text) => label(text) ?? '',
    format: (template, params) => words.text(template, params),
    fieldLabel: (field) => label(pickLocale<string>(field.labels as LocalisedLabels, locale)) ?? field.apiName,
    fieldHelp: (field) => label(pickLocale<string>(field.helpText as LocalisedLabels | undefined, locale)),
    valueLabel: (value) => label(pickLocale<string>(value.labels as LocalisedLabels, locale)) ?? value.apiName,
    layoutName: (layout, object) => layoutDisplayName(layout.name, object, object && objectNoun(object), words),
    sectionLabel: (labels) => {
      if (typeof labels === 'string') return label(labels)!;
      return label(pickLocale<string>(labels as LocalisedLabels, locale)) ?? '';
    },
    formatDate: (iso) => {
      const d = new Date(iso);
      return Number.isNaN(d.getTime()) ? iso : dateFmt.format(d);
    },
    formatDateTime: (iso) => {
      const d = new Date(iso);
      return Number.isNaN(d.getTime()) ? iso : dateTimeFmt.format(d);
    },
    formatNumber: (n, options) => n.toLocaleString(locale, options),
    formatMoney: (n, currency, options = {}) => money(currency ?? display.currency ?? 'USD', options.compact ?? false, options.scale).format(n),
    timeZone,
    workspaceTimeZone: validZone(display.workspaceTimeZone) ?? 'UTC',
  };
}

function validZone(zone: string | null | undefined): string | undefined {
  if (!zone) return undefined;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone;
  } catch {
    return undefined;
  }
}

const AccountLocaleContext = createContext<(locale: unknown, chosen: unknown) => void>(() => {});

export function I18nProvider({ children }: { children: ReactNode }) {
  const [locale, setLocaleState] = useState<UiLocale>(initialLocale);
  const setLocale = useCallback((l: UiLocale) => {
    try {
      localStorage.setItem(STORAGE_KEY, l);
    } catch {
      /* private mode: the switch still applies to this tab */
    }
    setLocaleState(l);
  }, []);
  // The account's language applies for this visit without becoming the device's choice, so a
  // language later saved with the account elsewhere still reaches this device. An account where
  // none was ever chosen leaves the browser's language in place; a chosen English sticks.
  const followAccount = useCallback((l: unknown, chosen: unknown) => {
    if (isUiLocale(l) && chosen === true && storedLocale() === null) setLocaleState(l);
  }, []);
  // Set during render so the first requests of a page already carry the language.
  setRequestLocale(locale);
  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);
  const value = useMemo(() => createI18n(locale, setLocale), [locale, setLocale]);
  return (
    <AccountLocaleContext.Provider value={followAccount}>
      <I18nContext.Provider value={value}>{children}</I18nContext.Provider>
    </AccountLocaleContext.Provider>
  );
}

/**
 * Takes the signed-in account's stored language (ADR 0007, "My account") where this device has
 * no language chosen on it; a choice made on the device wins.
 */
export function useFollowAccountLocale(): (locale: unknown, chosen: unknown) => void {
  return useContext(AccountLocaleContext);
}

/** Below the session: the same i18n with the tenant glossary, so labels and messages speak its terms. */
export function GlossaryProvider({ terms, display, children }: { terms: readonly TermDef[] | undefined; display?: DisplaySettings; children: ReactNode }) {
  const base = useI18n();
  const currency = display?.currency;
  const timeZone = display?.timeZone;
  const workspaceTimeZone = display?.workspaceTimeZone;
  const value = useMemo(
    () => createI18n(base.locale, base.setLocale, createTextResolver(terms ?? noTerms, base.locale), { currency, timeZone, workspaceTimeZone }),
    [base.locale, base.setLocale, terms, currency, timeZone, workspaceTimeZone],
  );
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const ctx = useContext(I18nContext);
  if (!ctx) throw new Error('useI18n outside I18nProvider');
  return ctx;
}

export type { MessageKey };
