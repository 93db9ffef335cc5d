import { spawnSync } from 'node:child_process';
import { scryptSync } from 'node:crypto';
import fc from 'fast-check';
import { decodeBase64, encodeBase64 } from '../../client/core/base64.js';
import {
  decodePublicKey,
  encodePublicKey,
  formatKeyId,
  formatPublicKeyFile,
  generateKeyPair,
  MinisignError,
  parsePublicKeyFile,
  publicKeyOf,
  type MinisignKeyPair,
} from '../../client/core/minisign.js';
import {
  createMessageHasher,
  formatSignature,
  hashMessage,
  hashMessageStream,
  parseSignature,
  signMessage,
  verifySignature,
} from '../../client/core/minisign-signature.js';
import {
  formatSecretKeyFile,
  isSecretKeyFileEncrypted,
  parseSecretKeyFile,
  scryptParamsFromLimits,
} from '../../client/core/minisign-secret-key.js';
import { loadSodium, sodium } from '../../client/core/sodium.js';
import type { ScryptFunction } from '../../client/core/scrypt-function.js';
import { nodeScrypt } from '../../client/core-node/node-scrypt.js';
import { minisign, Scratch } from '../support/minisign-cli.js';
import { requireTools, runOnlyIf } from '../support/required-tools.js';
import { withCode } from '../support/coded-errors.js';

const numRuns = Number(process.env.SLOW) ? 1000 : 50;
const withMinisign = requireTools(['minisign'], 'interop with the minisign binary');
const withB2sum = requireTools(['b2sum'], 'BLAKE2b-512 against b2sum');
const encoder = new TextEncoder();
const passphrase = encoder.encode('correct horse battery staple');
/** N = 2^10, r = 8, p = 1: a millisecond of scrypt, so tests stay fast everywhere. */
const FAST = { opslimit: 32768, memlimit: 1 << 22 };
/**
 * node:crypto's scrypt without the thread-pool round trip. Under
 * `npm run test:jitless`, libsodium's stray WebAssembly rejection fails the
 * whole suite once a test waits on a macrotask (see the report to the lead);
 * the synchronous call keeps these tiny-parameter tests clear of that. The
 * asynchronous nodeScrypt is exercised by the real-defaults test below.
 */
const scrypt: ScryptFunction = (passphrase, salt, { logN, r, p, length }) =>
  Promise.resolve(new Uint8Array(scryptSync(passphrase, salt, length, { N: 2 ** logN, r, p })));

let scratch: Scratch;
let ours: MinisignKeyPair;

beforeAll(async () => {
  await loadSodium();
  scratch = new Scratch();
  ours = generateKeyPair();
});

afterAll(() => {
  scratch.remove();
});

/** Flip one bit of a base64 field of a signature file, keeping it canonical. */
function tamperLine(text: string, line: number, byteIndex: number): string {
  const lines = text.split('\n');
  const bytes = decodeBase64(lines[line]!, true);
  bytes[byteIndex]! ^= 1;
  lines[line] = encodeBase64(bytes, true);
  return lines.join('\n');
}

describe('public keys', () => {
  withMinisign.test('a key file written by minisign -G parses and re-formats byte for byte', () => {
    const result = minisign(['-G', '-W', '-p', scratch.path('g.pub'), '-s', scratch.path('g.key')]);
    expect(result.status).toBe(0);
    const text = scratch.read('g.pub');
    const key = parsePublicKeyFile(text);
    expect(formatPublicKeyFile(key)).toBe(text);
    // The key id in the comment is the 8 bytes read little-endian, printed without leading zeros.
    expect(text).toContain(`minisign public key ${formatKeyId(key.keyId).replace(/^0+(?=.)/, '')}\n`);
    expect(result.stdout).toContain(`-P ${encodePublicKey(key)}`);
  });

  test('a public key file prints a key id with leading zeros as minisign does', () => {
    const keyId = Uint8Array.from([0x9a, 0xa4, 0x92, 0x97, 0x53, 0x62, 0x06, 0x00]);
    const text = formatPublicKeyFile({ keyId, publicKey: new Uint8Array(32) });
    expect(text.split('\n')[0]).toBe('untrusted comment: minisign public key 662539792A49A');
    expect(parsePublicKeyFile(text).keyId).toEqual(keyId);
  });

  test('formatKeyId reverses the bytes as minisign prints them', () => {
    expect(formatKeyId(Uint8Array.from([0x9a, 0xa4, 0x92, 0x97, 0x53, 0x62, 0x06, 0x8e]))).toBe('8E0662539792A49A');
  });

  test('encode/decode round-trips any key', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 8, maxLength: 8 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (keyId, publicKey) => {
          const key = { keyId, publicKey };
          expect(decodePublicKey(encodePublicKey(key))).toEqual(key);
          expect(parsePublicKeyFile(formatPublicKeyFile(key))).toEqual(key);
        },
      ),
      { numRuns },
    );
  });

  test.each([
    [
      'wrong algorithm',
      (k: string) => encodeBase64(Uint8Array.from([0x45, 0x44, ...decodeBase64(k, true).subarray(2)]), true),
    ],
    ['truncated', (k: string) => k.slice(0, -4)],
    ['extra padding', (k: string) => `${k}=`],
    ['bad base64', (k: string) => `!${k.slice(1)}`],
    ['whitespace', (k: string) => ` ${k}`],
  ])('refuses a public key with %s', (_name, mangle) => {
    expect(() => decodePublicKey(mangle(encodePublicKey(ours.publicKey)))).toThrow(MinisignError);
  });

  test('refuses a truncated or extended key file', () => {
    const file = formatPublicKeyFile(ours.publicKey);
    expect(() => parsePublicKeyFile(file.split('\n')[0]!)).toThrow(MinisignError);
    expect(() => parsePublicKeyFile(`${file}extra\n`)).toThrow(MinisignError);
    expect(() => parsePublicKeyFile(file.replace('untrusted comment: ', ''))).toThrow(MinisignError);
  });
});

describe('BLAKE2b-512 prehash', () => {
  withB2sum.test('streaming in any chunking equals one-shot hashing and b2sum', async () => {
    const message = new Uint8Array(200_000).map((_, i) => (i * 31) & 0xff);
    const path = scratch.write('hash-me', message);
    const b2sum = spawnSync('b2sum', [path], { encoding: 'utf8' }).stdout.split(' ')[0];
    const oneShot = hashMessage(message);
    expect(Buffer.from(oneShot).toString('hex')).toBe(b2sum);
    async function* chunks(): AsyncIterable<Uint8Array> {
      for (let i = 0; i < message.length; i += 70_001) {
        await Promise.resolve(); // a real stream hands chunks over asynchronously
        yield message.subarray(i, i + 70_001);
      }
    }
    expect(await hashMessageStream(chunks())).toEqual(oneShot);
  });

  test('a finished hasher cannot be reused', () => {
    const hasher = createMessageHasher();
    hasher.digest();
    expect(() => {
      hasher.update(new Uint8Array(1));
    }).toThrow(TypeError);
  });
});

describe('signatures', () => {
  withMinisign.test('minisign -V accepts ours (prehashed, with our trusted comment)', () => {
    const message = encoder.encode('manifest bytes\n');
    const signature = signMessage(message, ours.secretKey, { trustedComment: 'sealdrop test\tcomment ✓' });
    scratch.write('ours.msg', message);
    scratch.write('ours.msg.minisig', signature);
    scratch.write('ours.pub', formatPublicKeyFile(ours.publicKey));
    const result = minisign(['-V', '-H', '-p', scratch.path('ours.pub'), '-m', scratch.path('ours.msg')]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Trusted comment: sealdrop test\tcomment ✓');
    // -P with the bare key string works too.
    const inline = minisign(['-V', '-P', encodePublicKey(ours.publicKey), '-m', scratch.path('ours.msg')]);
    expect(inline.status).toBe(0);
    expect(verifySignature(message, signature, ours.publicKey).trustedComment).toBe('sealdrop test\tcomment ✓');
  });

  withMinisign.test('minisign -V accepts the longest trusted comment it can carry', () => {
    const trustedComment = 'é'.repeat(4086) + 'x';
    scratch.write('long.msg', 'long');
    scratch.write('long.msg.minisig', signMessage(encoder.encode('long'), ours.secretKey, { trustedComment }));
    const result = minisign(['-V', '-Q', '-P', encodePublicKey(ours.publicKey), '-m', scratch.path('long.msg')]);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`${trustedComment}\n`);
  });

  withMinisign.test('signatures made by minisign -S verify with ours', () => {
    minisign(['-G', '-W', '-f', '-p', scratch.path('s.pub'), '-s', scratch.path('s.key')]);
    const message = encoder.encode('signed by the real minisign');
    scratch.write('theirs.msg', message);
    const result = minisign([
      '-S',
      '-s',
      scratch.path('s.key'),
      '-m',
      scratch.path('theirs.msg'),
      '-t',
      'from minisign',
    ]);
    expect(result.status).toBe(0);
    const key = parsePublicKeyFile(scratch.read('s.pub'));
    const signature = scratch.read('theirs.msg.minisig');
    expect(verifySignature(message, signature, key)).toEqual({ trustedComment: 'from minisign', keyId: key.keyId });
    expect(() => verifySignature(encoder.encode('signed by the real minisigN'), signature, key)).toThrow(
      'signature verification failed',
    );
  });

  withMinisign.test('refuses legacy (non-prehashed) signatures from minisign -S -l', () => {
    minisign(['-G', '-W', '-f', '-p', scratch.path('l.pub'), '-s', scratch.path('l.key')]);
    scratch.write('legacy.msg', 'legacy');
    minisign(['-S', '-l', '-s', scratch.path('l.key'), '-m', scratch.path('legacy.msg'), '-t', 'old']);
    const key = parsePublicKeyFile(scratch.read('l.pub'));
    expect(() => verifySignature(encoder.encode('legacy'), scratch.read('legacy.msg.minisig'), key)).toThrow(
      'legacy non-prehashed signature refused',
    );
    expect(() => verifySignature(encoder.encode('legacy'), scratch.read('legacy.msg.minisig'), key)).toThrow(
      withCode('legacy-signature'),
    );
  });

  describe('refusals', () => {
    const message = encoder.encode('the message');
    let signature: string;
    beforeAll(() => {
      signature = signMessage(message, ours.secretKey, { trustedComment: 'trusted', untrustedComment: 'untrusted' });
    });

    test('a changed message byte', () => {
      expect(() => verifySignature(encoder.encode('the messagE'), signature, ours.publicKey)).toThrow(
        'signature verification failed',
      );
      expect(() => verifySignature(encoder.encode('the messagE'), signature, ours.publicKey)).toThrow(
        withCode('invalid-signature'),
      );
    });

    test('a changed trusted comment', () => {
      const changed = signature.replace('trusted comment: trusted', 'trusted comment: trusteD');
      expect(() => verifySignature(message, changed, ours.publicKey)).toThrow(
        'trusted comment signature verification failed',
      );
      expect(() => verifySignature(message, changed, ours.publicKey)).toThrow(withCode('invalid-signature'));
    });

    test('a changed untrusted comment still verifies (it is unsigned by design)', () => {
      const changed = signature.replace('untrusted comment: untrusted', 'untrusted comment: anything at all');
      expect(verifySignature(message, changed, ours.publicKey).trustedComment).toBe('trusted');
    });

    test('a changed signature or global signature', () => {
      expect(() => verifySignature(message, tamperLine(signature, 1, 20), ours.publicKey)).toThrow(MinisignError);
      expect(() => verifySignature(message, tamperLine(signature, 3, 5), ours.publicKey)).toThrow(MinisignError);
    });

    test('the wrong key, and a key with the same id but another public key', () => {
      const other = generateKeyPair().publicKey;
      expect(() => verifySignature(message, signature, other)).toThrow(
        'signature key id does not match the public key',
      );
      expect(() => verifySignature(message, signature, other)).toThrow(withCode('wrong-key'));
      const impostor = { keyId: ours.publicKey.keyId, publicKey: other.publicKey };
      expect(() => verifySignature(message, signature, impostor)).toThrow('signature verification failed');
    });

    test('an unknown algorithm', () => {
      const packed = decodeBase64(signature.split('\n')[1]!, true);
      packed.set(encoder.encode('EX'), 0);
      const lines = signature.split('\n');
      lines[1] = encodeBase64(packed, true);
      expect(() => verifySignature(message, lines.join('\n'), ours.publicKey)).toThrow(
        'unsupported signature algorithm',
      );
      expect(() => verifySignature(message, lines.join('\n'), ours.publicKey)).toThrow(
        withCode('unsupported-algorithm'),
      );
    });

    test.each([
      ['truncated to three lines', (s: string) => s.split('\n').slice(0, 3).join('\n')],
      ['truncated mid-line', (s: string) => s.slice(0, -10)],
      ['empty', () => ''],
      ['extra lines', (s: string) => `${s}more\n`],
      ['malformed base64', (s: string) => s.replace(/\n(.)/, '\n*')],
      ['missing trusted prefix', (s: string) => s.replace('trusted comment: ', 'trusted: ')],
      ['missing untrusted prefix', (s: string) => s.replace('untrusted comment: ', '')],
      ['a stray carriage return', (s: string) => s.replace('trusted comment: trusted', 'trusted comment: tru\rsted')],
    ])('%s', (_name, mangle) => {
      expect(() => verifySignature(message, mangle(signature), ours.publicKey)).toThrow(MinisignError);
      expect(() => verifySignature(message, mangle(signature), ours.publicKey)).toThrow(withCode('malformed'));
    });

    test('CRLF line ends are tolerated', () => {
      expect(verifySignature(message, signature.replaceAll('\n', '\r\n'), ours.publicKey).trustedComment).toBe(
        'trusted',
      );
    });

    test('comments minisign could not carry are refused when signing', () => {
      for (const trustedComment of ['two\nlines', 'nul\0', 'x'.repeat(8174), 'é'.repeat(4087), '\uD800']) {
        expect(() => signMessage(message, ours.secretKey, { trustedComment })).toThrow(MinisignError);
        expect(() => signMessage(message, ours.secretKey, { trustedComment })).toThrow(withCode('invalid-comment'));
      }
      expect(() => signMessage(message, ours.secretKey, { trustedComment: 'x'.repeat(8173) })).not.toThrow();
    });
  });

  test('parse/format round-trips any signature fields', () => {
    const comment = fc.string({ maxLength: 40 }).filter((s) => !/[\r\n\0\uD800-\uDFFF]/u.test(s));
    fc.assert(
      fc.property(
        comment,
        comment,
        fc.uint8Array({ minLength: 8, maxLength: 8 }),
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        (untrustedComment, trustedComment, keyId, signature, globalSignature) => {
          const fields = {
            untrustedComment,
            algorithm: 'ED' as const,
            keyId,
            signature,
            trustedComment,
            globalSignature,
          };
          expect(parseSignature(formatSignature(fields))).toEqual(fields);
        },
      ),
      { numRuns },
    );
  });

  test('sign/verify round-trips any message and comment', () => {
    const comment = fc.string({ maxLength: 60 }).filter((s) => !/[\r\n\0\uD800-\uDFFF]/u.test(s));
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), comment, (message, trustedComment) => {
        const signature = signMessage(message, ours.secretKey, { trustedComment });
        expect(verifySignature(message, signature, ours.publicKey).trustedComment).toBe(trustedComment);
      }),
      { numRuns },
    );
  });
});

describe('secret key files', () => {
  test('pickparams matches libsodium for minisign defaults and both branches', () => {
    expect(scryptParamsFromLimits(33554432n, 1073741824n)).toEqual({ logN: 20, r: 8, p: 1 });
    expect(scryptParamsFromLimits(32768n, 1n << 22n)).toEqual({ logN: 10, r: 8, p: 1 });
    expect(scryptParamsFromLimits(1n << 18n, 1n << 20n)).toEqual({ logN: 10, r: 8, p: 8 });
    // opslimit is raised to 32768; memlimit 0 takes the second branch.
    expect(scryptParamsFromLimits(0n, 0n)).toEqual({ logN: 1, r: 8, p: 512 });
    expect(scryptParamsFromLimits(100000n, 3000000n)).toEqual({ logN: 11, r: 8, p: 1 });
  });

  // minisign's own libsodium is the independent oracle for the N, r, p choice:
  // it signs with a key we encrypted only if it derives the same key stream.
  withMinisign.test.each([
    ['small opslimit branch', 32768, 1 << 22],
    ['memlimit branch, p = 8', 1 << 18, 1 << 20],
    ['odd limits', 100000, 3000000],
  ])('an encrypted key we write signs with minisign -S (%s)', async (_name, opslimit, memlimit) => {
    const file = await formatSecretKeyFile(ours.secretKey, { passphrase, scrypt, opslimit, memlimit });
    expect(isSecretKeyFileEncrypted(file)).toBe(true);
    scratch.write('enc.key', file);
    scratch.write('enc.msg', 'signed with our encrypted key');
    const result = minisign(
      ['-S', '-s', scratch.path('enc.key'), '-m', scratch.path('enc.msg'), '-t', 'enc'],
      'correct horse battery staple\n',
    );
    expect(result.stderr).not.toContain('Wrong password');
    expect(result.status).toBe(0);
    expect(
      verifySignature(encoder.encode('signed with our encrypted key'), scratch.read('enc.msg.minisig'), ours.publicKey),
    ).toEqual({ trustedComment: 'enc', keyId: ours.publicKey.keyId });
    const reread = await parseSecretKeyFile(file, { passphrase, scrypt });
    expect(reread).toEqual(ours.secretKey);
  });

  withMinisign.test('minisign rejects a wrong passphrase for our file, and so do we', async () => {
    const file = await formatSecretKeyFile(ours.secretKey, { passphrase, scrypt, ...FAST });
    scratch.write('enc2.key', file);
    scratch.write('enc2.msg', 'x');
    const result = minisign(['-S', '-s', scratch.path('enc2.key'), '-m', scratch.path('enc2.msg')], 'wrong\n');
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('Wrong password');
    await expect(parseSecretKeyFile(file, { passphrase: encoder.encode('wrong'), scrypt })).rejects.toThrow(
      'wrong passphrase or corrupted secret key',
    );
    await expect(parseSecretKeyFile(file)).rejects.toThrow('a passphrase is required');
  });

  withMinisign.test(
    'an unencrypted key we write signs with minisign -S, and minisign -R recovers our public key file',
    async () => {
      const file = await formatSecretKeyFile(ours.secretKey, null);
      expect(isSecretKeyFileEncrypted(file)).toBe(false);
      scratch.write('plain.key', file);
      scratch.write('plain.msg', 'plain');
      const signed = minisign(['-S', '-s', scratch.path('plain.key'), '-m', scratch.path('plain.msg'), '-t', 'plain']);
      expect(signed.status).toBe(0);
      expect(
        verifySignature(encoder.encode('plain'), scratch.read('plain.msg.minisig'), ours.publicKey).trustedComment,
      ).toBe('plain');
      const recreated = minisign(['-R', '-f', '-s', scratch.path('plain.key'), '-p', scratch.path('plain.pub')]);
      expect(recreated.status).toBe(0);
      expect(scratch.read('plain.pub')).toBe(formatPublicKeyFile(ours.publicKey));
      expect(await parseSecretKeyFile(file)).toEqual(ours.secretKey);
    },
  );

  withMinisign.test('a key from minisign -G -W loads and signs what minisign -V accepts', async () => {
    minisign(['-G', '-W', '-f', '-p', scratch.path('w.pub'), '-s', scratch.path('w.key')]);
    const secretKey = await parseSecretKeyFile(scratch.read('w.key'));
    const publicKey = parsePublicKeyFile(scratch.read('w.pub'));
    expect(publicKeyOf(secretKey)).toEqual(publicKey);
    scratch.write('w.msg', 'ours with their key');
    scratch.write(
      'w.msg.minisig',
      signMessage(encoder.encode('ours with their key'), secretKey, { trustedComment: 'w' }),
    );
    const result = minisign(['-V', '-H', '-p', scratch.path('w.pub'), '-m', scratch.path('w.msg')]);
    expect(result.status).toBe(0);
  });

  // minisign -G always encrypts with its real defaults (N = 2^20, 1 GiB): slow
  // but the only way to prove we read what it writes. Skipped in the jitless
  // run, which must keep scrypt tiny; the scrypt itself is node:crypto's there
  // too, so the jitless run would prove nothing more.
  const realScrypt = runOnlyIf(
    process.env.SEALDROP_EXPECT_NO_WASM !== '1',
    'an encrypted key from minisign -G at its default scrypt limits',
    'the jitless run keeps scrypt parameters tiny',
    withMinisign,
  );
  realScrypt.test(
    'an encrypted key from minisign -G (default scrypt limits) loads and signs',
    async () => {
      const generated = minisign(
        ['-G', '-f', '-p', scratch.path('e.pub'), '-s', scratch.path('e.key')],
        'correct horse battery staple\ncorrect horse battery staple\n',
      );
      expect(generated.status).toBe(0);
      const text = scratch.read('e.key');
      expect(isSecretKeyFileEncrypted(text)).toBe(true);
      const secretKey = await parseSecretKeyFile(text, { passphrase, scrypt: nodeScrypt });
      const publicKey = parsePublicKeyFile(scratch.read('e.pub'));
      expect(publicKeyOf(secretKey)).toEqual(publicKey);
      scratch.write('e.msg', 'ours with their encrypted key');
      scratch.write(
        'e.msg.minisig',
        signMessage(encoder.encode('ours with their encrypted key'), secretKey, { trustedComment: 'e' }),
      );
      expect(minisign(['-V', '-H', '-p', scratch.path('e.pub'), '-m', scratch.path('e.msg')]).status).toBe(0);
    },
    120_000,
  );

  describe('refusals', () => {
    let plain: string;
    beforeAll(async () => {
      plain = await formatSecretKeyFile(ours.secretKey, null);
    });

    function mangleBody(text: string, edit: (bytes: Uint8Array) => void): string {
      const [comment, body] = text.split('\n') as [string, string];
      const bytes = decodeBase64(body, true);
      edit(bytes);
      return `${comment}\n${encodeBase64(bytes, true)}\n`;
    }

    test.each([
      [
        'signature algorithm',
        (b: Uint8Array) => {
          b.set(encoder.encode('ED'), 0);
        },
        'unsupported secret key algorithm',
        'unsupported-algorithm',
      ],
      [
        'kdf algorithm',
        (b: Uint8Array) => {
          b.set(encoder.encode('Ar'), 2);
        },
        'unsupported secret key derivation function',
        'unsupported-algorithm',
      ],
      [
        'checksum algorithm',
        (b: Uint8Array) => {
          b.set(encoder.encode('B3'), 4);
        },
        'unsupported secret key checksum',
        'unsupported-algorithm',
      ],
      ['secret key byte', (b: Uint8Array) => (b[54 + 8 + 3]! ^= 1), 'corrupted secret key', 'corrupted-key'],
      ['public half', (b: Uint8Array) => (b[54 + 8 + 40]! ^= 1), 'corrupted secret key', 'corrupted-key'],
    ])('a changed %s', async (_name, edit, message, code) => {
      await expect(parseSecretKeyFile(mangleBody(plain, edit))).rejects.toThrow(message);
      await expect(parseSecretKeyFile(mangleBody(plain, edit))).rejects.toThrow(withCode(code));
    });

    test('an encrypted key without its passphrase, or with a wrong one', async () => {
      const encrypted = await formatSecretKeyFile(ours.secretKey, { passphrase, scrypt, ...FAST });
      await expect(parseSecretKeyFile(encrypted)).rejects.toThrow(withCode('passphrase-required'));
      await expect(parseSecretKeyFile(encrypted, { passphrase: encoder.encode('wrong'), scrypt })).rejects.toThrow(
        withCode('wrong-passphrase'),
      );
    });

    test('a corrupted public half is caught even with the checksum zeroed like minisign -W', async () => {
      const zeroed = mangleBody(plain, (b) => {
        b.fill(0, 54 + 8 + 64);
        b[54 + 8 + 40]! ^= 1;
      });
      await expect(parseSecretKeyFile(zeroed)).rejects.toThrow('corrupted secret key');
    });

    test('truncated and malformed files', async () => {
      await expect(parseSecretKeyFile(plain.split('\n')[0]!)).rejects.toThrow(MinisignError);
      await expect(parseSecretKeyFile(plain.slice(0, -20))).rejects.toThrow(MinisignError);
      await expect(parseSecretKeyFile(plain.replace(/\n(.)/, '\n#'))).rejects.toThrow(MinisignError);
    });

    test('scrypt limits demanding unbounded memory or time', async () => {
      const encrypted = await formatSecretKeyFile(ours.secretKey, { passphrase, scrypt, ...FAST });
      const huge = mangleBody(encrypted, (b) => {
        b.set([0, 0, 0, 0, 0, 1, 0, 0], 46);
      }); // memlimit 2^40
      const hugeOps = mangleBody(huge, (b) => {
        b.set([0, 0, 0, 0, 0, 1, 0, 0], 38);
      });
      await expect(parseSecretKeyFile(hugeOps, { passphrase, scrypt })).rejects.toThrow(
        'unsupported scrypt parameters',
      );
      const zero = mangleBody(encrypted, (b) => b.fill(0, 38, 54));
      await expect(parseSecretKeyFile(zero, { passphrase, scrypt })).rejects.toThrow('unsupported scrypt parameters');
      await expect(parseSecretKeyFile(zero, { passphrase, scrypt })).rejects.toThrow(
        withCode('unsupported-scrypt-parameters'),
      );
    });

    test('passphrases minisign could not read', async () => {
      for (const bad of [encoder.encode('a\nb'), encoder.encode(''), new Uint8Array(1023).fill(0x61)]) {
        await expect(formatSecretKeyFile(ours.secretKey, { passphrase: bad, scrypt, ...FAST })).rejects.toThrow(
          MinisignError,
        );
        await expect(formatSecretKeyFile(ours.secretKey, { passphrase: bad, scrypt, ...FAST })).rejects.toThrow(
          withCode('invalid-passphrase'),
        );
      }
    });
  });

  test('generated keys are consistent and use distinct random ids', () => {
    const a = generateKeyPair();
    const b = generateKeyPair();
    expect(publicKeyOf(a.secretKey)).toEqual(a.publicKey);
    expect(a.publicKey.keyId).not.toEqual(b.publicKey.keyId);
    expect(
      sodium().crypto_sign_verify_detached(
        sodium().crypto_sign_detached(new Uint8Array(3), a.secretKey.secretKey),
        new Uint8Array(3),
        a.publicKey.publicKey,
      ),
    ).toBe(true);
  });
});
