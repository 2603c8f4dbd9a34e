import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { principalOf } from '../auth/principal.ts';
import { forbidden } from '../errors/problems.ts';
import type { Database } from '../db/database.ts';
import type { DataService } from '../data/data-service.ts';
import type { MetadataService } from '../metadata/metadata-service.ts';
import { purgeDeleted } from './purge-records.ts';

const Purge = Type.Union([
  Type.Object({ ids: Type.Array(Type.String({ format: 'uuid' }), { minItems: 1, maxItems: 1000 }), object: Type.Optional(Type.String({ maxLength: 100 })) }, { additionalProperties: false }),
  Type.Object({ all: Type.Literal(true), object: Type.Optional(Type.String({ maxLength: 100 })) }, { additionalProperties: false }),
]);

/** How often every workspace's bin is swept of records past its retention. */
const SWEEP_EVERY_MS = 60 * 60 * 1000;

/**
 * The recycle bin's lifecycle (listing and restore are record routes): purge chosen records or
 * all of them, and the sweep that purges what has waited longer than the workspace's retention.
 */
export async function recycleRoutes(app: FastifyInstance, options: { db: Database; metadata: MetadataService; data: DataService }): Promise<void> {
  const { db, metadata, data } = options;

  app.post('/recycle-bin/purge', { schema: { body: Purge } }, async (request) => {
    const principal = principalOf(request);
    const body = request.body as Static<typeof Purge>;
    const model = await metadata.model(principal.tenantId);
    const object = body.object ? data.object(model, body.object) : undefined;
    // Purging is deleting for good whoever deleted the records: modify all on each object it may reach (ADR 0012).
    const shape = await request.server.access.shapeOf(principal);
    const lacking = (object ? [object] : model.snapshot.objects).filter((o) => !shape.can(o.id, 'modifyAll'));
    if (lacking.length) throw forbidden(`Emptying the recycle bin needs modify all on ${lacking.map((o) => o.apiName).join(', ')}`);
    const purged = await db.transaction(principal.tenantId, (tx) =>
      purgeDeleted(tx, principal.tenantId, principal.userId, 'ids' in body ? { ids: body.ids } : { olderThanDays: 0 }, object?.id),
    );
    return { purged };
  });

  const sweep = async () => {
    // System work across workspaces (ADR 0005): each workspace's records past its own retention.
    const tenants = await db.system((tx) =>
      tx.query<{ id: string; days: number }>(
        `select t.id, t.recycle_retention_days as days from tenant t
          where exists (select 1 from record r where r.tenant_id = t.id and r.deleted_at is not null
                          and r.deleted_at < now() - make_interval(days => t.recycle_retention_days))`,
      ),
    );
    for (const t of tenants) await db.transaction(t.id, (tx) => purgeDeleted(tx, t.id, null, { olderThanDays: t.days }));
  };
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | null = null;
  const run = () => {
    running ??= sweep()
      .catch((error: unknown) => app.log.error({ err: error }, 'recycle bin sweep failed'))
      .finally(() => (running = null));
  };
  app.addHook('onReady', async () => {
    run();
    timer = setInterval(run, SWEEP_EVERY_MS);
    timer.unref();
  });
  app.addHook('onClose', async () => {
    if (timer) clearInterval(timer);
    await running;
  });
}
