import { resolve } from 'node:path';

export interface Config {
  host: string;
  port: number;
  databaseUrl: string | undefined;
  dataDir: string;
  studioDir: string;
  demo: boolean;
  operatorToken: string | undefined;
  secureCookies: boolean;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = Number(env['PORT'] ?? 4610);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, not ${env['PORT']}`);
  return {
    host: env['HOST'] ?? '127.0.0.1',
    port,
    databaseUrl: env['DATABASE_URL'] || undefined,
    dataDir: resolve(env['PROTEAN_DATA_DIR'] ?? 'data'),
    studioDir: resolve(env['PROTEAN_STUDIO_DIR'] ?? new URL('../../studio/dist', import.meta.url).pathname),
    demo: env['PROTEAN_DEMO'] !== '0',
    operatorToken: env['PROTEAN_OPERATOR_TOKEN'] || undefined,
    secureCookies: env['PROTEAN_SECURE_COOKIES'] === '1',
  };
}
