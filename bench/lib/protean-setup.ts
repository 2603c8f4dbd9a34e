// Setup of the Protean side through its own HTTP API: a tenant with an admin and an API key,
// and the bench customer object (bench-object.ts) beside the standard Organization object.
import { randomBytes } from 'node:crypto';
import { customerDraft, OBJECT_API_NAME, resolveBenchObject, type BenchObject, type ObjectDefLike } from './bench-object.ts';
import { http } from './http.ts';

export interface Tenant {
  tenantId: string;
  userId: string;
  apiKey: string;
  auth: Record<string, string>;
}

export async function createTenant(base: string, operatorToken: string, slug: string): Promise<Tenant> {
  const password = `bench-${randomBytes(9).toString('base64url')}`;
  const email = `admin@${slug}.example.com`;
  await http(base, 'POST', '/api/v1/tenants', { headers: { authorization: `Bearer ${operatorToken}` }, body: { slug, name: `Bench ${slug}`, admin: { email, name: 'Bench Admin', password } } });
  const login = await http(base, 'POST', '/api/v1/auth/login', { body: { tenant: slug, email, password } });
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  const key = await http(base, 'POST', '/api/v1/api-keys', { headers: { cookie, 'x-csrf-token': String(login.body.csrfToken ?? '') }, body: { name: 'bench' } });
  const apiKey = String(key.body.key);
  return { tenantId: String(login.body.tenant.id), userId: String(login.body.user.id), apiKey, auth: { authorization: `Bearer ${apiKey}` } };
}

/** Organization (the standard object when the tenant has one) and the bench customer object, via the metadata API. */
export async function createBenchObject(base: string, t: Tenant, note: (text: string) => void): Promise<{ object: BenchObject; orgNameFieldId: string }> {
  let org = await http(base, 'GET', '/api/v1/metadata/objects/organization', { headers: t.auth, expect: [200, 404] });
  if (org.status === 404) {
    note('The tenant had no standard Organization object; the bench created one (bench_org) through the metadata API.');
    await http(base, 'POST', '/api/v1/metadata/changes', {
      headers: t.auth,
      body: { message: 'bench organization', operations: [{ op: 'createObject', object: { apiName: 'organization', labels: { en: { singular: 'Organization', plural: 'Organizations' } } } }] },
    });
    org = await http(base, 'GET', '/api/v1/metadata/objects/organization', { headers: t.auth });
  }
  const orgDef = org.body as ObjectDefLike;
  await http(base, 'POST', '/api/v1/metadata/changes', { headers: t.auth, body: { message: 'bench customer object', operations: [{ op: 'createObject', object: customerDraft(orgDef.id) }] } });
  const def = (await http(base, 'GET', `/api/v1/metadata/objects/${OBJECT_API_NAME}`, { headers: t.auth })).body as ObjectDefLike;
  return { object: resolveBenchObject(def), orgNameFieldId: orgDef.nameFieldId };
}

/**
 * The application role's own login URL: the server provisions it on first start and keeps the
 * password in platform_secret, which only the owner reads.
 */
export async function applicationUrl(ownerUrl: string, query: (sql: string) => Promise<Record<string, unknown>[]>): Promise<string> {
  const [row] = await query("select value from platform_secret where key = 'application_role_password'");
  if (!row) throw new Error('the server has not provisioned its application login (platform_secret has no application_role_password)');
  const url = new URL(ownerUrl);
  url.username = 'protean_app';
  url.password = String(row['value']);
  return url.toString();
}
