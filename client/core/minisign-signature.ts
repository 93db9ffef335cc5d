/**
 * minisign's signatures: the `.minisig` file format, signing and
 * verification (Ed25519 over a BLAKE2b-512 prehash), so `minisign -V` checks
 * our key manifests and our verifier checks minisign's signatures.
 *
 * Only the prehashed "ED" signature format is produced or accepted: it is
 * what minisign ≥ 0.10 writes by default, and it lets a signer or verifier
 * stream a message of any size through BLAKE2b instead of handing the whole
 * message to one Ed25519 call. The legacy "Ed" format (Ed25519 over the raw
 * message) is refused; we only ever verify our own manifests.
 *
 * Keys and the line, comment and field readers are in minisign.ts; layouts
 * and limits follow minisign's `src/minisign.h` / `src/minisign.c`, and the
 * exact format is documented in docs/PROTOCOL.md ("Keys").
 */
import { encodeBase64 } from './base64.js';
import { concatBytes, constantTimeEqual, utf8 } from './bytes.js';
import {
  checkCommentText,
  checkSecretKeyShape,
  decodeField,
  KEY_ID_BYTES,
  MAX_UNTRUSTED_COMMENT_BYTES,
  MinisignError,
  readComment,
  SIG_ALG,
  splitLines,
  startsWithBytes,
  UNTRUSTED_PREFIX,
  type MinisignPublicKey,
  type MinisignSecretKey,
} from './minisign.js';
import { sodium } from './sodium.js';

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

const SIGNATURE_BYTES = 64;
const TRUSTED_PREFIX = 'trusted comment: ';
const DEFAULT_SIGNATURE_COMMENT = 'signature from minisign secret key';
/**
 * minisign reads the trusted comment line with fgets into an 8192-byte
 * buffer: at most 8190 bytes before its LF, so 8173 bytes of comment (the
 * limit its signer enforces).
 */
const MAX_TRUSTED_COMMENT_BYTES = 8192 - 2 - TRUSTED_PREFIX.length;
/** "ED": the algorithm tag of prehashed signatures. */
const SIG_ALG_PREHASHED = utf8('ED');

// ---------------------------------------------------------------------------
// BLAKE2b-512 prehash

/** Length of the prehash: BLAKE2b-512. */
const PREHASH_BYTES = 64;

/** libsodium hashes in one call whatever it is given: feed it bounded pieces. */
const HASH_PIECE_BYTES = 64 * 1024;

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
 * @throws MinisignError `malformed` on malformed input, `legacy-signature`
 *   for the legacy "Ed" algorithm, `unsupported-algorithm` for any other than "ED".
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
  if (startsWithBytes(packed, SIG_ALG))
    throw new MinisignError('legacy-signature', 'legacy non-prehashed signature refused');
  if (!startsWithBytes(packed, SIG_ALG_PREHASHED))
    throw new MinisignError('unsupported-algorithm', 'unsupported signature algorithm');
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
 * @throws MinisignError with a code as {@link parseSignature} if it is
 *   malformed; `wrong-key` for another key id; `invalid-signature` if the
 *   signature or the trusted comment signature does not verify.
 */
export function verifyDigest(
  digest: Uint8Array,
  signature: string | MinisignSignature,
  key: MinisignPublicKey,
): VerifiedSignature {
  if (digest.length !== PREHASH_BYTES) throw new TypeError('digest must be 64 bytes');
  const parsed = typeof signature === 'string' ? parseSignature(signature) : signature;
  if (!constantTimeEqual(parsed.keyId, key.keyId)) {
    throw new MinisignError('wrong-key', 'signature key id does not match the public key');
  }
  const s = sodium();
  if (!s.crypto_sign_verify_detached(parsed.signature, digest, key.publicKey)) {
    throw new MinisignError('invalid-signature', 'signature verification failed');
  }
  const signedComment = concatBytes(parsed.signature, utf8(parsed.trustedComment));
  if (!s.crypto_sign_verify_detached(parsed.globalSignature, signedComment, key.publicKey)) {
    throw new MinisignError('invalid-signature', 'trusted comment signature verification failed');
  }
  return { trustedComment: parsed.trustedComment, keyId: parsed.keyId };
}

/**
 * Verify a `.minisig` for a message held in memory.
 * @throws MinisignError as {@link verifyDigest}.
 */
export function verifySignature(message: Uint8Array, signature: string, key: MinisignPublicKey): VerifiedSignature {
  // Parse first so a malformed or legacy signature fails before any hashing.
  const parsed = parseSignature(signature);
  return verifyDigest(hashMessage(message), parsed, key);
}
