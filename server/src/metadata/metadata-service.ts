import { BoundedCache, assignIndexSlots, deepEqual, diffAutomations, diffSnapshots, withAutomation, type AutomationKind, type AutomationRef, findTermSet, planChange, planRestore, promoteIndexSlot, revisionIds, type ChangeRequest, type DiffEntry, type IndexSlot, type Locale, type Operation, type PlanResult, type Snapshot, upgradeStoredSnapshot } from '@protean/metadata';
import { TtlCache } from '../cache/ttl-cache.ts';
import type { Principal } from '../auth/principal.ts';
import { exclusiveFenceSql, queryOne, type Database, type Queryable } from '../db/database.ts';
import { ProblemError, conflict, notFound, validationError, type FieldProblem } from '../errors/problems.ts';
import { TenantModel } from '../data/tenant-model.ts';
import { applyDataActions, applyObjectRecords, runDataChecks } from './data-checks.ts';
import { syncBackfills } from '../indexing/backfill-registry.ts';
import { notifyOutbox } from '../events/outbox-channel.ts';
import { summariseDiff, writeModelEvent } from '../events/model-events.ts';
import { localeOf } from './words.ts';
import { describeRevision, revisionMessage, type DescribedChange } from './describe-revision.ts';

const METADATA_CHANNEL = 'protean_metadata';
// Compiled models are bounded: at most this many (tenant, revision) pairs stay in memory.
const MODEL_CACHE_SIZE = 500;
// Safety net for a missed NOTIFY (connection drop): a tenant's current revision is re-read at least this often.
const CURRENT_REVISION_TTL_MS = 60_000;

/** Who a revision is by: a user, or the platform itself (no user id), e.g. when a backfill finishes. */
export type Author = Pick<Principal, 'tenantId' | 'userName'> & { userId: string | null };
const PLATFORM_AUTHOR = 'Protean';

export interface RevisionSummary {
  revision: number;
  authorId: string | null;
  authorName: string;
  message: string | null;
  createdAt: string;
  changes: number;
}

/**
 * Serves each tenant's metadata at its current revision and applies change requests
 * through validate → plan → apply. Models are memoised per (tenant, revision); a change is
 * announced with NOTIFY so every process serves the new revision on its next request.
 */
/** Problems a planned change would cause outside the model (`code: 'has_dependents'`, naming what depends); none lets it through. */
export type DependencyGuard = (tx: Queryable, tenantId: string, current: Snapshot, next: Snapshot, author: Author) => Promise<FieldProblem[]>;

/** A planned change; `automationsWritten` when the plan itself wrote the automation versions it names. */
type Planned = PlanResult & { automationsWritten?: true };

/**
 * Brings what the platform versions outside the model (workflow and script versions) in step with
 * a revision about to commit, inside its transaction: a restore names older versions, which are
 * made current again as new versions. Answers the snapshot to store (its references may change).
 */
export type RevisionSync = (tx: Queryable, tenantId: string, current: Snapshot, next: Snapshot, author: Author) => Promise<Snapshot>;

/** What a workflow or script save wrote in the revision's transaction, and the reference the revision records. */
export interface AutomationSave<T> {
  value: T;
  kind: AutomationKind;
  id: string;
  /** The saved version, or null when the workflow or script was deleted. */
  ref: AutomationRef | null;
}

export class MetadataService {
  readonly #db: Database;
  readonly #models = new BoundedCache<string, TenantModel>(MODEL_CACHE_SIZE);
  /** Each tenant's model last handed out: every request asks for it, without a key string and an LRU move each time. */
  readonly #latest = new Map<string, TenantModel>();
  readonly #current = new TtlCache<number>(100_000, CURRENT_REVISION_TTL_MS);
  readonly #committed: ((tenantId: string, snapshot: Snapshot) => void)[] = [];
  readonly #guards: DependencyGuard[] = [];
  readonly #restoreGuards: DependencyGuard[] = [];
  readonly #syncs: RevisionSync[] = [];

  constructor(db: Database) {
    this.#db = db;
  }

  async start(): Promise<void> {
    await this.#db.listen(METADATA_CHANNEL, (payload) => {
      const [tenantId, revision] = payload.split(':');
      // Revisions only grow; a late notice of an older one must not move a tenant back.
      if (tenantId && revision && Number(revision) > (this.#current.get(tenantId) ?? 0)) this.#current.set(tenantId, Number(revision));
    });
    // Notices sent while the listening connection was down are lost: re-read every tenant's revision.
    this.#db.onReconnect(() => this.#current.clear());
  }

  /** The tenant's current model when this process knows the revision and holds its model (most requests), without a promise. */
  cachedModel(tenantId: string): TenantModel | undefined {
    const latest = this.#latest.get(tenantId);
    return latest !== undefined && latest.revision === this.#current.get(tenantId) ? latest : undefined;
  }

  async model(tenantId: string): Promise<TenantModel> {
    let revision = this.#current.get(tenantId);
    if (revision === undefined) {
      const row = await this.#db.withTenant(tenantId, (q) => queryOne<{ current_revision: number }>(q, 'select current_revision from tenant where id = $1', [tenantId]));
      if (!row) throw notFound('No such tenant');
      revision = row.current_revision;
      this.#current.set(tenantId, revision);
    }
    return this.modelAt(tenantId, revision);
  }

  /**
   * Whether the tenant has a revision newer than `seen` that this process has not heard of yet (its
   * notice is still on the way): a request that failed against the model it had asks once before
   * answering, so a change made through another process is visible to the very next request.
   */
  async newerThan(tenantId: string, seen: number): Promise<boolean> {
    const row = await this.#db.withTenant(tenantId, (q) => queryOne<{ current_revision: number }>(q, 'select current_revision from tenant where id = $1', [tenantId]));
    if (!row || row.current_revision <= seen) return false;
    if (row.current_revision > (this.#current.get(tenantId) ?? 0)) this.#current.set(tenantId, row.current_revision);
    return true;
  }

  /** The model at `revision`; `q` loads it inside a transaction the caller already holds. */
  async modelAt(tenantId: string, revision: number, q?: Queryable): Promise<TenantModel> {
    const latest = this.#latest.get(tenantId);
    if (latest?.revision === revision) return latest;
    const key = `${tenantId}:${revision}`;
    let model = this.#models.get(key);
    if (!model) {
      const snapshot = q ? await loadSnapshot(q, tenantId, revision) : await this.#db.withTenant(tenantId, (q) => loadSnapshot(q, tenantId, revision));
      model = new TenantModel(tenantId, snapshot);
      this.#models.set(key, model);
    }
    if (this.#latest.size >= MODEL_CACHE_SIZE) this.#latest.clear();
    this.#latest.set(tenantId, model);
    return model;
  }

  /** Validate → plan → apply, all-or-nothing. Data checks that fail without a backfill refuse the change with counts. */
  /**
   * `basedOn`: the model revisions the change was made against (If-Match); when the model is at
   * another, the change is refused (412) rather than laid over an edit its author has not seen.
   */
  async apply(principal: Principal, request: ChangeRequest, basedOn?: readonly number[]): Promise<{ revision: number; diff: unknown }> {
    const context = { now: new Date().toISOString(), author: principal.userName, locale: localeOf(principal.locale) };
    return (await this.#commit(principal, () => request.message ?? null, (current) => planChange(current, request, { ...context, newId: revisionIds(current) }), assignIndexSlots, basedOn))!;
  }

  /**
   * Applies a shipped term set (Healthcare, Education) as one change request, so one revision
   * that a restore undoes. `locales` limits it to some languages' forms (default: all).
   */
  applyTermSet(principal: Principal, id: string, locales?: readonly Locale[], basedOn?: readonly number[]): Promise<{ revision: number; diff: unknown }> {
    const set = findTermSet(id);
    if (!set) throw notFound(`No term set '${id}'`);
    const operations: Operation[] = set.terms.map((term) => {
      const forms = Object.fromEntries(Object.entries(term.forms).filter(([locale]) => !locales || locales.includes(locale as Locale)));
      return { op: 'upsertTerm', term: { ...term, forms } };
    });
    return this.apply(principal, { message: `Applied the ${set.labels.en} term set`, operations }, basedOn);
  }

  /** Called after each revision this process commits (e.g. to start the backfills it calls for). */
  onCommit(listener: (tenantId: string, snapshot: Snapshot) => void): void {
    this.#committed.push(listener);
  }

  /**
   * Adds a check of what the platform keeps outside the model (workflows) against a planned
   * change: the change is refused with the problems it answers, as the model's own dependency
   * check refuses deleting a field a formula uses.
   */
  guard(check: DependencyGuard): void {
    this.#guards.push(check);
  }

  /**
   * Adds a check that only restoring a revision needs: a restore brings back automation versions
   * that no save of the restorer's wrote (their authors answered for them).
   */
  restoreGuard(check: DependencyGuard): void {
    this.#restoreGuards.push(check);
  }

  /** Adds a sync of automation versions with each revision (see `RevisionSync`). */
  syncWithRevisions(sync: RevisionSync): void {
    this.#syncs.push(sync);
  }

  /**
   * Saves a workflow or script version as a revision of the tenant's metadata: `save` writes the
   * version in the revision's transaction, against the model it commits with, and the revision
   * records which version is current. A save that changes no reference (same version and label)
   * makes no revision. The syncs are skipped: what the revision names is what `save` just wrote.
   */
  async saveAutomation<T>(principal: Author, message: (saved: T) => string, save: (tx: Queryable, model: TenantModel) => Promise<AutomationSave<T>>): Promise<T> {
    let saved: AutomationSave<T> | undefined;
    await this.#commit(
      principal,
      () => message(saved!.value),
      async (current, tx) => {
        saved = await save(tx, this.#models.get(`${principal.tenantId}:${current.revision}`) ?? new TenantModel(principal.tenantId, current));
        const next = withAutomation(current, saved.kind, saved.id, saved.ref);
        return { ok: true, next, diff: diffAutomations(current, next), dataChecks: [], automationsWritten: true };
      },
    );
    return saved!.value;
  }

  /**
   * A system revision once a pending slot's values are all copied: the field moves to the ready
   * slots, so from this revision on filters and sorts use the slot. Nothing is committed when the
   * slot no longer waits for that field (deleted, purged, reassigned). Returns the revision or null.
   */
  async promoteIndexSlot(tenantId: string, objectId: string, slot: IndexSlot, fieldId: string): Promise<number | null> {
    const result = await this.#commit(
      { tenantId, userId: null, userName: PLATFORM_AUTHOR },
      (current) => {
        const object = current.objects.find((o) => o.id === objectId);
        const label = object?.fields.find((f) => f.id === fieldId)?.labels.en ?? fieldId;
        return `Index slot ${slot} now serves ${label}`;
      },
      (current) => (current.objects.find((o) => o.id === objectId)?.pendingIndexSlots?.[slot] === fieldId ? { ok: true, next: current, diff: [], dataChecks: [] } : null),
      (current, next) => promoteIndexSlot(assignIndexSlots(current, next), objectId, slot, fieldId),
    );
    return result?.revision ?? null;
  }

  /** Restoring is itself a change: the old model becomes a new revision, checked against today's data. */
  async restore(principal: Principal, revision: number, basedOn?: readonly number[]): Promise<{ revision: number; diff: unknown }> {
    const target = await this.modelAt(principal.tenantId, revision);
    return (await this.#commit(
      principal,
      () => `Restored revision ${revision}`,
      async (current, tx) => {
        const planned = planRestore(current, target.snapshot, { now: new Date().toISOString() });
        if (!planned.ok) return planned;
        const problems: FieldProblem[] = [];
        for (const check of this.#restoreGuards) problems.push(...(await check(tx, principal.tenantId, current, planned.next, principal)));
        if (problems.length) throw new ProblemError('forbidden', 403, `Restoring revision ${revision} would bring back what you may not answer for`, problems);
        return planned;
      },
      assignIndexSlots,
      basedOn,
    ))!;
  }

  /**
   * One revision, all-or-nothing. `plan` returns null when there is nothing to change (no revision
   * is written then); `slots` gives the committed model its index slots (the platform's to assign).
   */
  async #commit(
    principal: Author,
    describe: (current: Snapshot) => string | null,
    plan: (current: Snapshot, tx: Queryable) => Planned | null | Promise<Planned | null>,
    slots: (current: Snapshot, next: Snapshot) => Snapshot = assignIndexSlots,
    basedOn?: readonly number[],
  ): Promise<{ revision: number; diff: unknown } | null> {
    const result = await this.#db.transaction(principal.tenantId, async (tx) => {
      // Waits for record writes in flight and holds new ones until this revision commits.
      await tx.query(exclusiveFenceSql(principal.tenantId));
      const tenant = await queryOne<{ current_revision: number }>(tx, 'select current_revision from tenant where id = $1 for update', [principal.tenantId]);
      if (!tenant) throw notFound('No such tenant');
      if (basedOn && !basedOn.includes(tenant.current_revision)) {
        throw new ProblemError('precondition-failed', 412, `The model is at revision ${tenant.current_revision}, not ${basedOn.join(' or ')}: someone changed it meanwhile; reload and make your change again`, [
          { field: 'If-Match', code: 'stale', message: `the model is at revision ${tenant.current_revision}` },
        ]);
      }
      const current = await loadSnapshot(tx, principal.tenantId, tenant.current_revision);
      const planned = await plan(current, tx);
      if (!planned) return null;
      if (!planned.ok) {
        throw validationError(
          `The change was refused: ${planned.errors.length} problem${planned.errors.length === 1 ? '' : 's'}`,
          planned.errors.map((e) => ({ field: e.path, code: e.code, message: e.message, path: e.path, ...(e.dependents ? { dependents: e.dependents } : {}), ...(e.position ? { position: e.position } : {}) })),
        );
      }
      const dependents: FieldProblem[] = [];
      for (const check of this.#guards) dependents.push(...(await check(tx, principal.tenantId, current, planned.next, principal)));
      if (dependents.length) throw validationError(`The change was refused: ${dependents.length} problem${dependents.length === 1 ? '' : 's'}`, dependents);
      const revision = tenant.current_revision + 1;
      let next: Snapshot = { ...slots(current, planned.next), revision };
      let diff = planned.diff;
      if (!planned.automationsWritten && !deepEqual(next.automations, current.automations)) {
        for (const sync of this.#syncs) next = await sync(tx, principal.tenantId, current, next, principal);
        diff = [...diff.filter((e) => e.kind !== 'workflow' && e.kind !== 'script'), ...diffAutomations(current, next)];
      }
      // A change that changes nothing (a label saved as it was) is no revision: nothing to undo or audit.
      if (diff.length === 0 && deepEqual({ ...next, revision: current.revision }, current)) return { revision: current.revision, diff: [], unchanged: true as const };
      const refusals = await runDataChecks(tx, principal.tenantId, planned.next, planned.dataChecks, principal.userId);
      if (refusals.length) throw validationError('The change would break existing records', refusals);
      const kept = await applyObjectRecords(tx, principal.tenantId, planned.objectRecords ?? [], principal.userId);
      if (kept.length) throw conflict('The object still has records; say what becomes of them', kept);
      const message = describe(current);
      await applyDataActions(tx, principal.tenantId, current, next, principal.userId);
      await syncBackfills(tx, principal.tenantId, current, next);
      await tx.query(
        'insert into metadata_revision (tenant_id, revision, snapshot, diff, author_id, author_name, message) values ($1, $2, $3, $4, $5, $6, $7)',
        [principal.tenantId, revision, JSON.stringify(next), JSON.stringify(diff), principal.userId, principal.userName, message],
      );
      await tx.query('update tenant set current_revision = $2 where id = $1', [principal.tenantId, revision]);
      await writeModelEvent(tx, principal.tenantId, { event: 'metadata.revision', payload: { revision, message, changes: summariseDiff(diff) } }, principal.userId);
      return { revision, diff, snapshot: next };
    });
    if (!result) return null;
    if ('unchanged' in result) return { revision: result.revision, diff: result.diff };
    this.#models.set(`${principal.tenantId}:${result.revision}`, new TenantModel(principal.tenantId, result.snapshot));
    this.#current.set(principal.tenantId, result.revision);
    await this.#db.notify(METADATA_CHANNEL, `${principal.tenantId}:${result.revision}`);
    // A hint sent after its batching window (outbox-channel.ts): the change does not wait for it.
    void notifyOutbox(this.#db);
    for (const listener of this.#committed) listener(principal.tenantId, result.snapshot);
    return { revision: result.revision, diff: result.diff };
  }

  async revisions(tenantId: string, limit = 100, locale: Locale = 'en'): Promise<RevisionSummary[]> {
    const rows = await this.#db.withTenant(tenantId, (q) =>
      q.query<{ revision: number; author_id: string | null; author_name: string; message: string | null; created_at: string; changes: number }>(
        `select revision, author_id, author_name, message, created_at, jsonb_array_length(diff) as changes
           from metadata_revision where tenant_id = $1 order by revision desc limit $2`,
        [tenantId, limit],
      ),
    );
    return rows.map((r) => ({ revision: r.revision, authorId: r.author_id, authorName: r.author_name, message: revisionMessage(r.message, locale), createdAt: r.created_at, changes: r.changes }));
  }

  async revision(tenantId: string, revision: number): Promise<RevisionSummary & { snapshot: Snapshot; diff: unknown }> {
    const row = await this.#db.withTenant(tenantId, (q) =>
      queryOne<{ revision: number; author_id: string | null; author_name: string; message: string | null; created_at: string; snapshot: Snapshot; diff: unknown[] }>(
        q,
        'select * from metadata_revision where tenant_id = $1 and revision = $2',
        [tenantId, revision],
      ),
    );
    if (!row) throw notFound(`No revision ${revision}`);
    return { revision: row.revision, authorId: row.author_id, authorName: row.author_name, message: row.message, createdAt: row.created_at, changes: row.diff.length, snapshot: row.snapshot, diff: row.diff };
  }

  /** A revision's diff in words, in `locale`, with its message translated when the platform wrote it. */
  async changes(tenantId: string, revision: number, locale: Locale): Promise<Omit<RevisionSummary, 'changes'> & { changes: DescribedChange[] }> {
    const row = await this.revision(tenantId, revision);
    const [after, before] = await Promise.all([this.modelAt(tenantId, revision), revision > 1 ? this.modelAt(tenantId, revision - 1).catch(() => undefined) : undefined]);
    const { snapshot: _snapshot, diff, ...summary } = row;
    return { ...summary, message: revisionMessage(summary.message, locale), changes: describeRevision(diff as DiffEntry[], after, before, locale) };
  }

  async compare(tenantId: string, from: number, to: number): Promise<unknown> {
    const [a, b] = await Promise.all([this.modelAt(tenantId, from), this.modelAt(tenantId, to)]);
    return diffSnapshots(a.snapshot, b.snapshot);
  }

}

async function loadSnapshot(q: Queryable, tenantId: string, revision: number): Promise<Snapshot> {
  const row = await queryOne<{ snapshot: Snapshot }>(q, 'select snapshot from metadata_revision where tenant_id = $1 and revision = $2', [tenantId, revision]);
  if (!row) throw notFound(`No revision ${revision}`);
  return upgradeStoredSnapshot({ ...row.snapshot, revision });
}
