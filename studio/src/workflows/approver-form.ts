import type { FieldDef, ObjectDef, Snapshot } from '@protean/metadata';
import type { ApproverChoices } from '../api/workflows.ts';
import { findObject, liveFields } from '../lib/model.ts';

/** A user field an approver may read: its path (`owner`, `customer.owner`) and what a designer reads. */
export interface UserFieldChoice {
  path: string;
  title: string;
}

/**
 * The user fields of the trigger object, then those of the records its lookups point at
 * ("Customer › Owner"): what an approver `{ field }` or `{ manager }` may name (ADR 0015).
 */
export function userFieldChoices(snapshot: Snapshot, objectName: string | undefined, fieldLabel: (field: FieldDef) => string): UserFieldChoice[] {
  const object = objectName ? findObject(snapshot, objectName) : undefined;
  if (!object) return [];
  const owners = (o: ObjectDef) => liveFields(o).filter((f) => f.type === 'owner');
  const own = owners(object).map((f) => ({ path: f.apiName, title: fieldLabel(f) }));
  const through = liveFields(object)
    .filter((f) => f.type === 'lookup' && f.lookup)
    .flatMap((lookup) => {
      const target = findObject(snapshot, lookup.lookup!.objectId);
      return target ? owners(target).map((f) => ({ path: `${lookup.apiName}.${f.apiName}`, title: `${fieldLabel(lookup)} › ${fieldLabel(f)}` })) : [];
    });
  return [...own, ...through];
}

type Schema = Record<string, unknown>;
const choicesOf = (values: { const: string; title: string }[]) => (values.length ? { oneOf: values } : {});

/**
 * The approval step's form with the workspace's profiles, roles and user fields to pick from, by
 * name, where the bare schema asks for a key, an id or a path. The earlier `assignees` list is
 * shown only to a step that still has it.
 */
export function approvalFormSchema(base: Schema, choices: ApproverChoices | undefined, fields: UserFieldChoice[], config: Record<string, unknown>): Schema {
  const { assignees, ...rest } = base['properties'] as Record<string, Schema>;
  const properties = config['assignees'] === undefined ? rest : { ...rest, assignees: assignees! };
  const approvers = properties['approvers']!;
  const items = approvers['items'] as Schema;
  const entries = (items['oneOf'] as Schema[]).map((entry) => {
    const props = entry['properties'] as Record<string, Schema>;
    const [key] = Object.keys(props) as [string];
    const values =
      key === 'profile'
        ? (choices?.profiles ?? []).map((p) => ({ const: p.key, title: p.name }))
        : key === 'role'
          ? (choices?.roles ?? []).map((r) => ({ const: r.id, title: r.name }))
          : key === 'field' || key === 'manager'
            ? fields.map((f) => ({ const: f.path, title: f.title }))
            : [];
    return { ...entry, properties: { [key]: { ...props[key], ...choicesOf(values) } } };
  });
  return { ...base, properties: { ...properties, approvers: { ...approvers, items: { ...items, oneOf: entries } } } };
}

/**
 * The approval step's configuration as the form leaves it, without the keys an approver entry no
 * longer has: choosing another kind of approver leaves the previous kind's key undefined, which
 * validation reads as a second kind.
 */
export function cleanApprovalConfig(config: Record<string, unknown>): Record<string, unknown> {
  if (!Array.isArray(config['approvers'])) return config;
  const approvers = (config['approvers'] as unknown[]).map((entry) =>
    entry && typeof entry === 'object' ? Object.fromEntries(Object.entries(entry).filter(([, value]) => value !== undefined)) : entry,
  );
  return { ...config, approvers };
}
