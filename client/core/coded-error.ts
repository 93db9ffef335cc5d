/**
 * The one base of the core's error families: an error that carries a stable,
 * machine-readable `code` next to its message, so callers branch (or
 * translate for a person) on the code, never on message text or `name`.
 * Each family exports its codes as a string-literal union beside its class.
 */
export class CodedError<Code extends string> extends Error {
  readonly code: Code;

  constructor(code: Code, message: string) {
    super(message);
    this.code = code;
  }
}
