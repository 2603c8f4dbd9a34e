import { createHash, randomUUID } from 'node:crypto';
import { TtlCache } from '../cache/ttl-cache.ts';
import { queryOne, type Database, type Queryable } from '../db/database.ts';
import { conflict, notFound, ProblemError, unauthorized, validationError } from '../errors/problems.ts';
import { LoginThrottle, NO_TENANT } from './login-throttle.ts';
import { TrustedDevices } from './trusted-devices.ts';
import type { PasswordHasher } from './password-hasher.ts';
import { hashToken, newToken } from './passwords.ts';
import { checkNewPassword } from './password-policy.ts';
import type { Principal, Role } from './principal.ts';
import { UUID } from '../http/ids.ts';
import { describeUserAgent } from './user-agent.ts';
import { LiveConnections, type LiveConnection } from './live-connections.ts';

export const SESSION_COOKIE = 'protean_session';
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
/** The idle time of a workspace that chose none, unless PROTEAN_SESSION_IDLE_MINUTES says (ASVS 3.3.2). */
export const DEFAULT_SESSION_IDLE_MS = 30 * 60_000;
/** The idle times an administrator chooses among in Setup, in minutes (ADR 0007 addendum). */
export const SESSION_IDLE_CHOICES = [15, 30, 60, 120, 240, 480, 720] as const;
// A session's last use is written only once it is older than this, so requests cost no write;
// a session thus ends between idle − step and idle after its last request.
const LAST_SEEN_STEP_MS = 5 * 60_000;
const seenStepOf = (idleMs: number) => Math.min(LAST_SEEN_STEP_MS, idleMs / 10);
/** A session's idle time in milliseconds, as SQL: its workspace's choice, else the server's default (`param`). */
const idleMsSql = (param: string) => `coalesce((select t.session_idle_minutes from tenant t where t.id = s.tenant_id) * 60000.0, ${param}::float8)`;
const AUTH_CHANNEL = 'protean_auth';
// Verified credentials are cached briefly; logout and revocation clear them on every process via NOTIFY.
const CREDENTIAL_CACHE_MS = 30_000;
// Workspaces found by slug at sign-in; a burst against one then costs no lookup per attempt.
const WORKSPACE_CACHE_MS = 60_000;
// How often live connections' credentials are asked after: how late one outlives a session that lapsed by itself.
export const DEFAULT_LIVE_RECHECK_MS = 60_000;

/** The credential a request names: an API key (Bearer) or a session cookie. */
export interface Credentials {
  cookie?: string | undefined;
  bearer?: string | undefined;
}

export interface UserView {
  id: string;
  email: string;
  name: string;
  role: Role;
  locale: string;
  /** Whether a language was ever set for the account (by the user, or a user manager): else `locale` is the default, and a device follows its browser. */
  localeChosen: boolean;
  active: boolean;
  createdAt: string;
}

interface UserRow {
  id: string;
  email: string;
  name: string;
  role: Role;
  locale: string;
  locale_chosen: boolean;
  active: boolean;
  created_at: string;
  password_hash: string;
}

interface CachedPrincipal {
  principal: Principal;
  credentialHash: string;
  expiresAt: number;
  /** A session's: when it was last used as stored (or being stored), in this process's clock. */
  seenAt?: number;
  /** A session's: its workspace's idle time when it was read. */
  idleMs?: number;
}

/** One of a user's live sessions, as its owner sees it in their list; the token's hash never leaves the server. */
export interface SessionView {
  id: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  address: string | null;
  userAgent: string | null;
  browser: string | null;
  os: string | null;
  current: boolean;
}

/** The client a session was signed in from, as the sign-in request showed it. */
export interface SessionClient {
  address: string;
  userAgent?: string | undefined;
  /** The browser's device cookie (TrustedDevices), if it has one. */
  deviceCookie?: string | undefined;
}

// Long enough for any browser's header; a longer one is cut, not refused (it only labels the session).
const USER_AGENT_MAX = 512;

const toView = (row: UserRow): UserView => ({
  id: row.id,
  email: row.email,
  name: row.name,
  role: row.role,
  locale: row.locale,
  localeChosen: row.locale_chosen,
  active: row.active,
  createdAt: row.created_at,
});

const apiKeyPattern = /^pk_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;
const uuidFromHex = (hex: string) => `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;

export class AuthService {
  readonly #db: Database;
  readonly #cache = new TtlCache<CachedPrincipal>(10_000, CREDENTIAL_CACHE_MS);
  readonly #throttle: LoginThrottle;
  readonly #workspaces = new TtlCache<{ id: string; slug: string; name: string }>(10_000, WORKSPACE_CACHE_MS);
  /** The idle time of workspaces that chose none. */
  readonly #idleMs: number;
  readonly #connections: LiveConnections;
  readonly passwords: PasswordHasher;
  /** Browsers that signed in before, which an account's lock does not keep out. */
  readonly devices: TrustedDevices;

  constructor(db: Database, passwords: PasswordHasher, sessions: { idleMs?: number | undefined; liveRecheckMs?: number | undefined } = {}) {
    this.#db = db;
    this.passwords = passwords;
    this.#throttle = new LoginThrottle(db);
    this.devices = new TrustedDevices(db);
    this.#idleMs = sessions.idleMs ?? DEFAULT_SESSION_IDLE_MS;
    this.#connections = new LiveConnections((tenantId, held) => this.#liveCredentials(tenantId, held), sessions.liveRecheckMs ?? DEFAULT_LIVE_RECHECK_MS);
  }

  async start(): Promise<void> {
    await this.#db.listen(AUTH_CHANNEL, (payload) => this.#evict(JSON.parse(payload) as AuthChange));
    // A logout or revocation announced while the listening connection was down was never heard.
    this.#db.onReconnect(() => {
      this.#cache.clear();
      this.#connections.suspectAll();
    });
    this.#connections.start();
    await this.passwords.warm();
  }

  async stop(): Promise<void> {
    await this.#connections.stop();
  }

  #evict({ tenantId, userId, credentialHash, sessions }: AuthChange): void {
    this.#cache.deleteWhere(
      (entry) =>
        entry.principal.tenantId === tenantId &&
        (entry.credentialHash === credentialHash || (userId !== undefined && entry.principal.userId === userId) || (sessions === true && entry.principal.via === 'session')),
    );
    this.#connections.suspect(tenantId, { userId, credentialHash, sessions });
  }

  /**
   * Keeps a connection that outlives its request (a GraphQL socket) only while the credential it
   * was opened with lives: `end` is called once that session or key has ended, on whichever
   * process ended it, or lapsed. Returns the release, for when the connection closes.
   */
  hold(credentials: Credentials, principal: Principal, end: (reason: string) => void): () => void {
    const token = credentials.bearer ?? (credentials.cookie ? parseSessionCookie(credentials.cookie)?.token : undefined);
    if (token === undefined || (principal.via !== 'session' && principal.via !== 'apiKey')) throw new Error('Only a connection opened with a session or an API key is held');
    return this.#connections.hold({ tenantId: principal.tenantId, userId: principal.userId, via: principal.via, credentialHash: hashToken(token), end });
  }

  /**
   * Which of the held credentials still live, by the rules a request's authentication applies
   * (idleness too), in one statement. It does not count as the session's use.
   */
  async #liveCredentials(tenantId: string, held: readonly LiveConnection[]): Promise<Set<string>> {
    const of = (via: LiveConnection['via']) => held.filter((c) => c.via === via).map((c) => c.credentialHash);
    const rows = await this.#db.withTenant(tenantId, (q) =>
      q.query<{ token_hash: string }>(
        `select s.token_hash from user_session s join app_user u on u.tenant_id = s.tenant_id and u.id = s.user_id
          where s.tenant_id = $1 and s.token_hash = any($2::text[]) and s.expires_at > now() and s.last_seen_at > now() - interval '1 millisecond' * ${idleMsSql('$4')} and u.active
         union all
         select k.token_hash from api_key k join app_user u on u.tenant_id = k.tenant_id and u.id = k.user_id
          where k.tenant_id = $1 and k.token_hash = any($3::text[]) and k.revoked_at is null and u.active`,
        [tenantId, of('session'), of('apiKey'), this.#idleMs],
      ),
    );
    return new Set(rows.map((r) => r.token_hash));
  }

  /** Forgets cached credentials here at once, and on every other process when the NOTIFY arrives. */
  #forget(tenantId: string, change: Omit<AuthChange, 'tenantId'>): Promise<void> {
    this.#evict({ tenantId, ...change });
    return this.#db.notify(AUTH_CHANNEL, JSON.stringify({ tenantId, ...change }));
  }

  /**
   * Throttled per account and per client address (refused before any hashing), and equal in
   * cost whether or not the workspace and the email exist: a missing account is checked
   * against a dummy hash of the same parameters.
   */
  async login(tenantSlug: string, email: string, password: string, client: SessionClient): Promise<{ cookie: string; principal: Principal; email: string; expiresAt: Date; deviceCookie: string }> {
    const tenant = await this.#workspace(tenantSlug);
    // Each unknown workspace name counts failures as a workspace of its own: shared by every
    // unknown name, an address locked by guessing some answered 429 for the next unknown name
    // and 401 for a real one, which told the names apart. Hashing waits in one queue for all of them.
    const trustedDevice = tenant !== undefined && (await this.devices.trusts(client.deviceCookie, tenant.id, email));
    const subject = { tenantId: tenant?.id ?? unknownWorkspaceId(tenantSlug), email, address: client.address, trustedDevice };
    const hashQueue = tenant?.id ?? NO_TENANT;
    this.passwords.refuseWhenBusy(hashQueue);
    const { user, verdict } = await this.#throttle.attempt(subject, async () => {
      const found = tenant
        ? await this.#db.withTenant(tenant.id, (q) => queryOne<UserRow>(q, 'select * from app_user where tenant_id = $1 and lower(email) = lower($2) and active', [tenant.id, email]))
        : undefined;
      const checked = await this.passwords.verify(hashQueue, password, found?.password_hash);
      return { ok: checked.ok && found !== undefined, user: found, verdict: checked };
    });
    if (!tenant || !user || !verdict.ok) throw unauthorized('Unknown workspace, email or password');
    if (verdict.rehash) {
      const upgraded = await this.passwords.hash(tenant.id, password);
      await this.#db.withTenant(tenant.id, (q) => q.query('update app_user set password_hash = $3 where tenant_id = $1 and id = $2', [tenant.id, user.id, upgraded]));
    }
    const token = newToken();
    const expiresAt = new Date(Date.now() + SESSION_TTL_MS);
    await this.#db.transaction(tenant.id, async (tx) => {
      // The user's ended sessions go as a new one starts, so their list stays as long as their devices.
      await tx.query(`delete from user_session s where tenant_id = $1 and user_id = $2 and (expires_at <= now() or last_seen_at <= now() - interval '1 millisecond' * ${idleMsSql('$3')})`, [
        tenant.id,
        user.id,
        this.#idleMs,
      ]);
      await tx.query('insert into user_session (tenant_id, token_hash, user_id, expires_at, address, user_agent) values ($1, $2, $3, $4, $5, $6)', [
        tenant.id,
        hashToken(token),
        user.id,
        expiresAt,
        client.address,
        client.userAgent?.slice(0, USER_AGENT_MAX) || null,
      ]);
    });
    const principal: Principal = { tenantId: tenant.id, tenantSlug: tenant.slug, tenantName: tenant.name, userId: user.id, userName: user.name, role: user.role, locale: user.locale, via: 'session' };
    return { cookie: `${tenant.id}.${token}`, principal, email: user.email, expiresAt, deviceCookie: await this.devices.issue(tenant.id, email) };
  }

  async #workspace(slug: string): Promise<{ id: string; slug: string; name: string } | undefined> {
    const cached = this.#workspaces.get(slug);
    if (cached) return cached;
    const found = await this.#db.system((q) => queryOne<{ id: string; slug: string; name: string }>(q, 'select id, slug, name from tenant where slug = $1', [slug]));
    if (found) this.#workspaces.set(slug, found);
    return found;
  }

  async logout(cookie: string): Promise<void> {
    const parsed = parseSessionCookie(cookie);
    if (!parsed) return;
    const credentialHash = hashToken(parsed.token);
    await this.#db.withTenant(parsed.tenantId, (q) => q.query('delete from user_session where tenant_id = $1 and token_hash = $2', [parsed.tenantId, credentialHash]));
    await this.#forget(parsed.tenantId, { credentialHash });
  }

  /** The user's live sessions, the last used first; `currentToken` marks the one asking. */
  async listSessions(tenantId: string, userId: string, currentToken?: string): Promise<SessionView[]> {
    const rows = await this.#db.withTenant(tenantId, (q) =>
      q.query<{ id: string; created_at: string; last_seen_at: string; expires_at: string; address: string | null; user_agent: string | null; current: boolean }>(
        `select id, created_at, last_seen_at, expires_at, address, user_agent, token_hash = $3 as current from user_session s
          where tenant_id = $1 and user_id = $2 and expires_at > now() and last_seen_at > now() - interval '1 millisecond' * ${idleMsSql('$4')}
          order by last_seen_at desc, created_at desc`,
        [tenantId, userId, currentToken ? hashToken(currentToken) : '', this.#idleMs],
      ),
    );
    return rows.map((r) => ({
      id: r.id,
      createdAt: iso(r.created_at),
      lastSeenAt: iso(r.last_seen_at),
      expiresAt: iso(r.expires_at),
      address: r.address,
      userAgent: r.user_agent,
      ...describeUserAgent(r.user_agent),
      current: r.current,
    }));
  }

  /** Ends one of the user's sessions: its next request is refused, on every process. */
  async endSession(tenantId: string, userId: string, sessionId: string): Promise<void> {
    if (!UUID.test(sessionId)) throw notFound('No such session');
    const rows = await this.#db.withTenant(tenantId, (q) =>
      q.query<{ token_hash: string }>('delete from user_session where tenant_id = $1 and user_id = $2 and id = $3 returning token_hash', [tenantId, userId, sessionId]),
    );
    if (!rows[0]) throw notFound('No such session');
    await this.#forget(tenantId, { credentialHash: rows[0].token_hash });
  }

  /**
   * Ends every session of the user but `keepToken`'s (all of them without one); how many ended.
   * `audit` records the ending in the same transaction (an administrator's, in the access audit trail).
   */
  async endSessions(tenantId: string, userId: string, keepToken?: string, audit?: (q: Queryable, ended: number) => Promise<void>): Promise<number> {
    const ended = await this.#db.transaction(tenantId, async (q) => {
      const rows = await q.query<{ live: boolean }>(
        `delete from user_session s where tenant_id = $1 and user_id = $2 and token_hash <> $3
          returning expires_at > now() and last_seen_at > now() - interval '1 millisecond' * ${idleMsSql('$4')} as live`,
        [tenantId, userId, keepToken ? hashToken(keepToken) : '', this.#idleMs],
      );
      // Sessions that had ended already go too, uncounted: the user ended only the live ones.
      const live = rows.filter((r) => r.live).length;
      await audit?.(q, live);
      return live;
    });
    await this.#forget(tenantId, { userId });
    return ended;
  }

  /**
   * Resolves the principal behind a session cookie or an API key; null when neither is valid.
   * `uses` false asks without counting as the session's use (the studio asking when it ends).
   */
  async authenticate(credentials: Credentials, uses = true): Promise<Principal | null> {
    if (credentials.bearer) return this.#fromApiKey(credentials.bearer);
    if (credentials.cookie) return this.#fromSession(credentials.cookie, uses);
    return null;
  }

  /**
   * The principal of credentials verified recently (the cache `authenticate` fills), without a
   * promise: null without credentials, undefined when they must be looked up. Most requests
   * come with credentials seen a moment ago, and the request hook then runs without awaiting.
   */
  knownPrincipal(credentials: Credentials, uses = true): Principal | null | undefined {
    const session = credentials.bearer === undefined && credentials.cookie ? parseSessionCookie(credentials.cookie) : undefined;
    const token = credentials.bearer ?? session?.token;
    if (token === undefined) return credentials.bearer === undefined && credentials.cookie === undefined ? null : undefined;
    const cached = this.#cache.get(hashToken(token));
    // A cookie names its workspace beside the token: one naming another is not this session.
    if (cached && session && cached.principal.tenantId !== session.tenantId) return undefined;
    // A session due for its last-use write goes the asynchronous way, which writes it.
    return cached && this.#live(cached) && !(uses && this.#dueForSeen(cached)) ? cached.principal : undefined;
  }

  /**
   * How long until the session of `cookie` ends unless used again (or at its 12 hours), in
   * milliseconds, as this process last verified it; undefined when it is not a live session here.
   */
  sessionEndsIn(cookie: string): number | undefined {
    const parsed = parseSessionCookie(cookie);
    const cached = parsed && this.#cache.get(hashToken(parsed.token));
    if (!cached || cached.seenAt === undefined || cached.idleMs === undefined || !this.#live(cached)) return undefined;
    return Math.max(0, Math.min(cached.expiresAt, cached.seenAt + cached.idleMs) - Date.now());
  }

  /**
   * The session's end as the database has it (its last use written by any process, for any of
   * the browser's tabs), without counting as its use: undefined when it has ended. `endsBy` says
   * whether use would keep it ('idle') or it reaches its 12 hours first ('limit').
   */
  async sessionStatus(tenantId: string, token: string): Promise<{ endsIn: number; endsBy: 'idle' | 'limit'; idleTimeout: number; expiresAt: string } | undefined> {
    const row = await this.#db.withTenant(tenantId, (q) =>
      queryOne<{ ends_in: number; by_limit: boolean; idle_ms: number; expires_at: string }>(
        q,
        `select (extract(epoch from least(s.expires_at, s.last_seen_at + interval '1 millisecond' * i.idle_ms) - now()) * 1000)::float8 as ends_in,
                s.expires_at <= s.last_seen_at + interval '1 millisecond' * i.idle_ms as by_limit, i.idle_ms, s.expires_at
           from user_session s, lateral (select ${idleMsSql('$3')} as idle_ms) i
          where s.tenant_id = $1 and s.token_hash = $2`,
        [tenantId, hashToken(token), this.#idleMs],
      ),
    );
    if (!row || Number(row.ends_in) <= 0) return undefined;
    return { endsIn: Math.round(Number(row.ends_in)), endsBy: row.by_limit ? 'limit' : 'idle', idleTimeout: Math.round(Number(row.idle_ms)), expiresAt: iso(row.expires_at) };
  }

  /** The workspace's idle time: its administrator's choice (`chosen`), else the server's default. */
  async sessionSettings(tenantId: string): Promise<{ idleMinutes: number; chosen: boolean; defaultMinutes: number; choices: readonly number[] }> {
    const row = await this.#db.withTenant(tenantId, (q) => queryOne<{ minutes: number | null }>(q, 'select session_idle_minutes as minutes from tenant where id = $1', [tenantId]));
    const defaultMinutes = this.#idleMs / 60_000;
    return { idleMinutes: row?.minutes ?? defaultMinutes, chosen: row?.minutes != null, defaultMinutes, choices: SESSION_IDLE_CHOICES };
  }

  /**
   * Sets the workspace's idle time, with `audit` in the same transaction. Sessions cached on
   * any process are read again at their next request, so a shorter time ends those idle longer
   * at once, not after the cache's lifetime.
   */
  async setSessionIdle(tenantId: string, minutes: number, audit: (q: Queryable, before: number) => Promise<void>): Promise<void> {
    if (!(SESSION_IDLE_CHOICES as readonly number[]).includes(minutes)) {
      throw validationError('Unknown idle time', [{ field: 'idleMinutes', code: 'enum', message: `must be one of ${SESSION_IDLE_CHOICES.join(', ')} (minutes)` }]);
    }
    await this.#db.transaction(tenantId, async (q) => {
      const [before] = await q.query<{ minutes: number | null }>('select session_idle_minutes as minutes from tenant where id = $1 for update', [tenantId]);
      await q.query('update tenant set session_idle_minutes = $2 where id = $1', [tenantId, minutes]);
      await audit(q, before?.minutes ?? this.#idleMs / 60_000);
    });
    await this.#forget(tenantId, { sessions: true });
  }

  #live(entry: CachedPrincipal): boolean {
    const now = Date.now();
    return entry.expiresAt > now && (entry.seenAt === undefined || entry.idleMs === undefined || now - entry.seenAt < entry.idleMs);
  }

  #dueForSeen(entry: CachedPrincipal): boolean {
    return entry.seenAt !== undefined && entry.idleMs !== undefined && Date.now() - entry.seenAt >= seenStepOf(entry.idleMs);
  }

  /** Records the session's use when the stored time is a step old; the requests meanwhile see it done and write nothing. */
  async #seen(tenantId: string, entry: CachedPrincipal): Promise<void> {
    const idleMs = entry.idleMs;
    if (!this.#dueForSeen(entry) || idleMs === undefined) return;
    entry.seenAt = Date.now();
    await this.#db.withTenant(tenantId, (q) =>
      q.query(`update user_session set last_seen_at = now() where tenant_id = $1 and token_hash = $2 and last_seen_at < now() - interval '1 millisecond' * $3::float8`, [
        tenantId,
        entry.credentialHash,
        seenStepOf(idleMs),
      ]),
    );
  }

  async #fromSession(cookie: string, uses: boolean): Promise<Principal | null> {
    const parsed = parseSessionCookie(cookie);
    if (!parsed) return null;
    const credentialHash = hashToken(parsed.token);
    const cached = this.#cache.get(credentialHash);
    if (cached && cached.principal.tenantId === parsed.tenantId && this.#live(cached)) {
      if (uses) await this.#seen(parsed.tenantId, cached);
      return cached.principal;
    }
    // The idle time is measured by the database's clock, and kept as an age: no clock skew between it and this process matters.
    const row = await this.#db.withTenant(parsed.tenantId, (q) =>
      queryOne<UserRow & { slug: string; tenant_name: string; expires_at: string; unused_ms: number; idle_ms: number }>(
        q,
        `select u.*, t.slug, t.name as tenant_name, s.expires_at, (extract(epoch from now() - s.last_seen_at) * 1000)::float8 as unused_ms, i.idle_ms from user_session s
           join app_user u on u.tenant_id = s.tenant_id and u.id = s.user_id
           join tenant t on t.id = s.tenant_id
           cross join lateral (select coalesce(t.session_idle_minutes * 60000.0, $3::float8)::float8 as idle_ms) i
          where s.tenant_id = $1 and s.token_hash = $2 and s.expires_at > now() and s.last_seen_at > now() - interval '1 millisecond' * i.idle_ms and u.active`,
        [parsed.tenantId, credentialHash, this.#idleMs],
      ),
    );
    if (!row) return null;
    // A session ends when the cookie sign-in set does (SESSION_TTL_MS after it), however much it is
    // used: the browser drops the cookie then, so a longer life would serve only a stolen copy.
    const expiresAt = Date.parse(row.expires_at);
    const principal: Principal = { tenantId: parsed.tenantId, tenantSlug: row.slug, tenantName: row.tenant_name, userId: row.id, userName: row.name, role: row.role, locale: row.locale, via: 'session' };
    const entry: CachedPrincipal = { principal, credentialHash, expiresAt, seenAt: Date.now() - Number(row.unused_ms), idleMs: Number(row.idle_ms) };
    this.#cache.set(credentialHash, entry);
    if (uses) await this.#seen(parsed.tenantId, entry);
    return principal;
  }

  async #fromApiKey(bearer: string): Promise<Principal | null> {
    // The cache first: only a key verified before is in it, so the pattern needs no checking then.
    const credentialHash = hashToken(bearer);
    const cached = this.#cache.get(credentialHash);
    if (cached) return cached.principal;
    const match = apiKeyPattern.exec(bearer);
    if (!match?.[1]) return null;
    const tenantId = uuidFromHex(match[1]);
    const row = await this.#db.withTenant(tenantId, (q) =>
      queryOne<UserRow & { slug: string; tenant_name: string; key_id: string }>(
        q,
        `select u.*, t.slug, t.name as tenant_name, k.id as key_id from api_key k
           join app_user u on u.tenant_id = k.tenant_id and u.id = k.user_id
           join tenant t on t.id = k.tenant_id
          where k.tenant_id = $1 and k.token_hash = $2 and k.revoked_at is null and u.active`,
        [tenantId, credentialHash],
      ),
    );
    if (!row) return null;
    await this.#db.withTenant(tenantId, (q) => q.query('update api_key set last_used_at = now() where tenant_id = $1 and id = $2', [tenantId, row.key_id]));
    const principal: Principal = { tenantId, tenantSlug: row.slug, tenantName: row.tenant_name, userId: row.id, userName: row.name, role: row.role, locale: row.locale, via: 'apiKey', apiKeyId: row.key_id };
    this.#cache.set(credentialHash, { principal, credentialHash, expiresAt: Number.POSITIVE_INFINITY });
    return principal;
  }

  async user(tenantId: string, userId: string): Promise<UserView | undefined> {
    const row = await this.#db.withTenant(tenantId, (q) => queryOne<UserRow>(q, 'select * from app_user where tenant_id = $1 and id = $2', [tenantId, userId]));
    return row && toView(row);
  }

  async listUsers(tenantId: string): Promise<UserView[]> {
    const rows = await this.#db.withTenant(tenantId, (q) => q.query<UserRow>('select * from app_user where tenant_id = $1 order by name, email', [tenantId]));
    return rows.map(toView);
  }

  /** Names of the tenant's users, for showing owners and authors to everyone in the tenant. */
  async directory(tenantId: string): Promise<{ id: string; name: string; active: boolean }[]> {
    return this.#db.withTenant(tenantId, (q) => q.query<{ id: string; name: string; active: boolean }>('select id, name, active from app_user where tenant_id = $1 order by name', [tenantId]));
  }

  async createUser(tenantId: string, input: { email: string; name: string; role: Role; password: string; locale?: string | undefined }): Promise<UserView> {
    checkNewPassword(input.password);
    const passwordHash = await this.passwords.hash(tenantId, input.password);
    // The unique index on (tenant, lower(email)) decides, so two sign-ups at once cannot both win.
    // An account given no language starts in the workspace's (unchosen: a device follows its browser).
    const rows = await this.#db.transaction(tenantId, (tx) =>
      tx.query<UserRow>(
        `insert into app_user (tenant_id, id, email, name, role, password_hash, locale, locale_chosen)
         values ($1, $2, $3, $4, $5, $6, coalesce($7, (select locale from tenant where id = $1), 'en'), $8) on conflict do nothing returning *`,
        [tenantId, randomUUID(), input.email, input.name, input.role, passwordHash, input.locale ?? null, input.locale !== undefined],
      ),
    );
    if (!rows[0]) throw conflict(`A user with the email ${input.email} already exists`, [{ field: 'email', code: 'unique', message: 'is already used by another user' }]);
    return toView(rows[0]);
  }

  async updateUser(tenantId: string, userId: string, patch: { name?: string | undefined; role?: Role | undefined; locale?: string | undefined; active?: boolean | undefined }): Promise<UserView> {
    if (!UUID.test(userId)) throw notFound('No such user');
    const rows = await this.#db.transaction(tenantId, async (q) => {
      const updated = await q.query<UserRow>(
        `update app_user set name = coalesce($3, name), role = coalesce($4, role), locale = coalesce($5, locale), active = coalesce($6, active), locale_chosen = locale_chosen or $7
          where tenant_id = $1 and id = $2 returning *`,
        [tenantId, userId, patch.name ?? null, patch.role ?? null, patch.locale ?? null, patch.active ?? null, patch.locale !== undefined],
      );
      // Deactivation ends the user's sessions and revokes their API keys: kept, both came back to
      // life when the user was reactivated (an integration a leaver set up, working again).
      if (patch.active === false) {
        await q.query('delete from user_session where tenant_id = $1 and user_id = $2', [tenantId, userId]);
        await q.query('update api_key set revoked_at = now() where tenant_id = $1 and user_id = $2 and revoked_at is null', [tenantId, userId]);
      }
      return updated;
    });
    if (!rows[0]) throw notFound('No such user');
    await this.#forget(tenantId, { userId });
    return toView(rows[0]);
  }

  /**
   * Sets a user's password. Changing one's own needs the current one (`current`); an admin
   * resetting another user's passes none. Every other session of the user ends. The current
   * password is a guess like a sign-in's, counted and locked out by the same throttle: else a
   * stolen session could try passwords without limit.
   */
  async setPassword(tenantId: string, userId: string, password: string, change?: { current: string; keepSession?: string | undefined; address: string }): Promise<void> {
    if (!UUID.test(userId)) throw notFound('No such user');
    checkNewPassword(password);
    if (change) {
      const row = await this.#db.withTenant(tenantId, (q) => queryOne<{ password_hash: string; email: string }>(q, 'select password_hash, email from app_user where tenant_id = $1 and id = $2', [tenantId, userId]));
      if (!row) throw notFound('No such user');
      const verdict = await this.#throttle.attempt({ tenantId, email: row.email, address: change.address }, () => this.passwords.verify(tenantId, change.current, row.password_hash));
      if (!verdict.ok) throw new ProblemError('forbidden', 403, 'The current password is not right', [{ field: 'currentPassword', code: 'mismatch', message: 'is not your current password' }]);
    }
    const passwordHash = await this.passwords.hash(tenantId, password);
    const kept = change?.keepSession ? hashToken(change.keepSession) : '';
    const rows = await this.#db.transaction(tenantId, async (tx) => {
      const updated = await tx.query('update app_user set password_hash = $3 where tenant_id = $1 and id = $2 returning id', [tenantId, userId, passwordHash]);
      // A new password ends the user's sessions, all but the one that changed it.
      await tx.query('delete from user_session where tenant_id = $1 and user_id = $2 and token_hash <> $3', [tenantId, userId, kept]);
      return updated;
    });
    if (!rows[0]) throw notFound('No such user');
    await this.#forget(tenantId, { userId });
  }

  async listApiKeys(tenantId: string, userId: string | null): Promise<{ id: string; name: string; hint: string; userId: string; createdAt: string; lastUsedAt: string | null; revokedAt: string | null }[]> {
    const rows = await this.#db.withTenant(tenantId, (q) =>
      q.query<{ id: string; name: string; hint: string; user_id: string; created_at: string; last_used_at: string | null; revoked_at: string | null }>(
        'select id, name, hint, user_id, created_at, last_used_at, revoked_at from api_key where tenant_id = $1 and ($2::uuid is null or user_id = $2) order by created_at desc',
        [tenantId, userId],
      ),
    );
    return rows.map((r) => ({ id: r.id, name: r.name, hint: r.hint, userId: r.user_id, createdAt: r.created_at, lastUsedAt: r.last_used_at, revokedAt: r.revoked_at }));
  }

  /**
   * A new key of `userId`. Made with a key (`madeWith`), it holds that key's own permission sets:
   * a key narrowed to reading would otherwise mint one with its creator's whole access.
   */
  async createApiKey(tenantId: string, userId: string, name: string, madeWith?: string): Promise<{ id: string; name: string; key: string }> {
    const key = `pk_${tenantId.replaceAll('-', '')}_${newToken()}`;
    const id = randomUUID();
    await this.#db.withTenant(tenantId, (q) =>
      q.query(
        `insert into api_key (tenant_id, id, user_id, name, token_hash, hint, permission_set_ids)
         values ($1, $2, $3, $4, $5, $6, (select permission_set_ids from api_key where tenant_id = $1 and id = $7::uuid))`,
        [tenantId, id, userId, name, hashToken(key), `…${key.slice(-4)}`, madeWith ?? null],
      ),
    );
    return { id, name, key };
  }

  async revokeApiKey(tenantId: string, keyId: string, ownerId: string | null): Promise<void> {
    if (!UUID.test(keyId)) throw notFound('No such API key');
    const rows = await this.#db.withTenant(tenantId, (q) =>
      q.query<{ token_hash: string }>(
        'update api_key set revoked_at = coalesce(revoked_at, now()) where tenant_id = $1 and id = $2 and ($3::uuid is null or user_id = $3) returning token_hash',
        [tenantId, keyId, ownerId],
      ),
    );
    if (!rows[0]) throw notFound('No such API key');
    await this.#forget(tenantId, { credentialHash: rows[0].token_hash });
  }
}

const iso = (value: string | Date) => new Date(value).toISOString();

/** What a NOTIFY on the auth channel says may have ended: a credential, a user's, or (`sessions`) every session of the workspace. */
interface AuthChange {
  tenantId: string;
  userId?: string | undefined;
  credentialHash?: string | undefined;
  sessions?: boolean | undefined;
}

export function parseSessionCookie(cookie: string): { tenantId: string; token: string } | null {
  const dot = cookie.indexOf('.');
  const tenantId = cookie.slice(0, dot);
  const token = cookie.slice(dot + 1);
  return dot > 0 && UUID.test(tenantId) && token.length >= 32 ? { tenantId, token } : null;
}

/** A stable id for a workspace name that names none, for its sign-in failures alone (a name-based UUID, RFC 9562 version 8). */
function unknownWorkspaceId(slug: string): string {
  const hex = createHash('sha256').update(`protean:unknown-workspace:${slug.toLowerCase()}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
