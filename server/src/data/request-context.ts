import type { Principal } from '../auth/principal.ts';
import type { Queryable } from '../db/database.ts';
import type { TenantModel } from './tenant-model.ts';

/**
 * Who acts, for which tenant, against which model revision: what every service of the data
 * path receives. REST builds one per request; scripts, workflows, imports and plugins build
 * theirs with a principal of their own.
 */
export interface RequestContext {
  readonly principal: Principal;
  /** The tenant's model at the revision the request was compiled against. */
  readonly model: TenantModel;
  /** A transaction a caller already holds (a script, a workflow step); writes then join it. */
  readonly scope?: WriteScope;
}

/**
 * An open write transaction: fenced against metadata changes, with the model of the revision
 * that is current for the whole transaction. Work that must wait for the commit queues itself
 * in `afterCommit`; whoever opened the transaction runs it once committed.
 */
export interface WriteScope {
  readonly tx: Queryable;
  readonly model: TenantModel;
  readonly afterCommit: (() => void | Promise<void>)[];
  /**
   * Reads ahead of a one-statement create, outside any transaction (SavePipeline): hooks may read
   * through `tx` but never write; a hook that needs to write sends the create down the
   * transactional path.
   */
  readonly readOnly?: boolean;
}

/** Loads a tenant's model at a revision, inside a transaction when one is given. */
export interface ModelSource {
  modelAt(tenantId: string, revision: number, q?: Queryable): Promise<TenantModel>;
}

export const tenantOf = (ctx: RequestContext) => ctx.principal.tenantId;
