import type { MetadataError } from '../change/metadata-error.ts';
import { Snapshot } from '../schemas/snapshot.ts';
import { checkField } from './field-rules.ts';
import { checkLayout, checkObject } from './object-rules.ts';
import { checkTerms } from './term-rules.ts';
import { compileMetadataSchema, schemaErrors } from './schema-validator.ts';

const validateSnapshotShape = compileMetadataSchema(Snapshot);

/**
 * Checks a whole snapshot: its JSON Schema, then every object, field and layout against the
 * rest of the model. Returns every error (paths like /objects/2/fields/5/maxLength).
 */
export function validateMetadata(snapshot: unknown): MetadataError[] {
  const shape = schemaErrors(validateSnapshotShape, snapshot, '');
  if (shape.length) return shape;
  const model = snapshot as Snapshot;
  const errors: MetadataError[] = [];
  model.objects.forEach((object, i) => {
    errors.push(...checkObject(object, model, `/objects/${i}`));
    object.fields.forEach((field, j) => errors.push(...checkField(field, object, model, `/objects/${i}/fields/${j}`)));
  });
  const layoutIds = new Set<string>();
  model.layouts.forEach((layout, i) => {
    if (layoutIds.has(layout.id)) errors.push({ path: `/layouts/${i}/id`, code: 'duplicate_id', message: `layout id '${layout.id}' appears twice` });
    layoutIds.add(layout.id);
    errors.push(...checkLayout(layout, model, `/layouts/${i}`));
  });
  errors.push(...checkTerms(model));
  return errors;
}
