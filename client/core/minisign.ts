/**
 * minisign's public keys and the text grammar of its files (lines, comments,
 * base64 fields), so the newsroom's offline root key works with the standard
 * `minisign` tool and `minisign -V` can check our key manifests without this
 * software.
 *
 * Signatures (`.minisig`, signing and verification) are in
 * minisign-signature.ts and the secret key file format (`minisign.key`) in
 * minisign-secret-key.ts; both build on the line, comment and field readers
 * exported here.
 *
 * Layouts and limits follow minisign's `src/minisign.h` / `src/minisign.c`;
 * the exact format is documented in docs/PROTOCOL.md ("Keys").
 */
import { Base64Error, decodeBase64, encodeBase64 } from './base64.js';
import { concatBytes, toHex, utf8 } from './bytes.js';
import { CodedError } from './coded-error.js';
import { sodium } from './sodium.js';

/** What is wrong with a minisign key, signature or passphrase ({@link MinisignError}). */
export type MinisignErrorCode =
  /** Not the layout of the file it should be: lines, prefixes, base64 fields and their lengths. */
  | 'malformed'
  /** A comment to write that minisign could not read back (line break, NUL, lone surrogate, too long). */
  | 'invalid-comment'
  /** A key, signature, checksum or key derivation algorithm other than the supported ones. */
  | 'unsupported-algorithm'
  /** A legacy non-prehashed ("Ed") signature, refused on purpose. */
  | 'legacy-signature'
  /** scrypt limits outside what minisign writes (a hostile file could ask for unbounded work). */
  | 'unsupported-scrypt-parameters'
  /** A passphrase minisign could not read (NUL, line break, too long), or an empty one to encrypt with. */
  | 'invalid-passphrase'
  /** The secret key is encrypted and no passphrase was given. */
  | 'passphrase-required'
  /** The encrypted secret key's checksum does not match: a wrong passphrase, or corruption. */
  | 'wrong-passphrase'
  /** An unencrypted secret key's checksum, or its public half, does not match its seed. */
  | 'corrupted-key'
  /** The signature was made by another key than the one given. */
  | 'wrong-key'
  /** The signature, or the trusted comment's signature, does not verify. */
  | 'invalid-signature';

/** Anything wrong with a minisign key, signature or passphrase. */
export class MinisignError extends CodedError<MinisignErrorCode> {
  override name = 'MinisignError';
}

/** An Ed25519 public key with its minisign key id. */
export interface MinisignPublicKey {
  /** 8 bytes, in file order (minisign shows them reversed, see {@link formatKeyId}). */
  readonly keyId: Uint8Array;
  /** 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
}

/** An Ed25519 secret key with its minisign key id. */
export interface MinisignSecretKey {
  readonly keyId: Uint8Array;
  /** 64-byte libsodium Ed25519 secret key (seed ‖ public key). */
  readonly secretKey: Uint8Array;
}

export interface MinisignKeyPair {
  readonly publicKey: MinisignPublicKey;
  readonly secretKey: MinisignSecretKey;
}

/** Length of a minisign key id. */
export const KEY_ID_BYTES = 8;
const PUBLIC_KEY_BYTES = 32;
/** Length of a libsodium Ed25519 secret key (seed ‖ public key). */
export const SECRET_KEY_BYTES = 64;

/** How every untrusted comment line starts (public key, secret key and signature files). */
export const UNTRUSTED_PREFIX = 'untrusted comment: ';

/**
 * minisign reads each comment line with fgets into a 1024-byte buffer, so a
 * line holds at most 1022 bytes before its LF; this is the largest untrusted
 * comment it round-trips (1003 bytes, the limit its signer enforces). The
 * trusted comment's larger limit is in minisign-signature.ts.
 */
export const MAX_UNTRUSTED_COMMENT_BYTES = 1024 - 2 - UNTRUSTED_PREFIX.length;

/** "Ed": the algorithm tag of public and secret keys (and of legacy signatures). */
export const SIG_ALG = utf8('Ed');

// ---------------------------------------------------------------------------
// Key ids

/**
 * The key id as minisign prints it: the 8 bytes read as a little-endian
 * integer, shown as 16 uppercase hex digits (`minisign public key 8E06...`).
 * @throws TypeError if the key id is not 8 bytes.
 */
export function formatKeyId(keyId: Uint8Array): string {
  if (keyId.length !== KEY_ID_BYTES) throw new TypeError('key id must be 8 bytes');
  return toHex(keyId.slice().reverse()).toUpperCase();
}

// ---------------------------------------------------------------------------
// Lines

/**
 * Split a minisign text file into exactly `count` lines. Every line but the
 * last must end in LF (minisign's fgets-based reader requires it); a CR
 * before the LF is tolerated for files that passed through Windows, and a
 * final LF after the last line is optional. Anything else is refused.
 * @throws MinisignError if the text is not `count` such lines.
 */
export function splitLines(text: string, count: number, what: string): string[] {
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  const lines = body.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  if (lines.length !== count) throw new MinisignError('malformed', `invalid ${what}: expected ${count} lines`);
  for (const line of lines) {
    if (line.includes('\r') || line.includes('\0'))
      throw new MinisignError('malformed', `invalid ${what}: control character in line`);
  }
  return lines;
}

/**
 * Check a comment we are about to write: one line, no NUL, valid Unicode, and
 * at most `maxBytes` of UTF-8 so minisign can read it back.
 * @throws MinisignError naming `what` if it is not.
 */
export function checkCommentText(comment: string, maxBytes: number, what: string): void {
  if (/[\r\n\0]/.test(comment)) throw new MinisignError('invalid-comment', `${what} must be one line without NUL`);
  // A lone surrogate has no UTF-8 form: the signed bytes would not be the text.
  if (/[\uD800-\uDFFF]/u.test(comment)) throw new MinisignError('invalid-comment', `${what} is not valid unicode`);
  if (utf8(comment).length > maxBytes) throw new MinisignError('invalid-comment', `${what} too long`);
}

/**
 * The comment text of a line read from a file, after its `prefix`.
 * @throws MinisignError naming `what` if the prefix is missing or the comment
 *   is longer than `maxBytes` of UTF-8.
 */
export function readComment(line: string, prefix: string, maxBytes: number, what: string): string {
  if (!line.startsWith(prefix)) throw new MinisignError('malformed', `${what} must start with "${prefix}"`);
  const comment = line.slice(prefix.length);
  if (utf8(comment).length > maxBytes) throw new MinisignError('malformed', `${what} too long`);
  return comment;
}

/**
 * Decode one canonical, padded base64 field of exactly `length` bytes.
 * @throws MinisignError naming `what` on bad base64 or the wrong length.
 */
export function decodeField(text: string, length: number, what: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = decodeBase64(text, true);
  } catch (error) {
    if (error instanceof Base64Error) throw new MinisignError('malformed', `invalid ${what}: bad base64`);
    throw error;
  }
  if (bytes.length !== length) throw new MinisignError('malformed', `invalid ${what}: wrong length`);
  return bytes;
}

/** Whether `bytes` begins with `prefix` (a tag such as {@link SIG_ALG}). */
export function startsWithBytes(bytes: Uint8Array, prefix: Uint8Array): boolean {
  return prefix.every((byte, i) => bytes[i] === byte);
}

// ---------------------------------------------------------------------------
// Public keys

/**
 * The bare base64 public key, as `minisign -P` takes it.
 * @throws TypeError if the key id or key has the wrong length.
 */
export function encodePublicKey(key: MinisignPublicKey): string {
  if (key.keyId.length !== KEY_ID_BYTES || key.publicKey.length !== PUBLIC_KEY_BYTES) {
    throw new TypeError('invalid minisign public key');
  }
  return encodeBase64(concatBytes(SIG_ALG, key.keyId, key.publicKey), true);
}

/**
 * Parse the bare base64 public key (the `-P` form, or line 2 of the file).
 * @throws MinisignError on bad base64, wrong length or an algorithm other than "Ed".
 */
export function decodePublicKey(text: string): MinisignPublicKey {
  const bytes = decodeField(text, 2 + KEY_ID_BYTES + PUBLIC_KEY_BYTES, 'public key');
  if (!startsWithBytes(bytes, SIG_ALG))
    throw new MinisignError('unsupported-algorithm', 'unsupported public key algorithm');
  return { keyId: bytes.slice(2, 2 + KEY_ID_BYTES), publicKey: bytes.slice(2 + KEY_ID_BYTES) };
}

/**
 * The public key file minisign writes (`minisign.pub`).
 * @throws TypeError if the key id or key has the wrong length.
 */
export function formatPublicKeyFile(key: MinisignPublicKey): string {
  // minisign prints the id in this comment with printf's %PRIX64: no leading
  // zeros. Matching it keeps our files byte-identical to `minisign -G`'s.
  const printedKeyId = formatKeyId(key.keyId).replace(/^0+(?=.)/, '');
  return `${UNTRUSTED_PREFIX}minisign public key ${printedKeyId}\n${encodePublicKey(key)}\n`;
}

/**
 * Parse a public key file: an untrusted comment line, then the base64 key.
 * The comment is not authenticated and is ignored.
 * @throws MinisignError on any malformed input.
 */
export function parsePublicKeyFile(text: string): MinisignPublicKey {
  const [comment, key] = splitLines(text, 2, 'public key file') as [string, string];
  readComment(comment, UNTRUSTED_PREFIX, MAX_UNTRUSTED_COMMENT_BYTES, 'public key comment');
  return decodePublicKey(key);
}

// ---------------------------------------------------------------------------
// Key pairs

/**
 * Refuse a secret key whose key id or key has the wrong length before it is used.
 * @throws TypeError if the key has the wrong shape.
 */
export function checkSecretKeyShape(key: MinisignSecretKey): void {
  if (key.keyId.length !== KEY_ID_BYTES || key.secretKey.length !== SECRET_KEY_BYTES) {
    throw new TypeError('invalid minisign secret key');
  }
}

/** A new Ed25519 key pair with a random 8-byte key id, as `minisign -G` makes. */
export function generateKeyPair(): MinisignKeyPair {
  const s = sodium();
  const keyId = s.randombytes_buf(KEY_ID_BYTES);
  const { publicKey, privateKey } = s.crypto_sign_keypair();
  return { publicKey: { keyId, publicKey }, secretKey: { keyId: keyId.slice(), secretKey: privateKey } };
}

/**
 * The public half of a secret key (libsodium stores it in the last 32 bytes).
 * @throws TypeError if the key has the wrong shape.
 */
export function publicKeyOf(key: MinisignSecretKey): MinisignPublicKey {
  checkSecretKeyShape(key);
  return { keyId: key.keyId.slice(), publicKey: key.secretKey.slice(SECRET_KEY_BYTES - PUBLIC_KEY_BYTES) };
}
