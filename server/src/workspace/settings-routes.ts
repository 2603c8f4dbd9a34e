import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { setupOf, principalOf } from '../auth/principal.ts';
import type { Database } from '../db/database.ts';
import { validationError } from '../errors/problems.ts';
import { tenantZones } from '../logic/tenant-zones.ts';
import { LocaleSchema, localeOf } from '../metadata/words.ts';
import type { Locale } from '@protean/metadata';

const Currency = Type.String({ pattern: '^[A-Z]{3}$' });
const WorkspacePatch = Type.Object(
  { currency: Type.Optional(Currency), locale: Type.Optional(LocaleSchema), recycleRetentionDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })), timeZone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) },
  { additionalProperties: false, minProperties: 1 },
);
const PreferencesPatch = Type.Object({ timeZone: Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()]) }, { additionalProperties: false });

export interface WorkspaceSettings {
  currency: string;
  /** What the workspace was set up in: its starter workflows' words, and the language of accounts that never chose one. */
  locale: Locale;
  recycleRetentionDays: number;
  /** The IANA zone of today() and date parts in formulas, rules and workflows. */
  timeZone: string;
}

interface SettingsRow {
  currency: string;
  locale: string;
  days: number;
  zone: string;
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function isCurrency(code: string): boolean {
  return (Intl.supportedValuesOf('currency') as string[]).includes(code);
}

/**
 * Workspace settings people see in every page (the money currency, how long the recycle bin
 * keeps records), readable by anyone signed in, changed by an admin; and a user's own time zone,
 * in which the studio shows dates (none: the browser's).
 */
export async function settingsRoutes(app: FastifyInstance, options: { db: Database }): Promise<void> {
  const { db } = options;
  const COLUMNS = 'currency, locale, recycle_retention_days as days, time_zone as zone';
  const settingsOf = (row: SettingsRow | undefined): WorkspaceSettings => ({ currency: row?.currency ?? 'USD', locale: localeOf(row?.locale), recycleRetentionDays: row?.days ?? 30, timeZone: row?.zone ?? 'UTC' });
  const read = (tenantId: string) => db.withTenant(tenantId, async (q) => settingsOf((await q.query<SettingsRow>(`select ${COLUMNS} from tenant where id = $1`, [tenantId]))[0]));

  app.get('/workspace/settings', async (request) => read(principalOf(request).tenantId));

  app.patch('/workspace/settings', { schema: { body: WorkspacePatch } }, async (request) => {
    const principal = await setupOf(request, 'model');
    const body = request.body as Static<typeof WorkspacePatch>;
    if (body.currency && !isCurrency(body.currency)) throw validationError('Unknown currency', [{ field: 'currency', code: 'enum', message: `'${body.currency}' is not an ISO 4217 currency` }]);
    if (body.timeZone !== undefined && !isTimeZone(body.timeZone)) throw validationError('Unknown time zone', [{ field: 'timeZone', code: 'enum', message: `'${body.timeZone}' is not an IANA time zone` }]);
    const [row] = await db.transaction(principal.tenantId, (tx) =>
      tx.query<SettingsRow>(
        `update tenant set currency = coalesce($2, currency), recycle_retention_days = coalesce($3, recycle_retention_days), time_zone = coalesce($4, time_zone), locale = coalesce($5, locale)
          where id = $1 returning ${COLUMNS}`,
        [principal.tenantId, body.currency ?? null, body.recycleRetentionDays ?? null, body.timeZone ?? null, body.locale ?? null],
      ),
    );
    // This process's expressions use the new zone at once; others within their cache's 30 s.
    if (body.timeZone !== undefined) tenantZones.changed(principal.tenantId, body.timeZone);
    return settingsOf(row);
  });

  app.get('/me/preferences', async (request) => {
    const p = principalOf(request);
    const [row] = await db.withTenant(p.tenantId, (q) => q.query<{ time_zone: string | null }>('select time_zone from app_user where tenant_id = $1 and id = $2', [p.tenantId, p.userId]));
    return { timeZone: row?.time_zone ?? null };
  });

  app.patch('/me/preferences', { schema: { body: PreferencesPatch } }, async (request) => {
    const p = principalOf(request);
    const { timeZone } = request.body as Static<typeof PreferencesPatch>;
    if (timeZone !== null && !isTimeZone(timeZone)) throw validationError('Unknown time zone', [{ field: 'timeZone', code: 'enum', message: `'${timeZone}' is not an IANA time zone` }]);
    await db.transaction(p.tenantId, (tx) => tx.query('update app_user set time_zone = $3 where tenant_id = $1 and id = $2', [p.tenantId, p.userId, timeZone]));
    return { timeZone };
  });
}
