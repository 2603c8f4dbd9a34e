import type { MetadataError } from '../change/metadata-error.ts';
import type { Snapshot } from '../schemas/snapshot.ts';
import { effectiveTerms, modelTexts } from '../terms/glossary.ts';
import { STANDARD_LAYOUT_NAME } from '../terms/layout-name.ts';
import { templatePlaceholders } from '../terms/resolve-text.ts';
import { standardTermKeys } from '../terms/standard-terms.ts';

/**
 * Glossary rules: keys are unique, `standard` matches the catalogue, every object's `term`
 * exists, and every placeholder in a label, help text, description, picklist label or layout
 * names an existing term.
 */
export function checkTerms(snapshot: Snapshot): MetadataError[] {
  const errors: MetadataError[] = [];
  const seen = new Set<string>();
  (snapshot.terms ?? []).forEach((term, i) => {
    if (seen.has(term.key)) errors.push({ path: `/terms/${i}/key`, code: 'duplicate_id', message: `term '${term.key}' appears twice` });
    seen.add(term.key);
    if (term.standard !== standardTermKeys.includes(term.key)) {
      errors.push({ path: `/terms/${i}/standard`, code: 'invalid', message: term.standard ? `'${term.key}' is not a standard term` : `'${term.key}' is a standard term` });
    }
  });
  const keys = new Set(effectiveTerms(snapshot).map((t) => t.key));
  snapshot.objects.forEach((object, i) => {
    if (object.term !== undefined && !keys.has(object.term)) errors.push({ path: `/objects/${i}/term`, code: 'unknown_term', message: `term '${object.term}' does not exist` });
  });
  for (const use of modelTexts(snapshot)) {
    // The platform's layout name takes its object's name, not a term.
    if (use.kind === 'layout' && use.text === STANDARD_LAYOUT_NAME) continue;
    for (const p of templatePlaceholders(use.text)) {
      if (!keys.has(p.key)) errors.push({ path: use.path, code: 'unknown_term', message: `'${p.raw}' names no term; terms: ${[...keys].join(', ')}` });
    }
  }
  return errors;
}
