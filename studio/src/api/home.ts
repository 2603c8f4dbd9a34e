// The home page's server side: the pipeline summary and the user's recently viewed records;
// workspace settings (currency, recycle bin retention) and the user's own time zone.
import { enc, http } from './http.ts';
import type { Filter, Snapshot } from './types.ts';

export interface PipelineStage {
  value: string;
  count: number;
  amount: number | null;
}

export interface PipelineSummary {
  object: string;
  groupBy: string;
  amountField: string | null;
  stages: PipelineStage[];
  total: { count: number; amount: number | null };
}

export interface RecentRecord {
  object: string;
  id: string;
  name: string;
  visitedAt: string;
}

export interface WorkspaceSettings {
  currency: string;
  /** The workspace's language: accounts created without one start in it. */
  locale: 'en' | 'zh-CN';
  recycleRetentionDays: number;
  /** The zone of today() in the workspace's formulas, rules and workflows. */
  timeZone: string;
}

export interface Invite {
  id: string;
  role: string;
  email: string | null;
  createdBy: string | null;
  createdAt: string;
  expiresAt: string;
  acceptedAt: string | null;
  acceptedUserId: string | null;
  revokedAt: string | null;
}

export interface InviteInfo {
  workspace: { slug: string; name: string };
  role: string;
  /** The profile's name as the workspace named it. */
  roleName?: string;
  email: string | null;
  expiresAt: string;
  /** The workspace's glossary: the join page speaks its terms, as the rest of the studio does. */
  terms?: Snapshot['terms'];
}

export const homeApi = {
  /** Counts and sums per picklist value; `filter` is a list filter (a kanban's), so totals match the board. */
  pipeline: (object: string, groupBy: string, amount?: string, signal?: AbortSignal, filter?: Filter | null) =>
    http.get<PipelineSummary>('/home/pipeline', { query: { object, groupBy, amount, filter: filter ? JSON.stringify(filter) : undefined }, signal }),
  recent: (limit = 8, signal?: AbortSignal) => http.get<RecentRecord[]>('/recent', { query: { limit }, signal }),
  /** Remembers that the user opened a record (fire and forget: a failure only shortens the list). */
  visited: (object: string, id: string) => http.post<unknown>('/recent', { object, id }).catch(() => undefined),
};

export const settingsApi = {
  workspace: () => http.get<WorkspaceSettings>('/workspace/settings'),
  updateWorkspace: (patch: Partial<WorkspaceSettings>) => http.patch<WorkspaceSettings>('/workspace/settings', patch),
  preferences: () => http.get<{ timeZone: string | null }>('/me/preferences'),
  updatePreferences: (patch: { timeZone: string | null }) => http.patch<{ timeZone: string | null }>('/me/preferences', patch),
};

export const invitesApi = {
  list: () => http.get<Invite[]>('/invites'),
  /** `send` mails the link to `email` in `locale` (the invitee's language) as well. */
  create: (role: string, email?: string, send?: { locale: 'en' | 'zh-CN' }) =>
    http.post<Invite & { token: string; path: string; sentTo?: string }>('/invites', { role, ...(email ? { email } : {}), ...(send ? { send: true, locale: send.locale } : {}) }),
  /** Whether the server can send mail, so the form offers sending the link by email. */
  delivery: () => http.get<{ email: boolean }>('/invites/delivery'),
  revoke: (id: string) => http.delete<unknown>(`/invites/${enc(id)}`),
  info: (token: string) => http.get<InviteInfo>(`/invites/token/${enc(token)}`),
  accept: (body: { token: string; name: string; email: string; password: string; locale?: string }) =>
    http.post<{ workspace: string; email: string; role: string }>('/invites/accept', body),
};
