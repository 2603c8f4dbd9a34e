import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import { authenticateRequests, authRoutes } from './auth/auth-routes.ts';
import { AuthService } from './auth/auth-service.ts';
import { PasswordHasher } from './auth/password-hasher.ts';
import type { PasswordCost } from './auth/passwords.ts';
import type { Database } from './db/database.ts';
import { DataService } from './data/data-service.ts';
import { AccessService } from './access/access-service.ts';
import { accessRoutes } from './access/access-routes.ts';
import { DEFAULT_RATE_LIMITS, limitRequestRates, RateLimiter, type RateLimits } from './access/rate-limit.ts';
import { followSharingRules, SharingRules } from './access/sharing.ts';
import { respellStoredRefs, storedFilterDependents } from './data/stored-refs.ts';
import { expressionReadGuard } from './access/expression-reads.ts';
import { automationRestoreGuard } from './access/automation-restores.ts';
import { emptySaveHooks } from './data/save-hooks.ts';
import { notifyOutbox } from './events/outbox-channel.ts';
import { recordRoutes } from './data/record-routes.ts';
import { answerError, MAX_PATH_PART, registerProblemHandler } from './errors/problem-handler.ts';
import { ChangeHub } from './graphql/change-hub.ts';
import { graphqlRoutes } from './graphql/graphql-routes.ts';
import { GraphQLService } from './graphql/graphql-service.ts';
import { healthRoutes } from './health/health-routes.ts';
import { outboundPolicyFrom, type OutboundPolicy } from './webhooks/outbound-guard.ts';
import { webhookRoutes } from './webhooks/webhook-routes.ts';
import { WebhookService, webhookDeliveryFrom, webhookTimingFrom, type WebhookTiming } from './webhooks/webhook-service.ts';
import { homeRoutes } from './home/home-routes.ts';
import { inviteRoutes } from './invites/invite-routes.ts';
import { recycleRoutes } from './recycle/recycle-routes.ts';
import { settingsRoutes } from './workspace/settings-routes.ts';
import { backfillRoutes } from './indexing/backfill-routes.ts';
import { SlotBackfill } from './indexing/slot-backfill.ts';
import { answerClientError, answerConnect } from './http/client-errors.ts';
import { loggerOptions } from './http/log-redaction.ts';
import { registerInputNormalization } from './http/normalize-input.ts';
import { registerSecurityHeaders } from './http/security-headers.ts';
import { RouteCatalog } from './http/route-catalog.ts';
import { checkResponses, type OpenApiDocument } from './http/response-contract.ts';
import { openApiFor } from './data/openapi.ts';
import { MetadataService } from './metadata/metadata-service.ts';
import { metadataRoutes } from './metadata/metadata-routes.ts';
import { studioStatic } from './studio/studio-static.ts';
import { tenantRoutes } from './tenancy/tenant-routes.ts';
import { savedViewRoutes } from './views/saved-views.ts';
import { JobQueue, type JobQueueOptions } from './jobs/index.ts';
import { workflowRoutes } from './workflows/workflow-routes.ts';
import { captureRoutes } from './capture/capture-routes.ts';
import { CaptureService } from './capture/capture-service.ts';
import { requestValidators } from './http/request-validators.ts';
import { keepListPagesFrom } from './data/kept-pages.ts';
import { InboundMail, type InboundMailOptions } from './capture/inbound-mail.ts';
import { WorkflowService, type WorkflowServiceOptions } from './workflows/workflow-service.ts';
import { scriptRoutes } from './scripts/script-routes.ts';
import { ScriptService, type ScriptServiceOptions } from './scripts/script-service.ts';
import { registerScriptHooks, ScriptJobs } from './scripts/script-triggers.ts';
import { logicHooks } from './logic/logic-hooks.ts';
import { tenantZones } from './logic/tenant-zones.ts';
import { LogicRecompute, logicRecomputeRoutes } from './logic/logic-recompute.ts';
import { usePatternEngine } from '@protean/metadata/expressions';
import { linearPatterns } from './logic/linear-patterns.ts';

export interface AppOptions {
  db: Database;
  studioDir?: string | undefined;
  /** The operator token from configuration; without it the hash stored at first start is used. */
  operatorToken?: string | undefined;
  secureCookies?: boolean;
  /** Reverse proxies whose X-Forwarded-For names the client (request.ip); none: the socket's address. */
  trustedProxies?: readonly string[];
  /** Password hashing at OWASP parameters unless configuration says `test` (test servers only). */
  passwordCost?: PasswordCost;
  /** A session unused this long ends in a workspace that chose no idle time; PROTEAN_SESSION_IDLE_MINUTES, 30 minutes unless configured. */
  sessionIdleMs?: number;
  /** How often the credentials of live connections (GraphQL sockets) are checked, besides when one is announced ended; a minute unless set. */
  liveRecheckMs?: number;
  logger?: boolean;
  /** Where the log goes when `logger` is on (standard output unless given). */
  logStream?: { write(line: string): void };
  bodyLimit?: number;
  /** List pages kept and served again while unchanged (ADR 0025); PROTEAN_KEEP_LIST_PAGES, on unless 0. */
  keepListPages?: boolean;
  /**
   * Outbound targets, retry timing and whether this process sends webhooks; by default from the
   * PROTEAN_WEBHOOK_* variables. `deliver: false` keeps this process out of delivering
   * (registration still works): every process that delivers must share one policy and timing,
   * since any of them may send a delivery.
   */
  webhooks?: { policy?: OutboundPolicy; timing?: Partial<WebhookTiming>; deliver?: boolean };
  /** Requests per minute per tenant and per API key (429 with Retry-After beyond). */
  rateLimits?: RateLimits;
  /** The script sandbox and its outbound HTTP (tests pass their own). */
  scripts?: ScriptServiceOptions;
  /** The workflows' job queue (concurrency, lease) and the engine's outside connections (SMTP, private hosts). */
  jobs?: JobQueueOptions;
  workflows?: Omit<WorkflowServiceOptions, 'db' | 'metadata' | 'data' | 'queue'>;
  /** New workspaces start with the relationship-sales automations (production: on; tests ask for them). */
  starterAutomations?: boolean;
  /** The inbound email channel: an SMTP listener that logs mail to the matching customer. */
  inboundSmtp?: InboundMailOptions;
  /** Check every success answer against the OpenAPI document's response schema (test servers: the suite keeps the document true). */
  checkResponses?: boolean;
}

export interface App {
  app: FastifyInstance;
  metadata: MetadataService;
  data: DataService;
  auth: AuthService;
  backfills: SlotBackfill;
  recomputes: LogicRecompute;
  graphql: GraphQLService;
  webhooks: WebhookService;
  access: AccessService;
  sharing: SharingRules;
  scripts: ScriptService;
  jobs: JobQueue;
  workflows: WorkflowService;
  capture: CaptureService;
  /** The inbound SMTP listener's port, when one was asked for. */
  inboundSmtpPort: number | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Who may do what (ADR 0012): route modules check Setup rights through it. */
    access: AccessService;
    /** The tenant API's routes with their schemas, for the OpenAPI document. */
    routeCatalog: RouteCatalog;
  }
}

/** The server, assembled top to bottom: errors, cookies, health, then the API under /api/v1, then the studio. */
export async function buildApp(options: AppOptions): Promise<App> {
  usePatternEngine(linearPatterns);
  const app = Fastify({
    logger: loggerOptions(options.logger ?? false, options.logStream),
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    genReqId: () => randomUUID(),
    // Start-up compiles every route's schemas; on a busy machine that outlasted Fastify's 10 s
    // per plugin and the server refused to start.
    pluginTimeout: 120_000,
    clientErrorHandler: answerClientError,
    // The router's own refusals (a path that does not decode, a part over MAX_PATH_PART) as problems too.
    frameworkErrors: answerError,
    routerOptions: { maxParamLength: MAX_PATH_PART },
    ...(options.trustedProxies?.length ? { trustProxy: options.trustedProxies.join(',') } : {}),
    // Unknown properties are errors; a body's types are its own, never converted (request-validators.ts).
    schemaController: requestValidators,
  });
  app.server.on('connect', answerConnect);
  const metadata = new MetadataService(options.db);
  const hooks = emptySaveHooks();
  // Outbox consumers on every process hear of committed events at once; a hint only, they also poll.
  hooks.afterCommit.push({ name: 'outbox-notify', run: () => void notifyOutbox(options.db) });
  const access = new AccessService(options.db);
  await access.start();
  // A designer's expressions read no field hidden from them.
  metadata.guard(expressionReadGuard(access));
  // Sharing rule conditions follow renames of the fields and values they name.
  metadata.guard(followSharingRules);
  // Views and webhook filters saved by name before are respelled by id before a name they use goes.
  metadata.guard(respellStoredRefs);
  // Nor does a change remove a field or value that a shared view or a webhook filter uses.
  metadata.guard(storedFilterDependents);
  // A restore brings back only automation versions whose profiles the restorer may give.
  metadata.restoreGuard(automationRestoreGuard(access));
  // Sharing rules become share rows in the save's own transaction.
  const sharing = new SharingRules(options.db);
  await sharing.start();
  hooks.afterWrite.push(sharing.hook());
  // Default expressions, stored formulas, dependent picklists, layout and validation rules; roll-ups (ADR 0013).
  const logic = logicHooks(tenantZones, (r) => app.log.warn({ ...r }, 'an expression could not be evaluated'));
  hooks.beforeSave.push(logic.beforeSave);
  hooks.afterWrite.push(logic.afterWrite);
  const data = new DataService(options.db, metadata, hooks, access, { keepListPages: options.keepListPages ?? keepListPagesFrom() });
  data.pages.start();
  app.addHook('onClose', () => data.pages.stop());
  const scripts = new ScriptService(options.db, metadata, data, options.scripts);
  registerScriptHooks(hooks, scripts);
  const auth = new AuthService(options.db, new PasswordHasher(options.passwordCost ?? 'owasp'), { idleMs: options.sessionIdleMs, liveRecheckMs: options.liveRecheckMs });
  await metadata.start();
  await auth.start();
  app.addHook('onClose', () => auth.stop());
  const backfills = new SlotBackfill(options.db, metadata);
  await backfills.start();
  const recomputes = new LogicRecompute(options.db, metadata);
  await recomputes.start();
  app.addHook('onClose', () => recomputes.stop());
  // Before the database closes: a batch in flight finishes, no other starts.
  app.addHook('onClose', () => backfills.stop());
  // GraphQL subscriptions hear of record changes from the outbox, so saves on any process reach them.
  const changes = new ChangeHub(options.db);
  await changes.start();
  app.addHook('onClose', () => changes.stop());
  const graphql = new GraphQLService(data, changes);
  const webhooks = new WebhookService(options.db, metadata, access, options.webhooks?.policy ?? outboundPolicyFrom(), options.webhooks?.timing ?? webhookTimingFrom());
  if (options.webhooks?.deliver ?? webhookDeliveryFrom()) await webhooks.start();
  app.addHook('onClose', () => webhooks.stop());

  // Workflows: runs, waits and timers are jobs; record triggers come from the outbox.
  const jobs = new JobQueue(options.db, options.jobs);
  const workflows = new WorkflowService({
    db: options.db,
    metadata,
    data,
    queue: jobs,
    // Script steps run an active script of the workspace in the sandbox, as the script's principal for the run's.
    scripts: { run: ({ principal, script, input }) => scripts.runStep(principal, script, input) },
    ...options.workflows,
  });
  await workflows.start();
  // Tenant scripts: before-save triggers join the save pipeline; after-save triggers and scheduled scripts run on the same queue.
  await scripts.start();
  // Fastify runs onClose hooks last-registered first: registered before the queue's, this one runs
  // after the queue stopped and its jobs in flight (script runs among them) finished. Then no
  // script runs any more, and the invocation log is written out.
  app.addHook('onClose', () => scripts.stop());
  const scriptJobs = new ScriptJobs(options.db, scripts, metadata, data, jobs);
  await scriptJobs.start();
  app.addHook('onClose', () => scriptJobs.stop());
  await jobs.start();
  app.addHook('onClose', async () => {
    await workflows.stop();
    await jobs.stop();
  });
  const capture = new CaptureService(metadata, data);
  const inbound = options.inboundSmtp ? new InboundMail(options.db, capture, options.inboundSmtp) : undefined;
  const inboundSmtpPort = await inbound?.listen();
  if (inbound) app.addHook('onClose', () => inbound.close());

  app.decorate('access', access);
  const routeCatalog = new RouteCatalog();
  routeCatalog.attach(app);
  app.decorate('routeCatalog', routeCatalog);
  if (options.checkResponses) checkResponses(app, async ({ principal }) => (principal ? ((await openApiFor(metadata, app, principal)) as unknown as OpenApiDocument) : undefined));
  registerProblemHandler(app);
  registerInputNormalization(app);
  registerSecurityHeaders(app, { https: options.secureCookies ?? false });
  await app.register(fastifyCookie);
  await app.register(healthRoutes, { db: options.db });
  await app.register(
    async (api) => {
      authenticateRequests(api, auth, options.secureCookies ?? false);
      const limiter = new RateLimiter(options.rateLimits ?? DEFAULT_RATE_LIMITS, options.db);
      limitRequestRates(api, limiter, access);
      await api.register(accessRoutes, { access, sharing, metadata });
      await api.register(authRoutes, { auth, secureCookies: options.secureCookies ?? false });
      await api.register(tenantRoutes, {
        db: options.db,
        operatorToken: options.operatorToken,
        passwords: auth.passwords,
        // A new workspace has its system profiles at once: its starter automations' principals take one.
        onCreated: async (tenant: { id: string; adminId: string }) => {
          await access.ensureDefaults(tenant.id);
          if (options.starterAutomations) await workflows.installStarter(tenant.id, tenant.adminId);
        },
      });
      await api.register(metadataRoutes, { metadata });
      await api.register(backfillRoutes, { db: options.db, metadata });
      await api.register(logicRecomputeRoutes, { db: options.db, metadata });
      await api.register(recordRoutes, { metadata, data });
      await api.register(graphqlRoutes, { metadata, graphql, auth, limiter });
      await api.register(webhookRoutes, { db: options.db, metadata, webhooks });
      await api.register(savedViewRoutes, { db: options.db, metadata });
      await api.register(scriptRoutes, { db: options.db, metadata, data, scripts });
      await api.register(homeRoutes, { db: options.db, metadata, data });
      await api.register(recycleRoutes, { db: options.db, metadata, data });
      await api.register(settingsRoutes, { db: options.db });
      await api.register(inviteRoutes, { db: options.db, auth, mail: { mailer: workflows.mailer, metadata, publicUrl: options.workflows?.publicUrl } });
      await api.register(workflowRoutes, { workflows });
      await api.register(captureRoutes, { capture });
    },
    { prefix: '/api/v1' },
  );
  if (options.studioDir) await app.register(studioStatic, { distDir: options.studioDir });
  return { app, metadata, data, auth, backfills, recomputes, graphql, webhooks, access, sharing, scripts, jobs, workflows, capture, inboundSmtpPort };
}
