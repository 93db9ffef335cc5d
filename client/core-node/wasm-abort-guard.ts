/**
 * The Node shell of the core's libsodium: swallows the one stray rejection
 * libsodium leaves behind without WebAssembly (`node --jitless`; see
 * isLibsodiumWasmAbort in client/core/sodium.ts), for the command line, the
 * server and the benchmarks. The page's counterpart is
 * client/app/wasm-abort-guard.ts; jest's is test/support/node-environment.js.
 *
 * client/core-node/ holds the Node.js side of the core; it is never bundled
 * into the page.
 */
import { isLibsodiumWasmAbort } from '../core/sodium.js';

/** A Node process, as far as the guard uses it. */
export interface RejectionProcess {
  on(event: 'unhandledRejection', listener: (reason: unknown) => void): unknown;
}

const guarded = new WeakSet<RejectionProcess>();

/**
 * Without WebAssembly, let libsodium's stray abort pass and crash on any
 * other unhandled rejection as Node does by default. Call it at the entry
 * point, before loading libsodium; calling it again does nothing.
 * @param target the process (the real one unless a test passes its own)
 * @param webAssemblyPresent whether WebAssembly exists (the guard is only needed when not)
 * @returns whether a listener was installed by this call
 */
export function guardWasmAbortInProcess(
  target: RejectionProcess = process,
  webAssemblyPresent: boolean = typeof WebAssembly !== 'undefined',
): boolean {
  if (webAssemblyPresent || guarded.has(target)) return false;
  guarded.add(target);
  // A listener replaces Node's default "crash on unhandled rejection", so
  // anything other than libsodium's own abort is re-thrown as before.
  target.on('unhandledRejection', (reason) => {
    if (isLibsodiumWasmAbort(reason)) return;
    throw reason;
  });
  return true;
}
