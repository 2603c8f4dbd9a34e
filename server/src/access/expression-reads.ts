import { compileModelExpression, modelExpressions, type Snapshot } from '@protean/metadata';
import type { Principal } from '../auth/principal.ts';
import type { Queryable } from '../db/database.ts';
import type { FieldProblem } from '../errors/problems.ts';
import type { Author } from '../metadata/metadata-service.ts';
import type { AccessService } from './access-service.ts';

type Read = { objectId: string; fieldId: string };

/** The fields each expression and roll-up of a model reads, keyed by what owns it. */
function readsOf(snapshot: Snapshot): Map<string, { label: string; reads: Read[] }> {
  const out = new Map<string, { label: string; reads: Read[] }>();
  const key = (kind: string, objectId: string, ownerId: string) => `${kind}\n${objectId}\n${ownerId}`;
  for (const e of modelExpressions(snapshot)) {
    const compiled = compileModelExpression(snapshot, e);
    if (compiled.ok) out.set(key(e.kind, e.objectId, e.ownerId), { label: e.label, reads: compiled.expression.references.spans.map(({ objectId, fieldId }) => ({ objectId, fieldId })) });
  }
  for (const object of snapshot.objects) {
    for (const field of object.fields) {
      if (field.deletedAt !== undefined || field.type !== 'rollup' || !field.rollup) continue;
      const { childObjectId, fieldId } = field.rollup;
      out.set(key('rollupField', object.id, field.id), {
        label: `roll-up ${object.apiName}.${field.apiName}`,
        // A count reads no field of the child, but tells how many there are.
        reads: [{ objectId: childObjectId, fieldId: fieldId ?? 'id' }],
      });
    }
  }
  return out;
}

/**
 * A designer may not make the model compute over fields hidden from them (ADR 0012: no right is
 * a way to more access): a formula, default, validation rule, layout rule or roll-up the change
 * adds, or makes read a field it did not read before, is refused naming each such field, since
 * its value, its errors or its effect would tell what the field holds. Whoever manages access
 * passes; an expression that keeps what it read (a rename rewrote it) is not asked about.
 */
export function expressionReadGuard(access: AccessService) {
  return async (tx: Queryable, _tenantId: string, current: Snapshot, next: Snapshot, author: Author): Promise<FieldProblem[]> => {
    if (!('via' in author) || !author.userId) return [];
    const shape = await access.shapeOf(author as Principal, tx);
    if (shape.setup('access')) return [];
    const before = readsOf(current);
    const problems: FieldProblem[] = [];
    for (const [key, { label, reads }] of readsOf(next)) {
      const had = before.get(key)?.reads ?? [];
      for (const read of reads) {
        if (had.some((r) => r.objectId === read.objectId && r.fieldId === read.fieldId) || shape.fieldLevel(read.objectId, read.fieldId) !== 'none') continue;
        const object = next.objects.find((o) => o.id === read.objectId);
        const field = object?.fields.find((f) => f.id === read.fieldId);
        const name = object ? `${object.apiName}.${field?.apiName ?? read.fieldId}` : read.fieldId;
        if (!problems.some((p) => p.field === label && p.message.includes(`'${name}'`))) problems.push({ field: label, code: 'fieldPermission', message: `reads '${name}', which is not a field you may read` });
      }
    }
    return problems;
  };
}
