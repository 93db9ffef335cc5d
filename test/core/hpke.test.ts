// HPKE base mode (client/core/hpke.ts). The key schedule against RFC 9180's
// own vectors (A.2.1, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
// ChaCha20Poly1305: the schedule depends on the KEM only through its id, so
// the same code serves X-Wing), then single-shot SealBase/OpenBase with X-Wing.
// The X-Wing suite as a whole is checked against typage and the CCTV
// vectors in mlkem768x25519.test.ts.
import { utf8 } from '../../client/core/bytes.js';
import {
  HpkeDecapsulationError,
  hpkeBaseKeySchedule,
  openBase,
  sealBase,
  XWING_ENCAPSULATION_SIZE,
  XWING_KEM,
} from '../../client/core/hpke.js';
import { loadSodium, sodium } from '../../client/core/sodium.js';

const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

beforeAll(async () => {
  await loadSodium();
});

test('the base-mode key schedule matches RFC 9180 A.2.1', () => {
  const { key, baseNonce } = hpkeBaseKeySchedule(
    0x0020,
    hex('0bbe78490412b4bbea4812666f7916932b828bba79942424abb65244930d69a7'),
    hex('4f6465206f6e2061204772656369616e2055726e'),
  );
  expect(toHex(key)).toBe('ad2744de8e17f4ebba575b3f5f5a8fa1f69c2a07f6e7500bc60ca6e3e3ec1c91');
  expect(toHex(baseNonce)).toBe('5c4d98150661b848853b547f');
});

test('the schedule binds the KEM id and the info', () => {
  const secret = new Uint8Array(32).fill(1);
  const base = hpkeBaseKeySchedule(0x647a, secret, utf8('a'));
  expect(toHex(hpkeBaseKeySchedule(0x0020, secret, utf8('a')).key)).not.toBe(toHex(base.key));
  expect(toHex(hpkeBaseKeySchedule(0x647a, secret, utf8('b')).key)).not.toBe(toHex(base.key));
  expect(toHex(hpkeBaseKeySchedule(0x647a, secret, utf8('a')).key)).toBe(toHex(base.key));
});

describe('SealBase / OpenBase with X-Wing', () => {
  const seed = new Uint8Array(32).fill(9);
  const info = utf8('sealdrop test');
  let publicKey: Uint8Array;

  beforeAll(() => {
    publicKey = sodium().crypto_kem_xwing_seed_keypair(seed).publicKey;
  });

  test('round trip; the ciphertext is the plaintext plus a 16-byte tag', () => {
    const plaintext = utf8('sixteen byte key');
    const { enc, ciphertext } = sealBase(XWING_KEM, publicKey, info, plaintext);
    expect(enc).toHaveLength(XWING_ENCAPSULATION_SIZE);
    expect(ciphertext).toHaveLength(plaintext.length + 16);
    expect(openBase(XWING_KEM, enc, seed, info, ciphertext)).toEqual(plaintext);
  });

  test('another info, another key or an altered ciphertext opens to null', () => {
    const { enc, ciphertext } = sealBase(XWING_KEM, publicKey, info, new Uint8Array(16));
    expect(openBase(XWING_KEM, enc, seed, utf8('other'), ciphertext)).toBeNull();
    expect(openBase(XWING_KEM, enc, new Uint8Array(32).fill(8), info, ciphertext)).toBeNull();
    const altered = ciphertext.slice();
    altered[31]! ^= 0x80;
    expect(openBase(XWING_KEM, enc, seed, info, altered)).toBeNull();
  });

  test('an encapsulation with a low-order X25519 share is a decapsulation error, not null', () => {
    const { enc, ciphertext } = sealBase(XWING_KEM, publicKey, info, new Uint8Array(16));
    enc.fill(0, 1088);
    expect(() => openBase(XWING_KEM, enc, seed, info, ciphertext)).toThrow(HpkeDecapsulationError);
  });

  test('wrong sizes are misuse: TypeError', () => {
    expect(() => sealBase(XWING_KEM, publicKey.subarray(1), info, new Uint8Array(16))).toThrow(TypeError);
    expect(() => openBase(XWING_KEM, new Uint8Array(1119), seed, info, new Uint8Array(32))).toThrow(TypeError);
    expect(() => openBase(XWING_KEM, new Uint8Array(1120), seed.subarray(1), info, new Uint8Array(32))).toThrow(
      TypeError,
    );
  });
});
