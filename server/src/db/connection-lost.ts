// Node socket errors and SQLSTATEs that mean the database went away (class 08: connection
// exception; 57P01–57P03: shut down, crashed, starting up), not that the statement was wrong.
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);
const SERVER_CODES = new Set(['57P01', '57P02', '57P03']);
// pg reports a connection that ended under a query, or a client already broken, without a code.
const DRIVER_MESSAGES = /^(Connection terminated|Client has encountered a connection error|Connection terminated unexpectedly)/;

/** True when `error` says the database is unreachable for now: the request may succeed if retried. */
export function isConnectionLost(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (SOCKET_CODES.has(code) || SERVER_CODES.has(code) || code.startsWith('08'))) return true;
  const message = (error as { message?: unknown }).message;
  return typeof message === 'string' && DRIVER_MESSAGES.test(message);
}
