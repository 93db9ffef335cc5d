import fc from 'fast-check';
import { encodeBase64 } from '../../client/core/base64.js';
import {
  conversationLabel,
  decodeMailboxCapability,
  encodeMailboxCapability,
  isMailboxId,
  isReplyId,
} from '../../client/core/mailbox.js';
import { hkdfSha256 } from '../../client/core/hkdf.js';
import { toHex } from '../../client/core/bytes.js';
import { loadSodium, sodium } from '../../client/core/sodium.js';

beforeAll(async () => {
  await loadSodium();
});

const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
const MAILBOX = '0123456789abcdef0123456789abcdef';

describe('mailbox capability on the wire', () => {
  test('round-trips as 43 characters of unpadded standard base64', () => {
    fc.assert(
      fc.property(bytes32, (capability) => {
        const text = encodeMailboxCapability(capability);
        expect(text).toMatch(/^[A-Za-z0-9+/]{43}$/);
        expect(decodeMailboxCapability(text)).toEqual(capability);
      }),
    );
  });

  test.each<[string, unknown]>([
    ['a mailbox id', MAILBOX],
    ['padded base64', encodeBase64(new Uint8Array(32), true)],
    ['base64url', encodeBase64(new Uint8Array(32).fill(0xfb), false).replace(/\+/g, '-').replace(/\//g, '_')],
    ['31 bytes', encodeBase64(new Uint8Array(31), false)],
    ['33 bytes', encodeBase64(new Uint8Array(33), false)],
    ['non-canonical trailing bits', 'A'.repeat(42) + 'B'],
    ['a number', 42],
    ['null', null],
    ['an array', [encodeBase64(new Uint8Array(32), false)]],
  ])('refuses %s', (_label, value) => {
    expect(decodeMailboxCapability(value)).toBeNull();
  });

  test('refuses to encode anything but 32 bytes', () => {
    expect(() => encodeMailboxCapability(new Uint8Array(16))).toThrow(TypeError);
  });
});

describe('ids', () => {
  test('mailbox and reply ids are 32 lowercase hex digits', () => {
    for (const check of [isMailboxId, isReplyId]) {
      expect(check(MAILBOX)).toBe(true);
      for (const bad of [MAILBOX.toUpperCase(), MAILBOX.slice(1), `${MAILBOX}0`, `../${MAILBOX.slice(3)}`, 7, null])
        expect(check(bad)).toBe(false);
    }
  });
});

describe('conversationLabel', () => {
  test('is 8 base32 characters of the documented HKDF, stable and one per mailbox', () => {
    const label = conversationLabel(MAILBOX);
    expect(label).toMatch(/^[a-z2-7]{4}-[a-z2-7]{4}$/);
    expect(conversationLabel(MAILBOX)).toBe(label);
    const raw = hkdfSha256(
      new TextEncoder().encode(MAILBOX),
      new Uint8Array(0),
      new TextEncoder().encode('sealdrop/v1/conversation-label'),
      5,
    );
    // RFC 4648 base32 of the 5 bytes, lowercase: an independent encoder.
    let bits = '';
    for (const byte of raw) bits += byte.toString(2).padStart(8, '0');
    const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
    const expected = Array.from({ length: 8 }, (_, i) => alphabet[parseInt(bits.slice(i * 5, i * 5 + 5), 2)]).join('');
    expect(label).toBe(`${expected.slice(0, 4)}-${expected.slice(4)}`);
  });

  test('different mailboxes get different labels', () => {
    const labels = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const id = toHex(sodium().randombytes_buf(16));
      labels.add(conversationLabel(id));
    }
    expect(labels.size).toBe(200);
  });

  test('refuses what is not a mailbox id', () => {
    expect(() => conversationLabel('x')).toThrow(TypeError);
  });
});
