// The guards each shell installs against libsodium's stray rejection without
// WebAssembly: they swallow exactly that rejection, only when WebAssembly is
// absent, once per scope; and jest's own copy of the filter agrees with the
// core's.
import { guardWasmAbortInPage, type RejectionEventLike } from '../../client/app/wasm-abort-guard.js';
import { guardWasmAbortInProcess } from '../../client/core-node/wasm-abort-guard.js';
import { isLibsodiumWasmAbort } from '../../client/core/sodium.js';
import { isLibsodiumWasmAbort as jestFilter } from '../support/node-environment.js';

/** What libsodium throws: `new WebAssembly.RuntimeError(...)` with no WebAssembly. */
const abort = new ReferenceError('WebAssembly is not defined');

const samples: [string, unknown, boolean][] = [
  ['libsodium abort', abort, true],
  [
    'the same error from another realm (plain object)',
    { name: 'ReferenceError', message: 'WebAssembly is not defined' },
    true,
  ],
  ['another ReferenceError', new ReferenceError('x is not defined'), false],
  ['a TypeError naming WebAssembly', new TypeError('WebAssembly.instantiate is not a function'), false],
  ['an Error', new Error('WebAssembly'), false],
  ['a string', 'ReferenceError: WebAssembly is not defined', false],
  ['null', null, false],
  ['undefined', undefined, false],
];

describe('isLibsodiumWasmAbort', () => {
  test.each(samples)('%s', (_name, reason, expected) => {
    expect(isLibsodiumWasmAbort(reason)).toBe(expected);
    // test/support/node-environment.js restates the filter: it must not drift.
    expect(jestFilter(reason)).toBe(expected);
  });
});

/** A stand-in for a window, a worker scope or a process: records the listeners a guard adds for `expected`. */
function recorder<Listener>(expected: string): {
  listeners: Listener[];
  addEventListener: (type: string, listener: Listener) => void;
  on: (event: string, listener: Listener) => void;
} {
  const listeners: Listener[] = [];
  const add = (type: string, listener: Listener): void => {
    expect(type).toBe(expected);
    listeners.push(listener);
  };
  return { listeners, addEventListener: add, on: add };
}

const recordingScope = () => recorder<(event: RejectionEventLike) => void>('unhandledrejection');
const recordingProcess = () => recorder<(reason: unknown) => void>('unhandledRejection');

function dispatch(listener: (event: RejectionEventLike) => void, reason: unknown): boolean {
  let prevented = false;
  listener({ reason, preventDefault: () => (prevented = true) });
  return prevented;
}

describe('guardWasmAbortInPage', () => {
  test('without WebAssembly it cancels only the abort, and installs once', () => {
    const scope = recordingScope();
    expect(guardWasmAbortInPage(scope, false)).toBe(true);
    expect(guardWasmAbortInPage(scope, false)).toBe(false);
    expect(scope.listeners).toHaveLength(1);
    const listener = scope.listeners[0]!;
    expect(dispatch(listener, abort)).toBe(true);
    expect(dispatch(listener, new Error('a real failure'))).toBe(false);
    expect(dispatch(listener, new ReferenceError('x is not defined'))).toBe(false);
  });

  test('with WebAssembly it installs nothing', () => {
    const scope = recordingScope();
    expect(guardWasmAbortInPage(scope, true)).toBe(false);
    expect(scope.listeners).toHaveLength(0);
  });
});

describe('guardWasmAbortInProcess', () => {
  test('without WebAssembly it lets the abort pass and re-throws anything else, and installs once', () => {
    const target = recordingProcess();
    expect(guardWasmAbortInProcess(target, false)).toBe(true);
    expect(guardWasmAbortInProcess(target, false)).toBe(false);
    expect(target.listeners).toHaveLength(1);
    const listener = target.listeners[0]!;
    expect(() => {
      listener(abort);
    }).not.toThrow();
    const failure = new Error('a real failure');
    expect(() => {
      listener(failure);
    }).toThrow(failure);
  });

  test('with WebAssembly it installs nothing', () => {
    const target = recordingProcess();
    expect(guardWasmAbortInProcess(target, true)).toBe(false);
    expect(target.listeners).toHaveLength(0);
  });
});
