import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { LocaleSchema } from '../metadata/words.ts';
import { forbidden, notFound, ProblemError, unauthorized, validationError } from '../errors/problems.ts';
import { principalOf, setupOf, type Principal } from './principal.ts';
import { AccessService, actorOf } from '../access/access-service.ts';
import { parseSessionCookie, SESSION_COOKIE, SESSION_TTL_MS, type AuthService, type Credentials } from './auth-service.ts';
import { bearerToken } from './bearer.ts';
import { checkCrossSite, csrfTokenOf } from './csrf.ts';
import { UUID } from '../http/ids.ts';
import { DEVICE_COOKIE, DEVICE_TRUST_MS } from './trusted-devices.ts';

const Login = Type.Object({ tenant: Type.String({ minLength: 1, maxLength: 63 }), email: Type.String({ minLength: 3, maxLength: 254 }), password: Type.String({ minLength: 1, maxLength: 1024 }) }, { additionalProperties: false });
// A profile key: 'admin', 'standard', 'read_only' or one the workspace made (checked against its profiles).
const Role = Type.String({ pattern: '^[a-z][a-z0-9_]{1,62}$' });
const NewUser = Type.Object(
  { email: Type.String({ format: 'email', maxLength: 254 }), name: Type.String({ minLength: 1, maxLength: 120 }), role: Role, password: Type.String({ minLength: 10, maxLength: 1024 }), locale: Type.Optional(LocaleSchema) },
  { additionalProperties: false },
);
const UserPatch = Type.Object(
  { name: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })), role: Type.Optional(Role), locale: Type.Optional(LocaleSchema), active: Type.Optional(Type.Boolean()) },
  { additionalProperties: false, minProperties: 1 },
);
const NewPassword = Type.Object(
  { password: Type.String({ minLength: 10, maxLength: 1024 }), currentPassword: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })) },
  { additionalProperties: false },
);
const OwnSettings = Type.Object({ locale: LocaleSchema }, { additionalProperties: false });
// Any whole number passes the schema: one outside the choices is refused by the service, naming them.
const SessionSettingsPatch = Type.Object({ idleMinutes: Type.Integer() }, { additionalProperties: false });
const NewApiKey = Type.Object({ name: Type.String({ minLength: 1, maxLength: 120 }) }, { additionalProperties: false });
const IdParam = Type.Object({ id: Type.String() });

/** The session cookie's name: with secure cookies the `__Host-` prefix binds it to this host, HTTPS and path /. */
export const sessionCookieName = (secure: boolean) => (secure ? `__Host-${SESSION_COOKIE}` : SESSION_COOKIE);

declare module 'fastify' {
  interface FastifyRequest {
    /** The credential the request was judged by: what a connection outliving the request is held to (AuthService.hold). */
    credentials: Credentials | null;
  }
  interface FastifyContextConfig {
    /** false: the request does not count as its session's use (asking when the session ends must not keep it). */
    sessionUse?: boolean;
  }
}

/**
 * On every answer to a session's request: how many milliseconds until the session ends unless
 * used again (idle time, or its 12 hours), so the studio warns before it does (ADR 0007).
 */
export const SESSION_ENDS_IN_HEADER = 'x-session-ends-in';

/** Ending sessions is for the session's own browser: an API key is not a session, and a leaked one must not sign its owner out. */
const refuseApiKey = (p: Principal) => {
  if (p.via === 'apiKey') throw forbidden('An API key cannot end sessions: sign in to end your sessions (a key is not a session, and ending them is not an integration’s to do)');
};

/** Resolves the principal of every request in `scope` (and the scopes registered inside it), refusing cross-site writes first. */
export function authenticateRequests(scope: FastifyInstance, auth: AuthService, secureCookies = false): void {
  const cookieName = sessionCookieName(secureCookies);
  scope.decorateRequest('principal', null);
  scope.decorateRequest('credentials', null);
  const resolved = (request: FastifyRequest, reply: FastifyReply, principal: Principal | null, cookie: string | undefined) => {
    // The language chosen in the UI (Accept-Language) wins over the user's stored one.
    const asked = preferredLocale(request.headers['accept-language']);
    request.principal = principal && asked && asked !== principal.locale ? { ...principal, locale: asked } : principal;
    const endsIn = principal?.via === 'session' && cookie ? auth.sessionEndsIn(cookie) : undefined;
    if (endsIn !== undefined) void reply.header(SESSION_ENDS_IN_HEADER, String(Math.round(endsIn)));
  };
  // A callback hook: credentials verified a moment ago (most requests) are resolved without a promise.
  scope.addHook('onRequest', (request, reply, done) => {
    const bearer = bearerToken(request.headers.authorization);
    // A request that says Bearer is judged by that alone, as the cross-site check lets it through
    // for saying so: a blank one ('Bearer ' and a no-break space) let the ambient cookie act unchecked.
    const cookie = bearer === undefined ? request.cookies[cookieName] : undefined;
    checkCrossSite(request, bearer, cookie);
    const credentials = { bearer, cookie };
    request.credentials = credentials;
    const uses = request.routeOptions.config.sessionUse !== false;
    const known = auth.knownPrincipal(credentials, uses);
    if (known !== undefined) {
      resolved(request, reply, known, cookie);
      done();
      return;
    }
    auth.authenticate(credentials, uses).then(
      (principal) => {
        resolved(request, reply, principal, cookie);
        done();
      },
      (error: Error) => done(error),
    );
  });
}

const SUPPORTED_LOCALES = ['en', 'zh-CN'] as const;

/** The first supported language of an Accept-Language header (`zh`, `zh-CN`, `zh-Hans` → zh-CN). */
export function preferredLocale(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const ranked = header
    .split(',')
    .map((part) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^q=([0-9.]+)$/.exec(p.trim())?.[1]).find(Boolean);
      return { tag: tag.toLowerCase(), q: q === undefined ? 1 : Number(q) };
    })
    .sort((a, b) => b.q - a.q);
  for (const { tag } of ranked) {
    if (tag === 'en' || tag.startsWith('en-')) return 'en';
    if (tag === 'zh' || tag.startsWith('zh-')) return 'zh-CN';
  }
  return SUPPORTED_LOCALES.find((l) => l.toLowerCase() === ranked[0]?.tag);
}

/** Login, logout, the current user, users and API keys. */
export async function authRoutes(app: FastifyInstance, options: { auth: AuthService; secureCookies: boolean }): Promise<void> {
  const { auth } = options;
  const cookieName = sessionCookieName(options.secureCookies);
  // Its path is sign-in's alone, so it cannot take __Host-; __Secure- still keeps it to HTTPS.
  const deviceCookieName = options.secureCookies ? `__Secure-${DEVICE_COOKIE}` : DEVICE_COOKIE;

  app.post('/auth/login', { schema: { body: Login } }, async (request, reply) => {
    const body = request.body as Static<typeof Login>;
    const session = await withRetryAfter(reply, () =>
      auth.login(body.tenant, body.email, body.password, { address: request.ip, userAgent: request.headers['user-agent'], deviceCookie: request.cookies[deviceCookieName] }),
    );
    const httpOnly = { httpOnly: true, secure: options.secureCookies } as const;
    void reply.setCookie(cookieName, session.cookie, { ...httpOnly, sameSite: 'lax', path: '/', maxAge: Math.floor(SESSION_TTL_MS / 1000) });
    // Sent back only to sign-in: it says this browser signed in to the account before.
    void reply.setCookie(deviceCookieName, session.deviceCookie, { ...httpOnly, sameSite: 'strict', path: '/api/v1/auth/login', maxAge: Math.floor(DEVICE_TRUST_MS / 1000) });
    return {
      user: { id: session.principal.userId, name: session.principal.userName, email: session.email, role: session.principal.role, locale: session.principal.locale },
      tenant: { id: session.principal.tenantId, slug: session.principal.tenantSlug, name: session.principal.tenantName },
      csrfToken: csrfTokenOf(session.cookie),
    };
  });

  app.post('/auth/logout', async (request, reply) => {
    const cookie = request.cookies[cookieName];
    if (cookie) await auth.logout(cookie);
    void reply.clearCookie(cookieName, { path: '/', secure: options.secureCookies });
    return reply.status(204).send();
  });

  app.get('/auth/me', async (request) => {
    const p = principalOf(request);
    const me = await auth.user(p.tenantId, p.userId);
    const cookie = p.via === 'session' ? request.cookies[cookieName] : undefined;
    return {
      // The stored language (PATCH /auth/me), not the request's: a device with no choice of its own takes it.
      // localeChosen false: the account holds the default, and a device follows its browser's language.
      user: { id: p.userId, name: p.userName, email: me?.email ?? '', role: p.role, locale: me?.locale ?? p.locale, localeChosen: me?.localeChosen ?? false },
      tenant: { id: p.tenantId, slug: p.tenantSlug, name: p.tenantName },
      via: p.via,
      ...(cookie ? { csrfToken: csrfTokenOf(cookie) } : {}),
    };
  });

  // One's own language, the one messages take when a request does not say (an API key, an
  // automation run as the user). The name, email and profile stay a user manager's to change.
  app.patch('/auth/me', { schema: { body: OwnSettings } }, async (request, reply) => {
    const p = principalOf(request);
    await auth.updateUser(p.tenantId, p.userId, { locale: (request.body as Static<typeof OwnSettings>).locale });
    return reply.status(204).send();
  });

  // One's own sessions (ADR 0007): listed with the one asking marked, each ended on its own, or all
  // but the one asking. Through an API key no session is the one asking, and none is ended.
  const ownSession = (request: FastifyRequest, p: Principal) => (p.via === 'session' ? parseSessionCookie(request.cookies[cookieName] ?? '')?.token : undefined);

  // When the asking session ends unless used (the studio's warning), as the database has it: use
  // in another tab or on another process counts. Asking is not use, or the warning would keep it.
  app.get('/auth/session', { config: { sessionUse: false } }, async (request) => {
    const p = principalOf(request);
    if (p.via !== 'session') throw forbidden('An API key is not a session: it has no idle time and no end but its revocation');
    const status = await auth.sessionStatus(p.tenantId, ownSession(request, p)!);
    if (!status) throw unauthorized('The session has ended');
    return status;
  });

  // The workspace's idle time (ADR 0007): seen by everyone signed in, chosen by a user manager,
  // audited with the access changes.
  app.get('/workspace/session-settings', async (request) => auth.sessionSettings(principalOf(request).tenantId));

  app.patch('/workspace/session-settings', { schema: { body: SessionSettingsPatch } }, async (request) => {
    const { tenantId } = await setupOf(request, 'users');
    const actor = principalOf(request);
    const { idleMinutes } = request.body as Static<typeof SessionSettingsPatch>;
    await auth.setSessionIdle(tenantId, idleMinutes, (q, before) => AccessService.audit(q, tenantId, actorOf(actor), 'session.idleTimeout', 'session settings', { before: { idleMinutes: before }, after: { idleMinutes } }));
    return auth.sessionSettings(tenantId);
  });

  app.get('/auth/sessions', async (request) => {
    const p = principalOf(request);
    return auth.listSessions(p.tenantId, p.userId, ownSession(request, p));
  });

  app.delete('/auth/sessions/:id', { schema: { params: IdParam } }, async (request, reply) => {
    const p = principalOf(request);
    refuseApiKey(p);
    await auth.endSession(p.tenantId, p.userId, (request.params as Static<typeof IdParam>).id);
    return reply.status(204).send();
  });

  app.post('/auth/sessions/end-others', async (request) => {
    const p = principalOf(request);
    refuseApiKey(p);
    return { ended: await auth.endSessions(p.tenantId, p.userId, ownSession(request, p)) };
  });

  app.get('/users/directory', async (request) => auth.directory(principalOf(request).tenantId));

  // Each user says whether the caller may change them (the rule PATCH applies), so the studio
  // offers only those changes instead of failing after the click.
  app.get('/users', async (request) => {
    const { tenantId } = await setupOf(request, 'users');
    const actor = principalOf(request);
    const users = await auth.listUsers(tenantId);
    return Promise.all(users.map(async (user) => ({ ...user, manageable: (await request.server.access.manageProblems(actor, user)).length === 0 })));
  });

  /** The profiles a user manager may give, each with whether the caller may (the rule a create, change or invitation applies). */
  app.get('/users/profiles', async (request) => {
    await setupOf(request, 'users');
    return request.server.access.profilesGivableBy(principalOf(request));
  });

  app.post('/users', { schema: { body: NewUser } }, async (request, reply) => {
    const body = request.body as Static<typeof NewUser>;
    const { tenantId } = await setupOf(request, 'users');
    await request.server.access.requireGrantable(principalOf(request), body.role);
    const user = await withRetryAfter(reply, () => auth.createUser(tenantId, body));
    await request.server.access.change(tenantId, (q) => AccessService.audit(q, tenantId, actorOf(principalOf(request)), 'user.create', `user ${user.name}`, { after: { profile: body.role } }));
    return reply.status(201).send(user);
  });

  app.patch('/users/:id', { schema: { body: UserPatch, params: IdParam } }, async (request) => {
    const { id } = request.params as Static<typeof IdParam>;
    const { tenantId } = await setupOf(request, 'users');
    const patch = request.body as Static<typeof UserPatch>;
    await request.server.access.requireManageable(principalOf(request), id);
    if (patch.role !== undefined) await request.server.access.requireGrantable(principalOf(request), patch.role);
    const user = await auth.updateUser(tenantId, id, patch);
    // The profile is part of the user's access: audited, and shapes are rebuilt on the next request.
    if (patch.role !== undefined) {
      const actor = principalOf(request);
      await request.server.access.change(tenantId, (q) => AccessService.audit(q, tenantId, actorOf(actor), 'user.access', `user ${user.name}`, { after: { profile: patch.role } }));
    }
    return user;
  });

  // One's own password changes only with the current one; an admin resets another user's without it.
  app.post('/users/:id/password', { schema: { body: NewPassword, params: IdParam } }, async (request, reply) => {
    const { id } = request.params as Static<typeof IdParam>;
    const { password, currentPassword } = request.body as Static<typeof NewPassword>;
    const p = principalOf(request);
    const own = p.userId === id;
    if (!own && !request.setupRights?.users) throw forbidden('Setting another user’s password needs the Setup right \'users\'');
    if (!own) await request.server.access.requireManageable(p, id);
    if (own && currentPassword === undefined) {
      throw validationError('Changing your own password needs your current one', [{ field: 'currentPassword', code: 'required', message: 'is required to change your own password' }]);
    }
    const session = p.via === 'session' ? parseSessionCookie(request.cookies[cookieName] ?? '')?.token : undefined;
    const change = own && currentPassword !== undefined ? { current: currentPassword, keepSession: session, address: request.ip } : undefined;
    await withRetryAfter(reply, () => auth.setPassword(p.tenantId, id, password, change));
    return reply.status(204).send();
  });

  // Signs a user out everywhere, as a user manager may change them (a leaver's stolen laptop);
  // recorded in the access audit trail with who did it and how many sessions ended.
  app.delete('/users/:id/sessions', { schema: { params: IdParam } }, async (request) => {
    const { id } = request.params as Static<typeof IdParam>;
    const { tenantId } = await setupOf(request, 'users');
    if (!UUID.test(id)) throw notFound('No such user');
    const actor = principalOf(request);
    // Another user's sessions may be ended by a user manager's integration (a leaver's); one's own
    // through a key would be every one of them, there being no session to keep.
    if (id === actor.userId) refuseApiKey(actor);
    await request.server.access.requireManageable(actor, id);
    const user = await auth.user(tenantId, id);
    if (!user) throw notFound('No such user');
    const keep = id === actor.userId ? ownSession(request, actor) : undefined;
    const ended = await auth.endSessions(tenantId, id, keep, (q, count) => AccessService.audit(q, tenantId, actorOf(actor), 'user.endSessions', `user ${user.name}`, { ended: count }));
    return { ended };
  });

  app.get('/api-keys', async (request) => {
    const p = principalOf(request);
    return auth.listApiKeys(p.tenantId, request.setupRights?.keys ? null : p.userId);
  });

  app.post('/api-keys', { schema: { body: NewApiKey } }, async (request, reply) => {
    const p = principalOf(request);
    const key = await auth.createApiKey(p.tenantId, p.userId, (request.body as Static<typeof NewApiKey>).name, p.via === 'apiKey' ? p.apiKeyId : undefined);
    return reply.status(201).send(key);
  });

  app.delete('/api-keys/:id', { schema: { params: IdParam } }, async (request, reply) => {
    const p = principalOf(request);
    await auth.revokeApiKey(p.tenantId, (request.params as Static<typeof IdParam>).id, request.setupRights?.keys ? null : p.userId);
    return reply.status(204).send();
  });
}

/** A 429 from sign-in throttling or the hashing queue says when to retry, in Retry-After as well as in the problem. */
async function withRetryAfter<T>(reply: FastifyReply, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const after = error instanceof ProblemError && error.status === 429 ? error.extra?.['retryAfter'] : undefined;
    if (typeof after === 'number') void reply.header('retry-after', String(after));
    throw error;
  }
}
