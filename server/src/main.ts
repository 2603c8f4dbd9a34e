import { randomBytes } from 'node:crypto';
import { buildApp } from './app.ts';
import { readConfig } from './config.ts';
import { openDatabase } from './db/open-database.ts';
import { migrate } from './db/migrations.ts';
import { ensureDemoWorkspace } from './platform/demo-workspace.ts';
import { readSetting, writeSetting } from './platform/platform-settings.ts';

const config = readConfig();
const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
await migrate(db);

let operatorToken = config.operatorToken ?? (await readSetting<string>(db, 'operator_token'));
if (!operatorToken) {
  operatorToken = `op_${randomBytes(24).toString('base64url')}`;
  await writeSetting(db, 'operator_token', operatorToken);
}

const server = await buildApp({ db, studioDir: config.studioDir, operatorToken, secureCookies: config.secureCookies, logger: process.env['PROTEAN_LOG'] === '1' });
const demo = config.demo ? await ensureDemoWorkspace(db, server) : undefined;
const address = await server.app.listen({ host: config.host, port: config.port });

const storage = config.databaseUrl ? `Postgres server ${config.databaseUrl.replace(/\/\/[^@/]*@/, '//…@')}` : `embedded Postgres (PGlite) in ${config.dataDir}`;
const lines = [`Protean is running at ${address.replace('[::1]', '127.0.0.1')}`, `  storage:        ${storage}`];
if (demo) {
  lines.push(`  workspace:      ${demo.tenant}`, `  admin login:    ${demo.email} / ${demo.password}`, `  API key:        ${demo.apiKey}`);
}
lines.push(`  operator token: ${operatorToken}  (POST /api/v1/tenants)`);
process.stdout.write(lines.join('\n') + '\n');

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await server.app.close();
  await db.close();
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
