/**
 * The typed errors of the age envelope. Every failure to open a file is one of
 * these, so callers (the editor's decryptor, the server's framing check) can
 * tell a malformed upload from a wrong key from tampering without parsing
 * messages. Messages are terse, lowercase and never contain key material.
 */

/** Base class of every age envelope error. */
export class AgeError extends Error {
  override name = 'AgeError';
}

/** The header is malformed, non-canonical, over a limit, or a stanza for one of our identities is invalid. */
export class AgeHeaderError extends AgeError {
  override name = 'AgeHeaderError';
}

/**
 * The bytes seen so far are a valid beginning of a header but end before it
 * does. A subclass of {@link AgeHeaderError} because, at the end of a file,
 * an unfinished header is simply malformed; a caller that is still receiving
 * bytes (the server) checks for this class first and waits for more.
 */
export class AgeHeaderIncompleteError extends AgeHeaderError {
  override name = 'AgeHeaderIncompleteError';
}

/** None of the identities could unwrap the file key: the file is not for us. */
export class NoIdentityMatchError extends AgeError {
  override name = 'NoIdentityMatchError';
}

/** The header MAC does not verify: the header was altered after encryption. */
export class AgeMacError extends AgeError {
  override name = 'AgeMacError';
}

/** The payload is tampered with, truncated, reordered or followed by extra data. */
export class AgePayloadError extends AgeError {
  override name = 'AgePayloadError';
}

/** A recipient, identity or identity file is not a valid encoding. */
export class AgeKeyError extends AgeError {
  override name = 'AgeKeyError';
}
