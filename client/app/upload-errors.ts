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
  /**
   * The server no longer holds the upload: expired or deleted (404), or
   * dropped to make room for others (`UPLOAD_GONE`). The ciphertext must be
   * sent again from the start.
   */
  | 'expired'
  /**
   * The upload was encrypted to a manifest version that is no longer the
   * server's current one (`MANIFEST_CHANGED`): encrypt again to the new keys.
   */
  | 'manifest-changed'
  /** The server's only manifest has expired (`KEYS_EXPIRED`): it takes no submissions until a new one. */
  | 'keys-expired'
  /** The caller aborted. */
  | 'cancelled';

/** The upload did not complete; `code` says why in terms the page can explain. */
export class UploadError extends CodedError<UploadErrorCode> {
  override name = 'UploadError';
}

/**
 * What became of the server's copy when a send was cancelled: `deleted`
 * only once the server confirmed it (204, or 404/410: nothing there).
 * `expiresInSeconds` says, when unconfirmed, how long the server keeps an
 * idle upload at most, as it last said (null if it never said).
 */
export type CancelledCopy =
  { readonly state: 'deleted' } | { readonly state: 'unconfirmed'; readonly expiresInSeconds: number | null };

/** The caller aborted after the server had created the upload. */
export class UploadCancelled extends UploadError {
  override name = 'UploadCancelled';
  readonly copy: CancelledCopy;

  constructor(copy: CancelledCopy) {
    super('cancelled', 'upload cancelled');
    this.copy = copy;
  }
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
  // The body arrived too slowly (a stalled link): the status says where to resume.
  'BODY_TIMEOUT',
  'REQUEST_TIMEOUT',
  // Every slot is held by an upload too new to give way; the server says when
  // one will (Retry-After): under a flood of creates, waiting is the way in.
  'TOO_MANY_UPLOADS',
]);
const TOO_LARGE_CODES: ReadonlySet<ApiErrorCode> = new Set<ApiErrorCode>(['SUBMISSION_TOO_LARGE', 'BODY_TOO_LARGE']);
const BUSY_CODES: ReadonlySet<ApiErrorCode> = new Set<ApiErrorCode>(['QUOTA_EXCEEDED', 'STORAGE_FULL']);

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
  if (code === 'MANIFEST_CHANGED') return new UploadError('manifest-changed', 'key manifest changed');
  if (code === 'KEYS_EXPIRED') return new UploadError('keys-expired', 'key manifest expired on the server');
  if (code === 'UPLOAD_GONE') return new UploadError('expired', 'upload dropped by the server');
  if (response.status === 404) return new UploadError(notFound, 'upload not found');
  return new UploadError('rejected', `server refused the upload (${text ?? `http ${response.status}`})`);
}
