// Jest's Node environment, plus the one guard the sandbox cannot install itself.
//
// Without WebAssembly, libsodium's discarded WebAssembly attempt ends in an
// unhandled ReferenceError (see client/core/sodium.ts). The core swallows it
// through `process.on`, but inside jest's vm sandbox `process` is a copy whose
// listeners never reach the real process, so the worker would die. This file
// runs outside the sandbox and installs the same narrow filter on the real
// process; any other unhandled rejection still fails the run.
import { TestEnvironment } from 'jest-environment-node';

let installed = false;

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
    if (!installed && typeof WebAssembly === 'undefined') {
      installed = true;
      process.on('unhandledRejection', (reason) => {
        if (!isLibsodiumWasmAbort(reason)) throw reason;
      });
    }
  }
}
