/**
 * Request-parsing helpers shared by both listeners' route modules
 * (routes/source.ts and routes/editor.ts): JSON bodies, the `:id` path
 * parameter, and plain decimal byte counts.
 */
import express, { type Request, type RequestHandler } from 'express';
import { ApiError } from '../errors.js';
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

/** A non-negative safe integer written in plain decimal, else null. */
export function parseByteCount(text: unknown): number | null {
  if (typeof text !== 'string' || !/^(0|[1-9][0-9]{0,15})$/.test(text)) return null;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : null;
}
