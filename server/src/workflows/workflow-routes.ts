import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { setupOf, principalOf } from '../auth/principal.ts';
import { localeOfRequest } from '../errors/problem-handler.ts';
import { validationError } from '../errors/problems.ts';
import { errorsIn, pausedReasonIn, type PauseDetail } from './run-errors.ts';
import type { WorkflowService } from './workflow-service.ts';

const IdParam = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const RunParam = Type.Object({ runId: Type.String({ format: 'uuid' }) });
const UuidParam = Type.Object({ id: Type.String({ format: 'uuid' }) });
const NewWorkflow = Type.Object(
  {
    apiName: Type.String({ maxLength: 63 }),
    label: Type.String({ maxLength: 200 }),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    definition: Type.Unknown(),
    message: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);
const WorkflowPatch = Type.Object(
  {
    label: Type.Optional(Type.String({ maxLength: 200 })),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    definition: Type.Optional(Type.Unknown()),
    message: Type.Optional(Type.String({ maxLength: 500 })),
    expectedVersion: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483_647 })),
  },
  { additionalProperties: false, minProperties: 1 },
);
const StartRun = Type.Object(
  { recordId: Type.Optional(Type.String({ maxLength: 100 })), input: Type.Optional(Type.Record(Type.String(), Type.Unknown())), test: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);
const RunsQuery = Type.Object(
  {
    status: Type.Optional(Type.Union(['queued', 'running', 'waiting', 'completed', 'failed', 'cancelled'].map((s) => Type.Literal(s)))),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
    before: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);
const VersionQuery = Type.Object({ version: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483_647 })) }, { additionalProperties: false });
const Signal = Type.Object(
  { event: Type.String({ pattern: '^[a-z][a-z0-9_.]{0,62}$' }), recordId: Type.Optional(Type.String({ format: 'uuid' })), data: Type.Optional(Type.Unknown()) },
  { additionalProperties: false },
);
const Decision = Type.Object(
  { decision: Type.Union([Type.Literal('approved'), Type.Literal('rejected')]), comment: Type.Optional(Type.String({ maxLength: 2000 })) },
  { additionalProperties: false },
);
const Reassign = Type.Object({ assignees: Type.Array(Type.String({ format: 'uuid' }), { minItems: 1, maxItems: 20 }) }, { additionalProperties: false });
const EmailDecision = Type.Object(
  {
    tenant: Type.String({ maxLength: 100 }),
    decision: Type.String({ maxLength: 20 }),
    user: Type.String({ format: 'uuid' }),
    token: Type.String({ maxLength: 200 }),
  },
  { additionalProperties: false },
);
const Settings = Type.Object(
  {
    maxConcurrentRuns: Type.Optional(Type.Integer()),
    maxStepsPerRun: Type.Optional(Type.Integer()),
    maxLoopItems: Type.Optional(Type.Integer()),
    pauseAfterFailures: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false, minProperties: 1 },
);
const ButtonsQuery = Type.Object({ object: Type.String({ minLength: 1, maxLength: 63 }) }, { additionalProperties: false });
const HookParams = Type.Object({ tenant: Type.String({ maxLength: 100 }), apiName: Type.String({ maxLength: 63 }) });

/** The workflow API: designers define and run workflows; any user sees and decides the approvals addressed to them. */
export async function workflowRoutes(app: FastifyInstance, options: { workflows: WorkflowService }): Promise<void> {
  const w = options.workflows;

  // Any user: the hand-started workflows a record page or list of the object offers as buttons.
  app.get<{ Querystring: Static<typeof ButtonsQuery> }>('/workflow-buttons', { schema: { querystring: ButtonsQuery } }, async (request) => ({
    buttons: await w.manualButtons(principalOf(request), request.query.object),
  }));

  app.get('/workflows', async (request) => {
    const p = await setupOf(request, 'model');
    return { workflows: (await w.list(p.tenantId)).map((wf) => publicWorkflow(wf, request)) };
  });

  app.post<{ Body: Static<typeof NewWorkflow> }>('/workflows', { schema: { body: NewWorkflow } }, async (request, reply) => {
    const p = await setupOf(request, 'model');
    const wf = await w.create(p, request.body);
    return reply.code(201).send(publicWorkflow(wf, request));
  });

  app.get<{ Params: Static<typeof IdParam>; Querystring: Static<typeof VersionQuery> }>('/workflows/:id', { schema: { params: IdParam, querystring: VersionQuery } }, async (request) => {
    const p = await setupOf(request, 'model');
    const wf = await w.get(p.tenantId, request.params.id, request.query.version);
    return { ...publicWorkflow(wf, request), definition: wf.definition, shownVersion: wf.shownVersion };
  });

  app.patch<{ Params: Static<typeof IdParam>; Body: Static<typeof WorkflowPatch> }>('/workflows/:id', { schema: { params: IdParam, body: WorkflowPatch } }, async (request) => {
    const p = await setupOf(request, 'model');
    const { expectedVersion, ...input } = request.body;
    return publicWorkflow(await w.update(p, request.params.id, input, expectedVersion), request);
  });

  app.post<{ Params: Static<typeof IdParam> }>('/workflows/:id/activate', { schema: { params: IdParam } }, async (request) => {
    // An optional body { profile } sets the profile of the automation principal the runs act as.
    const body = (request.body ?? {}) as { profile?: unknown };
    if (body.profile !== undefined && (typeof body.profile !== 'string' || !body.profile || body.profile.length > 63)) {
      throw validationError('The activation is not valid', [{ field: 'profile', code: 'invalid', message: 'must be the key of a profile' }]);
    }
    const p = await setupOf(request, 'model');
    // Runs act as that profile: no one gives a workflow more than they hold themselves (ADR 0012),
    // nor starts it again with a profile that holds more.
    if (typeof body.profile === 'string') await request.server.access.requireGrantable(p, body.profile, 'profile');
    else await w.requireAnswerable(p, request.params.id);
    return publicWorkflow(await w.setActive(p, request.params.id, true, body.profile as string | undefined), request);
  });
  app.post<{ Params: Static<typeof IdParam> }>('/workflows/:id/deactivate', { schema: { params: IdParam } }, async (request) => publicWorkflow(await w.setActive(await setupOf(request, 'model'), request.params.id, false), request));

  app.get<{ Params: Static<typeof IdParam> }>('/workflows/:id/versions', { schema: { params: IdParam } }, async (request) => ({ versions: await w.versions((await setupOf(request, 'model')).tenantId, request.params.id) }));

  app.get<{ Params: Static<typeof IdParam> }>('/workflows/:id/webhook', { schema: { params: IdParam } }, async (request) => {
    const p = await setupOf(request, 'model');
    // Whoever holds the secret starts runs that act as the workflow's profile.
    await w.requireAnswerable(p, request.params.id);
    const wf = await w.get(p.tenantId, request.params.id);
    return { url: `/api/v1/hooks/${p.tenantSlug}/workflows/${wf.apiName}`, secret: await w.webhookSecret(p.tenantId, request.params.id), signature: 't=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body" with the secret>' };
  });

  app.post<{ Params: Static<typeof IdParam>; Body: Static<typeof StartRun> }>('/workflows/:id/runs', { schema: { params: IdParam, body: StartRun } }, async (request, reply) => {
    const p = principalOf(request);
    // A test run is a designer's tool, for one who answers for what the run may do; starting a
    // manual workflow is open to users who can see the button.
    if (request.body.test) await w.requireAnswerable(await setupOf(request, 'model'), request.params.id);
    return reply.code(202).send(await w.startManual(p, request.params.id, request.body, await request.server.access.shapeOf(p)));
  });

  app.get<{ Params: Static<typeof IdParam>; Querystring: Static<typeof RunsQuery> }>('/workflows/:id/runs', { schema: { params: IdParam, querystring: RunsQuery } }, async (request) => {
    const p = await setupOf(request, 'model');
    // Runs hold records as the workflow's profile read them.
    await w.requireAnswerable(p, request.params.id);
    const locale = localeOfRequest(request);
    return { runs: (await w.runs(p.tenantId, request.params.id, request.query)).map((run) => errorsIn(run, locale)) };
  });

  app.get<{ Params: Static<typeof IdParam> }>('/workflows/:id/run-counts', { schema: { params: IdParam } }, async (request) => ({ counts: await w.runCounts((await setupOf(request, 'model')).tenantId, request.params.id) }));

  app.get<{ Params: Static<typeof RunParam> }>('/workflow-runs/:runId', { schema: { params: RunParam } }, async (request) => {
    const p = await setupOf(request, 'model');
    const run = await w.run(p.tenantId, request.params.runId);
    await w.requireAnswerable(p, run.workflowId);
    // Errors are stored in English with their parts; the answer is in the request's language.
    const locale = localeOfRequest(request);
    return { ...errorsIn(run, locale), steps: run.steps.map((step) => errorsIn(step, locale)) };
  });
  // Retrying runs the steps again as the workflow's profile; both answer to whoever answers for it.
  const answerableRun = async (request: FastifyRequest<{ Params: Static<typeof RunParam> }>) => {
    const p = await setupOf(request, 'model');
    await w.requireAnswerable(p, (await w.run(p.tenantId, request.params.runId)).workflowId);
    return p;
  };
  app.post<{ Params: Static<typeof RunParam> }>('/workflow-runs/:runId/retry', { schema: { params: RunParam } }, async (request, reply) => {
    await w.retry((await answerableRun(request)).tenantId, request.params.runId);
    return reply.code(202).send({ retried: true });
  });
  app.post<{ Params: Static<typeof RunParam> }>('/workflow-runs/:runId/cancel', { schema: { params: RunParam } }, async (request) => {
    await w.cancel((await answerableRun(request)).tenantId, request.params.runId);
    return { cancelled: true };
  });

  app.post<{ Body: Static<typeof Signal> }>('/workflow-events', { schema: { body: Signal } }, async (request) => {
    const p = await setupOf(request, 'model');
    return w.signal(p.tenantId, request.body.event, request.body.recordId, request.body.data);
  });

  // An approval is decided by its approvers and by administrators, who hold the Setup right 'access'
  // (ADR 0015, "Who decides an approval"); designing workflows ('model') gives no say in them.
  app.get('/workflow-approvals', async (request) => ({ approvals: await w.approvals(principalOf(request), request.setupRights?.access === true) }));
  app.post<{ Params: Static<typeof UuidParam>; Body: Static<typeof Decision> }>('/workflow-approvals/:id/decision', { schema: { params: UuidParam, body: Decision } }, async (request) => {
    const p = principalOf(request);
    const settled = await w.decide(p.tenantId, request.params.id, p.userId, request.setupRights?.access === true, request.body.decision, request.body.comment);
    return { decided: request.body.decision, ...settled };
  });
  // What a designer picks approvers from: the workspace's profiles and roles (names only, no members).
  app.get('/workflow-approver-choices', async (request) => w.approverChoices((await setupOf(request, 'model')).tenantId));
  app.post<{ Params: Static<typeof UuidParam>; Body: Static<typeof Reassign> }>('/workflow-approvals/:id/reassign', { schema: { params: UuidParam, body: Reassign } }, async (request) => {
    const p = await setupOf(request, 'access');
    return w.reassign(p.tenantId, request.params.id, request.body.assignees);
  });
  // The link in an approval email: signed per approver and decision, so it works without signing in.
  app.get<{ Params: Static<typeof UuidParam>; Querystring: Static<typeof EmailDecision> }>(
    '/workflow-approvals/:id/email-decision',
    { schema: { params: UuidParam, querystring: EmailDecision } },
    async (request, reply) => {
      const q = request.query;
      const settled = await w.decideFromEmail(q.tenant, request.params.id, q.user, q.decision, q.token);
      const said = q.decision === 'approved' ? (settled.status === 'pending' ? 'Approved; the request waits for the other approvers.' : 'Approved.') : 'Rejected.';
      return reply.type('text/plain; charset=utf-8').send(`${said} You can close this page.`);
    },
  );

  app.get<{ Querystring: { unread?: boolean } }>('/notifications', { schema: { querystring: Type.Object({ unread: Type.Optional(Type.Boolean()) }, { additionalProperties: false }) } }, async (request) => ({
    notifications: await w.notifications(principalOf(request), request.query.unread === true),
  }));
  app.post<{ Params: Static<typeof UuidParam> }>('/notifications/:id/read', { schema: { params: UuidParam } }, async (request) => {
    await w.markRead(principalOf(request), request.params.id);
    return { read: true };
  });

  app.post<{ Params: { name: string } }>('/workflow-templates/:name/install', { schema: { params: Type.Object({ name: Type.String({ maxLength: 50 }) }) } }, async (request, reply) => {
    return reply.code(201).send({ installed: await w.installTemplate(await setupOf(request, 'model'), request.params.name) });
  });

  app.get('/workflow-settings', async (request) => w.settings((await setupOf(request, 'model')).tenantId));
  app.patch<{ Body: Static<typeof Settings> }>('/workflow-settings', { schema: { body: Settings } }, async (request) => w.saveSettings((await setupOf(request, 'model')).tenantId, request.body));

  // Inbound webhooks: no session or key; the signature over the raw body is the credential.
  await app.register(async (hooks) => {
    hooks.removeAllContentTypeParsers();
    hooks.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 256 * 1024 }, (_request, body, done) => done(null, body));
    hooks.post<{ Params: Static<typeof HookParams>; Body: string }>('/hooks/:tenant/workflows/:apiName', { schema: { params: HookParams } }, async (request, reply) => {
      if (typeof request.body !== 'string') throw validationError('The body is missing', [{ field: 'body', code: 'required', message: 'send a JSON object' }], 400);
      const signature = request.headers['x-protean-signature'];
      const result = await w.startFromWebhook(request.params.tenant, request.params.apiName, typeof signature === 'string' ? signature : undefined, request.body);
      return reply.code(202).send(result);
    });
  });
}

/** A workflow without its webhook secret, its paused reason in the request's language. */
function publicWorkflow<T extends { webhookSecret: string; pausedReason: string | null; pausedDetail: PauseDetail | null }>(wf: T, request: FastifyRequest): Omit<Omit<T, 'webhookSecret'>, 'pausedDetail'> {
  const { webhookSecret: _secret, ...rest } = wf;
  return pausedReasonIn(rest, localeOfRequest(request));
}
