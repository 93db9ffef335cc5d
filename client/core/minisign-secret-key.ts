/**
 * minisign's secret key file format (`minisign.key`): the Ed25519 secret key
 * and its key id under a BLAKE2b-256 checksum, optionally encrypted with a
 * passphrase through scrypt, so the newsroom's offline root key can be kept
 * in a file that both the standard `minisign` tool and this software read.
 *
 * Layouts and limits follow minisign's `src/minisign.h` / `src/minisign.c`;
 * the exact format is documented in docs/PROTOCOL.md ("Keys").
 */
import { encodeBase64 } from './base64.js';
import { constantTimeEqual, utf8, wipe } from './bytes.js';
import {
  checkCommentText,
  checkSecretKeyShape,
  decodeField,
  KEY_ID_BYTES,
  MAX_UNTRUSTED_COMMENT_BYTES,
  MinisignError,
  readComment,
  SECRET_KEY_BYTES,
  SIG_ALG,
  splitLines,
  startsWithBytes,
  UNTRUSTED_PREFIX,
  type MinisignSecretKey,
} from './minisign.js';
import type { ScryptFunction, ScryptParams } from './scrypt-function.js';
import { sodium } from './sodium.js';

/** Passphrase protection for a secret key file. */
export interface SecretKeyEncryption {
  readonly passphrase: Uint8Array;
  readonly scrypt: ScryptFunction;
  /** libsodium scrypt opslimit; minisign's default is 33554432. */
  readonly opslimit?: number;
  /** libsodium scrypt memlimit in bytes; minisign's default is 1 GiB. */
  readonly memlimit?: number;
}

/** What it takes to open an encrypted secret key file. */
export interface SecretKeyDecryption {
  readonly passphrase: Uint8Array;
  readonly scrypt: ScryptFunction;
}

const CHECKSUM_BYTES = 32;
const SALT_BYTES = 32;

const DEFAULT_SECRET_KEY_COMMENT = 'minisign encrypted secret key';

/**
 * The longest passphrase minisign can read back: it reads it with fgets into
 * 1024 bytes, line end and terminating NUL included.
 */
export const MAX_PASSPHRASE_BYTES = 1022;

/** minisign's defaults: crypto_pwhash_scryptsalsa208sha256_*_SENSITIVE. */
export const DEFAULT_OPSLIMIT = 33554432;
export const DEFAULT_MEMLIMIT = 1073741824;

const KDF_SCRYPT = utf8('Sc');
const KDF_NONE = new Uint8Array(2);
const CHECKSUM_BLAKE2B = utf8('B2');

// ---------------------------------------------------------------------------
// scrypt parameters

/**
 * libsodium's `pickparams` for crypto_pwhash_scryptsalsa208sha256, which is
 * how minisign turns the opslimit/memlimit stored in a key file into scrypt's
 * N, r and p. Reproduced exactly, in unsigned 64-bit arithmetic, because a
 * single different bit in N or p derives a different key stream.
 * @throws RangeError on negative limits.
 */
export function scryptParamsFromLimits(opslimit: bigint, memlimit: bigint): { logN: number; r: number; p: number } {
  if (opslimit < 0n || memlimit < 0n) throw new RangeError('scrypt limits are unsigned');
  const ops = opslimit < 32768n ? 32768n : opslimit;
  const r = 8n;
  let logN: bigint;
  let p: bigint;
  const smallestLogNAbove = (maxN: bigint): bigint => {
    let n = 1n;
    for (; n < 63n; n += 1n) if (1n << n > maxN / 2n) break;
    return n;
  };
  if (ops < memlimit / 32n) {
    p = 1n;
    logN = smallestLogNAbove(ops / (r * 4n));
  } else {
    logN = smallestLogNAbove(memlimit / (r * 128n));
    let maxrp = ops / 4n / (1n << logN);
    if (maxrp > 0x3fffffffn) maxrp = 0x3fffffffn;
    p = maxrp / r;
  }
  return { logN: Number(logN), r: Number(r), p: Number(p) };
}

/**
 * The work a key file may demand: twice minisign's default memory
 * (N = 2^21, r = 8: 2 GiB) and p ≤ 16. minisign itself never writes more
 * (it only halves its defaults on small machines); the bound keeps a hostile
 * file from asking for unbounded memory or time.
 */
const MAX_LOG_N = 21;
const MAX_P = 16;

function checkedScryptParams(opslimit: bigint, memlimit: bigint, length: number): ScryptParams {
  const { logN, r, p } = scryptParamsFromLimits(opslimit, memlimit);
  // p = 0 is what libsodium's escrypt refuses (EINVAL); minisign fails there too.
  if (p < 1 || p > MAX_P || logN > MAX_LOG_N)
    throw new MinisignError('unsupported-scrypt-parameters', 'unsupported scrypt parameters');
  return { logN, r, p, length };
}

function readUint64(bytes: Uint8Array, offset: number): bigint {
  let value = 0n;
  for (let i = 7; i >= 0; i--) value = (value << 8n) | BigInt(bytes[offset + i]!);
  return value;
}

function writeUint64(bytes: Uint8Array, offset: number, value: bigint): void {
  let rest = value;
  for (let i = 0; i < 8; i++) {
    bytes[offset + i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
}

// ---------------------------------------------------------------------------
// Secret key files
//
// Layout (158 bytes before base64):
//   sig_alg "Ed" | kdf_alg "Sc" or 00 00 | chk_alg "B2" | salt (32) |
//   opslimit (u64 LE) | memlimit (u64 LE) |
//   [ key id (8) | Ed25519 secret key (64) | BLAKE2b-256 checksum (32) ]
// The bracketed 104 bytes are XORed with scrypt(passphrase, salt) when
// kdf_alg is "Sc", and stored as they are when it is zero.

const OFFSET_KDF = 2;
const OFFSET_CHK_ALG = 4;
const OFFSET_SALT = 6;
const OFFSET_OPSLIMIT = OFFSET_SALT + SALT_BYTES;
const OFFSET_MEMLIMIT = OFFSET_OPSLIMIT + 8;
const OFFSET_KEYNUM_SK = OFFSET_MEMLIMIT + 8;
const KEYNUM_SK_BYTES = KEY_ID_BYTES + SECRET_KEY_BYTES + CHECKSUM_BYTES;
const SECRET_KEY_FILE_BYTES = OFFSET_KEYNUM_SK + KEYNUM_SK_BYTES;

/** BLAKE2b-256 over sig_alg ‖ key id ‖ secret key, minisign's integrity check. */
function secretKeyChecksum(keyId: Uint8Array, secretKey: Uint8Array): Uint8Array {
  const s = sodium();
  const state = s.crypto_generichash_init(null, CHECKSUM_BYTES);
  s.crypto_generichash_update(state, SIG_ALG);
  s.crypto_generichash_update(state, keyId);
  s.crypto_generichash_update(state, secretKey);
  return s.crypto_generichash_final(state, CHECKSUM_BYTES);
}

function checkPassphrase(passphrase: Uint8Array): void {
  // minisign reads the passphrase as one line of C string: no NUL, CR or LF.
  if (passphrase.some((byte) => byte === 0 || byte === 0x0a || byte === 0x0d)) {
    throw new MinisignError('invalid-passphrase', 'passphrase must not contain NUL or line breaks');
  }
  if (passphrase.length > MAX_PASSPHRASE_BYTES) throw new MinisignError('invalid-passphrase', 'passphrase too long');
}

function xorInto(target: Uint8Array, stream: Uint8Array): void {
  for (let i = 0; i < target.length; i++) target[i]! ^= stream[i]!;
}

/**
 * Write a secret key file that `minisign -S -s file` accepts: encrypted
 * under a passphrase with scrypt, or unencrypted (`minisign -W`) when
 * `encryption` is null. Unencrypted files carry a real checksum (minisign
 * writes zeros there and never checks it; a real one lets us catch
 * corruption and costs nothing).
 * @throws MinisignError `invalid-passphrase` on an empty or unusable
 *   passphrase, `unsupported-scrypt-parameters` on unsupported scrypt limits,
 *   `invalid-comment` for a comment minisign could not read.
 */
export async function formatSecretKeyFile(
  key: MinisignSecretKey,
  encryption: SecretKeyEncryption | null,
  untrustedComment: string = DEFAULT_SECRET_KEY_COMMENT,
): Promise<string> {
  checkSecretKeyShape(key);
  checkCommentText(untrustedComment, MAX_UNTRUSTED_COMMENT_BYTES, 'untrusted comment');
  const file = new Uint8Array(SECRET_KEY_FILE_BYTES);
  file.set(SIG_ALG, 0);
  file.set(CHECKSUM_BLAKE2B, OFFSET_CHK_ALG);
  const keynumSk = file.subarray(OFFSET_KEYNUM_SK);
  keynumSk.set(key.keyId, 0);
  keynumSk.set(key.secretKey, KEY_ID_BYTES);
  keynumSk.set(secretKeyChecksum(key.keyId, key.secretKey), KEY_ID_BYTES + SECRET_KEY_BYTES);
  if (encryption === null) {
    file.set(KDF_NONE, OFFSET_KDF);
  } else {
    checkPassphrase(encryption.passphrase);
    if (encryption.passphrase.length === 0)
      throw new MinisignError('invalid-passphrase', 'empty passphrase: write an unencrypted key instead');
    const opslimit = BigInt(encryption.opslimit ?? DEFAULT_OPSLIMIT);
    const memlimit = BigInt(encryption.memlimit ?? DEFAULT_MEMLIMIT);
    const params = checkedScryptParams(opslimit, memlimit, KEYNUM_SK_BYTES);
    const salt = sodium().randombytes_buf(SALT_BYTES);
    file.set(KDF_SCRYPT, OFFSET_KDF);
    file.set(salt, OFFSET_SALT);
    writeUint64(file, OFFSET_OPSLIMIT, opslimit);
    writeUint64(file, OFFSET_MEMLIMIT, memlimit);
    const stream = await encryption.scrypt(encryption.passphrase, salt, params);
    xorInto(keynumSk, stream);
    wipe(stream);
  }
  const text = `${UNTRUSTED_PREFIX}${untrustedComment}\n${encodeBase64(file, true)}\n`;
  wipe(file);
  return text;
}

function decodeSecretKeyFile(text: string): Uint8Array {
  const [comment, body] = splitLines(text, 2, 'secret key file') as [string, string];
  readComment(comment, UNTRUSTED_PREFIX, MAX_UNTRUSTED_COMMENT_BYTES, 'secret key comment');
  const file = decodeField(body, SECRET_KEY_FILE_BYTES, 'secret key');
  if (!startsWithBytes(file, SIG_ALG))
    throw new MinisignError('unsupported-algorithm', 'unsupported secret key algorithm');
  if (!startsWithBytes(file.subarray(OFFSET_CHK_ALG), CHECKSUM_BLAKE2B)) {
    throw new MinisignError('unsupported-algorithm', 'unsupported secret key checksum');
  }
  const kdf = file.subarray(OFFSET_KDF, OFFSET_KDF + 2);
  if (!startsWithBytes(kdf, KDF_SCRYPT) && !startsWithBytes(kdf, KDF_NONE)) {
    throw new MinisignError('unsupported-algorithm', 'unsupported secret key derivation function');
  }
  return file;
}

/**
 * Whether a secret key file needs a passphrase (so a caller knows whether to prompt).
 * @throws MinisignError if the file is malformed.
 */
export function isSecretKeyFileEncrypted(text: string): boolean {
  return startsWithBytes(decodeSecretKeyFile(text).subarray(OFFSET_KDF), KDF_SCRYPT);
}

/**
 * Read a secret key file written by `minisign -G` (with or without `-W`) or
 * by {@link formatSecretKeyFile}.
 * @throws MinisignError `malformed` on malformed input,
 *   `unsupported-algorithm` or `unsupported-scrypt-parameters`,
 *   `passphrase-required` for an encrypted file without a passphrase,
 *   `invalid-passphrase` for one minisign could not read, `wrong-passphrase`
 *   on an encrypted file's checksum mismatch, and `corrupted-key` on an
 *   unencrypted file's, or when the stored public half does not match the seed.
 */
export async function parseSecretKeyFile(text: string, decryption?: SecretKeyDecryption): Promise<MinisignSecretKey> {
  const file = decodeSecretKeyFile(text);
  const keynumSk = file.subarray(OFFSET_KEYNUM_SK);
  const encrypted = startsWithBytes(file.subarray(OFFSET_KDF), KDF_SCRYPT);
  try {
    if (encrypted) {
      if (decryption === undefined)
        throw new MinisignError('passphrase-required', 'secret key is encrypted: a passphrase is required');
      checkPassphrase(decryption.passphrase);
      const params = checkedScryptParams(
        readUint64(file, OFFSET_OPSLIMIT),
        readUint64(file, OFFSET_MEMLIMIT),
        KEYNUM_SK_BYTES,
      );
      const stream = await decryption.scrypt(
        decryption.passphrase,
        file.slice(OFFSET_SALT, OFFSET_SALT + SALT_BYTES),
        params,
      );
      xorInto(keynumSk, stream);
      wipe(stream);
    }
    const keyId = keynumSk.slice(0, KEY_ID_BYTES);
    const secretKey = keynumSk.slice(KEY_ID_BYTES, KEY_ID_BYTES + SECRET_KEY_BYTES);
    const storedChecksum = keynumSk.subarray(KEY_ID_BYTES + SECRET_KEY_BYTES);
    const checksum = secretKeyChecksum(keyId, secretKey);
    // `minisign -G -W` leaves the checksum zero; only an encrypted file must carry one.
    const unchecked = !encrypted && storedChecksum.every((byte) => byte === 0);
    if (!unchecked && !constantTimeEqual(checksum, storedChecksum)) {
      wipe(secretKey);
      throw encrypted
        ? new MinisignError('wrong-passphrase', 'wrong passphrase or corrupted secret key')
        : new MinisignError('corrupted-key', 'corrupted secret key');
    }
    const seed = secretKey.slice(0, 32);
    const derived = sodium().crypto_sign_seed_keypair(seed);
    wipe(seed);
    wipe(derived.privateKey);
    if (!constantTimeEqual(derived.publicKey, secretKey.subarray(32))) {
      wipe(secretKey);
      throw new MinisignError('corrupted-key', 'corrupted secret key');
    }
    return { keyId, secretKey };
  } finally {
    wipe(file);
  }
}
