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

/**
 * Maps errors thrown by body parsers (express.json) to registry codes; they
 * carry a `type` and a `status` but messages that may quote the body.
 */
function codeOfParserError(error: { type?: unknown; status?: unknown }): ApiErrorCode | undefined {
  switch (error.type) {
    case 'entity.too.large':
      return 'BODY_TOO_LARGE';
    case 'entity.parse.failed':
    case 'encoding.unsupported':
    case 'charset.unsupported':
    case 'request.aborted':
    case 'request.size.invalid':
    case 'entity.verify.failed':
      return 'INVALID_BODY';
    default:
      return undefined;
  }
}

/** Classifies anything thrown in a handler as a registry code. */
export function codeOf(error: unknown): ApiErrorCode {
  if (error instanceof ApiError) return error.code;
  if (typeof error === 'object' && error !== null) {
    const code = codeOfParserError(error);
    if (code !== undefined) return code;
  }
  return 'INTERNAL';
}

/** Receives the details of server-side failures (500s); never request data. */
export type InternalErrorSink = (error: unknown) => void;

/**
 * The last middleware of each app: answers with the registry entry for the
 * error and reports only internal failures to `onInternal` (for the log).
 */
/**
 * Whether a failure while an answer streamed is the client closing the
 * connection (`pipeline` into the response reports it as a premature
 * close): an ordinary event for a source on a flaky link, not a server fault.
 */
function isClientGone(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'ERR_STREAM_PREMATURE_CLOSE';
}

export function errorHandler(onInternal: InternalErrorSink): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    if (res.headersSent) {
      // Mid-stream failure: the status line is gone; cut the connection so the
      // client sees a truncated transfer rather than a silently short one.
      if (codeOf(error) === 'INTERNAL' && !isClientGone(error)) onInternal(error);
      res.destroy();
      next();
      return;
    }
    const code = codeOf(error);
    if (code === 'INTERNAL') onInternal(error);
    if (error instanceof ApiError) res.set(error.headers);
    res.status(API_ERRORS[code].status).json(errorBody(code));
  };
}

/** Answers every request no route matched with `NOT_FOUND`. */
export const notFound: RequestHandler = (_req, _res, next) => {
  next(new ApiError('NOT_FOUND'));
};
