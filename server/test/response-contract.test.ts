import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { checkResponses } from '../src/http/response-contract.ts';

describe('the response contract of test servers', () => {
  it('lets a documented answer through and turns one that breaks its schema into a 500 naming the route', async () => {
    const app = Fastify();
    checkResponses(app, (operation) => (operation === 'GET /things/:id' ? { status: 200, schema: { type: 'object', required: ['id', 'count'], properties: { id: { type: 'string', format: 'uuid' }, count: { type: 'integer' } } } } : undefined));
    app.get('/api/v1/things/:id', async (request) => ((request.params as { id: string }).id === 'bad' ? { id: 'not-a-uuid', count: '3' } : { id: '00000000-0000-4000-8000-000000000000', count: 3, extra: true }));
    app.get('/api/v1/other', async () => ({ anything: 1 }));
    const good = await app.inject({ method: 'GET', url: '/api/v1/things/good' });
    expect(good.statusCode, good.body).toBe(200);
    const bad = await app.inject({ method: 'GET', url: '/api/v1/things/bad' });
    expect(bad.statusCode).toBe(500);
    expect(bad.json<{ message: string }>().message).toMatch(/GET \/things\/:id.*body\/id must match format "uuid".*body\/count must be integer/);
    // Undocumented routes are not checked.
    expect((await app.inject({ method: 'GET', url: '/api/v1/other' })).statusCode).toBe(200);
    await app.close();
  });
});
