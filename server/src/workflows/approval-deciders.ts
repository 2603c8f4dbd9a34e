import { UUID } from '../http/ids.ts';
import type { RunState } from './workflow-runs.ts';

/** Who an approval concerns: its approvers, the user who asked for it, and whether its step lets that user decide alone. */
export interface ApprovalParties {
  assignees: readonly string[];
  requestedBy: string | null;
  selfApproval: boolean;
}

/**
 * The user who asked for an approval: who made the record change that started the run, or
 * started it by hand. None for a schedule or an inbound webhook.
 */
export function requesterOf(scope: RunState): string | null {
  const trigger = scope.trigger ?? {};
  const id = trigger['actorId'] ?? trigger['userId'];
  return typeof id === 'string' && UUID.test(id) ? id.toLowerCase() : null;
}

/**
 * Why `userId` may not decide the approval, or undefined when they may (ADR 0015, "Who decides
 * an approval"). Its named approvers decide, and so does an administrator (`administrator`: the
 * Setup right `access`); designing workflows gives no say. The requester never decides their
 * own request, unless they are its one approver and its step allows it.
 */
export function decisionRefusal(approval: ApprovalParties, userId: string, administrator: boolean): string | undefined {
  const approver = approval.assignees.includes(userId);
  if (!approver && !administrator) return 'Only an approver named on the request, or an administrator, may decide it';
  const alone = approver && approval.assignees.length === 1;
  if (approval.requestedBy === userId && !(approval.selfApproval && alone)) return 'You asked for this approval; another approver or an administrator decides it';
  return undefined;
}
