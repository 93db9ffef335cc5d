// The composed envelope: round trips over random sizes and chunkings, and
// tampering of every kind refused with a typed error, never with wrong output.
import fc from 'fast-check';
import { decrypt, encrypt, type Identity, type Recipient } from '../../client/core/age.js';
import {
  AgeError,
  AgeHeaderError,
  AgeMacError,
  AgePayloadError,
  NoIdentityMatchError,
} from '../../client/core/errors.js';
import { encodeHeader, encodeHeaderWithoutMac, headerMac, parseHeader, type Stanza } from '../../client/core/header.js';
import { ScryptIdentity, ScryptRecipient } from '../../client/core/scrypt.js';
import { loadSodium } from '../../client/core/sodium.js';
import { CHUNK_SIZE, SEALED_CHUNK_SIZE } from '../../client/core/stream.js';
import { X25519Identity } from '../../client/core/x25519.js';
import { nodeAead } from '../../client/core-node/node-aead.js';
import { nodeScrypt } from '../../client/core-node/node-scrypt.js';
import { collect, JITLESS, patternBytes, sameBytes, streamOf } from '../support/age-helpers.js';
import { withCode } from '../support/coded-errors.js';

// Without WebAssembly every X25519 operation costs tens of milliseconds:
// fewer runs there (the same properties, the same code paths).
const runs = { numRuns: Number(process.env.SLOW) ? 1000 : JITLESS ? 25 : 50 };

let alice: X25519Identity;
let bob: X25519Identity;
let carol: X25519Identity;

beforeAll(async () => {
  await loadSodium();
  alice = X25519Identity.generate();
  bob = X25519Identity.generate();
  carol = X25519Identity.generate();
});

async function seal(
  plaintext: Uint8Array,
  recipients: Recipient[] = [alice.recipient(), bob.recipient()],
): Promise<Uint8Array> {
  return collect(encrypt(recipients, streamOf(plaintext, 30_000)));
}

async function open(
  file: Uint8Array,
  identities: Identity[] = [bob],
  pieces: number | number[] = 20_000,
): Promise<Uint8Array> {
  const { plaintext } = await decrypt(identities, streamOf(file, pieces));
  return collect(plaintext);
}

/** The error opening `file` ends with, or null if it opened. */
async function failure(file: Uint8Array, identities: Identity[] = [bob]): Promise<unknown> {
  return open(file, identities).then(
    () => null,
    (error: unknown) => error,
  );
}

describe('round trip', () => {
  test('property: any size around chunk boundaries, any chunking both ways, any recipient', async () => {
    const size = fc.oneof(
      fc.nat({ max: 300 }),
      fc.integer({ min: CHUNK_SIZE - 3, max: CHUNK_SIZE + 3 }),
      fc.integer({ min: 2 * CHUNK_SIZE - 3, max: 2 * CHUNK_SIZE + 3 }),
    );
    const pieces = fc.array(fc.integer({ min: 1, max: 80_000 }), { minLength: 1, maxLength: 4 });
    await fc.assert(
      fc.asyncProperty(
        size,
        pieces,
        pieces,
        fc.integer({ min: 0, max: 2 }),
        async (length, inPieces, outPieces, who) => {
          const plaintext = patternBytes(length, length + 1);
          const file = await collect(
            encrypt([alice.recipient(), bob.recipient(), carol.recipient()], streamOf(plaintext, inPieces)),
          );
          const identity = [alice, bob, carol][who]!;
          const { identity: matched, plaintext: out } = await decrypt(
            [X25519Identity.generate(), identity],
            streamOf(file, outPieces),
          );
          expect(matched).toBe(identity);
          expect(sameBytes(await collect(out), plaintext)).toBe(true);
        },
      ),
      { numRuns: Number(process.env.SLOW) ? 300 : JITLESS ? 8 : 20 },
    );
  });

  test('the payload AEAD is pluggable in both directions', async () => {
    const plaintext = patternBytes(CHUNK_SIZE + 10);
    const file = await collect(encrypt([bob.recipient()], streamOf(plaintext), { aead: nodeAead }));
    expect(sameBytes(await open(file), plaintext)).toBe(true);
    const { plaintext: out } = await decrypt([bob], streamOf(await seal(plaintext)), { aead: nodeAead });
    expect(sameBytes(await collect(out), plaintext)).toBe(true);
  });

  test('passphrase files round trip, and a wrong passphrase is "no match"', async () => {
    const plaintext = patternBytes(1000);
    const file = await seal(plaintext, [new ScryptRecipient('pass', nodeScrypt, 10)]);
    expect(await open(file, [new ScryptIdentity('pass', nodeScrypt)])).toEqual(plaintext);
    expect(await failure(file, [new ScryptIdentity('wrong', nodeScrypt)])).toBeInstanceOf(NoIdentityMatchError);
    expect(await failure(file, [new ScryptIdentity('wrong', nodeScrypt)])).toMatchObject({ code: 'no-identity-match' });
  });

  test('two encryptions of the same input share nothing', async () => {
    const a = await seal(new Uint8Array(100));
    const b = await seal(new Uint8Array(100));
    expect(a.length).toBe(b.length);
    expect(sameBytes(a.subarray(a.length - 116), b.subarray(b.length - 116))).toBe(false);
  });
});

describe('misuse and non-matching keys', () => {
  test('no recipients, no identities, or a passphrase mixed with keys are refused', async () => {
    await expect(collect(encrypt([], streamOf(new Uint8Array(1))))).rejects.toThrow(TypeError);
    const mixed = [new ScryptRecipient('pass', nodeScrypt, 10), alice.recipient()];
    await expect(collect(encrypt(mixed, streamOf(new Uint8Array(1))))).rejects.toThrow(TypeError);
    await expect(decrypt([], streamOf(await seal(new Uint8Array(1))))).rejects.toThrow(TypeError);
  });

  test('a header mixing an scrypt stanza with others is refused, even with a valid MAC and a matching key', async () => {
    let fileKey = new Uint8Array(0);
    const capture: Recipient = {
      wrapFileKey(key) {
        fileKey = key.slice();
        return bob.recipient().wrapFileKey(key);
      },
    };
    const file = await collect(encrypt([capture], streamOf(new Uint8Array(10))));
    const { header, headerLength } = parseHeader(file);
    const scrypt: Stanza = { type: 'scrypt', args: ['AAAAAAAAAAAAAAAAAAAAAA', '10'], body: new Uint8Array(32) };
    const mixed = [...header.stanzas, scrypt];
    const forged = new Uint8Array([
      ...encodeHeader(mixed, headerMac(fileKey, encodeHeaderWithoutMac(mixed))),
      ...file.subarray(headerLength),
    ]);
    // Without the scrypt stanza, the same forgery opens: the refusal is about the mix.
    const alone = new Uint8Array([
      ...encodeHeader(header.stanzas, headerMac(fileKey, encodeHeaderWithoutMac(header.stanzas))),
      ...file.subarray(headerLength),
    ]);
    expect(await open(alone)).toEqual(new Uint8Array(10));
    expect(await failure(forged)).toBeInstanceOf(AgeHeaderError);
    expect(await failure(forged)).toMatchObject({ code: 'invalid-stanza' });
  });

  test('a file for someone else is "no match"', async () => {
    expect(await failure(await seal(new Uint8Array(5)), [carol])).toBeInstanceOf(NoIdentityMatchError);
    expect(await failure(await seal(new Uint8Array(5)), [carol])).toMatchObject({ code: 'no-identity-match' });
  });

  test('the file key handed to recipients is wiped once the header is written', async () => {
    let seen: Uint8Array | undefined;
    const spy: Recipient = {
      wrapFileKey(fileKey) {
        seen = fileKey;
        expect(fileKey.some((byte) => byte !== 0)).toBe(true);
        return alice.recipient().wrapFileKey(fileKey);
      },
    };
    const stream = encrypt([spy], streamOf(new Uint8Array(10)));
    await stream.next();
    expect(seen).toHaveLength(16);
    expect(seen!.every((byte) => byte === 0)).toBe(true);
    await collect(stream);
  });

  test('the header is authenticated before decrypt resolves; the payload as it is read', async () => {
    const file = await seal(patternBytes(3 * CHUNK_SIZE));
    const headerLength = parseHeader(file).headerLength;
    const tampered = file.slice();
    tampered[tampered.length - 1]! ^= 1;
    const { plaintext } = await decrypt([bob], streamOf(tampered));
    const sizes: number[] = [];
    await expect(
      (async () => {
        for await (const chunk of plaintext) sizes.push(chunk.length);
      })(),
    ).rejects.toThrow(AgePayloadError);
    expect(sizes).toEqual([CHUNK_SIZE, CHUNK_SIZE]);
    const { header } = parseHeader(file);
    const wrongMac = header.mac.slice();
    wrongMac[0]! ^= 1;
    const badMac = new Uint8Array([...encodeHeader(header.stanzas, wrongMac), ...file.subarray(headerLength)]);
    await expect(decrypt([bob], streamOf(badMac))).rejects.toThrow(AgeMacError);
    await expect(decrypt([bob], streamOf(badMac))).rejects.toThrow(withCode('invalid-mac'));
  });
});

describe('tampering', () => {
  let file: Uint8Array;
  let headerLength: number;
  let stanzas: readonly Stanza[];
  let mac: Uint8Array;
  const plaintext = patternBytes(2 * CHUNK_SIZE + 100);

  beforeAll(async () => {
    file = await seal(plaintext);
    const parsed = parseHeader(file);
    headerLength = parsed.headerLength;
    stanzas = parsed.header.stanzas;
    mac = parsed.header.mac;
  });

  const withHeader = (newStanzas: readonly Stanza[]): Uint8Array =>
    new Uint8Array([...encodeHeader(newStanzas, mac), ...file.subarray(headerLength)]);

  test('the untampered file opens (so the refusals below are meaningful)', async () => {
    expect(sameBytes(await open(file), plaintext)).toBe(true);
    expect(sameBytes(await open(withHeader(stanzas)), plaintext)).toBe(true);
  });

  test('property: flipping any single bit anywhere is refused with a typed error', async () => {
    const bit = fc.oneof(fc.nat({ max: headerLength * 8 + 16 * 8 - 1 }), fc.nat({ max: file.length * 8 - 1 }));
    await fc.assert(
      fc.asyncProperty(bit, async (position) => {
        const tampered = file.slice();
        tampered[position >> 3]! ^= 1 << (position & 7);
        expect(await failure(tampered)).toBeInstanceOf(AgeError);
      }),
      runs,
    );
  });

  test('property: truncating at any position is refused with a typed error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: file.length - 1 }), async (length) => {
        expect(await failure(file.subarray(0, length))).toBeInstanceOf(AgeError);
      }),
      runs,
    );
  });

  test('truncation exactly at the structural boundaries', async () => {
    const payload = headerLength + 16;
    const cuts: [number, new (...args: never[]) => Error][] = [
      [0, AgeHeaderError],
      [headerLength - 1, AgeHeaderError],
      [headerLength, AgeHeaderError],
      [headerLength + 15, AgeHeaderError],
      [payload, AgePayloadError],
      [payload + SEALED_CHUNK_SIZE, AgePayloadError],
      [payload + 2 * SEALED_CHUNK_SIZE, AgePayloadError],
      [file.length - 1, AgePayloadError],
    ];
    for (const [length, kind] of cuts) expect(await failure(file.subarray(0, length))).toBeInstanceOf(kind);
  });

  test('appending anything is refused', async () => {
    for (const extra of [[0], [1, 2, 3], Array<number>(16).fill(0), Array<number>(SEALED_CHUNK_SIZE).fill(9)]) {
      expect(await failure(new Uint8Array([...file, ...extra]))).toBeInstanceOf(AgePayloadError);
    }
  });

  test('reordering, dropping or duplicating payload chunks is refused', async () => {
    const start = headerLength + 16;
    const head = file.subarray(0, start);
    const c0 = file.subarray(start, start + SEALED_CHUNK_SIZE);
    const c1 = file.subarray(start + SEALED_CHUNK_SIZE, start + 2 * SEALED_CHUNK_SIZE);
    const c2 = file.subarray(start + 2 * SEALED_CHUNK_SIZE);
    const join = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat([head, ...parts]));
    expect(sameBytes(await open(join(c0, c1, c2)), plaintext)).toBe(true);
    for (const parts of [
      [c1, c0, c2],
      [c0, c2],
      [c1, c2],
      [c0, c1],
      [c0, c0, c1, c2],
      [c0, c1, c1, c2],
      [c0, c1, c2, c2],
      [c2],
    ]) {
      expect(await failure(join(...parts))).toBeInstanceOf(AgePayloadError);
    }
  });

  test('swapping, duplicating, dropping or adding stanzas breaks the MAC', async () => {
    const [first, second] = stanzas as [Stanza, Stanza];
    const extra: Stanza = { type: 'grease', args: ['x'], body: new Uint8Array(3) };
    for (const variant of [
      [second, first],
      [first, second, second],
      [second, second],
      [second],
      [first, second, extra],
      [extra, first, second],
    ]) {
      expect(await failure(withHeader(variant))).toBeInstanceOf(AgeMacError);
    }
    // Dropping the stanza for us leaves nothing to unwrap.
    expect(await failure(withHeader([first]))).toBeInstanceOf(NoIdentityMatchError);
  });

  test('a stanza from another file for the same key gives a different file key: MAC failure', async () => {
    const other = parseHeader(await seal(new Uint8Array(1))).header.stanzas;
    expect(await failure(withHeader([stanzas[0]!, other[1]!]))).toBeInstanceOf(AgeMacError);
  });
});
