/**
 * Settings of each listening HTTP server below Express: Node's timeouts, the
 * connection bound, and the answer to requests Node's parser rejects before
 * Express sees them (malformed request line, both `Content-Length` and
 * `Transfer-Encoding`, oversized headers, timeouts, `CONNECT`). Those answers carry the
 * same security headers and JSON error shape as every other answer.
 *
 * Timeouts, for a source on Tor (see server/body-guard.ts for the body pace):
 * - headers: {@link HEADERS_TIMEOUT_MS}. A request's headers are a few
 *   hundred bytes; a minute covers any Tor latency spike.
 * - whole request: {@link REQUEST_TIMEOUT_MS}, a backstop only. The body
 *   watchdog decides first; this bounds a body that keeps the minimum pace
 *   forever. The longest legitimate body, a 64 MiB reply at 256 kbit/s, takes
 *   about 35 minutes.
 * - idle keep-alive: {@link KEEP_ALIVE_TIMEOUT_MS}. Long enough that a page
 *   working through a batch keeps its connection (a new one costs a Tor
 *   stream set-up), short enough that idle connections do not pile up.
 */
import { STATUS_CODES, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { API_ERRORS, type ApiErrorCode } from '../client/core/api-errors.js';
import { errorBody } from './errors.js';
import type { Logger } from './logging.js';
import { SECURITY_HEADERS } from './security-headers.js';

export const HEADERS_TIMEOUT_MS = 60_000;
export const REQUEST_TIMEOUT_MS = 60 * 60_000;
export const KEEP_ALIVE_TIMEOUT_MS = 30_000;

export interface ListenerSettings {
  readonly listener: 'source' | 'editor';
  /** `SEALDROP_MAX_CONNECTIONS`: connections beyond it are closed on arrival. */
  readonly maxConnections: number;
  readonly logger: Logger;
}

/**
 * The registry code for an error Node's HTTP layer reports on a connection
 * (`clientError`), or null when there is nobody to answer (the peer reset).
 */
export function codeOfClientError(error: NodeJS.ErrnoException): ApiErrorCode | null {
  switch (error.code) {
    // The peer reset, or the connection ended mid-request (the route reading it reports the client gone).
    case 'ECONNRESET':
    case 'EPIPE':
    case 'HPE_INVALID_EOF_STATE':
      return null;
    case 'HPE_HEADER_OVERFLOW':
      return 'REQUEST_HEADERS_TOO_LARGE';
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return 'REQUEST_TIMEOUT';
    default:
      return 'MALFORMED_REQUEST';
  }
}

/** A complete HTTP/1.1 error answer that closes the connection, written byte for byte. */
export function rawErrorAnswer(code: ApiErrorCode): string {
  const status = API_ERRORS[code].status;
  const body = JSON.stringify(errorBody(code));
  const headers = {
    ...SECURITY_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    Connection: 'close',
  };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${lines.join('')}\r\n${body}`;
}

/** Whether the connection is in the middle of an answer (its status line is gone). */
function answerStarted(socket: Socket): boolean {
  const pending = (socket as Socket & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  return pending?.headersSent === true;
}

/**
 * Applies the timeouts, the connection bound and the parser-error answer to
 * a listening server.
 */
export function configureListener(server: Server, settings: ListenerSettings): void {
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.maxConnections = settings.maxConnections;
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    const code = codeOfClientError(error);
    if (code !== null) {
      // Node's own code only: the error's message and `rawPacket` hold request bytes.
      settings.logger.debug(
        { listener: settings.listener, code: /^[A-Z0-9_]{1,64}$/.test(error.code ?? '') ? error.code : 'OTHER' },
        'request refused by the HTTP parser',
      );
    }
    if (code === null || !socket.writable || answerStarted(socket)) {
      socket.destroy();
      return;
    }
    answerAndClose(socket, code);
  });
  // An expectation other than 100-continue would get Node's bare 417, without
  // headers or a code; RFC 9110 (section 10.1.1) lets a server ignore it instead.
  server.on('checkExpectation', (req, res) => {
    server.emit('request', req, res);
  });
  // Node hands CONNECT (a proxy tunnel request) to this event and, with no
  // listener, drops the connection without a word. Neither listener is a proxy.
  server.on('connect', (_req, socket: Socket) => {
    settings.logger.debug({ listener: settings.listener, code: 'CONNECT' }, 'request refused by the HTTP parser');
    answerAndClose(socket, 'MALFORMED_REQUEST');
  });
}

/** Writes the raw answer for `code` and closes the connection once it is out. */
function answerAndClose(socket: Socket, code: ApiErrorCode): void {
  socket.end(rawErrorAnswer(code));
  // The peer may keep its side open: close once the answer is written.
  socket.once('finish', () => socket.destroy());
}
