import { enc, http } from './http.ts';

export const WEBHOOK_ACTIONS = ['created', 'updated', 'deleted', 'restored'] as const;
export type WebhookAction = (typeof WEBHOOK_ACTIONS)[number];

export interface Webhook {
  id: string;
  name: string;
  url: string;
  events: { object: string; actions: WebhookAction[] }[];
  filter: unknown;
  active: boolean;
  createdAt: string;
  updatedAt: string;
  /** Only in the answer to a create or a rotation. */
  secret?: string;
}

export interface NewWebhook {
  name?: string;
  url: string;
  events: { object: string; actions: WebhookAction[] }[];
  filter?: unknown;
  active?: boolean;
}

export interface Delivery {
  id: string;
  event: string;
  eventId: string;
  recordId: string | null;
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  responseStatus: number | null;
  error: string | null;
  durationMs: number | null;
  createdAt: string;
  deliveredAt: string | null;
  nextAttemptAt: string | null;
}

export const webhooksApi = {
  list: () => http.get<Webhook[]>('/webhooks'),
  create: (hook: NewWebhook) => http.post<Webhook>('/webhooks', hook),
  update: (id: string, patch: Partial<NewWebhook> & { secret?: 'rotate' }) => http.patch<Webhook>(`/webhooks/${enc(id)}`, patch),
  remove: (id: string) => http.delete<void>(`/webhooks/${enc(id)}`),
  deliveries: (id: string) => http.get<{ data: Delivery[]; nextCursor: string | null }>(`/webhooks/${enc(id)}/deliveries`),
  redeliver: (id: string, delivery: string) => http.post<{ state: string; responseStatus: number | null }>(`/webhooks/${enc(id)}/deliveries/${enc(delivery)}/redeliver`),
};

export const docsApi = {
  openApi: () => http.get<OpenApiDocument>('/openapi.json'),
};

export interface OpenApiOperation {
  tags?: string[];
  summary?: string;
  operationId?: string;
  deprecated?: boolean;
  parameters?: { name: string; in: string; schema?: Record<string, unknown>; required?: boolean }[];
  requestBody?: { content?: Record<string, { schema?: Record<string, unknown> }> };
}

export interface OpenApiDocument {
  info?: { title?: string; description?: string };
  paths: Record<string, Record<string, OpenApiOperation | unknown>>;
  components?: { schemas?: Record<string, unknown> };
}
