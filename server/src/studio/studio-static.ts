import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';

/**
 * Serves the built studio at `/`: hashed assets cached for a year (in the Brotli or gzip copy the
 * build wrote beside them, when the browser accepts it), index.html never cached, and every other
 * browser route answered with index.html so client-side routes load.
 */
export async function studioStatic(app: FastifyInstance, options: { distDir: string }): Promise<void> {
  const index = join(options.distDir, 'index.html');
  if (!existsSync(index)) {
    app.get('/', async (_request, reply) => reply.type('text/plain').send('The studio has not been built: run npm start, which builds it.'));
    return;
  }
  await app.register(fastifyStatic, {
    root: options.distDir,
    prefix: '/',
    wildcard: false,
    index: false,
    preCompressed: true,
    setHeaders(response, path) {
      response.header('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  const html = readFileSync(index);
  const sendIndex = async (_request: unknown, reply: import('fastify').FastifyReply) => reply.type('text/html').header('cache-control', 'no-cache').send(html);
  app.get('/', sendIndex);
  app.get('/*', async (request, reply) => {
    if (request.url.startsWith('/api/') || request.url.startsWith('/assets/')) {
      return reply.status(404).type('application/problem+json').send({ type: 'https://protean.dev/problems/not-found', title: 'Not found', status: 404, detail: `No route GET ${request.url.split('?')[0]}` });
    }
    return sendIndex(request, reply);
  });
}
