/**
 * Matching the core's coded errors (client/core/coded-error.ts) in tests, by
 * the `code` callers branch on rather than by message text.
 */

/**
 * An expected error for `toThrow` / `rejects.toThrow`: any error whose `code`
 * is `code`. Pair it with the class (`toThrow(TarError)`) where the family
 * matters too.
 */
export function withCode(code: string): Error {
  // jest compares with the matcher's asymmetricMatch; the type only satisfies toThrow's signature.
  return expect.objectContaining({ code }) as Error;
}

/**
 * The error `run` throws, checked to be an instance of `kind`, for tests that
 * look at more than its code (a word's position, a list's language).
 */
export function thrownBy<T extends Error>(run: () => unknown, kind: abstract new (...args: never[]) => T): T {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(kind);
    return error as T;
  }
  throw new Error(`expected ${kind.name} to be thrown`);
}
