import { BoundedCache, withTerms, type FieldDef, type ObjectDef, type QueryPlanResult, type Snapshot } from '@protean/metadata';
import { localeOf, Words } from '../metadata/words.ts';
import type { CompiledList } from './sql/compile-list-query.ts';

/**
 * One tenant's metadata at one revision, indexed for the request path. Built once per
 * (tenant, revision) and memoised; everything derived from it (validators, SQL) hangs off it.
 */
export class TenantModel {
  readonly tenantId: string;
  readonly snapshot: Snapshot;
  readonly #objects = new Map<string, ObjectDef>();
  readonly #fieldsByName = new Map<string, Map<string, FieldDef>>();
  readonly #fieldsById = new Map<string, Map<string, FieldDef>>();
  readonly #memo = new Map<string, unknown>();
  readonly #liveFields = new WeakMap<ObjectDef, readonly FieldDef[]>();
  /** Planned list queries by their query string; bounded because clients choose the keys. */
  readonly queryPlans = new BoundedCache<string, QueryPlanResult>(256);
  /** First pages of planned list queries, compiled, by shape and limit (parameters are values, not text). */
  readonly compiledLists = new BoundedCache<string, CompiledList>(256);

  constructor(tenantId: string, snapshot: Snapshot) {
    this.tenantId = tenantId;
    // Snapshots stored before terminology have no glossary; they read as the standard one.
    this.snapshot = withTerms(snapshot);
    for (const object of snapshot.objects) {
      this.#objects.set(object.id, object);
      this.#objects.set(object.apiName, object);
      for (const alias of object.apiNameAliases) if (!this.#objects.has(alias)) this.#objects.set(alias, object);
      const byName = new Map<string, FieldDef>();
      const byId = new Map<string, FieldDef>();
      for (const field of object.fields) {
        byId.set(field.id, field);
        if (field.deletedAt) continue;
        byName.set(field.apiName, field);
        for (const alias of field.apiNameAliases) if (!byName.has(alias)) byName.set(alias, field);
      }
      this.#fieldsByName.set(object.id, byName);
      this.#fieldsById.set(object.id, byId);
    }
  }

  get revision(): number {
    return this.snapshot.revision;
  }

  /** By id, API name or a kept alias. */
  object(name: string): ObjectDef | undefined {
    return this.#objects.get(name);
  }

  objectById(id: string): ObjectDef | undefined {
    const object = this.#objects.get(id);
    return object?.id === id ? object : undefined;
  }

  /** A live field by API name or alias. */
  field(object: ObjectDef, name: string): FieldDef | undefined {
    return this.#fieldsByName.get(object.id)?.get(name);
  }

  fieldById(object: ObjectDef, id: string): FieldDef | undefined {
    return this.#fieldsById.get(object.id)?.get(id);
  }

  /** Memoised by the object itself: a list maps every row and every expanded record over them. */
  liveFields(object: ObjectDef): readonly FieldDef[] {
    let live = this.#liveFields.get(object);
    if (!live) this.#liveFields.set(object, (live = object.fields.filter((f) => !f.deletedAt)));
    return live;
  }

  /** Lookup fields of every object that point at `target`. */
  referencesTo(target: ObjectDef): { object: ObjectDef; field: FieldDef }[] {
    return this.memo(`refs:${target.id}`, () =>
      this.snapshot.objects.flatMap((object) => this.liveFields(object).filter((f) => f.type === 'lookup' && f.lookup?.objectId === target.id).map((field) => ({ object, field }))),
    );
  }

  /** Labels and server messages in the user's locale, through the tenant's glossary at this revision. */
  words(locale: string | undefined): Words {
    const l = localeOf(locale);
    return this.memo(`words:${l}`, () => new Words(this.snapshot, l));
  }

  /** Per-revision memo for derived artifacts (validators, SQL text). */
  memo<T>(key: string, build: () => T): T {
    if (this.#memo.has(key)) return this.#memo.get(key) as T;
    const value = build();
    this.#memo.set(key, value);
    return value;
  }
}
