/**
 * Request-parsing helpers shared by both listeners' route modules
 * (routes/source.ts, routes/mailbox.ts, routes/editor.ts,
 * routes/editor-replies.ts): JSON bodies, id path parameters, plain decimal
 * byte counts and declared body lengths.
 */
import express, { type Request, type RequestHandler } from 'express';
import { ApiError } from '../errors.js';
import { isMailboxId, isReplyId } from '../../client/core/mailbox.js';
import { isSubmissionId } from '../../client/core/wire-shapes.js';

/** Small JSON bodies only; anything larger is refused before it is read. */
export const JSON_BODY_LIMIT = 4 * 1024;

/** Parses a JSON body, refusing other content types with UNSUPPORTED_MEDIA_TYPE. */
export function jsonBody(limit: number): RequestHandler[] {
  return [
    (req, _res, next) => {
      next(req.is('application/json') ? undefined : new ApiError('UNSUPPORTED_MEDIA_TYPE'));
    },
    express.json({ limit, strict: true }),
  ];
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

/** A non-negative safe integer written in plain decimal, else null. */
export function parseByteCount(text: unknown): number | null {
  if (typeof text !== 'string' || !/^(0|[1-9][0-9]{0,15})$/.test(text)) return null;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : null;
}
