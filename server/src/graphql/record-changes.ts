import type { ObjectDef } from '@protean/metadata';
import { redactEventPayload } from '../access/record-access.ts';
import type { ApiRecord } from '../data/record-codec.ts';
import type { OutboxEvent } from '../events/outbox-reader.ts';
import type { GraphQLContext } from './graphql-context.ts';

export interface RecordChange {
  event: string;
  id: string;
  eventId: string;
  occurredAt: string;
  changedFields: string[] | null;
  record: ApiRecord | null;
}

/** Events waiting for a slow subscriber; past this the subscription ends with an error rather than growing without bound. */
const QUEUE_LIMIT = 1_000;

/**
 * The committed changes of one object for one subscriber, as an async iterator. Each record is
 * read through the data service with the subscriber's context when its event arrives: a change
 * the principal cannot read is not sent, one whose record was deleted since comes without it.
 */
export function recordChanges(context: GraphQLContext, object: ObjectDef, events: readonly string[] | undefined): AsyncIterableIterator<RecordChange> {
  const queue: OutboxEvent[] = [];
  let wake: (() => void) | undefined;
  let done = false;
  let overflow = false;
  const stop = context.changes.listen(context.ctx.principal.tenantId, object.id, (event) => {
    if (events && !events.includes(event.event)) return;
    if (queue.length >= QUEUE_LIMIT) overflow = true;
    else queue.push(event);
    wake?.();
  });

  const changeOf = async (event: OutboxEvent): Promise<RecordChange | undefined> => {
    const stored = (event.payload ?? {}) as { changes?: Record<string, unknown> };
    // The changed fields the subscriber may read: a change of hidden fields alone is not news to it.
    const payload = redactEventPayload(await context.data.access.shapeOf(context.ctx.principal), context.ctx.model, object, stored) as typeof stored;
    if (stored.changes && Object.keys(stored.changes).length && !Object.keys(payload.changes ?? {}).length) return undefined;
    const changedFields = payload.changes
      ? Object.keys(payload.changes).flatMap((id) => {
          const field = context.ctx.model.fieldById(object, id);
          return field && !field.deletedAt ? [field.apiName] : [];
        })
      : null;
    let record: ApiRecord | null = null;
    if (event.event === 'deleted') {
      // A deleted record is the subscriber's news only if it could read it.
      if (!(await context.data.canRead(context.ctx, object, event.recordId!))) return undefined;
    } else {
      try {
        record = await context.data.get(context.ctx, object, event.recordId!);
      } catch (error) {
        if ((error as { status?: number }).status !== 404) throw error;
        // Deleted since (an update followed by a delete): the change is still the subscriber's
        // if it may read the record, without its values; otherwise it is not sent.
        if (!(await context.data.canRead(context.ctx, object, event.recordId!))) return undefined;
      }
    }
    return { event: event.event, id: event.recordId!, eventId: String(event.id), occurredAt: new Date(event.occurredAt).toISOString(), changedFields, record };
  };

  const iterator: AsyncIterableIterator<RecordChange> = {
    [Symbol.asyncIterator]: () => iterator,
    async next(): Promise<IteratorResult<RecordChange>> {
      while (!done) {
        if (overflow) {
          done = true;
          stop();
          throw new Error(`More than ${QUEUE_LIMIT} changes waited for this subscriber; subscribe again and re-read what you need`);
        }
        const event = queue.shift();
        if (event) {
          const change = await changeOf(event);
          if (change) return { value: change, done: false };
          continue;
        }
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
      return { value: undefined, done: true };
    },
    async return(): Promise<IteratorResult<RecordChange>> {
      done = true;
      stop();
      wake?.();
      return { value: undefined, done: true };
    },
  };
  return iterator;
}
