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

/**
 * Runs helmet once against a recording response and returns the headers it
 * sets. helmet's options above stay the one home of the policy; the list is
 * reused where Express is not involved (answers to requests Node's parser
 * rejects, server/listener-settings.ts).
 */
function headersHelmetSets(): Record<string, string> {
  const recorded: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: unknown) {
      recorded[name] = String(value);
    },
    removeHeader(name: string) {
      // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- a recorder of helmet's own calls
      delete recorded[name];
    },
  };
  let synchronous = false as boolean;
  helmetMiddleware({} as never, recorder as never, () => {
    synchronous = true;
  });
  // helmet is synchronous today; if a version ever was not, fail at start-up, not silently.
  if (!synchronous) throw new Error('helmet did not set its headers synchronously');
  return recorded;
}

/** Every security header of every answer, of both listeners, and their values. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Cache-Control': 'no-store',
  Pragma: 'no-cache',
  // Device sensors and storage-like features are never needed by the client.
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), interest-cohort=()',
  ...headersHelmetSets(),
});

/** Headers added to every response of both listeners. */
export const securityHeaders: RequestHandler = (_req, res, next) => {
  res.set(SECURITY_HEADERS);
  next();
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
