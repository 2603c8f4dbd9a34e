import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { operationSchemas } from '@protean/metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, startHarness, type Harness, type TestTenant } from './harness.ts';

const apiDoc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'api.md'), 'utf8');

let h: Harness;
let t: TestTenant;

beforeAll(async () => {
  h = await startHarness();
  t = await createTestTenant(h, 'docs');
});
afterAll(async () => h?.close());

describe('docs/api.md', () => {
  it('documents every metadata operation the server accepts', () => {
    const missing = Object.keys(operationSchemas).filter((op) => !apiDoc.includes(`| \`${op}\` |`));
    expect(missing).toEqual([]);
  });

  it('names the health checks where the server answers them', async () => {
    expect(apiDoc).toContain('`GET /healthz`');
    expect(apiDoc).toMatch(/healthz.*at the root/s);
    expect((await h.server.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await h.server.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    expect((await h.server.app.inject({ method: 'GET', url: '/api/v1/healthz' })).statusCode).toBe(404);
  });

  it('every route of the OpenAPI document is in it', async () => {
    const doc = (await t.api('GET', '/openapi.json')).json() as { paths: Record<string, unknown> };
    // Per-object paths are documented once with :object; ids and keys as :id, :key…
    const generic = new Set(
      Object.keys(doc.paths).map((path) =>
        path
          .replace(/^\/(records|related)\/[a-z0-9_]+/, '/$1/:object')
          .replace(/\{([a-zA-Z]+)\}/g, ':$1'),
      ),
    );
    const documented = (path: string) => apiDoc.includes(path) || apiDoc.includes(path.replace(/:(\w+)/g, (_, n: string) => (n === 'revision' ? ':n' : `:${n}`)));
    expect([...generic].filter((path) => !documented(path))).toEqual([]);
  });
});
