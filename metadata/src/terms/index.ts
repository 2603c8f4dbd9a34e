// The term resolver as a subpath (`@protean/metadata/terms`): the placeholder grammar and the
// glossary lookup, with no schema library, so the studio resolves words exactly as the server does.
export {
  compileTemplate,
  templatePlaceholders,
  createTextResolver,
  resolveText,
  termResolver,
  termForms,
  type TermForm,
  type Placeholder,
  type CompiledTemplate,
  type TextResolver,
  type MessageParams,
  type NounParam,
} from './resolve-text.ts';
export type { TermDef, TermForms, TermSet } from './term-def.ts';
export { standardTerms } from './standard-terms.ts';
export { STANDARD_LAYOUT_NAME, isStandardLayoutName, layoutDisplayName } from './layout-name.ts';
