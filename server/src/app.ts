import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import { authenticateRequests, authRoutes } from './auth/auth-routes.ts';
import { AuthService } from './auth/auth-service.ts';
import type { Database } from './db/database.ts';
import { DataService } from './data/data-service.ts';
import { recordRoutes } from './data/record-routes.ts';
import { registerProblemHandler } from './errors/problem-handler.ts';
import { healthRoutes } from './health/health-routes.ts';
import { answerClientError } from './http/client-errors.ts';
import { registerInputNormalization } from './http/normalize-input.ts';
import { MetadataService } from './metadata/metadata-service.ts';
import { metadataRoutes } from './metadata/metadata-routes.ts';
import { studioStatic } from './studio/studio-static.ts';
import { tenantRoutes } from './tenancy/tenant-routes.ts';
import { savedViewRoutes } from './views/saved-views.ts';

export interface AppOptions {
  db: Database;
  studioDir?: string | undefined;
  operatorToken?: string | undefined;
  secureCookies?: boolean;
  logger?: boolean;
  bodyLimit?: number;
}

export interface App {
  app: FastifyInstance;
  metadata: MetadataService;
  data: DataService;
  auth: AuthService;
}

/** The server, assembled top to bottom: errors, cookies, health, then the API under /api/v1, then the studio. */
export async function buildApp(options: AppOptions): Promise<App> {
  const app = Fastify({
    logger: options.logger ? { level: 'info' } : false,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    genReqId: () => randomUUID(),
    clientErrorHandler: answerClientError,
    // Unknown properties are errors, never silently dropped.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: true } },
  });
  const metadata = new MetadataService(options.db);
  const data = new DataService(options.db, metadata);
  const auth = new AuthService(options.db);
  await metadata.start();
  await auth.start();

  registerProblemHandler(app);
  registerInputNormalization(app);
  await app.register(fastifyCookie);
  await app.register(healthRoutes, { db: options.db });
  await app.register(
    async (api) => {
      authenticateRequests(api, auth);
      await api.register(authRoutes, { auth, secureCookies: options.secureCookies ?? false });
      await api.register(tenantRoutes, { db: options.db, operatorToken: options.operatorToken });
      await api.register(metadataRoutes, { metadata });
      await api.register(recordRoutes, { metadata, data });
      await api.register(savedViewRoutes, { db: options.db, metadata });
    },
    { prefix: '/api/v1' },
  );
  if (options.studioDir) await app.register(studioStatic, { distDir: options.studioDir });
  return { app, metadata, data, auth };
}
