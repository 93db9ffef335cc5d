/**
 * Rules for every request body on both listeners, before any route sees it:
 * no content coding the routes cannot read, and a watchdog that answers a
 * body that stops arriving or crawls, so no request holds an upload slot, a
 * mailbox lock or a connection indefinitely.
 *
 * The pace a source must keep, and why it is safe. The slowest link the
 * design plans for is Tor at 256 kbit/s (32 KB/s) with dropouts; a 16 MiB
 * chunk (the default largest) takes about 9 minutes there, a 64 MiB reply
 * about 35. The watchdog asks far less:
 * - idle: no byte for `bodyIdleSeconds` (default 60). Tor's own circuit
 *   timeouts drop a dead link well within a minute, and a live one that
 *   pauses longer than that has stopped: the page resumes on a new request.
 * - pace: after {@link BODY_RATE_GRACE_SECONDS}, at least
 *   {@link MIN_BODY_BYTES_PER_SECOND} on average since the body started,
 *   1/16 of that slowest link, so a source can lose most of every minute to
 *   dropouts and still pass. A client that trickles a byte now and then to
 *   dodge the idle limit is cut at the grace's end.
 * Time the server itself holds the body back (the route is not reading yet,
 * or the disk is slower than the link) is not counted against the client.
 * Node's `requestTimeout` stays as the backstop (server/listener-settings.ts).
 */
import type { RequestHandler } from 'express';
import { ApiError, errorBody } from './errors.js';
import { declaresBody } from './request-body.js';

/** The least average pace of a body once the grace is over (16 kbit/s). */
export const MIN_BODY_BYTES_PER_SECOND = 2 * 1024;

/** How long a body may start slowly (a Tor circuit warming up) before its pace counts. */
export const BODY_RATE_GRACE_SECONDS = 120;

/** How long after a timeout's answer the connection is cut if it has not closed by itself. */
const CLOSE_FALLBACK_MS = 5_000;

/**
 * Refuses a body in any content coding (`Content-Encoding` other than absent
 * or `identity`) with UNSUPPORTED_ENCODING: no route inflates bodies, so a
 * gzip body would be parsed as garbage or, before, inflated by a parser that
 * failed with 500 on invalid input. A request without a body is not judged
 * by this header: it has nothing to decode.
 */
export const refuseContentEncoding: RequestHandler = (req, _res, next) => {
  const coding = req.headers['content-encoding'];
  if (coding === undefined || !declaresBody(req) || coding.trim().toLowerCase() === 'identity') next();
  else next(new ApiError('UNSUPPORTED_ENCODING'));
};

/** What the watchdog asks of a body (see the module comment). */
export interface BodyPace {
  readonly idleSeconds: number;
  readonly minBytesPerSecond: number;
  readonly graceSeconds: number;
}

/** The pace for a `bodyIdleSeconds` setting, with this module's minimum rate and grace. */
export function bodyPace(idleSeconds: number): BodyPace {
  return { idleSeconds, minBytesPerSecond: MIN_BODY_BYTES_PER_SECOND, graceSeconds: BODY_RATE_GRACE_SECONDS };
}

/**
 * Watches every request that declares a body until the body has arrived:
 * a body idle for `idleSeconds`, or slower than `minBytesPerSecond` on
 * average after `graceSeconds`, is answered `408 BODY_TIMEOUT` with
 * `Connection: close`; once Node has closed the connection, the request's
 * stream is destroyed, which ends it for whatever route is reading it (its
 * slot is freed and its error handled as a client gone, server/errors.ts).
 * Progress is read from the socket's byte counter, so the watchdog never
 * reads the body itself.
 */
export function bodyWatchdog(pace: BodyPace, now: () => number = Date.now): RequestHandler {
  const idleMs = pace.idleSeconds * 1000;
  const graceMs = pace.graceSeconds * 1000;
  const tickMs = Math.max(10, Math.min(1000, idleMs / 4));
  return (req, res, next) => {
    if (!declaresBody(req) || req.complete) {
      next();
      return;
    }
    const socket = req.socket;
    const started = now();
    const startBytes = socket.bytesRead;
    let lastTick = started;
    let lastProgress = started;
    let lastBytes = startBytes;
    let heldByServer = 0;
    const check = (): void => {
      if (req.complete || res.headersSent || socket.destroyed) {
        stop();
        return;
      }
      const time = now();
      const bytes = socket.bytesRead;
      // Bytes waiting in the request's buffer: the server is not reading, the client is not late.
      const waitingOnServer = req.readableLength > 0;
      if (waitingOnServer) heldByServer += time - lastTick;
      if (bytes !== lastBytes || waitingOnServer) {
        lastProgress = time;
        lastBytes = bytes;
      }
      lastTick = time;
      const active = time - started - heldByServer;
      const tooSlow = active >= graceMs && ((bytes - startBytes) * 1000) / active < pace.minBytesPerSecond;
      if (time - lastProgress >= idleMs || tooSlow) timeOut();
    };
    const timer = setInterval(check, tickMs);
    timer.unref();
    const stop = (): void => {
      clearInterval(timer);
    };
    const timeOut = (): void => {
      stop();
      // Node detaches a request from its connection once the answer is
      // written, so closing the connection does not end the request's stream:
      // end it here, once the answer is out, for whatever route still reads it.
      socket.once('close', () => req.destroy());
      res.status(408).set('Connection', 'close').json(errorBody('BODY_TIMEOUT'));
      // Node closes a `Connection: close` answer's socket once it is written;
      // a client that does not read its answer is cut all the same.
      setTimeout(() => socket.destroy(), CLOSE_FALLBACK_MS).unref();
    };
    req.once('end', stop);
    res.once('close', stop);
    // An answer given without reading the body (a GET that declares one, a
    // refusal): Node would keep the connection and read the whole rest to
    // reach the next request. Close it once the answer is out instead.
    res.once('finish', () => {
      if (!req.complete) socket.destroySoon();
    });
    next();
  };
}
