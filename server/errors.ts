/**
 * The one registry of error codes the server answers with.
 *
 * Every error a client can see is listed here with its HTTP status and a
 * generic message; responses are always `{ "error": { "code", "message" } }`.
 * Details (stack traces, file paths, parser messages) never reach clients:
 * they could reveal internals, and parser messages may echo request bodies.
 * docs/API.md documents this table.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';

export const ERRORS = {
  NOT_FOUND: { status: 404, message: 'not found' },
  INVALID_ID: { status: 400, message: 'invalid id' },
  INVALID_BODY: { status: 400, message: 'invalid request body' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'unsupported content type' },
  LENGTH_REQUIRED: { status: 411, message: 'content-length required' },
  BODY_TOO_LARGE: { status: 413, message: 'request body too large' },
  CHUNK_TOO_LARGE: { status: 413, message: 'chunk larger than the chunk limit' },
  SUBMISSION_TOO_LARGE: { status: 413, message: 'submission larger than the size limit' },
  INVALID_OFFSET: { status: 400, message: 'invalid offset' },
  CHUNK_OUT_OF_BOUNDS: { status: 400, message: 'chunk extends past the declared size' },
  CHUNK_INCOMPLETE: { status: 400, message: 'chunk body shorter than its content-length' },
  UPLOAD_BUSY: { status: 409, message: 'upload has requests in progress' },
  UPLOAD_INCOMPLETE: { status: 409, message: 'upload is missing bytes' },
  INVALID_HEADER: { status: 422, message: 'not a valid age header' },
  HEADER_TOO_LARGE: { status: 422, message: 'age header too large' },
  WRONG_RECIPIENTS: { status: 422, message: 'recipients do not match the key manifest' },
  INVALID_PAYLOAD_LENGTH: { status: 422, message: 'payload length is not valid STREAM framing' },
  QUOTA_EXCEEDED: { status: 507, message: 'storage quota exceeded' },
  TOO_MANY_UPLOADS: { status: 503, message: 'too many uploads in progress' },
  RATE_LIMITED: { status: 429, message: 'too many requests' },
  UNAUTHENTICATED: { status: 401, message: 'authentication required' },
  CHALLENGE_INVALID: { status: 401, message: 'unknown, expired or used challenge' },
  SIGNATURE_INVALID: { status: 401, message: 'invalid signature' },
  EDITOR_UNKNOWN: { status: 401, message: 'access key not in the key manifest' },
  EDITOR_RETIRED: { status: 403, message: 'editor is retired' },
  TOO_MANY_CHALLENGES: { status: 503, message: 'too many pending challenges' },
  RANGE_NOT_SATISFIABLE: { status: 416, message: 'range not satisfiable' },
  MANIFEST_INVALID: { status: 422, message: 'manifest or signature invalid' },
  MANIFEST_NOT_NEWER: { status: 409, message: 'manifest version is not newer than the current one' },
  MANIFEST_EXPIRED: { status: 422, message: 'manifest is expired or not yet valid' },
  INTERNAL: { status: 500, message: 'internal error' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** An error meant for the client: carries a registry code; the message stays generic. */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly code: ErrorCode;
  readonly status: number;
  /** Extra response headers (e.g. `Retry-After`, `Content-Range`). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: ErrorCode, headers: Record<string, string> = {}) {
    super(ERRORS[code].message);
    this.code = code;
    this.status = ERRORS[code].status;
    this.headers = headers;
  }
}

/** The JSON body of an error response. */
export function errorBody(code: ErrorCode): { error: { code: ErrorCode; message: string } } {
  return { error: { code, message: ERRORS[code].message } };
}

/**
 * Maps errors thrown by body parsers (express.json) to registry codes; they
 * carry a `type` and a `status` but messages that may quote the body.
 */
function codeOfParserError(error: { type?: unknown; status?: unknown }): ErrorCode | undefined {
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
export function codeOf(error: unknown): ErrorCode {
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
export function errorHandler(onInternal: InternalErrorSink): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    if (res.headersSent) {
      // Mid-stream failure: the status line is gone; cut the connection so the
      // client sees a truncated transfer rather than a silently short one.
      if (codeOf(error) === 'INTERNAL') onInternal(error);
      res.destroy();
      next();
      return;
    }
    const code = codeOf(error);
    if (code === 'INTERNAL') onInternal(error);
    if (error instanceof ApiError) res.set(error.headers);
    res.status(ERRORS[code].status).json(errorBody(code));
  };
}

/** Answers every request no route matched with `NOT_FOUND`. */
export const notFound: RequestHandler = (_req, _res, next) => {
  next(new ApiError('NOT_FOUND'));
};
