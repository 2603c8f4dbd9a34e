import type { FastifyRequest } from 'fastify';
import { forbidden, unauthorized } from '../errors/problems.ts';

export type Role = 'admin' | 'standard';

/** Who is acting: a user through a session or an API key. Scripts and plugins get their own later. */
export interface Principal {
  tenantId: string;
  tenantSlug: string;
  tenantName: string;
  userId: string;
  userName: string;
  role: Role;
  locale: string;
  via: 'session' | 'apiKey';
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw unauthorized('Sign in or send an API key');
  return request.principal;
}

export function adminOf(request: FastifyRequest): Principal {
  const principal = principalOf(request);
  if (principal.role !== 'admin') throw forbidden('Only an admin may do this');
  return principal;
}
