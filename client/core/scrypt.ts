/**
 * The scrypt (passphrase) recipient type (age-encryption.org/v1, "The scrypt
 * recipient type"). Sealdrop uses it only to protect editors' identity files
 * at rest, in the format `age -p` writes and `age -d` reads.
 *
 * scrypt itself is injected ({@link ScryptFunction}): the standard libsodium
 * build lacks it, and the browser never opens passphrase files.
 */
import { AEAD_NONCE_SIZE, libsodiumAead } from './aead.js';
import type { Identity, Recipient } from './age.js';
import { Base64Error, decodeBase64, encodeBase64 } from './base64.js';
import { concatBytes, utf8, wipe } from './bytes.js';
import { AgeHeaderError } from './errors.js';
import { WRAPPED_FILE_KEY_SIZE, type Stanza } from './header.js';
import type { ScryptFunction } from './scrypt-function.js';
import { sodium } from './sodium.js';

/** The stanza type, and the first argument of every scrypt stanza. */
export const SCRYPT_STANZA_TYPE = 'scrypt';
/** age's default work factor (about a second on a laptop with native scrypt). */
export const DEFAULT_SCRYPT_LOG_N = 18;
/** Refuse files demanding more: 2^22 needs 4 GiB of memory and many seconds. */
export const DEFAULT_MAX_SCRYPT_LOG_N = 22;
/** The largest work factor the recipient will write. */
export const MAX_SCRYPT_LOG_N = 30;

const SALT_LABEL = utf8('age-encryption.org/v1/scrypt');
const SALT_SIZE = 16;
const ZERO_NONCE = new Uint8Array(AEAD_NONCE_SIZE);
const WORK_FACTOR_PATTERN = /^[1-9][0-9]*$/;

function deriveWrapKey(
  scrypt: ScryptFunction,
  passphrase: Uint8Array,
  salt: Uint8Array,
  logN: number,
): Promise<Uint8Array> {
  return scrypt(passphrase, concatBytes(SALT_LABEL, salt), { logN, r: 8, p: 1, length: 32 });
}

function checkPassphrase(passphrase: string): Uint8Array {
  if (passphrase.length === 0) throw new TypeError('empty passphrase');
  return utf8(passphrase);
}

/** Encrypts to a passphrase. Must be the only recipient of a file. */
export class ScryptRecipient implements Recipient {
  readonly #passphrase: Uint8Array;
  readonly #scrypt: ScryptFunction;
  readonly #logN: number;

  /**
   * @param logN - log2 of the scrypt work factor; keep the default except in tests.
   * @throws TypeError if the passphrase is empty.
   * @throws RangeError if logN is not an integer in 1..30.
   */
  constructor(passphrase: string, scrypt: ScryptFunction, logN = DEFAULT_SCRYPT_LOG_N) {
    if (!Number.isInteger(logN) || logN < 1 || logN > MAX_SCRYPT_LOG_N)
      throw new RangeError('invalid scrypt work factor');
    this.#passphrase = checkPassphrase(passphrase);
    this.#scrypt = scrypt;
    this.#logN = logN;
  }

  /** Wrap the file key under a fresh salt. Requires libsodium loaded. */
  async wrapFileKey(fileKey: Uint8Array): Promise<Stanza[]> {
    const salt = sodium().randombytes_buf(SALT_SIZE);
    const key = await deriveWrapKey(this.#scrypt, this.#passphrase, salt, this.#logN);
    const body = libsodiumAead.seal(key, ZERO_NONCE, fileKey);
    wipe(key);
    return [{ type: SCRYPT_STANZA_TYPE, args: [encodeBase64(salt, false), String(this.#logN)], body }];
  }
}

/** Decrypts files encrypted to a passphrase. */
export class ScryptIdentity implements Identity {
  readonly #passphrase: Uint8Array;
  readonly #scrypt: ScryptFunction;
  readonly #maxLogN: number;

  /**
   * @param maxLogN - the largest work factor accepted: a hostile file must
   *   not make us spend unbounded memory and time.
   * @throws TypeError if the passphrase is empty.
   * @throws RangeError if maxLogN is not an integer in 1..30.
   */
  constructor(passphrase: string, scrypt: ScryptFunction, maxLogN = DEFAULT_MAX_SCRYPT_LOG_N) {
    if (!Number.isInteger(maxLogN) || maxLogN < 1 || maxLogN > MAX_SCRYPT_LOG_N) {
      throw new RangeError('invalid scrypt work factor limit');
    }
    this.#passphrase = checkPassphrase(passphrase);
    this.#scrypt = scrypt;
    this.#maxLogN = maxLogN;
  }

  /**
   * @returns the file key, `null` if there is no scrypt stanza or the
   *   passphrase is wrong.
   * @throws AgeHeaderError `invalid-stanza` if the scrypt stanza is not alone
   *   in the header or is malformed (argument count, salt not canonical base64
   *   of 16 bytes, work factor not a decimal without leading zeros, body not
   *   32 bytes); `work-factor-too-high` if its work factor exceeds the limit.
   */
  async unwrapFileKey(stanzas: readonly Stanza[]): Promise<Uint8Array | null> {
    const stanza = stanzas.find((candidate) => candidate.type === SCRYPT_STANZA_TYPE);
    if (stanza === undefined) return null;
    // Passphrase encryption implies that whoever knows the passphrase wrote
    // the file; a second stanza would let another key holder forge it.
    if (stanzas.length !== 1) throw new AgeHeaderError('invalid-stanza', 'scrypt stanza must be alone in the header');
    const [saltText, logNText, ...extra] = stanza.args;
    if (saltText === undefined || logNText === undefined || extra.length > 0) {
      throw new AgeHeaderError('invalid-stanza', 'invalid scrypt stanza');
    }
    let salt: Uint8Array;
    try {
      salt = decodeBase64(saltText, false);
    } catch (error) {
      if (error instanceof Base64Error) throw new AgeHeaderError('invalid-stanza', 'invalid scrypt stanza');
      throw error;
    }
    if (salt.length !== SALT_SIZE || !WORK_FACTOR_PATTERN.test(logNText))
      throw new AgeHeaderError('invalid-stanza', 'invalid scrypt stanza');
    // Compared as text length first so absurd digit strings never reach Number().
    const logN = logNText.length > 2 ? Infinity : Number(logNText);
    if (logN > this.#maxLogN) throw new AgeHeaderError('work-factor-too-high', 'scrypt work factor too high');
    if (stanza.body.length !== WRAPPED_FILE_KEY_SIZE)
      throw new AgeHeaderError('invalid-stanza', 'invalid scrypt stanza');
    const key = await deriveWrapKey(this.#scrypt, this.#passphrase, salt, logN);
    const fileKey = libsodiumAead.open(key, ZERO_NONCE, stanza.body);
    wipe(key);
    return fileKey;
  }
}
