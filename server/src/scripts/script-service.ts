import { randomUUID } from 'node:crypto';
import { compileScript, limitsWith, ProcessSandbox, TRANSACTION_LIMITS, type InvocationReport, type OutboundPolicy, type Sandbox, type ScriptLimits } from '@protean/runtime';
import type { AccessService } from '../access/access-service.ts';
import { automationPrincipal, type Principal } from '../auth/principal.ts';
import type { Database, Queryable } from '../db/database.ts';
import type { DataService } from '../data/data-service.ts';
import type { RequestContext } from '../data/request-context.ts';
import { conflict, notFound, preconditionFailed, ProblemError, type FieldProblem } from '../errors/problems.ts';
import { removeSchedule, saveSchedule } from '../jobs/index.ts';
import { tenantZones } from '../logic/tenant-zones.ts';
import type { Author, MetadataService } from '../metadata/metadata-service.ts';
import { withAutomation, type AutomationRef, type Snapshot } from '@protean/metadata';
import { checkDefinition, invalidScript, type ScriptDefinition, type ScriptInput } from './script-definition.ts';
import { validateWithTenantSchema } from '../logic/tenant-schemas.ts';
import { scriptHost } from './script-host.ts';
import { activeScripts, deleteScript, findScript, saveScriptAutomation, scriptVersion, writeVersion, type NewVersion, type ScriptRecord } from './script-store.ts';
import { InvocationLog, type InvocationCause } from './invocation-log.ts';
import { scriptDependents } from './script-dependents.ts';

export const SCRIPTS_CHANNEL = 'protean_scripts';

/** What a tenant revision records of a script: its live version (ADR 0014). */
function scriptRef(script: ScriptRecord): AutomationRef {
  return { id: script.id, apiName: script.apiName, label: script.definition.label, version: script.version };
}

/** A version to write: the API name, kind and object come from its definition. */
type ScriptVersionInput = Omit<NewVersion, 'apiName' | 'kind' | 'objectId'>;

/** Writes the script's next version and its schedule (a scheduled script is a job schedule, in the tenant's zone unless it names one). */
async function writeScriptVersion(tx: Queryable, input: ScriptVersionInput, expectedVersion: number | undefined): Promise<ScriptRecord> {
  const { tenantId, scriptId, definition, active } = input;
  const written = await writeVersion(tx, { ...input, apiName: definition.apiName, kind: definition.kind, objectId: definition.objectId ?? null }, expectedVersion);
  if ('stale' in written) throw preconditionFailed(`The script changed since version ${expectedVersion}; it is at version ${written.stale}`, { currentVersion: written.stale });
  if (definition.kind === 'scheduled' && active && definition.cron) {
    await saveSchedule(tx, { tenantId, name: scheduleName(scriptId), queue: SCHEDULED_QUEUE, cron: definition.cron, ...(definition.timeZone ? { timeZone: definition.timeZone } : {}), payload: { scriptId } });
  } else {
    await removeSchedule(tx, tenantId, scheduleName(scriptId));
  }
  return (await findScript(tx, tenantId, scriptId))!;
}
export const SCHEDULED_QUEUE = 'script.scheduled';
const scheduleName = (scriptId: string) => `script:${scriptId}`;

export interface ScriptServiceOptions {
  /** Where scripts run: by default a sandbox process of the server's own (ADR 0017); tests may pass an in-process ScriptSandbox. */
  sandbox?: Sandbox;
  /** Outbound HTTP settings for every script (tests give a resolver of their own). */
  outbound?: Partial<OutboundPolicy>;
}

/** The user a script runs for (ctx.user): whose save or click started it, or a scheduled script's author. */
export interface ScriptUser {
  id: string;
  name: string;
  locale: string;
  role: string;
}

/** A user principal as the script's ctx.user. */
export const scriptUserOf = (p: Pick<Principal, 'userId' | 'userName' | 'locale' | 'role'>): ScriptUser => ({ id: p.userId, name: p.userName, locale: p.locale, role: p.role });

export interface RunOptions {
  cause: InvocationCause;
  /** Whom the run is for; by default the context's principal. Its records are owned by them unless it says otherwise. */
  user?: ScriptUser | undefined;
  recordId?: string | undefined;
  /** Narrower limits for this run (a trigger inside a transaction). */
  limits?: Partial<ScriptLimits> | undefined;
  /**
   * A before-save trigger reading ahead of a one-statement create: its log entry waits for
   * `log()` (a run the save repeats inside a transaction is logged there), and `wrote` tells
   * whether it tried to write.
   */
  outside?: { wrote: boolean; log?: () => void } | undefined;
}

/** An invocation as the API answers it. */
export interface RunResult {
  invocationId: string;
  report: InvocationReport;
}

/**
 * Scripts as tenant metadata: saved as versions (compiled and type-checked at save, errors
 * answered with their line and column), run in the sandbox as the script's automation principal
 * through the data service, every run written to the script's invocation log. Active scripts are cached
 * per tenant and dropped on every save, here and on other processes (NOTIFY).
 */
export class ScriptService {
  readonly sandbox: Sandbox;
  readonly log: InvocationLog;
  readonly #db: Database;
  readonly #metadata: MetadataService;
  readonly #data: DataService;
  readonly #access: AccessService;
  readonly #outbound: Partial<OutboundPolicy> | undefined;
  readonly #active = new Map<string, Promise<ScriptRecord[]>>();
  /** Object ids with an active before-save trigger in some tenant: the save pipeline's fast path asks. */
  #beforeSaveObjects = new Set<string>();
  readonly #writingTriggerObjects = new Set<string>();
  readonly #ownsSandbox: boolean;
  /** Tenants whose scripts a revision being committed restored. */
  readonly #restored = new Set<string>();

  constructor(db: Database, metadata: MetadataService, data: DataService, options: ScriptServiceOptions = {}) {
    this.#db = db;
    this.#metadata = metadata;
    this.#data = data;
    this.#access = data.access;
    this.#ownsSandbox = !options.sandbox;
    this.sandbox = options.sandbox ?? new ProcessSandbox();
    this.#outbound = options.outbound;
    this.log = new InvocationLog(db);
    metadata.syncWithRevisions(this.#syncWithRevision);
    // A model change that takes away a name a script's source uses is refused, naming the script.
    metadata.guard(scriptDependents);
    // A restore that changed scripts: every process drops the tenant's cached scripts.
    metadata.onCommit((tenantId) => {
      if (this.#restored.delete(tenantId)) void this.#announce(tenantId).catch((error: unknown) => console.error('announcing restored scripts failed', error));
    });
  }

  async start(): Promise<void> {
    await this.#db.listen(SCRIPTS_CHANNEL, (tenantId) => this.#forget(tenantId));
    this.#db.onReconnect(() => {
      this.#active.clear();
      void this.#loadTriggerObjects();
    });
    await this.#loadTriggerObjects();
  }

  async stop(): Promise<void> {
    await this.log.flush();
    if (this.#ownsSandbox) this.sandbox.close();
  }

  hasBeforeSave(objectId: string): boolean {
    return this.#beforeSaveObjects.has(objectId);
  }

  /**
   * Whether a create of the object may run its before-save triggers ahead of the one-statement
   * create: yes until one of them was seen writing records (then until the scripts change).
   */
  triggersOnlyRead(objectId: string): boolean {
    return !this.#writingTriggerObjects.has(objectId);
  }

  /** A before-save trigger of the object wrote records: its creates take the transactional path. */
  triggerWrites(objectId: string): void {
    this.#writingTriggerObjects.add(objectId);
  }

  async #loadTriggerObjects(): Promise<void> {
    const rows = await this.#db.system((q) => q.query<{ object_id: string }>("select distinct object_id from script where kind = 'beforeSave' and active and deleted_at is null and object_id is not null"));
    this.#beforeSaveObjects = new Set(rows.map((r) => r.object_id));
    this.#writingTriggerObjects.clear();
  }

  #forget(tenantId: string): void {
    this.#active.delete(tenantId);
    // A failed reload leaves the previous set in place until the next change; it must not pass unseen.
    void this.#loadTriggerObjects().catch((error: unknown) => console.error('reloading the objects with before-save scripts failed', error));
  }

  /** The tenant's active scripts at their live versions; `q` inside a transaction the caller holds. */
  activeScripts(tenantId: string, q?: Queryable): Promise<ScriptRecord[]> {
    let cached = this.#active.get(tenantId);
    if (!cached) {
      cached = q ? activeScripts(q, tenantId) : this.#db.withTenant(tenantId, (tx) => activeScripts(tx, tenantId));
      this.#active.set(tenantId, cached);
      cached.catch(() => this.#active.delete(tenantId));
      if (this.#active.size > 5_000) this.#active.delete(this.#active.keys().next().value!);
    }
    return cached;
  }

  /** The workspace's time zone (`tenantZones`: one cache for formulas, scripts and workflows). */
  async timeZoneOf(tenantId: string, q?: Queryable): Promise<string> {
    return tenantZones.known(tenantId) ?? (q ? tenantZones.of(q, tenantId) : this.#db.withTenant(tenantId, (tx) => tenantZones.of(tx, tenantId)));
  }

  /**
   * Creates a script (no `scriptId`) or saves its next version. The source is compiled first:
   * TypeScript errors come back as problems of `source` with their line and column, and nothing
   * is saved. `expectedVersion` refuses a save based on an older version.
   */
  async save(principal: Principal, input: ScriptInput, scriptId?: string, expectedVersion?: number): Promise<ScriptRecord> {
    const tenantId = principal.tenantId;
    // The script acts as its profile: no one saves into one that holds more than they do, nor
    // gives one more than they hold (ADR 0012). A script without one acts as its author would.
    const current = scriptId ? await this.requireAnswerable(principal, scriptId) : undefined;
    const profile = input.profile ?? (current?.profile ? undefined : principal.role);
    if (profile !== undefined) await this.#access.requireGrantable(principal, profile, 'profile');
    const model = await this.#metadata.model(tenantId);
    const { definition, problems } = checkDefinition(input, model);
    const compiled = compileScript(input.source, input.language);
    if (!compiled.ok) {
      for (const e of compiled.errors) problems.push({ field: 'source', code: e.code.startsWith('TS') ? 'compile' : e.code, message: `line ${e.line}, column ${e.column}: ${e.message}`, line: e.line, column: e.column, tsCode: e.code });
    }
    if (problems.length || !compiled.ok) throw invalidScript(problems);
    const id = scriptId ?? randomUUID();
    const active = input.active ?? true;
    const result = await this.#metadata.saveAutomation(
      principal,
      (saved: ScriptRecord) => input.message?.trim() || `Saved script “${saved.definition.label}”, version ${saved.version}`,
      async (tx) => {
        if (scriptId) {
          const existing = await findScript(tx, tenantId, scriptId);
          if (!existing) throw notFound(`No script '${scriptId}'`);
        }
        const clash = await findScript(tx, tenantId, input.apiName);
        if (clash && clash.id !== id) throw conflict(`A script named '${input.apiName}' exists`, [{ field: 'apiName', code: 'unique', message: 'another script has this API name' }]);
        await saveScriptAutomation(tx, tenantId, id, definition.label, profile);
        const saved = await writeScriptVersion(tx, { tenantId, scriptId: id, active, definition, ...compiled.script, authorId: principal.userId, message: input.message ?? null }, expectedVersion);
        return { value: saved, kind: 'scripts', id, ref: scriptRef(saved) };
      },
    );
    await this.#announce(tenantId);
    return result;
  }

  /**
   * Refuses, naming each excess, a designer whose access the script's profile exceeds: changing
   * what it does or reading what its runs saw would act or read with more than they hold.
   */
  async requireAnswerable(principal: Principal, ref: string): Promise<ScriptRecord | undefined> {
    const script = await this.#db.withTenant(principal.tenantId, (q) => findScript(q, principal.tenantId, ref));
    if (script?.profile) await this.#access.requireGrantable(principal, script.profile, 'profile');
    return script;
  }

  /**
   * The automation principal a script acts as: its record calls are judged by its profile through
   * the data service. `base` gives the tenant and the locale of the run (whom it runs for).
   */
  principalOf(script: Pick<ScriptRecord, 'id' | 'definition' | 'profile'>, base: Pick<Principal, 'tenantId' | 'tenantSlug' | 'tenantName' | 'locale'>): Principal {
    // A script without a principal (none was ever made) acts as a profile that grants nothing.
    return automationPrincipal(base, script.id, script.definition.label, script.profile ?? 'none');
  }

  /**
   * A workflow's script step: the script acts as its own principal, for the workflow's. One whose
   * profile grants more than the workflow's principal holds is refused, naming each excess, since
   * the workflow's designer would reach through its input and output what that profile reads.
   */
  async runStep(principal: Principal, apiName: string, input: unknown): Promise<unknown> {
    const found = (await this.activeScripts(principal.tenantId)).find((s) => s.apiName === apiName);
    if (!found) throw new Error(`No active script named '${apiName}'`);
    if (found.profile) {
      await this.#access.requireGrantable(principal, found.profile, 'script').catch((error: unknown) => {
        const excess = error instanceof ProblemError && error.status === 403 ? (error.errors ?? []).map((e) => e.message).join('; ') : undefined;
        throw excess === undefined ? error : new Error(`The script '${apiName}' acts as the profile '${found.profile}', which grants more than this workflow's: ${excess}`);
      });
    }
    const ctx: RequestContext = { principal: this.principalOf(found, principal), model: await this.#metadata.model(principal.tenantId) };
    const { report } = await this.run(found, ctx, input, { cause: 'action', user: scriptUserOf(principal) });
    if (!report.ok) throw new Error(`The script '${apiName}' failed: ${report.error?.message ?? 'no result'}`);
    return report.output ?? null;
  }

  /** A principal's access, in the caller's transaction if it holds one. */
  shapeOf(principal: Principal, q?: Queryable) {
    return this.#access.shapeOf(principal, q);
  }

  /** Makes an earlier version live again, as a new version (history is never rewritten). */
  async restore(principal: Principal, scriptId: string, version: number): Promise<ScriptRecord> {
    const tenantId = principal.tenantId;
    const old = await this.#db.withTenant(tenantId, async (tx) => {
      const script = await findScript(tx, tenantId, scriptId);
      if (!script) throw notFound(`No script '${scriptId}'`);
      const found = await scriptVersion(tx, tenantId, script.id, version);
      if (!found) throw notFound(`Script '${script.apiName}' has no version ${version}`);
      return { script, found };
    });
    const { objectId: _objectId, ...definition } = old.found.definition;
    return this.save(principal, { ...definition, message: `restored version ${version}` }, old.script.id);
  }

  async remove(principal: Principal, scriptId: string): Promise<void> {
    const tenantId = principal.tenantId;
    await this.#metadata.saveAutomation(
      principal,
      (script: ScriptRecord) => `Deleted script “${script.definition.label}”`,
      async (tx) => {
        const script = await findScript(tx, tenantId, scriptId);
        if (!script || !(await deleteScript(tx, tenantId, script.id))) throw notFound(`No script '${scriptId}'`);
        await removeSchedule(tx, tenantId, scheduleName(script.id));
        return { value: script, kind: 'scripts', id: script.id, ref: null };
      },
    );
    await this.#announce(tenantId);
  }

  /**
   * Makes the script versions a revision names current (a restore names older ones), each saved
   * again as a new version of the old one; a script deleted since is dropped from the revision.
   */
  readonly #syncWithRevision = async (tx: Queryable, tenantId: string, _current: Snapshot, next: Snapshot, author: Author): Promise<Snapshot> => {
    const named = next.automations?.scripts ?? [];
    if (!named.length) return next;
    const live = new Map((await tx.query<{ id: string; version: number; active: boolean }>('select id, version, active from script where tenant_id = $1 and deleted_at is null', [tenantId])).map((s) => [s.id, s]));
    let synced = next;
    for (const ref of named) {
      const script = live.get(ref.id);
      if (!script) {
        synced = withAutomation(synced, 'scripts', ref.id, null);
        continue;
      }
      if (script.version === ref.version) continue;
      const old = await scriptVersion(tx, tenantId, ref.id, ref.version);
      if (!old) throw notFound(`Script '${ref.apiName}' has no version ${ref.version}`);
      const saved = await writeScriptVersion(tx, { tenantId, scriptId: ref.id, active: script.active, definition: old.definition, code: old.code, sourceMap: old.sourceMap, hash: old.hash, authorId: author.userId, message: `restored version ${ref.version}` }, undefined);
      synced = withAutomation(synced, 'scripts', ref.id, scriptRef(saved));
      this.#restored.add(tenantId);
    }
    return synced;
  };

  async #announce(tenantId: string): Promise<void> {
    this.#forget(tenantId);
    await this.#loadTriggerObjects();
    await this.#db.notify(SCRIPTS_CHANNEL, tenantId).catch(() => undefined);
  }

  /**
   * Runs a script for a request context and logs the invocation. Input is checked against the
   * script's input schema first and output against its output schema after; a mismatch fails
   * the invocation like an error the script threw.
   */
  async run(script: Pick<ScriptRecord, 'id' | 'version' | 'definition' | 'code' | 'sourceMap' | 'hash'>, ctx: RequestContext, input: unknown, options: RunOptions): Promise<RunResult> {
    const tenantId = ctx.principal.tenantId;
    const { definition } = script;
    const inputProblems = options.cause === 'action' || options.cause === 'test' ? [] : validateWithTenantSchema(definition.inputSchema, input, 'input');
    const zone = definition.timeZone ?? (await this.timeZoneOf(tenantId, ctx.scope?.tx));
    const limits = limitsWith(definition.limits, options.limits && narrowest(definition.limits, options.limits));
    const report: InvocationReport = inputProblems.length
      ? refused(inputProblems)
      : await this.sandbox.invoke({
          owner: { tenantId },
          script: { hash: script.hash, code: script.code, sourceMap: script.sourceMap },
          input,
          host: scriptHost({
            db: this.#db,
            data: this.#data,
            ctx,
            timeZone: zone,
            allowedHosts: definition.allowedHosts ?? [],
            user: options.user ?? scriptUserOf(ctx.principal),
            outbound: this.#outbound,
            onWriteOutside: options.outside && (() => (options.outside!.wrote = true)),
          }),
          limits,
        });
    if (report.ok && definition.outputSchema) {
      const problems = validateWithTenantSchema(definition.outputSchema, report.output ?? null, 'output');
      if (problems.length) Object.assign(report, refused(problems, 'the result does not match the output schema'), { startedAt: report.startedAt, durationMs: report.durationMs, cpuMs: report.cpuMs, memoryBytes: report.memoryBytes, logs: report.logs, usage: report.usage });
    }
    const entry = { tenantId, scriptId: script.id, version: script.version, cause: options.cause, recordId: options.recordId, userId: options.user?.id ?? ctx.principal.userId, profile: ctx.principal.via === 'automation' ? ctx.principal.role : null, input, report };
    if (options.outside) {
      options.outside.log = () => void this.log.record(entry);
      return { invocationId: '', report };
    }
    return { invocationId: this.log.record(entry), report };
  }

  /** Limits for a run inside a write transaction: the tighter of the script's own and the database's bound. */
  transactionLimits(): Partial<ScriptLimits> {
    return TRANSACTION_LIMITS[this.#db.kind];
  }
}

/** For each limit the tighter of two. */
function narrowest(own: Partial<ScriptLimits> | undefined, bound: Partial<ScriptLimits>): Partial<ScriptLimits> {
  const out: Partial<ScriptLimits> = { ...bound };
  for (const [key, value] of Object.entries(own ?? {}) as [keyof ScriptLimits, number][]) {
    const b = bound[key];
    out[key] = b === undefined ? value : Math.min(b, value);
  }
  return out;
}

function refused(problems: FieldProblem[], message = 'the input does not match the input schema'): InvocationReport {
  return {
    ok: false,
    error: { name: 'ValidationError', message, errors: problems.map((p) => ({ field: p.field, message: p.message })) },
    startedAt: new Date(),
    durationMs: 0,
    cpuMs: 0,
    memoryBytes: 0,
    warm: false,
    logs: [],
    usage: { queries: 0, recordsRead: 0, recordsWritten: 0, outboundCalls: 0, logBytes: 0 },
  };
}
