/**
 * The registry of error codes the server answers with: wire protocol that
 * both sides share. The server (server/errors.ts) answers with these codes,
 * statuses and messages; clients (the source page's uploader) branch on the
 * codes, typed against {@link ApiErrorCode}, so renaming or removing a code
 * breaks the build of every client that knows it.
 *
 * Responses are always `{ "error": { "code", "message" } }` with the generic
 * message below; docs/API.md documents this table.
 */

/** Every error code, with its HTTP status and its generic message. */
export const API_ERRORS = {
  NOT_FOUND: { status: 404, message: 'not found' },
  INVALID_ID: { status: 400, message: 'invalid id' },
  INVALID_BODY: { status: 400, message: 'invalid request body' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'unsupported content type' },
  LENGTH_REQUIRED: { status: 411, message: 'content-length required' },
  BODY_TOO_LARGE: { status: 413, message: 'request body too large' },
  CHUNK_TOO_LARGE: { status: 413, message: 'chunk larger than the chunk limit' },
  SUBMISSION_TOO_LARGE: { status: 413, message: 'submission larger than the size limit' },
  REPLY_TOO_LARGE: { status: 413, message: 'reply larger than the size limit' },
  INVALID_OFFSET: { status: 400, message: 'invalid offset' },
  CHUNK_OUT_OF_BOUNDS: { status: 400, message: 'chunk extends past the declared size' },
  CHUNK_INCOMPLETE: { status: 400, message: 'chunk body shorter than its content-length' },
  BODY_INCOMPLETE: { status: 400, message: 'request body shorter than its content-length' },
  UPLOAD_BUSY: { status: 409, message: 'upload has requests in progress' },
  UPLOAD_INCOMPLETE: { status: 409, message: 'upload is missing bytes' },
  REPLY_CONFLICT: { status: 409, message: 'reply id already stored with another size' },
  MAILBOX_FULL: { status: 409, message: 'mailbox holds the most replies allowed' },
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
  TOO_MANY_RANGES: { status: 400, message: 'too many separate byte ranges in one upload' },
  UPLOAD_GONE: { status: 410, message: 'upload was dropped by the server; start again' },
  MANIFEST_CHANGED: { status: 409, message: 'key manifest changed; encrypt again to the current one' },
  KEYS_EXPIRED: { status: 503, message: 'key manifest expired; submissions are paused' },
  NOT_PULLED_BY_ALL: { status: 409, message: 'not every active editor has downloaded this submission' },
  UNSUPPORTED_ENCODING: { status: 415, message: 'unsupported content encoding' },
  BODY_TIMEOUT: { status: 408, message: 'request body arrived too slowly' },
  STORAGE_FULL: { status: 507, message: 'server storage is full' },
  MALFORMED_REQUEST: { status: 400, message: 'malformed HTTP request' },
  REQUEST_HEADERS_TOO_LARGE: { status: 431, message: 'request headers too large' },
  REQUEST_TIMEOUT: { status: 408, message: 'request arrived too slowly' },
  INTERNAL: { status: 500, message: 'internal error' },
} as const satisfies Record<string, { readonly status: number; readonly message: string }>;

/** A code the server may answer with. */
export type ApiErrorCode = keyof typeof API_ERRORS;

/**
 * Whether `value` (say, a code read from a response body) is a registry code.
 * Own keys only: `toString` or `__proto__` are not codes.
 */
export function isApiErrorCode(value: unknown): value is ApiErrorCode {
  return typeof value === 'string' && Object.hasOwn(API_ERRORS, value);
}
