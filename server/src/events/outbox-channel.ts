import type { Database } from '../db/database.ts';

/** NOTIFY channel that wakes outbox consumers; a hint only, consumers also poll. */
export const OUTBOX_CHANNEL = 'protean_outbox';

// Commits within this window share one notice: under load a notice per write cost ~5 % of the
// create throughput, and a consumer woken a few milliseconds later loses nothing. As long as the
// consumers' gather (outbox-consumer.ts): a consumer reads at most once in that time anyway, and a
// notice every 5 ms was a statement and a wake-up of every listening process per three creates.
const NOTICE_WINDOW_MS = 20;

const pending = new WeakMap<Database, Promise<boolean>>();

/**
 * Tells consumers on every process that events were committed; call after the commit, never
 * inside it. Calls within a few milliseconds share one NOTIFY, sent after the window, so it
 * follows every commit that asked for it. Resolves false when the notice could not be sent: the
 * write is committed all the same, and a lost notice only delays delivery until the consumers'
 * next poll, so it never fails a request.
 */
export function notifyOutbox(db: Database): Promise<boolean> {
  let notice = pending.get(db);
  if (!notice) {
    notice = new Promise<void>((resolve) => setTimeout(resolve, NOTICE_WINDOW_MS)).then(() => {
      // Later calls start a window of their own: this notice may leave before their commits.
      pending.delete(db);
      return db.notify(OUTBOX_CHANNEL, '').then(
        () => true,
        () => false,
      );
    });
    pending.set(db, notice);
  }
  return notice;
}
