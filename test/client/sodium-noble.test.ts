/**
 * The no-WebAssembly stand-in for libsodium (client/app/sodium-noble.ts)
 * against libsodium itself, function by function, on random inputs: the
 * no-WebAssembly worker must compute exactly what the WebAssembly one does.
 * Also the noble AEAD behind the core's Aead interface, through an age round
 * trip decrypted with libsodium, and the lazily loaded X-Wing KEM, also
 * against @noble/post-quantum's complete X-Wing.
 */
import { XWing } from '@noble/post-quantum/hybrid.js';
import fc from 'fast-check';
import { libsodiumAead } from '../../client/core/aead.js';
import { decrypt, encrypt } from '../../client/core/age.js';
import { KemUnavailableError } from '../../client/core/kem-unavailable.js';
import { loadSodium, sodium } from '../../client/core/sodium.js';
import { X25519Identity } from '../../client/core/x25519.js';
import { nobleAead } from '../../client/app/noble-aead.js';
import { loadNobleXWing, NOBLE_XWING_FILE, NOBLE_XWING_GLOBAL } from '../../client/app/noble-xwing-loader.js';
import { nobleXWing } from '../../client/app/noble-xwing.js';
import noble from '../../client/app/sodium-noble.js';

const runs = { numRuns: Number(process.env.SLOW) ? 200 : 10 };
const bytes = (length: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength: length, maxLength: length });

beforeAll(async () => {
  await loadSodium();
});

test('X25519 matches libsodium', () => {
  fc.assert(
    fc.property(bytes(32), bytes(32), (a, b) => {
      const s = sodium();
      expect(noble.crypto_scalarmult_base(a)).toEqual(s.crypto_scalarmult_base(a));
      const pointB = s.crypto_scalarmult_base(b);
      expect(noble.crypto_scalarmult(a, pointB)).toEqual(s.crypto_scalarmult(a, pointB));
    }),
    runs,
  );
});

test('X25519 refuses a low-order point, as libsodium does', () => {
  const zeroPoint = new Uint8Array(32);
  expect(() => sodium().crypto_scalarmult(new Uint8Array(32).fill(1), zeroPoint)).toThrow();
  expect(() => noble.crypto_scalarmult(new Uint8Array(32).fill(1), zeroPoint)).toThrow();
});

test('ChaCha20-Poly1305 matches libsodium both ways, and a bad tag throws', () => {
  fc.assert(
    fc.property(bytes(32), bytes(12), fc.uint8Array({ maxLength: 300 }), (key, nonce, message) => {
      const s = sodium();
      const sealed = noble.crypto_aead_chacha20poly1305_ietf_encrypt(message, null, null, nonce, key);
      expect(sealed).toEqual(s.crypto_aead_chacha20poly1305_ietf_encrypt(message, null, null, nonce, key));
      expect(noble.crypto_aead_chacha20poly1305_ietf_decrypt(null, sealed, null, nonce, key)).toEqual(message);
      sealed[0] = sealed[0]! ^ 1;
      expect(() => noble.crypto_aead_chacha20poly1305_ietf_decrypt(null, sealed, null, nonce, key)).toThrow();
    }),
    runs,
  );
});

test('BLAKE2b matches libsodium, one-shot and streamed', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 500 }),
      fc.integer({ min: 16, max: 64 }),
      fc.integer({ min: 0, max: 500 }),
      (message, length, cut) => {
        const s = sodium();
        expect(noble.crypto_generichash(length, message, null)).toEqual(s.crypto_generichash(length, message, null));
        const state = noble.crypto_generichash_init(null, 64);
        noble.crypto_generichash_update(state, message.subarray(0, cut));
        noble.crypto_generichash_update(state, message.subarray(cut));
        expect(noble.crypto_generichash_final(state, 64)).toEqual(s.crypto_generichash(64, message, null));
      },
    ),
    runs,
  );
});

test('Ed25519 verification agrees with libsodium on valid and altered signatures', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(), (message, flip) => {
      const s = sodium();
      const { publicKey, privateKey } = s.crypto_sign_keypair();
      const signature = s.crypto_sign_detached(message, privateKey);
      expect(noble.crypto_sign_verify_detached(signature, message, publicKey)).toBe(true);
      const altered = signature.slice();
      altered[flip % 64] = altered[flip % 64]! ^ 0x10;
      expect(noble.crypto_sign_verify_detached(altered, message, publicKey)).toBe(
        s.crypto_sign_verify_detached(altered, message, publicKey),
      );
    }),
    runs,
  );
});

test('Ed25519 refuses a signature with S >= L (non-canonical), like libsodium', () => {
  const s = sodium();
  const { publicKey, privateKey } = s.crypto_sign_keypair();
  const message = new Uint8Array([1, 2, 3]);
  const signature = s.crypto_sign_detached(message, privateKey);
  // Add L to S (little-endian): the same scalar, a non-canonical encoding.
  const L = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0x10,
  ];
  const altered = signature.slice();
  let carry = 0;
  for (let i = 0; i < 32; i++) {
    const sum = altered[32 + i]! + L[i]! + carry;
    altered[32 + i] = sum & 0xff;
    carry = sum >> 8;
  }
  expect(s.crypto_sign_verify_detached(altered, message, publicKey)).toBe(false);
  expect(noble.crypto_sign_verify_detached(altered, message, publicKey)).toBe(false);
});

test('memcmp and randombytes behave like libsodium', () => {
  expect(noble.memcmp(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true);
  expect(noble.memcmp(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false);
  expect(() => noble.memcmp(new Uint8Array(1), new Uint8Array(2))).toThrow(TypeError);
  const random = noble.randombytes_buf(100_000);
  expect(random).toHaveLength(100_000);
  expect(random.subarray(70_000).some((byte) => byte !== 0)).toBe(true);
});

test('an age payload sealed with the noble AEAD opens with libsodium, and back', async () => {
  const identity = X25519Identity.generate();
  const plaintext = new Uint8Array(200_000).map((_, i) => i % 251);
  async function* source(): AsyncGenerator<Uint8Array> {
    yield plaintext;
    await Promise.resolve();
  }
  async function roundTrip(sealWith: typeof nobleAead, openWith: typeof nobleAead): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    for await (const part of encrypt([identity.recipient()], source(), { aead: sealWith })) parts.push(part);
    async function* replay(): AsyncGenerator<Uint8Array> {
      yield* parts;
      await Promise.resolve();
    }
    const opened = await decrypt([identity], replay(), { aead: openWith });
    const out: Uint8Array[] = [];
    for await (const part of opened.plaintext) out.push(part);
    return Buffer.concat(out);
  }
  expect(Buffer.from(await roundTrip(nobleAead, libsodiumAead)).equals(plaintext)).toBe(true);
  expect(Buffer.from(await roundTrip(libsodiumAead, nobleAead)).equals(plaintext)).toBe(true);
  expect(nobleAead.open(new Uint8Array(32), new Uint8Array(12), new Uint8Array(15))).toBeNull();
  expect(() => nobleAead.seal(new Uint8Array(31), new Uint8Array(12), new Uint8Array(1))).toThrow(TypeError);
});

describe('X-Wing (client/app/noble-xwing.ts) against libsodium', () => {
  // One point of order 8 on Curve25519 (from the CCTV vector hybrid_low_order), and the zero point.
  const LOW_ORDER = Buffer.from('5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f11d7', 'hex');

  test('before its file is loaded the KEM is unavailable: fails closed', () => {
    const { publicKey } = sodium().crypto_kem_xwing_seed_keypair(new Uint8Array(32).fill(1));
    expect(() => noble.crypto_kem_xwing_enc(publicKey)).toThrow('X-Wing is not available');
  });

  test('the same key pair for a seed; the secret key is the seed', async () => {
    await import('../../client/app/noble-xwing-entry.js');
    fc.assert(
      fc.property(bytes(32), (seed) => {
        const ours = noble.crypto_kem_xwing_seed_keypair(seed);
        const theirs = sodium().crypto_kem_xwing_seed_keypair(seed);
        expect(Buffer.from(ours.publicKey).equals(theirs.publicKey)).toBe(true);
        expect(ours.privateKey).toEqual(theirs.privateKey);
        expect(ours.privateKey).toEqual(seed);
        // And noble's own, complete X-Wing agrees.
        expect(Buffer.from(XWing.getPublicKey(seed)).equals(theirs.publicKey)).toBe(true);
      }),
      { numRuns: 4 },
    );
  });

  test('deterministic encapsulation is byte-identical to libsodium', () => {
    fc.assert(
      fc.property(bytes(32), bytes(64), (seed, eseed) => {
        const { publicKey } = sodium().crypto_kem_xwing_seed_keypair(seed);
        const ours = nobleXWing(noble).encapsulate(publicKey, eseed);
        const theirs = sodium().crypto_kem_xwing_enc_deterministic(publicKey, eseed);
        expect(Buffer.from(ours.ciphertext).equals(theirs.ciphertext)).toBe(true);
        expect(Buffer.from(ours.sharedSecret).equals(theirs.sharedSecret)).toBe(true);
      }),
      { numRuns: 4 },
    );
  });

  test('each decapsulates the other, and a wrong key gives another secret', () => {
    const seed = noble.randombytes_buf(32);
    const { publicKey } = sodium().crypto_kem_xwing_seed_keypair(seed);
    const fromSodium = sodium().crypto_kem_xwing_enc(publicKey);
    expect(Buffer.from(noble.crypto_kem_xwing_dec(fromSodium.ciphertext, seed)).equals(fromSodium.sharedSecret)).toBe(
      true,
    );
    const fromNoble = noble.crypto_kem_xwing_enc(publicKey);
    expect(fromNoble.ciphertext).toHaveLength(1120);
    expect(Buffer.from(sodium().crypto_kem_xwing_dec(fromNoble.ciphertext, seed)).equals(fromNoble.sharedSecret)).toBe(
      true,
    );
    expect(Buffer.from(XWing.decapsulate(fromNoble.ciphertext, seed)).equals(fromNoble.sharedSecret)).toBe(true);
    // ML-KEM's implicit rejection: another key decapsulates to a different secret, for both.
    const other = noble.randombytes_buf(32);
    const wrong = noble.crypto_kem_xwing_dec(fromNoble.ciphertext, other);
    expect(Buffer.from(wrong).equals(fromNoble.sharedSecret)).toBe(false);
    expect(Buffer.from(wrong).equals(sodium().crypto_kem_xwing_dec(fromNoble.ciphertext, other))).toBe(true);
  });

  test('a low-order X25519 share is refused by both', () => {
    const seed = new Uint8Array(32).fill(5);
    const { publicKey } = sodium().crypto_kem_xwing_seed_keypair(seed);
    const { ciphertext } = sodium().crypto_kem_xwing_enc(publicKey);
    for (const point of [LOW_ORDER, new Uint8Array(32)]) {
      const bad = ciphertext.slice();
      bad.set(point, 1088);
      expect(() => sodium().crypto_kem_xwing_dec(bad, seed)).toThrow();
      expect(() => noble.crypto_kem_xwing_dec(bad, seed)).toThrow();
    }
  });

  test('a public key with a low-order X25519 part or an over-modulus ML-KEM part is refused by both', () => {
    const { publicKey } = sodium().crypto_kem_xwing_seed_keypair(new Uint8Array(32).fill(6));
    expect(noble.crypto_kem_xwing_enc(publicKey).ciphertext).toHaveLength(1120);
    const refused: [string, Uint8Array][] = [];
    for (const point of [LOW_ORDER, new Uint8Array(32)]) {
      const lowOrder = publicKey.slice();
      lowOrder.set(point, 1184);
      refused.push(['low-order X25519', lowOrder]);
    }
    // The first 12-bit coefficient of the ML-KEM key set to 4095 >= q = 3329: FIPS 203's modulus check.
    const overModulus = publicKey.slice();
    overModulus[0] = 0xff;
    overModulus[1] = overModulus[1]! | 0x0f;
    refused.push(['over-modulus ML-KEM', overModulus]);
    for (const [, key] of refused) {
      expect(() => noble.crypto_kem_xwing_enc(key)).toThrow();
      expect(() => sodium().crypto_kem_xwing_enc(key)).toThrow();
    }
  });

  test('wrong lengths are refused with a TypeError', () => {
    expect(() => noble.crypto_kem_xwing_seed_keypair(new Uint8Array(31))).toThrow(TypeError);
    expect(() => noble.crypto_kem_xwing_enc(new Uint8Array(1215))).toThrow(TypeError);
    expect(() => noble.crypto_kem_xwing_dec(new Uint8Array(1119), new Uint8Array(32))).toThrow(TypeError);
    expect(() => noble.crypto_kem_xwing_dec(new Uint8Array(1120), new Uint8Array(33))).toThrow(TypeError);
  });
});

describe('loading the X-Wing file (client/app/noble-xwing-loader.ts)', () => {
  const scope = globalThis as Record<string, unknown>;
  let saved: unknown;

  beforeEach(() => {
    saved = scope[NOBLE_XWING_GLOBAL];
    scope[NOBLE_XWING_GLOBAL] = undefined;
  });

  afterEach(() => {
    scope[NOBLE_XWING_GLOBAL] = saved;
    delete scope.importScripts;
  });

  test('in a worker it asks importScripts for xwing-nowasm.js, once', () => {
    const asked: string[] = [];
    scope.importScripts = (...urls: string[]): void => {
      asked.push(...urls);
      scope[NOBLE_XWING_GLOBAL] = nobleXWing;
    };
    expect(loadNobleXWing()).toBe(nobleXWing);
    expect(loadNobleXWing()).toBe(nobleXWing);
    expect(asked).toEqual([NOBLE_XWING_FILE]);
    expect(NOBLE_XWING_FILE).toBe('xwing-nowasm.js');
  });

  test('a failed or empty load fails closed', () => {
    scope.importScripts = (): void => {
      throw new Error('NetworkError');
    };
    expect(() => loadNobleXWing()).toThrow(KemUnavailableError);
    expect(() => loadNobleXWing()).toThrow('X-Wing is not available: xwing-nowasm.js did not load');
    scope.importScripts = (): void => undefined;
    expect(() => loadNobleXWing()).toThrow(KemUnavailableError);
    expect(() => loadNobleXWing()).toThrow('X-Wing is not available');
  });
});
