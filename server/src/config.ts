import { isIP } from 'node:net';
import { resolve } from 'node:path';
import type { Locale } from '@protean/metadata';
import { isB64Token } from './auth/bearer.ts';
import { DEFAULT_SESSION_IDLE_MS } from './auth/auth-service.ts';
import type { PasswordCost } from './auth/passwords.ts';

export interface Config {
  host: string;
  port: number;
  databaseUrl: string | undefined;
  /** The application role's own login; by default the server provisions one (ADR 0005). */
  applicationUrl: string | undefined;
  dataDir: string;
  studioDir: string;
  demo: boolean;
  /** The demo workspace's language: its sample records, starter workflows and first admin (PROTEAN_DEMO_LOCALE). */
  demoLocale: Locale;
  operatorToken: string | undefined;
  secureCookies: boolean;
  /** Reverse proxies (addresses or CIDR ranges) whose X-Forwarded-For names the client; none by default. */
  trustedProxies: string[];
  passwordCost: PasswordCost;
  /** Requests per minute per tenant and per API key (ADR 0012). */
  rateLimits: { perTenant: number; perApiKey: number; perUser: number };
  /** Workflows: outgoing mail, where links in mail point, whether HTTP steps may call private addresses, and how long a job is held. */
  workflows: { smtpUrl: string | undefined; mailFrom: string | undefined; publicUrl: string | undefined; allowPrivateHosts: boolean; jobLeaseMs: number | undefined };
  /** New workspaces start with the relationship-sales automations unless PROTEAN_STARTER_AUTOMATIONS=0. */
  starterAutomations: boolean;
  /** The inbound email channel's SMTP port (unset: no listener) and address. */
  inboundSmtp: { port: number; host: string } | undefined;
  /** A session unused this long ends (ADR 0007); every session also ends 12 hours after sign-in. */
  sessionIdleMs: number;
}

/** An optional whole-number setting: undefined when unset, else within [min, max], or start-up fails saying what it must be. */
function wholeNumber(name: string, raw: string | undefined, min: number, max: number, must: string): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be ${must}, not ${raw}`);
  return value;
}

const perMinute = (env: NodeJS.ProcessEnv, name: string, fallback: number): number =>
  wholeNumber(name, env[name], 1, Infinity, 'a positive whole number of requests per minute') ?? fallback;

const leaseMs = (raw: string | undefined) => wholeNumber('PROTEAN_JOB_LEASE_MS', raw, 1_000, Infinity, 'a whole number of milliseconds, at least 1000');

const inboundPort = (raw: string | undefined) => wholeNumber('PROTEAN_INBOUND_SMTP_PORT', raw, 0, 65535, 'a port number');

/** PROTEAN_SESSION_IDLE_MINUTES, the idle time of workspaces that chose none: at most the 12 hours a session lives at all; longer would mean nothing. */
export function sessionIdleMs(raw: string | undefined): number {
  const minutes = wholeNumber('PROTEAN_SESSION_IDLE_MINUTES', raw, 1, 720, 'a whole number of minutes from 1 to 720');
  return minutes === undefined ? DEFAULT_SESSION_IDLE_MS : minutes * 60_000;
}

/**
 * PROTEAN_TRUSTED_PROXIES: comma-separated addresses or CIDR ranges of the reverse proxies in
 * front of the server. Behind one, every request comes from the proxy's address, so the
 * per-address sign-in throttle would lock everyone out together; forwarded headers from anyone
 * else stay ignored, or a client could name any address it liked.
 */
export function trustedProxies(raw: string | undefined): string[] {
  if (raw === undefined || raw.trim() === '') return [];
  return raw.split(',').map((entry) => {
    const proxy = entry.trim();
    const [address = '', bits, ...rest] = proxy.split('/');
    const family = isIP(address);
    const prefix = bits === undefined ? undefined : Number(bits);
    const validPrefix = prefix === undefined || (/^\d+$/.test(bits!) && prefix <= (family === 6 ? 128 : 32));
    if (!family || rest.length || !validPrefix) throw new Error(`PROTEAN_TRUSTED_PROXIES must list IP addresses or CIDR ranges separated by commas; '${proxy}' is neither`);
    return proxy;
  });
}

/** A configured operator token must be one a client can send: `Authorization: Bearer` carries a b64token (bearer.ts). */
function operatorToken(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  if (!isB64Token(raw)) throw new Error('PROTEAN_OPERATOR_TOKEN must be letters, digits and - . _ ~ + / (then any = signs): the characters an Authorization: Bearer header carries');
  return raw;
}

function demoLocale(raw: string | undefined): Locale {
  if (raw === undefined || raw === '') return 'en';
  if (raw === 'en' || raw === 'zh-CN') return raw;
  throw new Error(`PROTEAN_DEMO_LOCALE must be en or zh-CN, not ${raw}`);
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = Number(env['PORT'] ?? 4610);
  const cost = env['PROTEAN_PASSWORD_COST'] || 'owasp';
  // Cheaper hashing is for test servers and must be asked for by name; anything else is a mistake.
  if (cost !== 'owasp' && cost !== 'test') throw new Error(`PROTEAN_PASSWORD_COST must be owasp or test, not ${cost}`);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, not ${env['PORT']}`);
  return {
    host: env['HOST'] ?? '127.0.0.1',
    port,
    databaseUrl: env['DATABASE_URL'] || undefined,
    applicationUrl: env['DATABASE_APP_URL'] || undefined,
    dataDir: resolve(env['PROTEAN_DATA_DIR'] ?? 'data'),
    studioDir: resolve(env['PROTEAN_STUDIO_DIR'] ?? new URL('../../studio/dist', import.meta.url).pathname),
    demo: env['PROTEAN_DEMO'] !== '0',
    demoLocale: demoLocale(env['PROTEAN_DEMO_LOCALE']),
    operatorToken: operatorToken(env['PROTEAN_OPERATOR_TOKEN']),
    secureCookies: env['PROTEAN_SECURE_COOKIES'] === '1',
    trustedProxies: trustedProxies(env['PROTEAN_TRUSTED_PROXIES']),
    passwordCost: cost,
    rateLimits: {
      perTenant: perMinute(env, 'PROTEAN_RATE_LIMIT_TENANT', 600_000),
      perApiKey: perMinute(env, 'PROTEAN_RATE_LIMIT_API_KEY', 300_000),
      perUser: perMinute(env, 'PROTEAN_RATE_LIMIT_USER', 60_000),
    },
    workflows: {
      smtpUrl: env['PROTEAN_SMTP_URL'] || undefined,
      mailFrom: env['PROTEAN_MAIL_FROM'] || undefined,
      publicUrl: env['PROTEAN_PUBLIC_URL'] || undefined,
      allowPrivateHosts: env['PROTEAN_WORKFLOW_PRIVATE_HOSTS'] === '1',
      jobLeaseMs: leaseMs(env['PROTEAN_JOB_LEASE_MS']),
    },
    starterAutomations: env['PROTEAN_STARTER_AUTOMATIONS'] !== '0',
    sessionIdleMs: sessionIdleMs(env['PROTEAN_SESSION_IDLE_MINUTES']),
    inboundSmtp: inboundPort(env['PROTEAN_INBOUND_SMTP_PORT']) === undefined ? undefined : { port: inboundPort(env['PROTEAN_INBOUND_SMTP_PORT'])!, host: env['PROTEAN_INBOUND_SMTP_HOST'] ?? env['HOST'] ?? '127.0.0.1' },
  };
}
