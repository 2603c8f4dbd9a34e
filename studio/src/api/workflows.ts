import type { WorkflowDefinition } from '@protean/metadata/workflows';
import { enc, http } from './http.ts';

export interface Workflow {
  id: string;
  apiName: string;
  label: string;
  description: string;
  status: 'active' | 'inactive' | 'paused';
  version: number;
  activeVersion: number | null;
  triggerType: string;
  pausedReason: string | null;
  updatedAt: string;
}

export interface WorkflowWithDefinition extends Workflow {
  definition: WorkflowDefinition;
  shownVersion: number;
}

export interface WorkflowVersion {
  version: number;
  label: string;
  message: string;
  createdAt: string;
}

export interface WorkflowRun {
  id: string;
  status: 'queued' | 'running' | 'waiting' | 'completed' | 'failed' | 'cancelled';
  version: number;
  recordId: string | null;
  error: string | null;
  failedStep: string | null;
  test: boolean;
  startedAt: string;
  finishedAt: string | null;
}

/** A hand-started workflow a record page or list offers as a button. */
export interface WorkflowButton {
  apiName: string;
  label: string;
  description: string;
  inputSchema: Record<string, unknown> | null;
  /** Whether a run may write records: then it starts only where the user may edit the record. */
  writes: boolean;
}

export interface StepExecution {
  seq: number;
  stepId: string;
  type: string;
  status: 'running' | 'waiting' | 'completed' | 'failed';
  attempt: number;
  input: unknown;
  output: unknown;
  error: string | null;
  startedAt: string;
  durationMs: number | null;
}

/** One approver of a request and their decision (none while awaited). */
export interface ApprovalDecision {
  userId: string;
  name: string | null;
  decision: 'approved' | 'rejected' | null;
  comment: string | null;
  decidedAt: string | null;
}

/** An approval request in the inbox: what asks, who decides, and how far a unanimous one has come. */
export interface Approval {
  id: string;
  runId: string;
  message: string;
  status: 'pending' | 'approved' | 'rejected' | 'cancelled';
  workflow: string;
  createdAt: string;
  decisionMode: 'first' | 'unanimous';
  decisions: ApprovalDecision[];
  progress: { required: number; waitingFor: string[] } | null;
  mayDecide: boolean;
}

/** The profiles and roles an approval step may name as approvers. */
export interface ApproverChoices {
  profiles: { key: string; name: string }[];
  roles: { id: string; name: string; parentId: string | null }[];
}

export const workflowsApi = {
  approvals: () => http.get<{ approvals: Approval[] }>('/workflow-approvals').then((r) => r.approvals),
  decide: (id: string, decision: 'approved' | 'rejected') => http.post<{ decided: string; status: string; waitingFor: string[] }>(`/workflow-approvals/${enc(id)}/decision`, { decision }),
  approverChoices: () => http.get<ApproverChoices>('/workflow-approver-choices'),
  list: () => http.get<{ workflows: Workflow[] }>('/workflows').then((r) => r.workflows),
  get: (id: string, version?: number) => http.get<WorkflowWithDefinition>(`/workflows/${enc(id)}`, version ? { query: { version } } : undefined),
  create: (body: { apiName: string; label: string; definition: WorkflowDefinition }) => http.post<Workflow>('/workflows', body),
  update: (id: string, body: { label?: string; definition?: WorkflowDefinition; message?: string; expectedVersion?: number }) => http.patch<Workflow>(`/workflows/${enc(id)}`, body),
  activate: (id: string) => http.post<Workflow>(`/workflows/${enc(id)}/activate`),
  deactivate: (id: string) => http.post<Workflow>(`/workflows/${enc(id)}/deactivate`),
  versions: (id: string) => http.get<{ versions: WorkflowVersion[] }>(`/workflows/${enc(id)}/versions`).then((r) => r.versions),
  buttons: (object: string) => http.get<{ buttons: WorkflowButton[] }>('/workflow-buttons', { query: { object } }).then((r) => r.buttons),
  start: (id: string, body: { recordId?: string; input?: Record<string, unknown>; test?: boolean }) => http.post<{ runId: string }>(`/workflows/${enc(id)}/runs`, body),
  runs: (id: string) => http.get<{ runs: WorkflowRun[] }>(`/workflows/${enc(id)}/runs`).then((r) => r.runs),
  run: (runId: string) => http.get<WorkflowRun & { steps: StepExecution[] }>(`/workflow-runs/${enc(runId)}`),
  retry: (runId: string) => http.post(`/workflow-runs/${enc(runId)}/retry`),
  cancel: (runId: string) => http.post(`/workflow-runs/${enc(runId)}/cancel`),
};
