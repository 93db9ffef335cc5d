/**
 * The server's side of the error registry: errors that carry a registry code,
 * their JSON bodies, and the middleware that answers with them.
 *
 * Every error a client can see is listed in the registry
 * (client/core/api-errors.ts, wire protocol shared with the page) with its
 * HTTP status and a generic message; responses are always
 * `{ "error": { "code", "message" } }`.
 * Details (stack traces, file paths, parser messages) never reach clients:
 * they could reveal internals, and parser messages may echo request bodies.
 * docs/API.md documents this table.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { API_ERRORS, type ApiErrorCode } from '../client/core/api-errors.js';
import { bodyUnread, closeAfterAnswer } from './request-body.js';

/** An error meant for the client: carries a registry code; the message stays generic. */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly code: ApiErrorCode;
  readonly status: number;
  /** Extra response headers (e.g. `Retry-After`, `Content-Range`). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: ApiErrorCode, headers: Record<string, string> = {}) {
    super(API_ERRORS[code].message);
    this.code = code;
    this.status = API_ERRORS[code].status;
    this.headers = headers;
  }
}

/** The JSON body of an error response. */
export function errorBody(code: ApiErrorCode): { error: { code: ApiErrorCode; message: string } } {
  return { error: { code, message: API_ERRORS[code].message } };
}

/** Classifies anything thrown in a handler as a registry code. */
export function codeOf(error: unknown): ApiErrorCode {
  if (error instanceof ApiError) return error.code;
  // A path whose percent-escapes do not decode (the router decodes parameters
  // lazily and throws URIError, with the raw path in its message).
  if (error instanceof URIError) return 'INVALID_ID';
  return 'INTERNAL';
}

/** Receives the details of server-side failures (500s); never request data. */
export type InternalErrorSink = (error: unknown) => void;

/**
 * Error codes of a stream that failed because the client went away: the
 * request aborted mid-body (`ECONNRESET`, Node's "aborted"), a response piped
 * into a closed connection (premature close, `EPIPE`), or a write after the
 * socket was destroyed. For a source on a flaky link these are ordinary
 * events, not server faults.
 */
const CLIENT_GONE_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ERR_STREAM_PREMATURE_CLOSE',
  'ERR_STREAM_DESTROYED',
]);

/** Whether `error` is the client closing the connection (see {@link CLIENT_GONE_CODES}). */
export function isClientGone(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && CLIENT_GONE_CODES.has(code);
}

/** Headers that describe a representation, not an error answer. */
const REPRESENTATION_HEADERS = [
  'Content-Encoding',
  'Content-Range',
  'Content-Disposition',
  'Accept-Ranges',
  'Content-Type',
];

/** Where the error handler reports what it saw, for the log: never request data. */
export interface ErrorSinks {
  /** Details of a server-side failure (a 500, or a failure after the answer started). */
  readonly onInternal: InternalErrorSink;
  /** A client went away mid-request: an ordinary event, reported without details. */
  readonly onClientGone?: () => void;
}

/**
 * The last middleware of each app: answers with the registry entry for the
 * error and reports only internal failures to `onInternal` (for the log).
 * An error answered before the request's body was read closes the
 * connection, so a refused body is never read to its end.
 */
export function errorHandler(sinks: InternalErrorSink | ErrorSinks): ErrorRequestHandler {
  const { onInternal, onClientGone } =
    typeof sinks === 'function' ? { onInternal: sinks, onClientGone: undefined } : sinks;
  return (error: unknown, req, res, next) => {
    const code = codeOf(error);
    if (code === 'INTERNAL' && isClientGone(error)) {
      onClientGone?.();
      // Nobody is listening: there is no answer to give.
      res.destroy();
      return;
    }
    if (res.headersSent) {
      // Mid-stream failure: the status line is gone; cut the connection so the
      // client sees a truncated transfer rather than a silently short one.
      if (code === 'INTERNAL') onInternal(error);
      res.destroy();
      next();
      return;
    }
    if (code === 'INTERNAL') onInternal(error);
    // The answer is a fresh JSON body: headers of what was about to be sent
    // (a gzip file's encoding, a download's name or range) do not describe it.
    for (const name of REPRESENTATION_HEADERS) res.removeHeader(name);
    if (error instanceof ApiError) res.set(error.headers);
    if (bodyUnread(req)) closeAfterAnswer(req, res);
    res.status(API_ERRORS[code].status).json(errorBody(code));
  };
}

/** Answers every request no route matched with `NOT_FOUND`. */
export const notFound: RequestHandler = (_req, _res, next) => {
  next(new ApiError('NOT_FOUND'));
};
