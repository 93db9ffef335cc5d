/**
 * The one place the core obtains libsodium.
 *
 * Every primitive in the protocol core (X25519, HMAC-SHA-256, ChaCha20-Poly1305,
 * Ed25519, BLAKE2b, the CSPRNG) comes from libsodium-wrappers. Callers await
 * {@link loadSodium} once; afterwards {@link sodium} returns the ready instance
 * synchronously so hot loops pay no promise overhead.
 *
 * libsodium-wrappers is imported only inside {@link loadSodium}: importing it
 * instantiates its WebAssembly at once, which costs a short command (Node's
 * `sealdrop decrypt`) about half of Node's own start-up again. A shell that has
 * native implementations of the few functions a command needs installs them
 * with {@link installSodiumStandIn} and skips loading libsodium altogether.
 */
import type Libsodium from 'libsodium-wrappers';

export type Sodium = typeof Libsodium;

/**
 * Some of libsodium's functions, by their libsodium name, each computing
 * exactly what libsodium does for the arguments the core passes (Uint8Array
 * in, Uint8Array out; no string output formats).
 */
export type SodiumStandIn = Readonly<Partial<Record<keyof Sodium, (...args: never[]) => unknown>>>;

let loading: Promise<Sodium> | undefined;
let loaded: Sodium | undefined;
let standIn: Sodium | undefined;

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

/**
 * Initialise libsodium once; resolves to the ready instance. From then on
 * {@link sodium} returns it, whatever stand-in is installed.
 */
export function loadSodium(): Promise<Sodium> {
  loading ??= (async () => {
    // Dynamic only here, and only of libsodium-wrappers (allowed statically too): see the top of this file.
    // eslint-disable-next-line no-restricted-syntax -- a literal specifier the purity rule allows
    const libsodium = (await import('libsodium-wrappers')).default;
    await libsodium.ready;
    loaded = libsodium;
    return libsodium;
  })();
  return loading;
}

/**
 * Serve {@link sodium} from `functions` until libsodium is loaded (a Node
 * shell installs node:crypto's; see client/core-node/native-sodium.ts).
 * Fails closed: any function it does not list throws when looked up, so a
 * code path that needs more than the stand-in has cannot run on a partial
 * imitation; it must load libsodium first. Installing again replaces it.
 */
export function installSodiumStandIn(functions: SodiumStandIn): void {
  const listed = new Map(Object.entries(functions));
  standIn = new Proxy({} as Sodium, {
    get(_target, name) {
      const found = typeof name === 'string' ? listed.get(name) : undefined;
      if (found !== undefined) return found;
      throw new Error(`libsodium is not loaded (${String(name)} has no stand-in): await loadSodium() first`);
    },
  });
}

/**
 * The ready libsodium instance; before it is loaded, the installed stand-in
 * ({@link installSodiumStandIn}), if any.
 * @throws Error if neither is there; the stand-in throws for any function it lacks.
 */
export function sodium(): Sodium {
  const ready = loaded ?? standIn;
  if (ready === undefined) throw new Error('libsodium is not loaded: await loadSodium() first');
  return ready;
}
