import type { ObjectDef } from '@protean/metadata';

/** `deal_note` → `DealNote`. API names are lower case, so a generated name never equals one. */
export function pascal(apiName: string): string {
  return apiName
    .split('_')
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}

/**
 * GraphQL type names for every object, from API names only (a label or term rename never changes
 * them). Two API names that read alike in PascalCase (`deal_` and `deal`) keep theirs apart with
 * a prefix and the API name itself, so no type is lost to a clash.
 */
export function typeNames(objects: readonly ObjectDef[]): Map<string, string> {
  const names = objects.map((o) => pascal(o.apiName));
  const counts = new Map<string, number>();
  for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  const unique = (name: string) => counts.get(name) === 1 && !RESERVED_TYPE_NAMES.has(name);
  return new Map(objects.map((o, i) => [o.id, unique(names[i]!) ? names[i]! : `O_${o.apiName}`]));
}

/** Names the schema gives its own types (and GraphQL its scalars): an object named so (`page_info`, `date`) takes the prefixed form. */
export const RESERVED_TYPE_NAMES: ReadonlySet<string> = new Set([
  'Query', 'Mutation', 'Subscription', 'PageInfo', 'DeletedRecord', 'RecordEvent', 'BatchOp', 'JSON', 'Json', 'Date', 'DateTime',
  'String', 'Int', 'Float', 'Boolean', 'ID', 'Id',
]);

/** GraphQL forbids these as enum values. */
export const RESERVED_ENUM_VALUES: ReadonlySet<string> = new Set(['true', 'false', 'null']);
