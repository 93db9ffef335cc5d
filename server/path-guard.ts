/**
 * Refuses paths whose percent-escapes do not decode (`%zz`, a truncated
 * UTF-8 sequence such as `%E0%A4%A`) before any route, static file lookup or
 * authentication gate sees them. Left to the router, they surfaced as a
 * decode failure deep inside it (500, with the raw path in the error's
 * message); here they are an ordinary `400 INVALID_ID`, the answer to
 * anything in an id position that is not an id, and nothing of the path is
 * logged.
 */
import type { RequestHandler } from 'express';
import { ApiError } from './errors.js';

/** Whether every percent-escape of `path` decodes to UTF-8 text. */
export function isDecodablePath(path: string): boolean {
  if (!path.includes('%')) return true;
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

/** Answers `400 INVALID_ID` for a request whose path does not decode. */
export const refuseUndecodablePaths: RequestHandler = (req, _res, next) => {
  next(isDecodablePath(req.path) ? undefined : new ApiError('INVALID_ID'));
};
