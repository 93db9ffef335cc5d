/**
 * Precompressed static files: the client build writes `X.gz` beside each
 * compressible file X (scripts/build-client.ts); this sends it, with
 * `Content-Encoding: gzip`, to a browser that prefers gzip. Nothing is
 * compressed per request, so the bytes on the wire are the built, hashed
 * ones, and no compression runs on the server's CPU.
 *
 * `preferGzip` runs just before `express.static`: it only rewrites the URL
 * to the `.gz` file and marks the response; `express.static` still sends it
 * (with every header it sends for the plain file), and `gzipHeaders` (its
 * `setHeaders` hook) adds the encoding and the original file's type once the
 * file is actually being sent, so a 404 never carries them.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Request, RequestHandler, Response } from 'express';

const GZIP_SUFFIX = '.gz';
/** The built client is flat: `/` or one plain file name. Anything else is left to express.static. */
const FLAT_NAME = /^\/[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/**
 * The file a static request names, relative to the static folder, or null
 * if it is not one the build could have precompressed.
 */
export function staticFileName(pathname: string, index: string): string | null {
  if (pathname === '/') return index;
  if (!FLAT_NAME.test(pathname) || pathname.endsWith(GZIP_SUFFIX)) return null;
  return pathname.slice(1);
}

/**
 * Whether the request's Accept-Encoding prefers gzip to identity (q-values
 * honoured; no header means identity only): the one rule for every gzip
 * answer, static files here and the manifest (server/routes/source.ts).
 */
export function prefersGzip(req: Request): boolean {
  return req.acceptsEncodings('gzip', 'identity') === 'gzip';
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

interface Locals {
  precompressedFrom?: string;
}

/**
 * For GET and HEAD of a file X that has `X.gz` in `staticDir`: always
 * `Vary: Accept-Encoding`, and if the request {@link prefersGzip}, the URL
 * is rewritten to `X.gz`.
 */
export function preferGzip(staticDir: string, index: string): RequestHandler {
  return (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      next();
      return;
    }
    const name = staticFileName(req.path, index);
    if (name === null) {
      next();
      return;
    }
    const compressed = `${name}${GZIP_SUFFIX}`;
    isFile(path.join(staticDir, compressed)).then((exists) => {
      if (exists) {
        res.vary('Accept-Encoding');
        if (prefersGzip(req)) {
          const query = req.url.indexOf('?');
          req.url = `/${compressed}${query >= 0 ? req.url.slice(query) : ''}`;
          (res.locals as Locals).precompressedFrom = name;
        }
      }
      next();
    }, next);
  };
}

/**
 * The `setHeaders` hook of `express.static`: for a file `preferGzip` chose,
 * the encoding and the original name's Content-Type (express.static would
 * otherwise call it application/gzip).
 */
export function gzipHeaders(res: Response, file: string): void {
  const original = (res.locals as Locals).precompressedFrom;
  if (original === undefined || path.basename(file) !== `${path.basename(original)}${GZIP_SUFFIX}`) return;
  res.setHeader('Content-Encoding', 'gzip');
  res.type(path.extname(original) || 'application/octet-stream');
}
