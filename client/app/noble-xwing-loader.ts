/**
 * Loads the no-WebAssembly X-Wing (client/app/noble-xwing.ts) on first use.
 *
 * It is a separate file of the build, `xwing-nowasm.js` (entry
 * client/app/noble-xwing-entry.ts), so that a classic manifest's page
 * downloads none of ML-KEM: only a hybrid manifest's page, and only without
 * WebAssembly, pays for it. The worker is a classic worker, so
 * `importScripts` loads it synchronously (same origin, listed in SHA256SUMS
 * like every served file) and libsodium's synchronous API shape is kept.
 * Outside a worker (Node's tests) the entry module is imported instead.
 */
import { KemUnavailableError } from '../core/kem-unavailable.js';
import type { nobleXWing } from './noble-xwing.js';

/** The built file, beside worker-nowasm.js. */
export const NOBLE_XWING_FILE = 'xwing-nowasm.js';
/** Where the entry leaves the factory for the worker to find. */
export const NOBLE_XWING_GLOBAL = 'sealdropNobleXWing';

type Scope = Record<string, unknown> & { importScripts?: (...urls: string[]) => void };

/**
 * The X-Wing factory, loading its file first if this is a worker that has not yet.
 * @throws KemUnavailableError if it cannot be loaded (a network error, or not
 *   in a worker), with the load's own error as its cause: the encryption then
 *   fails closed, and hpke.ts passes it on rather than calling a key invalid.
 */
export function loadNobleXWing(): typeof nobleXWing {
  const scope = globalThis as Scope;
  if (scope[NOBLE_XWING_GLOBAL] === undefined && typeof scope.importScripts === 'function') {
    try {
      scope.importScripts(NOBLE_XWING_FILE);
    } catch (error) {
      throw new KemUnavailableError(`X-Wing is not available: ${NOBLE_XWING_FILE} did not load`, { cause: error });
    }
  }
  const factory = scope[NOBLE_XWING_GLOBAL];
  if (typeof factory !== 'function') throw new KemUnavailableError('X-Wing is not available');
  return factory as typeof nobleXWing;
}
