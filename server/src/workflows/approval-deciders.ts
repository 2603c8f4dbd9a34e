import { UUID } from '../http/ids.ts';
import { conflict, forbidden, ProblemError } from '../errors/problems.ts';
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
  alreadyApproved: 'You have already approved this request; it waits for the other approvers',
  // The message names the request's status (decisionRefusal).
  decided: 'The request was already decided',
} as const;

export type DecisionRefusal = keyof typeof DECISION_REFUSALS;

/** Refusals that say the user has no say in the approval (the inbox leaves these out); the others say it is not the time. */
export const NO_SAY: readonly DecisionRefusal[] = ['notApprover', 'ownRequest'];

/** The problem a refusal answers: 403 for who the user is, 409 for a request already decided (by all, or by them). */
export function decisionRefusal(refusal: DecisionRefusal, status: string): ProblemError {
  if (refusal === 'decided') return conflict(`The request was already ${status}`);
  if (refusal === 'alreadyApproved') return conflict(DECISION_REFUSALS.alreadyApproved);
  return forbidden(DECISION_REFUSALS[refusal]);
}

/** Whether `user` asked for the approval and may not decide it: unless allowed, and named alone, a requester never decides their own request. */
const ownRequestSql = (approval: string, user: string) =>
  `coalesce(${approval}.requested_by = ${user} and not (${approval}.self_approval and ${approval}.assignees = array[${user}]), false)`;

/**
 * Why `user` may not decide the approval row `approval` (an alias of workflow_approval), as a SQL
 * expression answering a code of DECISION_REFUSALS, or null when they may (ADR 0015, "Who decides
 * an approval"). Its named approvers decide (resolved from the step's approver definitions when it
 * started, so later changes to roles and profiles move nothing), and so does an administrator
 * (`administrator`, a SQL boolean: the Setup right `access`); designing workflows gives no say. The
 * requester never decides their own request, unless they are its one approver and its step allows
 * it. A request already decided refuses every decision; one that waits for every approver refuses
 * an approver a second one. SQL, so that the inbox selects only what its reader may decide before
 * its limit, and a decision checks the same.
 */
export function decisionRefusalSql(approval: string, user: string, administrator: string): string {
  return `case when not (${user} = any(${approval}.assignees) or ${administrator}) then 'notApprover'
    when ${ownRequestSql(approval, user)} then 'ownRequest'
    when ${approval}.status <> 'pending' then 'decided'
    when ${approval}.decision_mode = 'unanimous' and exists (select 1 from workflow_approval_vote v
      where v.tenant_id = ${approval}.tenant_id and v.approval_id = ${approval}.id and v.user_id = ${user}) then 'alreadyApproved' end`;
}

/**
 * The approvers a request decided by every approver still waits for, as a SQL uuid[]: its named
 * approvers whom the rule above lets decide as approvers (the requester is not one, unless allowed)
 * and who have not approved. Empty once every one has.
 */
export function awaitedApproversSql(approval: string): string {
  return `array(select u from unnest(${approval}.assignees) u
    where not ${ownRequestSql(approval, 'u')}
      and not exists (select 1 from workflow_approval_vote v where v.tenant_id = ${approval}.tenant_id and v.approval_id = ${approval}.id and v.user_id = u and v.decision = 'approved'))`;
}

/** The approvers whose approval a unanimous request needs (its named approvers the requester rule lets decide), as a SQL integer. */
export function requiredApproversSql(approval: string): string {
  return `(select count(*)::int from unnest(${approval}.assignees) u
    where not ${ownRequestSql(approval, 'u')})`;
}
