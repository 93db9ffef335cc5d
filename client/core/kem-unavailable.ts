/**
 * The error of a KEM whose implementation cannot be obtained, on its own so
 * that the no-WebAssembly page's lazily loaded X-Wing file
 * (client/app/noble-xwing-loader.ts) can throw it without bundling HPKE.
 */

/**
 * The KEM's implementation could not be obtained (the no-WebAssembly page's
 * X-Wing file did not load): not a verdict on any key or stanza, so HPKE
 * (./hpke.ts) never reports it as one, and the caller can say what really
 * happened.
 */
export class KemUnavailableError extends Error {
  override readonly name = 'KemUnavailableError';
}
