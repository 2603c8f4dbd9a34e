import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { checkResponses, type OpenApiDocument } from '../src/http/response-contract.ts';

describe('the response contract of test servers', () => {
  it('lets documented answers through and turns one that breaks its schema into a 500 naming the route', async () => {
    const app = Fastify();
    const thing = { type: 'object', required: ['id', 'count'], properties: { id: { type: 'string', format: 'uuid' }, count: { type: 'integer' } } };
    // A route of its own, and a route by object, described per object with a reference into the document's components.
    const document: OpenApiDocument = {
      paths: {
        '/things/{id}': { get: { responses: { '200': { content: { 'application/json': { schema: thing } } } } } },
        '/records/widget': { get: { responses: { '200': { content: { 'application/json': { schema: { $ref: '#/components/schemas/Widget' } } } } } } },
      },
      components: { schemas: { Widget: { type: 'object', required: ['name'], properties: { name: { type: 'string' } }, additionalProperties: false } } },
    };
    checkResponses(app, async () => document);
    app.get('/api/v1/things/:id', async (request) => ((request.params as { id: string }).id === 'bad' ? { id: 'not-a-uuid', count: '3' } : { id: '00000000-0000-4000-8000-000000000000', count: 3, extra: true }));
    app.get('/api/v1/records/:object', async (request) => ((request.query as { bad?: string }).bad ? { name: 'w', unexpected: 1 } : { name: 'w' }));
    app.get('/api/v1/other', async () => ({ anything: 1 }));

    const good = await app.inject({ method: 'GET', url: '/api/v1/things/good' });
    expect(good.statusCode, good.body).toBe(200);
    const bad = await app.inject({ method: 'GET', url: '/api/v1/things/bad' });
    expect(bad.statusCode).toBe(500);
    expect(bad.json<{ message: string }>().message).toMatch(/GET \/things\/:id \(200\).*body\/id must match format "uuid".*body\/count must be integer/);

    expect((await app.inject({ method: 'GET', url: '/api/v1/records/widget' })).statusCode).toBe(200);
    const unexpected = await app.inject({ method: 'GET', url: '/api/v1/records/widget?bad=1' });
    expect(unexpected.statusCode).toBe(500);
    expect(unexpected.json<{ message: string }>().message).toMatch(/GET \/records\/:object \(200\).*must NOT have additional properties/);
    // Routes the document does not describe are not checked.
    expect((await app.inject({ method: 'GET', url: '/api/v1/other' })).statusCode).toBe(200);
    await app.close();
  });
});
