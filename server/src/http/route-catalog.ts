import type { FastifyInstance } from 'fastify';

/** A route under /api/v1 as registered: its method, its path below the prefix, and the schemas it validates with. */
export interface CatalogedRoute {
  method: string;
  url: string;
  schema?: { params?: unknown; querystring?: unknown; body?: unknown };
}

export const API_PREFIX = '/api/v1';

/**
 * The OpenAPI path of a route (below the prefix): `{param}` for `:param`, and the routes by
 * object (`/records/:object…`) under the object's API name, as the document describes them.
 */
export function documentPath(url: string, object: string | undefined): string {
  const concrete = object !== undefined && url.startsWith('/records/:object') ? url.replace(':object', object) : url;
  return concrete.replace(/:([A-Za-z]+)/g, '{$1}');
}

/**
 * Every route of the tenant API as Fastify registers it, kept for the OpenAPI document
 * (`openapi-routes.ts`): the document describes each route with the schemas the route itself
 * validates with. Attached before any route is registered.
 */
export class RouteCatalog {
  readonly routes: CatalogedRoute[] = [];

  attach(app: FastifyInstance): void {
    app.addHook('onRoute', (route) => {
      if (!route.url.startsWith(`${API_PREFIX}/`)) return;
      const schema = route.schema as CatalogedRoute['schema'] | undefined;
      for (const method of [route.method].flat()) {
        if (method === 'HEAD' || method === 'OPTIONS') continue;
        this.routes.push({ method, url: route.url.slice(API_PREFIX.length), ...(schema ? { schema } : {}) });
      }
    });
  }
}
