import { createHash } from 'node:crypto';
import type { FieldDef, ObjectDef } from '@protean/metadata';
import { systemFieldIds } from '@protean/metadata';
import type { TenantModel } from '../data/tenant-model.ts';
import { fieldLevelOf, maxLevel, minLevel, NO_RIGHTS, objectRightsOf, OBJECT_ACTIONS, SETUP_RIGHTS, type FieldLevel, type Grants, type ObjectRights, type RecordDefault, type SetupRight } from './permissions.ts';

export interface GrantingSet {
  id: string;
  key: string;
  name: string;
  grants: Grants;
}

/** Which records of an object a principal reaches: all of them, or those it owns (or its team does) and those shared with it. */
export type RecordScope = { all: true } | { all: false; owners: readonly string[]; grantees: readonly string[] };

export interface ShapeInput {
  tenantId: string;
  principalId: string;
  /** Identifies the principal and the tenant's access version: part of every cache key that depends on access. */
  key: string;
  sets: GrantingSet[];
  /** An API key's limit: the access of the user who created it. */
  ceiling?: AccessShape | undefined;
  defaults: ReadonlyMap<string, RecordDefault>;
  owners: string[];
  grantees: string[];
  roleId: string | null;
}

/**
 * What one principal may do in one tenant, resolved from its permission sets, role and groups.
 * Pure and immutable: built once per (principal, access version) and memoised.
 */
export class AccessShape {
  readonly tenantId: string;
  readonly principalId: string;
  readonly key: string;
  readonly sets: readonly GrantingSet[];
  readonly ceiling: AccessShape | undefined;
  readonly owners: readonly string[];
  /** The owners as a set, for checking one record in memory. */
  readonly ownerSet: ReadonlySet<string>;
  readonly grantees: readonly string[];
  readonly roleId: string | null;
  /** The owners and grantees as a key of acl_reach (a hash of both lists, migration 63). */
  readonly reachKey: string;
  #reachStored = false;
  readonly #defaults: ReadonlyMap<string, RecordDefault>;
  readonly #rights = new Map<string, ObjectRights>();
  readonly #fields = new Map<string, FieldLevel>();
  readonly #readable = new WeakMap<ObjectDef, readonly FieldDef[]>();

  constructor(input: ShapeInput) {
    this.tenantId = input.tenantId;
    this.principalId = input.principalId;
    this.key = input.key;
    this.sets = input.sets;
    this.ceiling = input.ceiling;
    this.#defaults = input.defaults;
    this.owners = input.owners;
    this.ownerSet = new Set(input.owners);
    this.grantees = input.grantees;
    this.roleId = input.roleId;
    this.reachKey = createHash('sha256').update(`${input.owners.join(',')}|${input.grantees.join(',')}`).digest('base64url');
  }

  /** The acl_reach row of this shape's lists, once it is committed: lists name it instead of carrying both lists (ADR 0019). */
  get reachId(): string | undefined {
    return this.#reachStored ? this.reachKey : undefined;
  }

  /** Called once the row of `reachKey` is committed. */
  reachStored(): void {
    this.#reachStored = true;
  }

  objectRights(objectId: string): ObjectRights {
    let rights = this.#rights.get(objectId);
    if (rights) return rights;
    rights = { ...NO_RIGHTS };
    for (const set of this.sets) {
      const granted = objectRightsOf(set.grants, objectId);
      for (const action of OBJECT_ACTIONS) rights[action] ||= granted[action];
    }
    if (this.ceiling) {
      const limit = this.ceiling.objectRights(objectId);
      for (const action of OBJECT_ACTIONS) rights[action] &&= limit[action];
    }
    this.#rights.set(objectId, rights);
    return rights;
  }

  can(objectId: string, action: keyof ObjectRights): boolean {
    return this.objectRights(objectId)[action];
  }

  setup(right: SetupRight): boolean {
    const own = this.sets.some((s) => s.grants.setup[right] === true);
    return own && (this.ceiling ? this.ceiling.setup(right) : true);
  }

  /** Resolved once per shape: every request asks for them (rate-limit.ts). */
  setupRights(): Readonly<Record<SetupRight, boolean>> {
    return (this.#setupRights ??= Object.freeze(Object.fromEntries(SETUP_RIGHTS.map((r) => [r, this.setup(r)])) as Record<SetupRight, boolean>));
  }
  #setupRights: Readonly<Record<SetupRight, boolean>> | undefined;

  /** System fields (id, created_at, …) are readable wherever the object is. */
  fieldLevel(objectId: string, fieldId: string): FieldLevel {
    if (systemFieldIds.has(fieldId)) return this.can(objectId, 'read') ? 'read' : 'none';
    const key = `${objectId}\n${fieldId}`;
    let level = this.#fields.get(key);
    if (level) return level;
    level = 'none';
    for (const set of this.sets) level = maxLevel(level, fieldLevelOf(set.grants, objectId, fieldId));
    if (this.ceiling) level = minLevel(level, this.ceiling.fieldLevel(objectId, fieldId));
    this.#fields.set(key, level);
    return level;
  }

  canReadField(object: ObjectDef, field: FieldDef): boolean {
    return this.fieldLevel(object.id, field.id) !== 'none';
  }

  /** Live fields this principal may read, memoised per object of the model. */
  readableFields(model: TenantModel, object: ObjectDef): readonly FieldDef[] {
    let fields = this.#readable.get(object);
    if (!fields) this.#readable.set(object, (fields = model.liveFields(object).filter((f) => this.canReadField(object, f))));
    return fields;
  }

  /** Whether every live field is readable: then records need no redaction. */
  readsEveryField(model: TenantModel, object: ObjectDef): boolean {
    return this.readableFields(model, object).length === model.liveFields(object).length;
  }

  recordDefault(objectId: string): RecordDefault {
    return this.#defaults.get(objectId) ?? 'edit';
  }

  /** The records of `object` this principal may read (`edit`: may change). */
  recordScope(objectId: string, mode: 'read' | 'edit' = 'read'): RecordScope {
    const rights = this.objectRights(objectId);
    const fallback = this.recordDefault(objectId);
    const all = mode === 'read' ? rights.viewAll || fallback !== 'private' : rights.modifyAll || fallback === 'edit';
    return all ? { all: true } : { all: false, owners: this.owners, grantees: this.grantees };
  }

  /** The part of a cache key that makes a compiled list depend on who asks (ADR 0012). */
  listKey(objectId: string): string {
    // With the lists' content and whether they are named by key or carried (ADR 0019).
    return this.recordScope(objectId).all ? `all:${this.key}` : `own:${this.key}:${this.reachId ?? `lists:${this.reachKey}`}`;
  }
}
