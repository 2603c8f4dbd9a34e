import type { FastifyRequest } from 'fastify';
import { unauthorized } from '../errors/problems.ts';

/** The key of the user's profile: 'admin', 'standard', 'read_only' or a profile the tenant made. */
export type Role = 'admin' | 'standard' | (string & {});

/**
 * Who is acting: a user through a session or an API key, or an automation (a script, workflow
 * or plugin) with access of its own. What the principal may do is its access shape
 * (server/src/access), resolved from the tenant's permission sets.
 */
export interface Principal {
  tenantId: string;
  tenantSlug: string;
  tenantName: string;
  userId: string;
  userName: string;
  role: Role;
  locale: string;
  via: 'session' | 'apiKey' | 'automation';
  /** The key used (via 'apiKey'): its own permission sets never exceed its creator's. */
  apiKeyId?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    /** The principal's Setup rights from its permission sets, resolved once per request (ADR 0012). */
    setupRights: Readonly<Record<SetupRight, boolean>> | null;
  }
}

export type SetupRight = 'model' | 'terms' | 'users' | 'keys' | 'access';

/** An automation (a script, workflow or plugin) acting in `base`'s workspace and language as its own principal `id`, with `profile`'s access. */
export function automationPrincipal(base: Pick<Principal, 'tenantId' | 'tenantSlug' | 'tenantName' | 'locale'>, id: string, name: string, profile: Role): Principal {
  return { tenantId: base.tenantId, tenantSlug: base.tenantSlug, tenantName: base.tenantName, locale: base.locale, userId: id, userName: name, role: profile, via: 'automation' };
}

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw unauthorized('Sign in or send an API key');
  return request.principal;
}

/** Refuses unless the signed-in principal holds the Setup right (ADR 0012: permission sets decide, not a role name). */
export async function setupOf(request: FastifyRequest, right: SetupRight): Promise<Principal> {
  const principal = principalOf(request);
  await request.server.access.requireSetup(principal, right);
  return principal;
}
