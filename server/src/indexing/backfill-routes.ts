import type { FastifyInstance } from 'fastify';
import { setupOf } from '../auth/principal.ts';
import type { Database } from '../db/database.ts';
import type { MetadataService } from '../metadata/metadata-service.ts';
import { listBackfills } from './backfill-registry.ts';

/** Admins follow the copies that make fields index-served: object, field (API names), slot and progress. */
export async function backfillRoutes(app: FastifyInstance, options: { db: Database; metadata: MetadataService }): Promise<void> {
  app.get('/metadata/index-backfills', async (request) => {
    const { tenantId } = await setupOf(request, 'model');
    const [rows, model] = await Promise.all([options.db.withTenant(tenantId, (q) => listBackfills(q, tenantId)), options.metadata.model(tenantId)]);
    return rows.map((row) => {
      const object = model.snapshot.objects.find((o) => o.id === row.objectId);
      const field = object?.fields.find((f) => f.id === row.fieldId);
      // A purged field or object is gone from the model: its id stands in.
      return { object: object?.apiName ?? row.objectId, field: field?.apiName ?? row.fieldId, slot: row.slot, done: row.done, total: row.total, status: row.status, startedAt: row.startedAt, updatedAt: row.updatedAt };
    });
  });
}
