/**
 * Response headers for both listeners: helmet with a strict CSP, no caching,
 * no referrers, cross-origin isolation, and no cookies.
 */
import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * The Content-Security-Policy directives. Scripts come only from the origin
 * (the static, hash-stable client bundle) plus `'wasm-unsafe-eval'` so libsodium
 * can compile its WebAssembly; nothing inline. No `upgrade-insecure-requests`:
 * onion services are plain http and the upgrade would break them.
 */
export const CSP_DIRECTIVES: Readonly<Record<string, readonly string[]>> = {
  'default-src': ["'none'"],
  'script-src': ["'self'", "'wasm-unsafe-eval'"],
  'worker-src': ["'self'"],
  'connect-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'"],
  'font-src': ["'self'"],
  'manifest-src': ["'self'"],
  'form-action': ["'self'"],
  'base-uri': ["'none'"],
  'frame-ancestors': ["'none'"],
};

/** The CSP header value, as the tests and docs expect it. */
export function contentSecurityPolicy(): string {
  return Object.entries(CSP_DIRECTIVES)
    .map(([name, values]) => `${name} ${values.join(' ')}`)
    .join(';');
}

const helmetMiddleware = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: Object.fromEntries(Object.entries(CSP_DIRECTIVES).map(([k, v]) => [k, [...v]])),
  },
  crossOriginEmbedderPolicy: { policy: 'require-corp' },
  crossOriginOpenerPolicy: { policy: 'same-origin' },
  crossOriginResourcePolicy: { policy: 'same-origin' },
  referrerPolicy: { policy: 'no-referrer' },
  // HSTS means nothing on an http onion service and would pin a clearnet
  // mirror to https by surprise; the operator's TLS proxy owns that choice.
  strictTransportSecurity: false,
  xFrameOptions: { action: 'deny' },
});

/** Headers added to every response of both listeners. */
export const securityHeaders: RequestHandler = (req, res, next) => {
  res.set('Cache-Control', 'no-store');
  res.set('Pragma', 'no-cache');
  // Device sensors and storage-like features are never needed by the client.
  res.set('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), interest-cohort=()');
  helmetMiddleware(req, res, next);
};

/**
 * Makes setting a cookie impossible: nothing in the server means to, and a
 * dependency that tried would mark the source's browser.
 */
export const noCookies: RequestHandler = (_req, res, next) => {
  const setHeader = res.setHeader.bind(res);
  res.setHeader = (name, value) => {
    if (name.toLowerCase() === 'set-cookie') return res;
    return setHeader(name, value);
  };
  next();
};
