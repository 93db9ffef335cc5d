/**
 * An error that carries a machine-readable reason next to its message, so
 * callers can react (or translate for a person) without matching text.
 */
export class CodedError<Code extends string> extends Error {
  readonly code: Code;

  constructor(code: Code, message: string) {
    super(message);
    this.code = code;
  }
}
