import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { PROBLEM_BASE } from '../errors/problems.ts';

/** How long a refused client may keep sending before its socket is closed. */
const DRAIN_MS = 2_000;

// Input that keeps arriving while the socket drains raises further parser errors: answer once.
const answered = new WeakSet<Socket>();

/**
 * Node's HTTP parser refuses some requests before Fastify sees them (headers over
 * `maxHeaderSize`, malformed request lines, a timeout). Answer each with a problem document,
 * then half-close and drain: destroying a socket that still has unread input makes the kernel
 * send a reset, and the client loses the answer.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed || answered.has(socket)) return;
  const [status, type, detail] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'header-too-large', 'The request headers are larger than 16 KB']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'timeout', 'The request took too long to arrive']
        : [400, 'bad-request', 'The request is not valid HTTP'];
  answerOnSocket(socket, status, type, detail);
}

/**
 * A CONNECT request (a proxy tunnel): Node hands its socket to the server's 'connect' listeners
 * and, with none, destroys it unanswered. This server is no proxy: 405, as for any method it
 * does not serve.
 */
export function answerConnect(_request: IncomingMessage, socket: Socket): void {
  if (socket.destroyed || answered.has(socket)) return;
  answerOnSocket(socket, 405, 'method-not-allowed', 'CONNECT is not served here: this is not a proxy');
}

function answerOnSocket(socket: Socket, status: number, type: string, detail: string): void {
  answered.add(socket);
  const body = JSON.stringify({ type: PROBLEM_BASE + type, title: STATUS_CODES[status], status, detail });
  if (socket.writable) {
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.resume();
  socket.setTimeout(DRAIN_MS, () => socket.destroy());
}
