import { parseArgs } from 'node:util';
import { readConfig } from './config.ts';
import { openDatabase } from './db/open-database.ts';
import { migrate } from './db/migrations.ts';
import { createTenant } from './tenancy/tenant-service.ts';
import { AuthService } from './auth/auth-service.ts';

const usage = `usage: npm run protean -- tenant:create <slug> --name <name> --admin-email <email> --admin-password <password> [--admin-name <name>]`;

const [command, ...rest] = process.argv.slice(2);
if (command !== 'tenant:create') {
  process.stderr.write(`${usage}\n`);
  process.exit(2);
}
const { values, positionals } = parseArgs({
  args: rest,
  allowPositionals: true,
  options: { name: { type: 'string' }, 'admin-email': { type: 'string' }, 'admin-password': { type: 'string' }, 'admin-name': { type: 'string' }, 'api-key': { type: 'boolean' } },
});
const slug = positionals[0];
if (!slug || !values['admin-email'] || !values['admin-password']) {
  process.stderr.write(`${usage}\n`);
  process.exit(2);
}
const config = readConfig();
const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
try {
  await migrate(db);
  const tenant = await createTenant(db, {
    slug,
    name: values.name ?? slug,
    admin: { email: values['admin-email'], name: values['admin-name'] ?? 'Admin', password: values['admin-password'] },
  });
  process.stdout.write(`created workspace ${tenant.slug} (${tenant.id})\n`);
  if (values['api-key']) {
    const key = await new AuthService(db).createApiKey(tenant.id, tenant.adminId, 'CLI key');
    process.stdout.write(`API key: ${key.key}\n`);
  }
} catch (error) {
  const problem = error as { message?: string; errors?: { field: string; message: string }[] };
  process.stderr.write(`error: ${problem.message ?? String(error)}\n${(problem.errors ?? []).map((e) => `  ${e.field}: ${e.message}\n`).join('')}`);
  process.exitCode = 1;
} finally {
  await db.close();
}
