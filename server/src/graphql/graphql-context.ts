import type { DataService } from '../data/data-service.ts';
import type { RequestContext } from '../data/request-context.ts';
import type { ChangeHub } from './change-hub.ts';
import type { RecordLoaders } from './record-loaders.ts';

/** What every resolver gets: the request context (principal, model) and the one data service. */
export interface GraphQLContext {
  ctx: RequestContext;
  data: DataService;
  /** Batches lookups and reverse relations of one request (no N+1). */
  loaders: RecordLoaders;
  /** Committed record changes of this process's outbox subscriber (subscriptions only). */
  changes: ChangeHub;
}
