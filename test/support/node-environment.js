// Jest's Node environment, plus jest's shell of the libsodium guard.
//
// Without WebAssembly, libsodium's discarded WebAssembly attempt ends in an
// unhandled ReferenceError (see isLibsodiumWasmAbort in client/core/sodium.ts).
// The core installs no listener; Node entry points use
// client/core-node/wasm-abort-guard.ts, but inside jest's vm sandbox `process`
// is a copy whose listeners never reach the real process. Outside the sandbox
// two things can see the rejection, and both get the same narrow filter; any
// other unhandled rejection still fails the run:
// - the real process (before and after jest-circus runs the tests);
// - jest-circus, which while tests run replaces every `unhandledRejection`
//   listener with its own and records the rejection against the running test.
//   `handleTestEvent` runs synchronously right after circus's own handler, so
//   it can drop the record exactly as circus does for a late-handled promise
//   (its 'error_handled' event).
//
// Jest loads this file with Node's own loader, which cannot import the
// TypeScript predicate, so the filter is restated here; test/tooling/
// wasm-abort-guard.test.ts checks that both give the same answers.
import { TestEnvironment } from 'jest-environment-node';

let processGuardInstalled = false;

/** The same test as isLibsodiumWasmAbort in client/core/sodium.ts. */
export function isLibsodiumWasmAbort(reason) {
  return (
    typeof reason === 'object' &&
    reason !== null &&
    reason.name === 'ReferenceError' &&
    String(reason.message).includes('WebAssembly')
  );
}

export default class SealdropNodeEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    if (!processGuardInstalled && typeof WebAssembly === 'undefined') {
      processGuardInstalled = true;
      process.on('unhandledRejection', (reason) => {
        if (!isLibsodiumWasmAbort(reason)) throw reason;
      });
    }
  }

  handleTestEvent(event, state) {
    if (typeof WebAssembly !== 'undefined') return;
    if (event.name !== 'error' || event.promise === undefined || !isLibsodiumWasmAbort(event.error)) return;
    const target = state.unhandledRejectionErrorByPromiseTarget?.get(event.promise);
    target?.delete(event.promise);
    state.unhandledRejectionErrorByPromiseTarget?.delete(event.promise);
  }
}
