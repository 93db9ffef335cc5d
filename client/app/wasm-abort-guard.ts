/**
 * The page-side shell of the core's libsodium: swallows the one stray
 * rejection libsodium leaves behind when WebAssembly is absent (see
 * isLibsodiumWasmAbort in client/core/sodium.ts), in a window or worker scope.
 * The Node counterpart is client/core-node/wasm-abort-guard.ts.
 */
import { isLibsodiumWasmAbort } from '../core/sodium.js';

/** The `unhandledrejection` event as far as the guard reads it. */
export interface RejectionEventLike {
  readonly reason: unknown;
  preventDefault(): void;
}

/** A window or worker global scope, as far as the guard uses it. */
export interface RejectionEventTarget {
  addEventListener(type: 'unhandledrejection', listener: (event: RejectionEventLike) => void): void;
}

const guarded = new WeakSet<RejectionEventTarget>();

/**
 * Without WebAssembly, cancel the default report (a console error) of
 * libsodium's stray abort, and of nothing else. Call it before loading
 * libsodium; calling it again for the same scope does nothing.
 * @param webAssemblyPresent whether this scope has WebAssembly (the guard is only needed when not)
 * @returns whether a listener was installed by this call
 */
export function guardWasmAbortInPage(
  scope: RejectionEventTarget,
  webAssemblyPresent: boolean = typeof WebAssembly !== 'undefined',
): boolean {
  if (webAssemblyPresent || guarded.has(scope)) return false;
  guarded.add(scope);
  scope.addEventListener('unhandledrejection', (event) => {
    if (isLibsodiumWasmAbort(event.reason)) event.preventDefault();
  });
  return true;
}
