// The keyless envelope check for hybrid post-quantum files: exactly the
// spec's mlkem768x25519 stanza shape (one argument of 1120 bytes, a 32-byte
// body) passes, every other shape is refused, and a file never mixes the
// hybrid type with X25519 (client/core/envelope-check.ts).
import { encrypt } from '../../client/core/age.js';
import { encodeBase64 } from '../../client/core/base64.js';
import { utf8 } from '../../client/core/bytes.js';
import { checkEnvelopeWithoutKey, EnvelopeError, envelopePrefixLength } from '../../client/core/envelope-check.js';
import { MAX_HEADER_BYTES, parseHeader } from '../../client/core/header.js';
import { MAX_ACTIVE_HYBRID_EDITORS } from '../../client/core/manifest.js';
import { HybridIdentity, HYBRID_ENCAPSULATION_SIZE } from '../../client/core/mlkem768x25519.js';
import { loadSodium } from '../../client/core/sodium.js';
import { payloadSize } from '../../client/core/stream.js';
import { X25519Identity } from '../../client/core/x25519.js';
import { collect, patternBytes, streamOf } from '../support/age-helpers.js';

const ENC = encodeBase64(patternBytes(HYBRID_ENCAPSULATION_SIZE), false);
const BODY = 'hjabGXwSLQ9c3S6Lw2i+S2Tu2fiwQHHslbBN6B41FLE';
const SHARE = 'TEiF0ypqr+bpvcqXNyCVJpL7OuwPdVwPL7KQEbFDOCc';
const MAC = 'WyJp9F/9FOZh7gJdheq2WIJcwHgYc8NIVh3ddwhrcNg';
const HYBRID = `-> mlkem768x25519 ${ENC}\n${BODY}\n`;
const CLASSIC = `-> X25519 ${SHARE}\n${BODY}\n`;

function fileWith(stanzas: string): Uint8Array {
  const header = utf8(`age-encryption.org/v1\n${stanzas}--- ${MAC}\n`);
  const file = new Uint8Array(header.length + payloadSize(10));
  file.set(header);
  return file;
}

function check(file: Uint8Array, expectedRecipients?: number): ReturnType<typeof checkEnvelopeWithoutKey> {
  return checkEnvelopeWithoutKey(file.subarray(0, envelopePrefixLength(file.length)), file.length, expectedRecipients);
}

function expectRefused(file: Uint8Array, message: string, expectedRecipients?: number): void {
  let caught: unknown = null;
  try {
    check(file, expectedRecipients);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(EnvelopeError);
  expect(caught).toMatchObject({ code: 'wrong-recipients', message });
}

let hybridFile: Uint8Array;
let mixedFile: Uint8Array;

beforeAll(async () => {
  await loadSodium();
  const hybrid = [HybridIdentity.generate().recipient(), HybridIdentity.generate().recipient()];
  hybridFile = await collect(encrypt(hybrid, streamOf(patternBytes(70_000))));
  mixedFile = await collect(encrypt([hybrid[0]!, X25519Identity.generate().recipient()], streamOf(patternBytes(1000))));
});

test('a hybrid file from the encoder passes, counted and typed', () => {
  const { headerLength } = parseHeader(hybridFile);
  expect(check(hybridFile, 2)).toEqual({
    headerLength,
    recipients: 2,
    stanzaType: 'mlkem768x25519',
    plaintextSize: 70_000,
  });
  expect(check(hybridFile)).toMatchObject({ recipients: 2 });
});

test('a hand-built stanza of exactly the spec shape passes', () => {
  expect(check(fileWith(HYBRID.repeat(3)), 3)).toMatchObject({ recipients: 3, stanzaType: 'mlkem768x25519' });
});

test('one stanza per active editor still: another count is refused', () => {
  expectRefused(hybridFile, 'wrong number of recipients', 1);
  expectRefused(hybridFile, 'wrong number of recipients', 3);
});

test('a file mixing hybrid and X25519 stanzas is refused, in either order', () => {
  expectRefused(mixedFile, 'stanzas mix X25519 and mlkem768x25519');
  expectRefused(fileWith(CLASSIC + HYBRID), 'stanzas mix X25519 and mlkem768x25519');
  expectRefused(fileWith(HYBRID + CLASSIC), 'stanzas mix X25519 and mlkem768x25519', 2);
});

test.each<[string, string]>([
  ['an encapsulation one byte short', `-> mlkem768x25519 ${encodeBase64(patternBytes(1119), false)}\n${BODY}\n`],
  ['an encapsulation one byte long', `-> mlkem768x25519 ${encodeBase64(patternBytes(1121), false)}\n${BODY}\n`],
  ['an X25519-sized argument', `-> mlkem768x25519 ${SHARE}\n${BODY}\n`],
  ['no argument', `-> mlkem768x25519\n${BODY}\n`],
  ['a second argument', `-> mlkem768x25519 ${ENC} ${SHARE}\n${BODY}\n`],
  ['padded base64', `-> mlkem768x25519 ${encodeBase64(patternBytes(HYBRID_ENCAPSULATION_SIZE), true)}\n${BODY}\n`],
  ['a 16-byte body', `-> mlkem768x25519 ${ENC}\n${encodeBase64(patternBytes(16), false)}\n`],
  ['a 40-byte body', `-> mlkem768x25519 ${ENC}\n${encodeBase64(patternBytes(40), false)}\n`],
])('a hybrid stanza with %s is refused', (_name, stanza) => {
  expectRefused(fileWith(HYBRID + stanza), 'not a mlkem768x25519 stanza');
  expectRefused(fileWith(stanza), 'not a mlkem768x25519 stanza');
});

test('the type is case-sensitive, as age compares it', () => {
  expectRefused(fileWith(HYBRID.replace('mlkem768x25519', 'MLKEM768X25519')), 'not an X25519 or mlkem768x25519 stanza');
  expectRefused(fileWith(HYBRID + HYBRID.replace('mlkem768x25519', 'MLKEM768X25519')), 'not a mlkem768x25519 stanza');
});

test("the manifest's hybrid editor bound is exactly what one reply header holds", () => {
  const most = fileWith(HYBRID.repeat(MAX_ACTIVE_HYBRID_EDITORS));
  expect(parseHeader(most).headerLength).toBeLessThanOrEqual(MAX_HEADER_BYTES);
  expect(check(most, MAX_ACTIVE_HYBRID_EDITORS).recipients).toBe(MAX_ACTIVE_HYBRID_EDITORS);
  // A reply: the source's hybrid stanza first, then one per editor, and it still fits.
  const reply = fileWith(HYBRID.repeat(MAX_ACTIVE_HYBRID_EDITORS + 1));
  expect(parseHeader(reply).headerLength).toBeLessThanOrEqual(MAX_HEADER_BYTES);
  expect(
    checkEnvelopeWithoutKey(reply, reply.length, MAX_ACTIVE_HYBRID_EDITORS + 1, {
      sourceStanza: true,
      stanzaType: 'mlkem768x25519',
    }).recipients,
  ).toBe(MAX_ACTIVE_HYBRID_EDITORS + 1);
  const over = fileWith(HYBRID.repeat(MAX_ACTIVE_HYBRID_EDITORS + 2));
  expect(() => check(over)).toThrow(expect.objectContaining({ code: 'header-too-large' }) as Error);
});

describe('what the caller knows: the manifest kind, and a reply source stanza', () => {
  test('a required type refuses a file of the other kind, even with the right count', () => {
    expect(check(fileWith(HYBRID + HYBRID), 2)).toMatchObject({ stanzaType: 'mlkem768x25519' });
    const required = (file: Uint8Array, stanzaType: 'X25519' | 'mlkem768x25519'): unknown => {
      try {
        return checkEnvelopeWithoutKey(file, file.length, 2, { stanzaType });
      } catch (error) {
        return error;
      }
    };
    expect(required(fileWith(CLASSIC + CLASSIC), 'mlkem768x25519')).toMatchObject({
      code: 'wrong-recipients',
      message: 'not a mlkem768x25519 stanza',
    });
    expect(required(fileWith(HYBRID + HYBRID), 'X25519')).toMatchObject({ message: 'not an X25519 stanza' });
    expect(required(fileWith(HYBRID + HYBRID), 'mlkem768x25519')).toMatchObject({ recipients: 2 });
  });

  test("a reply's first stanza is the source's and may be of the other type; the editors' are one type", () => {
    const reply = (stanzas: string, stanzaType?: 'X25519' | 'mlkem768x25519'): unknown => {
      const file = fileWith(stanzas);
      try {
        return checkEnvelopeWithoutKey(file, file.length, 3, { sourceStanza: true, stanzaType });
      } catch (error) {
        return error;
      }
    };
    expect(reply(CLASSIC + HYBRID + HYBRID, 'mlkem768x25519')).toMatchObject({
      recipients: 3,
      stanzaType: 'mlkem768x25519',
    });
    expect(reply(HYBRID + HYBRID + HYBRID)).toMatchObject({ stanzaType: 'mlkem768x25519' });
    expect(reply(CLASSIC + CLASSIC + CLASSIC, 'X25519')).toMatchObject({ stanzaType: 'X25519' });
    // Only the first stanza is exempt, and it still needs its own type's shape.
    expect(reply(HYBRID + CLASSIC + HYBRID)).toMatchObject({ message: 'stanzas mix X25519 and mlkem768x25519' });
    expect(reply(HYBRID + HYBRID + CLASSIC, 'mlkem768x25519')).toMatchObject({
      message: 'not a mlkem768x25519 stanza',
    });
    expect(reply(`-> X25519 ${ENC}\n${BODY}\n` + HYBRID + HYBRID)).toMatchObject({ message: 'not an X25519 stanza' });
    expect(reply(HYBRID.replace('mlkem768x25519', 'grease') + HYBRID + HYBRID)).toMatchObject({
      code: 'wrong-recipients',
    });
  });
});
