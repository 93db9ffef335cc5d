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
 * libsodium has already switched to its pure-JS fallback. That stray rejection
 * would crash Node and print a console error in browsers, so exactly that
 * error (and nothing else) is swallowed, and only when WebAssembly is absent.
 */
function isLibsodiumWasmAbort(reason: unknown): boolean {
  return (
    typeof WebAssembly === 'undefined' &&
    // Compared by name, not instanceof: the error may come from another realm.
    typeof reason === 'object' &&
    reason !== null &&
    (reason as { name?: unknown }).name === 'ReferenceError' &&
    String((reason as { message?: unknown }).message).includes('WebAssembly')
  );
}

interface RejectionEventLike {
  reason: unknown;
  preventDefault(): void;
}
interface NodeProcessLike {
  on(event: 'unhandledRejection', listener: (reason: unknown) => void): unknown;
  listenerCount(event: string): number;
}

function guardWasmAbort(): void {
  if (typeof WebAssembly !== 'undefined') return;
  const scope = globalThis as {
    addEventListener?: (type: string, listener: (event: RejectionEventLike) => void) => void;
    process?: NodeProcessLike;
  };
  if (typeof scope.addEventListener === 'function') {
    scope.addEventListener('unhandledrejection', (event) => {
      if (isLibsodiumWasmAbort(event.reason)) event.preventDefault();
    });
  } else if (scope.process !== undefined && typeof scope.process.on === 'function') {
    const nodeProcess = scope.process;
    // A listener replaces Node's default "crash on unhandled rejection", so
    // anything other than libsodium's own abort is re-thrown as before.
    nodeProcess.on('unhandledRejection', (reason) => {
      if (isLibsodiumWasmAbort(reason)) return;
      throw reason;
    });
  }
}

/** Initialise libsodium once; resolves to the ready instance. */
export function loadSodium(): Promise<Sodium> {
  loading ??= (async () => {
    guardWasmAbort();
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
