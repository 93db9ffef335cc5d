/**
 * node:crypto's stand-ins for libsodium (client/core-node/native-sodium.ts)
 * against libsodium itself, function by function, on random inputs and on
 * the inputs where implementations differ (low-order and non-canonical
 * points, bad lengths, bad tags); and `sealdrop decrypt` of a classic
 * submission running on them without ever loading libsodium.
 *
 * The first tests run before libsodium is loaded (it is loaded once per
 * test file and never unloaded): they see the stand-ins alone.
 */
import { createWriteStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import fc from 'fast-check';
import { decrypt, encrypt } from '../../client/core/age.js';
import { formatIdentityFile, sealIdentityFile } from '../../client/core/identity-file.js';
import { loadSodium, sodium, type Sodium } from '../../client/core/sodium.js';
import { buildSubmission } from '../../client/core/submission.js';
import { X25519Identity } from '../../client/core/x25519.js';
import { installNativeSodium, nativeSodium } from '../../client/core-node/native-sodium.js';
import { nodeScrypt } from '../../client/core-node/node-scrypt.js';
import { PASSPHRASE, sealdrop, tempDir } from './support.js';

const runs = { numRuns: Number(process.env.SLOW) ? 200 : 20 };
const bytes = (length: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength: length, maxLength: length });

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of stream) parts.push(part);
  return new Uint8Array(Buffer.concat(parts));
}

async function* single(chunk: Uint8Array): AsyncGenerator<Uint8Array> {
  await Promise.resolve();
  yield chunk;
}

let dir: string;
/** An age file made on the stand-ins alone, and its identity, for the checks with libsodium below. */
let madeNatively: { identity: string; ciphertext: Uint8Array; plaintext: Uint8Array };

beforeAll(async () => {
  dir = await tempDir('sealdrop-native-sodium-');
});

describe('before libsodium is loaded', () => {
  test('sealdrop decrypt of classic submissions runs on the stand-ins and never loads libsodium', async () => {
    installNativeSodium();
    const identity = X25519Identity.generate();
    const plainKey = path.join(dir, 'key.txt');
    await writeFile(plainKey, formatIdentityFile(identity, new Date()), { mode: 0o600 });
    const sealedKey = path.join(dir, 'sealed-identity.age');
    await writeFile(sealedKey, await sealIdentityFile(identity, PASSPHRASE, nodeScrypt, 10), { mode: 0o600 });
    const attachment = new Uint8Array(20_000).map((_, i) => i % 251);
    const encryptTo = async (recipient: X25519Identity, name: string): Promise<string> => {
      const built = buildSubmission({
        message: 'hello from the stand-ins',
        files: [{ name: 'a.bin', type: 'application/octet-stream', size: attachment.length, data: [attachment] }],
        reply: { recipient: identity.recipient().format(), mailbox: '0123456789abcdef0123456789abcdef' },
      });
      const file = path.join(dir, `${name}.age`);
      await pipeline(Readable.from(encrypt([recipient.recipient()], built.stream)), createWriteStream(file));
      return file;
    };
    const ours = await encryptTo(identity, 'tip');
    const theirs = await encryptTo(X25519Identity.generate(), 'other');

    for (const [keyFile, out] of [
      [plainKey, 'out-plain'],
      [sealedKey, 'out-sealed'],
    ] as const) {
      const result = await sealdrop(['decrypt', '--identity', keyFile, '--out', path.join(dir, out), ours, theirs]);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('reply: possible');
      expect(result.stdout).toContain('decrypted 1 of 2 submission(s), 1 failed');
      expect(result.stderr).toContain('other.age: not encrypted to any of the given identities');
      expect(await readFile(path.join(dir, out, 'tip', 'message.txt'), 'utf8')).toBe('hello from the stand-ins');
      expect(new Uint8Array(await readFile(path.join(dir, out, 'tip', 'files', '001-a.bin')))).toEqual(attachment);
    }
    // Still the stand-ins: libsodium's Ed25519 (which they lack) is not there.
    expect(() => Reflect.get(sodium(), 'crypto_sign_detached')).toThrow('crypto_sign_detached has no stand-in');
  });

  test('an age round trip on the stand-ins alone', async () => {
    installNativeSodium();
    const identity = X25519Identity.generate();
    const plaintext = nativeSodium.randombytes_buf(70_000);
    const ciphertext = await collect(encrypt([identity.recipient()], single(plaintext)));
    const opened = await decrypt([identity], single(ciphertext));
    expect(await collect(opened.plaintext)).toEqual(plaintext);
    madeNatively = { identity: identity.format(), ciphertext, plaintext };
  });
});

describe('against libsodium', () => {
  let s: Sodium;
  beforeAll(async () => {
    s = await loadSodium();
  });

  test('an age file made on the stand-ins opens with libsodium', async () => {
    const opened = await decrypt([X25519Identity.parse(madeNatively.identity)], single(madeNatively.ciphertext));
    expect(await collect(opened.plaintext)).toEqual(madeNatively.plaintext);
  });

  test('X25519 matches libsodium, results are plain Uint8Arrays', () => {
    fc.assert(
      fc.property(bytes(32), bytes(32), bytes(32), (a, b, anyPoint) => {
        const publicA = nativeSodium.crypto_scalarmult_base(a);
        expect(publicA).toEqual(s.crypto_scalarmult_base(a));
        expect(Object.getPrototypeOf(publicA)).toBe(Uint8Array.prototype);
        const pointB = s.crypto_scalarmult_base(b);
        const shared = nativeSodium.crypto_scalarmult(a, pointB);
        expect(shared).toEqual(s.crypto_scalarmult(a, pointB));
        expect(Object.getPrototypeOf(shared)).toBe(Uint8Array.prototype);
        // Any 32 bytes as a point (high bit set, not on the curve, non-canonical): the same answer or both refuse.
        let expected: Uint8Array | 'refused';
        try {
          expected = s.crypto_scalarmult(a, anyPoint);
        } catch {
          expected = 'refused';
        }
        let actual: Uint8Array | 'refused';
        try {
          actual = nativeSodium.crypto_scalarmult(a, anyPoint);
        } catch {
          actual = 'refused';
        }
        expect(actual).toEqual(expected);
      }),
      runs,
    );
  });

  test('X25519 refuses every low-order point, in every encoding, as libsodium does', () => {
    // libsodium's own list (crypto_scalarmult/curve25519/ref10), plus each with the high bit set.
    const hex = [
      '0000000000000000000000000000000000000000000000000000000000000000',
      '0100000000000000000000000000000000000000000000000000000000000000',
      'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
      '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
      'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
      'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
      'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    ];
    const points = hex.flatMap((text) => {
      const point = new Uint8Array(Buffer.from(text, 'hex'));
      const high = point.slice();
      high[31] = high[31]! | 0x80;
      return [point, high];
    });
    const scalar = new Uint8Array(32).fill(0x42);
    for (const point of points) {
      expect(() => s.crypto_scalarmult(scalar, point)).toThrow();
      expect(() => nativeSodium.crypto_scalarmult(scalar, point)).toThrow('weak public key');
    }
  });

  test('X25519 refuses wrong lengths, as libsodium does', () => {
    for (const [secret, point] of [
      [new Uint8Array(31), new Uint8Array(32).fill(9)],
      [new Uint8Array(32), new Uint8Array(33)],
    ] as const) {
      expect(() => s.crypto_scalarmult(secret, point)).toThrow(TypeError);
      expect(() => nativeSodium.crypto_scalarmult(secret, point)).toThrow(TypeError);
    }
    expect(() => s.crypto_scalarmult_base(new Uint8Array(16))).toThrow(TypeError);
    expect(() => nativeSodium.crypto_scalarmult_base(new Uint8Array(16))).toThrow(TypeError);
  });

  test('ChaCha20-Poly1305 matches libsodium both ways; a bad tag or short input throws', () => {
    fc.assert(
      fc.property(bytes(32), bytes(12), fc.uint8Array({ maxLength: 300 }), (key, nonce, message) => {
        const sealed = nativeSodium.crypto_aead_chacha20poly1305_ietf_encrypt(message, null, null, nonce, key);
        expect(sealed).toEqual(s.crypto_aead_chacha20poly1305_ietf_encrypt(message, null, null, nonce, key));
        expect(s.crypto_aead_chacha20poly1305_ietf_decrypt(null, sealed, null, nonce, key)).toEqual(message);
        expect(nativeSodium.crypto_aead_chacha20poly1305_ietf_decrypt(null, sealed, null, nonce, key)).toEqual(message);
        sealed[sealed.length - 1] = sealed[sealed.length - 1]! ^ 1;
        expect(() => s.crypto_aead_chacha20poly1305_ietf_decrypt(null, sealed, null, nonce, key)).toThrow();
        expect(() => nativeSodium.crypto_aead_chacha20poly1305_ietf_decrypt(null, sealed, null, nonce, key)).toThrow(
          'ciphertext cannot be decrypted',
        );
      }),
      runs,
    );
    const key = new Uint8Array(32);
    const nonce = new Uint8Array(12);
    expect(() =>
      nativeSodium.crypto_aead_chacha20poly1305_ietf_decrypt(null, new Uint8Array(15), null, nonce, key),
    ).toThrow('ciphertext cannot be decrypted');
    expect(() =>
      nativeSodium.crypto_aead_chacha20poly1305_ietf_decrypt(null, new Uint8Array(16), null, nonce, new Uint8Array(31)),
    ).toThrow(TypeError);
    expect(() =>
      nativeSodium.crypto_aead_chacha20poly1305_ietf_encrypt(new Uint8Array(1), null, null, new Uint8Array(8), key),
    ).toThrow(TypeError);
  });

  test('memcmp matches libsodium, and unequal lengths are a misuse in both', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(63), (a, flip) => {
        const b = a.slice();
        expect(nativeSodium.memcmp(a, b)).toBe(s.memcmp(a, b));
        if (a.length > 0) {
          b[flip % a.length] = b[flip % a.length]! ^ 0x10;
          expect(nativeSodium.memcmp(a, b)).toBe(false);
          expect(s.memcmp(a, b)).toBe(false);
        }
      }),
      runs,
    );
    expect(() => s.memcmp(new Uint8Array(2), new Uint8Array(3))).toThrow(TypeError);
    expect(() => nativeSodium.memcmp(new Uint8Array(2), new Uint8Array(3))).toThrow(TypeError);
  });

  test('randombytes_buf gives fresh plain Uint8Arrays of the length asked, and refuses what libsodium refuses', () => {
    for (const length of [0, 1, 32, 65537]) {
      const out = nativeSodium.randombytes_buf(length);
      expect(out).toHaveLength(length);
      expect(Object.getPrototypeOf(out)).toBe(Uint8Array.prototype);
    }
    expect(nativeSodium.randombytes_buf(32)).not.toEqual(nativeSodium.randombytes_buf(32));
    for (const bad of [-1, 1.5]) {
      expect(() => s.randombytes_buf(bad)).toThrow(TypeError);
      expect(() => nativeSodium.randombytes_buf(bad)).toThrow(TypeError);
    }
  });
});
