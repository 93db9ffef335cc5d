/**
 * `util/types` as jest's `expect` (through jest-util) reads it while loading,
 * for the browser run: only isNativeError, by the same internal-slot test
 * Node uses.
 */
export function isNativeError(value: unknown): value is Error {
  return Object.prototype.toString.call(value) === '[object Error]';
}
