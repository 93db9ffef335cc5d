// Jest's Node environment, plus the one guard the sandbox cannot install itself.
//
// Without WebAssembly, libsodium's discarded WebAssembly attempt ends in an
// unhandled ReferenceError (see client/core/sodium.ts). The core swallows it
// through `process.on`, but inside jest's vm sandbox `process` is a copy whose
// listeners never reach the real process. Outside the sandbox two things can
// see the rejection, and both get the same narrow filter; any other unhandled
// rejection still fails the run:
// - the real process (before and after jest-circus runs the tests);
// - jest-circus, which while tests run replaces every `unhandledRejection`
//   listener with its own and records the rejection against the running test.
//   `handleTestEvent` runs synchronously right after circus's own handler, so
//   it can drop the record exactly as circus does for a late-handled promise
//   (its 'error_handled' event).
import { TestEnvironment } from 'jest-environment-node';

let processGuardInstalled = false;

function isLibsodiumWasmAbort(reason) {
  return (
    typeof WebAssembly === 'undefined' &&
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
    if (event.name !== 'error' || event.promise === undefined || !isLibsodiumWasmAbort(event.error)) return;
    const target = state.unhandledRejectionErrorByPromiseTarget?.get(event.promise);
    target?.delete(event.promise);
    state.unhandledRejectionErrorByPromiseTarget?.delete(event.promise);
  }
}
