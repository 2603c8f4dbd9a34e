import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { compileScript, sdkTypes } from '@protean/runtime';
import { principalOf, setupOf } from '../auth/principal.ts';
import type { Database } from '../db/database.ts';
import type { DataService } from '../data/data-service.ts';
import type { RequestContext } from '../data/request-context.ts';
import { forbidden, notFound, ProblemError, validationError } from '../errors/problems.ts';
import { recordRightsOf } from '../access/record-access.ts';
import type { MetadataService } from '../metadata/metadata-service.ts';
import type { ObjectDef } from '@protean/metadata';
import type { Principal } from '../auth/principal.ts';
import { invalidScript, ScriptInput } from './script-definition.ts';
import { validateWithTenantSchema } from '../logic/tenant-schemas.ts';
import { readInvocation, readInvocations, type InvocationRow } from './invocation-log.ts';
import type { AccessService } from '../access/access-service.ts';
import { scriptUserOf, type RunResult, type ScriptService } from './script-service.ts';
import { deleteSetting, findScript, listScripts, listSettings, scriptVersion, scriptVersions, writeSetting, type ScriptRecord } from './script-store.ts';
import { basedOn, ifMatchVersions } from '../http/if-match.ts';

const Ref = Type.Object({ ref: Type.String({ minLength: 1, maxLength: 100 }) });
const VersionParams = Type.Object({ ref: Type.String({ minLength: 1, maxLength: 100 }), version: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) });
const InvocationParams = Type.Object({ ref: Type.String({ minLength: 1, maxLength: 100 }), id: Type.String({ format: 'uuid' }) });
const InvocationQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
    before: Type.Optional(Type.String({ format: 'uuid' })),
    outcome: Type.Optional(Type.Union([Type.Literal('ok'), Type.Literal('error'), Type.Literal('limit')])),
  },
  { additionalProperties: false },
);
const CompileBody = Type.Object({ language: Type.Union([Type.Literal('typescript'), Type.Literal('javascript')]), source: Type.String({ maxLength: 100_000 }) }, { additionalProperties: false });
const TestBody = Type.Object(
  {
    recordId: Type.Optional(Type.String({ format: 'uuid' })),
    /** Replaces the input the kind would build (a before-save test of a new record, a scheduled run's time). */
    input: Type.Optional(Type.Unknown()),
    /** An action's parameters. */
    params: Type.Optional(Type.Object({}, { additionalProperties: true })),
    /** Unsaved source to run instead of the live version. */
    source: Type.Optional(Type.String({ maxLength: 100_000 })),
    language: Type.Optional(Type.Union([Type.Literal('typescript'), Type.Literal('javascript')])),
  },
  { additionalProperties: false },
);
const ActionParams = Type.Object({ object: Type.String({ maxLength: 100 }), id: Type.String({ maxLength: 100 }), script: Type.String({ maxLength: 100 }) });
const RecordParams = Type.Object({ object: Type.String({ maxLength: 100 }), id: Type.String({ maxLength: 100 }) });
const ActionBody = Type.Object({ params: Type.Optional(Type.Object({}, { additionalProperties: true })) }, { additionalProperties: false });
const SettingParams = Type.Object({ name: Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_.-]{0,99}$' }) });
const SettingBody = Type.Object({ value: Type.Unknown(), secret: Type.Optional(Type.Boolean()) }, { additionalProperties: false });

/**
 * Which invocations the principal may read: those run with a profile they may give (an entry
 * written before the script's profile was lowered holds what the higher one read).
 */
async function readableBy(access: AccessService, principal: Principal): Promise<(row: InvocationRow) => boolean> {
  const givable = new Set((await access.profilesGivableBy(principal)).filter((p) => p.grantable).map((p) => p.key));
  return (row) => row.profile === null || givable.has(row.profile);
}

/**
 * What a test run of a kind other than before-save is refused beyond its own limits: calls out,
 * which its rollback would not undo. On the embedded database a test run holds its one connection
 * (every tenant's) for as long as it runs, so it gets a before-save trigger's bounds there.
 */
const TEST_RUN_BOUND = Object.freeze({ outboundCalls: 0 });

/** Whether an action may write records: unless it declares it writes none (`limits.recordsWritten: 0`). */
const actionWrites = (definition: { limits?: { recordsWritten?: number } | undefined }): boolean => definition.limits?.recordsWritten !== 0;

// Thrown to undo a test run's writes: a test run never keeps what it wrote.
const ROLLBACK = Symbol('test run rolls back');

/** A script as the API answers it: the live version's definition (source included) and where it stands. */
function view(script: ScriptRecord) {
  const { objectId: _objectId, ...definition } = script.definition;
  return { ...definition, profile: script.profile, id: script.id, active: script.active, version: script.version, hash: script.hash, createdAt: script.createdAt, updatedAt: script.updatedAt };
}

/** The version a save is based on, as `If-Match` names it (records read it the same way). */
function expectedVersion(request: FastifyRequest, current: number): number | undefined {
  const versions = ifMatchVersions(request.headers, 'script');
  return versions === undefined ? undefined : basedOn(versions, current);
}

/** An action's or test run's result: 200 with the output, or the script's failure as a problem naming its invocation. */
function answer(result: RunResult, asProblem: boolean) {
  const { report, invocationId } = result;
  const body = {
    invocationId,
    ok: report.ok,
    output: report.output ?? null,
    error: report.error ?? null,
    logs: report.logs,
    durationMs: report.durationMs,
    cpuMs: report.cpuMs,
    memoryBytes: report.memoryBytes,
    usage: report.usage,
  };
  if (report.ok || !asProblem) return body;
  const error = report.error!;
  if (error.limit) throw new ProblemError('limit-exceeded', 422, error.message, undefined, { invocationId, limit: error.limit });
  const problems = error.errors?.length ? error.errors.map((e) => ({ field: e.field, code: 'script', message: e.message })) : [{ field: '', code: 'script', message: error.message }];
  throw validationError(error.message, problems, 422, { invocationId });
}

export async function scriptRoutes(app: FastifyInstance, options: { db: Database; metadata: MetadataService; data: DataService; scripts: ScriptService }): Promise<void> {
  const { db, metadata, data, scripts } = options;
  const load = async (tenantId: string, ref: string) => {
    const script = await db.withTenant(tenantId, (q) => findScript(q, tenantId, ref));
    if (!script) throw notFound(`No script '${ref}'`);
    return script;
  };
  /** A record the caller read, as the script's principal reads it: undefined when out of its reach. */
  const asReadBy = async (acting: RequestContext, object: ObjectDef, record: Record<string, unknown>) =>
    data.get(acting, object, String(record['id'])).catch((error: unknown) => {
      if ((error as { status?: number }).status === 404) return undefined;
      throw error;
    });
  const contextOf = async (request: FastifyRequest): Promise<RequestContext> => {
    const principal = principalOf(request);
    return { principal, model: await metadata.model(principal.tenantId) };
  };

  app.get('/scripts/sdk.d.ts', async (_request, reply) => reply.type('text/plain; charset=utf-8').send(sdkTypes()));

  app.post('/scripts/compile', { schema: { body: CompileBody } }, async (request) => {
    await setupOf(request, 'model');
    const body = request.body as Static<typeof CompileBody>;
    const result = compileScript(body.source, body.language);
    return result.ok ? { ok: true, errors: [], hash: result.script.hash } : { ok: false, errors: result.errors };
  });

  app.get('/scripts', async (request) => {
    const principal = await setupOf(request, 'model');
    return { data: (await db.withTenant(principal.tenantId, (q) => listScripts(q, principal.tenantId))).map(view) };
  });

  app.post('/scripts', { schema: { body: ScriptInput } }, async (request, reply) => {
    const principal = await setupOf(request, 'model');
    const script = await scripts.save(principal, request.body as ScriptInput);
    return reply.status(201).header('etag', `"${script.version}"`).header('location', `/api/v1/scripts/${script.id}`).send(view(script));
  });

  app.get('/scripts/:ref', { schema: { params: Ref } }, async (request, reply) => {
    const principal = await setupOf(request, 'model');
    const script = await load(principal.tenantId, (request.params as Static<typeof Ref>).ref);
    return reply.header('etag', `"${script.version}"`).send(view(script));
  });

  app.put('/scripts/:ref', { schema: { params: Ref, body: ScriptInput } }, async (request, reply) => {
    const principal = await setupOf(request, 'model');
    const current = await load(principal.tenantId, (request.params as Static<typeof Ref>).ref);
    const script = await scripts.save(principal, request.body as ScriptInput, current.id, expectedVersion(request, current.version));
    return reply.header('etag', `"${script.version}"`).send(view(script));
  });

  app.delete('/scripts/:ref', { schema: { params: Ref } }, async (request, reply) => {
    const principal = await setupOf(request, 'model');
    await scripts.remove(principal, (request.params as Static<typeof Ref>).ref);
    return reply.status(204).send();
  });

  app.get('/scripts/:ref/versions', { schema: { params: Ref } }, async (request) => {
    const principal = await setupOf(request, 'model');
    const script = await load(principal.tenantId, (request.params as Static<typeof Ref>).ref);
    return { data: await db.withTenant(principal.tenantId, (q) => scriptVersions(q, principal.tenantId, script.id)) };
  });

  app.get('/scripts/:ref/versions/:version', { schema: { params: VersionParams } }, async (request) => {
    const principal = await setupOf(request, 'model');
    const params = request.params as Static<typeof VersionParams>;
    const script = await load(principal.tenantId, params.ref);
    const found = await db.withTenant(principal.tenantId, (q) => scriptVersion(q, principal.tenantId, script.id, params.version));
    if (!found) throw notFound(`Script '${script.apiName}' has no version ${params.version}`);
    const { code: _code, sourceMap: _map, definition, ...summary } = found;
    return { ...summary, ...definition };
  });

  app.post('/scripts/:ref/versions/:version/restore', { schema: { params: VersionParams } }, async (request) => {
    const principal = await setupOf(request, 'model');
    const params = request.params as Static<typeof VersionParams>;
    return view(await scripts.restore(principal, params.ref, params.version));
  });

  app.get('/scripts/:ref/invocations', { schema: { params: Ref, querystring: InvocationQuery } }, async (request) => {
    const principal = await setupOf(request, 'model');
    const script = await load(principal.tenantId, (request.params as Static<typeof Ref>).ref);
    // Invocations hold what the script's profile read: only for whoever holds at least that profile.
    await scripts.requireAnswerable(principal, script.id);
    const query = request.query as Static<typeof InvocationQuery>;
    const limit = query.limit ?? 50;
    const rows = await db.withTenant(principal.tenantId, (q) => readInvocations(q, principal.tenantId, script.id, { limit: limit + 1, before: query.before, outcome: query.outcome }));
    const page = rows.slice(0, limit);
    const readable = await readableBy(request.server.access, principal);
    return { data: page.filter(readable), nextBefore: rows.length > limit ? page[page.length - 1]!.id : null };
  });

  app.get('/scripts/:ref/invocations/:id', { schema: { params: InvocationParams } }, async (request) => {
    const principal = await setupOf(request, 'model');
    const params = request.params as Static<typeof InvocationParams>;
    const script = await load(principal.tenantId, params.ref);
    await scripts.requireAnswerable(principal, script.id);
    const row = await db.withTenant(principal.tenantId, (q) => readInvocation(q, principal.tenantId, script.id, params.id));
    if (!row || !(await readableBy(request.server.access, principal))(row)) throw notFound('No such invocation');
    return row;
  });

  /**
   * Runs a script as a test: the live version, or unsaved source, against a chosen record. It runs
   * inside a transaction that is rolled back afterwards, so its record writes are never kept. It
   * meets the limits of the run it stands for (a before-save trigger's inside its transaction, the
   * others' their own), so it stops where that run would and nowhere else; only outbound calls,
   * which no rollback undoes, are refused.
   */
  app.post('/scripts/:ref/test', { schema: { params: Ref, body: TestBody } }, async (request) => {
    const principal = await setupOf(request, 'model');
    const body = request.body as Static<typeof TestBody>;
    const saved = await load(principal.tenantId, (request.params as Static<typeof Ref>).ref);
    // A test run acts as the script's profile and answers what it read.
    await scripts.requireAnswerable(principal, saved.id);
    let script: ScriptRecord = saved;
    if (body.source !== undefined) {
      const compiled = compileScript(body.source, body.language ?? saved.definition.language);
      if (!compiled.ok) throw invalidScript(compiled.errors.map((e) => ({ field: 'source', code: 'compile', message: `line ${e.line}, column ${e.column}: ${e.message}`, line: e.line, column: e.column })));
      script = { ...saved, code: compiled.script.code, sourceMap: compiled.script.sourceMap, hash: compiled.script.hash };
    }
    const ctx = await contextOf(request);
    const object = saved.definition.object ? data.object(ctx.model, saved.definition.object) : undefined;
    // The designer chooses among records they see; the script gets it as its principal reads it.
    const acting: RequestContext = { ...ctx, principal: scripts.principalOf(saved, ctx.principal) };
    const chosen = body.recordId && object ? await data.get(ctx, object, body.recordId) : undefined;
    const record = chosen && object ? await asReadBy(acting, object, chosen) : undefined;
    if (chosen && !record) throw validationError('The script does not reach this record', [{ field: 'recordId', code: 'outOfReach', message: `the profile '${saved.profile ?? 'none'}' the script acts as does not reach this record` }]);
    if (saved.kind !== 'scheduled' && saved.kind !== 'beforeSave' && !record && body.input === undefined) {
      throw validationError('Choose a record to test against', [{ field: 'recordId', code: 'required', message: `a ${saved.kind} script runs on a record` }]);
    }
    const input =
      body.input !== undefined
        ? body.input
        : saved.kind === 'beforeSave'
          ? { object: object!.apiName, action: record ? 'update' : 'create', record: record ?? {}, ...(record ? { previous: record } : {}) }
          : saved.kind === 'afterSave'
            ? { object: object!.apiName, event: 'updated', recordId: record!['id'], record }
            : saved.kind === 'action'
              ? { object: object!.apiName, recordId: record!['id'], record, params: body.params ?? {} }
              : { scheduledAt: new Date().toISOString() };
    let result: RunResult | undefined;
    await db
      .writeTransaction(principal.tenantId, async (tx, revision) => {
        const model = revision === ctx.model.revision ? ctx.model : await metadata.modelAt(principal.tenantId, revision, tx);
        result = await scripts.run(script, { ...acting, model, scope: { tx, model, afterCommit: [] } }, input, { cause: 'test', recordId: body.recordId, user: scriptUserOf(ctx.principal), limits: saved.kind === 'beforeSave' || db.kind === 'pglite' ? scripts.transactionLimits() : TEST_RUN_BOUND });
        throw ROLLBACK;
      })
      .catch((error: unknown) => {
        if (error !== ROLLBACK) throw error;
      });
    return answer(result!, false);
  });

  /** The record actions of an object: what the record page shows as buttons, with their parameter forms. */
  app.get('/records/:object/:id/actions', { schema: { params: RecordParams } }, async (request) => {
    const ctx = await contextOf(request);
    const params = request.params as Static<typeof RecordParams>;
    const object = data.object(ctx.model, params.object);
    await data.get(ctx, object, params.id);
    const actions = (await scripts.activeScripts(ctx.principal.tenantId)).filter((s) => s.kind === 'action' && s.objectId === object.id);
    return { data: actions.map((s) => ({ apiName: s.apiName, label: s.definition.label, description: s.definition.description ?? null, inputSchema: s.definition.inputSchema ?? null, writes: actionWrites(s.definition) })) };
  });

  /**
   * Runs a record action on a record the signed-in user sees (and may edit, if it writes), with
   * parameters checked against its input schema, as the script's automation principal: it gets the
   * record as that principal reads it, or only its id when the record is out of its reach.
   */
  app.post('/records/:object/:id/actions/:script', { schema: { params: ActionParams, body: ActionBody } }, async (request) => {
    const ctx = await contextOf(request);
    const params = request.params as Static<typeof ActionParams>;
    const object = data.object(ctx.model, params.object);
    const script = (await scripts.activeScripts(ctx.principal.tenantId)).find((s) => s.kind === 'action' && s.objectId === object.id && (s.apiName === params.script || s.id === params.script));
    if (!script) throw notFound(`No action '${params.script}' on this object`);
    const record = await data.get(ctx, object, params.id);
    // An action that may write is the user's change to the record: offered and run only where they may edit it (ADR 0012).
    if (actionWrites(script.definition)) {
      const shape = await request.server.access.shapeOf(ctx.principal);
      const rights = await db.withTenant(ctx.principal.tenantId, (q) => recordRightsOf(q, shape, object, [String(record['id'])]));
      if (!rights.get(String(record['id']))?.edit) throw forbidden(`The action '${script.definition.label}' may change this record, which you may only read`);
    }
    const actionParams = (request.body as Static<typeof ActionBody> | undefined)?.params ?? {};
    const problems = validateWithTenantSchema(script.definition.inputSchema, actionParams, 'params');
    if (problems.length) throw validationError(problems.length === 1 ? `${problems[0]!.field}: ${problems[0]!.message}` : `${problems.length} parameters are invalid`, problems);
    const acting: RequestContext = { ...ctx, principal: scripts.principalOf(script, ctx.principal) };
    const seen = await asReadBy(acting, object, record);
    const result = await scripts.run(script, acting, { object: object.apiName, recordId: params.id, ...(seen ? { record: seen } : {}), params: actionParams }, { cause: 'action', recordId: params.id, user: scriptUserOf(ctx.principal) });
    return answer(result, true);
  });

  /** The profiles a script may act as, each saying whether the caller may give it (the rule a save applies): what the studio offers. */
  app.get('/script-profiles', async (request) => {
    const principal = await setupOf(request, 'model');
    return request.server.access.profilesGivableBy(principal);
  });

  app.get('/script-settings', async (request) => {
    const principal = await setupOf(request, 'model');
    const rows = await db.withTenant(principal.tenantId, (q) => listSettings(q, principal.tenantId));
    // Secret values are written, never read back through the API.
    return { data: rows.map((r) => (r.secret ? { name: r.name, secret: true, value: null, updatedAt: r.updatedAt } : r)) };
  });

  app.put('/script-settings/:name', { schema: { params: SettingParams, body: SettingBody } }, async (request) => {
    const principal = await setupOf(request, 'model');
    const { name } = request.params as Static<typeof SettingParams>;
    const body = request.body as Static<typeof SettingBody>;
    if (body.value === undefined) throw validationError('A setting needs a value', [{ field: 'value', code: 'required', message: 'is required' }]);
    if (JSON.stringify(body.value).length > 16_384) throw new ProblemError('payload-too-large', 413, 'A setting holds at most 16 KB');
    await db.transaction(principal.tenantId, (q) => writeSetting(q, principal.tenantId, name, body.value, body.secret ?? false));
    return { name, secret: body.secret ?? false, value: body.secret ? null : body.value };
  });

  app.delete('/script-settings/:name', { schema: { params: SettingParams } }, async (request, reply) => {
    const principal = await setupOf(request, 'model');
    const { name } = request.params as Static<typeof SettingParams>;
    if (!(await db.transaction(principal.tenantId, (q) => deleteSetting(q, principal.tenantId, name)))) throw notFound(`No setting '${name}'`);
    return reply.status(204).send();
  });
}
