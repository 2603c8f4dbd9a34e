import type { FastifyInstance } from 'fastify';
import type { Database } from '../db/database.ts';
import { migrationsApplied } from '../db/migrations.ts';

export async function healthRoutes(app: FastifyInstance, options: { db: Database }): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    try {
      await options.db.system((q) => q.query('select 1'));
      if (!(await migrationsApplied(options.db))) return reply.status(503).send({ status: 'migrating' });
      return { status: 'ready' };
    } catch {
      return reply.status(503).send({ status: 'database unreachable' });
    }
  });
}
