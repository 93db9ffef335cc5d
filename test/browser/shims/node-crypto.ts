/**
 * The node:crypto functions the core suites use as reference
 * implementations (SHA-256, HMAC-SHA-256, HKDF-SHA-256, scrypt), over
 * @noble/hashes, for the browser run. Without a synchronous Web Crypto, noble
 * is the only choice; since the core's own HKDF is noble too, those
 * cross-checks prove there only that the code runs in the browser engine:
 * their independence comes from the Node run (OpenSSL).
 */
import { Buffer } from 'buffer';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { scrypt } from '@noble/hashes/scrypt.js';
import { sha256 } from '@noble/hashes/sha2.js';

type Input = string | Uint8Array;
type Encoding = 'hex' | 'base64' | 'latin1' | 'utf8';

const bytesOf = (input: Input): Uint8Array => (typeof input === 'string' ? new TextEncoder().encode(input) : input);

function onlySha256(algorithm: string): void {
  if (algorithm !== 'sha256') throw new TypeError(`the browser harness implements only sha256, not ${algorithm}`);
}

/** Node's Hash and Hmac objects, as far as the suites use them. */
class Digest {
  readonly #state: { update(data: Uint8Array): unknown; digest(): Uint8Array };

  constructor(state: { update(data: Uint8Array): unknown; digest(): Uint8Array }) {
    this.#state = state;
  }

  update(data: Input): this {
    this.#state.update(bytesOf(data));
    return this;
  }

  digest(): Buffer;
  digest(encoding: Encoding): string;
  digest(encoding?: Encoding): Buffer | string {
    const out = Buffer.from(this.#state.digest());
    return encoding === undefined ? out : out.toString(encoding);
  }
}

/** @throws TypeError for any algorithm but sha256 */
export function createHash(algorithm: string): Digest {
  onlySha256(algorithm);
  return new Digest(sha256.create());
}

/** @throws TypeError for any algorithm but sha256 */
export function createHmac(algorithm: string, key: Input): Digest {
  onlySha256(algorithm);
  return new Digest(hmac.create(sha256, bytesOf(key)));
}

/** Node returns an ArrayBuffer here, not a Buffer. @throws TypeError for any digest but sha256 */
export function hkdfSync(digest: string, ikm: Input, salt: Input, info: Input, length: number): ArrayBuffer {
  onlySha256(digest);
  return hkdf(sha256, bytesOf(ikm), bytesOf(salt), bytesOf(info), length).slice().buffer;
}

export function scryptSync(
  password: Input,
  salt: Input,
  length: number,
  options: { N: number; r: number; p: number },
): Buffer {
  return Buffer.from(
    scrypt(bytesOf(password), bytesOf(salt), { N: options.N, r: options.r, p: options.p, dkLen: length }),
  );
}
