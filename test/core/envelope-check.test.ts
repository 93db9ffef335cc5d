// The keyless envelope check (client/core/envelope-check.ts): real files from
// the encoder pass; every rule it enforces is broken once, and each breach is
// answered with its own code, as the server and `sealdrop pull` rely on.
import { encrypt } from '../../client/core/age.js';
import { encodeBase64 } from '../../client/core/base64.js';
import { utf8 } from '../../client/core/bytes.js';
import {
  checkEnvelopeWithoutKey,
  EnvelopeError,
  envelopePrefixLength,
  type EnvelopeErrorCode,
} from '../../client/core/envelope-check.js';
import { MAX_HEADER_BYTES, MAX_STANZAS, parseHeader } from '../../client/core/header.js';
import { ScryptRecipient } from '../../client/core/scrypt.js';
import { loadSodium } from '../../client/core/sodium.js';
import { payloadSize } from '../../client/core/stream.js';
import { X25519Identity } from '../../client/core/x25519.js';
import { nodeScrypt } from '../../client/core-node/node-scrypt.js';
import { collect, patternBytes, streamOf } from '../support/age-helpers.js';

const SHARE = 'TEiF0ypqr+bpvcqXNyCVJpL7OuwPdVwPL7KQEbFDOCc';
const BODY = 'hjabGXwSLQ9c3S6Lw2i+S2Tu2fiwQHHslbBN6B41FLE';
const MAC = 'WyJp9F/9FOZh7gJdheq2WIJcwHgYc8NIVh3ddwhrcNg';
const STANZA = `-> X25519 ${SHARE}\n${BODY}\n`;
const PAYLOAD = payloadSize(10);

/** A header of the given stanza lines, followed by a payload of a valid length. */
function fileWith(stanzas: string): Uint8Array {
  const header = utf8(`age-encryption.org/v1\n${stanzas}--- ${MAC}\n`);
  const file = new Uint8Array(header.length + PAYLOAD);
  file.set(header);
  return file;
}

function refusal(prefix: Uint8Array, fileSize: number, expectedRecipients?: number): unknown {
  try {
    checkEnvelopeWithoutKey(prefix, fileSize, expectedRecipients);
  } catch (error) {
    return error;
  }
  return null;
}

function expectCode(
  code: EnvelopeErrorCode,
  file: Uint8Array,
  expectedRecipients?: number,
  prefixLength?: number,
): void {
  const prefix = file.subarray(0, prefixLength ?? envelopePrefixLength(file.length));
  const error = refusal(prefix, file.length, expectedRecipients);
  expect(error).toBeInstanceOf(EnvelopeError);
  expect(error).toMatchObject({ code });
}

let twoEditors: Uint8Array;

beforeAll(async () => {
  await loadSodium();
  const recipients = [X25519Identity.generate().recipient(), X25519Identity.generate().recipient()];
  twoEditors = await collect(encrypt(recipients, streamOf(patternBytes(100_000))));
});

describe('accepted envelopes', () => {
  test('a file from the encoder, with or without a recipient count', () => {
    const { headerLength } = parseHeader(twoEditors);
    const expected = { headerLength, recipients: 2, stanzaType: 'X25519', plaintextSize: 100_000 };
    expect(
      checkEnvelopeWithoutKey(twoEditors.subarray(0, envelopePrefixLength(twoEditors.length)), twoEditors.length, 2),
    ).toEqual(expected);
    expect(checkEnvelopeWithoutKey(twoEditors.subarray(0, headerLength), twoEditors.length)).toEqual(expected);
  });

  test('the prefix may run past the header, even past the header limit', () => {
    const { headerLength } = parseHeader(fileWith(STANZA));
    const file = new Uint8Array(headerLength + payloadSize(MAX_HEADER_BYTES));
    file.set(fileWith(STANZA).subarray(0, headerLength));
    expect(checkEnvelopeWithoutKey(file, file.length, 1).plaintextSize).toBe(MAX_HEADER_BYTES);
  });

  test('the most stanzas a header may hold', () => {
    const file = fileWith(STANZA.repeat(MAX_STANZAS));
    expect(checkEnvelopeWithoutKey(file, file.length, MAX_STANZAS).recipients).toBe(MAX_STANZAS);
  });

  test('the prefix length is the file, up to the header limit', () => {
    expect(envelopePrefixLength(0)).toBe(0);
    expect(envelopePrefixLength(1000)).toBe(1000);
    expect(envelopePrefixLength(10 * MAX_HEADER_BYTES)).toBe(MAX_HEADER_BYTES);
  });
});

describe('refusals, each with its code', () => {
  test('invalid-header: garbage, plaintext that starts like age, another version, a file cut inside the header', () => {
    expectCode('invalid-header', patternBytes(5000));
    expectCode('invalid-header', utf8('age-encryption.org/v1\nhello, this is not encrypted\n'));
    expectCode('invalid-header', fileWith(STANZA.replace('-> X25519', '->  X25519')));
    const v2 = fileWith(STANZA);
    v2.set(utf8('age-encryption.org/v2'));
    expectCode('invalid-header', v2);
    expectCode('invalid-header', twoEditors.subarray(0, 50));
    expectCode('invalid-header', new Uint8Array(0));
  });

  test('header-too-large: past the byte limit, and past the stanza limit', () => {
    const longBody = `-> X25519 ${SHARE}\n${`${'A'.repeat(64)}\n`.repeat(1100)}\n`;
    expectCode('header-too-large', fileWith(longBody));
    // Over the byte limit and cut before the header could end: still too large, not "truncated".
    expectCode('header-too-large', fileWith(longBody).subarray(0, MAX_HEADER_BYTES + 10));
    expectCode('header-too-large', fileWith(STANZA.repeat(MAX_STANZAS + 1)));
    // The stanza limit wins over a recipient count that would also be wrong.
    expectCode('header-too-large', fileWith(STANZA.repeat(MAX_STANZAS + 1)), 2);
  });

  test('wrong-recipients: another count, another stanza type, a malformed X25519 stanza', () => {
    expectCode('wrong-recipients', twoEditors, 1);
    expectCode('wrong-recipients', twoEditors, 3);
    expectCode('wrong-recipients', twoEditors, 0);
    expectCode('wrong-recipients', fileWith(STANZA.replace('X25519', 'ssh-ed25519')));
    expectCode('wrong-recipients', fileWith(`-> X25519 ${SHARE} extra\n${BODY}\n`));
    const short = encodeBase64(new Uint8Array(31), false);
    expectCode('wrong-recipients', fileWith(`-> X25519 ${short}\n${BODY}\n`));
    expectCode('wrong-recipients', fileWith(`-> X25519 ${SHARE.slice(0, 42)}\n${BODY}\n`));
    expectCode('wrong-recipients', fileWith(`-> X25519 ${SHARE}\n${short}\n`));
    expectCode('wrong-recipients', fileWith(`${STANZA}-> grease\n\n`), 2);
  });

  test('wrong-recipients: a passphrase file is not for editors', async () => {
    const sealed = await collect(encrypt([new ScryptRecipient('pass', nodeScrypt, 10)], streamOf(utf8('x'))));
    expectCode('wrong-recipients', sealed);
  });

  test('invalid-payload-length: no payload, or a length STREAM cannot produce', () => {
    const { headerLength } = parseHeader(twoEditors);
    expectCode('invalid-payload-length', twoEditors.subarray(0, headerLength), 2);
    expectCode('invalid-payload-length', twoEditors.subarray(0, headerLength + 16 + 15), 2);
    expectCode('invalid-payload-length', twoEditors.subarray(0, headerLength + 16 + 65536 + 16 + 10), 2);
  });

  test('need-more-bytes: a prefix that ends inside a header the file goes on with', () => {
    const { headerLength } = parseHeader(twoEditors);
    expectCode('need-more-bytes', twoEditors, 2, headerLength - 1);
    expectCode('need-more-bytes', twoEditors, 2, 0);
    // Once the header is there, the rest of the file is not needed.
    expect(refusal(twoEditors.subarray(0, headerLength), twoEditors.length, 2)).toBeNull();
  });

  test('misuse is a RangeError, not an envelope verdict', () => {
    expect(() => checkEnvelopeWithoutKey(new Uint8Array(10), 5)).toThrow(RangeError);
    expect(() => checkEnvelopeWithoutKey(new Uint8Array(0), -1)).toThrow(RangeError);
    expect(() => checkEnvelopeWithoutKey(new Uint8Array(0), 1.5)).toThrow(RangeError);
    expect(() => checkEnvelopeWithoutKey(twoEditors, twoEditors.length, -1)).toThrow(RangeError);
    expect(() => checkEnvelopeWithoutKey(twoEditors, twoEditors.length, 1.5)).toThrow(RangeError);
    expect(() => envelopePrefixLength(-1)).toThrow(RangeError);
  });
});
