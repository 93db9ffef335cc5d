/**
 * Logging that cannot leak who a source is.
 *
 * pino's default request serializer records the remote address, port and every
 * header. Here the only thing ever logged about a request is method, route
 * pattern (never the concrete URL, which carries ids and arbitrary paths),
 * status and duration. The logger has no timestamp, pid or hostname: precise
 * times of requests help traffic correlation, and a single service needs no
 * host tag.
 */
import type { RequestHandler } from 'express';
import { types } from 'node:util';
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * A logger for the server. `destination` defaults to stdout.
 * Serializers for `req`, `res` and `err` are replaced so that even a careless
 * `logger.info({ req })` cannot write addresses or header values.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: null,
    timestamp: false,
    serializers: {
      req: () => undefined,
      res: () => undefined,
      err: serializeInternalError,
    },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}

/**
 * Ids in file names (submission, mailbox and reply ids: 32 hex digits).
 * A mailbox id names a source's conversation, so no id is ever logged.
 */
const ID_IN_TEXT = /[0-9a-f]{32}/gi;

/**
 * What the log keeps of a server-side failure: its class, errno code and
 * message, with every id in it (file system errors name their path)
 * replaced by `<id>`. Request-derived errors never get here: the error
 * handler logs only internal ones.
 */
export function serializeInternalError(error: unknown): Record<string, unknown> {
  // isNativeError also recognises errors from another realm (Node's own, under a test runner's vm).
  if (error instanceof Error || types.isNativeError(error)) {
    const code = (error as { code?: unknown }).code;
    const message = error.message.replace(ID_IN_TEXT, '<id>');
    return { name: error.name, message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { name: typeof error };
}

/** Label for requests no route matched (static files, 404s): never the path itself. */
const UNMATCHED = '(unmatched)';

/**
 * Logs one line per request once the response is done or the client went
 * away: `{ listener, method, route, status, ms }`.
 */
export function requestLogger(logger: Logger, listener: 'source' | 'editor'): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    let logged = false;
    const done = (): void => {
      if (logged) return;
      logged = true;
      const route: unknown = (req.route as { path?: unknown } | undefined)?.path;
      const label: unknown = res.locals.routeLabel;
      logger.info({
        listener,
        // Only standard method names: an arbitrary token would be client data.
        method: METHODS.has(req.method) ? req.method : 'OTHER',
        route: typeof route === 'string' ? req.baseUrl + route : typeof label === 'string' ? label : UNMATCHED,
        status: res.writableFinished ? res.statusCode : 0,
        ms: Number((process.hrtime.bigint() - started) / 1000n) / 1000,
      });
    };
    res.on('finish', done);
    res.on('close', done);
    next();
  };
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']);
