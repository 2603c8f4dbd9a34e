import { foldCase } from '@protean/metadata/field-types';
import type { Principal } from '../auth/principal.ts';
import { recordAccessSql } from '../access/record-access.ts';
import type { DataService } from '../data/data-service.ts';
import { Params } from '../data/sql/params.ts';
import type { RequestContext } from '../data/request-context.ts';
import { validationError, type FieldProblem } from '../errors/problems.ts';
import type { MetadataService } from '../metadata/metadata-service.ts';

export const communicationTypes = ['call', 'email', 'message', 'visit', 'meeting', 'note'] as const;
export type CommunicationType = (typeof communicationTypes)[number];

/** One communication from an external system (a phone system, a mail server, a chat tool). */
export interface Communication {
  type: CommunicationType;
  channel?: string;
  subject?: string;
  body?: string;
  occurredAt?: string;
  durationMinutes?: number;
  /** Who it was with: matched to a customer by email, then phone (mobile included). */
  contact: { email?: string; phone?: string; name?: string };
  /** The sender's id for it: the same id again is not logged twice. */
  externalId?: string;
}

export interface Captured {
  customerId: string;
  customerCreated: boolean;
  activityId: string;
  duplicate: boolean;
}

const CHANNEL_OF: Record<CommunicationType, string | undefined> = { call: 'phone', email: 'email', message: 'sms', visit: 'in_person', meeting: 'in_person', note: undefined };
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * Logs communications as activities on the customer they were with, creating the customer when
 * the email or phone is unknown: the customer, the activity and the receipt of the external id
 * are one transaction through the save pipeline, so validation, terms, outbox events (and the
 * workflows they trigger) apply as for any save.
 */
export class CaptureService {
  readonly #metadata: MetadataService;
  readonly #data: DataService;

  constructor(metadata: MetadataService, data: DataService) {
    this.#metadata = metadata;
    this.#data = data;
  }

  async capture(principal: Principal, input: Communication): Promise<Captured> {
    const problems = checkCommunication(input);
    if (problems.length) throw validationError('The communication is not valid', problems);
    const ctx: RequestContext = { principal, model: await this.#metadata.model(principal.tenantId) };
    return this.#data.save.inScope(ctx, async (scope, ctx) => {
      const { tx, model } = scope;
      const tenantId = principal.tenantId;
      if (input.externalId) {
        const [seen] = await tx.query<{ activityId: string; customerId: string }>(
          'select activity_id as "activityId", customer_id as "customerId" from capture_receipt where tenant_id = $1 and external_id = $2',
          [tenantId, input.externalId],
        );
        if (seen) return { ...seen, customerCreated: false, duplicate: true };
      }
      const customer = this.#data.object(model, 'customer');
      const activity = this.#data.object(model, 'activity');
      const trimmed = input.contact.email?.trim();
      // Lowered as the match below lowers the stored emails.
      const email = trimmed === undefined ? undefined : foldCase(trimmed);
      const digits = input.contact.phone?.replace(/\D/g, '');
      // The contact is matched as the capturing principal would find it: among the customers it
      // may read, by the email and phone fields it may read. Otherwise which customer (or whether
      // any) holds a hidden value would show in the answer.
      const shape = await this.#data.access.shapeOf(principal, tx);
      const readable = (name: string) => {
        const field = model.field(customer, name);
        return field && shape.canReadField(customer, field) ? field : undefined;
      };
      const emailField = readable('email');
      const phoneFields = ['phone', 'mobile'].map(readable).filter((f) => f !== undefined);
      const params = new Params();
      params.values.push(tenantId, customer.id, emailField ? (email ?? null) : null, emailField?.id ?? 'email', phoneFields.length ? digits || null : null, phoneFields[0]?.id ?? 'phone', phoneFields[1]?.id ?? phoneFields[0]?.id ?? 'phone');
      const visible = recordAccessSql(shape).predicate(customer.id, 'r', params, '$1::uuid');
      const [match] = await tx.query<{ id: string }>(
        `select r.id from record r where r.tenant_id = $1 and r.object_id = $2 and r.deleted_at is null${visible ? ` and ${visible}` : ''} and (
           ($3::text is not null and lower(r.data->>$4) = $3) or ($5::text is not null and length($5) >= 5 and regexp_replace(coalesce(r.data->>$6, ''), '\\D', '', 'g') = $5)
           or ($5::text is not null and length($5) >= 5 and regexp_replace(coalesce(r.data->>$7, ''), '\\D', '', 'g') = $5))
         order by (lower(r.data->>$4) = $3) desc nulls last, r.created_at limit 1`,
        params.values,
      );
      let customerId = match?.id;
      const created = !customerId;
      if (!customerId) {
        const name = input.contact.name?.trim() || email?.split('@')[0] || input.contact.phone?.trim() || 'Unknown';
        const parts = name.split(/\s+/);
        const values: Record<string, unknown> = { last_name: parts.length > 1 ? parts.slice(1).join(' ') : parts[0], ...(parts.length > 1 ? { first_name: parts[0] } : {}) };
        if (email) values['email'] = email;
        if (input.contact.phone) values[input.type === 'message' && model.field(customer, 'mobile') ? 'mobile' : 'phone'] = input.contact.phone.trim();
        customerId = String((await this.#data.create(ctx, customer, values))['id']);
      }
      const values: Record<string, unknown> = {
        subject: (input.subject?.trim() || defaultSubject(input.type)).slice(0, 200),
        type: input.type,
        customer: customerId,
        occurred_at: input.occurredAt ?? new Date().toISOString(),
      };
      const channel = input.channel ?? CHANNEL_OF[input.type];
      if (channel && model.field(activity, 'channel')) values['channel'] = channel;
      if (input.body && model.field(activity, 'notes')) values['notes'] = input.body.slice(0, 50_000);
      if (input.durationMinutes !== undefined && model.field(activity, 'duration_minutes')) values['duration_minutes'] = input.durationMinutes;
      const activityId = String((await this.#data.create(ctx, activity, values))['id']);
      if (input.externalId) {
        await tx.query('insert into capture_receipt (tenant_id, external_id, activity_id, customer_id) values ($1, $2, $3, $4)', [tenantId, input.externalId, activityId, customerId]);
      }
      return { customerId, customerCreated: created, activityId, duplicate: false };
    });
  }
}

function defaultSubject(type: CommunicationType): string {
  return { call: 'Call', email: 'Email', message: 'Message', visit: 'Visit', meeting: 'Meeting', note: 'Note' }[type];
}

export function checkCommunication(input: Communication): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!communicationTypes.includes(input.type)) problems.push({ field: 'type', code: 'invalid', message: `one of ${communicationTypes.join(', ')}` });
  const contact = input.contact ?? {};
  if (!contact.email && !contact.phone) problems.push({ field: 'contact', code: 'required', message: 'an email or a phone number identifies who it was with' });
  if (contact.email && !EMAIL.test(contact.email.trim())) problems.push({ field: 'contact.email', code: 'format', message: 'is not an email address' });
  if (contact.phone && (contact.phone.replace(/\D/g, '').length < 5 || contact.phone.length > 40)) problems.push({ field: 'contact.phone', code: 'format', message: 'is not a phone number' });
  if (input.occurredAt !== undefined && Number.isNaN(Date.parse(input.occurredAt))) problems.push({ field: 'occurredAt', code: 'format', message: 'is not a date and time' });
  return problems;
}
