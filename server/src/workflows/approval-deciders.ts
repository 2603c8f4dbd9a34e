import { UUID } from '../http/ids.ts';
import type { RunState } from './workflow-runs.ts';

/**
 * The user who asked for an approval: who made the record change that started the run, or
 * started it by hand. None for a schedule or an inbound webhook.
 */
export function requesterOf(scope: RunState): string | null {
  const trigger = scope.trigger ?? {};
  const id = trigger['actorId'] ?? trigger['userId'];
  return typeof id === 'string' && UUID.test(id) ? id.toLowerCase() : null;
}

/** Why a user may not decide an approval, by the code `decisionRefusalSql` answers. */
export const DECISION_REFUSALS = {
  notApprover: 'Only an approver named on the request, or an administrator, may decide it',
  ownRequest: 'You asked for this approval; another approver or an administrator decides it',
} as const;

export type DecisionRefusal = keyof typeof DECISION_REFUSALS;

/**
 * Why `user` may not decide the approval row `approval` (an alias of workflow_approval), as a SQL
 * expression answering a code of DECISION_REFUSALS, or null when they may (ADR 0015, "Who decides
 * an approval"). Its named approvers decide, and so does an administrator (`administrator`, a SQL
 * boolean: the Setup right `access`); designing workflows gives no say. The requester never decides
 * their own request, unless they are its one approver and its step allows it. SQL, so that the
 * inbox selects only what its reader may decide before its limit, and a decision checks the same.
 */
export function decisionRefusalSql(approval: string, user: string, administrator: string): string {
  return `case when not (${user} = any(${approval}.assignees) or ${administrator}) then 'notApprover'
    when ${approval}.requested_by = ${user} and not (${approval}.self_approval and ${approval}.assignees = array[${user}]) then 'ownRequest' end`;
}
