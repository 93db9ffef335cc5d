/**
 * The uploader's errors and how a failed HTTP answer becomes one: a
 * {@link TransientFailure} worth retrying, or a final {@link UploadError} the
 * page can explain. Server codes are typed against the registry shared with
 * the server (client/core/api-errors.ts), so a renamed code is a type error
 * here, not a silently broken retry path.
 */
import { CodedError } from '../core/coded-error.js';
import { isApiErrorCode, type ApiErrorCode } from '../core/api-errors.js';
import { errorCodeOf, retryAfterMs } from './error-answers.js';

export type UploadErrorCode =
  /** Over the server's submission size limit. */
  | 'too-large'
  /** The server has no room or too many uploads in progress. */
  | 'server-busy'
  /** The server refused the upload (bad envelope, unexpected answer). */
  | 'rejected'
  /** The connection failed and every retry failed too. */
  | 'connection'
  /** The server no longer knows the upload (expired or deleted). */
  | 'expired'
  /** The caller aborted. */
  | 'cancelled';

/** The upload did not complete; `code` says why in terms the page can explain. */
export class UploadError extends CodedError<UploadErrorCode> {
  override name = 'UploadError';
}

/**
 * Why an attempt failed in a way worth retrying: a retryable server code, or
 * no usable answer at all.
 */
export type TransientCode =
  | ApiErrorCode
  /** The request never got an answer (connection refused, cut, timed out). */
  | 'network'
  /** An HTTP error without the server's JSON body: a proxy in the way. */
  | 'proxy'
  /** The answer's body was cut off. */
  | 'truncated'
  /** A chunk was answered but not stored (a failed disk sync on the server). */
  | 'not-stored';

/** An attempt failed in a way worth retrying (network, proxy, busy, rate limit). */
export class TransientFailure extends CodedError<TransientCode> {
  override name = 'TransientFailure';
  /** How long the server asked to wait (`Retry-After`), or null. */
  readonly retryAfterMs: number | null;

  constructor(code: TransientCode, message: string, retryAfterMs: number | null = null) {
    super(code, message);
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * Retried. UPLOAD_INCOMPLETE comes only from finalize: the server restarted
 * and lost acknowledged bytes after the last batch; the retry sends them
 * again first.
 */
const TRANSIENT_CODES: ReadonlySet<ApiErrorCode> = new Set<ApiErrorCode>([
  'CHUNK_INCOMPLETE',
  'UPLOAD_BUSY',
  'RATE_LIMITED',
  'INTERNAL',
  'UPLOAD_INCOMPLETE',
]);
const TOO_LARGE_CODES: ReadonlySet<ApiErrorCode> = new Set<ApiErrorCode>(['SUBMISSION_TOO_LARGE', 'BODY_TOO_LARGE']);
const BUSY_CODES: ReadonlySet<ApiErrorCode> = new Set<ApiErrorCode>(['QUOTA_EXCEEDED', 'TOO_MANY_UPLOADS']);

/**
 * Turn an HTTP failure into a retry or a final UploadError. A proxy in the
 * way (Tor, a reverse proxy) may answer 502/503/504 without our JSON body;
 * those are retried. A code outside the registry (a newer server) is refused.
 *
 * @param notFound what a 404 means for this request: `expired` for an
 *   existing upload, `rejected` for its creation.
 */
export async function failureOf(
  response: Response,
  notFound: UploadErrorCode,
): Promise<TransientFailure | UploadError> {
  const text = await errorCodeOf(response);
  const code = isApiErrorCode(text) ? text : null;
  if (code !== null && TRANSIENT_CODES.has(code)) return new TransientFailure(code, code, retryAfterMs(response));
  if (text === null && (response.status >= 500 || response.status === 429) && response.status !== 507) {
    return new TransientFailure('proxy', `http ${response.status}`, retryAfterMs(response));
  }
  if (code !== null && TOO_LARGE_CODES.has(code))
    return new UploadError('too-large', 'submission too large for this server');
  if (code !== null && BUSY_CODES.has(code)) return new UploadError('server-busy', 'server cannot take uploads now');
  if (code === 'CHUNK_TOO_LARGE') return new UploadError('rejected', 'chunk too large');
  if (response.status === 404) return new UploadError(notFound, 'upload not found');
  return new UploadError('rejected', `server refused the upload (${text ?? `http ${response.status}`})`);
}
