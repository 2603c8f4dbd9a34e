import type { Database } from '../db/database.ts';

/** NOTIFY channel that wakes outbox consumers; a hint only, consumers also poll. */
export const OUTBOX_CHANNEL = 'protean_outbox';

/** Tells consumers on every process that events were committed; call after the commit, never inside. */
export function notifyOutbox(db: Database): Promise<void> {
  return db.notify(OUTBOX_CHANNEL, '');
}
