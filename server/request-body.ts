/**
 * Whether a request comes with a body, from its framing headers alone (RFC
 * 9112 section 6.3: a body is framed by `Transfer-Encoding` or a non-zero
 * `Content-Length`). One home for the rule the body limits, the body
 * watchdog and the error handler share.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** True if the request declares a body (chunked, or a `Content-Length` other than 0). */
export function declaresBody(req: IncomingMessage): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = req.headers['content-length'];
  return length !== undefined && length !== '0';
}

/**
 * True while a declared body has not been read to its end: answering now
 * must close the connection, or Node would read (and discard) the whole rest
 * of it to keep the connection alive, however large it was declared.
 */
export function bodyUnread(req: IncomingMessage): boolean {
  return declaresBody(req) && !req.complete;
}

/**
 * How long a connection answered before its body was read keeps reading
 * (and discarding) what the client still sends, after the answer is out.
 */
export const LINGER_MS = 2000;

/**
 * Answers a request whose body is still arriving with `Connection: close`,
 * then closes gently ("lingering close", as web servers do): the write side
 * is shut after the answer, and what the client keeps sending is read and
 * dropped until it closes or {@link LINGER_MS} pass. Closing at once would
 * drop the unread bytes with a TCP reset, which can reach the client before
 * it has read the answer: a tool pushing a too-large reply would see
 * "connection reset" instead of `413 REPLY_TOO_LARGE`.
 */
export function closeAfterAnswer(req: IncomingMessage, res: ServerResponse): void {
  res.setHeader('Connection', 'close');
  // Null once the connection is gone: nothing is left to close.
  const socket = req.socket as Socket | null;
  if (socket === null) return;
  // Node ends a `Connection: close` answer's socket with destroySoon(): shut
  // the write side instead and destroy only once the client is done or late.
  let lingering = false;
  socket.destroySoon = function lingeringClose(this: Socket): void {
    // Node and the body guard may both ask: one lingering close is enough.
    if (this.destroyed || lingering) return;
    lingering = true;
    this.end();
    this.resume();
    const timer = setTimeout(() => this.destroy(), LINGER_MS);
    timer.unref();
    this.once('close', () => {
      clearTimeout(timer);
    });
    this.once('end', () => this.destroy());
  };
}
