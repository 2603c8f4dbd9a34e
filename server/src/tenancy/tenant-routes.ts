import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Database } from '../db/database.ts';
import { forbidden } from '../errors/problems.ts';
import { createTenant } from './tenant-service.ts';

const NewTenant = Type.Object(
  {
    slug: Type.String({ minLength: 2, maxLength: 63 }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    admin: Type.Object({ email: Type.String({ format: 'email', maxLength: 254 }), name: Type.String({ minLength: 1, maxLength: 120 }), password: Type.String({ minLength: 10, maxLength: 1024 }) }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);

/** Tenant provisioning for the platform operator (Authorization: Bearer <operator token>). */
export async function tenantRoutes(app: FastifyInstance, options: { db: Database; operatorToken: string | undefined }): Promise<void> {
  app.post('/tenants', { schema: { body: NewTenant } }, async (request, reply) => {
    const expected = options.operatorToken;
    const given = request.headers.authorization?.replace(/^Bearer /, '') ?? '';
    if (!expected || given.length !== expected.length || !timingSafeEqual(Buffer.from(given), Buffer.from(expected))) throw forbidden('Creating a workspace needs the operator token');
    const tenant = await createTenant(options.db, request.body as Static<typeof NewTenant>);
    return reply.status(201).send({ id: tenant.id, slug: tenant.slug });
  });
}
