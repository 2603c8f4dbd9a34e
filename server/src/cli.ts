import { parseArgs } from 'node:util';
import { readConfig } from './config.ts';
import type { Database } from './db/database.ts';
import { openDatabase } from './db/open-database.ts';
import { migrate } from './db/migrations.ts';
import { createTenant, findTenant, type NewTenant } from './tenancy/tenant-service.ts';
import { AuthService } from './auth/auth-service.ts';
import { PasswordHasher } from './auth/password-hasher.ts';
import { demoAdmin, DEMO_WORKSPACE, newDemoPassword } from './platform/demo-workspace.ts';
import { rotateOperatorToken } from './platform/operator-token.ts';

const usage = `usage: npm run protean -- <command>
  tenant:create <slug> --name <name> --admin-email <email> --admin-password <password> [--admin-name <name>] [--locale en|zh-CN] [--api-key]
  operator:token          replaces the operator token and prints the new one once
  demo:reset-password     sets a new password for the demo workspace's admin and prints it once`;

const [command, ...rest] = process.argv.slice(2);
const commands: Record<string, (db: Database, auth: AuthService) => Promise<void>> = {
  'tenant:create': createTenantCommand,
  'operator:token': async (db) => {
    const token = await rotateOperatorToken(db);
    process.stdout.write(`operator token: ${token}\n(only its hash is stored; PROTEAN_OPERATOR_TOKEN, when set, still wins)\n`);
  },
  'demo:reset-password': async (db, auth) => {
    const tenant = await findTenant(db, DEMO_WORKSPACE);
    const admin = tenant && (await demoAdmin(db, tenant.id));
    if (!tenant || !admin) throw new Error('There is no demo workspace (it is made on the first npm start unless PROTEAN_DEMO=0)');
    const password = newDemoPassword();
    await auth.setPassword(tenant.id, admin.id, password);
    process.stdout.write(`demo admin login: ${admin.email} / ${password}\n(only its hash is stored)\n`);
  },
};
const run = command ? commands[command] : undefined;
if (!run) {
  process.stderr.write(`${usage}\n`);
  process.exit(2);
}

const config = readConfig();
const db = await openDatabase({ databaseUrl: config.databaseUrl, applicationUrl: config.applicationUrl, dataDir: config.dataDir });
try {
  await migrate(db);
  await run(db, new AuthService(db, new PasswordHasher(config.passwordCost)));
} catch (error) {
  const problem = error as { message?: string; errors?: { field: string; message: string }[] };
  process.stderr.write(`error: ${problem.message ?? String(error)}\n${(problem.errors ?? []).map((e) => `  ${e.field}: ${e.message}\n`).join('')}`);
  process.exitCode = 1;
} finally {
  await db.close();
}

async function createTenantCommand(db: Database, auth: AuthService): Promise<void> {
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { name: { type: 'string' }, locale: { type: 'string' }, 'admin-email': { type: 'string' }, 'admin-password': { type: 'string' }, 'admin-name': { type: 'string' }, 'api-key': { type: 'boolean' } },
  });
  const slug = positionals[0];
  if (!slug || !values['admin-email'] || !values['admin-password']) throw new Error(usage);
  const tenant = await createTenant(
    db,
    { slug, name: values.name ?? slug, locale: values.locale as NewTenant['locale'], admin: { email: values['admin-email'], name: values['admin-name'] ?? 'Admin', password: values['admin-password'] } },
    auth.passwords,
  );
  process.stdout.write(`created workspace ${tenant.slug} (${tenant.id})\n`);
  if (values['api-key']) {
    const key = await auth.createApiKey(tenant.id, tenant.adminId, 'CLI key');
    process.stdout.write(`API key: ${key.key}\n`);
  }
}
