import { randomUUID } from 'node:crypto';
import { automationPrincipal, type Principal } from '../auth/principal.ts';
import type { Database, Queryable } from '../db/database.ts';
import { forbidden, notFound, ProblemError, validationError, type FieldProblem } from '../errors/problems.ts';
import { AccessShape, type GrantingSet } from './access-shape.ts';
import { fieldLevelOf, objectRightsOf, OBJECT_ACTIONS, SETUP_RIGHTS, SYSTEM_PERMISSION_SETS, type Grants, type RecordDefault, type SetupRight } from './permissions.ts';

const ACL_CHANNEL = 'protean_acl';
// A safety net only: every change is announced, here and on other processes.
const SHAPE_TTL_MS = 60_000;
const MAX_SHAPES = 10_000;

interface RoleRow {
  id: string;
  name: string;
  parent_id: string | null;
  path: string[];
}

/** Who made a change to access, for the audit trail. */
export interface Actor {
  id: string;
  name: string;
}

const shapeKey = (p: Principal) => `${p.tenantId}\n${p.via}\n${p.userId}\n${p.apiKeyId ?? ''}\n${p.role}`;

export const actorOf = (p: Principal): Actor => ({ id: p.userId, name: p.userName });

/**
 * Resolves what a principal may do (its access shape) and keeps shapes fresh: every change of
 * permission sets, profiles, roles, groups, defaults or assignments bumps the tenant's access
 * version, here at once and on other processes through NOTIFY, so the next request sees it.
 */
export class AccessService {
  readonly #db: Database;
  readonly #shapes = new Map<string, { shape: AccessShape; at: number }>();
  readonly #seeded = new Set<string>();
  readonly #versions = new Map<string, number>();
  /**
   * The shape last resolved for a principal object (the auth cache hands the same object to every
   * request of a credential), so a request finds it without building and hashing the cache key.
   * Valid while `#epoch`, bumped whenever cached shapes are dropped, is unchanged.
   */
  readonly #byPrincipal = new WeakMap<Principal, { shape: AccessShape; at: number; epoch: number }>();
  #epoch = 0;
  readonly #loading = new Map<string, Promise<AccessShape>>();

  constructor(db: Database) {
    this.#db = db;
  }

  async start(): Promise<void> {
    await this.#db.listen(ACL_CHANNEL, (tenantId) => this.#forgetTenant(tenantId));
    this.#db.onReconnect(() => {
      this.#epoch++;
      this.#shapes.clear();
    });
  }

  #forgetTenant(tenantId: string): void {
    this.#epoch++;
    this.#versions.set(tenantId, (this.#versions.get(tenantId) ?? 0) + 1);
    for (const key of this.#shapes.keys()) if (key.startsWith(`${tenantId}\n`)) this.#shapes.delete(key);
  }

  /** After a change committed: shapes of the tenant are rebuilt on their next use, on every process. */
  async changed(tenantId: string): Promise<void> {
    this.#forgetTenant(tenantId);
    await this.#db.notify(ACL_CHANNEL, tenantId);
  }

  /**
   * `q` is a transaction the caller already holds (a workflow step, a script): the shape is
   * loaded in it, since on PGlite a second transaction would wait behind the first forever.
   */
  async shapeOf(principal: Principal, q?: Queryable): Promise<AccessShape> {
    const cached = this.cachedShape(principal);
    if (cached) return cached;
    if (q) return this.#resolve(principal, q);
    // Requests in flight when a shape expires (once a minute) share one load rather than each
    // running its own few statements; a request after an access change starts its own.
    const key = `${shapeKey(principal)}\n${this.#versions.get(principal.tenantId) ?? 0}`;
    let loading = this.#loading.get(key);
    if (!loading) {
      loading = this.#resolve(principal).finally(() => this.#loading.delete(key));
      this.#loading.set(key, loading);
    }
    return loading;
  }

  /** The principal's shape when it is cached and fresh (most requests), without a promise. */
  cachedShape(principal: Principal): AccessShape | undefined {
    const known = this.#byPrincipal.get(principal);
    if (known && known.epoch === this.#epoch && Date.now() - known.at < SHAPE_TTL_MS) return known.shape;
    const cached = this.#shapes.get(shapeKey(principal));
    if (!cached || Date.now() - cached.at >= SHAPE_TTL_MS) return undefined;
    this.#byPrincipal.set(principal, { ...cached, epoch: this.#epoch });
    return cached.shape;
  }

  async #resolve(principal: Principal, q?: Queryable): Promise<AccessShape> {
    const cacheKey = shapeKey(principal);
    const version = this.#versions.get(principal.tenantId) ?? 0;
    await this.ensureDefaults(principal.tenantId, q);
    const shape = q ? await this.#load(q, principal, version) : await this.#db.withTenant(principal.tenantId, (q) => this.#load(q, principal, version));
    // Not inside a caller's transaction: the row must outlive it, and a second connection taken
    // while the caller holds one could wait for ever on a full pool. Such a shape keeps its lists
    // as parameters.
    if (!q && this.#db.kind === 'postgres') await this.#storeReach(shape);
    // A change announced while this shape was loading leaves it unstored: the next request reloads.
    if ((this.#versions.get(principal.tenantId) ?? 0) === version) {
      if (this.#shapes.size >= MAX_SHAPES) {
        this.#epoch++;
        this.#shapes.clear();
      }
      this.#shapes.set(cacheKey, { shape, at: Date.now() });
    }
    return shape;
  }

  /**
   * Stores the shape's owners and grantees once (acl_reach, migration 63) in a transaction of its
   * own, so that lists name them by key (ADR 0019). An existing row's `used_at` is refreshed at
   * most daily; a new row clears the tenant's rows unused for 30 days (no shape built since then
   * names them, and a shape lives a minute).
   */
  async #storeReach(shape: AccessShape): Promise<void> {
    await this.#db.transaction(shape.tenantId, async (q) => {
      const [row] = await q.query<{ inserted: boolean }>(
        `insert into acl_reach (tenant_id, id, owners, grantees) values ($1, $2, $3::uuid[], $4::uuid[])
         on conflict (tenant_id, id) do update set used_at = now() where acl_reach.used_at < now() - interval '1 day'
         returning xmax = 0 as inserted`,
        [shape.tenantId, shape.reachKey, shape.owners, shape.grantees],
      );
      if (row?.inserted) await q.query(`delete from acl_reach where tenant_id = $1 and used_at < now() - interval '30 days'`, [shape.tenantId]);
    });
    shape.reachStored();
  }

  /**
   * The principal a script, workflow or plugin acts as (`POST /access/automations` makes one):
   * its profile and role decide what the data service lets it read and write, as for a user.
   */
  async automationPrincipal(tenant: { id: string; slug: string; name: string }, automationId: string, locale = 'en'): Promise<Principal> {
    const row = (await this.#db.withTenant(tenant.id, (q) => q.query<{ name: string; profile: string }>('select name, profile from acl_automation where tenant_id = $1 and id = $2', [tenant.id, automationId])))[0];
    if (!row) throw notFound('No such automation principal');
    return automationPrincipal({ tenantId: tenant.id, tenantSlug: tenant.slug, tenantName: tenant.name, locale }, automationId, row.name, row.profile);
  }

  /** Refuses unless the principal holds the Setup right. */
  async requireSetup(principal: Principal, right: SetupRight): Promise<AccessShape> {
    const shape = await this.shapeOf(principal);
    if (!shape.setup(right)) throw forbidden(`This needs the Setup right '${right}'`);
    return shape;
  }

  /**
   * Refuses to let `actor` give someone a profile that grants more than the actor holds, unless
   * the actor manages access (Setup right `access`): a user manager may add users and a designer
   * may activate a workflow, but neither may make anyone (a workflow's principal included) more
   * powerful than themselves. Each excess is named, as for an API key's sets.
   */
  async requireGrantable(actor: Principal, profileKey: string, field = 'role'): Promise<void> {
    await this.requireProfile(actor.tenantId, profileKey, field);
    const [profile] = await this.#profilesWithSets(actor.tenantId, profileKey);
    const problems = profile ? grantProblems(await this.shapeOf(actor), profile.sets, field) : [];
    if (problems.length) throw new ProblemError('forbidden', 403, `The profile '${profileKey}' grants more than you hold; someone who manages access may give it`, problems);
  }

  /**
   * What giving `profileKey` would grant beyond what `actor` holds, each excess named (requireGrantable's
   * rule, without refusing), read in `q`: asked inside a transaction, a read of its own would wait on it.
   */
  async grantExcess(actor: Principal, profileKey: string, field: string, q: Queryable): Promise<FieldProblem[]> {
    const [profile] = await this.#profilesWithSets(actor.tenantId, profileKey, q);
    return profile ? grantProblems(await this.shapeOf(actor, q), profile.sets, field) : [];
  }

  /** The tenant's profiles, system ones first, each saying whether `actor` may give it (requireGrantable's rule), for the studio to offer only those. */
  async profilesGivableBy(actor: Principal): Promise<{ key: string; name: string; system: boolean; grantable: boolean }[]> {
    await this.ensureDefaults(actor.tenantId);
    const [shape, profiles] = await Promise.all([this.shapeOf(actor), this.#profilesWithSets(actor.tenantId)]);
    return profiles.map(({ sets, ...p }) => ({ ...p, grantable: grantProblems(shape, sets).length === 0 }));
  }

  /** A tenant's profiles (or the one of `key`) with their permission sets, in one query (in `q` when given). */
  #profilesWithSets(tenantId: string, key?: string, q?: Queryable): Promise<{ key: string; name: string; system: boolean; sets: { name: string; grants: Grants }[] }[]> {
    const read = (q: Queryable) =>
      q.query<{ key: string; name: string; system: boolean; sets: { name: string; grants: Grants }[] }>(
        `select p.key, p.name, p.system, coalesce(jsonb_agg(jsonb_build_object('name', s.name, 'grants', s.grants)) filter (where s.id is not null), '[]') as sets
           from acl_profile p left join acl_permission_set s on s.tenant_id = p.tenant_id and s.id = any(p.permission_set_ids)
          where p.tenant_id = $1 and ($2::text is null or p.key = $2)
          group by p.key, p.name, p.system order by p.system desc, p.name`,
        [tenantId, key ?? null],
      );
    return q ? read(q) : this.#db.withTenant(tenantId, read);
  }

  /**
   * Refuses to let `actor` change, deactivate or set the password of a user who holds more than
   * the actor does, unless the actor manages access: otherwise a user manager could reset an
   * administrator's password and sign in as them.
   */
  async requireManageable(actor: Principal, userId: string): Promise<void> {
    // Whoever manages access, or changes themselves, needs no look at the user.
    if (userId === actor.userId || (await this.shapeOf(actor)).setup('access')) return;
    const user = (await this.#db.withTenant(actor.tenantId, (q) => q.query<{ id: string; name: string; role: string }>('select id, name, role from app_user where tenant_id = $1 and id = $2', [actor.tenantId, userId])))[0];
    if (!user) return;
    const problems = await this.manageProblems(actor, user);
    if (problems.length) throw new ProblemError('forbidden', 403, `${user.name} holds more than you do; someone who manages access may change them`, problems);
  }

  /** What `actor` lacks to change the user (nothing for oneself or whoever manages access); requireManageable's rule, for the studio to offer only that. */
  async manageProblems(actor: Principal, user: { id: string; name: string; role: string }): Promise<FieldProblem[]> {
    const shape = await this.shapeOf(actor);
    if (shape.setup('access') || user.id === actor.userId) return [];
    const target = await this.shapeOf({ ...actor, userId: user.id, userName: user.name, role: user.role, via: 'session', apiKeyId: undefined as never });
    const problems = target.sets.flatMap((set) => exceeding(set.grants, shape).map((what) => ({ field: 'id', code: 'exceedsYours', message: `${user.name} holds ${what} through ${set.name}, which you do not hold` })));
    // A manager reaches the records of everyone below them in the role hierarchy: signing in as one
    // whose team lies outside the actor's reach would reach those records too.
    const beyond = [...target.ownerSet].filter((owner) => owner !== user.id && !shape.ownerSet.has(owner));
    if (beyond.length) problems.push({ field: 'id', code: 'exceedsYours', message: `${user.name} reaches the records of ${beyond.length} user(s) below them in the role hierarchy whose records you do not reach` });
    const shared = await this.#sharedBeyond(actor.tenantId, shape, target);
    if (shared > 0) problems.push({ field: 'id', code: 'exceedsYours', message: `${user.name} reaches ${shared} record(s) shared with them or their groups that you do not reach` });
    return problems;
  }

  /**
   * Records that shares (by hand or by sharing rule) give `target` through a grantee `actor` is
   * not (the user, a group, a role) and that `actor` does not reach as far in another way: by
   * owning them or their owner's team, by a share of their own that gives as much (an edit share
   * outreaches a read one), or by reading (editing) every record of the object.
   */
  async #sharedBeyond(tenantId: string, actor: AccessShape, target: AccessShape): Promise<number> {
    const mine = new Set(actor.grantees);
    const extra = target.grantees.filter((g) => !mine.has(g));
    if (!extra.length) return 0;
    const counts = await this.#db.withTenant(tenantId, (q) =>
      q.query<{ object_id: string; access: 'read' | 'edit'; n: number }>(
        `select s.object_id, s.access, count(distinct s.record_id)::int as n
           from record_share s join record r on r.tenant_id = s.tenant_id and r.object_id = s.object_id and r.id = s.record_id and r.deleted_at is null
          where s.tenant_id = $1 and s.grantee = any($2::uuid[]) and not (r.owner_id = any($3::uuid[]))
            and not exists (select 1 from record_share m where m.tenant_id = s.tenant_id and m.record_id = s.record_id and m.grantee = any($4::uuid[])
                              and (s.access = 'read' or m.access = 'edit'))
          group by s.object_id, s.access`,
        [tenantId, extra, actor.owners, actor.grantees],
      ),
    );
    // Records of an object the actor reads (edits) whole are no more than they hold.
    return counts.filter((c) => !actor.recordScope(c.object_id, c.access).all).reduce((sum, c) => sum + c.n, 0);
  }

  /** Refuses a profile key the tenant does not have (a user given one would hold no rights at all). */
  async requireProfile(tenantId: string, key: string, field = 'role'): Promise<void> {
    await this.ensureDefaults(tenantId);
    const found = await this.#db.withTenant(tenantId, (q) => q.query('select 1 from acl_profile where tenant_id = $1 and key = $2', [tenantId, key]));
    if (!found.length) throw validationError('Unknown profile', [{ field, code: 'unknown', message: `no profile '${key}' in this workspace` }]);
  }

  /** The system permission sets and profiles of a tenant, created on first use (existing tenants included). */
  async ensureDefaults(tenantId: string, within?: Queryable): Promise<void> {
    if (this.#seeded.has(tenantId)) return;
    const run = <T>(work: (q: Queryable) => Promise<T>) => (within ? work(within) : this.#db.withTenant(tenantId, work));
    await run((q) => seedAccessDefaults(q, tenantId));
    this.#seeded.add(tenantId);
  }

  async #load(q: Queryable, principal: Principal, version: number): Promise<AccessShape> {
    const tenantId = principal.tenantId;
    const ceiling = principal.via === 'apiKey' ? await this.#load(q, { ...principal, via: 'session', apiKeyId: undefined as never }, version) : undefined;
    let profileKey = principal.role;
    let roleId: string | null = null;
    if (principal.via === 'automation') {
      const row = (await q.query<{ profile: string; access_role_id: string | null }>('select profile, access_role_id from acl_automation where tenant_id = $1 and id = $2', [tenantId, principal.userId]))[0];
      profileKey = row?.profile ?? 'none';
      roleId = row?.access_role_id ?? null;
    } else {
      const row = (await q.query<{ role: string; access_role_id: string | null }>('select role, access_role_id from app_user where tenant_id = $1 and id = $2', [tenantId, principal.userId]))[0];
      profileKey = row?.role ?? 'none';
      roleId = row?.access_role_id ?? null;
    }
    let setIds: string[];
    if (principal.via === 'apiKey' && principal.apiKeyId) {
      const key = (await q.query<{ permission_set_ids: string[] | null }>('select permission_set_ids from api_key where tenant_id = $1 and id = $2', [tenantId, principal.apiKeyId]))[0];
      setIds = key?.permission_set_ids ?? [];
    } else {
      const profile = (await q.query<{ permission_set_ids: string[] }>('select permission_set_ids from acl_profile where tenant_id = $1 and key = $2', [tenantId, profileKey]))[0];
      const assigned = await q.query<{ permission_set_id: string }>('select permission_set_id from acl_assignment where tenant_id = $1 and principal_id = $2', [tenantId, principal.userId]);
      setIds = [...(profile?.permission_set_ids ?? []), ...assigned.map((a) => a.permission_set_id)];
    }
    // A key with no sets of its own acts with its creator's access.
    if (ceiling && setIds.length === 0) return ceiling;
    const sets = await q.query<GrantingSet>('select id, key, name, grants from acl_permission_set where tenant_id = $1 and id = any($2::uuid[]) order by name', [tenantId, setIds]);
    const defaults = new Map((await q.query<{ object_id: string; default_access: RecordDefault }>('select object_id, default_access from acl_object_access where tenant_id = $1', [tenantId])).map((r) => [r.object_id, r.default_access]));
    const { owners, grantees } = await reach(q, tenantId, principal.userId, roleId);
    return new AccessShape({
      tenantId,
      principalId: principal.userId,
      key: `${version}:${principal.via}:${principal.userId}:${principal.apiKeyId ?? ''}:${profileKey}`,
      sets,
      ceiling,
      defaults,
      owners,
      grantees,
      roleId,
    });
  }

  /** Records a change to access in the audit trail, in the transaction that makes it. */
  static async audit(q: Queryable, tenantId: string, actor: Actor, action: string, subject: string, detail: Record<string, unknown>): Promise<void> {
    await q.query('insert into acl_audit (tenant_id, id, actor_id, actor_name, action, subject, detail) values ($1, $2, $3, $4, $5, $6, $7)', [
      tenantId,
      randomUUID(),
      actor.id,
      actor.name,
      action,
      subject,
      JSON.stringify(detail),
    ]);
  }

  /** Changes access in one transaction with its audit entry, then tells every process. */
  async change<T>(tenantId: string, work: (q: Queryable) => Promise<T>): Promise<T> {
    await this.ensureDefaults(tenantId);
    const result = await this.#db.transaction(tenantId, async (q) => {
      const out = await work(q);
      await q.query('update acl_state set version = version + 1 where tenant_id = $1', [tenantId]);
      return out;
    });
    await this.changed(tenantId);
    return result;
  }

  get db(): Database {
    return this.#db;
  }
}

/**
 * Whose records a principal reaches through the hierarchy and which share rows name it:
 * owners are itself and every user in a role below its own (a manager sees what the team
 * below owns); grantees are itself, its role, the roles and users below it (what is shared
 * with the team is shared with its manager) and its groups.
 */
export async function reach(q: Queryable, tenantId: string, userId: string, roleId: string | null): Promise<{ owners: string[]; grantees: string[] }> {
  if (!roleId) {
    const groups = await q.query<{ group_id: string }>(`select group_id from acl_group_member where tenant_id = $1 and member_kind = 'user' and member_id = $2`, [tenantId, userId]);
    return { owners: [userId], grantees: [userId, ...groups.map((g) => g.group_id)] };
  }
  const [below, mine] = await Promise.all([
    q.query<{ id: string }>('select id from acl_role where tenant_id = $1 and $2 = any(path) and id <> $2', [tenantId, roleId]),
    q.query<RoleRow>('select id, name, parent_id, path from acl_role where tenant_id = $1 and id = $2', [tenantId, roleId]),
  ]);
  const belowIds = below.map((r) => r.id);
  const team = belowIds.length
    ? (await q.query<{ id: string }>('select id from app_user where tenant_id = $1 and access_role_id = any($2::uuid[])', [tenantId, belowIds])).map((u) => u.id)
    : [];
  const path = mine[0]?.path ?? [roleId];
  const groups = await q.query<{ group_id: string }>(
    `select distinct group_id from acl_group_member where tenant_id = $1 and (
       (member_kind = 'user' and member_id = $2) or (member_kind = 'role' and member_id = $3) or (member_kind = 'role_and_below' and member_id = any($4::uuid[])))`,
    [tenantId, userId, roleId, path],
  );
  return { owners: [userId, ...team], grantees: [userId, roleId, ...belowIds, ...team, ...groups.map((g) => g.group_id)] };
}

export type { Grants };

/** What the permission sets grant beyond `shape` (nothing for whoever manages access), each named with `field`. */
function grantProblems(shape: AccessShape, sets: readonly { name: string; grants: Grants }[], field = 'role'): FieldProblem[] {
  if (shape.setup('access')) return [];
  return sets.flatMap((set) => exceeding(set.grants, shape).map((what) => ({ field, code: 'exceedsYours', message: `${set.name} grants ${what}, which you do not hold` })));
}

/** An object id no permission set names: what a set's `*` entry gives every object it does not name. */
const ANY_OBJECT = '\u0000*';
const LEVEL_ORDER = ['none', 'read', 'edit'] as const;

/**
 * What a set grants beyond a principal's access, spelled for the refusal: object actions (with
 * their implied ones) and field levels as they take effect, and Setup rights. Every object either
 * names is compared, and one neither names stands for the rest, so a `*` entry is weighed against
 * the holder's objects named narrower (`activity: {}`) and a field against the holder's hidden ones.
 */
export function exceeding(grants: Grants, holder: AccessShape): string[] {
  const out: string[] = [];
  const holders = [...holder.sets, ...(holder.ceiling?.sets ?? [])];
  const named = (of: (g: Grants) => Record<string, unknown>) => [of(grants), ...holders.map((s) => of(s.grants))].flatMap((entries) => Object.keys(entries));
  const objects = new Set([...named((g) => g.objects), ...named((g) => g.fields)].filter((id) => id !== '*'));
  for (const objectId of [...objects, ANY_OBJECT]) {
    const shown = objectId === ANY_OBJECT ? '*' : objectId;
    const given = objectRightsOf(grants, objectId);
    for (const action of OBJECT_ACTIONS) if (given[action] && !holder.can(objectId, action)) out.push(`${action} on ${shown}`);
    if (!given.read || objectId === ANY_OBJECT) continue;
    // A field no set names follows its object on both sides: the actions above compare it.
    const fields = new Set([grants, ...holders.map((s) => s.grants)].flatMap((g) => Object.keys(g.fields[objectId] ?? {})));
    for (const fieldId of fields) {
      const level = fieldLevelOf(grants, objectId, fieldId);
      if (LEVEL_ORDER.indexOf(level) > LEVEL_ORDER.indexOf(holder.fieldLevel(objectId, fieldId))) out.push(`${level} of ${objectId}.${fieldId}`);
    }
  }
  for (const right of SETUP_RIGHTS) if (grants.setup[right] === true && !holder.setup(right)) out.push(`Setup: ${right}`);
  return out;
}

/**
 * A starting point for a demo workspace's Setup › Access: a sales hierarchy and a group, so the
 * screens show what roles and groups are for; nothing is narrowed (every object stays public
 * read/write) until someone chooses to.
 */
export async function seedDemoAccess(access: AccessService, tenantId: string, actor: Actor): Promise<void> {
  await access.change(tenantId, async (q) => {
    const director = randomUUID();
    const manager = randomUUID();
    const rep = randomUUID();
    for (const [id, name, path] of [
      [director, 'Sales director', [director]],
      [manager, 'Sales manager', [director, manager]],
      [rep, 'Sales rep', [director, manager, rep]],
    ] as const) {
      await q.query('insert into acl_role (tenant_id, id, name, parent_id, path) values ($1, $2, $3, $4, $5)', [tenantId, id, name, path.length > 1 ? path[path.length - 2] : null, path]);
    }
    await q.query('insert into acl_group (tenant_id, id, name) values ($1, $2, $3)', [tenantId, randomUUID(), 'Deal desk']);
    await q.query('update app_user set access_role_id = $2 where tenant_id = $1 and id = $3', [tenantId, director, actor.id]);
    await AccessService.audit(q, tenantId, actor, 'demo.seed', 'roles and groups', { roles: ['Sales director', 'Sales manager', 'Sales rep'], groups: ['Deal desk'] });
  });
}

/**
 * The built-in permission sets and profiles of a tenant (admin, standard, read_only) and its
 * access version: made with the tenant, and on first use for tenants older than access control.
 */
export async function seedAccessDefaults(q: Queryable, tenantId: string): Promise<void> {
  // Each server process checks each tenant once, after a deploy on its first request: a read finds
  // them made, without the row locks (and row versions) the upsert below takes, which had that
  // first request wait for any transaction holding the tenant's permission sets.
  const keys = SYSTEM_PERMISSION_SETS.map((set) => set.key);
  const [made] = await q.query<{ sets: number; profiles: number; state: number }>(
    `select (select count(*)::int from acl_permission_set where tenant_id = $1 and key = any($2::text[])) as sets,
            (select count(*)::int from acl_profile where tenant_id = $1 and key = any($2::text[])) as profiles,
            (select count(*)::int from acl_state where tenant_id = $1) as state`,
    [tenantId, keys],
  );
  if (made && made.sets === keys.length && made.profiles === keys.length && made.state === 1) return;
  for (const set of SYSTEM_PERMISSION_SETS) {
    await q.query(
      `with s as (insert into acl_permission_set (tenant_id, id, key, name, description, system, grants) values ($1, $2, $3, $4, $5, true, $6)
                   on conflict (tenant_id, key) do update set key = excluded.key returning id)
       insert into acl_profile (tenant_id, id, key, name, system, permission_set_ids) select $1, $7, $3, $4, true, array[s.id] from s
       on conflict (tenant_id, key) do nothing`,
      [tenantId, randomUUID(), set.key, set.name, set.description, JSON.stringify(set.grants), randomUUID()],
    );
  }
  await q.query('insert into acl_state (tenant_id, version) values ($1, 0) on conflict do nothing', [tenantId]);
}
