// The tenant glossary (docs/api.md, "Terminology"): terms with their catalogue defaults, where a
// term is used, and the term sets that ship with Protean.
import { enc, http, ifMatch } from './http.ts';
import type { ChangeResult } from './types.ts';
import type { TermDef, TermForms, TermSet } from '@protean/metadata';

export type { TermDef, TermForms, TermSet };

/** A glossary entry as GET /metadata/terms returns it. */
export type TermView = TermDef & { overridden: boolean; defaultForms?: TermForms };

export interface TermUseView {
  kind: 'object' | 'field' | 'picklistValue' | 'layout' | 'layoutSection';
  path: string;
  objectId?: string;
  fieldId?: string;
  valueId?: string;
  layoutId?: string;
  objectApiName?: string;
  fieldApiName?: string;
  /** The text as written, with its placeholders; `term` for an object named by the term. */
  text: string;
}

export interface TermMessageUse {
  id: string;
  /** `term`: the message names the term; `object`: it names an object the term labels. */
  via: 'term' | 'object';
  en: string;
  'zh-CN': string;
}

export interface TermUsage {
  key: string;
  uses: TermUseView[];
  messages: TermMessageUse[];
}

export const termsApi = {
  list: (signal?: AbortSignal) => http.get<TermView[]>('/metadata/terms', { signal }),
  usage: (key: string, signal?: AbortSignal) => http.get<TermUsage>(`/metadata/terms/${enc(key)}/usage`, { signal }),
  /**
   * One revision: the given locales' forms replace the stored ones. The message is the revision's;
   * `basedOn` the model revision the words were read at, refused (412) once someone changed the model.
   */
  save: (term: { key: string; forms: Partial<TermForms>; description?: TermDef['description'] }, message: string, basedOn?: number) =>
    http.post<ChangeResult>('/metadata/changes', { message, operations: [{ op: 'upsertTerm', term }] }, ifMatch(basedOn)),
  /** A standard term goes back to its catalogue words; a custom term is deleted (refused while used). */
  reset: (key: string, basedOn?: number) => http.delete<ChangeResult>(`/metadata/terms/${enc(key)}`, ifMatch(basedOn)),
  sets: (signal?: AbortSignal) => http.get<TermSet[]>('/metadata/term-sets', { signal }),
  applySet: (id: string, basedOn?: number) => http.post<ChangeResult>(`/metadata/term-sets/${enc(id)}/apply`, {}, ifMatch(basedOn)),
};
