/**
 * The source listener's static client: the build's files, precompressed
 * where the browser prefers gzip (server/precompressed.ts), with every
 * failure of the file server turned into a registry answer.
 *
 * The files carry no validators (no ETag, no Last-Modified: the bundle is
 * served identically whatever the build's file times were), so conditional
 * request headers can only ever fail: `If-Match` against a file without an
 * ETag is a 412 that has no place in the registry. They are dropped, and
 * every request is answered unconditionally, as for a server without
 * validators.
 */
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import { ApiError } from './errors.js';
import { gzipHeaders, preferGzip } from './precompressed.js';

const CONDITIONAL_HEADERS = ['if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since', 'if-range'];

const ignoreConditionals: RequestHandler = (req, _res, next) => {
  for (const name of CONDITIONAL_HEADERS) Reflect.deleteProperty(req.headers, name);
  next();
};

/**
 * The file server's own errors (http-errors with a status) as registry
 * codes: an unsatisfiable byte range keeps its `Content-Range`; anything
 * else it refuses (a path it will not serve) is a file that is not there.
 * Its 5xx (a read failure) stay internal.
 */
const staticErrors: ErrorRequestHandler = (error: unknown, _req, _res, next) => {
  const { status, statusCode, headers } = (error ?? {}) as {
    status?: unknown;
    statusCode?: unknown;
    headers?: unknown;
  };
  const code = typeof statusCode === 'number' ? statusCode : status;
  // Errors of the routes before it pass through: they are already coded, or internal.
  if (error instanceof ApiError || typeof code !== 'number' || code >= 500) {
    next(error);
  } else if (code === 416) {
    const range = (headers as Record<string, unknown> | undefined)?.['Content-Range'];
    next(new ApiError('RANGE_NOT_SATISFIABLE', typeof range === 'string' ? { 'Content-Range': range } : {}));
  } else {
    next(new ApiError('NOT_FOUND'));
  }
};

/** The middleware that serves `staticDir` (`/` is `index.html`). */
export function staticFiles(staticDir: string): (RequestHandler | ErrorRequestHandler)[] {
  return [
    ignoreConditionals,
    // Sends the build's X.gz instead of X to browsers that accept gzip.
    preferGzip(staticDir, 'index.html'),
    express.static(staticDir, {
      // Cache-Control stays no-store; no Last-Modified or ETag, so the bundle is
      // served identically whatever the build's file times were.
      cacheControl: false,
      lastModified: false,
      etag: false,
      dotfiles: 'ignore',
      index: ['index.html'],
      redirect: false,
      setHeaders: (res, file) => {
        (res as unknown as { locals: Record<string, unknown> }).locals.routeLabel = '(static)';
        gzipHeaders(res, file);
      },
    }),
    staticErrors,
  ];
}
