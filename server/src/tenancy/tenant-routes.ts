import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { bearerToken } from '../auth/bearer.ts';
import type { PasswordHasher } from '../auth/password-hasher.ts';
import type { Database } from '../db/database.ts';
import { forbidden } from '../errors/problems.ts';
import { hashOperatorToken, operatorTokenMatches, storedOperatorTokenHash } from '../platform/operator-token.ts';
import { LocaleSchema } from '../metadata/words.ts';
import { createTenant } from './tenant-service.ts';

const NewTenant = Type.Object(
  {
    slug: Type.String({ minLength: 2, maxLength: 63 }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    locale: Type.Optional(LocaleSchema),
    admin: Type.Object({ email: Type.String({ format: 'email', maxLength: 254 }), name: Type.String({ minLength: 1, maxLength: 120 }), password: Type.String({ minLength: 10, maxLength: 1024 }) }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);

/**
 * Tenant provisioning for the platform operator (Authorization: Bearer <operator token>). The
 * token is the configured one when given, else the stored hash, read per call so a token
 * rotated from the command line works at once.
 */
export async function tenantRoutes(
  app: FastifyInstance,
  options: { db: Database; operatorToken: string | undefined; passwords: PasswordHasher; onCreated?: (tenant: { id: string; adminId: string }) => Promise<unknown> },
): Promise<void> {
  const configured = options.operatorToken ? hashOperatorToken(options.operatorToken) : undefined;
  app.post('/tenants', { schema: { body: NewTenant } }, async (request, reply) => {
    const given = bearerToken(request.headers.authorization) ?? '';
    const expected = configured ?? (await storedOperatorTokenHash(options.db));
    if (!operatorTokenMatches(given, expected)) throw forbidden('Creating a workspace needs the operator token');
    const tenant = await createTenant(options.db, request.body as Static<typeof NewTenant>, options.passwords);
    // What every new workspace starts with (its starter automations); the workspace exists either way.
    await options.onCreated?.(tenant);
    return reply.status(201).send({ id: tenant.id, slug: tenant.slug });
  });
}
