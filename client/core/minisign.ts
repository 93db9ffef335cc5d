/**
 * minisign's key and signature formats (Ed25519 over BLAKE2b-512), so the
 * newsroom's offline root key works with the standard `minisign` tool and
 * `minisign -V` can check our key manifests without this software.
 *
 * Only the prehashed "ED" signature format is produced or accepted: it is
 * what minisign ≥ 0.10 writes by default, and it lets a signer or verifier
 * stream a message of any size through BLAKE2b instead of handing the whole
 * message to one Ed25519 call. The legacy "Ed" format (Ed25519 over the raw
 * message) is refused; we only ever verify our own manifests.
 *
 * The secret key file format (`minisign.key`) is in minisign-secret-key.ts,
 * which builds on the line, comment and field readers exported here.
 *
 * Layouts and limits follow minisign's `src/minisign.h` / `src/minisign.c`;
 * the exact format is documented in docs/PROTOCOL.md ("Keys").
 */
import { Base64Error, decodeBase64, encodeBase64 } from './base64.js';
import { concatBytes, constantTimeEqual, toHex, utf8 } from './bytes.js';
import { sodium } from './sodium.js';

/** Anything wrong with a minisign key, signature or passphrase. */
export class MinisignError extends Error {
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

/** The fields of a `.minisig` file. */
export interface MinisignSignature {
  readonly untrustedComment: string;
  /** Always `"ED"`: BLAKE2b-512 prehashed Ed25519. */
  readonly algorithm: 'ED';
  readonly keyId: Uint8Array;
  /** 64-byte Ed25519 signature over BLAKE2b-512(message). */
  readonly signature: Uint8Array;
  readonly trustedComment: string;
  /** 64-byte Ed25519 signature over signature ‖ trusted comment. */
  readonly globalSignature: Uint8Array;
}

export interface SignOptions {
  /** Signed (by the global signature); shown by `minisign -V`. One line. */
  readonly trustedComment: string;
  /** Not signed: anyone can change it. One line. */
  readonly untrustedComment?: string;
}

/** What a valid signature vouches for besides the message. */
export interface VerifiedSignature {
  readonly trustedComment: string;
  readonly keyId: Uint8Array;
}

/** Length of a minisign key id. */
export const KEY_ID_BYTES = 8;
const PUBLIC_KEY_BYTES = 32;
/** Length of a libsodium Ed25519 secret key (seed ‖ public key). */
export const SECRET_KEY_BYTES = 64;
const SIGNATURE_BYTES = 64;
const PREHASH_BYTES = 64;

/** How every untrusted comment line starts (public key, secret key and signature files). */
export const UNTRUSTED_PREFIX = 'untrusted comment: ';
const TRUSTED_PREFIX = 'trusted comment: ';
const DEFAULT_SIGNATURE_COMMENT = 'signature from minisign secret key';

/**
 * minisign reads each line with fgets into a 1024-byte buffer (comments) or
 * an 8192-byte one (the trusted comment line), so a line holds at most
 * size − 2 bytes before its LF; these are the largest comments it
 * round-trips (1003 and 8173 bytes, the limits its signer enforces).
 */
export const MAX_UNTRUSTED_COMMENT_BYTES = 1024 - 2 - UNTRUSTED_PREFIX.length;
const MAX_TRUSTED_COMMENT_BYTES = 8192 - 2 - TRUSTED_PREFIX.length;

/** libsodium hashes in one call whatever it is given: feed it bounded pieces. */
const HASH_PIECE_BYTES = 64 * 1024;

/** "Ed": the algorithm tag of public and secret keys (and of legacy signatures). */
export const SIG_ALG = utf8('Ed');
const SIG_ALG_PREHASHED = utf8('ED');

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
// BLAKE2b-512 prehash

/** An incremental BLAKE2b-512 of a message, as minisign's "ED" signatures need. */
export interface MessageHasher {
  update(chunk: Uint8Array): void;
  /** The 64-byte digest; the hasher cannot be used afterwards. */
  digest(): Uint8Array;
}

/**
 * Start hashing a message of any size, one chunk at a time.
 * Using the hasher after `digest()` throws TypeError.
 */
export function createMessageHasher(): MessageHasher {
  const s = sodium();
  const state = s.crypto_generichash_init(null, PREHASH_BYTES);
  let finished = false;
  return {
    update(chunk) {
      if (finished) throw new TypeError('message hasher already finished');
      for (let offset = 0; offset < chunk.length; offset += HASH_PIECE_BYTES) {
        s.crypto_generichash_update(state, chunk.subarray(offset, offset + HASH_PIECE_BYTES));
      }
    },
    digest() {
      if (finished) throw new TypeError('message hasher already finished');
      finished = true;
      return s.crypto_generichash_final(state, PREHASH_BYTES);
    },
  };
}

/** BLAKE2b-512 of a message held in memory (hashed in bounded pieces). */
export function hashMessage(message: Uint8Array): Uint8Array {
  const hasher = createMessageHasher();
  hasher.update(message);
  return hasher.digest();
}

/** BLAKE2b-512 of a streamed message. */
export async function hashMessageStream(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const hasher = createMessageHasher();
  for await (const chunk of chunks) hasher.update(chunk);
  return hasher.digest();
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
  if (lines.length !== count) throw new MinisignError(`invalid ${what}: expected ${count} lines`);
  for (const line of lines) {
    if (line.includes('\r') || line.includes('\0')) throw new MinisignError(`invalid ${what}: control character in line`);
  }
  return lines;
}

/**
 * Check a comment we are about to write: one line, no NUL, valid Unicode, and
 * at most `maxBytes` of UTF-8 so minisign can read it back.
 * @throws MinisignError naming `what` if it is not.
 */
export function checkCommentText(comment: string, maxBytes: number, what: string): void {
  if (/[\r\n\0]/.test(comment)) throw new MinisignError(`${what} must be one line without NUL`);
  // A lone surrogate has no UTF-8 form: the signed bytes would not be the text.
  if (/[\uD800-\uDFFF]/u.test(comment)) throw new MinisignError(`${what} is not valid unicode`);
  if (utf8(comment).length > maxBytes) throw new MinisignError(`${what} too long`);
}

/**
 * The comment text of a line read from a file, after its `prefix`.
 * @throws MinisignError naming `what` if the prefix is missing or the comment
 *   is longer than `maxBytes` of UTF-8.
 */
export function readComment(line: string, prefix: string, maxBytes: number, what: string): string {
  if (!line.startsWith(prefix)) throw new MinisignError(`${what} must start with "${prefix}"`);
  const comment = line.slice(prefix.length);
  if (utf8(comment).length > maxBytes) throw new MinisignError(`${what} too long`);
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
    if (error instanceof Base64Error) throw new MinisignError(`invalid ${what}: bad base64`);
    throw error;
  }
  if (bytes.length !== length) throw new MinisignError(`invalid ${what}: wrong length`);
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
  if (!startsWithBytes(bytes, SIG_ALG)) throw new MinisignError('unsupported public key algorithm');
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
// Signatures

/**
 * Write a `.minisig` file from its fields.
 * @throws MinisignError if a comment is not one line minisign can carry,
 *   TypeError if a field has the wrong length.
 */
export function formatSignature(signature: MinisignSignature): string {
  checkCommentText(signature.untrustedComment, MAX_UNTRUSTED_COMMENT_BYTES, 'untrusted comment');
  checkCommentText(signature.trustedComment, MAX_TRUSTED_COMMENT_BYTES, 'trusted comment');
  if (
    signature.keyId.length !== KEY_ID_BYTES ||
    signature.signature.length !== SIGNATURE_BYTES ||
    signature.globalSignature.length !== SIGNATURE_BYTES
  ) {
    throw new TypeError('invalid signature fields');
  }
  const packed = concatBytes(SIG_ALG_PREHASHED, signature.keyId, signature.signature);
  return (
    `${UNTRUSTED_PREFIX}${signature.untrustedComment}\n` +
    `${encodeBase64(packed, true)}\n` +
    `${TRUSTED_PREFIX}${signature.trustedComment}\n` +
    `${encodeBase64(signature.globalSignature, true)}\n`
  );
}

/**
 * Parse a `.minisig` file without checking it against any key.
 * @throws MinisignError on malformed input, the legacy "Ed" algorithm or any
 *   other algorithm than "ED".
 */
export function parseSignature(text: string): MinisignSignature {
  const [untrusted, packedText, trusted, globalText] = splitLines(text, 4, 'signature') as [
    string,
    string,
    string,
    string,
  ];
  const untrustedComment = readComment(untrusted, UNTRUSTED_PREFIX, MAX_UNTRUSTED_COMMENT_BYTES, 'untrusted comment');
  const packed = decodeField(packedText, 2 + KEY_ID_BYTES + SIGNATURE_BYTES, 'signature');
  if (startsWithBytes(packed, SIG_ALG)) throw new MinisignError('legacy non-prehashed signature refused');
  if (!startsWithBytes(packed, SIG_ALG_PREHASHED)) throw new MinisignError('unsupported signature algorithm');
  const trustedComment = readComment(trusted, TRUSTED_PREFIX, MAX_TRUSTED_COMMENT_BYTES, 'trusted comment');
  const globalSignature = decodeField(globalText, SIGNATURE_BYTES, 'global signature');
  return {
    untrustedComment,
    algorithm: 'ED',
    keyId: packed.slice(2, 2 + KEY_ID_BYTES),
    signature: packed.slice(2 + KEY_ID_BYTES),
    trustedComment,
    globalSignature,
  };
}

/**
 * Sign a message digest from {@link createMessageHasher} / {@link hashMessageStream}.
 * @throws MinisignError if a comment has a line break or NUL or is too long for minisign.
 */
export function signDigest(digest: Uint8Array, key: MinisignSecretKey, options: SignOptions): string {
  if (digest.length !== PREHASH_BYTES) throw new TypeError('digest must be 64 bytes');
  checkSecretKeyShape(key);
  const untrustedComment = options.untrustedComment ?? DEFAULT_SIGNATURE_COMMENT;
  checkCommentText(untrustedComment, MAX_UNTRUSTED_COMMENT_BYTES, 'untrusted comment');
  checkCommentText(options.trustedComment, MAX_TRUSTED_COMMENT_BYTES, 'trusted comment');
  const s = sodium();
  const signature = s.crypto_sign_detached(digest, key.secretKey);
  const globalSignature = s.crypto_sign_detached(concatBytes(signature, utf8(options.trustedComment)), key.secretKey);
  return formatSignature({
    untrustedComment,
    algorithm: 'ED',
    keyId: key.keyId,
    signature,
    trustedComment: options.trustedComment,
    globalSignature,
  });
}

/**
 * Sign a message in minisign's prehashed format; `minisign -V` accepts the result.
 * @throws MinisignError as {@link signDigest}.
 */
export function signMessage(message: Uint8Array, key: MinisignSecretKey, options: SignOptions): string {
  return signDigest(hashMessage(message), key, options);
}

/**
 * Check a signature against a message digest: algorithm, key id, the
 * signature and the global signature over the trusted comment.
 * @throws MinisignError if anything is malformed or does not verify.
 */
export function verifyDigest(digest: Uint8Array, signature: string | MinisignSignature, key: MinisignPublicKey): VerifiedSignature {
  if (digest.length !== PREHASH_BYTES) throw new TypeError('digest must be 64 bytes');
  const parsed = typeof signature === 'string' ? parseSignature(signature) : signature;
  if (!constantTimeEqual(parsed.keyId, key.keyId)) {
    throw new MinisignError('signature key id does not match the public key');
  }
  const s = sodium();
  if (!s.crypto_sign_verify_detached(parsed.signature, digest, key.publicKey)) {
    throw new MinisignError('signature verification failed');
  }
  const signedComment = concatBytes(parsed.signature, utf8(parsed.trustedComment));
  if (!s.crypto_sign_verify_detached(parsed.globalSignature, signedComment, key.publicKey)) {
    throw new MinisignError('trusted comment signature verification failed');
  }
  return { trustedComment: parsed.trustedComment, keyId: parsed.keyId };
}

/**
 * Verify a `.minisig` for a message held in memory.
 * @throws MinisignError if anything is malformed or does not verify.
 */
export function verifySignature(message: Uint8Array, signature: string, key: MinisignPublicKey): VerifiedSignature {
  // Parse first so a malformed or legacy signature fails before any hashing.
  const parsed = parseSignature(signature);
  return verifyDigest(hashMessage(message), parsed, key);
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
