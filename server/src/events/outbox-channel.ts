import type { Database } from '../db/database.ts';

/** NOTIFY channel that wakes outbox consumers; a hint only, consumers also poll. */
export const OUTBOX_CHANNEL = 'protean_outbox';

interface Coalesced {
  running: Promise<boolean> | undefined;
  queued: Promise<boolean> | undefined;
}
const states = new WeakMap<Database, Coalesced>();

/**
 * Tells consumers on every process that events were committed; call after the commit, never
 * inside it. Calls coalesce: at most one NOTIFY is on the wire per database and one more queued
 * for every caller that came meanwhile, so a burst of writes costs a few notices, not one each.
 * Resolves false when the notice could not be sent: the write is committed all the same, and a
 * lost notice only delays delivery until the consumers' next poll, so it never fails a request.
 */
export function notifyOutbox(db: Database): Promise<boolean> {
  let state = states.get(db);
  if (!state) states.set(db, (state = { running: undefined, queued: undefined }));
  const s = state;
  if (!s.running) {
    s.running = db.notify(OUTBOX_CHANNEL, '').then(
      () => true,
      () => false,
    ).finally(() => (s.running = undefined));
    return s.running;
  }
  // The notice on the wire may have left before this caller's commit: one more follows it.
  s.queued ??= s.running.then(() => {
    s.queued = undefined;
    return notifyOutbox(db);
  });
  return s.queued;
}
