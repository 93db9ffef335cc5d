// The age header: canonical encoding, the strict parser's negative cases,
// "incomplete" versus "malformed" on prefixes, limits, streaming reads and the
// MAC (checked against node:crypto, an independent HMAC/HKDF).
import { createHmac, hkdfSync } from 'node:crypto';
import fc from 'fast-check';
import { AgeHeaderError, AgeHeaderIncompleteError } from '../../client/core/errors.js';
import {
  encodeHeader,
  encodeHeaderWithoutMac,
  headerMac,
  MAX_ARGUMENT_LENGTH,
  MAX_ARGUMENTS,
  MAX_HEADER_BYTES,
  MAX_STANZAS,
  parseHeader,
  readHeader,
  verifyHeaderMac,
  type Stanza,
} from '../../client/core/header.js';
import { loadSodium } from '../../client/core/sodium.js';
import { collect, streamOf } from '../support/age-helpers.js';

const runs = { numRuns: Number(process.env.SLOW) ? 1000 : 50 };
const encoder = new TextEncoder();
const bytesOf = (text: string): Uint8Array => encoder.encode(text);

beforeAll(async () => {
  await loadSodium();
});

const SHARE = 'TEiF0ypqr+bpvcqXNyCVJpL7OuwPdVwPL7KQEbFDOCc';
const BODY = 'hjabGXwSLQ9c3S6Lw2i+S2Tu2fiwQHHslbBN6B41FLE';
const MAC = 'WyJp9F/9FOZh7gJdheq2WIJcwHgYc8NIVh3ddwhrcNg';
const VALID = `age-encryption.org/v1\n-> X25519 ${SHARE}\n${BODY}\n--- ${MAC}\n`;
const LINE64 = 'A'.repeat(64);

function headerError(text: string | Uint8Array): unknown {
  try {
    parseHeader(typeof text === 'string' ? bytesOf(text) : text);
  } catch (error) {
    return error;
  }
  return null;
}

function expectMalformed(text: string | Uint8Array): void {
  const error = headerError(text);
  expect(error).toBeInstanceOf(AgeHeaderError);
  expect(error).not.toBeInstanceOf(AgeHeaderIncompleteError);
}

const argument = fc.stringMatching(/^[!-~]{1,20}$/);
const stanzaArbitrary: fc.Arbitrary<Stanza> = fc.record({
  type: argument,
  args: fc.array(argument, { maxLength: 4 }),
  body: fc.uint8Array({ maxLength: 200 }),
});

describe('encoding and parsing', () => {
  test('parses the canonical example and reports where the payload starts', () => {
    const bytes = bytesOf(VALID + 'PAYLOAD');
    const { header, headerLength } = parseHeader(bytes);
    expect(headerLength).toBe(VALID.length);
    expect(header.stanzas).toHaveLength(1);
    expect(header.stanzas[0]!.type).toBe('X25519');
    expect(header.stanzas[0]!.args).toEqual([SHARE]);
    expect(header.stanzas[0]!.body).toEqual(new Uint8Array(Buffer.from(BODY, 'base64')));
    expect(Buffer.from(header.macInput).toString()).toBe(VALID.slice(0, VALID.indexOf('---') + 3));
    expect(encodeHeader(header.stanzas, header.mac)).toEqual(bytesOf(VALID));
  });

  test('encode then parse is the identity, and parse then encode gives back the bytes', () => {
    fc.assert(
      fc.property(
        fc.array(stanzaArbitrary, { minLength: 1, maxLength: 5 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (stanzas, mac) => {
          const encoded = encodeHeader(stanzas, mac);
          const { header, headerLength } = parseHeader(encoded);
          expect(headerLength).toBe(encoded.length);
          expect(header.stanzas).toEqual(stanzas);
          expect(header.mac).toEqual(mac);
          expect(header.macInput).toEqual(encodeHeaderWithoutMac(stanzas));
          expect(encodeHeader(header.stanzas, header.mac)).toEqual(encoded);
        },
      ),
      runs,
    );
  });

  test('a body filling its last line exactly is followed by an empty line', () => {
    const stanza: Stanza = { type: 'test', args: [], body: new Uint8Array(48) };
    const text = Buffer.from(encodeHeaderWithoutMac([stanza])).toString();
    expect(text).toBe(`age-encryption.org/v1\n-> test\n${LINE64}\n\n---`);
    const empty = Buffer.from(encodeHeaderWithoutMac([{ type: 'test', args: [], body: new Uint8Array(0) }])).toString();
    expect(empty).toBe('age-encryption.org/v1\n-> test\n\n---');
  });

  test('the encoder refuses what the parser would refuse', () => {
    const body = new Uint8Array(0);
    expect(() => encodeHeaderWithoutMac([])).toThrow(TypeError);
    expect(() => encodeHeaderWithoutMac([{ type: '', args: [], body }])).toThrow(TypeError);
    expect(() => encodeHeaderWithoutMac([{ type: 'a b', args: [], body }])).toThrow(TypeError);
    expect(() => encodeHeaderWithoutMac([{ type: 'a', args: [''], body }])).toThrow(TypeError);
    expect(() => encodeHeaderWithoutMac([{ type: 'a', args: ['é'], body }])).toThrow(TypeError);
    expect(() => encodeHeaderWithoutMac([{ type: 'a', args: Array<string>(MAX_ARGUMENTS).fill('x'), body }])).toThrow(
      TypeError,
    );
    expect(() => encodeHeader([{ type: 'a', args: [], body }], new Uint8Array(31))).toThrow(TypeError);
  });
});

describe('strict parser: malformed headers', () => {
  const v = 'age-encryption.org/v1\n';
  const end = `--- ${MAC}\n`;
  const cases: [string, string][] = [
    ['unknown version', `age-encryption.org/v2\n-> X25519 ${SHARE}\n${BODY}\n${end}`],
    ['not an age file', 'GET / HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['CRLF line ends', VALID.replaceAll('\n', '\r\n')],
    ['CR inside a line', `${v}-> X25519 ${SHARE}\r\n${BODY}\n${end}`],
    ['tab in arguments', `${v}-> X25519\t${SHARE}\n${BODY}\n${end}`],
    ['no stanzas', `${v}${end}`],
    ['stanza without arguments', `${v}->\n${BODY}\n${end}`],
    ['stanza with only a space', `${v}-> \n${BODY}\n${end}`],
    ['empty argument (double space)', `${v}-> X25519  ${SHARE}\n${BODY}\n${end}`],
    ['trailing space after arguments', `${v}-> X25519 ${SHARE} \n${BODY}\n${end}`],
    ['bad stanza start', `${v}--> X25519 ${SHARE}\n${BODY}\n${end}`],
    ['missing body', `${v}-> X25519 ${SHARE}\n${end}`],
    ['padded base64 body', `${v}-> X25519 ${SHARE}\n${BODY}=\n${end}`],
    ['non-canonical body', `${v}-> X25519 ${SHARE}\n${BODY.slice(0, -1)}F\n${end}`],
    ['impossible base64 length', `${v}-> X25519 ${SHARE}\nAAAAA\n${end}`],
    ['body line longer than 64', `${v}-> x\n${LINE64}A\n\n${end}`],
    ['full last line not followed by a short line', `${v}-> x\n${LINE64}\n${end}`],
    ['two short lines', `${v}-> x\nAAAA\nAAAA\n${end}`],
    ['invalid body character', `${v}-> x\nAA-A\n${end}`],
    ['MAC line without space', `${v}-> x\n\n---${MAC}\n`],
    ['MAC line with two spaces', `${v}-> x\n\n---  ${MAC}\n`],
    ['MAC line with trailing space', `${v}-> x\n\n--- ${MAC} \n`],
    ['truncated MAC', `${v}-> x\n\n--- ${MAC.slice(0, 42)}\n`],
    ['long MAC', `${v}-> x\n\n--- ${MAC}A\n`],
    ['non-canonical MAC', `${v}-> x\n\n--- ${MAC.slice(0, -1)}h\n`],
    ['missing MAC', `${v}-> x\n\n---\n`],
    ['non-ASCII byte', `${v}-> x\u00e9\n\n${end}`],
    [
      'too many arguments',
      `${v}-> ${Array<string>(MAX_ARGUMENTS + 1)
        .fill('a')
        .join(' ')}\n\n${end}`,
    ],
    ['argument too long', `${v}-> ${'a'.repeat(MAX_ARGUMENT_LENGTH + 1)}\n\n${end}`],
    ['too many stanzas', `${v}${'-> x\n\n'.repeat(MAX_STANZAS + 1)}${end}`],
  ];

  test.each(cases)('%s', (_name, text) => {
    expectMalformed(text);
  });

  test('limits are inclusive: the maximum counts and lengths parse', () => {
    const many = `${v}${'-> x\n\n'.repeat(MAX_STANZAS)}${end}`;
    expect(parseHeader(bytesOf(many)).header.stanzas).toHaveLength(MAX_STANZAS);
    const wide = `${v}-> ${Array<string>(MAX_ARGUMENTS).fill('a'.repeat(MAX_ARGUMENT_LENGTH)).join(' ')}\n\n${end}`;
    expect(parseHeader(bytesOf(wide)).header.stanzas[0]!.args).toHaveLength(MAX_ARGUMENTS - 1);
  });

  test('a header over 64 KiB is refused, complete or not', () => {
    const bodyLines = `${LINE64}\n`.repeat(Math.ceil(MAX_HEADER_BYTES / 65));
    expectMalformed(`${v}-> x\n${bodyLines}\n${end}`);
    // Still inside a valid-looking body, but already too long: malformed, not incomplete.
    expectMalformed(`${v}-> x\n${bodyLines}`);
  });
});

describe('error codes callers branch on', () => {
  const v = 'age-encryption.org/v1\n';
  const end = `--- ${MAC}\n`;
  const longBody = `${LINE64}\n`.repeat(Math.ceil(MAX_HEADER_BYTES / 65));
  const cases: [string, string][] = [
    ['invalid-header', 'GET / HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['invalid-header', `${v}${end}`],
    [
      'invalid-header',
      `${v}-> ${Array<string>(MAX_ARGUMENTS + 1)
        .fill('a')
        .join(' ')}\n\n${end}`,
    ],
    ['unsupported-version', `age-encryption.org/v2\n-> X25519 ${SHARE}\n${BODY}\n${end}`],
    ['too-many-stanzas', `${v}${'-> x\n\n'.repeat(MAX_STANZAS + 1)}${end}`],
    ['header-too-long', `${v}-> x\n${longBody}\n${end}`],
    ['header-too-long', `${v}-> x\n${longBody}`],
    ['header-incomplete', VALID.slice(0, 30)],
  ];

  test.each(cases)('%s: %#', (code, text) => {
    const error = headerError(text);
    expect(error).toBeInstanceOf(AgeHeaderError);
    expect(error).toMatchObject({ code });
    expect(error instanceof AgeHeaderIncompleteError).toBe(code === 'header-incomplete');
  });
});

describe('incomplete versus malformed prefixes', () => {
  test('every strict prefix of a valid header is incomplete, and only that', () => {
    const text = `age-encryption.org/v1\n-> X25519 ${SHARE}\n${BODY}\n-> other a b\n${LINE64}\n\n--- ${MAC}\n`;
    const bytes = bytesOf(text);
    for (let length = 0; length < bytes.length; length++) {
      expect(headerError(bytes.subarray(0, length))).toBeInstanceOf(AgeHeaderIncompleteError);
    }
    expect(headerError(bytes)).toBeNull();
  });

  test('garbage is refused as soon as it is seen, before any line ends', () => {
    for (const prefix of [
      'G',
      'age-encryption.org/v2',
      'age-encryption.org/v1\n-x',
      'age-encryption.org/v1\n-> X25519 a\nAA=',
      'age-encryption.org/v1\n--- A=',
      'age-encryption.org/v1\n-> a  ',
      'age-encryption.org/v1\r',
    ]) {
      expectMalformed(prefix);
    }
  });

  test('property: a random byte flip in a prefix never yields a false "incomplete" beyond the flip', () => {
    const bytes = bytesOf(VALID);
    fc.assert(
      fc.property(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), (position, xor) => {
        const mutated = bytes.slice();
        mutated[position] = mutated[position]! ^ xor;
        const error = headerError(mutated);
        // The whole mutated header is either parsed or refused outright:
        // since a full header was supplied, "need more bytes" is impossible
        // unless the flip removed the final line feed.
        if (error instanceof AgeHeaderIncompleteError) expect(position).toBe(bytes.length - 1);
        else if (error !== null) expect(error).toBeInstanceOf(AgeHeaderError);
      }),
      runs,
    );
  });
});

describe('readHeader (streaming)', () => {
  test('returns the header and the rest without losing a byte, whatever the piece sizes', async () => {
    const payload = Uint8Array.from({ length: 3000 }, (_, i) => i % 256);
    const file = new Uint8Array([...bytesOf(VALID), ...payload]);
    for (const sizes of [1, 7, 64, 65, 500, file.length, [1, 100, 3]]) {
      const { header, headerLength, rest } = await readHeader(streamOf(file, sizes));
      expect(headerLength).toBe(VALID.length);
      expect(header.stanzas[0]!.args).toEqual([SHARE]);
      expect(await collect(rest)).toEqual(payload);
    }
  });

  test('a stream that ends inside the header is malformed (not "incomplete")', async () => {
    const cut = bytesOf(VALID).subarray(0, 40);
    const error: unknown = await readHeader(streamOf(cut, 5)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AgeHeaderError);
    expect(error).not.toBeInstanceOf(AgeHeaderIncompleteError);
    expect(error).toMatchObject({ code: 'truncated' });
  });

  test('stops reading at the size limit on an endless line', async () => {
    let pulled = 0;
    async function* endless(): AsyncGenerator<Uint8Array> {
      await Promise.resolve();
      yield bytesOf('age-encryption.org/v1\n-> x ');
      for (;;) {
        pulled += 1000;
        yield new Uint8Array(1000).fill(0x61);
      }
    }
    await expect(readHeader(endless())).rejects.toThrow(AgeHeaderError);
    expect(pulled).toBeLessThanOrEqual(MAX_HEADER_BYTES + 1000);
  });
});

describe('header MAC', () => {
  test('is HMAC-SHA-256 under HKDF(file key, "", "header"), per node:crypto', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ maxLength: 300 }),
        (fileKey, input) => {
          const key = new Uint8Array(hkdfSync('sha256', fileKey, new Uint8Array(0), 'header', 32));
          const expected = new Uint8Array(createHmac('sha256', key).update(input).digest());
          expect(headerMac(fileKey, input)).toEqual(expected);
        },
      ),
      runs,
    );
  });

  test('verifies only under the right key and bytes', () => {
    const fileKey = new Uint8Array(16).fill(1);
    const stanzas: Stanza[] = [{ type: 'x', args: ['y'], body: new Uint8Array(5) }];
    const encoded = encodeHeader(stanzas, headerMac(fileKey, encodeHeaderWithoutMac(stanzas)));
    const { header } = parseHeader(encoded);
    expect(verifyHeaderMac(fileKey, header)).toBe(true);
    expect(verifyHeaderMac(new Uint8Array(16).fill(2), header)).toBe(false);
    const other = parseHeader(encodeHeader([{ type: 'x', args: ['z'], body: new Uint8Array(5) }], header.mac)).header;
    expect(verifyHeaderMac(fileKey, other)).toBe(false);
  });
});
