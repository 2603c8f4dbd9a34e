import type { Locale } from '@protean/metadata';
import { translateProblemText } from '../errors/problem-language.ts';
import { ProblemError } from '../errors/problems.ts';

/** What a run's or a step's error was made of, in English as raised: a problem's detail and each field's message. */
export interface ErrorDetail {
  message: string;
  errors?: { field: string; message: string }[];
}

/** Why a workflow was paused: how many runs failed in a row, and what the last one failed with. */
export interface PauseDetail {
  streak: number;
  last: ErrorDetail | null;
}

export function errorDetailOf(error: unknown): ErrorDetail {
  if (error instanceof ProblemError && error.errors?.length) return { message: error.message, errors: error.errors.map((e) => ({ field: e.field, message: e.message })) };
  return { message: error instanceof Error ? error.message : String(error) };
}

/** The detail in `locale`: each message translated, field names as they are. */
function detailIn(detail: ErrorDetail, locale: Locale): ErrorDetail {
  const t = (text: string) => translateProblemText(text, locale);
  return { message: t(detail.message), ...(detail.errors ? { errors: detail.errors.map((e) => ({ field: e.field, message: t(e.message) })) } : {}) };
}

/** The error as one sentence: "<detail>: <field> <message>; …" (English is what is stored; Chinese takes its own colon and semicolon). */
export function errorText(detail: ErrorDetail, locale: Locale = 'en'): string {
  const said = detailIn(detail, locale);
  if (!said.errors?.length) return said.message;
  const zh = locale === 'zh-CN';
  return `${said.message}${zh ? '：' : ': '}${said.errors.map((e) => (e.field ? `${e.field} ${e.message}` : e.message)).join(zh ? '；' : '; ')}`;
}

// The last error goes into the pause sentence already in the reader's language: the sentence is
// translated around this mark, which no rule reads, and the error then takes its place.
const LAST_ERROR = '\u2063';

export function pauseText(detail: PauseDetail, locale: Locale = 'en'): string {
  const last = detail.last ? errorText(detail.last, locale) : '';
  return translateProblemText(`Paused after ${detail.streak} failed runs in a row; the last failed with: ${LAST_ERROR}`, locale).replace(LAST_ERROR, () => last);
}

/** What an admin is told when a workflow is paused, in their language: the inbox line, and the email's subject and text. */
export function pauseNotice(label: string, detail: PauseDetail, locale: Locale): { message: string; subject: string; reason: string } {
  const reason = pauseText(detail, locale);
  return locale === 'zh-CN'
    ? { message: `工作流“${label}”已暂停：${reason}`, subject: `工作流已暂停：${label}`, reason }
    : { message: `The workflow “${label}” was paused: ${reason}`, subject: `Workflow paused: ${label}`, reason };
}

type WithError = { error: string | null; errorDetail: ErrorDetail | null };

/** A run or step execution as the API answers it: its error in `locale`, from its parts, or from its text for rows stored without them. */
export function errorsIn<T extends WithError>(row: T, locale: Locale): T {
  if (row.error === null) return row;
  return { ...row, error: row.errorDetail ? errorText(row.errorDetail, locale) : translateProblemText(row.error, locale), errorDetail: row.errorDetail && detailIn(row.errorDetail, locale) };
}

/** A workflow's paused reason in `locale`; the parts it was made of are not answered (the last run has them). */
export function pausedReasonIn<T extends { pausedReason: string | null; pausedDetail: PauseDetail | null }>(wf: T, locale: Locale): Omit<T, 'pausedDetail'> {
  const { pausedDetail, ...rest } = wf;
  if (wf.pausedReason === null) return rest;
  return { ...rest, pausedReason: pausedDetail ? pauseText(pausedDetail, locale) : translateProblemText(wf.pausedReason, locale) };
}
