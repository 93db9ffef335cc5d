/**
 * Request-parsing helpers shared by both listeners' route modules
 * (routes/source.ts, routes/mailbox.ts, routes/editor.ts,
 * routes/editor-replies.ts): JSON bodies within a byte limit, id path
 * parameters, plain decimal byte counts and declared body lengths.
 */
import type { Request, RequestHandler } from 'express';
import { ApiError } from '../errors.js';
import { isMailboxId, isReplyId } from '../../client/core/mailbox.js';
import { isSubmissionId } from '../../client/core/wire-shapes.js';

/** Small JSON bodies only; anything larger is refused before it is read. */
export const JSON_BODY_LIMIT = 4 * 1024;

/**
 * Parses a JSON body into `req.body`, refusing other content types with
 * UNSUPPORTED_MEDIA_TYPE and bodies over `limit` with BODY_TOO_LARGE
 * ({@link readJsonBody}).
 */
export function jsonBody(limit: number): RequestHandler[] {
  return [
    (req, _res, next) => {
      next(req.is('application/json') ? undefined : new ApiError('UNSUPPORTED_MEDIA_TYPE'));
    },
    async (req, _res, next) => {
      req.body = await readJsonBody(req, limit);
      next();
    },
  ];
}

/**
 * The charset of a JSON body must be UTF-8 (RFC 8259); absent means UTF-8.
 * Only the media type's parameters are looked at.
 */
function isUtf8(contentType: string | undefined): boolean {
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)"?/i.exec(contentType ?? '')?.[1];
  return charset === undefined || charset.toLowerCase() === 'utf-8';
}

/**
 * The parsed JSON body of `req`, an object or array (a bare scalar is not a
 * request), reading no more than `limit` bytes. body-parser refuses an
 * oversized body only after draining all of it (a client declaring 200 MiB
 * made the server read 200 MiB to answer 413); here a declared length over
 * the limit is refused before a byte is read, and a body without a length
 * stops being read at the limit. Either way the error handler then closes
 * the connection rather than read the rest (server/errors.ts).
 * @throws ApiError BODY_TOO_LARGE (declared or actual length over `limit`),
 *   UNSUPPORTED_MEDIA_TYPE (a charset other than UTF-8), INVALID_BODY (not
 *   UTF-8, not JSON, or not an object or array); the request stream's error
 *   if the client goes away.
 */
export async function readJsonBody(req: Request, limit: number): Promise<unknown> {
  if (!isUtf8(req.get('content-type'))) throw new ApiError('UNSUPPORTED_MEDIA_TYPE');
  const declared = parseByteCount(req.get('content-length'));
  if (declared !== null && declared > limit) throw new ApiError('BODY_TOO_LARGE');
  const bytes = await readAtMost(req, limit);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ApiError('INVALID_BODY');
  }
  // Strict, as body-parser's `strict: true` was: only objects and arrays.
  if (!/^[ \t\r\n]*[[{]/.test(text)) throw new ApiError('INVALID_BODY');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError('INVALID_BODY');
  }
}

/**
 * The whole body of `req` if it is at most `limit` bytes. Reading stops (the
 * stream is paused, not destroyed, so an answer can still be sent) as soon as
 * the limit is passed.
 * @throws ApiError BODY_TOO_LARGE; the stream's error (the client went away).
 */
function readAtMost(req: Request, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let total = 0;
    const settle = (error: unknown): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', settle);
      req.off('close', onClose);
      if (error === null) resolve(Buffer.concat(parts, total));
      // As it came: the stream's error carries the code that tells a client gone (server/errors.ts).
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the stream's own error
      else reject(error);
    };
    const onData = (part: Buffer): void => {
      total += part.length;
      if (total > limit) {
        req.pause();
        settle(new ApiError('BODY_TOO_LARGE'));
      } else {
        parts.push(part);
      }
    };
    const onEnd = (): void => {
      settle(null);
    };
    // A request destroyed without an error (closed before its end) is a client that went away.
    const onClose = (): void => {
      settle(Object.assign(new Error('request closed before its end'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    };
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', settle);
    req.once('close', onClose);
  });
}

/**
 * The upload or submission id from the path.
 * @throws ApiError INVALID_ID for anything that is not exactly an id.
 */
export function idParameter(req: Request): string {
  const id = req.params.id;
  if (!isSubmissionId(id)) throw new ApiError('INVALID_ID');
  return id;
}

/**
 * The `:mailbox` and `:id` path parameters of a reply route.
 * @throws ApiError INVALID_ID if either is not exactly an id.
 */
export function replyParameters(req: Request): { mailbox: string; id: string } {
  const { mailbox, id } = req.params;
  if (!isMailboxId(mailbox) || !isReplyId(id)) throw new ApiError('INVALID_ID');
  return { mailbox, id };
}

/**
 * The `:mailbox` path parameter.
 * @throws ApiError INVALID_ID if it is not exactly a mailbox id.
 */
export function mailboxParameter(req: Request): string {
  const mailbox = req.params.mailbox;
  if (!isMailboxId(mailbox)) throw new ApiError('INVALID_ID');
  return mailbox;
}

/**
 * The length a request body declares in `Content-Length`. It must be known
 * up front so every limit is checked before a byte is written; chunked
 * transfer encoding is refused.
 * @throws ApiError LENGTH_REQUIRED.
 */
export function declaredBodyLength(req: Request): number {
  const length = parseByteCount(req.get('content-length'));
  if (length === null || req.get('transfer-encoding') !== undefined) throw new ApiError('LENGTH_REQUIRED');
  return length;
}

/**
 * The length of a non-empty `application/octet-stream` body (a chunk or a
 * reply), checked in this order: a body with no declared length is 411
 * before its content type is judged, since without a body there is no type
 * to judge.
 * @throws ApiError LENGTH_REQUIRED, INVALID_BODY (empty), UNSUPPORTED_MEDIA_TYPE.
 */
export function octetStreamLength(req: Request): number {
  const length = declaredBodyLength(req);
  if (length === 0) throw new ApiError('INVALID_BODY');
  if (!req.is('application/octet-stream')) throw new ApiError('UNSUPPORTED_MEDIA_TYPE');
  return length;
}

/** A non-negative safe integer written in plain decimal, else null. */
export function parseByteCount(text: unknown): number | null {
  if (typeof text !== 'string' || !/^(0|[1-9][0-9]{0,15})$/.test(text)) return null;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : null;
}
