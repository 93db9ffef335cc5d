/**
 * The typed errors of the age envelope. Every failure to open a file is one of
 * these, so callers (the editor's decryptor, the keyless envelope check) can
 * tell a malformed upload from a wrong key from tampering without parsing
 * messages: by class for the family, by `code` within it. Messages are terse,
 * lowercase and never contain key material.
 */
import { CodedError } from './coded-error.js';

/** Why a header was refused ({@link AgeHeaderError}). */
export type AgeHeaderErrorCode =
  /** Malformed or non-canonical: anything the header grammar does not allow. */
  | 'invalid-header'
  /** A version line of another age version than v1. */
  | 'unsupported-version'
  /** No end of header within `MAX_HEADER_BYTES` (header.ts). */
  | 'header-too-long'
  /** More stanzas than `MAX_STANZAS` (header.ts). */
  | 'too-many-stanzas'
  /** A valid beginning that has not ended yet: only {@link AgeHeaderIncompleteError}. */
  | 'header-incomplete'
  /** The file ends inside the header, or right after it without the payload nonce. */
  | 'truncated'
  /** A stanza of one of the identities' types is malformed (or an scrypt stanza has company). */
  | 'invalid-stanza'
  /** An scrypt stanza asks for more work than the identity accepts. */
  | 'work-factor-too-high';

/** Why a payload was refused ({@link AgePayloadError}). */
export type AgePayloadErrorCode =
  /** A chunk fails authentication: altered, reordered, dropped, or the payload cut at a chunk boundary. */
  | 'payload-tampered'
  /** No chunk at all, a chunk shorter than its tag, or an empty final chunk after others. */
  | 'invalid-payload'
  /** No plaintext length encrypts to this payload length. */
  | 'invalid-payload-length';

/** Why a key or identity file was refused ({@link AgeKeyError}). */
export type AgeKeyErrorCode =
  /** Not a canonical lowercase `age1...` X25519 recipient. */
  | 'invalid-recipient'
  /** Not a canonical uppercase `AGE-SECRET-KEY-1...` X25519 identity. */
  | 'invalid-identity'
  /** An identity file that is armored, not UTF-8, holds no identity or a line that is not one. */
  | 'invalid-identity-file'
  /** An identity file over its size limit. */
  | 'identity-file-too-large';

/** Every code an {@link AgeError} can carry; each belongs to exactly one class. */
export type AgeErrorCode =
  AgeHeaderErrorCode | AgePayloadErrorCode | AgeKeyErrorCode | 'no-identity-match' | 'invalid-mac';

/** Base class of every age envelope error. */
export class AgeError<Code extends AgeErrorCode = AgeErrorCode> extends CodedError<Code> {
  override name = 'AgeError';
}

/** The header is malformed, non-canonical, over a limit, or a stanza for one of our identities is invalid. */
export class AgeHeaderError extends AgeError<AgeHeaderErrorCode> {
  override name = 'AgeHeaderError';
}

/**
 * The bytes seen so far are a valid beginning of a header but end before it
 * does. A subclass of {@link AgeHeaderError} because, at the end of a file,
 * an unfinished header is simply malformed; a caller that is still receiving
 * bytes checks for this class (or its code) first and waits for more.
 */
export class AgeHeaderIncompleteError extends AgeHeaderError {
  override name = 'AgeHeaderIncompleteError';
  declare readonly code: 'header-incomplete';

  constructor(message = 'incomplete header') {
    super('header-incomplete', message);
  }
}

/** None of the identities could unwrap the file key: the file is not for us. */
export class NoIdentityMatchError extends AgeError<'no-identity-match'> {
  override name = 'NoIdentityMatchError';

  constructor(message = 'no identity matched') {
    super('no-identity-match', message);
  }
}

/** The header MAC does not verify: the header was altered after encryption. */
export class AgeMacError extends AgeError<'invalid-mac'> {
  override name = 'AgeMacError';

  constructor(message = 'invalid header MAC') {
    super('invalid-mac', message);
  }
}

/** The payload is tampered with, truncated, reordered or followed by extra data. */
export class AgePayloadError extends AgeError<AgePayloadErrorCode> {
  override name = 'AgePayloadError';
}

/** A recipient, identity or identity file is not a valid encoding. */
export class AgeKeyError extends AgeError<AgeKeyErrorCode> {
  override name = 'AgeKeyError';
}
