// First: sets V8 flags before the other modules load.
import './gc-flags.ts';
import { buildApp } from './app.ts';
import { readConfig } from './config.ts';
import { openDatabase } from './db/open-database.ts';
import { migrate } from './db/migrations.ts';
import { ensureDemoWorkspace } from './platform/demo-workspace.ts';
import { rotateOperatorToken, storedOperatorTokenHash } from './platform/operator-token.ts';

const config = readConfig();
const db = await openDatabase({ databaseUrl: config.databaseUrl, applicationUrl: config.applicationUrl, dataDir: config.dataDir });
await migrate(db);

// Only a hash is kept, so a generated token can be shown this once and never again.
const generatedToken = config.operatorToken || (await storedOperatorTokenHash(db)) ? undefined : await rotateOperatorToken(db);

const server = await buildApp({
  db,
  studioDir: config.studioDir,
  operatorToken: config.operatorToken,
  secureCookies: config.secureCookies,
  trustedProxies: config.trustedProxies,
  passwordCost: config.passwordCost,
  sessionIdleMs: config.sessionIdleMs,
  rateLimits: config.rateLimits,
  workflows: { smtpUrl: config.workflows.smtpUrl, mailFrom: config.workflows.mailFrom, publicUrl: config.workflows.publicUrl, allowPrivateHosts: config.workflows.allowPrivateHosts },
  ...(config.workflows.jobLeaseMs ? { jobs: { leaseMs: config.workflows.jobLeaseMs } } : {}),
  starterAutomations: config.starterAutomations,
  ...(config.inboundSmtp ? { inboundSmtp: config.inboundSmtp } : {}),
  logger: process.env['PROTEAN_LOG'] === '1',
});
const demo = config.demo ? await ensureDemoWorkspace(db, server, config.demoLocale) : undefined;
const address = await server.app.listen({ host: config.host, port: config.port });

const storage = config.databaseUrl ? `Postgres server ${config.databaseUrl.replace(/\/\/[^@/]*@/, '//…@')}` : `embedded Postgres (PGlite) in ${config.dataDir}`;
const lines = [`Protean is running at ${address.replace('[::1]', '127.0.0.1')}`, `  storage:        ${storage}`];
if (demo?.created) {
  lines.push(`  workspace:      ${demo.tenant}`, `  admin login:    ${demo.email} / ${demo.created.password}`, `  API key:        ${demo.created.apiKey}`);
} else if (demo) {
  lines.push(
    `  workspace:      ${demo.tenant}`,
    `  admin login:    ${demo.email}  (password shown at first start; a new one: npm run protean -- demo:reset-password)`,
  );
}
if (generatedToken) lines.push(`  operator token: ${generatedToken}  (POST /api/v1/tenants)`);
else if (config.operatorToken) lines.push(`  operator token: from PROTEAN_OPERATOR_TOKEN  (POST /api/v1/tenants)`);
else lines.push(`  operator token: shown at first start  (a new one: npm run protean -- operator:token)`);
if (demo?.created || generatedToken) lines.push(`  Only hashes are stored: note these secrets now, they are not shown again.`);
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
// Started over an IPC channel (by a supervisor or a test harness), the server ends with its parent.
process.on('disconnect', () => void stop());
