/**
 * The one place the core obtains libsodium.
 *
 * Every primitive in the protocol core (X25519, HMAC-SHA-256, ChaCha20-Poly1305,
 * Ed25519, BLAKE2b, the CSPRNG) comes from libsodium-wrappers. Callers await
 * {@link loadSodium} once; afterwards {@link sodium} returns the ready instance
 * synchronously so hot loops pay no promise overhead.
 */
import libsodium from 'libsodium-wrappers';

export type Sodium = typeof libsodium;

let loading: Promise<Sodium> | undefined;
let loaded: Sodium | undefined;

/**
 * Without WebAssembly (Tor Browser's Safer level, `node --jitless`) libsodium
 * first tries its WebAssembly module, whose abort path then throws
 * `new WebAssembly.RuntimeError(...)`: a ReferenceError nobody awaits, after
 * libsodium has already switched to its pure-JS fallback. That stray
 * rejection would crash Node and print a console error in browsers.
 *
 * The core installs no listener (it has no global side effects): each shell
 * that can run without WebAssembly swallows exactly this rejection with this
 * test (client/app/wasm-abort-guard.ts in the page's workers,
 * client/core-node/wasm-abort-guard.ts in Node entry points).
 */
export function isLibsodiumWasmAbort(reason: unknown): boolean {
  return (
    // Compared by name, not instanceof: the error may come from another realm.
    typeof reason === 'object' &&
    reason !== null &&
    (reason as { name?: unknown }).name === 'ReferenceError' &&
    String((reason as { message?: unknown }).message).includes('WebAssembly')
  );
}

/** Initialise libsodium once; resolves to the ready instance. */
export function loadSodium(): Promise<Sodium> {
  loading ??= (async () => {
    await libsodium.ready;
    loaded = libsodium;
    return libsodium;
  })();
  return loading;
}

/**
 * The ready libsodium instance.
 * @throws Error if {@link loadSodium} has not completed yet.
 */
export function sodium(): Sodium {
  if (loaded === undefined) throw new Error('libsodium is not loaded: await loadSodium() first');
  return loaded;
}
